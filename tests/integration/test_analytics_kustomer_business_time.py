"""The models' business minutes against Kustomer's own: `firstResponse.businessTime` and
`firstDone.businessTime` (columns first_response__business_time and first_done__business_time,
milliseconds), which Kustomer computes from the org's default schedule and holidays, and the
sandbox too (`kustomer_sandbox.business`)."""

from __future__ import annotations

import pytest
from helpers.analytics import built_full_load
from helpers.loading import LoadedDataset

from kustomer_analytics import dbt_runner
from kustomer_analytics.models import DuckDBWarehouse

pytestmark = pytest.mark.skipif(not dbt_runner.available(), reason="dbt is not installed")


def test_business_minutes_equal_kustomers_business_time(
    full_load: LoadedDataset, tmp_path_factory: pytest.TempPathFactory
) -> None:
    wh = DuckDBWarehouse(built_full_load(full_load, tmp_path_factory))
    try:
        rows = wh.query(
            "select conversation_id, first_reply_time_business_minutes, "
            "kustomer_first_reply_business_minutes, first_resolution_business_minutes, "
            "kustomer_first_resolution_business_minutes, first_resolution_calendar_minutes "
            "from kustomer_reports.kustomer__conversation_metrics"
        )
    finally:
        wh.close()
    compared = 0
    # not only zeros, and not the calendar time: the hours and holidays made a difference
    counted = [r for r in rows if (r["first_resolution_business_minutes"] or 0) > 0]
    assert len(counted) > 5
    assert any(
        r["first_resolution_business_minutes"] < r["first_resolution_calendar_minutes"]
        for r in counted
    )
    for r in rows:
        for ours, theirs in (
            ("first_reply_time_business_minutes", "kustomer_first_reply_business_minutes"),
            ("first_resolution_business_minutes", "kustomer_first_resolution_business_minutes"),
        ):
            if r[theirs] is None:
                continue
            # Kustomer keeps milliseconds: equal to the millisecond
            assert r[ours] == pytest.approx(r[theirs], abs=1 / 60000), (r["conversation_id"], ours)
            compared += 1
    assert compared > 10
