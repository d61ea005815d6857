"""A backfill in bounded chunks (`--backfill-from/--backfill-to --chunk-days`) killed with -9
goes on after the last chunk it loaded, and ends equal to the org; a backfill that ended runs
whole again when asked again."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers.cli import Cli, kill_after
from helpers.org import assert_duckdb_equal_to_org

from kustomer_sandbox import serve

OBJECTS = ["customers", "notes"]
# the sandbox org's records are created from 2023 on and its clock stands at 2026-11-01
BACKFILL = (
    "--objects", ",".join(OBJECTS),
    "--backfill-from", "2022-01-01", "--backfill-to", "2026-12-01", "--chunk-days", "240",
)  # fmt: skip


def chunks_read(stdout: str) -> list[str]:
    return [line.split()[1] for line in stdout.splitlines() if line.startswith("backfill 20")]


def test_a_killed_backfill_goes_on_after_its_last_chunk_loaded(tmp_path: Path) -> None:
    with serve(seed=71, scale=40) as sb:
        whole = Cli(sb, tmp_path / "whole")
        out = whole.run(*BACKFILL)
        assert chunks_read(out.stdout)[0] == "2022-01-01", out.stdout[-2000:]
        assert_duckdb_equal_to_org(sb, whole.loader, OBJECTS)
        requests = sb.control.requests()
        for keeps_nothing in (False, True):  # a runner that keeps no working directory
            sb.control.set_latency(15)
            sb.control.reset_requests()
            cli = Cli(sb, tmp_path / f"killed_{keeps_nothing}")
            kill_after(cli, requests // 2, *BACKFILL)
            if keeps_nothing:
                shutil.rmtree(cli.pipelines_dir)
            sb.control.set_latency(0)
            sb.control.reset_requests()
            out = cli.run(*BACKFILL)
            assert "backfill: going on from" in out.stdout, out.stdout[-2000:]
            assert "2022-01-01" not in chunks_read(out.stdout), out.stdout[-2000:]
            assert sb.control.requests() < requests, (sb.control.requests(), requests)
            assert_duckdb_equal_to_org(sb, cli.loader, OBJECTS)
        # the backfill ended: asked again, it runs whole
        out = cli.run(*BACKFILL)
        assert "going on" not in out.stdout and chunks_read(out.stdout)[0] == "2022-01-01"
