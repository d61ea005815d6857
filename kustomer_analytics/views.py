"""Support metrics over a Kustomer dataset loaded into DuckDB: SQL views, their numbers, a chart.

`create_views(con)` (re)creates one view per metric in the schema `kustomer_reports` of the same
DuckDB file, made from the loaded tables of the dataset (`kustomer_data`), so any DuckDB client
can query them and they follow every new load:

    conversation_facts          one row per conversation: the fields the metrics read
    conversation_teams          conversation -> assigned team (id and name)
    conversations_per_day       conversations created per UTC day and channel
    first_response_by_team      first response time by team: median and 90th percentile
    resolution_by_team          resolution time by team: median and 90th percentile
    satisfaction_by_team        satisfaction ratings by team: count, average, CSAT share
    messages_per_conversation   how many conversations have 1, 2, 3 ... messages
    backlog_daily               conversations open at the end of each UTC day
    overview                    one row: the headline numbers

The views live in a schema of their own, not in the dataset, because dlt owns the dataset: a full
refresh or `dlt pipeline drop` manages its tables, and `drop schema kustomer_reports cascade`
removes the report without touching the data. Columns a real org never filled (so dlt never
created them) read as NULL. All days are UTC.

`collect(con)` reads the views into plain Python values; `kustomer_analytics.charts` draws them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

REPORT_SCHEMA = "kustomer_reports"

#: the conversation columns the facts read, with the type they take when dlt never created them
FACT_COLUMNS: dict[str, str] = {
    "id": "VARCHAR",
    "_dlt_id": "VARCHAR",
    "created_at": "TIMESTAMPTZ",
    "updated_at": "TIMESTAMPTZ",
    "status": "VARCHAR",
    "ended_at": "TIMESTAMPTZ",
    "last_done__created_at": "TIMESTAMPTZ",
    "first_done__time": "BIGINT",
    "first_response__response_time": "BIGINT",
    "first_response__time": "BIGINT",
    "satisfaction_level__rating": "BIGINT",
    "satisfaction": "BIGINT",
    "message_count": "BIGINT",
    "deleted": "BOOLEAN",
    "spam": "BOOLEAN",
}
#: other tables the views read, with the columns they need (an empty stand-in when not loaded)
OTHER_TABLES: dict[str, dict[str, str]] = {
    "conversations__channels": {
        "value": "VARCHAR",
        "_dlt_parent_id": "VARCHAR",
        "_dlt_list_idx": "BIGINT",
    },
    "conversations__assigned_teams": {"value": "VARCHAR", "_dlt_parent_id": "VARCHAR"},
    "teams": {"id": "VARCHAR", "name": "VARCHAR", "display_name": "VARCHAR"},
}


@dataclass(frozen=True)
class View:
    name: str
    comment: str
    sql: str


# Each view selects from views defined before it; {facts} etc. are filled in by `create_views`.
VIEWS: tuple[View, ...] = (
    View(
        "conversation_facts",
        "One row per conversation (deleted and spam ones left out) with the fields the metrics "
        "read. first_response_ms: firstResponse.responseTime (else .time), creation to first "
        "reply. resolution_ms: firstDone.time, creation to first done. resolved_at: when a "
        "done conversation ended (endedAt, else lastDone.createdAt, else updatedAt); NULL while "
        "open or snoozed. rating: satisfactionLevel.rating, else satisfaction.",
        """
        select
            c.id,
            c._dlt_id,
            c.created_at,
            cast(c.created_at at time zone 'UTC' as date) as created_day,
            c.status,
            coalesce(c.first_response__response_time, c.first_response__time)
                as first_response_ms,
            c.first_done__time as resolution_ms,
            case
                when c.status = 'done'
                    then coalesce(c.ended_at, c.last_done__created_at, c.updated_at)
                when c.status is null then coalesce(c.ended_at, c.last_done__created_at)
            end as resolved_at,
            coalesce(c.satisfaction_level__rating, c.satisfaction) as rating,
            c.message_count
        from {conversations} c
        where not coalesce(c.deleted, false) and not coalesce(c.spam, false)
        """,
    ),
    View(
        "conversation_teams",
        "Each conversation with its assigned team(s): team_id and the team's display name "
        "(else name, else id); '(no team)' when none is assigned. A conversation assigned to "
        "two teams counts for both.",
        """
        select
            f.id as conversation_id,
            t.value as team_id,
            coalesce(tm.display_name, tm.name, t.value, '(no team)') as team
        from {schema}.conversation_facts f
        left join {conversations__assigned_teams} t on t._dlt_parent_id = f._dlt_id
        left join {teams} tm on tm.id = t.value
        """,
    ),
    View(
        "conversations_per_day",
        "Conversations created per UTC day and channel (the first of the conversation's "
        "channels, '(none)' without one): each conversation counts once.",
        """
        select f.created_day as day, coalesce(ch.value, '(none)') as channel,
            count(*) as conversations
        from {schema}.conversation_facts f
        left join {conversations__channels} ch
            on ch._dlt_parent_id = f._dlt_id and ch._dlt_list_idx = 0
        group by all
        order by day, channel
        """,
    ),
    View(
        "first_response_by_team",
        "First response time by team, in minutes: median and 90th percentile (interpolated) "
        "over the conversations that got a reply; conversations counts all of the team's.",
        """
        select t.team_id, t.team, count(*) as conversations,
            count(f.first_response_ms) as responded,
            quantile_cont(f.first_response_ms, 0.5) / 60000.0 as median_minutes,
            quantile_cont(f.first_response_ms, 0.9) / 60000.0 as p90_minutes
        from {schema}.conversation_facts f
        join {schema}.conversation_teams t on t.conversation_id = f.id
        group by all
        order by t.team, t.team_id
        """,
    ),
    View(
        "resolution_by_team",
        "Resolution time by team, in hours (creation to first done): median and 90th "
        "percentile (interpolated) over the team's resolved conversations.",
        """
        select t.team_id, t.team, count(*) as resolved,
            quantile_cont(f.resolution_ms, 0.5) / 3600000.0 as median_hours,
            quantile_cont(f.resolution_ms, 0.9) / 3600000.0 as p90_hours
        from {schema}.conversation_facts f
        join {schema}.conversation_teams t on t.conversation_id = f.id
        where f.resolution_ms is not null
        group by all
        order by t.team, t.team_id
        """,
    ),
    View(
        "satisfaction_by_team",
        "Satisfaction by team over rated conversations: how many, the average rating and the "
        "CSAT share (percent of ratings of 4 or 5, on Kustomer's 1-5 scale).",
        """
        select t.team_id, t.team, count(*) as rated, avg(f.rating) as avg_rating,
            100.0 * count(*) filter (where f.rating >= 4) / count(*) as csat_pct
        from {schema}.conversation_facts f
        join {schema}.conversation_teams t on t.conversation_id = f.id
        where f.rating is not null
        group by all
        order by t.team, t.team_id
        """,
    ),
    View(
        "messages_per_conversation",
        "How many conversations have each number of messages (messageCount, Kustomer's own "
        "count, so it holds without loading the messages table).",
        """
        select message_count as messages, count(*) as conversations
        from {schema}.conversation_facts
        where message_count is not null
        group by all
        order by messages
        """,
    ),
    View(
        "backlog_daily",
        "Per UTC day from the first conversation to the last event: conversations opened and "
        "resolved that day, and open_conversations at its end (created by then and not yet "
        "resolved; open and snoozed ones stay open).",
        """
        with events as (
            select created_day as day, 1 as opened, 0 as resolved
            from {schema}.conversation_facts
            union all
            select cast(resolved_at at time zone 'UTC' as date), 0, 1
            from {schema}.conversation_facts
            where resolved_at is not null
        ),
        daily as (
            select day, sum(opened) as opened, sum(resolved) as resolved
            from events group by day
        ),
        days as (
            select cast(unnest(generate_series(min(day), max(day), interval 1 day)) as date)
                as day
            from events
        )
        select d.day, coalesce(e.opened, 0) as opened, coalesce(e.resolved, 0) as resolved,
            sum(coalesce(e.opened, 0) - coalesce(e.resolved, 0))
                over (order by d.day rows unbounded preceding) as open_conversations
        from days d left join daily e on e.day = d.day
        order by d.day
        """,
    ),
    View(
        "overview",
        "One row of headline numbers over all conversations (not split by team).",
        """
        select
            count(*) as conversations,
            count(*) filter (where resolved_at is null) as open_now,
            min(created_day) as first_day,
            max(created_day) as last_day,
            quantile_cont(first_response_ms, 0.5) / 60000.0 as first_response_median_minutes,
            quantile_cont(first_response_ms, 0.9) / 60000.0 as first_response_p90_minutes,
            quantile_cont(resolution_ms, 0.5) / 3600000.0 as resolution_median_hours,
            quantile_cont(resolution_ms, 0.9) / 3600000.0 as resolution_p90_hours,
            count(rating) as rated,
            avg(rating) as avg_rating,
            100.0 * count(*) filter (where rating >= 4) / nullif(count(rating), 0) as csat_pct,
            avg(message_count) as avg_messages
        from {schema}.conversation_facts
        """,
    ),
)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ReportError(Exception):
    """The dataset cannot be reported on (no conversations loaded, a bad name)."""


def _ident(name: str) -> str:
    if not _NAME.match(name):
        raise ReportError(f"not a plain SQL name: {name!r}")
    return f'"{name}"'


def _columns(con: Any, dataset: str, table: str) -> set[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ?",
        [dataset, table],
    ).fetchall()
    return {name for (name,) in rows}


def _relation(con: Any, dataset: str, table: str, wanted: dict[str, str]) -> str:
    """`dataset.table`, or a subquery that stands in for it with NULLs where columns are
    missing (or no rows at all when the table is missing)."""
    have = _columns(con, dataset, table)
    qualified = f"{_ident(dataset)}.{_ident(table)}"
    if have and set(wanted) <= have:
        return qualified
    cols = ", ".join(
        f"{_ident(col)}" if col in have else f"cast(null as {typ}) as {_ident(col)}"
        for col, typ in wanted.items()
    )
    if not have:
        return f"(select {cols} where false)"
    return f"(select {cols} from {qualified})"


def create_views(
    con: Any, dataset: str = "kustomer_data", schema: str = REPORT_SCHEMA
) -> list[str]:
    """(Re)creates the metric views in `schema` over the tables of `dataset`; their names.

    `con` is a DuckDB connection (read-write) to the file the pipeline loaded.
    """
    if not _columns(con, dataset, "conversations"):
        raise ReportError(
            f"no table {dataset}.conversations: load conversations first, e.g. "
            "python pipelines/kustomer_pipeline.py --demo"
        )
    names = {
        "schema": _ident(schema),
        "conversations": _relation(con, dataset, "conversations", FACT_COLUMNS),
    }
    for table, wanted in OTHER_TABLES.items():
        names[table] = _relation(con, dataset, table, wanted)
    con.execute(f"create schema if not exists {_ident(schema)}")
    for view in VIEWS:
        qualified = f"{_ident(schema)}.{_ident(view.name)}"
        con.execute(f"create or replace view {qualified} as {view.sql.format(**names)}")
        comment = view.comment.replace("'", "''")
        con.execute(f"comment on view {qualified} is '{comment}'")
    return [view.name for view in VIEWS]


def query(con: Any, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Rows of a query as dicts."""
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]


@dataclass
class ReportData:
    """The views' numbers, as the summary and the charts use them."""

    overview: dict[str, Any]
    first_response: list[dict[str, Any]]
    resolution: list[dict[str, Any]]
    satisfaction: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    backlog: list[dict[str, Any]]
    #: conversations per channel and period (day, week or month, see `period`)
    volume: list[dict[str, Any]] = field(default_factory=list)
    period: str = "month"


def volume_period(first: date | None, last: date | None) -> str:
    """Bucket for the volume chart: days for two months or less, weeks up to a year."""
    if first is None or last is None:
        return "day"
    days = (last - first).days
    return "day" if days <= 62 else "week" if days <= 400 else "month"


def collect(con: Any, schema: str = REPORT_SCHEMA) -> ReportData:
    """Reads the views (made by `create_views`)."""
    s = _ident(schema)
    overview = query(con, f"select * from {s}.overview")[0]
    period = volume_period(overview["first_day"], overview["last_day"])
    volume = query(
        con,
        f"select cast(date_trunc('{period}', day) as date) as period, channel, "
        f"sum(conversations) as conversations from {s}.conversations_per_day "
        "group by all order by period, channel",
    )
    return ReportData(
        overview=overview,
        first_response=query(con, f"select * from {s}.first_response_by_team"),
        resolution=query(con, f"select * from {s}.resolution_by_team"),
        satisfaction=query(con, f"select * from {s}.satisfaction_by_team"),
        messages=query(con, f"select * from {s}.messages_per_conversation"),
        backlog=query(con, f"select * from {s}.backlog_daily"),
        volume=volume,
        period=period,
    )


def duration(minutes: float | None) -> str:
    """42 min, 3.5 h, 2.1 d."""
    if minutes is None:
        return "-"
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"


def summary_text(data: ReportData) -> str:
    """A short plain-text summary: the headline numbers and one line per team."""
    o = data.overview
    lines = [
        f"conversations {o['conversations']} ({o['open_now']} open), "
        f"created {o['first_day']} .. {o['last_day']} (UTC)",
        f"first response: median {duration(o['first_response_median_minutes'])}, "
        f"p90 {duration(o['first_response_p90_minutes'])}"
        f"   resolution: median {duration(_hours_to_min(o['resolution_median_hours']))}, "
        f"p90 {duration(_hours_to_min(o['resolution_p90_hours']))}",
        f"satisfaction: {_num(o['avg_rating'], '.2f')}/5 average, "
        f"CSAT {_num(o['csat_pct'], '.0f')}% ({o['rated']} rated)"
        f"   messages per conversation: {_num(o['avg_messages'], '.1f')}",
        "",
        f"{'team':22} {'convs':>5} {'1st reply med':>13} {'p90':>8} {'resolved':>8} "
        f"{'resol. med':>10} {'p90':>8} {'rated':>5} {'avg':>4} {'CSAT':>5}",
    ]
    res = {r["team_id"]: r for r in data.resolution}
    sat = {r["team_id"]: r for r in data.satisfaction}
    for fr in data.first_response:
        r, s = res.get(fr["team_id"], {}), sat.get(fr["team_id"], {})
        lines.append(
            f"{str(fr['team'])[:22]:22} {fr['conversations']:>5} "
            f"{duration(fr['median_minutes']):>13} {duration(fr['p90_minutes']):>8} "
            f"{r.get('resolved', 0):>8} "
            f"{duration(_hours_to_min(r.get('median_hours'))):>10} "
            f"{duration(_hours_to_min(r.get('p90_hours'))):>8} "
            f"{s.get('rated', 0):>5} {_num(s.get('avg_rating'), '.1f'):>4} "
            f"{_num(s.get('csat_pct'), '.0f') + '%' if s else '-':>5}"
        )
    return "\n".join(lines)


def _hours_to_min(hours: float | None) -> float | None:
    return None if hours is None else hours * 60


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)
