"""The report's charts: the metric views' numbers drawn on one PNG page (matplotlib)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .views import ReportData, ReportError


def render(data: ReportData, path: str | Path, title: str = "Kustomer support metrics") -> Path:
    """Draws the metrics on one PNG page (needs matplotlib: pip install 'kustomer-dlt[report]')."""
    try:
        import matplotlib
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ReportError("the chart needs matplotlib: pip install 'kustomer-dlt[report]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 2, figsize=(11.69, 8.27), dpi=110)
    o = data.overview
    fig.suptitle(
        f"{title}: {o['conversations']} conversations, {o['first_day']} .. {o['last_day']} "
        f"(UTC); {o['open_now']} open now",
        fontsize=13,
        fontweight="bold",
    )
    _volume_chart(axes[0][0], data)
    _backlog_chart(axes[0][1], data)
    _team_chart(
        axes[1][0],
        data.first_response,
        "median_minutes",
        "p90_minutes",
        "First response by team (minutes)",
    )
    _team_chart(
        axes[1][1], data.resolution, "median_hours", "p90_hours", "Resolution by team (hours)"
    )
    _satisfaction_chart(axes[2][0], data)
    _messages_chart(axes[2][1], data)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png")
    plt.close(fig)
    return out


def _empty(ax: Any, title: str) -> None:
    ax.set_title(title, fontsize=10)
    ax.text(0.5, 0.5, "no data", ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _volume_chart(ax: Any, data: ReportData) -> None:
    title = f"Conversations per {data.period} by channel"
    if not data.volume:
        return _empty(ax, title)
    periods = sorted({r["period"] for r in data.volume})
    totals: dict[str, int] = {}
    for r in data.volume:
        totals[r["channel"]] = totals.get(r["channel"], 0) + int(r["conversations"])
    channels = sorted(totals, key=lambda ch: -totals[ch])
    index = {p: k for k, p in enumerate(periods)}
    bottom = [0.0] * len(periods)
    width = {"day": 0.8, "week": 5.6, "month": 24.0}[data.period]
    for ch in channels:
        heights = [0.0] * len(periods)
        for r in data.volume:
            if r["channel"] == ch:
                heights[index[r["period"]]] = float(r["conversations"])
        ax.bar(periods, heights, width=width, bottom=bottom, label=ch, align="edge")
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.tick_params(axis="x", labelsize=7, rotation=30)
    ax.tick_params(axis="y", labelsize=7)


def _backlog_chart(ax: Any, data: ReportData) -> None:
    title = "Backlog: open conversations at the end of each day"
    if not data.backlog:
        return _empty(ax, title)
    days = [r["day"] for r in data.backlog]
    ax.step(days, [r["open_conversations"] for r in data.backlog], where="post", color="#d62728")
    ax.set_title(title, fontsize=10)
    ax.set_ylim(bottom=0)
    ax.tick_params(axis="x", labelsize=7, rotation=30)
    ax.tick_params(axis="y", labelsize=7)


def _team_chart(ax: Any, rows: list[dict[str, Any]], med: str, p90: str, title: str) -> None:
    rows = [r for r in rows if r[med] is not None]
    if not rows:
        return _empty(ax, title)
    labels = [str(r["team"])[:18] for r in rows]
    ys = list(range(len(rows)))
    ax.barh([y + 0.2 for y in ys], [r[p90] for r in rows], height=0.4, label="90th pct.")
    ax.barh([y - 0.2 for y in ys], [r[med] for r in rows], height=0.4, label="median")
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    ax.tick_params(axis="x", labelsize=7)


def _satisfaction_chart(ax: Any, data: ReportData) -> None:
    title = "Satisfaction by team: average rating (1-5), CSAT % and ratings"
    rows = data.satisfaction
    if not rows:
        return _empty(ax, title)
    labels = [str(r["team"])[:18] for r in rows]
    ys = list(range(len(rows)))
    bars = ax.barh(ys, [r["avg_rating"] for r in rows], color="#2ca02c", height=0.6)
    for bar, r in zip(bars, rows, strict=True):
        ax.text(
            bar.get_width() + 0.05,
            bar.get_y() + bar.get_height() / 2,
            f"CSAT {r['csat_pct']:.0f}% (n={r['rated']})",
            va="center",
            fontsize=7,
        )
    ax.set_yticks(ys)
    ax.set_yticklabels(labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 6.5)
    ax.set_title(title, fontsize=10)
    ax.tick_params(axis="x", labelsize=7)


def _messages_chart(ax: Any, data: ReportData) -> None:
    title = "Messages per conversation"
    if not data.messages:
        return _empty(ax, title)
    ax.bar(
        [r["messages"] for r in data.messages],
        [r["conversations"] for r in data.messages],
        color="#9467bd",
    )
    avg = data.overview["avg_messages"]
    if avg is not None:
        ax.axvline(avg, color="black", linestyle="--", linewidth=1, label=f"average {avg:.1f}")
        ax.legend(fontsize=7)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("messages", fontsize=8)
    ax.set_ylabel("conversations", fontsize=8)
    ax.tick_params(labelsize=7)
