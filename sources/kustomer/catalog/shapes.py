"""Kustomer's documented record shapes (`shapes.json`) as typed Python objects.

A neutral module: standard library only, importing neither the dlt source nor the sandbox, so
both (and the tests) may read it without the sandbox depending on the source or the reverse.
`shapes.json` is derived from Kustomer's documentation by `scripts/derive_shapes.py`; its
`about` says how. Conflict rule: the real API sends what Kustomer documents; where the AppFlow
field list types an attribute otherwise (`Shape.appflow`), the documented shape wins.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

SHAPES_PATH = Path(__file__).with_name("shapes.json")

RelKind = Literal["one", "many", "links"]

#: documented JSON type -> the Python types its values decode to
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


@dataclass(frozen=True)
class Shape:
    """The documented shape of one value: JSON type, nested keys or item shape."""

    type: str
    nullable: bool = False
    properties: Mapping[str, Shape] = field(default_factory=dict)
    items: Shape | None = None
    #: AppFlow's type for a top-level attribute (second opinion), if AppFlow lists it
    appflow: str | None = None
    #: an object whose keys are data (a language, a weekday, a name): what they are
    keyed_by: str | None = None

    def problems(self, value: Any, where: str) -> list[str]:
        """What in ``value`` contradicts this shape (keys the shape lacks are allowed)."""
        if value is None or self.type == "any":
            return []
        expected = JSON_TYPES.get(self.type, (object,))
        if isinstance(value, bool) and bool not in expected:
            return [f"{where}: {self.type} expected, got a boolean"]
        if not isinstance(value, expected):
            return [f"{where}: {self.type} expected, got {type(value).__name__}"]
        out: list[str] = []
        if isinstance(value, dict) and self.keyed_by is None:
            for key, sub in self.properties.items():
                if key in value:
                    out += sub.problems(value[key], f"{where}.{key}")
        elif isinstance(value, list) and self.items is not None:
            for n, item in enumerate(value):
                out += self.items.problems(item, f"{where}[{n}]")
        return out


@dataclass(frozen=True)
class Relationship:
    """One documented relationship of an object."""

    name: str
    #: one: data {type, id}; many: data [{type, id}]; links: links.self only
    kind: RelKind
    #: the record type its data points at
    target: str
    #: carries links.self
    links: bool
    #: "OAS examples" or "inferred from the name"
    target_from: str
    #: the relationship value is itself the list (kb_articles accessUsers/accessTeams)
    bare: bool = False
    #: only on the records that have such a link (messages' attachments)
    optional: bool = False


@dataclass(frozen=True)
class Envelope:
    """The documented response body around the records."""

    #: top-level keys
    top: tuple[str, ...]
    meta: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    single: bool = False
    #: documented `meta` with no fixed keys
    meta_free_form: bool = False
    #: False where the documented records have no `id` (outbound accounts)
    records_have_id: bool = True
    source: str = ""


@dataclass(frozen=True)
class ObjectShape:
    """The documented shape of one of the 48 objects (or of the current user)."""

    table: str
    documented: bool
    sources: tuple[str, ...]
    #: record `type` where an example shows it
    record_type: str | None
    attributes: Mapping[str, Shape]
    #: None where the documented record has no `relationships` key
    relationships: Mapping[str, Relationship] | None
    #: keys of the record's `links` (empty: the documented record has none)
    record_links: tuple[str, ...]
    envelope: Envelope
    #: AppFlow fields the documents do not show
    appflow_only: tuple[str, ...] = ()
    #: attributes whose documented JSON type differs from AppFlow's
    conflicts: tuple[str, ...] = ()
    #: attributes whose keys are data (documented or AppFlow-only) -> what the keys are
    maps: Mapping[str, str] = field(default_factory=dict)


def _shape(raw: Mapping[str, Any]) -> Shape:
    return Shape(
        type=raw["type"],
        nullable=bool(raw.get("nullable")),
        properties={k: _shape(v) for k, v in raw.get("properties", {}).items()},
        items=_shape(raw["items"]) if "items" in raw else None,
        appflow=raw.get("appflow"),
        keyed_by=raw.get("keyed_by"),
    )


def _envelope(raw: Mapping[str, Any]) -> Envelope:
    return Envelope(
        top=tuple(raw.get("top", ())),
        meta=tuple(raw.get("meta", ())),
        links=tuple(raw.get("links", ())),
        single=bool(raw.get("single")),
        meta_free_form=bool(raw.get("meta_free_form")),
        records_have_id=raw.get("records_have_id", True),
        source=raw.get("from", ""),
    )


def _object(table: str, raw: Mapping[str, Any]) -> ObjectShape:
    rels = raw.get("relationships")
    return ObjectShape(
        table=table,
        documented=raw.get("documented", True),
        sources=tuple(raw.get("sources", ())),
        record_type=raw.get("record_type"),
        attributes={k: _shape(v) for k, v in raw["attributes"].items()},
        relationships=None
        if rels is None
        else {
            name: Relationship(
                name=name,
                kind=r["kind"],
                target=r["target"],
                links=bool(r["links"]),
                target_from=r.get("target_from", ""),
                bare=bool(r.get("bare")),
                optional=bool(r.get("optional")),
            )
            for name, r in rels.items()
        },
        record_links=tuple(raw.get("record_links", ())),
        envelope=_envelope(raw["envelope"]),
        appflow_only=tuple(raw.get("appflow_only", ())),
        conflicts=tuple(raw.get("conflicts", ())),
        maps=dict(raw.get("maps", {})),
    )


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHAPES_PATH.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=1)
def load_shapes() -> dict[str, ObjectShape]:
    """The 48 objects' documented shapes by table name (the AppFlow list's order)."""
    return {table: _object(table, raw) for table, raw in _raw()["objects"].items()}


def current_user() -> ObjectShape:
    """The documented shape of `GET /v1/users/current` (a single user)."""
    return _object("users_current", _raw()["current_user"])


def included(record_type: str) -> ObjectShape:
    """The documented shape of a side-loaded record (`attachment`)."""
    return _object(record_type, _raw()["included"][record_type])


def search_envelope() -> Envelope:
    """The documented body of `POST /v1/customers/search`."""
    return _envelope(_raw()["search_envelope"])
