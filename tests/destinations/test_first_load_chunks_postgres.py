"""A first load in committed chunks into PostgreSQL, killed with -9 halfway and run again, ends
equal to the org (the killed chunk's half-loaded package is undone first)."""

from __future__ import annotations

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
        sb.control.set_latency(0)
        out = cli.run(*RUN, *target)
        assert "continuing a chunked first load" in out.stdout, out.stdout[-2000:]
        assert_reader_equal_to_org(sb, warehouse, OBJECTS)
        assert not progress_files(cli)
