"""The report as one self-contained HTML page a support lead can open: the charts as inline SVG
and the team, agent and SLA tables, with no script, stylesheet or font from elsewhere."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from .charts import Dashboard, draw
from .models import ModelData
from .views import duration

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       margin: 24px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e3e3e3; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f5f8; }
.note { color: #666; font-size: 12px; max-width: 1000px; }
svg { max-width: 100%; height: auto; }
"""


def html(board: Dashboard, data: ModelData | None = None) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(board.title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        draw(board).svg(),
    ]
    if data is not None:
        parts += _tables(data)
    parts.append(
        '<p class="note">Business minutes count the opening hours of the org\'s default schedule '
        "in its time zone, without its enabled holidays. CSAT: positive (4-5 of 5) responses over "
        "rated surveys. First contact resolution: inbound conversations first marked done, with "
        "a message, never merged; resolved when done now and never reopened. Made by "
        "kustomer-dlt's report (docs/report.md lists the models).</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def _table(title: str, headers: list[str], rows: list[list[str]]) -> list[str]:
    out = [f"<h2>{escape(title)}</h2>", "<table><tr>"]
    out += [f"<th>{escape(h)}</th>" for h in headers]
    out.append("</tr>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>")
    if not rows:
        out.append(f'<tr><td colspan="{len(headers)}">none</td></tr>')
    out.append("</table>")
    return out


def _tables(data: ModelData) -> list[str]:
    teams = [
        [
            str(r["team_name"]),
            str(r["conversations"]),
            str(r["open_conversations"]),
            duration(r["median_first_reply_business_minutes"]),
            duration(r["median_first_reply_calendar_minutes"]),
            duration(r["median_full_resolution_business_minutes"]),
            _pct(r["csat_pct"]),
            str(r["rated"]),
            _pct(r["fcr_pct"]),
            str(r["sla_breached"]),
        ]
        for r in data.teams
    ]
    agents = [
        [
            str(r["agent_name"]),
            _int(r["replies"]),
            _int(r["conversations_resolved"]),
            duration(r["avg_reply_time_business_minutes"]),
            duration(r["handle_time_minutes"]),
            _pct(100.0 * r["positive"] / r["rated"] if r["rated"] else None),
            _int(r["rated"]),
        ]
        for r in data.agents
    ]
    sla = [
        [
            str(r["metric"]),
            _int(r["tracked"]),
            _int(r["breached"]),
            _int(r["achieved"]),
            _int(r["pending"]),
            duration(r["avg_target_minutes"]),
        ]
        for r in data.sla
    ]
    return [
        *_table(
            "Teams",
            [
                "team",
                "conversations",
                "open",
                "1st reply (biz, median)",
                "1st reply (cal.)",
                "resolution (biz, median)",
                "CSAT",
                "rated",
                "FCR",
                "SLA breached",
            ],
            teams,
        ),  # fmt: skip
        *_table(
            "Agents",
            ["agent", "replies", "resolved", "avg reply (biz)", "handle time", "CSAT", "rated"],
            agents,
        ),
        *_table(
            "SLA metrics",
            ["metric", "tracked", "breached", "achieved", "pending", "avg target"],
            sla,
        ),
    ]


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _int(value: Any) -> str:
    return "-" if value is None else f"{int(value)}"


def write(board: Dashboard, path: str | Path, data: ModelData | None = None) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html(board, data), encoding="utf-8")
    return out
