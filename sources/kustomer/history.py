"""History mode: every version the source has seen of a merged object, not only the latest.

With `history = true` the merged objects (customers, conversations, messages, notes, companies
and every `kobject_<klass>`) use dlt's `scd2` merge: a changed record gets a new row and its
previous row is closed (`_dlt_valid_from` / `_dlt_valid_to`, load times; the row's own
`updated_at` says when it changed in Kustomer). scd2 leaves two gaps:

- a record read twice in one run with the same `updatedAt` (the first load's list read and the
  search that follows it overlap at one instant) would be inserted twice: `RepeatedVersions`
  drops the repeat while extracting;
- a record changed while the run read it arrives as two versions in one load, and scd2 keeps
  both active (it ignores `dedup_sort`): the runner's `kustomer_runner.history.close_superseded`
  closes the older one after the load (call it after each load in a script of your own).
"""

from __future__ import annotations

import threading
from typing import Any

SCD2: Any = {"disposition": "merge", "strategy": "scd2"}


class RepeatedVersions:
    """A row filter: False for a row whose (id, updatedAt) this run has already passed on.

    Keeps one small integer per version seen in the run (history mode only)."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.lock = threading.Lock()

    def __call__(self, row: Any) -> bool:
        if not isinstance(row, dict):
            return True
        key = hash((row.get("id"), row.get("updatedAt")))
        with self.lock:
            if key in self.seen:
                return False
            self.seen.add(key)
            return True
