"""PostgreSQL as the warehouse: the pipeline script into a real PostgreSQL server, read back and
compared with the sandbox org.

The server comes from `scripts/start_postgres.sh` (which `.ci/run` calls) through the DSN in
KUSTOMER_TEST_POSTGRES. Without it these tests skip on a developer's machine, and fail under CI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers.loading import snake, spec_objects
from helpers.readers import SEARCHED, PostgresReader, assert_reader_equal_to_org, change_the_org

from kustomer_runner.cli import parse_args
from kustomer_runner.load import load_source
from kustomer_runner.pipeline import make_pipeline
from kustomer_sandbox import Sandbox
from kustomer_source import CATALOG, kustomer_source

POSTGRES_TYPES = {
    "text": "character varying",
    "timestamp": "timestamp with time zone",
    "bool": "boolean",
    "bigint": "bigint",
    "double": "double precision",
    "json": "jsonb",
}


def load(
    sb: Sandbox, warehouse: PostgresReader, tmp_path: Path, objects: list[str] | None, *extra: str
) -> Any:
    """One run of the pipeline script's `run()`: `--destination postgres`."""
    argv = ["--destination", "postgres", "--dataset", warehouse.dataset]
    argv += ["--pipelines-dir", str(tmp_path / "pipelines"), *extra]
    if objects:
        argv += ["--objects", ",".join(objects)]
    args = parse_args(argv)
    pipeline = make_pipeline(args)
    source = kustomer_source(api_key=sb.token, base_url=sb.base_url, hard_delete=args.hard_delete)
    info = load_source(pipeline, source, args)
    assert not info.has_failed_jobs
    return pipeline


def test_postgres_every_object_lands_with_spec_types(
    sandbox: Sandbox, warehouse: PostgresReader, tmp_path: Path
) -> None:
    load(sandbox, warehouse, tmp_path, None)
    tables = warehouse.tables()
    for obj in spec_objects():
        table = obj["table"]
        assert table in tables, f"{table} did not land"
        (count,) = warehouse.query(f"select count(*) from {table}")[0]
        assert count == sandbox.control.count(table), table
        columns = warehouse.columns(table)
        appflow = {field["column"] for field in obj["fields"]}
        for name, kind in CATALOG[table].fields.items():
            column = snake(name)
            if kind == "list" and column in appflow:
                assert f"{table}__{column}" in tables, f"{table}.{column}: no child table"
            elif kind not in ("list", "struct"):
                assert columns.get(column) == POSTGRES_TYPES[kind], (
                    table,
                    column,
                    columns.get(column),
                )


def test_postgres_incremental_runs_equal_the_org(
    fresh_sandbox: Sandbox, warehouse: PostgresReader, tmp_path: Path
) -> None:
    sb = fresh_sandbox
    objects = [*SEARCHED, "brands", "audit_logs"]
    load(sb, warehouse, tmp_path, objects)
    assert_reader_equal_to_org(sb, warehouse, SEARCHED)

    change_the_org(sb, SEARCHED)
    sb.control.reset_requests()
    pipeline = load(sb, warehouse, tmp_path, objects)
    assert_reader_equal_to_org(sb, warehouse, SEARCHED)
    # only what changed was read and merged
    changed = pipeline.last_trace.last_normalize_info.row_counts
    assert all(changed.get(t, 0) <= 5 for t in SEARCHED), changed
    brands = {row[0] for row in warehouse.query("select id from brands")}
    assert brands == {r["id"] for r in sb.control.records("brands")}
    (rows, ids) = warehouse.query("select count(*), count(distinct id) from audit_logs")[0]
    assert rows == ids == sb.control.count("audit_logs")


def test_postgres_merge_replaces_list_items_and_hard_deletes(
    fresh_sandbox: Sandbox, warehouse: PostgresReader, tmp_path: Path
) -> None:
    sb = fresh_sandbox
    load(sb, warehouse, tmp_path, ["customers"], "--hard-delete")
    sb.control.advance_clock(60)
    customers = sb.control.records("customers")
    records = [r for r in customers if len(r["attributes"].get("tags") or []) >= 2]
    shrunk, victim = records[0], records[1]
    sb.control.update("customers", shrunk["id"], {"tags": shrunk["attributes"]["tags"][:1]})
    sb.control.soft_delete("customers", victim["id"])
    load(sb, warehouse, tmp_path, ["customers"], "--hard-delete")
    assert_reader_equal_to_org(sb, warehouse, ["customers"], hard_delete=True)
    tags = warehouse.query(
        "select c.id, t.value from customers__tags t "
        "join customers c on t._dlt_root_id = c._dlt_id "
        f"where c.id in ('{shrunk['id']}', '{victim['id']}')"
    )
    assert tags == [(shrunk["id"], shrunk["attributes"]["tags"][0])]
    orphans = warehouse.query(
        "select count(*) from customers__tags t left join customers c "
        "on t._dlt_root_id = c._dlt_id where c._dlt_id is null"
    )
    assert orphans == [(0,)]
