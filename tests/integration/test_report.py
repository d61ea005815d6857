"""The support metrics report: each view's numbers against the same metric computed here in Python
from the sandbox org's records, the sandbox's conversations telling one coherent story, the PNG,
and `pipelines/kustomer_report.py` run on a demo-loaded DuckDB file."""

from __future__ import annotations

import math
import os
import shutil
import statistics
import struct
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from helpers.loading import REPO, DemoRun, LoadedDataset

from kustomer_analytics import REPORT_SCHEMA, available, collect, create_views, render
from kustomer_analytics.views import query
from kustomer_sandbox import Sandbox

R = REPORT_SCHEMA
NO_TEAM = "(no team)"


@pytest.fixture(scope="module")
def con(
    full_load: LoadedDataset, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The session sandbox's load (its conversations, teams and messages among every object) in
    a copy of this module's own, with the report's views added to it."""
    db = tmp_path_factory.mktemp("report") / "kustomer.duckdb"
    shutil.copyfile(full_load.db_path, db)
    with duckdb.connect(str(db)) as connection:
        create_views(connection)
        yield connection


# ------------------------------------------------------------------ the org, read in Python


def conversations(sb: Sandbox) -> list[dict[str, Any]]:
    """Live conversations' attributes (plus id), as the API serves them."""
    out = []
    for rec in sb.control.records("conversations"):
        a = rec["attributes"]
        if not a.get("deleted") and not a.get("spam"):
            out.append({"id": rec["id"], **a})
    return out


def team_names(sb: Sandbox) -> dict[str, str]:
    names = {}
    for rec in sb.control.records("teams"):
        a = rec["attributes"]
        names[rec["id"]] = a.get("displayName") or a.get("name") or rec["id"]
    return names


def teams_of(conv: dict[str, Any]) -> list[str | None]:
    return list(conv.get("assignedTeams") or []) or [None]


def first_response_ms(conv: dict[str, Any]) -> int | None:
    fr = conv.get("firstResponse") or {}
    return fr.get("responseTime", fr.get("time"))


def resolution_ms(conv: dict[str, Any]) -> int | None:
    return (conv.get("firstDone") or {}).get("time")


def rating(conv: dict[str, Any]) -> int | None:
    r = (conv.get("satisfactionLevel") or {}).get("rating")
    return r if r is not None else conv.get("satisfaction")


def resolved_day(conv: dict[str, Any]) -> date | None:
    """When a conversation left the backlog (None: still open)."""
    last_done = (conv.get("lastDone") or {}).get("createdAt")
    if conv.get("status") == "done":
        at = conv.get("endedAt") or last_done or conv["updatedAt"]
    elif conv.get("status") is None:
        at = conv.get("endedAt") or last_done
    else:
        at = None
    return None if at is None else date.fromisoformat(at[:10])


def quantile(values: list[float], q: float) -> float:
    """The q-quantile, interpolating linearly between the two nearest ranks."""
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def by_team(sb: Sandbox, value: Any) -> dict[str | None, list[float]]:
    out: dict[str | None, list[float]] = defaultdict(list)
    for conv in conversations(sb):
        v = value(conv)
        for team in teams_of(conv):
            values = out[team]  # every team that has conversations, even without values
            if v is not None:
                values.append(v)
    return out


def rows_by_team(con: duckdb.DuckDBPyConnection, view: str) -> dict[str | None, dict[str, Any]]:
    return {r["team_id"]: r for r in query(con, f"select * from {R}.{view}")}


# ------------------------------------------------------------------ the sandbox's story


def test_sandbox_conversations_tell_one_story(sandbox: Sandbox) -> None:
    """The fields the metrics read agree with each other and with the other objects."""
    teams = team_names(sandbox)
    users = {r["id"] for r in sandbox.control.records("users")}
    messages = Counter(
        r["relationships"]["conversation"]["data"]["id"]
        for r in sandbox.control.records("messages")
    )
    convs = conversations(sandbox)
    statuses = Counter(c.get("status") for c in convs)
    assert statuses["done"] > 0 and statuses["open"] + statuses["snoozed"] > 0, statuses
    for c in convs:
        created, updated = c["createdAt"], c["updatedAt"]
        fr, done = c.get("firstResponse") or {}, c.get("firstDone") or {}
        if fr:
            assert created <= fr["sentAt"] <= updated
            assert fr["responseTime"] == ms_between(created, fr["sentAt"])
            assert set(fr["assignedTeams"]) <= set(teams)
            assert fr["createdBy"] in users
        if done:
            assert done["time"] == ms_between(created, done["createdAt"])
            assert not fr or fr["sentAt"] <= done["createdAt"] <= updated
        if c.get("status") is not None and "ended" in c and c["ended"] is not None:
            assert c["ended"] == (c["status"] == "done")
        if c.get("endedAt"):
            assert c.get("status") in ("done", None)
            assert created <= c["endedAt"] <= updated
        if c.get("status") in ("open", "snoozed"):
            assert not done and not c.get("endedAt") and rating(c) is None
        assert set(c.get("assignedTeams") or []) <= set(teams)
        r = rating(c)
        assert r is None or 1 <= r <= 5
        if r is not None:
            assert c.get("status") in ("done", None)
        if c.get("messageCount") is not None:
            assert c["messageCount"] == messages[c["id"]] >= 1
    counts = Counter(c["messageCount"] for c in convs if c.get("messageCount") is not None)
    assert len(counts) >= 4, counts  # not the same number of messages everywhere


def ms_between(a: str, b: str) -> int:
    from datetime import datetime

    def ms(text: str) -> int:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)

    return ms(b) - ms(a)


# ------------------------------------------------------------------ the views


def test_views_are_created_with_comments(con: duckdb.DuckDBPyConnection) -> None:
    rows = dict(
        con.execute(
            "select view_name, comment from duckdb_views() where schema_name = ?", [R]
        ).fetchall()
    )
    assert set(rows) >= {
        "conversation_facts",
        "conversations_per_day",
        "first_response_by_team",
        "resolution_by_team",
        "satisfaction_by_team",
        "messages_per_conversation",
        "backlog_daily",
        "overview",
    }
    assert all(comment for comment in rows.values())


def test_conversations_per_day_and_channel(
    con: duckdb.DuckDBPyConnection, sandbox: Sandbox
) -> None:
    expected = Counter(
        (date.fromisoformat(c["createdAt"][:10]), (c.get("channels") or ["(none)"])[0])
        for c in conversations(sandbox)
    )
    got = {
        (r["day"], r["channel"]): r["conversations"]
        for r in query(con, f"select * from {R}.conversations_per_day")
    }
    assert got == dict(expected)
    assert sum(got.values()) == len(conversations(sandbox))


def test_first_response_by_team(con: duckdb.DuckDBPyConnection, sandbox: Sandbox) -> None:
    expected = by_team(sandbox, first_response_ms)
    rows = rows_by_team(con, "first_response_by_team")
    assert set(rows) == set(expected)
    names = team_names(sandbox)
    members = Counter(t for c in conversations(sandbox) for t in teams_of(c))
    for team, values in expected.items():
        row = rows[team]
        assert row["team"] == (names[team] if team else NO_TEAM)
        assert row["conversations"] == members[team]
        assert row["responded"] == len(values)
        if values:
            assert row["median_minutes"] == pytest.approx(statistics.median(values) / 60000)
            assert row["p90_minutes"] == pytest.approx(quantile(values, 0.9) / 60000)
    assert sum(len(v) for v in expected.values()) > 20  # enough replies to mean something


def test_resolution_by_team(con: duckdb.DuckDBPyConnection, sandbox: Sandbox) -> None:
    expected = {t: v for t, v in by_team(sandbox, resolution_ms).items() if v}
    rows = rows_by_team(con, "resolution_by_team")
    assert set(rows) == set(expected)
    for team, values in expected.items():
        assert rows[team]["resolved"] == len(values)
        assert rows[team]["median_hours"] == pytest.approx(statistics.median(values) / 3.6e6)
        assert rows[team]["p90_hours"] == pytest.approx(quantile(values, 0.9) / 3.6e6)


def test_satisfaction_by_team(con: duckdb.DuckDBPyConnection, sandbox: Sandbox) -> None:
    expected = {t: v for t, v in by_team(sandbox, rating).items() if v}
    rows = rows_by_team(con, "satisfaction_by_team")
    assert set(rows) == set(expected)
    for team, values in expected.items():
        assert rows[team]["rated"] == len(values)
        assert rows[team]["avg_rating"] == pytest.approx(statistics.mean(values))
        satisfied = sum(1 for v in values if v >= 4)
        assert rows[team]["csat_pct"] == pytest.approx(100 * satisfied / len(values))


def test_messages_per_conversation(con: duckdb.DuckDBPyConnection, sandbox: Sandbox) -> None:
    expected = Counter(
        c["messageCount"] for c in conversations(sandbox) if c.get("messageCount") is not None
    )
    got = {
        r["messages"]: r["conversations"]
        for r in query(con, f"select * from {R}.messages_per_conversation")
    }
    assert got == dict(expected)
    # Kustomer's own count agrees with the messages that landed
    mismatched = con.execute(
        "select count(*) from kustomer_data.conversations c "
        "left join (select conversation_id, count(*) n from kustomer_data.messages group by 1) m "
        "on m.conversation_id = c.id where c.message_count is distinct from coalesce(m.n, 0) "
        "and c.message_count is not null"
    ).fetchall()
    assert mismatched == [(0,)]


def test_backlog_daily(con: duckdb.DuckDBPyConnection, sandbox: Sandbox) -> None:
    convs = conversations(sandbox)
    created = [date.fromisoformat(c["createdAt"][:10]) for c in convs]
    resolved = [resolved_day(c) for c in convs]
    rows = query(con, f"select * from {R}.backlog_daily")
    days = [r["day"] for r in rows]
    assert days[0] == min(created)
    assert days == [days[0] + timedelta(days=k) for k in range(len(days))]  # no gaps
    assert days[-1] == max(created + [d for d in resolved if d is not None])
    peak = max(rows, key=lambda r: r["open_conversations"])
    for row in (rows[0], rows[len(rows) // 3], rows[2 * len(rows) // 3], rows[-1], peak):
        d = row["day"]
        open_then = sum(
            1 for c, r in zip(created, resolved, strict=True) if c <= d and (r is None or r > d)
        )
        assert row["open_conversations"] == open_then, d
        assert row["opened"] == created.count(d)
        assert row["resolved"] == resolved.count(d)
    still_open = sum(1 for r in resolved if r is None)
    assert rows[-1]["open_conversations"] == still_open > 0


def test_overview(con: duckdb.DuckDBPyConnection, sandbox: Sandbox) -> None:
    convs = conversations(sandbox)
    (o,) = query(con, f"select * from {R}.overview")
    ratings = [r for c in convs if (r := rating(c)) is not None]
    counts = [c["messageCount"] for c in convs if c.get("messageCount") is not None]
    replies = [ms for c in convs if (ms := first_response_ms(c)) is not None]
    assert o["conversations"] == len(convs)
    assert o["open_now"] == sum(1 for c in convs if resolved_day(c) is None)
    assert o["rated"] == len(ratings)
    assert o["avg_rating"] == pytest.approx(statistics.mean(ratings))
    assert o["avg_messages"] == pytest.approx(statistics.mean(counts))
    assert o["first_response_median_minutes"] == pytest.approx(statistics.median(replies) / 6e4)


# ------------------------------------------------------------------ the picture and the CLI


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", head
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_png_is_written(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    out = render(collect(con), tmp_path / "charts" / "report.png")
    width, height = png_size(out)
    assert width >= 1000 and 600 <= height <= width  # one landscape page
    assert 10_000 < out.stat().st_size < 2_000_000


def test_report_script_on_the_demo_duckdb(demo: DemoRun, tmp_path: Path) -> None:
    """The report script in the directory the demo ran in (a copy: the script adds its models to
    the file), on the demo's 15 conversations: dbt builds the models with their tests, the
    script prints the headline numbers and writes the PNG and a self-contained HTML page."""
    assert demo.returncode == 0, demo.stderr[-2000:]
    here = demo.copy(tmp_path / "demo").workdir
    env = {**os.environ, "DLT_DATA_DIR": str(tmp_path / "dlt_data")}
    env.pop("SOURCES__KUSTOMER__API_KEY", None)

    def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(REPO / "pipelines" / script), *args],
            cwd=here,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    report = run("kustomer_report.py")
    assert report.returncode == 0, report.stderr[-2000:] + report.stdout[-2000:]
    if available():
        assert "dbt build: 20 models" in report.stdout and "unit tests passed" in report.stdout
        assert "in business hours" in report.stdout
    assert "first response: median" in report.stdout
    assert "Wrote kustomer_report.png and kustomer_report.html" in report.stdout
    width, _ = png_size(here / "kustomer_report.png")
    assert width >= 1000
    page = (here / "kustomer_report.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in page and "<script" not in page
    table = "kustomer__summary" if available() else "overview"
    with duckdb.connect(str(here / "kustomer_demo.duckdb"), read_only=True) as db:
        (n,) = db.execute(f"select conversations from {R}.{table}").fetchone() or (0,)
        (loaded,) = db.execute(
            "select count(*) from kustomer_data.conversations where not coalesce(spam, false)"
        ).fetchone() or (0,)
    assert n == loaded > 0
    missing = run("kustomer_report.py", "--duckdb", "nowhere.duckdb")
    assert missing.returncode == 1 and "no DuckDB file at nowhere.duckdb" in missing.stderr


def test_report_without_dbt_makes_the_views(demo: DemoRun, tmp_path: Path) -> None:
    """`--views` (what runs without dbt installed): the light report of DuckDB views, the PNG
    and the HTML page, and a note saying how to install dbt."""
    here = demo.copy(tmp_path / "demo").workdir
    from kustomer_analytics.cli import main

    cwd = os.getcwd()
    os.chdir(here)
    try:
        assert main(["--views", "--out", "v.png", "--html", "v.html"]) == 0
    finally:
        os.chdir(cwd)
    assert png_size(here / "v.png")[0] >= 1000
    assert "<svg" in (here / "v.html").read_text()
    with duckdb.connect(str(here / "kustomer_demo.duckdb"), read_only=True) as db:
        (n,) = db.execute(f"select conversations from {R}.overview").fetchone() or (0,)
    assert n == 15
