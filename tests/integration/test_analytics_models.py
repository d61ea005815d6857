"""The dbt models of the report (kustomer_analytics/dbt) built on loaded datasets - the session
sandbox org in DuckDB and in PostgreSQL, a hand-made dataset with few columns - with dbt's own
tests passing, and checked here independently: counts against the raw tables, calendar minutes
against the raw timestamps, business minutes against a Python count of the schedule's hours
(zoneinfo), CSAT and first contact resolution by their definitions, and the incremental model
against a full rebuild."""

from __future__ import annotations

import json
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dlt
import duckdb
import pytest
from helpers import postgres
from helpers.analytics import built_full_load
from helpers.loading import LoadedDataset, isolate_dlt

from kustomer_analytics import dbt_runner
from kustomer_analytics.models import DuckDBWarehouse, PostgresWarehouse, Warehouse
from kustomer_sandbox import Sandbox
from kustomer_source import kustomer_source

R = "kustomer_reports"
D = "kustomer_data"
Query = Callable[[str], list[dict[str, Any]]]

pytestmark = pytest.mark.skipif(not dbt_runner.available(), reason="dbt is not installed")


@pytest.fixture(scope="module")
def built(full_load: LoadedDataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Query]:
    wh = DuckDBWarehouse(built_full_load(full_load, tmp_path_factory))
    yield wh.query
    wh.close()


# ------------------------------------------------------------------ the reference computations


def as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def default_schedule(q: Query, dataset: str = D) -> dict[str, Any]:
    rows = q(
        f'select id, "default" as is_default, timezone, hours, created_at from {dataset}.schedules'
    )
    rows.sort(key=lambda r: (not r["is_default"], r["created_at"], r["id"]))
    schedule = rows[0]
    hours = schedule["hours"]
    schedule["hours"] = json.loads(hours) if isinstance(hours, str) else hours
    schedule["holidays"] = [
        (as_utc(h["start_date"]), as_utc(h["end_date"]))
        for h in q(f"select schedule_id, enabled, start_date, end_date from {dataset}.holidays")
        if h["schedule_id"] == schedule["id"] and h["enabled"] is not False
    ]
    return schedule


def subtract(
    span: tuple[datetime, datetime], holes: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    pieces = [span]
    for hs, he in holes:
        out = []
        for a, b in pieces:
            if he <= a or hs >= b:
                out.append((a, b))
                continue
            if hs > a:
                out.append((a, hs))
            if he < b:
                out.append((he, b))
        pieces = out
    return pieces


def business_minutes(
    schedule: dict[str, Any], start: datetime | None, end: datetime | None
) -> float | None:
    """Minutes of [start, end] inside the schedule's opening hours (weekday 0 = Sunday, minutes
    after local midnight, in its time zone) and outside its holidays."""
    if start is None or end is None or end < start:
        return None
    tz = ZoneInfo(schedule["timezone"])
    start, end = as_utc(start), as_utc(end)
    total = 0.0
    day = start.astimezone(tz).date() - timedelta(days=1)
    while day <= end.astimezone(tz).date() + timedelta(days=1):
        weekday = (day.isoweekday()) % 7  # Monday 1 .. Saturday 6, Sunday 0
        for open_minute, close_minute in schedule["hours"].get(str(weekday)) or []:
            midnight = datetime.combine(day, time(0))
            opens = (midnight + timedelta(minutes=open_minute)).replace(tzinfo=tz)
            closes = (midnight + timedelta(minutes=close_minute)).replace(tzinfo=tz)
            a, b = (
                max(start, opens.astimezone(timezone.utc)),
                min(end, closes.astimezone(timezone.utc)),
            )
            if b > a:
                for pa, pb in subtract((a, b), schedule["holidays"]):
                    total += (pb - pa).total_seconds() / 60
        day += timedelta(days=1)
    return total


def first_of(*values: Any) -> Any:
    return next((v for v in values if v is not None), None)


def minutes(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (as_utc(end) - as_utc(start)).total_seconds() / 60


def live_conversations(q: Query, dataset: str = D) -> list[dict[str, Any]]:
    return q(
        "select id, created_at, status, direction, spam, deleted, merged_into_id, "
        "first_response__sent_at, first_done__created_at, last_done__created_at, message_count, "
        f"satisfaction, satisfaction_level__rating from {dataset}.conversations "
        "where not coalesce(deleted, false) and _kustomer_deleted_at is null"
    )


def check_against_raw(q: Query, dataset: str = D, schema: str = R) -> None:
    """The models against the raw tables of the same dataset."""
    convs = live_conversations(q, dataset)
    metrics = {
        r["conversation_id"]: r for r in q(f"select * from {schema}.kustomer__conversation_metrics")
    }
    assert set(metrics) == {c["id"] for c in convs}
    schedule = default_schedule(q, dataset)
    replied = 0
    for c in convs:
        m = metrics[c["id"]]
        for start, end, cal, biz in (
            (c["created_at"], c["first_response__sent_at"], "first_reply_time_calendar_minutes",
             "first_reply_time_business_minutes"),
            (c["created_at"], c["last_done__created_at"], "full_resolution_calendar_minutes",
             "full_resolution_business_minutes"),
        ):  # fmt: skip
            assert m[cal] == pytest.approx(minutes(start, end), abs=1e-6), (c["id"], cal)
            assert m[biz] == pytest.approx(business_minutes(schedule, start, end), abs=1e-6), (
                c["id"],
                biz,
            )
        replied += c["first_response__sent_at"] is not None
    assert replied > 5
    # spans with business time and spans without (wholly outside hours) both occur
    values = [m["full_resolution_business_minutes"] for m in metrics.values()]
    assert any(v == 0 for v in values) or any(v and v > 0 for v in values)

    # agent replies: outbound messages not sent by an automation
    replies = Counter(
        r["conversation_id"]
        for r in q(f"select conversation_id, direction, auto, deleted from {dataset}.messages")
        if r["direction"] == "out" and not r["auto"] and not r["deleted"]
    )
    for cid, m in metrics.items():
        assert m["count_agent_replies"] == replies.get(cid, 0), cid

    # CSAT by Kustomer's definition: positive (4-5 of 5) over rated, spam left out
    ratings = [
        r for c in convs if not c["spam"]
        if (r := first_of(c["satisfaction_level__rating"], c["satisfaction"])) is not None
    ]  # fmt: skip
    (summary,) = q(f"select * from {schema}.kustomer__summary")
    assert summary["rated"] == len(ratings) > 0
    assert summary["csat_pct"] == pytest.approx(100 * sum(r >= 4 for r in ratings) / len(ratings))
    assert summary["conversations"] == sum(1 for c in convs if not c["spam"])

    # first contact resolution: inbound, first done, with a message, never merged; done, never
    # reopened (no reopenCount lands: reopened when the last done came after the first)
    merged_into = {
        c["merged_into_id"]
        for c in q(f"select merged_into_id from {dataset}.conversations")
        if c["merged_into_id"]
    }
    live_messages = Counter(
        r["conversation_id"]
        for r in q(f"select conversation_id, deleted from {dataset}.messages")
        if not r["deleted"]
    )
    eligible = [
        c for c in convs if not c["spam"] and (c["direction"] or "in") == "in"
        and c["first_done__created_at"] is not None
        and (c["message_count"] if c["message_count"] is not None else live_messages[c["id"]]) > 0
        and c["id"] not in merged_into
    ]  # fmt: skip
    resolved = [
        c for c in eligible
        if c["status"] == "done"
        and not first_of(c["last_done__created_at"], c["first_done__created_at"])
        > c["first_done__created_at"]
    ]  # fmt: skip
    assert summary["fcr_eligible"] == len(eligible)
    if eligible:
        assert summary["fcr_pct"] == pytest.approx(100 * len(resolved) / len(eligible))

    # every agent reply in agent_daily and team_daily counts once
    (agent_replies,) = q(f"select sum(replies) as n from {schema}.kustomer__agent_daily")
    (team_replies,) = q(f"select sum(replies) as n from {schema}.kustomer__team_daily")
    assert team_replies["n"] == summary["agent_replies"] >= (agent_replies["n"] or 0)
    backlog = q(f"select * from {schema}.kustomer__backlog_daily")
    assert sum(r["opened"] for r in backlog) == summary["conversations"]
    assert max(backlog, key=lambda r: r["day"])["open_at_end_of_day"] == summary["open_now"]


# ------------------------------------------------------------------ DuckDB


def test_models_build_with_their_tests_on_the_sandbox_load(
    full_load: LoadedDataset, tmp_path_factory: pytest.TempPathFactory
) -> None:
    here = built_full_load(full_load, tmp_path_factory).parent
    statuses = json.loads((here / "build.json").read_text())
    kinds = Counter(name.split(":")[0] for name in statuses)
    assert kinds["model"] >= 20 and kinds["test"] >= 80 and kinds["unit_test"] >= 4, kinds
    assert set(statuses.values()) <= {"success", "pass"}, statuses


def test_models_equal_the_raw_tables(built: Query) -> None:
    check_against_raw(built)


def test_message_replies_answer_waiting_customer_messages(built: Query) -> None:
    """Each reply answers the customer messages since the previous agent reply."""
    messages = built(
        "select m.id, m.conversation_id, m.direction, m.auto, "
        f"coalesce(m.sent_at, m.created_at) as at from {D}.messages m "
        f"join {R}.kustomer__conversation_metrics c on c.conversation_id = m.conversation_id "
        "where not coalesce(m.deleted, false)"
    )
    by_conv: dict[str, list[dict[str, Any]]] = {}
    for m in messages:
        by_conv.setdefault(m["conversation_id"], []).append(m)
    expected = {}
    for msgs in by_conv.values():
        waiting_since = None
        for m in sorted(msgs, key=lambda m: (m["at"], m["id"])):
            if m["direction"] == "out" and not m["auto"]:
                if waiting_since is not None:
                    expected[m["id"]] = minutes(waiting_since, m["at"])
                waiting_since = None
            elif m["direction"] == "in" and waiting_since is None:
                waiting_since = m["at"]
    got = {
        r["message_id"]: r["reply_time_calendar_minutes"]
        for r in built(f"select * from {R}.kustomer__message_replies")
    }
    assert got.keys() == expected.keys() and len(got) > 5
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-6)


def test_incremental_build_equals_a_full_rebuild(
    full_load: LoadedDataset, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    """After changes to the raw conversations - updated, soft-deleted, hard-deleted, new - the
    incremental model holds what a full rebuild does, and the build was incremental."""
    db = tmp_path / "kustomer.duckdb"
    shutil.copyfile(built_full_load(full_load, tmp_path_factory), db)
    with duckdb.connect(str(db)) as con:
        ids = [
            r[0] for r in con.execute(f"select id from {D}.conversations order by id").fetchall()
        ]
        later = f"(select max(updated_at) + interval 1 hour from {D}.conversations)"
        con.execute(
            f"update {D}.conversations set updated_at = {later}, status = 'done', "
            "first_response__sent_at = created_at + interval 90 minute, "
            "last_done__created_at = created_at + interval 3 day where id in (?, ?, ?)",
            ids[:3],
        )
        con.execute(
            f"update {D}.conversations set deleted = true, updated_at = {later} where id = ?",
            [ids[3]],
        )
        con.execute(f"delete from {D}.conversations where id = ?", [ids[4]])
        con.execute(
            f"insert into {D}.conversations select * replace (id || 'x' as id, "
            "_dlt_id || 'x' as _dlt_id, "
            f"{later} as updated_at) from {D}.conversations where id = ?",
            [ids[5]],
        )
    work = tmp_path / "work"
    dbt_runner.build(
        dbt_runner.DuckDBTarget(db), select="+kustomer__conversation_metrics", work_dir=work
    )
    model = "kustomer_analytics/models/marts/kustomer__conversation_metrics.sql"
    compiled = (work / "target" / "compiled" / model).read_text()
    merged = (work / "target" / "run" / model).read_text()
    # the incremental path: only conversations updated since the newest one built, merged in
    assert ">= (select max(updated_at)" in compiled and "delete from" in merged
    dbt_runner.build(
        dbt_runner.DuckDBTarget(db), schema="kustomer_full", full_refresh=True,
        select="+kustomer__conversation_metrics",
    )  # fmt: skip
    with duckdb.connect(str(db), read_only=True) as con:
        inc = con.execute(
            f"select * from {R}.kustomer__conversation_metrics order by conversation_id"
        ).fetchall()
        full = con.execute(
            "select * from kustomer_full.kustomer__conversation_metrics order by conversation_id"
        ).fetchall()
        changed = con.execute(
            f"select first_reply_time_calendar_minutes from {R}.kustomer__conversation_metrics "
            "where conversation_id = ?",
            [ids[0]],
        ).fetchall()
    assert inc == full
    assert {r[0] for r in inc} >= {ids[5] + "x"} and ids[3] not in {r[0] for r in inc}
    assert ids[4] not in {r[0] for r in inc} and changed == [(90.0,)]


def test_models_build_on_a_small_hand_made_dataset(tmp_path: Path) -> None:
    """A dataset with only a few conversation columns and no schedules, messages or SLAs (as a
    small org, or a load of some objects only): every model builds, dbt's tests pass, business
    minutes are unknown, CSAT and first contact resolution follow their definitions."""
    db = tmp_path / "small.duckdb"
    rows = [
        # id, status, direction, created, first done, last done, messages, rating
        ("a", "done", "in", "2026-03-02 10:00", "2026-03-02 12:00", "2026-03-02 12:00", 2, 5),
        (
            "b",
            "done",
            "in",
            "2026-03-02 11:00",
            "2026-03-02 13:00",
            "2026-03-03 09:00",
            4,
            2,
        ),  # reopened
        ("c", "open", "in", "2026-03-03 09:00", None, None, 1, None),
        ("d", "done", "out", "2026-03-03 10:00", "2026-03-03 11:00", "2026-03-03 11:00", 2, 4),
        ("e", "done", "in", "2026-03-04 10:00", "2026-03-04 10:30", "2026-03-04 10:30", 3, 3),
    ]
    with duckdb.connect(str(db)) as con:
        con.execute(f"create schema {D}")
        con.execute(
            f"create table {D}.conversations (id varchar, _dlt_id varchar, status varchar, "
            "direction varchar, created_at timestamptz, updated_at timestamptz, "
            "first_done__created_at timestamptz, last_done__created_at timestamptz, "
            "message_count bigint, satisfaction bigint)"
        )
        for cid, status, dirn, created, fd, ld, n, rating in rows:
            con.execute(
                f"insert into {D}.conversations values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [cid, cid, status, dirn, created + ":00+00", created + ":00+00",
                 fd and fd + ":00+00", ld and ld + ":00+00", n, rating],
            )  # fmt: skip
    dbt_runner.build(dbt_runner.DuckDBTarget(db))
    wh = DuckDBWarehouse(db)
    (s,) = wh.query(f"select * from {R}.kustomer__summary")
    m = {
        r["conversation_id"]: r
        for r in wh.query(f"select * from {R}.kustomer__conversation_metrics")
    }
    wh.close()
    assert s["conversations"] == 5 and s["open_now"] == 1
    assert s["rated"] == 4 and s["csat_pct"] == pytest.approx(50.0)  # 5 and 4 of 5, 2, 4, 3
    # eligible: a, b, e (inbound, first done, with messages); resolved first time: a, e
    assert s["fcr_eligible"] == 3 and s["fcr_pct"] == pytest.approx(200 / 3)
    assert m["b"]["count_reopens"] == 1 and not m["b"]["is_first_contact_resolution"]
    assert m["a"]["full_resolution_calendar_minutes"] == 120
    assert all(r["full_resolution_business_minutes"] is None for r in m.values())


# ------------------------------------------------------------------ PostgreSQL

OBJECTS = [
    "conversations", "messages", "teams", "users", "brands", "schedules", "holidays",
    "slas", "sla_versions", "sla_targets", "routing_work_items", "routing_work_sessions",
]  # fmt: skip


def test_models_build_with_their_tests_on_postgresql(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sandbox org loaded into a PostgreSQL dataset of its own, the models built there by the
    report command's builder (dbt's tests included), and the same independent checks."""
    dsn = postgres.postgres_dsn()
    dataset = f"kustomer_{uuid.uuid4().hex[:10]}"
    schema = f"{dataset}_reports"
    isolate_dlt(monkeypatch, tmp_path / "dlt_data")
    pipeline = dlt.pipeline(
        pipeline_name=f"analytics_{uuid.uuid4().hex[:8]}",
        destination=dlt.destinations.postgres(dsn),
        dataset_name=dataset,
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    try:
        source = kustomer_source(api_key=sandbox.token, base_url=sandbox.base_url)
        info = pipeline.run(source.with_resources(*OBJECTS))
        assert not info.has_failed_jobs
        result = dbt_runner.build(dbt_runner.PostgresTarget(dsn), dataset=dataset, schema=schema)
        assert result.count("unit_test") >= 4 and result.count("test") >= 80
        wh: Warehouse = PostgresWarehouse(dsn)
        try:
            check_against_raw(wh.query, dataset, schema)
        finally:
            wh.close()
    finally:
        postgres.drop_dataset(dsn, dataset)
        postgres.drop_dataset(dsn, schema)


def test_reference_business_minutes_hand_worked() -> None:
    """The Python reference itself, on the dbt unit test's hand-worked cases."""
    schedule = {
        "timezone": "America/New_York",
        "hours": {str(d): [[540, 1020]] for d in range(1, 6)} | {"6": [[600, 720], [780, 900]]},
        "holidays": [
            (
                datetime(2026, 12, 25, 5, tzinfo=timezone.utc),
                datetime(2026, 12, 26, 5, tzinfo=timezone.utc),
            ),
            (
                datetime(2026, 11, 25, 17, tzinfo=timezone.utc),
                datetime(2026, 11, 27, 5, tzinfo=timezone.utc),
            ),
        ],
    }

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text + "+00:00")

    for start, end, expected in [
        ("2026-01-16 21:00", "2026-01-19 15:00", 360),
        ("2026-03-06 17:00", "2026-03-09 13:30", 570),
        ("2026-12-24 21:00", "2026-12-28 14:30", 330),
        ("2026-11-25 15:00", "2026-11-27 15:00", 180),
        ("2026-03-03 15:00:00", "2026-03-03 15:00:45", 0.75),
        ("2026-03-04 23:00", "2026-03-05 13:00", 0),
    ]:
        assert business_minutes(schedule, at(start), at(end)) == pytest.approx(expected)
    assert date(2026, 3, 8).isoweekday() % 7 == 0  # the clocks moved on a Sunday
