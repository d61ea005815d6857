"""The source against the sandbox over HTTP, asserting on what lands in DuckDB."""

from __future__ import annotations

import pytest
from support import Loader, spec_objects

from kustomer_source import CATALOG, OBJECTS
from kustomer_source.sandbox import Sandbox

DUCKDB_TYPES = {
    "text": "VARCHAR",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "bool": "BOOLEAN",
    "bigint": "BIGINT",
    "double": "DOUBLE",
}


def test_catalog_covers_the_spec() -> None:
    spec = {o["table"]: o for o in spec_objects()}
    assert set(spec) == set(CATALOG) and len(OBJECTS) == 48
    total = 0
    for table, obj in spec.items():
        entry = CATALOG[table]
        for field in obj["fields"]:
            total += 1
            if field["column"] == "id":
                continue
            names = {n for n in entry.fields if _snake(n) == field["column"]}
            assert names, f"{table}.{field['column']} missing from the catalog"
            kind = entry.fields[names.pop()]
            expected = {"nested object": "struct", "nested list": "list"}.get(
                field["dlt_type"], field["dlt_type"]
            )
            assert kind == expected, f"{table}.{field['column']}: {kind} != {expected}"
    assert total == 639


def _snake(name: str) -> str:
    from dlt.common.normalizers.naming.snake_case import NamingConvention

    return NamingConvention().normalize_identifier(name)


def test_every_object_lands_with_spec_types(sandbox: Sandbox, loader: Loader) -> None:
    info = loader.run(sandbox)
    assert not info.has_failed_jobs
    tables = loader.tables()
    for obj in spec_objects():
        table = obj["table"]
        assert table in tables, f"{table} did not land"
        expected_rows = sandbox.control.count(table)
        assert loader.count(table) == expected_rows, table
        columns = loader.columns(table)
        for field in obj["fields"]:
            column, dlt_type = field["column"], field["dlt_type"]
            if dlt_type == "nested list":
                assert f"{table}__{column}" in tables, f"{table}.{column}: no child table"
            elif dlt_type == "nested object":
                nested = [c for c in columns if c.startswith(f"{column}__")]
                child = [t for t in tables if t.startswith(f"{table}__{column}__")]
                assert nested or child, f"{table}.{column}: struct not unnested"
            else:
                assert columns.get(column) == DUCKDB_TYPES[dlt_type], (
                    table,
                    column,
                    columns.get(column),
                )


@pytest.mark.parametrize("concurrency", [1, 5])
def test_paging_over_many_small_pages(sandbox: Sandbox, loader: Loader, concurrency: int) -> None:
    """Following links.next (1) and numbered pages in flight (5) read the same records."""
    objects = ["customers", "users", "conversations", "audit_logs", "routing_work_items"]
    loader.run(sandbox, objects, page_size=7, list_concurrency=concurrency)
    for table in objects:
        expected = {r["id"] for r in sandbox.control.records(table)}
        assert loader.ids(table) == expected, table


def test_single_object_endpoints(sandbox: Sandbox, loader: Loader) -> None:
    singles = [o.table for o in OBJECTS if o.read == "single"]
    loader.run(sandbox, singles)
    for table in singles:
        assert loader.count(table) == 1, table


def test_relationship_ids_point_at_loaded_records(sandbox: Sandbox, loader: Loader) -> None:
    loader.run(sandbox, ["customers", "conversations", "messages", "notes"])
    orphans = loader.query(
        "select count(*) from kustomer_data.messages m left join kustomer_data.conversations c "
        "on m.conversation_id = c.id where c.id is null"
    )[0][0]
    assert loader.count("messages", "conversation_id is not null") == loader.count("messages")
    assert orphans == 0
    assert loader.count("conversations", "customer_id is null") == 0
    assert loader.count("notes", "conversation_id is null") == 0


def test_secrets_are_hashed(sandbox: Sandbox, loader: Loader) -> None:
    loader.run(sandbox, ["auth_customer_settings", "outbound_webhooks", "users"])
    clear = {r["attributes"]["secret"] for r in sandbox.control.records("auth_customer_settings")}
    landed = {
        row[0] for row in loader.query("select secret from kustomer_data.auth_customer_settings")
    }
    assert landed and not landed & clear
    assert all(value.startswith("sha256:") for value in landed)
    tokens = loader.query(
        "select token from kustomer_data.outbound_webhooks where token is not null"
    )
    assert tokens and all(t.startswith("sha256:") for (t,) in tokens)
    password_columns = [c for c in loader.columns("users") if c.startswith("password__")]
    assert password_columns
    for column in password_columns:
        values = loader.query(
            f"select {column} from kustomer_data.users where {column} is not null"
        )
        assert all(str(v).startswith("sha256:") for (v,) in values), column


@pytest.mark.parametrize("objects", [["customers"], ["kb_articles", "teams"]])
def test_replace_objects_reload_whole(
    fresh_sandbox: Sandbox, loader: Loader, objects: list[str]
) -> None:
    loader.run(fresh_sandbox, objects)
    for table in objects:
        assert loader.count(table) == fresh_sandbox.control.count(table)
