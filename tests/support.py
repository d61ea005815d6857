"""Helpers the tests share: a pipeline into a DuckDB file of its own, and the spec."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.common.normalizers.naming.snake_case import NamingConvention

from kustomer_source import kustomer_source
from kustomer_source.sandbox import Sandbox

REPO = Path(__file__).resolve().parent.parent
SHARED_SPEC = REPO.parent / "shared" / "spec" / "appflow_kustomer_objects.json"
PACKAGED_SPEC = REPO / "kustomer_source" / "sandbox" / "appflow_objects.json"
NAMING = NamingConvention()


class Loader:
    """A `kustomer` pipeline into a DuckDB file of the test's own, plus ways to read it back."""

    def __init__(self, tmp_path: Path) -> None:
        self.db_path = str(tmp_path / "kustomer.duckdb")
        self.pipeline = dlt.pipeline(
            pipeline_name=f"kustomer_{uuid.uuid4().hex[:8]}",
            destination=dlt.destinations.duckdb(self.db_path),
            dataset_name="kustomer_data",
            pipelines_dir=str(tmp_path / "pipelines"),
        )

    def run(self, sb: Sandbox, objects: list[str] | None = None, **source_args: Any) -> Any:
        source_args.setdefault("api_key", sb.token)
        source_args.setdefault("base_url", sb.base_url)
        source = kustomer_source(**source_args)
        if objects:
            source = source.with_resources(*objects)
        return self.pipeline.run(source, loader_file_format="parquet")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(self.db_path, read_only=True) as con:
            return con.execute(sql).fetchall()

    def tables(self) -> set[str]:
        rows = self.query(
            "select table_name from information_schema.tables where table_schema='kustomer_data'"
        )
        return {name for (name,) in rows}

    def columns(self, table: str) -> dict[str, str]:
        rows = self.query(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema='kustomer_data' and table_name='{table}'"
        )
        return dict(rows)

    def count(self, table: str, where: str = "true") -> int:
        return int(self.query(f"select count(*) from kustomer_data.{table} where {where}")[0][0])

    def ids(self, table: str) -> set[str]:
        return {row[0] for row in self.query(f"select id from kustomer_data.{table}")}


def snake(name: str) -> str:
    """The destination column name dlt gives an API name (`createdBy` -> `created_by`)."""
    return NAMING.normalize_identifier(name)


def spec_objects() -> list[dict[str, Any]]:
    """The AppFlow object list: from ../shared when the checkout has it, else the packaged copy."""
    path = SHARED_SPEC if SHARED_SPEC.exists() else PACKAGED_SPEC
    return list(json.loads(path.read_text())["objects"])


def files_containing(root: Path, needle: str) -> list[str]:
    """Files under root whose bytes contain needle (for checking the API key leaks nowhere)."""
    hits = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            try:
                if needle.encode() in path.read_bytes():
                    hits.append(str(path))
            except OSError:
                continue
    return hits
