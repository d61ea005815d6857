"""The sandbox clock: fixed until advanced; every write gets a strictly later millisecond."""

from __future__ import annotations

import threading
from datetime import datetime

from .layout import CLOCK_START_MS
from .timefmt import from_ms


class Clock:
    """Sandbox time in epoch milliseconds.

    Reads never move it. :meth:`stamp` (one per write) returns ``max(now, last + 1 ms)``
    and moves ``now`` there, so consecutive writes are distinguishable and a record's
    ``updatedAt`` never lies in the clock's future.
    """

    def __init__(self, start_ms: int = CLOCK_START_MS) -> None:
        self._now = start_ms
        self._last_write = start_ms - 1
        self._lock = threading.Lock()

    def now_ms(self) -> int:
        """Current sandbox time."""
        return self._now

    def now(self) -> datetime:
        """Current sandbox time as an aware UTC datetime."""
        return from_ms(self._now)

    def advance(self, seconds: float) -> int:
        """Move the clock forward (never back) and return the new time."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._now += round(seconds * 1000)
            return self._now

    def stamp(self) -> int:
        """Timestamp for one write: strictly after the previous write, never before now."""
        with self._lock:
            self._last_write = max(self._now, self._last_write + 1)
            self._now = self._last_write
            return self._last_write
