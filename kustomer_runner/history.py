"""History mode after a load: closes the rows of scd2 tables that a newer version superseded.

dlt's scd2 keeps every version active that arrives in one load; a record changed while the run
read it arrives as two versions, so the older one is closed here (the source's
`kustomer_source.history` drops the exact repeats while extracting).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import dlt

VALID_FROM, VALID_TO = "_dlt_valid_from", "_dlt_valid_to"


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


def keeps_history(source: Any) -> bool:
    """Whether the source's selected resources keep every version (dlt's scd2)."""
    return any(
        isinstance(r.write_disposition, dict) and r.write_disposition.get("strategy") == "scd2"
        for r in source.selected_resources.values()
    )
