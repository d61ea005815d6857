"""Records that left the org: the `kustomer_removals` table, and applying it to the destination.

Kustomer hard-deletes customers, conversations (with their messages and attachments), notes,
companies and KObjects (one by one, in bulk, by GDPR tooling, by retention rules), and merges
customers and conversations; none of that reaches search or the lists as a change. The readers
find such records (`read/reconcile.py`) and write one row per record to `kustomer_removals`
(merged on object and id): when it was found gone, whether it was deleted or merged, and into
which record. After each load, `apply_removals(pipeline)` applies the rows not applied yet:

- the record's row gets `_kustomer_deleted_at` (when the run found it gone) and, if merged,
  `merged_into_id` (Kustomer's own `deleted` stays as Kustomer sent it); with `hard_delete` the
  row and its child-table rows are deleted instead; in history mode its current version is
  closed (`_dlt_valid_to`), every version kept;
- records that moved with a merge carry their new parent: a merged customer's conversations,
  messages, notes, KObjects and attachments get the target's `customer_id`, a merged
  conversation's messages, notes and attachments the target's `conversation_id`.

It runs SQL through dlt's `sql_client` (dlt has no partial update of a merged row: a row merged
with only an id and a flag would lose its other columns and its child rows). The runner calls it
after every load; a script of your own calls it after `pipeline.run`. Delta tables on the
filesystem destination are handled by the runner's `lake` module, from the same plan.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import dlt
from dlt.common.schema import Schema
from dlt.extract.resource import DltResource

from .destination import REMOVED_AT, VALID_TO

TABLE = "kustomer_removals"
MERGED_INTO = "merged_into_id"
APPLIED_AT = "applied_at"
COLUMNS: dict[str, dict[str, Any]] = {
    "object": {"data_type": "text", "nullable": False},
    "id": {"data_type": "text", "nullable": False},
    "removed_at": {"data_type": "timestamp"},
    "how": {"data_type": "text"},
    MERGED_INTO: {"data_type": "text"},
    "detected_by": {"data_type": "text"},
    APPLIED_AT: {"data_type": "timestamp"},
}
#: the column naming a record's parent of each kind, and the tables whose rows may carry it
MOVES: dict[str, tuple[str, tuple[str, ...]]] = {
    "customers": (
        "customer_id",
        ("conversations", "messages", "notes", "message_attachments", "kobject_*"),
    ),
    "conversations": ("conversation_id", ("messages", "notes", "message_attachments")),
}


def add_removals_table(resource: DltResource) -> DltResource:
    """Lets `resource` yield rows of `kustomer_removals` (`removal_rows`): a table variant of
    its hints with that table's own columns, merge disposition and key. (A variant starts from
    the resource's hints; its columns are emptied first, or the table would get every column
    of the object.)"""
    resource.apply_hints(table_name=TABLE, columns={}, create_table_variant=True)
    resource.apply_hints(
        table_name=TABLE,
        write_disposition="merge",
        primary_key=["object", "id"],
        columns=COLUMNS,  # type: ignore[arg-type]
        create_table_variant=True,
    )
    return resource


def removal_rows(rows: list[dict[str, Any]]) -> Any:
    """Rows for `kustomer_removals`, from a resource prepared by `add_removals_table`."""
    return dlt.mark.with_table_name(rows, TABLE)


def removal(table: str, record_id: str, how: str, target: str | None, by: str) -> dict[str, Any]:
    """One row of `kustomer_removals`: `table`'s record `record_id` found gone now."""
    return {
        "object": table,
        "id": record_id,
        "removed_at": datetime.now(timezone.utc),
        "how": how,
        MERGED_INTO: target,
        "detected_by": by,
    }


@dataclass
class Plan:
    """What applying the pending removals does, per table (computed from the dlt schema)."""

    marks: dict[str, list[tuple[str, Any, str | None]]] = field(default_factory=dict)
    """table -> (id, removed_at, merged_into_id): rows to mark removed (or close, or delete)."""
    hard: set[str] = field(default_factory=set)
    """tables whose removed records are deleted (`hard_delete`), child rows included."""
    history: set[str] = field(default_factory=set)
    """tables in history mode: the current version is closed."""
    moves: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(table, column, from_id, to_id): records of `table` that moved to another parent."""
    children: dict[str, list[str]] = field(default_factory=dict)
    """table -> its child tables (deleted with their parents' rows)."""

    @property
    def empty(self) -> bool:
        return not self.marks and not self.moves


def plan(schema: Schema, pending: Iterable[Sequence[Any]]) -> Plan:
    """The plan for pending removal rows `(object, id, removed_at, how, merged_into_id)`."""
    result = Plan()
    tables = schema.tables
    for table, record_id, removed_at, _how, target in pending:
        if table not in tables:
            continue
        result.marks.setdefault(table, []).append((record_id, removed_at, target))
        if target and table in MOVES:
            column, movers = MOVES[table]
            for mover in _matching(schema, movers):
                if column in (tables[mover].get("columns") or {}):
                    result.moves.append((mover, column, record_id, target))
    for table in result.marks:
        columns = tables[table].get("columns") or {}
        if tables[table].get("x-merge-strategy") == "scd2" or VALID_TO in columns:
            result.history.add(table)
        elif any(c.get("hard_delete") for c in columns.values()):
            result.hard.add(table)
        result.children[table] = [
            name for name, t in tables.items() if name.startswith(table + "__") and t.get("parent")
        ]
    return result


def _matching(schema: Schema, patterns: tuple[str, ...]) -> list[str]:
    names = [n for n in schema.tables if "__" not in n and not n.startswith("_dlt")]
    return [
        n
        for n in names
        if any(n == p or (p.endswith("*") and n.startswith(p[:-1])) for p in patterns)
    ]


def pending_removals(pipeline: dlt.Pipeline) -> list[tuple[Any, ...]]:
    """The rows of `kustomer_removals` not applied yet (none when the table does not exist)."""
    if not pipeline.default_schema_name or TABLE not in pipeline.default_schema.tables:
        return []
    with pipeline.sql_client() as client:
        name = client.make_qualified_table_name(TABLE)
        try:
            rows = client.execute_sql(
                f"select object, id, removed_at, how, {MERGED_INTO} from {name} "
                f"where {APPLIED_AT} is null order by removed_at"
            )
        except Exception:  # noqa: BLE001 - the table is in the schema but not created yet
            return []
    return [tuple(row) for row in rows or []]


def apply_removals(pipeline: dlt.Pipeline) -> dict[str, int]:
    """Applies every pending row of `kustomer_removals` to an SQL destination (see the module
    docstring); returns how many records of each table it marked, closed or deleted."""
    pending = pending_removals(pipeline)
    if not pending:
        return {}
    work = plan(pipeline.default_schema, pending)
    done: dict[str, int] = defaultdict(int)
    with pipeline.sql_client() as client, client.begin_transaction():
        for mover, column, old, new in work.moves:
            name = client.make_qualified_table_name(mover)
            client.execute_sql(f"update {name} set {column} = %s where {column} = %s", new, old)
        for table, marks in work.marks.items():
            name = client.make_qualified_table_name(table)
            columns = pipeline.default_schema.tables[table].get("columns") or {}
            for record_id, removed_at, target in marks:
                if table in work.history:
                    client.execute_sql(
                        f"update {name} set {VALID_TO} = %s where id = %s and {VALID_TO} is null",
                        removed_at,
                        record_id,
                    )
                elif table in work.hard:
                    _delete(client, name, work.children[table], record_id)
                else:
                    sets = [f"{REMOVED_AT} = %s"]
                    values: list[Any] = [removed_at]
                    if MERGED_INTO in columns:
                        sets.append(f"{MERGED_INTO} = %s")
                        values.append(target)
                    client.execute_sql(
                        f"update {name} set {', '.join(sets)} where id = %s", *values, record_id
                    )
                done[table] += 1
        removals = client.make_qualified_table_name(TABLE)
        client.execute_sql(
            f"update {removals} set {APPLIED_AT} = %s where {APPLIED_AT} is null",
            datetime.now(timezone.utc),
        )
    return dict(done)


def _delete(client: Any, name: str, children: list[str], record_id: str) -> None:
    """Deletes one record's row and the rows of its child tables."""
    for child in children:
        child_name = client.make_qualified_table_name(child)
        client.execute_sql(
            f"delete from {child_name} where _dlt_root_id in "
            f"(select _dlt_id from {name} where id = %s)",
            record_id,
        )
    client.execute_sql(f"delete from {name} where id = %s", record_id)
