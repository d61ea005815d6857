"""Incremental loads that lose nothing: the destination equals the org after every run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.loading import LoadedDataset, Loader
from helpers.org import assert_duckdb_equal_to_org, list_requests, search_requests

from kustomer_sandbox import Sandbox, serve
from kustomer_source import Tuning
from kustomer_source.api.times import api_time

SEARCHED = ["customers", "conversations", "messages", "notes", "companies"]


def change_the_org(sb: Sandbox) -> dict[str, Any]:
    """Creates, updates and soft-deletes records of every searched object; hard-deletes a brand."""
    c = sb.control
    sb.control.advance_clock(3600)
    made = {}
    for table in SEARCHED:
        ids = [r["id"] for r in c.records(table)][:6]
        c.update(table, ids[0], {"name": "changed"} if table != "notes" else {"body": "changed"})
        c.update(
            table, ids[1], {"name": "changed again"} if table != "notes" else {"body": "again"}
        )
        c.soft_delete(table, ids[2])
        made[table] = c.create(table, {})["id"]
    brand = next(iter(c.records("brands")))["id"]
    c.hard_delete("brands", brand)
    return made


def test_changes_between_runs(fresh_sandbox: Sandbox, loader: Loader) -> None:
    sb = fresh_sandbox
    loader.run(sb, [*SEARCHED, "brands", "audit_logs"])
    assert_duckdb_equal_to_org(sb, loader, SEARCHED)
    change_the_org(sb)
    sb.control.reset_requests()
    loader.run(sb, [*SEARCHED, "brands", "audit_logs"])
    assert_duckdb_equal_to_org(sb, loader, SEARCHED)
    assert loader.ids("brands") == {r["id"] for r in sb.control.records("brands")}
    # only what changed was fetched: no list reads, one or two search pages per object, and the
    # comparison with the org one count (with the run's own changes taken into account)
    assert all(list_requests(sb, t) == 0 for t in SEARCHED)
    assert search_requests(sb) <= 3 * len(SEARCHED)
    changed = loader.pipeline.last_trace.last_normalize_info.row_counts
    for table in SEARCHED:
        assert changed.get(table, 0) <= 5, (table, changed.get(table))


def test_second_run_without_changes_loads_nothing_new(sandbox: Sandbox, loader: Loader) -> None:
    loader.run(sandbox, SEARCHED)
    before = {t: loader.count(t) for t in SEARCHED}
    sandbox.control.reset_requests()
    loader.run(sandbox, SEARCHED)
    assert {t: loader.count(t) for t in SEARCHED} == before
    counts = loader.pipeline.last_trace.last_normalize_info.row_counts
    # only the record(s) at the cursor instant are read again, and merged away
    assert all(counts.get(t, 0) <= 1 for t in SEARCHED), counts
    # newest-change probe + one page, and the comparison with the org's count
    assert search_requests(sandbox) == 3 * len(SEARCHED)


def test_bulk_import_with_one_identical_updated_at(fresh_sandbox: Sandbox, loader: Loader) -> None:
    """1,000 notes at one updatedAt, 50 search pages of 20 (as 5,000 in pages of 100)."""
    sb = fresh_sandbox
    loader.run(sb, ["notes"], tuning=Tuning(search_page_size=20))
    sb.control.advance_clock(60)
    stamp = api_time(sb.control.now() + timedelta(seconds=1))
    sb.control.bulk_import("notes", 1000, updated_at=stamp)
    sb.control.reset_requests()
    loader.run(sb, ["notes"], tuning=Tuning(search_page_size=20))
    assert_duckdb_equal_to_org(sb, loader, ["notes"])
    # 50 pages of the instant, a few around it: no endless paging
    assert search_requests(sb) < 60


def test_more_than_100_pages_of_changes(fresh_sandbox: Sandbox, loader: Loader) -> None:
    sb = fresh_sandbox
    loader.run(sb, ["notes"], tuning=Tuning(search_page_size=10))
    for _ in range(1100):
        sb.control.create("notes", {"body": "new"})
    sb.control.reset_requests()
    loader.run(sb, ["notes"], tuning=Tuning(search_page_size=10))
    assert_duckdb_equal_to_org(sb, loader, ["notes"])
    assert search_requests(sb) > 100


def load_then_update_customers(sb: Sandbox, loader: Loader, count: int) -> None:
    """A first load of customers, then `count` of them updated (1 ms apart) and counters reset."""
    loader.run(sb, ["customers"])
    for record in list(sb.control.records("customers"))[:count]:
        sb.control.update("customers", record["id"], {"name": "changed"})
    sb.control.reset_requests()


def test_many_changes_are_searched_in_parallel_windows(tmp_path: Path) -> None:
    # 300 changes in pages of 25: 12 pages, as 1,200 in pages of 100
    with serve(seed=11, scale=330, latency_ms=20) as sb:
        loader = Loader(tmp_path)
        load_then_update_customers(sb, loader, 300)
        loader.run(sb, ["customers"], tuning=Tuning(search_page_size=25, search_concurrency=4))
        assert_duckdb_equal_to_org(sb, loader, ["customers"])
        assert sb.control.peak_in_flight("/v1/customers/search") >= 2
        # two probes, 12 pages of changes, and at most a page and a tie re-read per window
        assert search_requests(sb) <= 2 + 12 + 2 * 4
        assert list_requests(sb, "customers") == 0


def test_records_changed_during_a_run(tmp_path: Path) -> None:
    with serve(seed=9, scale=120, latency_ms=15) as sb:
        loader = Loader(tmp_path)
        load_then_update_customers(sb, loader, 120)
        done = threading.Event()

        def change_while_running() -> None:
            while search_requests(sb) < 3 and not done.is_set():
                time.sleep(0.005)
            ids = [r["id"] for r in sb.control.records("customers")]
            for record_id in ids[:5] + ids[-5:]:
                sb.control.update("customers", record_id, {"name": "during"})
            sb.control.create("customers", {"name": "born during"})

        changer = threading.Thread(target=change_while_running)
        changer.start()
        loader.run(sb, ["customers"], tuning=Tuning(search_page_size=50))
        done.set()
        changer.join()
        loader.run(sb, ["customers"], tuning=Tuning(search_page_size=50))
        assert_duckdb_equal_to_org(sb, loader, ["customers"])


def test_hard_delete_option_removes_rows_and_children(
    fresh_sandbox: Sandbox, loader: Loader
) -> None:
    sb = fresh_sandbox
    loader.run(sb, ["customers"], hard_delete=True)
    victim = next(r for r in sb.control.records("customers") if r["attributes"].get("emails"))
    sb.control.advance_clock(60)
    sb.control.soft_delete("customers", victim["id"])
    loader.run(sb, ["customers"], hard_delete=True)
    assert victim["id"] not in loader.ids("customers")
    orphans = loader.query(
        "select count(*) from kustomer_data.customers__emails e "
        "left join kustomer_data.customers c on e._dlt_root_id = c._dlt_id where c._dlt_id is null"
    )[0][0]
    assert orphans == 0
    assert loader.count("customers") == sb.control.count("customers")


def test_soft_deletes_land_flagged(fresh_sandbox: Sandbox, loader: Loader) -> None:
    sb = fresh_sandbox
    loader.run(sb, ["notes"])
    sb.control.advance_clock(60)
    victim = next(iter(sb.control.records("notes")))["id"]
    sb.control.soft_delete("notes", victim)
    loader.run(sb, ["notes"])
    assert loader.query(f"select deleted from kustomer_data.notes where id = '{victim}'") == [
        (True,)
    ]


def test_start_end_chunks_equal_one_full_load(
    sandbox: Sandbox, full_load: LoadedDataset, tmp_path: Path
) -> None:
    full = full_load  # the session's one full load of this org
    chunked = Loader(tmp_path / "chunked")
    bounds = ["2000-01-01", "2024-06-01", "2025-06-01", "2026-03-01", "2100-01-01"]
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        chunked.run(sandbox, ["conversations", "audit_logs"], start_date=lo, end_date=hi)
    for table in ("conversations", "audit_logs"):
        assert chunked.ids(table) == full.ids(table), table
        assert chunked.count(table) == full.count(table), table
    # bounded ranges keep no cursor state
    assert (
        not chunked.pipeline.state.get("sources", {})
        .get("kustomer", {})
        .get("resources", {})
        .get("conversations", {})
        .get("incremental")
    )


KILL_SCRIPT = """
import os, sys, dlt
sys.path.insert(0, {repo!r})
from kustomer_source import Tuning, kustomer_source
stage = sys.argv[1]
p = dlt.pipeline(pipeline_name="kill_test", destination=dlt.destinations.duckdb({db!r}),
                 dataset_name="kustomer_data", pipelines_dir={pdir!r})
src = kustomer_source(api_key={token!r}, base_url={url!r}, tuning=Tuning(page_size=20))
src = src.with_resources(*{objects!r})
if stage == "extract":
    p.extract(src)  # killed by the test while this runs
elif stage == "load":
    p.extract(src, loader_file_format="parquet")
    p.normalize()
    os.kill(os.getpid(), 9)  # dies with a normalized package not yet loaded
else:
    p.run(src, loader_file_format="parquet")
"""


@pytest.mark.parametrize("stage", ["extract", "load"])
def test_killed_run_then_rerun_loses_and_doubles_nothing(tmp_path: Path, stage: str) -> None:
    objects = ["notes", "audit_logs", "brands"]  # searched, appended, replaced
    with serve(seed=13, scale=150, latency_ms=10) as sb:
        loader = Loader(tmp_path)
        script = tmp_path / "run.py"
        script.write_text(
            KILL_SCRIPT.format(
                repo=str(Path(__file__).resolve().parents[2]),
                db=loader.db_path,
                pdir=str(tmp_path / "pipes"),
                token=sb.token,
                url=sb.base_url,
                objects=objects,
            )
        )
        env = {**os.environ, "RUNTIME__LOG_LEVEL": "WARNING"}
        subprocess.run([sys.executable, str(script), "all"], check=True, env=env, timeout=300)
        sb.control.advance_clock(60)
        for record in list(sb.control.records("notes"))[:30]:
            sb.control.update("notes", record["id"], {"body": "after first run"})
        for _ in range(20):
            sb.control.create("notes", {"body": "new"})
        victim = subprocess.Popen([sys.executable, str(script), stage], env=env)
        if stage == "extract":
            sb.control.reset_requests()
            deadline = time.time() + 60
            while sb.control.requests() < 4 and time.time() < deadline:
                time.sleep(0.01)
            victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=300)
        assert victim.returncode == -9
        subprocess.run([sys.executable, str(script), "all"], check=True, env=env, timeout=300)
        assert_duckdb_equal_to_org(sb, loader, ["notes"])
        audit = loader.query("select count(*), count(distinct id) from kustomer_data.audit_logs")[0]
        assert audit[0] == audit[1] == sb.control.count("audit_logs")
