"""The source on an unkind org: the sandbox answers every question the documentation leaves open
the unkind way (ties in a new order on every request, unsupported sorts ignored, capped totals,
newest-first lists, old records updated recently, Kustomer's own error bodies, empty
relationships, records without a creator), alone and all at once (`profile="unkind"`). First
loads, incremental runs with changes, the lookback, a backfill and a bulk import at one instant
end with the destination equal to the org id by id."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers.loading import Loader
from helpers.org import assert_duckdb_equal_to_org
from helpers.readers import change_the_org

from kustomer_sandbox import serve
from kustomer_source import Tuning
from kustomer_source.api.times import api_time

SMALL = Tuning(page_size=10, search_page_size=20)


@pytest.mark.parametrize(
    "options",
    [
        {"profile": "unkind"},
        {"list_order": "newest"},
        {"list_order": "updated", "recent_update_share": 0.3},
        {"unsupported_sort": "ignore"},
        {"tie_order": "shuffle"},
        {"total_cap": 15},
    ],
    ids=["profile", "newest-lists", "updated-lists", "sort-ignored", "shuffled-ties", "capped"],
)
def test_first_load_and_changes_equal_the_org(tmp_path: Path, options: dict[str, Any]) -> None:
    tables = ["customers", "notes"]
    with serve(seed=81, scale=40, **options) as sb:
        loader = Loader(tmp_path)
        loader.run(sb, tables, tuning=SMALL)
        assert_duckdb_equal_to_org(sb, loader, tables)
        change_the_org(sb, tables)
        loader.run(sb, tables, tuning=SMALL)
        assert_duckdb_equal_to_org(sb, loader, tables)


@pytest.mark.parametrize("tie_order", ["hash", "shuffle"])
def test_a_bulk_import_at_one_instant_under_an_unstable_tie_order(
    tmp_path: Path, tie_order: str
) -> None:
    """120 notes at one updatedAt, in search pages of 20: paged apart by number, which needs the
    same order on every request; with a new order each time the instant is read again until
    search's count of it is reached."""
    with serve(seed=82, scale=20, tie_order=tie_order) as sb:
        loader = Loader(tmp_path)
        loader.run(sb, ["notes"], tuning=SMALL)
        sb.control.advance_clock(60)
        stamp = api_time(sb.control.now() + timedelta(seconds=1))
        sb.control.bulk_import("notes", 120, updated_at=stamp)
        loader.run(sb, ["notes"], tuning=SMALL)
        assert_duckdb_equal_to_org(sb, loader, ["notes"])


def test_lookback_and_backfill_on_the_unkind_profile(tmp_path: Path) -> None:
    with serve(seed=83, scale=40, profile="unkind") as sb:
        sb.control.set_index_lag(30)
        loader = Loader(tmp_path / "incremental")
        loader.run(sb, ["notes"], tuning=SMALL)
        for _ in range(3):
            change_the_org(sb, ["notes"])
            loader.run(sb, ["notes"], tuning=SMALL)
        sb.control.set_index_lag(0)
        sb.control.advance_clock(60)
        loader.run(sb, ["notes"], tuning=SMALL)
        assert_duckdb_equal_to_org(sb, loader, ["notes"])

        backfill = Loader(tmp_path / "backfill")
        stamps = sorted(r["attributes"]["updatedAt"] for r in sb.control.records("notes"))
        middle = stamps[len(stamps) // 2]
        backfill.run(sb, ["notes"], start_date=stamps[0], end_date=middle, tuning=SMALL)
        backfill.run(sb, ["notes"], start_date=middle, end_date=api_time(sb.control.now()))
        # the two ranges hold every note changed before now (the last moment excluded)
        landed = backfill.ids("notes")
        org = {
            r["id"]
            for r in sb.control.records("notes", include_deleted=True)
            if r["attributes"]["updatedAt"] < api_time(sb.control.now())
        }
        assert landed == org
