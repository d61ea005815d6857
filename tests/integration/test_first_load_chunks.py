"""A first load in committed chunks (`--first-load-chunk-days`): each chunk is loaded and committed
on its own, several read at once, so a first load killed with -9 goes on with the chunks not
loaded and ends equal to the org, having sent at most 65% of a whole load's requests again; the
next run is an ordinary incremental one."""

from __future__ import annotations

from pathlib import Path

from helpers.cli import Cli, kill_after, progress_files
from helpers.org import assert_duckdb_equal_to_org

from kustomer_sandbox import serve

OBJECTS = ["customers", "conversations", "notes"]
RUN = ("--objects", ",".join(OBJECTS), "--first-load-chunk-days", "45")
SCALE, SEED = 200, 61


def test_a_killed_chunked_first_load_goes_on_from_its_last_chunk(tmp_path: Path) -> None:
    with serve(seed=SEED, scale=SCALE) as sb:
        cli = Cli(sb, tmp_path / "whole")
        out = cli.run(*RUN)
        whole = sb.control.requests()
        chunks = [line for line in out.stdout.splitlines() if line.startswith("first load chunk")]
        assert len(chunks) >= 5, out.stdout[-2000:]
        # the lists' part first, beside the newest range: both budgets are spent
        assert "the beginning" in chunks[0], chunks
        assert chunks[1].endswith(max(line.split()[-1] for line in chunks)), chunks
        assert_duckdb_equal_to_org(sb, cli.loader, OBJECTS)
        assert not progress_files(cli)
        # changes after the first load: an ordinary incremental run picks them up
        customer = next(iter(sb.control.records("customers")))["id"]
        sb.control.advance_clock(600)
        sb.control.update("customers", customer, {"name": "Changed After The Load"})
        sb.control.reset_requests()
        out = cli.run(*RUN)
        assert "first load chunk" not in out.stdout
        assert_duckdb_equal_to_org(sb, cli.loader, OBJECTS)
        assert sb.control.requests() < 60
    with serve(seed=SEED, scale=SCALE) as sb:
        sb.control.set_latency(15)  # slow enough to be killed mid-way
        cli = Cli(sb, tmp_path / "killed")
        kill_after(cli, whole // 2, *RUN)
        assert progress_files(cli), "no chunk was committed before the kill"
        sb.control.set_latency(0)
        sb.control.reset_requests()
        out = cli.run(*RUN)
        assert "continuing after" in out.stdout, out.stdout[-2000:]
        rerun = sb.control.requests()
        assert_duckdb_equal_to_org(sb, cli.loader, OBJECTS)
        assert not progress_files(cli)
        print(f"\nwhole chunked load {whole} requests, rerun after the kill {rerun}")
        assert rerun <= 0.65 * whole, (rerun, whole)
