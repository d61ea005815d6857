"""The report's page of charts: the numbers (of the dbt models, or of the DuckDB views without
dbt) as a `Dashboard` of headline tiles and six panels, drawn on a `Canvas` that writes the PNG
and the SVG of the HTML page - no plotting library needed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .canvas import Canvas
from .models import ModelData
from .views import ReportData, duration

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
WIDTH, HEIGHT = 1500, 1060
GRID = "#dddddd"
INK = "#222222"
MUTED = "#666666"


@dataclass
class Bars:
    """Horizontal bars, one group per label, one bar per series."""

    title: str
    labels: list[str]
    series: list[tuple[str, list[float | None]]]
    fmt: str = "minutes"  # minutes, percent or count
    notes: list[str] = field(default_factory=list)  # text after each label's bars


@dataclass
class Stacked:
    """Vertical bars per period, stacked by series."""

    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]


@dataclass
class Steps:
    """One value per day, as a line."""

    title: str
    labels: list[str]
    values: list[float]


Panel = Bars | Stacked | Steps


@dataclass
class Dashboard:
    title: str
    subtitle: str
    tiles: list[tuple[str, str]]
    panels: list[Panel]


# ---------------------------------------------------------------------- from the numbers


def from_models(data: ModelData, title: str = "Kustomer support metrics") -> Dashboard:
    s = data.summary
    teams = data.teams[:10]
    agents = data.agents[:10]
    tiles = [
        ("conversations", f"{s['conversations']}"),
        ("open now", f"{s['open_now']}"),
        ("first reply, median", _dur(s["median_first_reply_business_minutes"]) + " biz"),
        ("resolution, median", _dur(s["median_full_resolution_business_minutes"]) + " biz"),
        ("CSAT", _pct(s["csat_pct"]) + f" of {s['rated']}"),
        ("first contact resolution", _pct(s["fcr_pct"]) + f" of {s['fcr_eligible']}"),
        ("SLA breached", f"{s['sla_breached']}"),
    ]
    team_labels = [_short(r["team_name"]) for r in teams]
    return Dashboard(
        title=title,
        subtitle=f"{s['first_day']} .. {s['last_day']} (UTC days); business hours of the org's "
        "default schedule",
        tiles=tiles,
        panels=[
            _volume(data.volume, data.period),
            Steps(
                "Backlog: open conversations at the end of each day",
                [str(r["day"]) for r in data.backlog],
                [float(r["open_at_end_of_day"]) for r in data.backlog],
            ),
            Bars(
                "First reply by team: median minutes",
                team_labels,
                [
                    ("business", [r["median_first_reply_business_minutes"] for r in teams]),
                    ("calendar", [r["median_first_reply_calendar_minutes"] for r in teams]),
                ],
            ),
            Bars(
                "Full resolution by team: median",
                team_labels,
                [
                    ("business", [r["median_full_resolution_business_minutes"] for r in teams]),
                    ("calendar", [r["median_full_resolution_calendar_minutes"] for r in teams]),
                ],
            ),
            Bars(
                "CSAT and first contact resolution by team (%)",
                team_labels,
                [("CSAT", [r["csat_pct"] for r in teams]), ("FCR", [r["fcr_pct"] for r in teams])],
                fmt="percent",
                notes=[f"n={r['rated']}" for r in teams],
            ),
            Bars(
                "Agents: replies and conversations resolved",
                [_short(r["agent_name"]) for r in agents],
                [
                    ("replies", [float(r["replies"] or 0) for r in agents]),
                    ("resolved", [float(r["conversations_resolved"] or 0) for r in agents]),
                ],
                fmt="count",
            ),
        ],
    )


def from_views(data: ReportData, title: str = "Kustomer support metrics") -> Dashboard:
    """The views' numbers (DuckDB without dbt): calendar times, no business hours."""
    o = data.overview
    res = {r["team_id"]: r for r in data.resolution}
    sat = {r["team_id"]: r for r in data.satisfaction}
    teams = data.first_response[:10]
    labels = [_short(r["team"]) for r in teams]
    return Dashboard(
        title=title,
        subtitle=f"{o['first_day']} .. {o['last_day']} (UTC days); calendar time (the "
        "business-hours models need dbt)",
        tiles=[
            ("conversations", f"{o['conversations']}"),
            ("open now", f"{o['open_now']}"),
            ("first reply, median", _dur(o["first_response_median_minutes"])),
            ("resolution, median", _dur(_h(o["resolution_median_hours"]))),
            ("CSAT", _pct(o["csat_pct"]) + f" of {o['rated']}"),
            ("messages per conversation", _num(o["avg_messages"], ".1f")),
        ],
        panels=[
            _volume(data.volume, data.period),
            Steps(
                "Backlog: open conversations at the end of each day",
                [str(r["day"]) for r in data.backlog],
                [float(r["open_conversations"]) for r in data.backlog],
            ),
            Bars(
                "First response by team (minutes)",
                labels,
                [
                    ("median", [r["median_minutes"] for r in teams]),
                    ("90th pct.", [r["p90_minutes"] for r in teams]),
                ],
            ),
            Bars(
                "Resolution by team",
                labels,
                [
                    ("median", [_h(res.get(r["team_id"], {}).get("median_hours")) for r in teams]),
                    ("90th pct.", [_h(res.get(r["team_id"], {}).get("p90_hours")) for r in teams]),
                ],
            ),
            Bars(
                "CSAT by team (%)",
                labels,
                [("CSAT", [sat.get(r["team_id"], {}).get("csat_pct") for r in teams])],
                fmt="percent",
                notes=[f"n={sat.get(r['team_id'], {}).get('rated', 0)}" for r in teams],
            ),
            Bars(
                "Messages per conversation",
                [str(r["messages"]) for r in data.messages[:10]],
                [("conversations", [float(r["conversations"]) for r in data.messages[:10]])],
                fmt="count",
            ),
        ],
    )


def _volume(rows: list[dict[str, Any]], period: str) -> Stacked:
    periods = sorted({r["period"] for r in rows})
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["channel"]] = totals.get(r["channel"], 0) + float(r["conversations"])
    channels = sorted(totals, key=lambda ch: (-totals[ch], ch))
    shown, rest = channels[:6], set(channels[6:])
    index = {p: k for k, p in enumerate(periods)}
    series: dict[str, list[float]] = {ch: [0.0] * len(periods) for ch in shown}
    if rest:
        series["other"] = [0.0] * len(periods)
    for r in rows:
        name = "other" if r["channel"] in rest else r["channel"]
        series[name][index[r["period"]]] += float(r["conversations"])
    return Stacked(
        f"Conversations per {period} by channel", [str(p) for p in periods], list(series.items())
    )


def _short(name: Any) -> str:
    text = str(name) if name is not None else "-"
    return text if len(text) <= 18 else text[:17] + "."


def _dur(minutes: float | None) -> str:
    return duration(minutes)


def _h(hours: float | None) -> float | None:
    return None if hours is None else hours * 60


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


def _num(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


# ---------------------------------------------------------------------- drawing


def draw(board: Dashboard) -> Canvas:
    c = Canvas(WIDTH, HEIGHT)
    c.text(24, 40, board.title, size=22, bold=True, color=INK)
    c.text(24, 64, board.subtitle, size=12, color=MUTED)
    tile_w = (WIDTH - 48) / max(1, len(board.tiles))
    for k, (label, value) in enumerate(board.tiles):
        x = 24 + k * tile_w
        c.rect(x + 2, 80, tile_w - 4, 64, "#f3f5f8")
        c.text(x + 12, 104, label, size=11, color=MUTED)
        c.text(x + 12, 134, value, size=18, bold=True, color=INK)
    top, rows, cols = 160, 3, 2
    panel_w, panel_h = (WIDTH - 48) / cols, (HEIGHT - top - 10) / rows
    for k, panel in enumerate(board.panels[: rows * cols]):
        x = 24 + (k % cols) * panel_w
        y = top + (k // cols) * panel_h
        _panel(c, panel, x + 6, y + 6, panel_w - 12, panel_h - 12)
    return c


def _panel(c: Canvas, panel: Panel, x: float, y: float, w: float, h: float) -> None:
    c.text(x, y + 14, panel.title, size=13, bold=True, color=INK)
    body_y, body_h = y + 28, h - 28
    if isinstance(panel, Bars):
        _bars(c, panel, x, body_y, w, body_h)
    elif isinstance(panel, Stacked):
        _stacked(c, panel, x, body_y, w, body_h)
    else:
        _steps(c, panel, x, body_y, w, body_h)


def _no_data(c: Canvas, x: float, y: float, w: float, h: float) -> None:
    c.text(x + w / 2, y + h / 2, "no data", size=13, color=MUTED, anchor="middle")


def _fmt(value: float | None, fmt: str) -> str:
    if value is None:
        return "-"
    if fmt == "percent":
        return f"{value:.0f}%"
    if fmt == "count":
        return f"{value:.0f}"
    return duration(value)


def _bars(c: Canvas, p: Bars, x: float, y: float, w: float, h: float) -> None:
    values = [v for _, vs in p.series for v in vs if v is not None]
    if not p.labels or not values:
        return _no_data(c, x, y, w, h)
    label_w = 20 + max(Canvas.text_width(label, 11) for label in p.labels)
    legend_h = 16
    plot_x, plot_w = x + label_w, w - label_w - 120
    top = max(values) if p.fmt != "percent" else 100.0
    top = top or 1.0
    group_h = (h - legend_h) / len(p.labels)
    bar_h = max(2.0, min(14.0, (group_h - 4) / len(p.series)))
    for k, (name, _) in enumerate(p.series):
        lx = x + label_w + k * 110
        c.rect(lx, y, 10, 10, PALETTE[k % len(PALETTE)])
        c.text(lx + 14, y + 10, name, size=10, color=MUTED)
    for i, label in enumerate(p.labels):
        gy = y + legend_h + i * group_h
        c.text(x + label_w - 8, gy + group_h / 2 + 4, label, size=11, anchor="end")
        for k, (_, vs) in enumerate(p.series):
            v = vs[i]
            by = gy + (group_h - bar_h * len(p.series)) / 2 + k * bar_h
            if v is not None:
                c.rect(plot_x, by, max(1.0, plot_w * v / top), bar_h - 1, PALETTE[k % len(PALETTE)])
            c.text(plot_x + (plot_w * (v or 0) / top) + 6, by + bar_h - 2, _fmt(v, p.fmt), size=9,
                   color=MUTED)  # fmt: skip
        if p.notes:
            c.text(x + w - 4, gy + group_h / 2 + 4, p.notes[i], size=9, color=MUTED, anchor="end")
    c.line(plot_x, y + legend_h, plot_x, y + h, "#999999")


def _axis(c: Canvas, x: float, y: float, w: float, h: float, top: float) -> None:
    for k in range(5):
        gy = y + h - h * k / 4
        c.line(x, gy, x + w, gy, GRID)
        c.text(x - 6, gy + 4, f"{top * k / 4:.0f}", size=9, color=MUTED, anchor="end")


def _x_labels(c: Canvas, labels: list[str], x: float, y: float, w: float) -> None:
    if not labels:
        return
    step = max(1, len(labels) // 6)
    for k in range(0, len(labels), step):
        lx = x + w * (k + 0.5) / len(labels)
        c.text(lx, y + 16, labels[k], size=9, color=MUTED, anchor="middle")


def _stacked(c: Canvas, p: Stacked, x: float, y: float, w: float, h: float) -> None:
    totals = [sum(vs[i] for _, vs in p.series) for i in range(len(p.labels))]
    if not totals or max(totals) <= 0:
        return _no_data(c, x, y, w, h)
    legend_w = 130
    plot_x, plot_w, plot_h = x + 40, w - 40 - legend_w, h - 24
    top = max(totals)
    _axis(c, plot_x, y, plot_w, plot_h, top)
    slot = plot_w / len(p.labels)
    base = [0.0] * len(p.labels)
    for k, (name, vs) in enumerate(p.series):
        color = PALETTE[k % len(PALETTE)]
        for i, v in enumerate(vs):
            if v:
                bh = plot_h * v / top
                c.rect(
                    plot_x + i * slot + slot * 0.1,
                    y + plot_h - base[i] - bh,
                    max(1.0, slot * 0.8),
                    bh,
                    color,
                )
                base[i] += bh
        ly = y + 6 + k * 18
        c.rect(x + w - legend_w + 10, ly, 10, 10, color)
        c.text(x + w - legend_w + 26, ly + 10, _short(name), size=10, color=MUTED)
    _x_labels(c, p.labels, plot_x, y + plot_h, plot_w)


def _steps(c: Canvas, p: Steps, x: float, y: float, w: float, h: float) -> None:
    if not p.values:
        return _no_data(c, x, y, w, h)
    plot_x, plot_w, plot_h = x + 40, w - 60, h - 24
    top = max(max(p.values), 1.0)
    _axis(c, plot_x, y, plot_w, plot_h, top)
    n = len(p.values)
    points = [
        (plot_x + plot_w * (i + 0.5) / n, y + plot_h - plot_h * v / top)
        for i, v in enumerate(p.values)
    ]
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        c.line(x1, y1, x2, y1, "#d62728", 2)
        c.line(x2, y1, x2, y2, "#d62728", 2)
    if n == 1:
        c.rect(points[0][0] - 2, points[0][1] - 2, 4, 4, "#d62728")
    _x_labels(c, p.labels, plot_x, y + plot_h, plot_w)


# ---------------------------------------------------------------------- files


def render(
    data: ReportData | ModelData, path: str | Path, title: str = "Kustomer support metrics"
) -> Path:
    """Draws the numbers on one PNG page at `path`."""
    board = from_models(data, title) if isinstance(data, ModelData) else from_views(data, title)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(draw(board).png())
    return out
