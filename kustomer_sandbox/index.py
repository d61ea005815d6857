"""Search index lag: a write reaches search only some time after it is made.

*inferred*: Kustomer's docs promise nothing about when a write becomes searchable (search is an
index fed after the write). With a maximum lag set, each write draws its own lag, uniform in
[0, max], on the sandbox clock; until the clock reaches the write's stamp plus that lag, search
keeps serving the record's previous version (or nothing, for a new record), while list endpoints
and GET by id serve the new one at once. A record written again before it was indexed keeps
showing the version search showed before. A hard delete leaves search at once.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Pending:
    """A write search does not show yet."""

    visible_at_ms: int  # sandbox-clock time from which search shows the write
    shown: dict[str, Any] | None  # what search shows until then (None: nothing)


class IndexLag:
    """The writes of one sandbox that search does not show yet, and the lag each one draws."""

    def __init__(self, seed: int, max_seconds: float = 0.0) -> None:
        self._rng = random.Random(f"index-lag-{seed}")
        self._lock = threading.Lock()
        self.max_ms = 0
        self.pending: dict[tuple[str, str], Pending] = {}
        self.set(max_seconds)

    def set(self, max_seconds: float) -> None:
        """The maximum lag in seconds (0 = every write is searchable at once)."""
        if max_seconds < 0:
            raise ValueError("the index lag must be 0 or more seconds")
        self.max_ms = int(max_seconds * 1000)

    def shown(self, obj: str, rid: str, current: dict[str, Any] | None, now_ms: int) -> Any:
        """The version of a record search shows at `now_ms`, given its current one."""
        pending = self.pending.get((obj, rid))
        if pending is None or pending.visible_at_ms <= now_ms:
            return current
        return pending.shown

    def written(
        self, obj: str, rid: str, before: dict[str, Any] | None, stamp_ms: int, deleted: bool
    ) -> None:
        """Notes a write stamped `stamp_ms`; `before` is the record as it was until then."""
        key = (obj, rid)
        if deleted:
            self.pending.pop(key, None)
            return
        if self.max_ms <= 0:
            self.pending.pop(key, None)
            return
        with self._lock:
            lag = self._rng.randint(0, self.max_ms)
        shown = self.shown(obj, rid, before, stamp_ms)
        self.pending[key] = Pending(stamp_ms + lag, shown)

    def lagging(self, obj: str, now_ms: int) -> dict[str, Pending]:
        """id -> pending write of `obj` that search does not show at `now_ms`."""
        return {
            rid: p for (o, rid), p in self.pending.items() if o == obj and p.visible_at_ms > now_ms
        }
