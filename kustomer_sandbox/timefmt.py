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


#: the offsets a custom date may be sent with (*inferred*: the OAS KObject examples show
#: ``-05:00``; the others are the org's customers' other zones)
OFFSETS_MIN = (-300, -240, -480, -420, 60, 120, 330, 0)


def iso_offset(ms: int, offset_min: int) -> str:
    """Epoch milliseconds -> the instant as a client sends it, local time with an offset and
    no milliseconds (``2016-11-06T13:54:29-05:00``; truncated to the second)."""
    local = _EPOCH + timedelta(milliseconds=ms - ms % 1000 + offset_min * 60_000)
    sign = "-" if offset_min < 0 else "+"
    hours, minutes = divmod(abs(offset_min), 60)
    return f"{local.strftime('%Y-%m-%dT%H:%M:%S')}{sign}{hours:02d}:{minutes:02d}"


def custom_date(ms: int, bits: int) -> str:
    """A custom ``...At`` value as the documents show custom dates: returned as sent (the OAS
    KObject examples: ``"orderUpdatedAt": "2016-11-06T13:54:29-05:00"``). *Inferred*: one
    value in four was sent with an offset and without milliseconds, the rest in the API's own
    UTC millisecond form; ``bits`` (a record's hash bits) picks which and the offset."""
    if bits % 4:
        return iso_ms(ms)
    return iso_offset(ms, OFFSETS_MIN[(bits >> 2) % len(OFFSETS_MIN)])


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
