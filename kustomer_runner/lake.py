"""Delta tables on dlt's filesystem destination (S3, GCS, Azure Blob, a local folder) that stay
equal to the org: no duplicate ids, no list items a record no longer has, hard deletes applied.

dlt appends plain parquet where the source asks to merge, so on the filesystem destination every
table is a Delta table (`table_format="delta"`), which dlt merges into. Delta merges each table
of a record on its own, which leaves three gaps that `load()` closes around dlt's steps:

- a record read twice in one load (changed while the run read it) would make the merge fail
  ("matched a target row with multiple source rows"), or land twice in a new table: before the
  load, each id keeps its newest version (the `dedup_sort` column) in the normalized files, and
  each nested table keeps the rows of that version;
- a list that got shorter would keep its old items in the nested table: nested rows carry their
  record's `updated_at` as `_root_updated_at`, and after the load the rows of the records just
  loaded whose `_root_updated_at` is not their record's `updated_at` are deleted;
- dlt refuses the `hard_delete` hint on a Delta table with nested tables: the hint is lifted and
  the records flagged deleted in this load are deleted after it, with their nested rows.

    pipeline = dlt.pipeline("kustomer", destination="filesystem", dataset_name="kustomer_data")
    load(pipeline, kustomer_source().with_resources("conversations", "messages"))
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from functools import partial
from typing import Any

import dlt
from dlt.common.normalizers.json.relational import DataItemNormalizer as RelationalNormalizer
from dlt.common.pipeline import LoadInfo
from dlt.common.schema import Schema
from dlt.common.schema.typing import TSimpleRegex, TTableSchema
from dlt.common.schema.utils import (
    get_columns_names_with_prop,
    get_first_column_name_with_prop,
    get_nested_tables,
    is_nested_table,
)
from dlt.extract.source import DltSource

from kustomer_source.removals import TABLE as REMOVALS

__all__ = ["ROOT_VERSION", "is_filesystem", "load", "prepare"]

ROOT_VERSION = "_root_updated_at"
"""Column of every nested row of a merged table: the `updated_at` of the record it belongs to."""

_VERSION_COLUMN = "updated_at"
_BATCH = 500


def is_filesystem(pipeline: dlt.Pipeline) -> bool:
    """True when the pipeline loads to dlt's filesystem destination (S3, GCS, Azure, local)."""
    destination = pipeline.destination
    return destination is not None and destination.destination_type.endswith(".filesystem")


def prepare(source: DltSource) -> tuple[DltSource, bool]:
    """Delta on every resource, `_root_updated_at` propagated to nested rows of merged tables,
    and the `hard_delete` hint lifted (applied by `load()` instead); returns the source and
    whether hard deletes were asked for."""
    hard_delete = False
    merged = []
    for resource in source.resources.values():
        resource.apply_hints(table_format="delta")
        if REMOVALS in getattr(resource, "_hints_variants", {}):  # the objects' own table variant
            resource.apply_hints(
                table_name=REMOVALS, table_format="delta", create_table_variant=True
            )
        if resource.write_disposition != "merge":
            continue
        merged.append(resource.table_name)
        columns = resource.columns
        if isinstance(columns, dict):
            for name, column in columns.items():
                if column.get("hard_delete"):
                    hard_delete = True
                    resource.apply_hints(columns={name: {**column, "hard_delete": False}})
    tables: dict[str, dict[str, str]] = {
        str(name): {_VERSION_COLUMN: ROOT_VERSION} for name in merged
    }
    RelationalNormalizer.update_normalizer_config(
        source.schema,
        {"propagation": {"tables": tables}},  # type: ignore[typeddict-item]
    )
    source.schema.update_preferred_types({TSimpleRegex(ROOT_VERSION): "timestamp"})
    return source, hard_delete


def load(pipeline: dlt.Pipeline, source: DltSource, refresh: Any = None) -> LoadInfo:
    """`pipeline.run(source)` for Delta tables, with the dedup before and the clean-up after."""
    source, hard_delete = prepare(source)
    pipeline.sync_destination()  # restores state from the bucket on a fresh runner
    pipeline.extract(source, refresh=refresh, loader_file_format="parquet")
    pipeline.normalize()
    for load_id in pipeline.list_normalized_load_packages():
        dedupe_package(pipeline, load_id)
    info = pipeline.load()
    reconcile(pipeline, info.loads_ids, hard_delete)
    apply_removals(pipeline, hard_delete)
    return info


def _merged_roots(schema: Schema) -> list[TTableSchema]:
    return [
        table
        for name, table in schema.tables.items()
        if not is_nested_table(table)
        and table.get("write_disposition") == "merge"
        and not name.startswith(schema._dlt_tables_prefix)
    ]


def dedupe_package(pipeline: dlt.Pipeline, load_id: str) -> None:
    """Each id once (its newest version) in a normalized package; nested rows of that version."""
    import pyarrow.parquet as pq

    info = pipeline.get_load_package_info(load_id)
    schema = pipeline.schemas[info.schema_name]
    files: dict[str, list[str]] = defaultdict(list)
    for job in info.jobs["new_jobs"]:
        if job.job_file_info.file_format == "parquet":
            files[job.job_file_info.table_name].append(job.file_path)
    for root in _merged_roots(schema):
        if root["name"] not in files:
            continue
        keys = get_columns_names_with_prop(root, "primary_key")
        order = get_first_column_name_with_prop(root, "dedup_sort") or _VERSION_COLUMN
        if order not in root["columns"]:
            order = "null"  # no version to tell copies apart: the last one read wins
        tables = [pq.read_table(path) for path in files[root["name"]]]
        winners = _newest_versions(tables, keys, order)
        if winners is None:
            continue  # no id twice: nothing to do
        kept_ids, kept_versions = winners
        _rewrite(files[root["name"]], tables, kept_ids)
        for nested in get_nested_tables(schema.tables, root["name"], include_self=False):
            paths = files.get(str(nested["name"]))
            if paths:
                nested_tables = [pq.read_table(path) for path in paths]
                _rewrite(paths, nested_tables, _nested_rows_of(nested_tables, kept_versions))


def _newest_versions(
    tables: Sequence[Any], keys: list[str], order: str
) -> tuple[list[list[int]], dict[str, Any]] | None:
    """Row positions to keep per file, and `_dlt_id -> updated_at` of the ids that came twice."""
    import duckdb

    con = duckdb.connect()
    parts = []
    for i, table in enumerate(tables):
        con.register(f"t{i}", table)
        parts.append(
            f"select {i} as _file, row_number() over () - 1 as _pos, "
            f"{', '.join(keys)}, {order} as _order, _dlt_id from t{i}"
        )
    con.execute("create temp table rows_ as " + " union all ".join(parts))
    key_list = ", ".join(keys)
    (dupes,) = con.execute(
        f"select count(*) from (select {key_list} from rows_ group by all having count(*) > 1)"
    ).fetchone() or (0,)
    if not dupes:
        return None
    ranked = con.execute(
        f"select _file, _pos, _dlt_id, _order, n from (select *, row_number() over (partition by "
        f"{key_list} order by _order desc nulls last, _file desc, _pos desc) as rn, "
        f"count(*) over (partition by {key_list}) as n from rows_) where rn = 1"
    ).fetchall()
    keep: list[list[int]] = [[] for _ in tables]
    versions: dict[str, Any] = {}
    for file_no, pos, dlt_id, version, n in ranked:
        keep[file_no].append(pos)
        if n > 1:
            versions[dlt_id] = version
    return [sorted(k) for k in keep], versions


def _nested_rows_of(tables: Sequence[Any], versions: dict[str, Any]) -> list[list[int]]:
    """Nested rows to keep: of the ids that came twice, only the kept version's rows, once."""
    keep: list[list[int]] = []
    seen: set[str] = set()
    for table in tables:
        roots = table.column("_dlt_root_id").to_pylist()
        stamps = (
            table.column(ROOT_VERSION).to_pylist()
            if ROOT_VERSION in table.column_names
            else [None] * len(roots)
        )
        ids = table.column("_dlt_id").to_pylist()
        rows = []
        for pos, (root, stamp, row_id) in enumerate(zip(roots, stamps, ids, strict=True)):
            if root in versions:
                if stamp != versions[root] or row_id in seen:
                    continue
                seen.add(row_id)
            rows.append(pos)
        keep.append(rows)
    return keep


def _rewrite(paths: Sequence[str], tables: Sequence[Any], keep: Sequence[list[int]]) -> None:
    import pyarrow.parquet as pq

    for path, table, rows in zip(paths, tables, keep, strict=True):
        if len(rows) != table.num_rows:
            pq.write_table(table.take(rows), path)


def reconcile(pipeline: dlt.Pipeline, load_ids: Iterable[str], hard_delete: bool) -> None:
    """After a load: nested rows of the records just loaded that belong to an older version of
    the record are deleted, and with `hard_delete` the records flagged deleted (and their nested
    rows) too."""
    from concurrent.futures import ThreadPoolExecutor

    from dlt.common.libs.deltalake import get_delta_tables

    load_ids = list(load_ids)
    schema = pipeline.default_schema
    roots = [t for t in _merged_roots(schema) if t.get("table_format") == "delta"]
    if not load_ids or not roots:
        return
    deltas = get_delta_tables(pipeline)
    for root in roots:
        name = root["name"]
        if name not in deltas or _VERSION_COLUMN not in root["columns"]:
            continue  # a table without versions (message_attachments) has nothing to reconcile
        flagged = "coalesce(deleted, false)" if "deleted" in root["columns"] else "false"
        loaded = _select(
            deltas[name],
            f"select _dlt_id, {_VERSION_COLUMN} as version, {flagged} as deleted from t "
            f"where _dlt_load_id in ({_quoted(load_ids)})",
        )
        if not loaded:
            continue
        current = {row["_dlt_id"]: row["version"] for row in loaded}
        gone = {row["_dlt_id"] for row in loaded if hard_delete and row["deleted"]}

        nested = [
            deltas[t["name"]]
            for t in get_nested_tables(schema.tables, name, include_self=False)
            if t["name"] in deltas
        ]
        # delta-rs works outside the GIL: tables are cleaned side by side
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(partial(_drop_old_versions, current=current, gone=gone), nested))
        _delete_ids(deltas[name], sorted(gone))


def _drop_old_versions(table: Any, current: dict[str, Any], gone: set[str]) -> None:
    """Deletes the nested rows of these records (id -> current version) of other versions."""
    if ROOT_VERSION not in table.schema().to_arrow().names:
        return  # a table from before this module: nothing to tell versions apart by
    stale = [
        row_id
        for row_id, root_id, stamp in _rows_of_roots(table, list(current))
        if root_id in gone or stamp != current[root_id]
    ]
    _delete_ids(table, stale)


def _rows_of_roots(table: Any, root_ids: list[str]) -> list[tuple[Any, ...]]:
    """(_dlt_id, _dlt_root_id, _root_updated_at) of the nested rows of these records."""
    rows = []
    for start in range(0, len(root_ids), _BATCH):
        batch = root_ids[start : start + _BATCH]
        rows += _select(
            table,
            f"select _dlt_id, _dlt_root_id, {ROOT_VERSION} as version from t "
            f"where _dlt_root_id in ({_quoted(batch)})",
        )
    return [(row["_dlt_id"], row["_dlt_root_id"], row["version"]) for row in rows]


def _select(table: Any, sql: str) -> list[dict[str, Any]]:
    """A query over one Delta table, named `t`, run by delta-rs (DataFusion)."""
    import pyarrow as pa
    from deltalake import QueryBuilder

    return list(pa.table(QueryBuilder().register("t", table).execute(sql)).to_pylist())


def _quoted(values: Iterable[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


def _delete_ids(table: Any, ids: list[str]) -> None:
    for start in range(0, len(ids), _BATCH):
        table.delete(f"_dlt_id in ({_quoted(ids[start : start + _BATCH])})")


def apply_removals(pipeline: dlt.Pipeline, hard_delete: bool = False) -> dict[str, int]:
    """`kustomer_source.removals.apply_removals` for Delta tables: the pending rows of
    `kustomer_removals` applied with delta-rs (records marked, or deleted with their nested rows
    with `hard_delete`, which `prepare` lifted from the schema; moved records' parent ids
    rewritten), then marked applied."""
    from dlt.common.libs.deltalake import get_delta_tables

    from kustomer_source.removals import APPLIED_AT, MERGED_INTO, REMOVED_AT, TABLE, plan

    deltas = get_delta_tables(pipeline)
    if TABLE not in deltas:
        return {}
    pending = _select(
        deltas[TABLE],
        f"select object, id, removed_at, how, {MERGED_INTO} from t where {APPLIED_AT} is null",
    )
    if not pending:
        return {}
    rows = [tuple(row.values()) for row in pending]
    work = plan(pipeline.default_schema, rows)
    for mover, column, old, new in work.moves:
        if mover in deltas:
            deltas[mover].update(predicate=f"{column} = '{old}'", updates={column: f"'{new}'"})
    done: dict[str, int] = {}
    for table, marks in work.marks.items():
        if table not in deltas:
            continue
        ids = [record_id for record_id, _, _ in marks]
        if table in work.hard or hard_delete:
            roots = [
                row["_dlt_id"]
                for row in _select(
                    deltas[table], f"select _dlt_id from t where id in ({_quoted(ids)})"
                )
            ]
            for child in work.children.get(table, []):
                if child in deltas:
                    _delete_roots(deltas[child], roots)
            _delete_ids(deltas[table], roots)
        else:
            columns = deltas[table].schema().to_arrow().names
            for record_id, removed_at, target in marks:
                updates = {REMOVED_AT: f"'{removed_at.isoformat()}'::timestamp"}
                if MERGED_INTO in columns and target:
                    updates[MERGED_INTO] = f"'{target}'"
                deltas[table].update(predicate=f"id = '{record_id}'", updates=updates)
        done[table] = len(marks)
    now = datetime.now(timezone.utc).isoformat()
    deltas[TABLE].update(
        predicate=f"{APPLIED_AT} is null", updates={APPLIED_AT: f"'{now}'::timestamp"}
    )
    return done


def _delete_roots(table: Any, roots: list[str]) -> None:
    for start in range(0, len(roots), _BATCH):
        table.delete(f"_dlt_root_id in ({_quoted(roots[start : start + _BATCH])})")
