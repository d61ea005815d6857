"""Before a run: what an earlier run of the pipeline left unloaded (it was killed, or the disk
filled up), so that this run ends equal to the org whatever the earlier one did.

- A package that never touched the destination is loaded first. dlt's `run` would load only it
  and return without reading the org; loaded first, this run then reads everything since.
- A package that was partly loaded is undone: its load jobs cannot be replayed safely, because a
  job that committed in the destination but was killed before dlt recorded it runs again (a
  duplicate key on PostgreSQL's staging tables, duplicate rows elsewhere). Its rows in append
  tables (audit logs, dlt's own state table) are deleted, child rows included, and dlt's
  `abort_packages` drops the package and rewinds the local state to before it, so this run reads
  those changes again. Merged tables take the re-read records idempotently and replaced tables are
  replaced, so nothing else needs undoing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import dlt
from dlt.common import logger
from dlt.common.destination.client import WithStateSync
from dlt.common.destination.exceptions import DestinationUndefinedEntity
from dlt.common.schema import Schema
from dlt.common.schema.utils import get_nested_tables, is_nested_table
from dlt.common.storages.load_package import PackageStorage
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.destinations.sql_client import SqlClientBase
from dlt.pipeline.state_sync import load_pipeline_state_from_destination

LOAD_ID = "_dlt_load_id"


def finish_pending(pipeline: dlt.Pipeline) -> None:
    """Loads or undoes what an earlier run left pending (see the module docstring)."""
    partial = [
        load_id
        for load_id in pipeline.list_normalized_load_packages()
        if PackageStorage.is_package_partially_loaded(pipeline.get_load_package_info(load_id))
    ]
    if partial:
        print(
            "An earlier run stopped while loading: undoing what it loaded; this run reads "
            "those changes again",
            flush=True,
        )
        for load_id in partial:
            delete_appended_rows(pipeline, pipeline.get_load_package_info(load_id).schema, load_id)
        pipeline.abort_packages()
        return
    if pipeline.has_pending_data:
        print("Loading what an earlier run read but did not finish loading", flush=True)
        pipeline.normalize()
        pipeline.load()


def undo_unrecorded_loads(pipeline: dlt.Pipeline, schema_name: str) -> None:
    """What a run killed while loading left in the destination when its working directory is
    gone too (a runner that keeps none between runs, as GitHub Actions; or a chunk of a chunked
    first load): rows in append tables whose load dlt never recorded as complete in
    `_dlt_loads`. Deleted with their child rows, as a partly loaded package's (merged and
    replaced tables take the re-read records idempotently). Run only by a pipeline whose working
    directory is new: a run elsewhere still loading into the same dataset would lose its rows,
    and two runs on one dataset at once are refused only within one working directory.
    `schema_name`: the schema whose tables are looked at, as the destination last stored it (a
    run killed during its first load committed no state, and dlt restores no schema without
    one)."""
    schema = stored_schema(pipeline, schema_name)
    if schema is None:
        return
    orphans: set[str] = set()
    with _sql_client(pipeline, schema.name) as client:
        loads = client.make_qualified_table_name(schema.loads_table_name)
        for name, table in schema.tables.items():
            if is_nested_table(table) or table.get("write_disposition") != "append":
                continue
            if name.startswith("_dlt") or LOAD_ID not in table.get("columns", {}):
                continue
            root = client.make_qualified_table_name(name)
            sql = (
                f"select distinct {LOAD_ID} from {root} "
                f"where {LOAD_ID} not in (select load_id from {loads})"
            )
            try:
                with client.execute_query(sql) as cursor:
                    orphans |= {str(row[0]) for row in cursor.fetchall()}
            except DatabaseUndefinedRelation:
                continue  # the table was never created in the destination
    for load_id in sorted(orphans):
        print(
            f"A run that stopped while loading (load {load_id}, not recorded as complete) left "
            "rows in the destination: deleting them; this run reads those changes again",
            flush=True,
        )
        delete_appended_rows(pipeline, schema, load_id)


def stored_schema(pipeline: dlt.Pipeline, schema_name: str) -> Schema | None:
    """The newest version of schema `schema_name` the destination stores (each load stores its
    schema before its first job), None without one."""
    info = _from_destination(pipeline, schema_name, lambda c: c.get_stored_schema(schema_name))
    return Schema.from_dict(json.loads(info.schema)) if info else None


def stored_state(pipeline: dlt.Pipeline, pipeline_name: str) -> Any:
    """The state of pipeline `pipeline_name` committed with its latest load into `pipeline`'s
    dataset, None without one (or on a destination that keeps no state)."""
    return _from_destination(
        pipeline, None, lambda c: load_pipeline_state_from_destination(pipeline_name, c)
    )


def _from_destination(
    pipeline: dlt.Pipeline, schema_name: str | None, read: Callable[[WithStateSync], Any]
) -> Any:
    """What `read` finds through the dataset's job client; None on a destination that keeps no
    state, or before the dataset (or its dlt tables) exists."""
    try:
        with _destination_client(pipeline, schema_name) as client:
            if isinstance(client, WithStateSync):
                return read(client)
    except DestinationUndefinedEntity:  # no dataset yet
        pass
    return None


def delete_appended_rows(pipeline: dlt.Pipeline, schema: Schema, load_id: str) -> None:
    """Deletes the rows that package `load_id` appended (append tables only), children first."""
    if not load_id.replace(".", "").isdigit():
        raise ValueError(f"not a dlt load id: {load_id!r}")
    with _sql_client(pipeline, schema.name) as client:
        for name, table in schema.tables.items():
            if is_nested_table(table) or table.get("write_disposition") != "append":
                continue
            if LOAD_ID not in table.get("columns", {}):
                continue
            root = client.make_qualified_table_name(name)
            ids = f"select _dlt_id from {root} where {LOAD_ID} = '{load_id}'"
            # nested tables by their parents' rows of this load, deleted deepest first
            chain = {name: ids}
            nested_tables = [
                (str(t["name"]), str(t.get("parent")))
                for t in get_nested_tables(schema.tables, name)
            ][1:]
            for nested, parent in nested_tables:
                qualified = client.make_qualified_table_name(nested)
                chain[nested] = (
                    f"select _dlt_id from {qualified} where _dlt_parent_id in ({chain[parent]})"
                )
            for nested, parent in reversed(nested_tables):
                qualified = client.make_qualified_table_name(nested)
                _delete(
                    client, f"delete from {qualified} where _dlt_parent_id in ({chain[parent]})"
                )
            _delete(client, f"delete from {root} where {LOAD_ID} = '{load_id}'")
    logger.info(f"deleted the rows appended by the unfinished load {load_id}")


def _sql_client(pipeline: dlt.Pipeline, schema_name: str) -> Any:
    """dlt's SQL client for schema `schema_name`'s dataset: dlt's clients take only a schema the
    pipeline has, and make an ad hoc one (the same dataset) for none."""
    if schema_name in pipeline.schemas:
        return pipeline.sql_client(schema_name)
    return pipeline.sql_client()


def _destination_client(pipeline: dlt.Pipeline, schema_name: str | None) -> Any:
    """dlt's job client for schema `schema_name`'s dataset (see `_sql_client`; None: the
    pipeline's default schema, or an ad hoc one)."""
    if schema_name is not None and schema_name in pipeline.schemas:
        return pipeline.destination_client(schema_name)
    return pipeline.destination_client()


def _delete(client: SqlClientBase[object], sql: str) -> None:
    try:
        client.execute_sql(sql)
    except DatabaseUndefinedRelation:
        pass  # the table was never created in the destination
