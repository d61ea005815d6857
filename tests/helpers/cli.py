"""The command users run (`pipelines/kustomer_pipeline.py`) against a sandbox, in a directory
of the test's own, and what it left in DuckDB."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb

from kustomer_sandbox import Sandbox

from .loading import REPO, Loader

PIPELINE = str(REPO / "pipelines" / "kustomer_pipeline.py")


class Cli:
    """The pipeline script run against a sandbox in `workdir` (./kustomer.duckdb lands there)."""

    def __init__(
        self, sb: Sandbox, workdir: Path, pipelines_dir: Path | None = None, **settings: str
    ) -> None:
        self.sb, self.workdir = sb, workdir
        self.pipelines_dir = pipelines_dir or workdir / "pipelines"
        self.env = {
            **os.environ,
            "SOURCES__KUSTOMER__API_KEY": sb.token,
            "SOURCES__KUSTOMER__BASE_URL": sb.base_url,
            "RUNTIME__LOG_LEVEL": "WARNING",
            **{
                f"SOURCES__KUSTOMER__TUNING__{key.upper()}": value
                for key, value in settings.items()
            },
        }
        self.loader = Loader(workdir)

    def command(self, *args: str) -> list[str]:
        return [sys.executable, PIPELINE, "--pipelines-dir", str(self.pipelines_dir), *args]

    def run(self, *args: str, ok: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
        out = subprocess.run(
            self.command(*args),
            cwd=self.workdir,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        if ok:
            assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
        return out

    def fails(self, *args: str, **env: str) -> str:
        """Runs and expects exit status 1 with one `error:` line on stderr; returns that line."""
        out = self.run(*args, ok=False, **env)
        assert out.returncode == 1, out.stdout[-2000:] + out.stderr[-3000:]
        errors = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, out.stderr[-3000:]
        assert "Traceback" not in out.stderr, out.stderr[-3000:]
        assert self.sb.token not in out.stderr + out.stdout
        assert ".." not in errors[0], errors[0]
        return errors[0]

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table of the dataset, dlt's own tables included."""
        with duckdb.connect(self.loader.db_path, read_only=True) as con:
            tables = [
                name
                for (name,) in con.execute(
                    "select table_name from information_schema.tables "
                    "where table_schema = 'kustomer_data' order by 1"
                ).fetchall()
            ]
            return {
                t: con.execute(f'select * from kustomer_data."{t}" order by all').fetchall()
                for t in tables
            }


def kill_after(cli: Cli, requests: int, *args: str, chunks: int = 0) -> None:
    """Runs the command with `args` and kills it with -9 once the org has answered `requests`
    requests (and, with `chunks`, once that many first-load chunks are loaded)."""
    proc = subprocess.Popen(
        cli.command(*args),
        cwd=cli.workdir,
        env=cli.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and (
            cli.sb.control.requests() < requests or _chunks_done(cli) < chunks
        ):
            assert time.monotonic() < deadline, "the load did not get that far"
            time.sleep(0.02)
        assert proc.poll() is None, "the load ended before the kill"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def progress_files(cli: Cli) -> list[Path]:
    """The progress files of unfinished chunked first loads under the command's pipelines, and
    the working directories of their chunks' pipelines."""
    return [
        *cli.pipelines_dir.glob("*/first_load_chunks.json"),
        *cli.pipelines_dir.glob("*_chunk_*"),
    ]


def _chunks_done(cli: Cli) -> int:
    import json

    for path in progress_files(cli):
        try:
            progress = json.loads(path.read_text())
            # chunks loaded: the parts done, and the objects whose window has moved down
            return len(progress["done"]) + len(progress["ends"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0
    return 0
