"""Records that leave the org reach PostgreSQL and Delta tables on S3 too: a conversation and a
note deleted and two customers merged between runs, with and without --hard-delete; the
destination is compared with the org id by id, and moved records carry their new parent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers.readers import DeltaReader, PostgresReader, Reader, assert_reader_equal_to_org

from kustomer_runner.cli import parse_args
from kustomer_runner.load import load_source
from kustomer_runner.pipeline import make_pipeline
from kustomer_sandbox import Sandbox, serve
from kustomer_source import kustomer_source

OBJECTS = ["customers", "conversations", "notes"]


def run(sb: Sandbox, argv: list[str]) -> Any:
    """One run of the command's load against the sandbox: load, then apply what left the org."""
    args = parse_args([*argv, "--objects", ",".join(OBJECTS)])
    pipeline = make_pipeline(args)
    source = kustomer_source(api_key=sb.token, base_url=sb.base_url, hard_delete=args.hard_delete)
    info = load_source(pipeline, source, args)
    assert not info.has_failed_jobs
    return pipeline


def customer_of(sb: Sandbox, table: str) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for record in sb.control.records(table):
        data = ((record.get("relationships") or {}).get("customer") or {}).get("data")
        out[record["id"]] = data.get("id") if isinstance(data, dict) else None
    return out


def change(sb: Sandbox) -> tuple[str, str, str, str]:
    """Deletes a conversation (of another customer than the merge's) and the newest note, and
    merges one customer into another: (conversation, note, source, target)."""
    c = sb.control
    c.advance_clock(3600)
    owners = customer_of(sb, "conversations")
    source = next(owner for owner in owners.values() if owner)
    target = next(r["id"] for r in c.records("customers") if r["id"] != source)
    conversation = next(cid for cid, owner in owners.items() if owner not in (source, target))
    note = max(c.records("notes"), key=lambda r: r["attributes"]["updatedAt"])["id"]
    c.delete("conversations", conversation)
    c.delete("notes", note)
    c.merge_customers(source, target)
    return conversation, note, source, target


def check(sb: Sandbox, reader: Reader, hard: bool, changed: tuple[str, str, str, str]) -> None:
    conversation, note, source, target = changed
    assert_reader_equal_to_org(sb, reader, OBJECTS, hard_delete=hard)
    moved = [cid for cid, owner in customer_of(sb, "conversations").items() if owner == target]
    rows = reader.query(
        "select id, customer_id from conversations where _kustomer_deleted_at is null"
    )
    landed = dict(rows)
    assert moved and all(landed[cid] == target for cid in moved)
    gone = {"conversations": conversation, "notes": note, "customers": source}
    for table, record_id in gone.items():
        rows = reader.query(f"select _kustomer_deleted_at from {table} where id = '{record_id}'")
        if hard:
            assert rows == [], table
        else:
            assert len(rows) == 1 and rows[0][0] is not None, table
    if not hard:
        (merged,) = reader.query(f"select merged_into_id from customers where id = '{source}'")
        assert merged == (target,)


@pytest.mark.parametrize("hard", [False, True])
def test_postgres_removals(warehouse: PostgresReader, tmp_path: Path, hard: bool) -> None:
    argv = ["--destination", "postgres", "--dataset", warehouse.dataset]
    argv += ["--pipelines-dir", str(tmp_path / "pipelines")] + (["--hard-delete"] if hard else [])
    with serve(seed=61, scale=20) as sb:
        run(sb, argv)
        changed = change(sb)
        run(sb, argv)
        check(sb, warehouse, hard, changed)


@pytest.mark.parametrize("hard", [False, True])
def test_delta_removals(bucket: Any, tmp_path: Path, hard: bool) -> None:
    argv = ["--destination", "filesystem", "--pipelines-dir", str(tmp_path / "pipelines")]
    argv += ["--hard-delete"] if hard else []
    with serve(seed=62, scale=20) as sb:
        run(sb, argv)
        changed = change(sb)
        pipeline = run(sb, argv)
        check(sb, DeltaReader(pipeline), hard, changed)
