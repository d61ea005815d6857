"""What the destination holds of an object, read while a run extracts: how many live records
were created in a time range, and their ids (for the reconciliation in `read/reconcile.py`).

The readers are made when the source is made, in the caller's thread: dlt's pipeline methods
(`sql_client`, the Delta tables) set its configuration context, which resources extracting in
threads side by side would find changed under them; each reader then opens its own connection
when it is asked.

A live record is one row of the object's table that is neither flagged `deleted` (Kustomer's own
soft delete), nor marked removed by this source (`_kustomer_deleted_at`), nor an old version
(history mode's `_dlt_valid_to`). SQL destinations are read through dlt's `sql_client`, Delta
tables on the filesystem destination through `deltalake` (no DuckDB extension needed); any other
destination, or a dataset not created yet, reads as None: nothing to compare with.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import dlt
from dlt.common import logger

CREATED = "created_at"
REMOVED_AT = "_kustomer_deleted_at"
"""The column this source sets on a record that left the org (see `removals.py`)."""
VALID_TO = "_dlt_valid_to"


class Holdings(Protocol):
    """Live records of one table by `created_at` range [lo, hi)."""

    def count(self, lo: str, hi: str) -> int: ...

    def ids(self, lo: str, hi: str) -> set[str]: ...

    def ids_with(self, column: str, values: list[str]) -> set[str]:
        """Live ids whose `column` (a parent's id) is one of `values`."""
        ...


def destination_holdings(tables: list[str]) -> dict[str, Holdings]:
    """Readers of the live records the current pipeline's destination holds, for those of
    `tables` it can read (none outside a pipeline, without a destination or a dataset yet)."""
    try:
        pipeline = dlt.current.pipeline()
    except Exception:  # noqa: BLE001 - a source made outside a pipeline
        return {}
    if pipeline is None or pipeline.destination is None or not pipeline.default_schema_name:
        return {}
    lock = threading.Lock()  # one connection at a time: DuckDB refuses a file opened twice
    readers = {table: holdings(pipeline, table, lock) for table in tables}
    return {table: reader for table, reader in readers.items() if reader is not None}


def holdings(
    pipeline: dlt.Pipeline, table: str, lock: threading.Lock | None = None
) -> Holdings | None:
    """The live records `pipeline`'s destination holds in `table`; None when there is no such
    table yet, or a destination this cannot read."""
    schema = pipeline.default_schema
    columns = (schema.tables.get(table) or {}).get("columns") or {}
    if CREATED not in columns or "id" not in columns:
        return None
    predicate = [name for name in ("deleted", REMOVED_AT, VALID_TO) if name in columns]
    if pipeline.destination.destination_type.endswith(".filesystem"):
        return _DeltaHoldings(pipeline, table, predicate)
    try:
        client = pipeline.sql_client()
    except Exception as exc:  # noqa: BLE001 - a destination without SQL
        logger.info(f"{table}: the destination cannot be read back ({exc}); not reconciled")
        return None
    return _SqlHoldings(client, table, predicate, lock or threading.Lock())


class _SqlHoldings:
    def __init__(self, client: Any, table: str, present: list[str], lock: threading.Lock) -> None:
        self.client, self.table, self.lock = client, table, lock
        live = []
        if "deleted" in present:
            live.append("(deleted is null or deleted = false)")
        if REMOVED_AT in present:
            live.append(f"{REMOVED_AT} is null")
        if VALID_TO in present:
            live.append(f"{VALID_TO} is null")
        self.live = " and ".join(["true", *live])

    def _query(self, select: str, lo: str, hi: str) -> list[Any]:
        return self._where(select, f"{CREATED} >= %s and {CREATED} < %s", lo, hi)

    def _where(self, select: str, condition: str, *values: Any) -> list[Any]:
        with self.lock, self.client as client:
            name = client.make_qualified_table_name(self.table)
            sql = f"select {select} from {name} where {condition} and {self.live}"
            return list(client.execute_sql(sql, *values) or [])

    def ids_with(self, column: str, values: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(values), 500):
            batch = values[start : start + 500]
            marks = ", ".join("%s" for _ in batch)
            found |= {
                row[0] for row in self._where("distinct id", f"{column} in ({marks})", *batch)
            }
        return found

    def count(self, lo: str, hi: str) -> int:
        return int(self._query("count(distinct id)", lo, hi)[0][0])

    def ids(self, lo: str, hi: str) -> set[str]:
        return {row[0] for row in self._query("distinct id", lo, hi)}


class _DeltaHoldings:
    def __init__(self, pipeline: dlt.Pipeline, table: str, present: list[str]) -> None:
        from dlt.common.libs.deltalake import get_delta_tables

        self.table, self.present = table, present
        try:
            self.delta: Any = get_delta_tables(pipeline, table).get(table)
        except Exception:  # noqa: BLE001 - no such Delta table yet
            self.delta = None
        self._data: Any = None

    def _table(self) -> Any:
        if self._data is None:  # read once, then each question is a filter in memory
            names = self.delta.schema().to_arrow().names
            columns = ["id", CREATED, *self.present]
            columns += [c for c in ("customer_id", "conversation_id") if c in names]
            self._data = read_delta(self.delta, columns)
        return self._data

    def ids_with(self, column: str, values: list[str]) -> set[str]:
        import pyarrow as pa
        import pyarrow.compute as pc

        if self.delta is None or column not in self._table().column_names:
            return set()
        data = self._table()
        keep = pc.is_in(data.column(column), value_set=pa.array(values))
        return {str(v) for v in data.filter(keep).column("id").to_pylist()} - self._gone(data)

    def _gone(self, data: Any) -> set[str]:
        """Ids of rows that are not live (removed, soft-deleted, old versions)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        dead = pa.array([False] * data.num_rows)
        if "deleted" in self.present:
            dead = pc.or_(dead, pc.fill_null(data.column("deleted"), False))
        for name in (REMOVED_AT, VALID_TO):
            if name in self.present:
                dead = pc.or_(dead, pc.is_valid(data.column(name)))
        return {str(v) for v in data.filter(dead).column("id").to_pylist()}

    def _ids(self, lo: str, hi: str) -> set[str]:
        import pyarrow as pa
        import pyarrow.compute as pc

        from .api.times import parse_api_time

        if self.delta is None:
            return set()
        data = self._table()
        created = data.column(CREATED)
        keep = pc.and_(
            pc.greater_equal(created, pa.scalar(parse_api_time(lo), created.type)),
            pc.less(created, pa.scalar(parse_api_time(hi), created.type)),
        )
        if "deleted" in self.present:
            keep = pc.and_(keep, pc.invert(pc.fill_null(data.column("deleted"), False)))
        for name in (REMOVED_AT, VALID_TO):
            if name in self.present:
                keep = pc.and_(keep, pc.is_null(data.column(name)))
        return {str(value) for value in data.filter(keep).column("id").to_pylist()}

    def count(self, lo: str, hi: str) -> int:
        return len(self._ids(lo, hi))

    def ids(self, lo: str, hi: str) -> set[str]:
        return self._ids(lo, hi)


class ChangedHoldings:
    """What the destination will hold once this run's changes are loaded: `held` with each
    record the run read (`changes`: id -> (createdAt, deleted)) live or not as read."""

    def __init__(self, held: Holdings, changes: dict[str, tuple[str, bool]]) -> None:
        self.held, self.changes = held, changes
        self.live_now = held.ids_with("id", sorted(changes))

    def _changed(self, lo: str, hi: str) -> tuple[set[str], set[str]]:
        """Ids in [lo, hi) this run makes live, and those it makes not live."""
        inside = {
            i: deleted for i, (created, deleted) in self.changes.items() if lo <= created < hi
        }
        adds = {i for i, deleted in inside.items() if not deleted and i not in self.live_now}
        drops = {i for i, deleted in inside.items() if deleted and i in self.live_now}
        return adds, drops

    def count(self, lo: str, hi: str) -> int:
        adds, drops = self._changed(lo, hi)
        return self.held.count(lo, hi) + len(adds) - len(drops)

    def ids(self, lo: str, hi: str) -> set[str]:
        adds, drops = self._changed(lo, hi)
        return (self.held.ids(lo, hi) | adds) - drops

    def ids_with(self, column: str, values: list[str]) -> set[str]:
        return self.held.ids_with(column, values)


def read_delta(table: Any, columns: list[str] | None = None, where: str | None = None) -> Any:
    """A Delta table (a `deltalake.DeltaTable`) read into a pyarrow Table by delta-rs itself.

    Not `DeltaTable.to_pyarrow_table()` (nor a scan of `to_pyarrow_dataset()`): those read the
    files through a Python filesystem handler, so pyarrow holds the bytes as Python objects, and
    its worker threads tear the scan down just after it returns. A worker that releases such a
    buffer as the interpreter starts to exit is ended by CPython (< 3.14) inside a C++
    destructor, and the process aborts with status 134 ("terminate called without an active
    exception") after it read the data right. delta-rs (DataFusion) reads in Rust and hands the
    result over through the Arrow C stream interface: no Python object is left to any thread.
    """
    import pyarrow as pa
    from deltalake import QueryBuilder

    schema = pa.schema(table.schema().to_arrow())  # the types to_pyarrow_table() gives
    if columns is not None:
        schema = pa.schema([schema.field(name) for name in columns])
    names = ", ".join('"' + name.replace('"', '""') + '"' for name in schema.names)
    sql = f"select {names} from t" + (f" where {where}" if where else "")
    # DataFusion returns strings as string_view: cast back to the table's own types
    return pa.table(QueryBuilder().register("t", table).execute(sql)).cast(schema)
