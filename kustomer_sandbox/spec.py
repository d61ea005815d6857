"""The AppFlow field list (``appflow_objects.json``) as typed Python objects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SPEC_PATH = Path(__file__).with_name("appflow_objects.json")

#: Spec field types and the Python types their JSON values decode to.
JSON_TYPES: dict[str, tuple[type, ...]] = {
    "String": (str,),
    "DateTime": (str,),
    "Boolean": (bool,),
    "Integer": (int,),
    "Long": (int,),
    "Double": (float, int),
    "Struct": (dict,),
    "List": (list,),
}


def camel(column: str) -> str:
    """lowerCamelCase of a snake_case column: ``display_color`` -> ``displayColor``."""
    head, *rest = column.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


@dataclass(frozen=True)
class Field:
    """One spec field: the API attribute name, its snake column and AppFlow type."""

    name: str
    column: str
    type: str


@dataclass(frozen=True)
class ObjectSpec:
    """One of the 48 objects: its table name and its attribute fields (``id`` excluded)."""

    table: str
    appflow_name: str
    fields: tuple[Field, ...]

    @property
    def names(self) -> frozenset[str]:
        """Attribute names of the object."""
        return frozenset(f.name for f in self.fields)

    def by_column(self, column: str) -> Field | None:
        """The field whose snake column is ``column``."""
        for f in self.fields:
            if f.column == column:
                return f
        return None


@lru_cache(maxsize=1)
def load_spec() -> dict[str, ObjectSpec]:
    """All 48 objects by table name, in the file's order."""
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    out: dict[str, ObjectSpec] = {}
    for obj in raw["objects"]:
        fields = tuple(
            Field(name=camel(f["column"]), column=f["column"], type=f["type"])
            for f in obj["fields"]
            if f["column"] != "id"  # the JSON:API record id, not an attribute
        )
        out[obj["table"]] = ObjectSpec(obj["table"], obj["appflow_name"], fields)
    return out
