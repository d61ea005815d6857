"""The faults a real day brings, each through the pipeline script: the run either ends in a
destination equal to the org (after a rerun) or stops with one clear line, nothing half-loaded
and its state not advanced."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest
from helpers.cli import Cli
from helpers.org import assert_duckdb_equal_to_org
from helpers.postgres import drop_dataset, postgres_dsn
from helpers.readers import PostgresReader, Reader, assert_reader_equal_to_org, change_the_org

from kustomer_runner.runlock import run_lock
from kustomer_sandbox import Sandbox, serve

NO_PAGE_FAULTS = {"fault_404_page": 0, "fault_no_links_page": 0, "fault_data_not_list_page": 0}


def change(sb: Sandbox, n: int) -> None:
    """Updates a note, creates one, and creates a user (a replace table read by pages)."""
    sb.control.advance_clock(60)
    first = next(iter(sb.control.records("notes")))["id"]
    sb.control.update("notes", first, {"body": f"changed {n}"})
    sb.control.create("notes", {"body": f"new {n}"})
    sb.control.create("users", {"name": f"user {n}"})


def test_broken_list_pages_stop_the_run_and_lose_nothing(tmp_path: Path) -> None:
    """A page without `links` and a 404 for the page after it (what a fork of
    singer-io/tap-kustomer saw), a `data` that is no list, and no `links` for a reader that follows
    links.next: each stops the run with one line and loads nothing. Numbered pages do not need
    `links.next`: the clean rerun reads on by page number past a page without `links` (an empty
    page ends the list), and is exact."""
    objects = ["--objects", "notes,users"]  # a searched object (2 tables) and a listed one
    with serve(seed=21, scale=20) as sb:
        cli = Cli(sb, tmp_path, page_size="5")
        cli.run(*objects)
        cases: list[tuple[dict[str, Any], dict[str, str], str]] = [
            ({"fault_no_links_page": 2, "fault_404_page": 3}, {}, "404 for page 3 of users"),
            ({"fault_data_not_list_page": 2}, {}, "page 2 of users with `data` as dict"),
            (
                {"fault_no_links_page": 2},
                {"SOURCES__KUSTOMER__TUNING__LIST_CONCURRENCY": "1"},
                "links",
            ),
        ]
        for n, (faults, env, expected) in enumerate(cases):
            before = cli.snapshot()
            change(sb, n)
            sb.control.set_faults(**{**NO_PAGE_FAULTS, **faults})
            line = cli.fails(*objects, **env)
            assert expected in line and "Nothing was loaded" in line, line
            assert cli.snapshot() == before, f"{faults}: the failed run changed the dataset"
        sb.control.set_faults(**{**NO_PAGE_FAULTS, "fault_no_links_page": 2})
        out = cli.run(*objects)
        assert "users: page 2 came without `links`; reading on by page number" in out.stderr
        assert_duckdb_equal_to_org(sb, cli.loader, ["notes"])
        assert cli.loader.ids("users") == {r["id"] for r in sb.control.records("users")}


def test_two_runs_at_once_the_second_refuses(tmp_path: Path) -> None:
    """dlt has no run lock: the script holds one next to the pipeline's working dir. The first run
    is paused (SIGSTOP) while it holds the lock, so the second one surely meets it."""
    with serve(seed=23, scale=30) as sb:
        cli = Cli(sb, tmp_path, page_size="5")
        objects = ["--objects", "notes,users"]
        first = subprocess.Popen(
            cli.command(*objects), cwd=tmp_path, env=cli.env, stderr=subprocess.PIPE, text=True
        )
        lock = cli.pipelines_dir / "kustomer.run.lock"
        deadline = time.time() + 60
        while time.time() < deadline and f"pid {first.pid}" not in _read(lock):
            time.sleep(0.01)
        first.send_signal(signal.SIGSTOP)
        try:
            line = cli.fails(*objects)
        finally:
            first.send_signal(signal.SIGCONT)
        assert "Another run of this pipeline is in progress" in line, line
        assert f"pid {first.pid}" in line
        _, errors = first.communicate(timeout=300)
        assert first.returncode == 0, errors[-3000:]
        assert_duckdb_equal_to_org(sb, cli.loader, ["notes"])
        assert cli.loader.ids("users") == {r["id"] for r in sb.control.records("users")}
        with run_lock(cli.pipelines_dir, "kustomer"):  # free again once the first run ended
            pass


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def killed_while_loading(cli: Cli, *args: str, job: str = "*") -> None:
    """Runs the script and kills it (-9) once the load step has finished its first job (of
    table `job`)."""
    victim = subprocess.Popen(cli.command(*args), cwd=cli.workdir, env=cli.env)
    packages = cli.pipelines_dir / "kustomer" / "load" / "normalized"
    deadline = time.time() + 120
    while victim.poll() is None and time.time() < deadline:
        if any(packages.glob(f"*/completed_jobs/{job}.*")):
            victim.send_signal(signal.SIGKILL)
            break
        time.sleep(0.002)
    victim.wait(timeout=60)
    assert victim.returncode == -9, "the run ended before its load step could be killed"


class DuckReader:
    """The dataset in ./kustomer.duckdb, tables by their bare names."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as con:
            con.execute("set schema = 'kustomer_data'")
            return con.execute(sql).fetchall()

    def tables(self) -> set[str]:
        return {name for (name,) in self.query("select table_name from duckdb_tables()")}


@pytest.fixture(params=["duckdb", "postgres"])
def destination(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A destination for the pipeline script: DuckDB, or PostgreSQL when a server runs
    (`eval "$(scripts/start_postgres.sh)"`; .ci/run starts one) with a dataset of its own."""
    if request.param == "duckdb":
        yield "duckdb"
        return
    dsn = postgres_dsn()
    dataset = f"kustomer_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", dsn)
    yield f"postgres:{dataset}"
    drop_dataset(dsn, dataset)


def destination_args(destination: str, workdir: Path) -> tuple[list[str], Reader]:
    """The script's options for `destination` and a reader of what lands there."""
    if destination == "duckdb":
        return [], DuckReader(workdir / "kustomer.duckdb")
    dataset = destination.split(":", 1)[1]
    reader = PostgresReader(os.environ["DESTINATION__POSTGRES__CREDENTIALS"], dataset)
    return ["--destination", "postgres", "--dataset", dataset], reader


# merged objects, one with many nested tables (conversations and messages would add 37 more
# tables to each of the three runs, and nothing the kill could do to these)
LOADED = ["customers", "notes"]


def assert_exact(sb: Sandbox, reader: Reader) -> None:
    """The searched tables, a replace table and an append table equal the org."""
    assert_reader_equal_to_org(sb, reader, LOADED)
    assert {i for (i,) in reader.query("select id from brands")} == {
        r["id"] for r in sb.control.records("brands")
    }
    audit = reader.query("select count(*), count(distinct id) from audit_logs")
    assert audit[0][0] == audit[0][1] == sb.control.count("audit_logs")
    for table in reader.tables() - {"_dlt_loads", "_dlt_version", "_dlt_pipeline_state"}:
        rows = reader.query(f"select count(*), count(distinct _dlt_id) from {table}")
        assert rows[0][0] == rows[0][1], f"{table}: {rows[0][0] - rows[0][1]} duplicate rows"


def test_killed_while_loading_then_rerun_is_exact(tmp_path: Path, destination: str) -> None:
    """A run killed in the middle of its load leaves a package half loaded. Replaying its jobs is
    not safe (a job that committed just before the kill runs again: duplicate rows, or a duplicate
    key on PostgreSQL), so the rerun undoes what it appended and reads those changes again."""
    where, reader = destination_args(destination, tmp_path)
    args = [*where, "--objects", ",".join([*LOADED, "brands", "audit_logs"])]
    with serve(seed=24, scale=40) as sb:
        cli = Cli(sb, tmp_path)
        cli.run(*args)
        change_the_org(sb, LOADED)
        killed_while_loading(cli, *args)
        change_the_org(sb, LOADED)
        out = cli.run(*args)
        assert "An earlier run stopped while loading" in out.stdout
        assert_exact(sb, reader)


def test_killed_while_loading_on_a_runner_that_keeps_nothing_then_rerun_is_exact(
    tmp_path: Path, destination: str
) -> None:
    """As above, on a runner that keeps no working directory between runs (GitHub Actions): the
    half-loaded first load is gone with it, and its audit entries are in the destination under
    a load dlt never recorded as complete. The rerun deletes them before it appends them again."""
    where, reader = destination_args(destination, tmp_path)
    args = [*where, "--objects", ",".join([*LOADED, "brands", "audit_logs"])]
    with serve(seed=24, scale=40) as sb:
        cli = Cli(sb, tmp_path)
        killed_while_loading(cli, *args, job="audit_logs")
        shutil.rmtree(cli.pipelines_dir)
        out = cli.run(*args)
        assert "left rows in the destination: deleting them" in out.stdout, out.stdout[-2000:]
        assert_exact(sb, reader)


@contextmanager
def small_disk(path: Path, size: str = "32m") -> Iterator[Path]:
    """The directory `path` moved onto a tmpfs of `size` of its own (root only; the test skips
    elsewhere)."""
    aside = path.with_name(path.name + ".aside")
    shutil.copytree(path, aside)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here (needs root): {mounted.stderr.strip()}")
    try:
        shutil.copytree(aside, path, dirs_exist_ok=True)
        yield path
    finally:
        subprocess.run(["umount", "--lazy", str(path)], check=False)


def fill(disk: Path) -> Path:
    """Writes a file that takes every free byte of `disk`; deleting it gives the space back."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (1 << 20, 1 << 12, 1):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, b"\0" * chunk)
    finally:
        os.close(fd)
    return filler


# where the disk fills up: extract writes under <working dir>/normalize, normalize under
# <working dir>/load, and the load step into ./kustomer.duckdb
FULL_DISK_AT = {"extract": "pipelines/kustomer/normalize", "normalize": "pipelines/kustomer/load"}


def test_disk_full_then_rerun_with_space_is_exact(tmp_path: Path) -> None:
    """The disk holding the pipeline's files or the DuckDB file fills up during extract, normalize
    or load (each on a small filesystem of its own): the run stops with one line, the dataset is as
    before, and a rerun with space is exact."""
    workdir = tmp_path / "work"
    workdir.mkdir()
    # a searched, a replaced and an appended object (notes: 2 tables, where customers has 23)
    objects = ["--objects", "notes,brands,audit_logs"]
    with serve(seed=25, scale=30) as sb:
        cli = Cli(sb, workdir, pipelines_dir=tmp_path / "pipelines")
        cli.run(*objects)
        with contextlib.ExitStack() as disks:
            for stage in ("extract", "normalize", "load"):
                at = tmp_path / FULL_DISK_AT[stage] if stage in FULL_DISK_AT else workdir
                disk = disks.enter_context(small_disk(at))
                before = cli.snapshot()
                change_the_org(sb, ["notes"])
                filler = fill(disk)
                line = cli.fails(*objects)
                assert "The disk is full (No space left" in line, line
                assert f"during {stage}" in line, line
                assert cli.snapshot() == before, f"{stage}: the failed run changed the dataset"
                filler.unlink()
                cli.run(*objects)
                assert_duckdb_equal_to_org(sb, cli.loader, ["notes"])
                assert cli.loader.ids("brands") == {r["id"] for r in sb.control.records("brands")}
                audit = cli.loader.query(
                    "select count(*), count(distinct id) from kustomer_data.audit_logs"
                )
                assert audit[0][0] == audit[0][1] == sb.control.count("audit_logs")


def test_field_types_changing_between_runs_lose_no_value(tmp_path: Path) -> None:
    """A custom attribute first sent as a number, later as a string; a Struct and a List field
    later sent as strings: no crash, and every value lands (dlt's variant column for the string
    that does not fit the number column, new text columns beside the Struct's and List's)."""
    with serve(seed=26, scale=10) as sb:
        cli = Cli(sb, tmp_path)
        first, second = [r["id"] for r in sb.control.records("customers")][:2]
        sb.control.update("customers", first, {"custom": {"scoreNum": 5}})
        sb.control.update("customers", second, {"custom": {"scoreNum": 7}})
        cli.run("--objects", "customers")
        assert cli.loader.columns("customers")["custom__score_num"] == "BIGINT"
        sb.control.advance_clock(60)
        changed = {"custom": {"scoreNum": "five"}, "lastConversation": "gone", "emails": "a@b.c"}
        sb.control.update("customers", first, changed)
        cli.run("--objects", "customers")
        columns = cli.loader.columns("customers")
        assert columns["custom__score_num"] == "BIGINT"
        assert columns["custom__score_num__v_text"] == "VARCHAR"
        assert columns["last_conversation"] == "VARCHAR" and columns["emails"] == "VARCHAR"
        assert "last_conversation__id" in columns and "customers__emails" in cli.loader.tables()
        rows = cli.loader.query(
            "select id, custom__score_num, custom__score_num__v_text, last_conversation, emails "
            "from kustomer_data.customers where id in "
            f"('{first}', '{second}') order by id = '{first}'"
        )
        assert rows == [(second, 7, None, None, None), (first, None, "five", "gone", "a@b.c")]
        assert_duckdb_equal_to_org(sb, cli.loader, ["customers"])


def test_duckdb_out_of_memory_says_what_to_raise_and_the_rerun_loses_nothing(
    tmp_path: Path,
) -> None:
    """A load that DuckDB's memory cap stops (`--duckdb-memory-limit`, here far too low for a
    table of about 150 columns) ends with one line that names the setting, no traceback in the
    retries logged before it; a rerun with the default cap loads what the first one read."""
    with serve(seed=5, scale=20) as sb:
        cli = Cli(sb, tmp_path)
        # one retry, not dlt's five: the retries are what the user waits for here
        error = cli.fails(
            "--objects", "conversations", "--duckdb-memory-limit", "16MB",
            LOAD__RAISE_ON_MAX_RETRIES="1",
        )  # fmt: skip
        assert "DuckDB ran out of the memory it may use (16MB)" in error, error
        assert "--duckdb-memory-limit" in error, error
        out = cli.run("--objects", "conversations")
        said = out.stdout + out.stderr  # the package left behind is loaded, or undone and read
        assert "an earlier run" in said.lower(), out.stdout[-1500:]
        assert_duckdb_equal_to_org(sb, cli.loader, ["conversations"])
        bad = cli.run("--duckdb-memory-limit", "lots", ok=False)
        assert bad.returncode == 2 and "is not a size such as 512MB" in bad.stderr
