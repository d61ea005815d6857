"""The built dbt models' numbers, read back from DuckDB or PostgreSQL with plain SELECTs that both
run: the summary, teams, agents, backlog, volume by channel and SLA metrics."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Protocol

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Warehouse(Protocol):
    def query(self, sql: str) -> list[dict[str, Any]]: ...

    def close(self) -> None: ...


class DuckDBWarehouse:
    def __init__(self, path: Path, read_only: bool = True) -> None:
        import duckdb

        self.con = duckdb.connect(str(path), read_only=read_only)

    def query(self, sql: str) -> list[dict[str, Any]]:
        cur = self.con.execute(sql)
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]

    def close(self) -> None:
        self.con.close()


class PostgresWarehouse:
    def __init__(self, dsn: str) -> None:
        import psycopg2

        self.con = psycopg2.connect(dsn)

    def query(self, sql: str) -> list[dict[str, Any]]:
        with self.con.cursor() as cur:
            cur.execute(sql)
            cols = [d[0] for d in cur.description]
            rows = [dict(zip(cols, row, strict=True)) for row in cur.fetchall()]
        self.con.rollback()
        return [{k: _plain(v) for k, v in row.items()} for row in rows]

    def close(self) -> None:
        self.con.close()


def _plain(value: Any) -> Any:
    """PostgreSQL's numeric arrives as Decimal: a float, as DuckDB gives."""
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else value


@dataclass
class ModelData:
    """What the report shows, from the models in `schema`."""

    summary: dict[str, Any]
    teams: list[dict[str, Any]]
    agents: list[dict[str, Any]]
    backlog: list[dict[str, Any]]
    sla: list[dict[str, Any]]
    volume: list[dict[str, Any]] = field(default_factory=list)
    period: str = "month"


def ident(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"not a plain SQL name: {name!r}")
    return name


def read(wh: Warehouse, schema: str = "kustomer_reports") -> ModelData:
    s = ident(schema)
    summary = wh.query(f"select * from {s}.kustomer__summary")[0]
    period = volume_period(summary["first_day"], summary["last_day"])
    daily = wh.query(
        f"select created_day as day, coalesce(channel, '(none)') as channel, count(*) as n "
        f"from {s}.kustomer__conversation_metrics where not is_spam "
        "group by created_day, coalesce(channel, '(none)')"
    )
    buckets: dict[tuple[date, str], int] = {}
    for row in daily:
        key = (bucket(row["day"], period), row["channel"])
        buckets[key] = buckets.get(key, 0) + int(row["n"])
    volume = [
        {"period": p, "channel": ch, "conversations": n} for (p, ch), n in sorted(buckets.items())
    ]
    agents = wh.query(
        "select agent_id, max(agent_name) as agent_name, sum(replies) as replies, "
        "sum(conversations_resolved) as conversations_resolved, "
        "sum(handle_time_minutes) as handle_time_minutes, sum(rated) as rated, "
        "sum(positive) as positive, sum(replies_to_customers) as replies_to_customers, "
        "sum(avg_reply_time_business_minutes * replies_to_customers) "
        "/ nullif(sum(case when avg_reply_time_business_minutes is not null "
        "then replies_to_customers else 0 end), 0) as avg_reply_time_business_minutes "
        f"from {s}.kustomer__agent_daily group by agent_id"
    )
    agents.sort(
        key=lambda r: (
            -(r["replies"] or 0) - (r["conversations_resolved"] or 0),
            r["agent_name"] or "",
        )
    )
    return ModelData(
        summary=summary,
        teams=sorted(
            wh.query(f"select * from {s}.kustomer__team_summary"),
            key=lambda r: (-int(r["conversations"]), str(r["team_name"])),
        ),
        agents=agents,
        backlog=sorted(
            wh.query(f"select * from {s}.kustomer__backlog_daily"), key=lambda r: r["day"]
        ),
        sla=wh.query(
            "select metric, count(*) as tracked, "
            "sum(case when is_breached then 1 else 0 end) as breached, "
            "sum(case when is_achieved then 1 else 0 end) as achieved, "
            "sum(case when is_pending then 1 else 0 end) as pending, "
            "avg(target_minutes) as avg_target_minutes "
            f"from {s}.kustomer__sla_metrics group by metric order by metric"
        ),
        volume=volume,
        period=period,
    )


def volume_period(first: date | None, last: date | None) -> str:
    """Bucket for the volume chart: days for two months or less, weeks up to a year."""
    if first is None or last is None:
        return "day"
    days = (last - first).days
    return "day" if days <= 62 else "week" if days <= 400 else "month"


def bucket(day: date, period: str) -> date:
    if period == "day":
        return day
    if period == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)
