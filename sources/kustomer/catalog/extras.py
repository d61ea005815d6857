"""Per-org lists beyond the AppFlow 48 that a support analyst joins: tags, SLAs and their
versions and targets, schedule holidays, custom-attribute definitions.

All of them are small configuration lists without a time filter, so each run reads them whole
and replaces the table (which also drops what was deleted in Kustomer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..api.client import KustomerClient
from ..rows import TPage, TRow, to_row
from .kobjects import OrgSchema
from .objects import KustomerObject, fields

SLAS_PATH = "/v1/slas"
SCHEDULES_PATH = "/v1/schedules"
SLA_ROLE = "org.permission.sla.read"

#: `GET /v1/tags`: a plain page list (attributes as in MeltanoLabs' tags schema)
TAGS = KustomerObject(
    "tags",
    "/v1/tags",
    role="org.permission.tag.read",  # inferred: the role is not in the documents read
    fields=fields(
        timestamp="createdAt updatedAt modifiedAt deletedAt",
        text="name color",
        bool="deleted",
    ),
    why=(
        "The tag list has no time filter and is small: read whole, replaced, so deleted tags "
        "leave; joins the tag ids of conversations__tags, customers__tags, KObject tags."
    ),
)


#: how the records of these lists become rows: attributes as columns, relationships as ids
RECORDS = KustomerObject("extras", "/", role=None, fields={})


@dataclass(frozen=True)
class ExtraTable:
    """A table read by its own reader (not a plain list endpoint)."""

    table: str
    path: str
    role: str | None
    columns: dict[str, dict[str, Any]]
    why: str
    read: Callable[[KustomerClient, OrgSchema, int], Iterator[TPage]]
    primary_key: tuple[str, ...] = ("id",)


def included_records(body: Any) -> list[dict[str, Any]]:
    """A response's side-loaded `included` records: the documented examples send a list or a
    single object; both are read."""
    included = body.get("included") if isinstance(body, dict) else None
    if isinstance(included, dict):
        return [included]
    if isinstance(included, list):
        return [item for item in included if isinstance(item, dict)]
    return []


def _sla_pages(client: KustomerClient, page_size: int) -> Iterator[Any]:
    """The bodies of `GET /v1/slas?versions=all`, page by page (each has its `included`)."""
    page = 1
    while True:
        params = {"page": page, "pageSize": page_size, "versions": "all"}
        body = client.get_json(SLAS_PATH, params, what="slas")
        yield body
        if not body.get("data") or not client.next_link(SLAS_PATH, body):
            return
        page += 1


def read_slas(client: KustomerClient, schema: OrgSchema, page_size: int) -> Iterator[TPage]:
    for body in _sla_pages(client, page_size):
        yield [to_row(record, RECORDS) for record in body.get("data") or []]


def read_sla_versions(client: KustomerClient, schema: OrgSchema, page_size: int) -> Iterator[TPage]:
    for body in _sla_pages(client, page_size):
        yield [_version_row(record) for record in included_records(body)]


def _version_row(record: dict[str, Any]) -> TRow:
    row = to_row(record, RECORDS)
    # one row per metric and priority in `sla_targets` instead of columns named by priority
    row.pop("metrics", None)
    return row


def read_sla_targets(client: KustomerClient, schema: OrgSchema, page_size: int) -> Iterator[TPage]:
    """One row per SLA version, metric and priority: the target in milliseconds."""
    for body in _sla_pages(client, page_size):
        rows: TPage = []
        for record in included_records(body):
            attributes = record.get("attributes") or {}
            sla = ((record.get("relationships") or {}).get("sla") or {}).get("data") or {}
            for metric, target in (attributes.get("metrics") or {}).items():
                if not isinstance(target, dict):
                    continue
                for priority, ms in (target.get("times") or {}).items():
                    rows.append(
                        {
                            "sla_version_id": record.get("id"),
                            "sla_id": sla.get("id"),
                            "metric": metric,
                            "enabled": target.get("enabled"),
                            "priority": int(priority) if str(priority).isdigit() else priority,
                            "target_ms": ms,
                        }
                    )
        yield rows


def read_holidays(client: KustomerClient, schema: OrgSchema, page_size: int) -> Iterator[TPage]:
    """Every schedule's holidays: `GET /v1/schedules/{id}?include=holidays` per schedule (the
    list endpoint takes no `include`; schedules are few)."""
    for page in client.pages(SCHEDULES_PATH, params={"pageSize": page_size}, what="schedules"):
        for schedule in page:
            path = f"{SCHEDULES_PATH}/{quote(str(schedule.get('id')), safe='')}"
            body = client.get_json(path, {"include": "holidays"}, what="holidays")
            rows = [to_row(record, RECORDS) for record in included_records(body)]
            for row in rows:
                row.setdefault("schedule_id", schedule.get("id"))
            yield rows


def read_custom_attributes(
    client: KustomerClient, schema: OrgSchema, page_size: int
) -> Iterator[TPage]:
    """The definitions read at source creation (no request of its own)."""
    yield [d.row(schema.table_of_resource(d.resource)) for d in schema.definitions]


_TIMES = {"createdAt": {"data_type": "timestamp"}, "updatedAt": {"data_type": "timestamp"}}

EXTRA_TABLES: tuple[ExtraTable, ...] = (
    ExtraTable(
        "slas",
        SLAS_PATH,
        SLA_ROLE,
        {"id": {"data_type": "text"}, "currentVersion": {"data_type": "bigint"}, **_TIMES},
        "GET /v1/slas?versions=all read whole each run, replaced (no time filter; few SLAs).",
        read_slas,
    ),
    ExtraTable(
        "sla_versions",
        SLAS_PATH,
        SLA_ROLE,
        {
            "id": {"data_type": "text"},
            "sla_id": {"data_type": "text"},
            "name": {"data_type": "text"},
            "description": {"data_type": "text"},
            "version": {"data_type": "bigint"},
            "hours": {"data_type": "text"},
            "criteria": {"data_type": "json"},
            **_TIMES,
        },
        "The `included` versions of GET /v1/slas?versions=all (a list or one object), replaced.",
        read_sla_versions,
    ),
    ExtraTable(
        "sla_targets",
        SLAS_PATH,
        SLA_ROLE,
        {
            "sla_version_id": {"data_type": "text"},
            "sla_id": {"data_type": "text"},
            "metric": {"data_type": "text"},
            "enabled": {"data_type": "bool"},
            "priority": {"data_type": "bigint"},
            "target_ms": {"data_type": "bigint"},
        },
        "Each version's metrics.<metric>.times per priority as rows, replaced with the versions.",
        read_sla_targets,
        ("sla_version_id", "metric", "priority"),
    ),
    ExtraTable(
        "holidays",
        SCHEDULES_PATH,
        "org.permission.schedule.read",
        {
            "id": {"data_type": "text"},
            "schedule_id": {"data_type": "text"},
            "name": {"data_type": "text"},
            "description": {"data_type": "text"},
            "enabled": {"data_type": "bool"},
            "startDate": {"data_type": "timestamp"},
            "endDate": {"data_type": "timestamp"},
            "modifiedAt": {"data_type": "timestamp"},
            **_TIMES,
        },
        "GET /v1/schedules/{id}?include=holidays for every schedule, replaced each run.",
        read_holidays,
    ),
    ExtraTable(
        "custom_attributes",
        "/v1/metadata/{resource}",
        "org.permission.metadata.read",
        {
            "resource": {"data_type": "text"},
            "name": {"data_type": "text"},
            "table_name": {"data_type": "text"},
            "column_name": {"data_type": "text"},
            "display_name": {"data_type": "text"},
            "type": {"data_type": "text"},
            "column_type": {"data_type": "text"},
            "target": {"data_type": "text"},
            "multi": {"data_type": "bool"},
            "tree": {"data_type": "json"},
            "modified_at": {"data_type": "timestamp"},
            "updated_at": {"data_type": "timestamp"},
            "deleted_at": {"data_type": "timestamp"},
        },
        "The definitions of GET /v1/metadata/{resource} read at source creation, replaced.",
        read_custom_attributes,
        ("resource", "name"),
    ),
)
