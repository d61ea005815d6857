"""The catalog against the AppFlow spec and the documented shapes: every field there, with a
landing that fits its type."""

from __future__ import annotations

from helpers.loading import snake, spec_objects

from kustomer_source import CATALOG, OBJECTS
from kustomer_source.catalog.shapes import load_shapes

APPFLOW_KINDS = {"nested object": "struct", "nested list": "list"}
# documented JSON type -> the landings the catalog may give it
DOCUMENTED_LANDINGS = {
    "string": {"text", "timestamp"},
    "integer": {"bigint"},
    "number": {"double"},
    "boolean": {"bool"},
    "object": {"struct", "json"},
    "array": {"list", "json"},
    "any": {"text"},
}


def test_catalog_covers_the_spec() -> None:
    """Every AppFlow field is in the catalog with AppFlow's type, as its landing or, where the
    landing deliberately differs (a JSON column), recorded in `appflow`."""
    spec = {o["table"]: o for o in spec_objects()}
    assert set(spec) == set(CATALOG) and len(OBJECTS) == 48
    total = 0
    for table, obj in spec.items():
        entry = CATALOG[table]
        for field in obj["fields"]:
            total += 1
            if field["column"] == "id":
                continue
            names = {n for n in entry.fields if snake(n) == field["column"]}
            assert names, f"{table}.{field['column']} missing from the catalog"
            name = names.pop()
            kind = entry.appflow.get(name, entry.fields[name])
            expected = APPFLOW_KINDS.get(field["dlt_type"], field["dlt_type"])
            assert kind == expected, f"{table}.{field['column']}: {kind} != {expected}"
        assert all(entry.fields[name] == "json" for name in entry.appflow), table
    assert total == 639


def test_catalog_covers_the_documented_shapes() -> None:
    """Every documented attribute has a landing that fits its documented type; every documented
    map keyed by data lands as one JSON column."""
    for table, shape in load_shapes().items():
        entry = CATALOG[table]
        for name, attribute in shape.attributes.items():
            assert name in entry.fields, f"{table}.{name} is documented but not in the catalog"
            kind = entry.fields[name]
            allowed = set(DOCUMENTED_LANDINGS[attribute.type])
            if attribute.appflow == "String":
                allowed.add("text")  # the conflict rule: strings land, object keys unnest
            if name in entry.integer_times:
                allowed.add("timestamp")
            assert kind in allowed, f"{table}.{name}: documented {attribute.type}, lands {kind}"
        for name in shape.maps:
            assert entry.fields[name] == "json", f"{table}.{name} is keyed by data"
