"""History mode: every version the source has seen of a merged object, not only the latest.

With `history = true` the merged objects (customers, conversations, messages, notes, companies
and every `kobject_<klass>`) use dlt's `scd2` merge: a changed record gets a new row and its
previous row is closed (`_dlt_valid_from` / `_dlt_valid_to`, load times; the row's own
`updated_at` says when it changed in Kustomer). Two gaps of scd2 are closed here:

- a record read twice in one run with the same `updatedAt` (the first load's list read and the
  search that follows it overlap at one instant) would be inserted twice: `RepeatedVersions`
  drops the repeat while extracting;
- a record changed while the run read it arrives as two versions in one load, and scd2 keeps
  both active (it ignores `dedup_sort`): `close_superseded` closes the older one after the load.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

import dlt

SCD2: Any = {"disposition": "merge", "strategy": "scd2"}
VALID_FROM, VALID_TO = "_dlt_valid_from", "_dlt_valid_to"


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


def history_tables(pipeline: dlt.Pipeline) -> list[str]:
    """The pipeline's tables merged with scd2."""
    if not pipeline.default_schema_name:
        return []
    return [
        t["name"]
        for t in pipeline.default_schema.data_tables()
        if t.get("x-merge-strategy") == "scd2" and not t.get("parent")
    ]


def close_superseded(pipeline: dlt.Pipeline, tables: Iterable[str] | None = None) -> int:
    """Closes every active row of an scd2 table that a newer active row of the same id
    supersedes (both came in one load); returns how many rows were closed."""
    closed = 0
    with pipeline.sql_client() as client:
        for table in tables if tables is not None else history_tables(pipeline):
            name = client.make_qualified_table_name(table)
            sql = (
                f"update {name} set {VALID_TO} = {VALID_FROM} "
                f"where {VALID_TO} is null and exists (select 1 from {name} newer "
                f"where newer.id = {name}.id and newer.{VALID_TO} is null "
                f"and (newer.updated_at > {name}.updated_at or (newer.updated_at = "
                f"{name}.updated_at and newer._dlt_id > {name}._dlt_id)))"
            )
            result = client.execute_sql(sql)
            closed += result if isinstance(result, int) else 0
    return closed
