"""Parquet on S3: the pipeline script into dlt's filesystem destination, a real S3 API on loopback
(moto's server in a subprocess), Delta tables read back and compared with the sandbox org."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from helpers.readers import DeltaReader, assert_reader_equal_to_org, change_the_org
from helpers.s3 import KEY_ID, SECRET, cli_args, load

from kustomer_runner.cli import main
from kustomer_runner.lake import ROOT_VERSION
from kustomer_runner.pipeline import make_pipeline
from kustomer_sandbox import Sandbox, serve
from kustomer_source import Tuning
from kustomer_source.destination import read_delta


def keys(s3: Any, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=s3.name, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def stale_nested_rows(reader: DeltaReader, root: str) -> int:
    """Nested rows twice, or of a record that is gone or has moved on to a newer version."""
    nested = sorted(t for t in reader.tables() if t.startswith(root + "__"))
    assert nested, f"{root} has no nested tables"
    counts = [
        f"select count(*) - count(distinct n._dlt_id) + count(*) filter (r._dlt_id is null) "
        f"from {table} n left join {root} r "
        f"on n._dlt_root_id = r._dlt_id and n.{ROOT_VERSION} = r.updated_at"
        for table in nested
    ]
    return int(sum(row[0] for row in reader.query(" union all ".join(counts))))


def test_s3_incremental_runs_equal_the_org(
    fresh_sandbox: Sandbox, bucket: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sb = fresh_sandbox
    searched = ["notes", "companies"]
    objects = [*searched, "brands", "audit_logs"]
    monkeypatch.setenv("SOURCES__KUSTOMER__API_KEY", sb.token)
    monkeypatch.setenv("SOURCES__KUSTOMER__BASE_URL", sb.base_url)
    args = ["--destination", "filesystem", "--objects", ",".join(objects)]
    assert main([*args, "--pipelines-dir", str(tmp_path / "pipelines")]) == 0

    pipeline = make_pipeline(cli_args(tmp_path, objects))
    reader = DeltaReader(pipeline)
    assert_reader_equal_to_org(sb, reader, searched)
    # every table is a Delta table of parquet files in the bucket
    for table in ("companies", "companies__emails", "brands", "audit_logs"):
        files = keys(bucket, f"kustomer_data/{table}/")
        assert any("/_delta_log/" in key for key in files), table
        assert any(key.endswith(".parquet") for key in files), table

    change_the_org(sb, searched)
    assert main([*args, "--pipelines-dir", str(tmp_path / "pipelines")]) == 0
    assert_reader_equal_to_org(sb, reader, searched)
    brands = {row[0] for row in reader.query("select id from brands")}
    assert brands == {r["id"] for r in sb.control.records("brands")}
    (rows, ids) = reader.query("select count(*), count(distinct id) from audit_logs")[0]
    assert rows == ids == sb.control.count("audit_logs")
    assert stale_nested_rows(reader, "companies") == 0


def test_s3_lists_that_shrink_keep_no_old_items(
    fresh_sandbox: Sandbox, bucket: Any, tmp_path: Path
) -> None:
    sb = fresh_sandbox
    args = cli_args(tmp_path, ["customers"])
    load(sb, args)
    sb.control.advance_clock(60)
    shrunk = [
        r for r in sb.control.records("customers") if len(r["attributes"].get("tags") or []) >= 2
    ]
    emptied = [r for r in sb.control.records("customers") if r["attributes"].get("emails")][:2]
    assert shrunk and emptied
    for record in shrunk:
        sb.control.update("customers", record["id"], {"tags": record["attributes"]["tags"][-1:]})
    for record in emptied:
        sb.control.update("customers", record["id"], {"emails": []})
    pipeline = load(sb, args)

    reader = DeltaReader(pipeline)
    landed = reader.query(
        "select c.id, t.value from customers__tags t "
        "join customers c on t._dlt_parent_id = c._dlt_id"
    )
    org = [
        (r["id"], tag)
        for r in sb.control.records("customers")
        for tag in r["attributes"].get("tags") or []
    ]
    assert sorted(landed) == sorted(org)
    emails = reader.query(
        "select count(*) from customers__emails e join customers c on e._dlt_root_id = c._dlt_id "
        f"where c.id in ({', '.join(repr(r['id']) for r in emptied)})"
    )
    assert emails == [(0,)]
    assert stale_nested_rows(reader, "customers") == 0


def test_s3_record_read_twice_in_one_run_lands_once(bucket: Any, tmp_path: Path) -> None:
    """A record changed while the run pages through the changes comes twice in one load: Delta
    would refuse to merge it ("multiple source rows"); its newest version lands, once."""
    with serve(seed=9, scale=60, latency_ms=15) as sb:
        args = cli_args(tmp_path, ["notes"])  # 2 tables (customers: 23)
        load(sb, args)
        sb.control.advance_clock(60)
        changed = [r["id"] for r in sb.control.records("notes")][:40]
        for record_id in changed:
            sb.control.update("notes", record_id, {"body": "first change"})
        sb.control.reset_requests()
        searches = lambda: sb.control.requests(  # noqa: E731
            method="POST", path_prefix="/v1/customers/search"
        )

        def change_while_running() -> None:
            deadline = time.time() + 30
            while searches() < 3 and time.time() < deadline:
                time.sleep(0.005)
            for record_id in changed[:5]:  # read on the first page, read again on the last
                sb.control.update("notes", record_id, {"body": "changed during the run"})

        changer = threading.Thread(target=change_while_running)
        changer.start()
        pipeline = load(sb, args, tuning=Tuning(search_page_size=10))
        changer.join()
        counted = pipeline.last_trace.last_normalize_info.row_counts["notes"]
        assert counted > len(changed), "no record came twice: the test did not test anything"
        reader = DeltaReader(pipeline)
        assert_reader_equal_to_org(sb, reader, ["notes"])
        names = dict(reader.query(f"select id, body from notes where id = '{changed[0]}'"))
        assert names == {changed[0]: "changed during the run"}
        assert stale_nested_rows(reader, "notes") == 0


def test_s3_hard_delete_removes_records_and_nested_rows(
    fresh_sandbox: Sandbox, bucket: Any, tmp_path: Path
) -> None:
    sb = fresh_sandbox
    args = cli_args(tmp_path, ["customers", "notes"], "--hard-delete")
    load(sb, args)
    sb.control.advance_clock(60)
    victim = next(r for r in sb.control.records("customers") if r["attributes"].get("emails"))["id"]
    sb.control.soft_delete("customers", victim)
    note = next(iter(sb.control.records("notes")))["id"]
    sb.control.soft_delete("notes", note)
    pipeline = load(sb, args)
    reader = DeltaReader(pipeline)
    assert_reader_equal_to_org(sb, reader, ["customers", "notes"], hard_delete=True)
    orphans = reader.query(
        "select count(*) from customers__emails e left join customers c "
        "on e._dlt_root_id = c._dlt_id where c._dlt_id is null"
    )
    assert orphans == [(0,)]
    assert stale_nested_rows(reader, "customers") == 0


def duckdb_with_delta(s3_endpoint: str) -> Any:
    """A DuckDB connection with the delta and httpfs extensions (from their packages: this
    machine cannot download them) and a secret for the bucket, as the README's SQL creates."""
    import duckdb
    from duckdb_extensions import import_extension

    con = duckdb.connect()
    for extension in ("httpfs", "delta"):
        import_extension(extension, con=con)
    host = s3_endpoint.removeprefix("http://")
    con.execute(
        f"create secret (type s3, key_id '{KEY_ID}', secret '{SECRET}', region 'us-east-1', "
        f"endpoint '{host}', url_style 'path', use_ssl false)"
    )
    return con


def test_s3_delta_tables_read_with_deltalake_duckdb_and_dataset(
    sandbox: Sandbox, bucket: Any, s3_endpoint: str, tmp_path: Path
) -> None:
    """The README's three ways to read the Delta tables: the deltalake package, DuckDB's
    delta_scan and pipeline.dataset()."""
    from deltalake import DeltaTable

    pipeline = load(sandbox, cli_args(tmp_path, ["conversations", "brands"]))
    org = Counter(r["attributes"].get("status") for r in sandbox.control.records("conversations"))
    url = f"s3://{bucket.name}/kustomer_data/conversations"

    options = {
        "AWS_ACCESS_KEY_ID": KEY_ID,
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ALLOW_HTTP": "true",
    }
    table = read_delta(DeltaTable(url, storage_options=options), columns=["status"])
    assert Counter(table.column("status").to_pylist()) == org

    con = duckdb_with_delta(s3_endpoint)
    rows = con.sql(f"select status, count(*) from delta_scan('{url}') group by 1").fetchall()
    assert dict(rows) == dict(org)

    dataset = pipeline.dataset()  # dlt's DuckDB over the same tables (the extensions installed)
    counts = dict(dataset.row_counts(table_names=["conversations", "brands"]).fetchall())
    assert counts == {
        "conversations": sandbox.control.count("conversations"),
        "brands": sandbox.control.count("brands"),
    }
    statuses = dataset.query("select status, count(*) from conversations group by 1").fetchall()
    assert dict(statuses) == dict(org)
