"""The support metrics report's views on small hand-made DuckDB files: a dataset with only a few
conversation columns, and one without conversations."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from kustomer_analytics import collect, create_views

NO_TEAM = "(no team)"


def test_views_work_without_optional_tables_and_columns(tmp_path: Path) -> None:
    """A dataset with only a few conversation columns (as a small real org may have)."""
    with duckdb.connect(str(tmp_path / "min.duckdb")) as db:
        db.execute("create schema kustomer_data")
        db.execute(
            "create table kustomer_data.conversations as select * from (values "
            "('a', 'x1', timestamptz '2026-01-01 10:00:00+00', null, 'open'), "
            "('b', 'x2', timestamptz '2026-01-03 23:59:00+00', "
            "timestamptz '2026-01-04 08:00:00+00', 'done')) "
            "t(id, _dlt_id, created_at, updated_at, status)"
        )
        create_views(db)
        data = collect(db)
    assert data.overview["conversations"] == 2
    assert data.overview["open_now"] == 1
    # done without endedAt or lastDone: resolved at its last update
    assert [r["open_conversations"] for r in data.backlog] == [1, 1, 2, 1]
    assert data.first_response == [
        {
            "team_id": None,
            "team": NO_TEAM,
            "conversations": 2,
            "responded": 0,
            "median_minutes": None,
            "p90_minutes": None,
        }
    ]


def test_missing_conversations_is_a_clear_error(tmp_path: Path) -> None:
    from kustomer_analytics import ReportError

    with duckdb.connect(str(tmp_path / "empty.duckdb")) as db:
        with pytest.raises(ReportError, match="load conversations first"):
            create_views(db)
