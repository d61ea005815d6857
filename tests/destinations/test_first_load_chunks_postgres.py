"""A first load in committed chunks into PostgreSQL, killed with -9 halfway and run again on a
runner that kept nothing (GitHub Actions), ends equal to the org: the plan and the chunks' progress
come from the warehouse, and what a half-loaded chunk appended is deleted first."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers.cli import Cli, kill_after, progress_files
from helpers.readers import PostgresReader, assert_reader_equal_to_org

from kustomer_sandbox import serve

OBJECTS = ["customers", "conversations", "notes"]
RUN = ("--objects", ",".join(OBJECTS), "--first-load-chunk-records", "40")


def test_a_killed_chunked_first_load_into_postgres_ends_equal_to_the_org(
    warehouse: PostgresReader, tmp_path: Path
) -> None:
    target = ("--destination", "postgres", "--dataset", warehouse.dataset)
    with serve(seed=63, scale=80) as sb:
        sb.control.set_latency(15)
        cli = Cli(sb, tmp_path)
        cli.env["SOURCES__KUSTOMER__TUNING__SEARCH_PAGE_SIZE"] = "20"  # several chunks an object
        kill_after(cli, 0, *RUN, *target, chunks=3)  # killed in its fourth chunk
        assert progress_files(cli)
        # a runner that keeps nothing between runs (GitHub Actions): the warehouse alone says
        # where the first load got
        shutil.rmtree(cli.pipelines_dir)
        sb.control.set_latency(0)
        out = cli.run(*RUN, *target)
        assert "no progress file here; the destination says" in out.stdout, out.stdout[-2000:]
        assert "loaded 0 of" not in out.stdout, out.stdout[-2000:]
        assert_reader_equal_to_org(sb, warehouse, OBJECTS)
        assert not progress_files(cli)
