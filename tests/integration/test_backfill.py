"""A backfill in bounded chunks (`--backfill-from/--backfill-to --chunk-days`) killed with -9
goes on after the last chunk it loaded, and ends equal to the org; a backfill that ended runs
whole again when asked again."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from helpers.cli import Cli
from helpers.org import assert_duckdb_equal_to_org

from kustomer_sandbox import serve

OBJECTS = ["customers", "notes"]
# the sandbox org's records are created from 2023 on and its clock stands at 2026-11-01: five
# chunks, the first of them empty
BACKFILL = (
    "--objects", ",".join(OBJECTS),
    "--backfill-from", "2022-01-01", "--backfill-to", "2026-12-01", "--chunk-days", "365",
)  # fmt: skip
CHUNKS = 5


def chunks_read(stdout: str) -> list[str]:
    return [line.split()[1] for line in stdout.splitlines() if line.startswith("backfill 20")]


def killed_in_chunk(cli: Cli, number: int) -> None:
    """Runs the backfill and kills it (-9) as chunk `number` (from 1) starts."""
    run = subprocess.Popen(
        cli.command(*BACKFILL), cwd=cli.workdir, env=cli.env, stdout=subprocess.PIPE, text=True
    )
    assert run.stdout is not None
    started = 0
    for line in run.stdout:
        started += line.startswith("backfill 20")
        if started == number:
            run.kill()
            break
    run.wait()
    assert run.returncode == -9, "the backfill ended before it could be killed"


def test_a_killed_backfill_goes_on_after_its_last_chunk_loaded(tmp_path: Path) -> None:
    with serve(seed=71, scale=40) as sb:
        for keeps_nothing in (False, True):  # a runner that keeps no working directory
            cli = Cli(sb, tmp_path / f"killed_{keeps_nothing}")
            killed_in_chunk(cli, 4)  # three chunks loaded
            if keeps_nothing:
                shutil.rmtree(cli.pipelines_dir)
            out = cli.run(*BACKFILL)
            assert "backfill: going on from" in out.stdout, out.stdout[-2000:]
            # the local note says three chunks; the destination's, committed with the next
            # chunk's load, two
            assert len(chunks_read(out.stdout)) == CHUNKS - (2 if keeps_nothing else 3), out.stdout
            assert_duckdb_equal_to_org(sb, cli.loader, OBJECTS)
        # the backfill ended: asked again, it runs whole
        out = cli.run(*BACKFILL)
        assert "going on" not in out.stdout and len(chunks_read(out.stdout)) == CHUNKS
