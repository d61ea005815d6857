"""Reading a loaded dataset back, whatever the destination, to compare it with the sandbox org.

A reader answers plain SQL against the dataset's tables by their bare names: `DeltaReader` runs
DuckDB over the Delta tables of a filesystem destination (read by delta-rs, so no DuckDB
extension is needed), `PostgresReader` runs it in PostgreSQL with the dataset as search_path.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any, Protocol

import dlt

from helpers.org import org_state
from kustomer_sandbox import Sandbox
from kustomer_source.destination import read_delta

SEARCHED = ["customers", "conversations", "messages", "notes", "companies"]


class Reader(Protocol):
    def query(self, sql: str) -> list[tuple[Any, ...]]: ...

    def tables(self) -> set[str]: ...


class DeltaReader:
    """The Delta tables of a pipeline on the filesystem destination (S3 here), in DuckDB."""

    def __init__(self, pipeline: dlt.Pipeline) -> None:
        self.pipeline = pipeline

    def tables(self) -> set[str]:
        from dlt.common.schema.utils import get_root_table

        tables = self.pipeline.default_schema.tables
        return {
            name
            for name in tables
            if get_root_table(tables, name).get("table_format") == "delta"
            and not name.startswith("_dlt")
        }

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        import duckdb
        from dlt.common.libs.deltalake import get_delta_tables

        named = set(re.findall(r"\w+", sql)) & self.tables()
        con = duckdb.connect()
        for name, table in get_delta_tables(self.pipeline, *named).items():
            con.register(name, read_delta(table))
        return con.execute(sql).fetchall()


class PostgresReader:
    """One dataset (schema) of a PostgreSQL database."""

    def __init__(self, dsn: str, dataset: str) -> None:
        self.dsn, self.dataset = dsn, dataset

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        import psycopg2

        with psycopg2.connect(self.dsn) as con, con.cursor() as cur:
            cur.execute("select set_config('search_path', %s, true)", (self.dataset,))
            cur.execute(sql)
            rows = cur.fetchall()
        con.close()
        return rows

    def tables(self) -> set[str]:
        rows = self.query(
            "select table_name from information_schema.tables "
            f"where table_schema = '{self.dataset}'"
        )
        return {name for (name,) in rows}

    def columns(self, table: str) -> dict[str, str]:
        rows = self.query(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{self.dataset}' and table_name = '{table}'"
        )
        return dict(rows)


def api_time(value: datetime | str) -> str:
    """A landed timestamp as the API writes it: 2026-01-02T03:04:05.678Z."""
    if isinstance(value, str):
        return value
    value = value.astimezone(timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def landed_rows(reader: Reader, table: str) -> list[tuple[str, str, bool]]:
    """(id, updatedAt, deleted) of every row not marked as gone from the org."""
    sql = f"select id, updated_at, coalesce(deleted, false) from {table}"
    try:
        rows = reader.query(sql + " where _kustomer_deleted_at is null")
    except Exception:  # noqa: BLE001 - a table without the column (loaded before it existed)
        rows = reader.query(sql)
    return [(row[0], api_time(row[1]), bool(row[2])) for row in rows]


def assert_reader_equal_to_org(
    sb: Sandbox, reader: Reader, tables: list[str], hard_delete: bool = False
) -> None:
    """What the reader reads (of any destination) holds every record of the org once, with its
    current updatedAt and deleted flag (soft-deleted records are gone with hard_delete)."""
    for table in tables:
        org = org_state(sb, table, include_deleted=not hard_delete)
        rows = landed_rows(reader, table)
        landed = {row[0]: row[1:] for row in rows}
        assert len(rows) == len(landed), f"{table}: {len(rows) - len(landed)} duplicate rows"
        assert set(landed) == set(org), (
            f"{table}: {len(set(org) - set(landed))} missing, {len(set(landed) - set(org))} extra"
        )
        differ = {k: (landed[k], org[k]) for k in org if landed[k] != org[k]}
        sample = list(differ.items())[:3]
        assert not differ, f"{table}: {len(differ)} rows differ from the org, e.g. {sample}"


def change_the_org(sb: Sandbox, tables: list[str]) -> dict[str, str]:
    """Updates two records, soft-deletes one and creates one in each table; hard-deletes a brand.
    Returns the created ids."""
    c = sb.control
    c.advance_clock(3600)
    made = {}
    for table in tables:
        ids = [r["id"] for r in c.records(table)][:3]
        field = "body" if table == "notes" else "name"
        c.update(table, ids[0], {field: "changed"})
        c.update(table, ids[1], {field: "changed again"})
        c.soft_delete(table, ids[2])
        made[table] = c.create(table, {})["id"]
    brand = next(iter(c.records("brands")))["id"]
    c.hard_delete("brands", brand)
    return made
