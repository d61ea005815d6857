"""Kustomer's timestamp format (ISO 8601, UTC, milliseconds, ``Z``) both ways."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo

_DAY_MS = 86_400_000
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_day_prefix: dict[int, str] = {}
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: "HH:MM:SS." for every second of a day
_HMS = [f"{h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60)]


def iso_ms(ms: int) -> str:
    """Epoch milliseconds -> ``2026-10-21T14:02:11.925Z``."""
    day, rem = divmod(ms, _DAY_MS)
    prefix = _day_prefix.get(day)
    if prefix is None:
        prefix = (_EPOCH + timedelta(days=day)).strftime("%Y-%m-%dT")
        if len(_day_prefix) < 200_000:
            _day_prefix[day] = prefix
    sec, milli = divmod(rem, 1000)
    return f"{prefix}{_HMS[sec]}{milli:03d}Z"


def to_ms(dt: datetime) -> int:
    """An aware datetime -> epoch milliseconds."""
    return (dt - _EPOCH) // timedelta(milliseconds=1)


def from_ms(ms: int) -> datetime:
    """Epoch milliseconds -> aware UTC datetime."""
    return _EPOCH + timedelta(milliseconds=ms)


def parse_iso(text: str) -> int:
    """A full ISO 8601 timestamp -> epoch ms (naive means UTC). Raises ValueError."""
    if not isinstance(text, str) or "T" not in text:
        raise ValueError(f"not an ISO 8601 timestamp: {text!r}")
    raw = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    dt = datetime.fromisoformat(raw)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return to_ms(dt)


def is_date_only(text: object) -> bool:
    """True for a ``YYYY-MM-DD`` date string."""
    return isinstance(text, str) and bool(_DATE_ONLY.match(text))


def day_start_ms(text: str, tz: tzinfo | None = None) -> int:
    """Start of the local day ``YYYY-MM-DD`` in ``tz`` (default UTC) as epoch ms."""
    d = date.fromisoformat(text)
    local = datetime(d.year, d.month, d.day, tzinfo=tz or timezone.utc)
    return to_ms(local.astimezone(timezone.utc))
