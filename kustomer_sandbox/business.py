"""Business time: the org's default schedule (its time zone, its weekly hours, its enabled
holidays), which Kustomer's precomputed ``businessTime`` values count in.

Kustomer documents ``businessTime`` (``firstResponse``, ``firstDone``, ``lastDone``, a work
session's time by status, ...) as the span's time in business hours; it does not say which
schedule. *Inferred*: the org's default schedule (``GET /v1/schedules/default``), closed on its
enabled holidays from ``startDate`` to ``endDate``. The schedule's ``hours`` map a weekday
(``"0"`` = Sunday) to ``[open minute, close minute]`` pairs after local midnight, null when
closed.

Holidays fall on the dates their names say (New Year's Day on 1 January, Thanksgiving on the
fourth Thursday of November, ...), from local midnight in the schedule's time zone to one second
before the local midnight that ends them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from .layout import CLOCK_START_MS, DAY_MS, salt_of

Interval = tuple[int, int]
"""[start, end) in epoch milliseconds."""


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th (1-based; -1 = last) `weekday` (Monday 0) of a month."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


#: name -> (its first day in a year, how many days the office closes)
HOLIDAYS: dict[str, tuple[Callable[[int], date], int]] = {
    "New Year's Day": (lambda y: date(y, 1, 1), 1),
    "Memorial Day": (lambda y: _nth_weekday(y, 5, 0, -1), 1),
    "Independence Day": (lambda y: date(y, 7, 4), 1),
    "Labor Day": (lambda y: _nth_weekday(y, 9, 0, 1), 1),
    "Thanksgiving": (lambda y: _nth_weekday(y, 11, 3, 4), 2),  # Thursday and Friday
    "Christmas": (lambda y: date(y, 12, 24), 3),  # Christmas Eve to Boxing Day
}
HOLIDAY_NAMES = tuple(HOLIDAYS)


@dataclass(frozen=True)
class Holiday:
    name: str
    start_ms: int
    end_ms: int
    """One second before the local midnight that ends it (Kustomer's ``endDate``)."""
    enabled: bool
    created_ms: int


def _local_midnight(day: date, tz: ZoneInfo) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp() * 1000)


def schedule_holidays(seed: int, schedule_id: str, index: int | None, tz: str) -> list[Holiday]:
    """The holidays of a schedule: 0-3 of them, at least one on the first three schedules; the
    third is disabled. Each falls in one of the three years before the clock start, made 40 days
    before it begins."""
    zone = _zone(tz)
    h = salt_of(seed, "holidays", schedule_id)
    count = h % 4 if index is None or index >= 3 else 1 + h % 3
    out: list[Holiday] = []
    for k in range(count):
        name = HOLIDAY_NAMES[((h >> (4 * k)) + k) % len(HOLIDAY_NAMES)]
        first_day, days = HOLIDAYS[name]
        year = 2026 - (h >> (8 * k)) % 3
        start = _local_midnight(first_day(year), zone)
        if start - 40 * DAY_MS >= CLOCK_START_MS:  # made before the clock start
            year -= 1
            start = _local_midnight(first_day(year), zone)
        end = _local_midnight(first_day(year) + timedelta(days=days), zone) - 1000
        out.append(Holiday(name, start, end, k != 2, start - 40 * DAY_MS))
    return out


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):  # an unknown name: UTC (inferred: Kustomer's default)
        return ZoneInfo("UTC")


class BusinessHours:
    """Counts the business milliseconds of a span in one schedule."""

    def __init__(
        self,
        hours: Mapping[str, list[list[int]] | None] | None,
        tz: str,
        closed: list[Interval],
    ) -> None:
        self.hours = {str(k): [tuple(p) for p in v or []] for k, v in (hours or {}).items()}
        self.zone = _zone(tz or "UTC")
        self.closed = sorted(closed)
        self._days: dict[int, list[Interval]] = {}

    def _open(self, day: date) -> list[Interval]:
        """The day's opening intervals as instants, holidays cut out."""
        key = day.toordinal()
        if key in self._days:
            return self._days[key]
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        weekday = str((day.weekday() + 1) % 7)  # Kustomer: 0 = Sunday
        out: list[Interval] = []
        for open_min, close_min in self.hours.get(weekday, []):
            # wall-clock arithmetic: 09:00 is 09:00 on the days clocks change too
            lo = int((midnight + timedelta(minutes=open_min)).timestamp() * 1000)
            hi = int((midnight + timedelta(minutes=close_min)).timestamp() * 1000)
            out.extend(_cut(lo, hi, self.closed))
        self._days[key] = out
        return out

    def ms(self, start: int, end: int) -> int:
        """Business milliseconds in [start, end)."""
        if end <= start:
            return 0
        first = datetime.fromtimestamp(start / 1000, timezone.utc).astimezone(self.zone).date()
        last = datetime.fromtimestamp(end / 1000, timezone.utc).astimezone(self.zone).date()
        total, day = 0, first - timedelta(days=1)
        while day <= last:
            for lo, hi in self._open(day):
                total += max(0, min(hi, end) - max(lo, start))
            day += timedelta(days=1)
        return total


def _cut(lo: int, hi: int, closed: list[Interval]) -> list[Interval]:
    """[lo, hi) without the closed intervals."""
    parts = [(lo, hi)]
    for c_lo, c_hi in closed:
        if c_hi <= lo or c_lo >= hi:
            continue
        parts = [p for a, b in parts for p in ((a, min(b, c_lo)), (max(a, c_hi), b)) if p[1] > p[0]]
    return parts
