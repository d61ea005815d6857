"""Changes that reach search late are not lost: the lookback re-reads the span before the cursor.

The sandbox models Kustomer's search as an index fed after the write (`index_lag_s`): a change
is listed at once but searchable only after its own random lag.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from helpers.loading import Loader
from helpers.org import CONTEXTS, assert_duckdb_equal_to_org, landed_state, org_state

from kustomer_sandbox import Sandbox, serve
from kustomer_source import Tuning
from kustomer_source.api.times import api_time

LOOKBACK = 90
LAGGED = ["customers", "notes"]  # searched objects of 23 and 2 tables (conversations: 28)
TABLE = "notes"  # the searched object of the one-object tests (customers has 23 tables)


def searchable(sb: Sandbox, table: str, record_id: str) -> str | None:
    """The updatedAt search shows for a record now (None: search does not show it)."""
    import requests

    ctx = CONTEXTS[table]
    body = {"queryContext": ctx, "and": [{f"{ctx}_id": {"equals": record_id}}]}
    found = requests.post(
        f"{sb.base_url}/v1/customers/search",
        json={**body, "includeDeleted": True},
        headers={"Authorization": f"Bearer {sb.token}"},
        timeout=30,
    ).json()["data"]
    return found[0]["attributes"]["updatedAt"] if found else None


def change(sb: Sandbox, table: str, record_id: str, text: str) -> dict[str, Any]:
    return sb.control.update(table, record_id, {"body" if table == "notes" else "name": text})


def test_a_change_indexed_after_the_cursor_passed_it_lands_on_the_next_run(
    tmp_path: Path,
) -> None:
    with serve(seed=12, scale=40) as sb:
        with_lookback, without = Loader(tmp_path / "lookback"), Loader(tmp_path / "none")
        for loader, lookback in ((with_lookback, 300), (without, 0)):
            loader.run(sb, [TABLE], lookback=lookback)
        sb.control.advance_clock(600)
        # a change that takes up to two minutes to reach search, then one searchable at once
        sb.control.set_index_lag(120)
        late = list(sb.control.records(TABLE))[-1]["id"]
        late_version = change(sb, TABLE, late, "indexed late")["attributes"]["updatedAt"]
        sb.control.set_index_lag(0)
        early = list(sb.control.records(TABLE))[-2]["id"]
        change(sb, TABLE, early, "indexed at once")
        assert searchable(sb, TABLE, late) != late_version  # not in search yet

        for loader, lookback in ((with_lookback, 300), (without, 0)):
            loader.run(sb, [TABLE], lookback=lookback)
            # the cursor passed the late change before search had it: this run could not see it
            assert landed_state(loader, TABLE)[late][0] != late_version
            assert landed_state(loader, TABLE) != org_state(sb, TABLE)

        sb.control.advance_clock(121)  # now search has it
        assert searchable(sb, TABLE, late) == late_version
        for loader, lookback in ((with_lookback, 300), (without, 0)):
            loader.run(sb, [TABLE], lookback=lookback)
        assert_duckdb_equal_to_org(sb, with_lookback, [TABLE])
        # without the lookback the change is lost for good (until the record changes again)
        assert landed_state(without, TABLE)[late][0] != late_version


def test_with_index_lag_on_every_run_the_destination_catches_up_with_the_org(
    tmp_path: Path,
) -> None:
    """Writes of two searched objects, each reaching search after its own lag of up to a
    minute, spread over several runs: once the last write is searchable, one more run makes the
    destination equal the org, with nothing doubled."""
    with serve(seed=14, scale=60, index_lag_s=60) as sb:
        loader = Loader(tmp_path)
        loader.run(sb, LAGGED, lookback=LOOKBACK)
        for round_ in range(3):
            for table in LAGGED:
                ids = [r["id"] for r in sb.control.records(table)]
                for n in range(5):
                    change(sb, table, ids[-1 - (n * 3 + round_) % len(ids)], f"round {round_}")
                sb.control.create(table, {})
                if round_ == 2:
                    sb.control.soft_delete(table, ids[-2])
            sb.control.advance_clock(30)  # about half of this round's writes are searchable now
            loader.run(sb, LAGGED, lookback=LOOKBACK)
        sb.control.advance_clock(61)
        loader.run(sb, LAGGED, lookback=LOOKBACK)
        assert_duckdb_equal_to_org(sb, loader, LAGGED)


BULK, PAGE = 600, 100  # a bulk update of six search pages


def customer_searches(sb: Sandbox) -> int:
    return sb.control.requests(method="POST", path_prefix="/v1/customers/search")


def test_an_unchanged_rerun_after_a_bulk_update_stays_cheap(tmp_path: Path) -> None:
    """Many search pages of records at one updatedAt inside the lookback span: an unchanged rerun
    counts them (meta.total) instead of re-reading them, and any change in that instant is still
    read. Pages of 100 make the bulk six pages (3,000 records at the default 500 are as many)."""
    with serve(seed=16, scale=60) as sb:
        loader = Loader(tmp_path)
        loader.run(sb, [TABLE], tuning=Tuning(search_page_size=PAGE))
        sb.control.advance_clock(60)
        before = list(sb.control.records(TABLE))[-1]["id"]
        change(sb, TABLE, before, "just before the bulk update")
        stamp = api_time(sb.control.now() + timedelta(seconds=1))
        sb.control.set_index_lag(30)  # about half of the bulk reaches search after the next run
        sb.control.bulk_import(TABLE, BULK, updated_at=stamp)
        sb.control.set_index_lag(0)
        sb.control.advance_clock(15)
        loader.run(sb, [TABLE], tuning=Tuning(search_page_size=PAGE))
        missing = set(org_state(sb, TABLE)) - set(landed_state(loader, TABLE))
        assert 0 < len(missing) < BULK  # the cursor is at the bulk's instant, half of it unseen

        sb.control.advance_clock(16)  # now search has the whole bulk
        after = list(sb.control.records(TABLE))[-BULK - 2]["id"]
        change(sb, TABLE, after, "after the bulk update")
        loader.run(sb, [TABLE], tuning=Tuning(search_page_size=PAGE))
        assert_duckdb_equal_to_org(sb, loader, [TABLE])  # the instant's late records were read

        for _ in range(2):
            sb.control.reset_requests()
            loader.run(sb, [TABLE], tuning=Tuning(search_page_size=PAGE))
            # 3 for the span (re-reading the bulk takes more than BULK / PAGE) and 1 for the
            # comparison with the org
            assert customer_searches(sb) <= 4
            assert loader.pipeline.last_trace.last_normalize_info.row_counts.get(TABLE, 0) < 10
            assert_duckdb_equal_to_org(sb, loader, [TABLE])

        # a record indexed late at the bulk's own instant: the count differs, so it is read
        sb.control.set_index_lag(10)
        late = sb.control.bulk_import(TABLE, 1, updated_at=stamp)[0]
        sb.control.set_index_lag(0)
        sb.control.advance_clock(11)
        loader.run(sb, [TABLE], tuning=Tuning(search_page_size=PAGE))
        assert late in loader.ids(TABLE)
