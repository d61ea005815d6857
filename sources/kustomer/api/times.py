"""Times as the API writes them (UTC ISO 8601 with milliseconds and `Z`) and as it sends them
(the `Date` header, integer epochs)."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from dlt.common.time import ensure_pendulum_datetime, to_py_datetime
from dlt.common.typing import TAnyDateTime


def api_time(value: datetime) -> str:
    """A datetime as the API writes times: UTC, milliseconds, `Z`."""
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_api_time(value: str) -> datetime:
    """An API time as a standard-library datetime (dlt's parser; stdlib arithmetic)."""
    return to_py_datetime(ensure_pendulum_datetime(value))


def to_api_time(value: TAnyDateTime | None) -> str | None:
    """Any date or datetime as Kustomer's ISO 8601 UTC with milliseconds (None stays None)."""
    if value is None or value == "":
        return None
    return api_time(ensure_pendulum_datetime(value))


def server_time(response: Any) -> datetime:
    """The server's time from a response's `Date` header (whole seconds), the local clock if it
    sends none."""
    try:
        return parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return datetime.now(timezone.utc)


def epoch_time(value: float) -> str:
    """An integer time as ISO 8601 UTC: milliseconds since the epoch, or seconds when too small
    to be milliseconds after 1973 (*inferred*: the docs give no unit where they type a time as
    an integer, as for routing queues' `createdAt`; Kustomer's other integer times are in
    milliseconds)."""
    seconds = value / 1000 if abs(value) >= 1e11 else value
    stamp = datetime.fromtimestamp(seconds, timezone.utc)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
