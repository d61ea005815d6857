"""The source against the sandbox over HTTP, asserting on what lands in DuckDB."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.loading import DuckDBDataset, LoadedDataset, Loader, snake, spec_objects
from helpers.readers import change_the_org

from kustomer_sandbox import Sandbox
from kustomer_source import CATALOG, OBJECTS, Tuning

DUCKDB_TYPES = {
    "text": "VARCHAR",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "bool": "BOOLEAN",
    "bigint": "BIGINT",
    "double": "DOUBLE",
    "json": "JSON",
}


def test_every_object_lands_with_spec_types(sandbox: Sandbox, full_load: LoadedDataset) -> None:
    """Every catalog field (AppFlow's 639 and the documented extras) lands as its landing says,
    and no column is a variant (the load had no failed job: the fixture checks)."""
    loader = full_load
    tables = loader.tables()
    for obj in spec_objects():
        table = obj["table"]
        assert table in tables, f"{table} did not land"
        expected_rows = sandbox.control.count(table)
        assert loader.count(table) == expected_rows, table
        columns = loader.columns(table)
        assert not [c for c in columns if "__v_" in c], f"{table}: variant columns"
        for name, kind in CATALOG[table].fields.items():
            column = snake(name)
            if kind == "list":
                assert f"{table}__{column}" in tables, f"{table}.{column}: no child table"
            elif kind == "struct":
                nested = [c for c in columns if c.startswith(f"{column}__")]
                child = [t for t in tables if t.startswith(f"{table}__{column}__")]
                assert nested or child, f"{table}.{column}: struct not unnested"
            else:
                assert columns.get(column) == DUCKDB_TYPES[kind], (
                    table,
                    column,
                    columns.get(column),
                )


def test_maps_keyed_by_data_land_as_one_json_column(full_load: LoadedDataset) -> None:
    """No column or table per key: each map is one JSON column holding the whole object."""
    loader = full_load
    objects = [o.table for o in OBJECTS if "json" in o.fields.values()]
    tables = loader.tables()
    for table in objects:
        columns = loader.columns(table)
        for name, kind in CATALOG[table].fields.items():
            if kind != "json":
                continue
            column = snake(name)
            assert columns.get(column) == "JSON", (table, column)
            assert not [c for c in columns if c.startswith(f"{column}__")], (table, column)
            assert not [t for t in tables if t.startswith(f"{table}__{column}")], (table, column)
            (kinds,) = loader.query(
                f"select list(distinct json_type({column})) from kustomer_data.{table} "
                f"where {column} is not null"
            )[0]
            assert kinds and set(kinds) <= {"OBJECT", "ARRAY"}, (table, column, kinds)
    days = loader.query("select distinct unnest(json_keys(hours)) from kustomer_data.schedules")
    assert days and {day for (day,) in days} <= {str(n) for n in range(7)}


def test_documented_relationships_have_typed_id_columns(full_load: LoadedDataset) -> None:
    """Every documented to-one relationship has its `<name>_id` text column on every object, even
    before a record fills it; links-only relationships land nothing."""
    loader = full_load
    for obj in OBJECTS:
        columns = loader.columns(obj.table)
        for name, rel in obj.relationships.items():
            if obj.language_prefix(name):
                continue
            column = f"{snake(name)}_id"
            if rel.kind == "one":
                assert columns.get(column) == "VARCHAR", (obj.table, column)
            elif rel.kind == "links":
                assert column not in columns and f"{snake(name)}_ids" not in columns


def org_relationships(sb: Sandbox, table: str) -> dict[str, dict[str, Any]]:
    """id -> {`<name>_id`: id} for the documented to-one relationships and {`<name>_ids`: ids}
    for the to-many ones, read from the org's records (not through the source's code)."""
    obj = CATALOG[table]
    out: dict[str, dict[str, Any]] = {}
    for record in sb.control.records(table):
        row: dict[str, Any] = {}
        for name, rel in obj.relationships.items():
            value = (record.get("relationships") or {}).get(name)
            data = value.get("data") if isinstance(value, dict) else value
            if obj.language_prefix(name):
                continue
            if rel.kind == "one":
                row[f"{snake(name)}_id"] = data.get("id") if isinstance(data, dict) else None
            elif rel.kind == "many":
                row[f"{snake(name)}_ids"] = sorted(item["id"] for item in data or [])
        out[record["id"]] = row
    return out


def assert_relationships_as_in_the_org(
    sb: Sandbox, loader: DuckDBDataset, tables: list[str]
) -> None:
    """Each landed row's relationship columns and id tables equal its record's relationships."""
    for table in tables:
        expected = org_relationships(sb, table)
        columns = sorted({c for row in expected.values() for c in row if c.endswith("_id")})
        lists = sorted({c for row in expected.values() for c in row if c.endswith("_ids")})
        select = ", ".join(["id", *columns]) if columns else "id"
        landed: dict[str, dict[str, Any]] = {
            row[0]: dict(zip(columns, row[1:], strict=True))
            for row in loader.query(f"select {select} from kustomer_data.{table}")
        }
        existing = loader.tables()
        for child in lists:
            if f"{table}__{child}" not in existing:
                continue  # no record has an id in it: the expected lists are all empty
            for record_id, ids in loader.query(
                f"select p.id, list(c.value order by c.value) from kustomer_data.{table} p "
                f"join kustomer_data.{table}__{child} c on c._dlt_parent_id = p._dlt_id "
                "group by p.id"
            ):
                landed[record_id][child] = ids
        for record_id, row in expected.items():
            got = {key: landed[record_id].get(key, [] if key in lists else None) for key in row}
            assert got == row, f"{table} {record_id}: landed {got}, the org has {row}"


def test_relationships_land_as_in_the_org(sandbox: Sandbox, full_load: LoadedDataset) -> None:
    tables = [o.table for o in OBJECTS if o.relationships and o.primary_key]
    assert_relationships_as_in_the_org(sandbox, full_load, tables)


def test_search_results_land_their_relationships(fresh_sandbox: Sandbox, loader: Loader) -> None:
    """Records read back through search (an incremental run) land the same relationship ids."""
    sb = fresh_sandbox
    searched = [o.table for o in OBJECTS if o.sync == "search"]
    loader.run(sb, searched)
    made = change_the_org(sb, searched)
    sb.control.reset_requests()
    info = loader.run(sb, searched)
    assert not info.has_failed_jobs
    assert sb.control.requests(method="POST", path_prefix="/v1/customers/search") > 0
    assert_relationships_as_in_the_org(sb, loader, searched)
    for table in searched:
        assert loader.count(table, f"id = '{made[table]}' and org_id is not null") == 1, table


@pytest.mark.parametrize("concurrency", [1, 5])
def test_paging_over_many_small_pages(sandbox: Sandbox, loader: Loader, concurrency: int) -> None:
    """Following links.next (1) and numbered pages in flight (5) read the same records."""
    # paged lists of a searched object, of replaced ones and the audit log's cursor pages
    # (conversations, paged as customers are, would add 28 tables a run)
    objects = ["customers", "users", "audit_logs", "routing_work_items"]
    loader.run(sandbox, objects, tuning=Tuning(page_size=7, list_concurrency=concurrency))
    for table in objects:
        expected = {r["id"] for r in sandbox.control.records(table)}
        assert loader.ids(table) == expected, table


def test_single_object_endpoints(full_load: LoadedDataset) -> None:
    singles = [o.table for o in OBJECTS if o.read == "single"]
    for table in singles:
        assert full_load.count(table) == 1, table


def test_relationship_ids_point_at_loaded_records(full_load: LoadedDataset) -> None:
    loader = full_load
    orphans = loader.query(
        "select count(*) from kustomer_data.messages m left join kustomer_data.conversations c "
        "on m.conversation_id = c.id where c.id is null"
    )[0][0]
    assert loader.count("messages", "conversation_id is not null") == loader.count("messages")
    assert orphans == 0
    assert loader.count("conversations", "customer_id is null") == 0
    assert loader.count("notes", "conversation_id is null") == 0


def test_secrets_are_hashed(sandbox: Sandbox, full_load: LoadedDataset) -> None:
    loader = full_load
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
