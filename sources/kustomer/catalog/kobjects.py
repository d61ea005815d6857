"""Custom objects and custom attributes: one table per Klass, typed from the org's metadata.

At source creation the org is asked which Klasses it has (`GET /v1/klasses`, enabled and
disabled; a disabled Klass's resource is not selected, so its table keeps what it holds) and
how its custom attributes are typed (`GET /v1/metadata/{resource}` for customer, conversation,
message, company and each `kobject.<klass>`). Each Klass becomes a search-synced catalog entry
(`kobject_<klass in snake case>`) read by the same readers as customers or conversations, and
every custom attribute a column hint (`custom__<name>`) so it is typed before its first value.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from dlt.common import logger
from dlt.common.normalizers.naming.snake_case import NamingConvention

from ..api.client import KustomerClient
from ..api.errors import KustomerAuthError, KustomerConnectionError, KustomerError
from .objects import KustomerObject, fields

KLASSES_PATH = "/v1/klasses"
KLASS_ROLE = "org.permission.klass.read"
METADATA_ROLE = "org.permission.metadata.read"
#: tables whose records carry `attributes.custom`, and their metadata resource names
CUSTOM_RESOURCES = {
    "customers": "customer",
    "conversations": "conversation",
    "messages": "message",
    "companies": "company",
}
#: Kustomer's custom-attribute name suffixes and the column type each one means
SUFFIX_TYPES = {
    "Bool": "bool",
    "Tree": "text",  # a multi-level list value: a dotted path such as `apparel.kids`
    "Str": "text",
    "Txt": "text",
    "Num": "double",
    "Url": "text",
    "At": "timestamp",
    "Id": "text",
}
#: the metadata `type` of a definition and its column type (inferred beyond string and number,
#: the two the documented examples show)
METADATA_TYPES = {
    "string": "text",
    "text": "text",
    "number": "double",
    "boolean": "bool",
    "date": "timestamp",
    "datetime": "timestamp",
}
#: the standard attributes of a KObject (Core Resources OAS `GET /v1/klasses/{name}`)
KOBJECT_FIELDS = fields(
    timestamp="createdAt updatedAt modifiedAt deletedAt",
    text="title icon externalId description klassDisplayName status",
    bigint="rev",
    bool="deleted",
    list="images tags",
)
#: relationship id columns every KObject table gets (the OAS: org, klass; KObjects of a
#: customer or company, `GET /v1/customers/{id}/klasses/{name}`: customer, company)
KOBJECT_RELATIONSHIPS = ("org_id", "klass_id", "customer_id", "company_id")
_naming = NamingConvention()


def table_of(klass: str) -> str:
    """The table of a Klass: `ecomm-order` -> `kobject_ecomm_order`."""
    return "kobject_" + _naming.normalize_identifier(klass)


def suffix_type(name: str) -> str | None:
    """The column type a custom attribute's name suffix gives (`placedAt` -> timestamp)."""
    for suffix, kind in SUFFIX_TYPES.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            return kind
    return None


@dataclass(frozen=True)
class Klass:
    """One Klass of the org, as `GET /v1/klasses` lists it."""

    name: str
    display_name: str
    status: str

    @property
    def table(self) -> str:
        return table_of(self.name)

    @property
    def resource(self) -> str:
        """Its custom-attribute metadata resource (`kobject.<klass>`)."""
        return f"kobject.{self.name}"


@dataclass(frozen=True)
class Definition:
    """One custom attribute's definition, from `GET /v1/metadata/{resource}`."""

    resource: str
    name: str
    properties: dict[str, Any]

    @property
    def column_type(self) -> str | None:
        """The definition's type, else its suffix's; None for a multi-valued reference (a
        list, which lands as a child table)."""
        if self.properties.get("multi") is True:
            return None
        declared = METADATA_TYPES.get(str(self.properties.get("type", "")).lower())
        return declared or suffix_type(self.name)

    def row(self, table: str | None) -> dict[str, Any]:
        """The definition as a row of the `custom_attributes` table."""
        props = self.properties
        row = {
            "resource": self.resource,
            "name": self.name,
            "table_name": table,
            "column_name": _naming.normalize_path(f"custom__{self.name}"),
            "display_name": props.get("displayName"),
            "type": props.get("type"),
            "column_type": self.column_type,
            "enumeration": props.get("enumeration"),
            "target": props.get("target"),
            "multi": props.get("multi"),
            "tree": props.get("tree"),
            "modified_at": props.get("modifiedAt"),
            "updated_at": props.get("updatedAt"),
            "deleted_at": props.get("deletedAt"),
        }
        return {key: value for key, value in row.items() if value is not None}


@dataclass
class OrgSchema:
    """What the org told about its own data model at source creation."""

    klasses: list[Klass] = field(default_factory=list)
    #: disabled Klasses: their tables are kept, and loaded only when named
    disabled: list[Klass] = field(default_factory=list)
    definitions: list[Definition] = field(default_factory=list)
    #: the resources whose metadata could be read (None: the metadata was not asked)
    metadata_read: set[str] | None = None

    def hints(self, table: str) -> dict[str, dict[str, Any]]:
        """Column hints of a table's custom attributes, by the API's names."""
        klass = next((k for k in self.all_klasses if k.table == table), None)
        resource = CUSTOM_RESOURCES.get(table) or (klass.resource if klass else None)
        hints: dict[str, dict[str, Any]] = {
            f"custom__{d.name}": {"data_type": d.column_type}
            for d in self.definitions
            if d.resource == resource and d.column_type
        }
        if klass is not None:  # the documented to-one relationships of a KObject
            hints.update({rel: {"data_type": "text"} for rel in KOBJECT_RELATIONSHIPS})
        return hints

    @property
    def all_klasses(self) -> list[Klass]:
        return [*self.klasses, *self.disabled]

    def table_of_resource(self, resource: str) -> str | None:
        for table, name in CUSTOM_RESOURCES.items():
            if name == resource:
                return table
        return next((k.table for k in self.all_klasses if k.resource == resource), None)


def kobject_object(klass: Klass) -> KustomerObject:
    """The catalog entry of one Klass: search-synced like customers, read whole at first."""
    return KustomerObject(
        klass.table,
        f"{KLASSES_PATH}/{quote(klass.name, safe='')}",
        role=KLASS_ROLE,
        fields=KOBJECT_FIELDS,
        sync="search",
        search_context=f"kobject_{klass.name}",
        search_field="kobject",
        why=(
            f"KObjects of the Klass {klass.name!r}: search (context kobject_{klass.name}) "
            "filters and sorts on kobject_updated_at, so each run reads only what changed and "
            "merges it on id; the first load reads GET /v1/klasses/{name} whole."
        ),
    )


def list_klasses(client: KustomerClient, status: str = "enabled") -> Iterator[Klass]:
    """The org's Klasses of one status (`enabled`, Kustomer's default, or `disabled`)."""
    params = {"pageSize": 100, "status": status}
    for page in client.pages(KLASSES_PATH, params=params, what="klasses"):
        for record in page:
            attributes = record.get("attributes") or {}
            name = attributes.get("name")
            if isinstance(name, str) and name:
                yield Klass(
                    name,
                    str(attributes.get("displayName") or name),
                    str(attributes.get("status") or status),
                )


def read_definitions(client: KustomerClient, resource: str) -> list[Definition]:
    """The custom-attribute definitions of one resource."""
    body = client.get_json(f"/v1/metadata/{quote(resource, safe='.')}", what=f"{resource} metadata")
    data = body.get("data") if isinstance(body, dict) else None
    properties = ((data or {}).get("attributes") or {}).get("properties") or {}
    return [
        Definition(resource, name, props if isinstance(props, dict) else {})
        for name, props in properties.items()
    ]


def discover(client: KustomerClient, kobjects: bool = True, metadata: bool = True) -> OrgSchema:
    """The org's enabled Klasses and its custom-attribute definitions.

    A missing role (klasses, metadata) leaves that part out with a warning; any other error
    leaves everything out, and the resources' own reads report it during the run (the source
    is built before the run, so the error belongs to the run, not to the source's creation).
    """
    schema = OrgSchema()
    try:
        if kobjects:
            try:
                schema.klasses = list(list_klasses(client))
                schema.disabled = list(list_klasses(client, "disabled"))
            except KustomerError as exc:
                if not client.is_missing_role(exc):
                    raise
                logger.warning(
                    f"No KObject tables: the API key lacks the role {KLASS_ROLE} to list Klasses."
                )
        if metadata:
            schema.metadata_read = set()
            resources = [*CUSTOM_RESOURCES.values(), *(k.resource for k in schema.all_klasses)]
            for resource in resources:
                try:
                    schema.definitions += read_definitions(client, resource)
                    schema.metadata_read.add(resource)
                except KustomerError as exc:
                    if not client.is_missing_role(exc):
                        raise
                    logger.warning(
                        f"Custom attributes of {resource} are typed by their values only: the "
                        f"API key lacks the role {METADATA_ROLE}."
                    )
                    break
    except KustomerConnectionError:
        raise  # nothing else will reach the host either: the run stops with one line
    except KustomerAuthError as exc:  # a bad key: the run itself stops with the error
        logger.info(f"Klasses and custom-attribute metadata not read: {exc}")
        return OrgSchema()
    except KustomerError as exc:
        logger.warning(
            f"Klasses and custom-attribute metadata could not be read ({exc}): this run loads "
            "no KObject tables (theirs keep what they hold) and types custom attributes by "
            "their values."
        )
        return OrgSchema()
    return schema


#: an org's Klasses and metadata, kept while `reused_discovery` is active: key -> schema
_reused: dict[tuple[str, str, bool, bool], OrgSchema] | None = None
_reused_lock = threading.Lock()


@contextmanager
def reused_discovery() -> Iterator[None]:
    """Inside the block, sources made for the same host, key and switches share one reading of
    the org's Klasses and custom-attribute metadata (the runner's first load in chunks makes a
    source per chunk; without it each would send the same ten or so requests again)."""
    global _reused
    outer, _reused = _reused, {} if _reused is None else _reused
    try:
        yield
    finally:
        _reused = outer


def discover_once(
    client: KustomerClient, api_key: str, kobjects: bool = True, metadata: bool = True
) -> OrgSchema:
    """`discover`, or what it found for the same host and key inside `reused_discovery`."""
    if _reused is None:
        return discover(client, kobjects, metadata)
    digest = hashlib.sha256(api_key.encode()).hexdigest()
    key = (client.base_url, digest, kobjects, metadata)
    with _reused_lock:  # sources made at once in several threads read the org once
        if key not in _reused:
            schema = discover(client, kobjects, metadata)
            if not (schema.klasses or schema.metadata_read):
                return schema  # nothing read (an error, or all switched off): not kept
            _reused[key] = schema
        return _reused[key]
