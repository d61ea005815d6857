"""JSON:API record -> destination row: id, attributes at top level, relationship ids, no secrets."""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from .api.times import epoch_time

TRow = dict[str, Any]
TPage = list[TRow]
"""What every reader yields: one page of rows at a time."""


class RowShape(Protocol):
    """What turning a record into a row needs to know of its object (a catalog entry)."""

    @property
    def secrets(self) -> tuple[str, ...]: ...

    @property
    def integer_times(self) -> tuple[str, ...]: ...

    @property
    def by_language(self) -> tuple[str, ...]: ...

    def language_prefix(self, relationship: str) -> str | None: ...


def hash_secret(value: Any) -> Any:
    """Replaces a secret scalar by `sha256:<hex>`; dicts and lists are hashed leaf by leaf."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {key: hash_secret(item) for key, item in value.items()}
    if isinstance(value, list):
        return [hash_secret(item) for item in value]
    return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()


def relationship_columns(relationships: dict[str, Any] | None, obj: RowShape) -> TRow:
    """`{"customer": {"data": {"id": "c1"}}}` -> `{"customer_id": "c1"}`; a list of ids (to-many,
    as `data` or as the relationship itself) -> `<name>_ids`; links only -> nothing; a
    `<name>_<lang>` relationship of a `by_language` name -> a `{lang, id}` item of `<name>_ids`."""
    columns: TRow = {}
    for name, rel in (relationships or {}).items():
        data = rel.get("data") if isinstance(rel, dict) else rel
        prefix = obj.language_prefix(name) if obj.by_language else None
        if prefix is not None:
            if isinstance(data, dict):
                item = {"lang": name[len(prefix) + 1 :], "id": data.get("id")}
                columns.setdefault(f"{prefix}_ids", []).append(item)
        elif isinstance(data, dict):
            columns[f"{name}_id"] = data.get("id")
        elif isinstance(data, list):
            columns[f"{name}_ids"] = [item.get("id") for item in data if isinstance(item, dict)]
    return columns


def to_row(record: dict[str, Any], obj: RowShape) -> TRow:
    """Flattens one JSON:API record of `obj` into a row: its secret attributes hashed, never
    landed; its relationships as ids."""
    attributes = record.get("attributes") or {}
    # nulls carry nothing a missing key does not, and a null list or struct would only leave an
    # untyped column behind (typed columns exist anyway, from the catalog's hints)
    row: TRow = {key: value for key, value in attributes.items() if value is not None}
    for name in obj.secrets:
        if name in row:
            row[name] = hash_secret(row[name])
    for name in obj.integer_times:
        if isinstance(row.get(name), (int, float)) and not isinstance(row[name], bool):
            row[name] = epoch_time(row[name])
    row.update(relationship_columns(record.get("relationships"), obj))
    row["id"] = record.get("id")
    return row


def rows_of(obj: RowShape, records: list[dict[str, Any]]) -> TPage:
    """A page of records as rows (`to_row`)."""
    return [to_row(record, obj) for record in records]
