"""A first load read in two parts, records created before search's window through the lists and
the others through search: the destination equals the org, id by id."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from helpers.loading import Loader
from helpers.org import assert_duckdb_equal_to_org, list_requests, search_requests

from kustomer_sandbox import Sandbox, serve
from kustomer_sandbox.api import SEARCH_ROLES
from kustomer_source import Tuning
from kustomer_source.api.times import api_time, parse_api_time
from kustomer_source.read.search import search_floor

SPLIT = ["customers", "conversations", "messages", "notes"]
SMALL_PAGES = {"page_size": 10, "search_page_size": 20}
"""Lists in pages of 10, searches in pages of 20 (`Tuning`), so a small org takes many pages."""


def created_at(sb: Sandbox, table: str) -> list[str]:
    return [r["attributes"]["createdAt"] for r in sb.control.records(table, include_deleted=True)]


def test_both_parts_and_records_changed_during_the_load(tmp_path: Path) -> None:
    with serve(seed=21, scale=200, latency_ms=60) as sb:
        floor = search_floor(sb.control.now())
        for table in SPLIT:  # the org has records on both sides of the cut
            times = created_at(sb, table)
            assert sum(t < floor for t in times) > 50 and sum(t >= floor for t in times) > 100
        for table in SPLIT:  # soft-deleted before the load: searched, it lands flagged
            sb.control.soft_delete(table, list(sb.control.records(table))[-2]["id"])
        sb.control.reset_requests()
        done = threading.Event()
        changed: list[str] = []

        def change_while_loading() -> None:
            # each object as soon as its list has read its first pages (it is then far from
            # done): waiting for all four let a quick object finish before its change was made
            c = sb.control
            pending = list(SPLIT)
            while pending and not done.is_set():
                for table in [t for t in pending if list_requests(sb, t) >= 2]:
                    ids = [r["id"] for r in c.records(table)]
                    field = "body" if table == "notes" else "name"
                    c.update(table, ids[0], {field: "old, changed during the load"})  # listed
                    c.update(table, ids[-1], {field: "new, changed during the load"})  # searched
                    changed.append(c.create(table, {})["id"])
                    pending.remove(table)
                time.sleep(0.002)

        changer = threading.Thread(target=change_while_loading)
        changer.start()
        loader = Loader(tmp_path)
        try:
            loader.run(sb, SPLIT, tuning=Tuning(list_concurrency=2, **SMALL_PAGES))
        finally:
            done.set()
            changer.join()
        assert len(changed) == len(SPLIT), "the changes came too late to be during the load"
        assert_duckdb_equal_to_org(sb, loader, SPLIT)
        # both budgets were used: more than the probes went to search, the lists were cut short
        assert search_requests(sb) > 4 * len(SPLIT)
        whole_list = sum(-(-sb.control.count(t) // 10) for t in SPLIT)
        assert sum(list_requests(sb, t) for t in SPLIT) < whole_list


def test_records_at_the_cut(tmp_path: Path) -> None:
    """Records created a millisecond before, at and after the instant the parts are cut at."""
    with serve(seed=23, scale=60) as sb:
        c = sb.control
        c.advance_clock(10 - 0.004)
        cut = c.now() + timedelta(milliseconds=4)  # a whole second: the Date header's precision
        # one write per millisecond: notes, messages, conversations, customers before the cut,
        # then customers at it and the others after it
        made = {t: [c.create(t, {})["attributes"]["createdAt"]] for t in reversed(SPLIT)}
        for table in SPLIT:
            made[table].append(c.create(table, {})["attributes"]["createdAt"])
        assert made["customers"] == [api_time(cut - timedelta(milliseconds=1)), api_time(cut)]
        assert made["conversations"][1] == api_time(cut + timedelta(milliseconds=1))
        # two years later (search's window, less the source's day of margin) the cut is there
        c.advance_clock((cut + timedelta(days=729) - c.now()).total_seconds())
        assert search_floor(c.now()) == api_time(cut)
        loader = Loader(tmp_path)
        loader.run(sb, SPLIT, tuning=Tuning(**SMALL_PAGES))
        assert_duckdb_equal_to_org(sb, loader, SPLIT)
        assert search_requests(sb) >= 2 * len(SPLIT)  # a lane page and the last search each


@pytest.mark.parametrize("status", [403, 401])
def test_search_refused_reads_everything_through_the_lists(
    tmp_path: Path, status: int, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    with serve(seed=25, scale=80, missing_role_status=status) as sb:
        no_search = sb.control.create_token(
            roles=[r for r in sb.control.roles() if r not in SEARCH_ROLES]
        )
        loader = Loader(tmp_path)
        with caplog.at_level(logging.WARNING):
            info = loader.run(sb, SPLIT, api_key=no_search, tuning=Tuning(**SMALL_PAGES))
        assert not info.has_failed_jobs
        assert_duckdb_equal_to_org(sb, loader, SPLIT)
        assert search_requests(sb) == len(SPLIT)  # one refused probe per object
        # dlt's own logger, once a pipeline made it, writes to stderr and does not propagate
        assert "may not search" in caplog.text + capfd.readouterr().err


def test_records_created_in_one_millisecond_at_the_top_of_the_window(tmp_path: Path) -> None:
    """More records than a search page share one createdAt where search starts: that instant is
    paged apart, and none is left to the list (which does not reach their ids, at its end)."""
    with serve(seed=27, scale=200, latency_ms=20) as sb:
        instant = api_time(sb.control.now() - timedelta(hours=1))
        imported = sb.control.bulk_import("customers", 45, instant)
        loader = Loader(tmp_path)
        loader.run(sb, ["customers"], tuning=Tuning(list_concurrency=2, **SMALL_PAGES))
        assert_duckdb_equal_to_org(sb, loader, ["customers"])
        listed = -(-sb.control.count("customers") // 10)
        assert list_requests(sb, "customers") < listed  # the list did not reach the import
        ids = ", ".join(f"'{i}'" for i in imported)
        rows = loader.query(f"select count(*) from kustomer_data.customers where id in ({ids})")
        assert rows == [(45,)]


def test_a_second_search_lane_when_search_answers_slower_than_its_pace(tmp_path: Path) -> None:
    """One object, searches slower than the budget's pace: a second lane starts halfway down
    the part search has not reached, and the parts still meet without a gap."""
    with serve(seed=29, scale=400, latency_ms=80) as sb:
        loader = Loader(tmp_path)
        loader.run(sb, ["conversations"], tuning=Tuning(list_concurrency=1, **SMALL_PAGES))
        assert_duckdb_equal_to_org(sb, loader, ["conversations"])
        assert sb.control.peak_in_flight("/v1/customers/search") >= 2


def test_a_context_search_will_not_sort_on_created_at_is_read_through_its_list(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """Sorting on `<ctx>_created_at` is documented for customers only: where search refuses
    it, that object's list is read whole, and what changes during the load still arrives."""
    with serve(seed=31, scale=200, latency_ms=40, created_sort="customer") as sb:
        changed: list[str] = []
        done = threading.Event()

        def change_once_listed() -> None:
            while not done.is_set():
                if list_requests(sb, "conversations") >= 3:  # page 1 is read by now
                    first = next(iter(sb.control.records("conversations")))["id"]
                    sb.control.update("conversations", first, {"name": "changed when listed"})
                    changed.append(first)
                    return
                time.sleep(0.002)

        changer = threading.Thread(target=change_once_listed)
        changer.start()
        loader = Loader(tmp_path)
        try:
            with caplog.at_level(logging.WARNING):
                loader.run(
                    sb,
                    ["customers", "conversations"],
                    tuning=Tuning(list_concurrency=1, **SMALL_PAGES),
                )
        finally:
            done.set()
            changer.join()
        assert changed, "the change came too late to be during the load"
        assert_duckdb_equal_to_org(sb, loader, ["customers", "conversations"])
        whole = -(-sb.control.count("conversations") // 10)
        assert list_requests(sb, "conversations") >= whole  # read to its end
        assert list_requests(sb, "customers") < -(-sb.control.count("customers") // 10)
        logged = caplog.text + capfd.readouterr().err
        assert "refused to sort on conversation_created_at" in logged


def test_records_imported_with_a_createdat_back_dated_into_the_window(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    """An import stamped just after search's floor sits at the end of the list, past where the
    list stops: search counts more records in the list's part than the list kept, and reads
    that part again."""
    with serve(seed=33, scale=300, latency_ms=20) as sb:
        floor = parse_api_time(search_floor(sb.control.now()))
        imported = sb.control.bulk_import("customers", 30, api_time(floor + timedelta(days=2)))
        loader = Loader(tmp_path)
        with caplog.at_level(logging.WARNING):
            loader.run(sb, ["customers"], tuning=Tuning(list_concurrency=2, **SMALL_PAGES))
        assert_duckdb_equal_to_org(sb, loader, ["customers"])
        ids = ", ".join(f"'{i}'" for i in imported)
        landed = loader.query(f"select count(*) from kustomer_data.customers where id in ({ids})")
        assert landed == [(30,)]
        assert list_requests(sb, "customers") < -(-sb.control.count("customers") // 10)
        assert "back-dated createdAt" in caplog.text + capfd.readouterr().err
