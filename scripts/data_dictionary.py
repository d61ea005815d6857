"""Writes docs/tables.md, the data dictionary: every table and column a demo load lands, its type,
the Kustomer field or relationship it comes from, a one-line meaning, how the tables join.

    python scripts/data_dictionary.py            # regenerate docs/tables.md
    python scripts/data_dictionary.py --check    # exit 1 when docs/tables.md is out of date

It loads the sandbox org of the demo (seed 7, scale 200) into a throwaway DuckDB file and reads
dlt's schema of that load (tables, columns, types, parent tables), the catalog (API path, sync,
role) and the documented shapes (relationships and their targets). Meanings come from
`scripts/table_meanings.py`; a field without a line there gets one phrased from its name, in
italics. Any change to the tables or columns must regenerate the file in the same commit
(`tests/integration/test_dictionary.py` fails otherwise).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dlt  # noqa: E402
from dlt.common.schema import Schema  # noqa: E402
from dlt.common.schema.typing import TTableSchema  # noqa: E402
from table_meanings import FIELDS, ORIGINS, TABLES  # noqa: E402

from kustomer_source import CATALOG, kustomer_source  # noqa: E402
from kustomer_source.catalog.shapes import load_shapes  # noqa: E402

OUTPUT = ROOT / "docs" / "tables.md"
SEED, SCALE = 7, 200  # the demo's org

TARGET_TABLES = {
    "app": "apps",
    "attachment": "message_attachments",
    "brand": "brands",
    "company": "companies",
    "conversation": "conversations",
    "customer": "customers",
    "kb_article": "kb_articles",
    "kb_category": "categories",
    "klass": "klasses",
    "message": "messages",
    "note": "notes",
    "outbound_webhook": "outbound_webhooks",
    "queue": "routing_queues",
    "schedule": "schedules",
    "team": "teams",
    "user": "users",
    "work_session": "routing_work_sessions",
}
"""A relationship's documented target -> the table that holds those records."""

ER_TABLES = ("customers", "companies", "conversations", "messages", "notes", "users", "teams")
"""The main tables, drawn in the entity-relationship diagram."""

ER_SKIPPED = {"createdBy", "modifiedBy", "org"}
"""Relationships every table has, left out of the diagram (they all point at users)."""

ER_LISTS = {
    "conversations__assigned_users": "users",
    "conversations__assigned_teams": "teams",
    "teams__members": "users",
}
"""Child tables of ids the diagram draws as links between two main tables."""

DLT_COLUMNS = {
    "_dlt_id": "Row key dlt gives each row; the rows of child tables point to it.",
    "_dlt_load_id": "The load package that wrote the row (joins `_dlt_loads.load_id`).",
    "_dlt_parent_id": "`_dlt_id` of the parent row this item belongs to.",
    "_dlt_list_idx": "Position of the item in its list, from 0.",
    "_dlt_root_id": "`_dlt_id` of the top-level record (the root table's row).",
}


SOURCE_COLUMNS = {
    "_kustomer_deleted_at": (
        "When a run found the record gone from the org (hard-deleted, merged away, expired by a "
        "retention rule); null while the org has it. See docs/incremental.md."
    ),
    "merged_into_id": "The record this one was merged into (with `_kustomer_deleted_at`).",
}
"""Columns the source adds to every merged object's table (`kustomer_source/removals.py`)."""


def demo_schema() -> Schema:
    """dlt's schema after a full load of the demo org into a throwaway DuckDB file."""
    from kustomer_sandbox import serve  # the script, not the source, starts the sandbox

    with tempfile.TemporaryDirectory() as work, serve(seed=SEED, scale=SCALE) as sandbox:
        pipeline = dlt.pipeline(
            pipeline_name="kustomer_dictionary",
            destination=dlt.destinations.duckdb(str(Path(work) / "dictionary.duckdb")),
            dataset_name="kustomer_data",
            pipelines_dir=str(Path(work) / "pipelines"),
        )
        source = kustomer_source(api_key=sandbox.token, base_url=sandbox.base_url)
        pipeline.run(source, loader_file_format="parquet")
        return pipeline.default_schema.clone()


class Names:
    """The API's camelCase names behind dlt's snake_case ones."""

    def __init__(self, schema: Schema) -> None:
        normalize = schema.naming.normalize_identifier
        self.known: dict[str, str] = {}
        shapes = load_shapes()
        for obj in CATALOG.values():
            for name in obj.fields:
                self.known.setdefault(normalize(name), name)
            shape = shapes.get(obj.table)
            if shape is None:
                continue
            for name in shape.attributes:
                self.known.setdefault(normalize(name), name)
            self._nested(normalize, shape.attributes.values())
            for name in shape.relationships or {}:
                self.known.setdefault(normalize(name), name)

    def _nested(self, normalize: Any, shapes: Any) -> None:
        for shape in shapes:
            for name, sub in shape.properties.items():
                self.known.setdefault(normalize(name), name)
                self._nested(normalize, [sub])
            if shape.items is not None:
                self._nested(normalize, [shape.items])

    def api(self, snake: str) -> str:
        """`first_response` -> `firstResponse` (the known spelling, else camelCase)."""
        if snake in self.known:
            return self.known[snake]
        head, *rest = snake.split("_")
        return head + "".join(part[:1].upper() + part[1:] for part in rest)

    def path(self, column: str) -> list[str]:
        """`first_response__response_time` -> `["firstResponse", "responseTime"]`."""
        return [self.api(part) for part in column.split("__")]


def words(name: str) -> str:
    """`lastMessageAt` -> `last message at`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ")
    return spaced.lower().strip()


def phrased(name: str, data_type: str, parent: str | None) -> str:
    """A meaning read from a field's name, for fields without a line in table_meanings."""
    text = words(name)
    if text.endswith(" at") and data_type in ("timestamp", "text"):
        text = f"time of {text[:-3]}"
    elif text.endswith(" count"):
        counted = text[:-6]
        text = f"number of {counted}" + ("" if counted.endswith("s") else "s")
    elif data_type == "bool" and not text.startswith(("is ", "has ")):
        text = f"whether {text}"
    text = text[:1].upper() + text[1:]
    if parent:
        text += f" ({words(parent)})"
    return f"*{text}.*"


RECORD_FIELDS = {"id", "createdAt", "updatedAt", "modifiedAt", "name", "deleted", "rev"}
"""Fields whose common meaning is about the record itself, not about a struct inside it."""


def meaning(table: str, path: list[str], data_type: str) -> str:
    """The curated meaning of a field path of a root table, else one phrased from its name."""
    dotted, last = ".".join(path), path[-1]
    if f"{table}.{dotted}" in FIELDS:
        return FIELDS[f"{table}.{dotted}"]
    if len(path) == 1:
        return FIELDS.get(last) or phrased(last, data_type, None)
    parent = words(path[-2])
    if last == "id":
        return f"Id of the {parent}."
    if last == "createdAt":
        return f"When the {parent} happened."
    if last in FIELDS and last not in RECORD_FIELDS:
        return FIELDS[last][:-1] + f" ({parent})."
    return phrased(last, data_type, path[-2])


class Dictionary:
    """The markdown of the data dictionary for one schema."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.names = Names(schema)
        self.shapes = load_shapes()
        self.tables = {
            t["name"]: t for t in schema.data_tables() if not t["name"].startswith("_dlt")
        }
        normalize = schema.naming.normalize_identifier
        self.relations: dict[str, dict[str, tuple[str, str, str]]] = {}
        """table -> column -> (relationship, kind, target)"""
        for table, shape in self.shapes.items():
            for rel_name, rel in (shape.relationships or {}).items():
                suffix = "_id" if rel.kind == "one" else "_ids"
                column = normalize(rel_name) + suffix
                self.relations.setdefault(table, {})[column] = (rel_name, rel.kind, rel.target)

    def root_of(self, name: str) -> str:
        table = self.tables[name]
        while table.get("parent"):
            table = self.tables[table["parent"]]
        return table["name"]

    def children(self, name: str) -> list[str]:
        return sorted(t for t, table in self.tables.items() if table.get("parent") == name)

    def list_path(self, name: str) -> list[str]:
        """The field path (camelCase) of the list a child table holds, from its root record."""
        table = self.tables[name]
        parent = table["parent"]
        segment = name[len(parent) + 2 :]
        path = self.names.path(segment)
        if parent in CATALOG or not self.tables[parent].get("parent"):
            return path  # a child of a root table (of the catalog or beyond it)
        return [*self.list_path(parent), "[]", *path]

    def text(self) -> str:
        roots = sorted(t for t in self.tables if t in CATALOG)
        extra = sorted(
            t for t in self.tables if not self.tables[t].get("parent") and t not in CATALOG
        )
        out = [
            "# Data dictionary",
            "",
            "Every table and column a load of the demo org lands in `kustomer_data`, with its "
            "type, the Kustomer field or relationship it comes from and what it means. "
            "Generated by `python scripts/data_dictionary.py` from the catalog "
            "(`kustomer_source/catalog/objects.py`), the documented shapes "
            "(`kustomer_source/catalog/shapes.json`) and dlt's schema of a demo load; do not "
            "edit by hand. A real org can have more "
            "columns (custom attributes, `custom__*`) and more child tables (lists the demo "
            "leaves empty), named by the same rules.",
            "",
            f"{len(roots) + len(extra)} top-level tables, "
            f"{len(self.tables) - len(roots) - len(extra)} child tables, "
            f"{sum(len(t['columns']) for t in self.tables.values())} columns.",
            "",
            "How to read it:",
            "",
            "- **type** is dlt's data type (text, timestamp = timestamp with time zone, bigint, "
            "double, bool, json, ...); DuckDB, PostgreSQL and the other destinations map it to "
            "their own.",
            "- **from** is where the value sits in the API's JSON:API record: `attributes.x`, "
            "`relationships.x.data.id`; `[]` marks the items of a list.",
            "- A list field becomes a child table `<table>__<field>`, one row per item, joined to "
            "its parent on `child._dlt_parent_id = parent._dlt_id` (and to the top-level record "
            "on `_dlt_root_id`); a list of plain values has the item in `value`. A struct field "
            "becomes columns `<field>__<key>`.",
            "- A to-one relationship becomes `<relationship>_id`, which joins the target "
            "table's `id`; a to-many relationship becomes a child table `<table>__<name>_ids`.",
            "- *Meanings in italics* are read from the field's name (no line for it in "
            "`scripts/table_meanings.py` yet).",
            "",
            "## Main tables and how they join",
            "",
            *self.diagram(),
            "",
            "## Tables",
            "",
            "| table | what it holds | API | sync | child tables |",
            "|---|---|---|---|---|",
        ]
        for name in roots:
            obj = CATALOG[name]
            kids = sum(1 for t in self.tables if t != name and self.root_of(t) == name)
            sync = {"search": "merge on id, incremental on updatedAt", "append": "append, "
                    "incremental on createdAt"}.get(obj.sync, "replace")  # fmt: skip
            out.append(
                f"| [`{name}`](#{name}) | {TABLES.get(name, '')} | `GET {obj.path}` | {sync} | "
                f"{kids} |"
            )
        for name in extra:
            out.append(f"| [`{name}`](#{name}) | {TABLES.get(name, '')} | | | |")
        for name in [*roots, *extra]:
            out += ["", *self.root_section(name)]
        return "\n".join(out) + "\n"

    def diagram(self) -> list[str]:
        lines = ["```mermaid", "erDiagram"]
        present = [t for t in ER_TABLES if t in self.tables]
        edges = {}
        for table in present:
            for column, (rel, kind, target) in sorted(self.relations.get(table, {}).items()):
                other = TARGET_TABLES.get(target)
                if rel in ER_SKIPPED or kind != "one" or other not in present:
                    continue
                if column in self.tables[table]["columns"]:
                    edges[column, table] = other
                    lines.append(f'    {other} ||--o{{ {table} : "{column}"')
        for child, other in ER_LISTS.items():
            parent = self.tables.get(child, {}).get("parent")
            if parent in present and other in present:
                lines.append(f'    {parent} ||--o{{ {child} : "_dlt_parent_id"')
                lines.append(f'    {other} ||--o{{ {child} : "value"')
                lines.append(f"    {child} {{")
                lines.append("        text value FK")
                lines.append("        text _dlt_parent_id FK")
                lines.append("    }")
        for table in present:
            columns = self.tables[table]["columns"]
            lines.append(f"    {table} {{")
            keys = ["id", *sorted(column for column, t in edges if t == table)]
            keys += [c for c in ("created_at", "updated_at") if c in columns]
            for column in keys:
                data_type = columns[column].get("data_type", "text")
                mark = " PK" if column == "id" else (" FK" if column.endswith("_id") else "")
                lines.append(f"        {data_type} {column}{mark}")
            lines.append("    }")
        lines.append("```")
        return lines

    def root_section(self, name: str) -> list[str]:
        table = self.tables[name]
        obj = CATALOG.get(name)
        out = [f"### `{name}`", "", TABLES.get(name, "")]
        if obj is not None:
            role = f", role `{obj.role}`" if obj.role else ""
            out += ["", f"From `GET {obj.path}`{role}. {obj.why}"]
        out += ["", *self.columns_table(name, table, None)]
        for child in sorted(t for t in self.tables if t != name and self.root_of(t) == name):
            out += ["", *self.child_section(name, child)]
        return out

    def child_section(self, root: str, name: str) -> list[str]:
        table = self.tables[name]
        parent = table["parent"]
        relation = self.relations.get(root, {}).get(name[len(root) + 2 :])
        if relation is not None and parent == root:
            rel, _, target = relation
            source = f"`relationships.{rel}.data[].id`"
            what = f"Ids of the {words(target)} records of the `{rel}` relationship, one per row."
            other = TARGET_TABLES.get(target)
            if other:
                what += f" `value` joins `{other}.id`."
        else:
            path = self.list_path(name)
            source = "`attributes." + ".".join(path).replace(".[]", "[]") + "[]`"
            what = f"One row per item of the list {source}."
            field = [p for p in path if p != "[]"]
            curated = meaning(root, field, "json")
            if not curated.startswith("*"):
                what += f" {curated}"
        out = [
            f"#### `{name}`",
            "",
            f"{what} Joins `{parent}` on `{name}._dlt_parent_id = {parent}._dlt_id`.",
            "",
            *self.columns_table(root, table, source),
        ]
        return out

    def columns_table(self, root: str, table: TTableSchema, items: str | None) -> list[str]:
        rows = ["| column | type | from | meaning |", "|---|---|---|---|"]
        columns = table["columns"]
        order = sorted(columns, key=lambda c: (c != "id", c.startswith("_dlt"), c))
        for column in order:
            hints = columns[column]
            data_type = str(hints.get("data_type", "?"))
            source, what = self.column(root, table["name"], column, data_type, items)
            flags = [f for f in ("primary_key", "unique") if hints.get(f)]
            if hints.get("incremental"):
                flags.append("cursor")
            shown = data_type + (f" ({', '.join(flags)})" if flags else "")
            rows.append(f"| `{column}` | {shown} | {source} | {what} |")
        return rows

    def column(
        self, root: str, table: str, column: str, data_type: str, items: str | None
    ) -> tuple[str, str]:
        """(from, meaning) of one column."""
        if column in DLT_COLUMNS:
            return "dlt", DLT_COLUMNS[column]
        if column == "_root_updated_at":
            return "dlt", "`updated_at` of the top-level record (Delta tables only)."
        if column in SOURCE_COLUMNS:
            return "this source", SOURCE_COLUMNS[column]
        base, variant = column, ""
        if "__v_" in column:
            base, kind = column.rsplit("__v_", 1)
            variant = f" Values that did not fit the column's type, as {kind}."
        if items is not None:  # a child table: columns are the items or their keys
            if base == "value":
                return items, "The list item." + variant
            path = self.names.path(base)
            return f"{items[:-1]}.{'.'.join(path)}`", meaning(root, path, data_type) + variant
        if base == "id":
            return "`id`", FIELDS["id"]
        if f"{table}.{base}" in ORIGINS:
            return ORIGINS[f"{table}.{base}"], meaning(root, self.names.path(base), data_type)
        relation = self.relations.get(root, {}).get(base)
        if relation is not None:
            rel, _, target = relation
            other = TARGET_TABLES.get(target)
            joins = f" Joins `{other}.id`." if other else ""
            return (
                f"`relationships.{rel}.data.id`",
                f"Id of the {words(target)} of the `{rel}` relationship.{joins}{variant}",
            )
        if base.startswith("custom__"):
            path = self.names.path(base[len("custom__") :])
            return (
                f"`attributes.custom.{'.'.join(path)}`",
                f"Custom attribute {'.'.join(path)} (defined per org).{variant}",
            )
        path = self.names.path(base)
        return f"`attributes.{'.'.join(path)}`", meaning(root, path, data_type) + variant


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=str(OUTPUT), help="where to write (docs/tables.md)")
    parser.add_argument(
        "--check", action="store_true", help="compare with --output instead of writing it"
    )
    args = parser.parse_args(argv)
    text = Dictionary(demo_schema()).text()
    target = Path(args.output)
    if args.check:
        if not target.exists() or target.read_text() != text:
            print(f"{target} is out of date: run python scripts/data_dictionary.py")
            return 1
        print(f"{target} is up to date")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
