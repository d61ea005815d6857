"""JSON:API record -> destination row: id, attributes at top level, relationship ids, no secrets."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

TRow = dict[str, Any]


def hash_secret(value: Any) -> Any:
    """Replaces a secret scalar by `sha256:<hex>`; dicts and lists are hashed leaf by leaf."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {key: hash_secret(item) for key, item in value.items()}
    if isinstance(value, list):
        return [hash_secret(item) for item in value]
    return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()


def relationship_columns(relationships: dict[str, Any] | None) -> TRow:
    """`{"customer": {"data": {"id": "c1"}}}` -> `{"customer_id": "c1"}`; to-many -> `<rel>_ids`."""
    columns: TRow = {}
    for name, rel in (relationships or {}).items():
        data = rel.get("data") if isinstance(rel, dict) else None
        if isinstance(data, dict):
            columns[f"{name}_id"] = data.get("id")
        elif isinstance(data, list):
            columns[f"{name}_ids"] = [item.get("id") for item in data if isinstance(item, dict)]
    return columns


def to_row(record: dict[str, Any], secrets: Iterable[str] = ()) -> TRow:
    """Flattens one JSON:API record into a row; `secrets` attributes are hashed, never landed."""
    attributes = record.get("attributes") or {}
    # nulls carry nothing a missing key does not, and a null list or struct would only leave an
    # untyped column behind (typed columns exist anyway, from the catalog's hints)
    row: TRow = {key: value for key, value in attributes.items() if value is not None}
    for name in secrets:
        if name in row:
            row[name] = hash_secret(row[name])
    row.update(relationship_columns(record.get("relationships")))
    row["id"] = record.get("id")
    return row
