"""A dataset belongs to one org, tested through the pipeline script as a user runs it: the demo
never shares state or tables with a real org, and a run against another org than the one a
dataset holds stops before reading anything, with its tables untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
from helpers.loading import REPO, Loader
from helpers.org import assert_duckdb_equal_to_org, list_requests

from kustomer_sandbox import Sandbox, serve

PIPELINE = str(REPO / "pipelines" / "kustomer_pipeline.py")
# two searched objects and a replace one: the binding is the dataset's, whatever the objects
# (conversations, with 28 tables of its own, would double each run's time)
OBJECTS = ["customers", "notes", "brands"]
SEARCHED = ["customers", "notes"]


def cli(
    workdir: Path, sb: Sandbox | None, *args: str, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    """`python pipelines/kustomer_pipeline.py ...` in `workdir` with default settings (dlt's own
    pipelines directory, under the test's DLT_DATA_DIR), the org in the environment."""
    env = {**os.environ, "RUNTIME__LOG_LEVEL": "WARNING"}
    if sb is not None:
        env.update(SOURCES__KUSTOMER__API_KEY=sb.token, SOURCES__KUSTOMER__BASE_URL=sb.base_url)
    out = subprocess.run(
        [sys.executable, PIPELINE, *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if ok:
        assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    return out


def snapshot(db: Path, dataset: str = "kustomer_data") -> dict[str, list[tuple[object, ...]]]:
    """Every row of the dataset's tables (dlt's own tables left out), for before/after checks."""
    with duckdb.connect(str(db), read_only=True) as con:
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ? "
                "and table_name not like '_dlt%' order by 1",
                [dataset],
            ).fetchall()
        ]
        return {t: sorted(con.execute(f"select * from {dataset}.{t}").fetchall()) for t in tables}


def refused(out: subprocess.CompletedProcess[str], recorded: Sandbox, configured: Sandbox) -> None:
    """Exit 1 with one line naming both hosts and the two ways out, and no traceback."""
    assert out.returncode == 1, out.stdout[-2000:] + out.stderr[-3000:]
    errors = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "Traceback" not in out.stderr, out.stderr[-3000:]
    line = errors[0]
    assert recorded.base_url in line and configured.base_url in line, line
    assert "--dataset" in line and "--full-refresh" in line, line


def test_demo_then_real_org_in_the_same_directory(tmp_path: Path) -> None:
    objects = ",".join(OBJECTS)
    cli(tmp_path, None, "--demo", "--demo-scale", "15", "--objects", objects)
    demo_db = tmp_path / "kustomer_demo.duckdb"
    assert demo_db.exists() and not (tmp_path / "kustomer.duckdb").exists()
    demo = snapshot(demo_db)
    with serve(seed=21, scale=40) as real:
        # the demo's newest change is newer than most of this org's records: reusing its
        # cursors would skip them
        cli(tmp_path, real, "--objects", objects)
        loaded = Loader(tmp_path)
        assert_duckdb_equal_to_org(real, loaded, SEARCHED)
        assert loaded.ids("brands") == {r["id"] for r in real.control.records("brands")}
        with duckdb.connect(str(demo_db), read_only=True) as con:
            for table in OBJECTS:
                rows = con.execute(f"select id from kustomer_data.{table}").fetchall()
                demo_ids = {i for (i,) in rows}
                assert demo_ids and not loaded.ids(table) & demo_ids, table
    assert snapshot(demo_db) == demo  # and the demo's file is left as it was
    # the demo again: its own pipeline, from scratch, whatever ran in between
    cli(tmp_path, None, "--demo", "--demo-scale", "15", "--objects", objects)
    assert snapshot(demo_db).keys() == demo.keys()


def test_another_org_into_the_same_dataset_is_refused(tmp_path: Path) -> None:
    objects = ",".join(OBJECTS)
    db = tmp_path / "kustomer.duckdb"
    with serve(seed=5, scale=30) as org_a, serve(seed=6, scale=50) as org_b:
        cli(tmp_path, org_a, "--objects", objects)
        before = snapshot(db)
        org_b.control.reset_requests()
        refused(cli(tmp_path, org_b, "--objects", objects, ok=False), org_a, org_b)
        assert snapshot(db) == before
        assert org_b.control.requests() == 0  # stopped before reading anything
        # a fresh machine with the warehouse: dlt restores the state, and the binding with it
        shutil.rmtree(Path(os.environ["DLT_DATA_DIR"]) / "pipelines")
        refused(cli(tmp_path, org_b, "--objects", objects, ok=False), org_a, org_b)
        # a Klass of org B named: the same refusal, not an unknown object
        refused(cli(tmp_path, org_b, "--objects", "kobject_ecomm_order", ok=False), org_a, org_b)
        assert snapshot(db) == before
        # not even the source's questions (Klasses, metadata) went to org B
        assert org_b.control.requests() == 0
        # way out 1: another dataset; and org A's own dataset still carries on from A's state
        cli(tmp_path, org_b, "--objects", objects, "--dataset", "org_b")
        assert_duckdb_equal_to_org(org_b, dataset_reader(tmp_path, "org_b"), SEARCHED)
        org_a.control.reset_requests()
        cli(tmp_path, org_a, "--objects", objects)
        assert all(list_requests(org_a, t) == 0 for t in SEARCHED)  # incremental, A's cursors
        assert_duckdb_equal_to_org(org_a, Loader(tmp_path), SEARCHED)
        # way out 2: start the dataset over for org B
        cli(tmp_path, org_b, "--objects", objects, "--full-refresh")
        assert_duckdb_equal_to_org(org_b, Loader(tmp_path), SEARCHED)


def test_the_same_org_again_stays_incremental(tmp_path: Path) -> None:
    objects = ",".join(OBJECTS)
    with serve(seed=8, scale=40) as org:
        cli(tmp_path, org, "--objects", objects)
        org.control.advance_clock(600)
        for table in SEARCHED:
            first = next(iter(org.control.records(table)))["id"]
            org.control.update(table, first, {"body": "x"} if table == "notes" else {"name": "x"})
            org.control.create(table, {})
        org.control.reset_requests()
        cli(tmp_path, org, "--objects", objects)
        assert all(list_requests(org, t) == 0 for t in SEARCHED)
        assert_duckdb_equal_to_org(org, Loader(tmp_path), SEARCHED)


class dataset_reader(Loader):
    """A Loader that reads another dataset of ./kustomer.duckdb."""

    def __init__(self, workdir: Path, dataset: str) -> None:
        super().__init__(workdir)
        self.dataset = dataset

    def query(self, sql: str) -> list[tuple[object, ...]]:
        return super().query(sql.replace("kustomer_data.", f"{self.dataset}."))
