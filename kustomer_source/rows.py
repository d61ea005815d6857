"""JSON:API record -> destination row: id, attributes at top level, relationship ids, no secrets."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kustomer_source.catalog import KustomerObject

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


def epoch_time(value: float) -> str:
    """An integer time as ISO 8601 UTC: milliseconds since the epoch, or seconds when too small
    to be milliseconds after 1973 (*inferred*: the docs give no unit where they type a time as
    an integer, as for routing queues' `createdAt`; Kustomer's other integer times are in
    milliseconds)."""
    seconds = value / 1000 if abs(value) >= 1e11 else value
    stamp = datetime.fromtimestamp(seconds, timezone.utc)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def relationship_columns(relationships: dict[str, Any] | None, obj: KustomerObject) -> TRow:
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


def to_row(record: dict[str, Any], obj: KustomerObject) -> TRow:
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
