"""The sandbox org against what a DuckDB load holds, and the requests the org was sent."""

from __future__ import annotations

from helpers.loading import Loader
from kustomer_sandbox import Sandbox

CONTEXTS = {
    "customers": "customer",
    "conversations": "conversation",
    "messages": "message",
    "notes": "note",
    "companies": "company",
}


REMOVED = "_kustomer_deleted_at"


def org_state(sb: Sandbox, table: str, include_deleted: bool = True) -> dict[str, tuple[str, bool]]:
    """id -> (updatedAt, deleted) of every record the org holds."""
    return {
        r["id"]: (r["attributes"]["updatedAt"], bool(r["attributes"].get("deleted")))
        for r in sb.control.records(table, include_deleted=include_deleted)
    }


def landed_state(loader: Loader, table: str) -> dict[str, tuple[str, bool]]:
    """id -> (updatedAt, deleted) of every row of `table` not marked as gone from the org
    (`_kustomer_deleted_at`)."""
    live = "where _kustomer_deleted_at is null" if REMOVED in loader.columns(table) else ""
    rows = loader.query(
        "select id, strftime(updated_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%g') || 'Z', "
        f"coalesce(deleted, false) from kustomer_data.{table} {live}"
    )
    return {row[0]: (row[1], bool(row[2])) for row in rows}


def assert_duckdb_equal_to_org(sb: Sandbox, loader: Loader, tables: list[str]) -> None:
    """The loader's DuckDB file holds every record of the org once (soft-deleted ones included),
    with its current updatedAt and deleted flag."""
    for table in tables:
        org, landed = org_state(sb, table), landed_state(loader, table)
        assert set(landed) == set(org), (
            f"{table}: {len(set(org) - set(landed))} missing, {len(set(landed) - set(org))} extra"
        )
        differ = {k: (landed[k], org[k]) for k in org if landed[k] != org[k]}
        sample = list(differ.items())[:3]
        assert not differ, f"{table}: {len(differ)} rows differ from the org, e.g. {sample}"
        live = "_kustomer_deleted_at is null" if REMOVED in loader.columns(table) else "true"
        assert loader.count(table, live) == len(org), f"{table}: duplicate ids"


def search_requests(sb: Sandbox) -> int:
    return sb.control.requests(method="POST", path_prefix="/v1/customers/search")


def list_requests(sb: Sandbox, table: str) -> int:
    paths = {
        "customers": "/v1/customers",
        "conversations": "/v1/conversations",
        "messages": "/v1/messages",
        "notes": "/v1/notes",
        "companies": "/v1/companies",
    }
    return sb.control.requests(method="GET", path_prefix=paths[table])
