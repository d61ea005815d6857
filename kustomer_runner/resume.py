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

import dlt
from dlt.common import logger
from dlt.common.schema import Schema
from dlt.common.schema.utils import get_nested_tables, is_nested_table
from dlt.common.storages.load_package import PackageStorage
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.destinations.sql_client import SqlClientBase

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


def delete_appended_rows(pipeline: dlt.Pipeline, schema: Schema, load_id: str) -> None:
    """Deletes the rows that package `load_id` appended (append tables only), children first."""
    if not load_id.replace(".", "").isdigit():
        raise ValueError(f"not a dlt load id: {load_id!r}")
    with pipeline.sql_client(schema.name) as client:
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


def _delete(client: SqlClientBase[object], sql: str) -> None:
    try:
        client.execute_sql(sql)
    except DatabaseUndefinedRelation:
        pass  # the table was never created in the destination
