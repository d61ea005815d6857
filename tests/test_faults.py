"""The faults a real day brings, each through the pipeline script: the run either ends in a
destination equal to the org (after a rerun) or stops with one clear line, nothing half-loaded
and its state not advanced."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
from support import REPO, Loader
from test_incremental import assert_equal_to_org

from kustomer_source.sandbox import Sandbox, serve

PIPELINE = str(REPO / "pipelines" / "kustomer_pipeline.py")
NO_PAGE_FAULTS = {"fault_404_page": 0, "fault_no_links_page": 0, "fault_data_not_list_page": 0}


class Cli:
    """The pipeline script run against a sandbox in `workdir` (./kustomer.duckdb lands there)."""

    def __init__(self, sb: Sandbox, workdir: Path, **settings: str) -> None:
        self.sb, self.workdir = sb, workdir
        self.pipelines_dir = workdir / "pipelines"
        self.env = {
            **os.environ,
            "SOURCES__KUSTOMER__API_KEY": sb.token,
            "SOURCES__KUSTOMER__BASE_URL": sb.base_url,
            "RUNTIME__LOG_LEVEL": "WARNING",
            **{f"SOURCES__KUSTOMER__{key.upper()}": value for key, value in settings.items()},
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


def change(sb: Sandbox, n: int) -> None:
    """Updates a customer, creates one, and creates a user (a replace table read by pages)."""
    sb.control.advance_clock(60)
    first = next(iter(sb.control.records("customers")))["id"]
    sb.control.update("customers", first, {"name": f"changed {n}"})
    sb.control.create("customers", {"name": f"new {n}"})
    sb.control.create("users", {"name": f"user {n}"})


def test_broken_list_pages_stop_the_run_and_lose_nothing(tmp_path: Path) -> None:
    """A 404 on page 2, a page without `links` followed by a 404 (seen by a fork of
    singer-io/tap-kustomer), a `data` that is no list, and no `links` on a reader that follows
    links.next: each stops the run with one line and loads nothing; the clean rerun is exact."""
    objects = ["--objects", "customers,users"]
    with serve(seed=21, scale=20) as sb:
        cli = Cli(sb, tmp_path, page_size="5")
        cli.run(*objects)
        cases: list[tuple[dict[str, Any], dict[str, str], str]] = [
            ({"fault_404_page": 2}, {}, "404 for page 2 of users"),
            ({"fault_no_links_page": 2, "fault_404_page": 3}, {}, "404 for page 3 of users"),
            ({"fault_data_not_list_page": 2}, {}, "page 2 of users with `data` as dict"),
            ({"fault_no_links_page": 2}, {"SOURCES__KUSTOMER__LIST_CONCURRENCY": "1"}, "links"),
        ]
        for n, (faults, env, expected) in enumerate(cases):
            before = cli.snapshot()
            change(sb, n)
            sb.control.set_faults(**{**NO_PAGE_FAULTS, **faults})
            line = cli.fails(*objects, **env)
            assert expected in line, line
            assert cli.snapshot() == before, f"{faults}: the failed run changed the dataset"
        sb.control.set_faults(**NO_PAGE_FAULTS)
        cli.run(*objects)
        assert_equal_to_org(sb, cli.loader, ["customers"])
        assert cli.loader.ids("users") == {r["id"] for r in sb.control.records("users")}


def test_page_without_links_is_read_on_by_number(tmp_path: Path) -> None:
    """Numbered pages do not need `links.next`: a page without `links` is followed by the next
    page number, and an empty page ends the list."""
    with serve(seed=22, scale=20, fault_no_links_page=2) as sb:
        cli = Cli(sb, tmp_path, page_size="5")
        out = cli.run("--objects", "customers,users")
        assert "came without `links`" in out.stderr
        assert_equal_to_org(sb, cli.loader, ["customers"])
        assert cli.loader.ids("users") == {r["id"] for r in sb.control.records("users")}


def test_two_runs_at_once_the_second_refuses(tmp_path: Path) -> None:
    """dlt has no run lock: the script holds one next to the pipeline's working dir."""
    with serve(seed=23, scale=30, latency_ms=400) as sb:
        cli = Cli(sb, tmp_path, page_size="5", list_concurrency="1")
        objects = ["--objects", "customers,users"]
        first = subprocess.Popen(
            cli.command(*objects), cwd=tmp_path, env=cli.env, stderr=subprocess.PIPE, text=True
        )
        lock = cli.pipelines_dir / "kustomer.run.lock"
        deadline = time.time() + 60
        while time.time() < deadline and f"pid {first.pid}" not in _read(lock):
            time.sleep(0.05)
        line = cli.fails(*objects)
        assert "Another run of this pipeline is in progress" in line, line
        assert f"pid {first.pid}" in line
        assert first.poll() is None, "the first run ended before the second one was refused"
        _, errors = first.communicate(timeout=300)
        assert first.returncode == 0, errors[-3000:]
        assert_equal_to_org(sb, cli.loader, ["customers"])
        sb.control.set_latency(0)
        change(sb, 0)
        cli.run(*objects)  # the lock is free again, the state intact: incremental and exact
        assert_equal_to_org(sb, cli.loader, ["customers"])
        assert cli.loader.ids("users") == {r["id"] for r in sb.control.records("users")}


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
