"""History mode (`history=True`, `--history`): every version seen of a merged object, one row
each, on DuckDB and on PostgreSQL (dlt's scd2 with the two gaps `kustomer_source.history`
closes)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dlt
import pytest
from helpers.postgres import postgres_dsn

from kustomer_runner import history
from kustomer_sandbox import Sandbox, serve
from kustomer_source import Tuning, kustomer_source

# an object and a Klass whose records change between runs (customers, which the second test
# loads, would add 23 tables to each of the six runs and no version)
TABLES = ["conversations", "kobject_ecomm_order"]


@pytest.fixture(params=["duckdb", "postgres"])
def pipeline(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dlt.Pipeline]:
    dataset = f"history_{uuid.uuid4().hex[:8]}"
    if request.param == "duckdb":
        destination: Any = dlt.destinations.duckdb(str(tmp_path / "history.duckdb"))
    else:
        destination = dlt.destinations.postgres(postgres_dsn())
    pipe = dlt.pipeline(
        pipeline_name=f"kustomer_{uuid.uuid4().hex[:8]}",
        destination=destination,
        dataset_name=dataset,
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    yield pipe
    if request.param == "postgres":
        with pipe.sql_client() as client:
            client.drop_dataset()


def load(pipe: dlt.Pipeline, sb: Sandbox, tables: list[str] = TABLES) -> None:
    source = kustomer_source(api_key=sb.token, base_url=sb.base_url, history=True)
    pipe.run(source.with_resources(*tables))
    history.close_superseded(pipe)


def versions(pipe: dlt.Pipeline, table: str) -> list[tuple[str, str, bool, bool]]:
    """(id, updated_at, deleted, active) of every row."""
    with pipe.sql_client() as client:
        name = client.make_qualified_table_name(table)
        rows = client.execute_sql(
            f"select id, updated_at, coalesce(deleted, false), _dlt_valid_to is null from {name}"
        )
    return [
        (r[0], r[1].strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z", bool(r[2]), bool(r[3]))
        for r in rows or []
    ]


def org_now(sb: Sandbox, table: str) -> dict[str, tuple[str, bool]]:
    records = (
        sb.control.kobjects.records("ecomm-order", include_deleted=True)
        if table == "kobject_ecomm_order"
        else sb.control.records(table, include_deleted=True)
    )
    return {
        r["id"]: (r["attributes"]["updatedAt"], bool(r["attributes"].get("deleted")))
        for r in records
    }


def assert_active_equal_the_org(pipe: dlt.Pipeline, sb: Sandbox, table: str) -> None:
    rows = versions(pipe, table)
    active = {i: (u, d) for i, u, d, a in rows if a}
    assert sum(1 for *_, a in rows if a) == len(active), f"{table}: two active versions of an id"
    assert active == org_now(sb, table)
    seen = Counter((i, u) for i, u, _, _ in rows)
    assert max(seen.values()) == 1, f"{table}: one version stored twice"


def test_history_keeps_one_row_per_version(pipeline: dlt.Pipeline) -> None:
    with serve(seed=4, scale=25) as sb:
        load(pipeline, sb)
        for table in TABLES:
            assert_active_equal_the_org(pipeline, sb, table)
            assert len(versions(pipeline, table)) == len(org_now(sb, table))
        conv = [r["id"] for r in sb.control.records("conversations")]
        order = sb.control.kobjects.records("ecomm-order")[0]["id"]
        for status in ("open", "snoozed"):
            sb.control.advance_clock(60)
            sb.control.update("conversations", conv[0], {"status": status})
            sb.control.kobjects.update("ecomm-order", order, {"orderStatusStr": status})
            load(pipeline, sb)
        sb.control.advance_clock(60)
        sb.control.soft_delete("conversations", conv[1])
        load(pipeline, sb)
        load(pipeline, sb)  # nothing changed: no new version
        for table in TABLES:
            assert_active_equal_the_org(pipeline, sb, table)
        counts = Counter(i for i, *_ in versions(pipeline, "conversations"))
        assert counts[conv[0]] == 3 and counts[conv[1]] == 2
        assert Counter(i for i, *_ in versions(pipeline, "kobject_ecomm_order"))[order] == 3
        with pipeline.sql_client() as client:
            name = client.make_qualified_table_name("conversations")
            statuses = client.execute_sql(
                f"select status from {name} where id = '{conv[0]}' order by updated_at"
            )
        assert [s for (s,) in statuses or []][1:] == ["open", "snoozed"]


def test_history_with_records_changed_during_the_run(pipeline: dlt.Pipeline) -> None:
    with serve(seed=9, scale=120, latency_ms=10) as sb:
        load(pipeline, sb, ["customers"])
        sb.control.advance_clock(60)
        for rec in list(sb.control.records("customers"))[:60]:
            sb.control.update("customers", rec["id"], {"name": "changed"})
        done = threading.Event()

        def change_while_running() -> None:
            while not done.is_set() and sb.control.requests(method="POST") < 3:
                time.sleep(0.005)
            for rec in list(sb.control.records("customers"))[:3]:
                sb.control.update("customers", rec["id"], {"name": "during"})

        changer = threading.Thread(target=change_while_running)
        sb.control.reset_requests()
        changer.start()
        source = kustomer_source(
            api_key=sb.token, base_url=sb.base_url, history=True, tuning=Tuning(search_page_size=20)
        )
        pipeline.run(source.with_resources("customers"))
        done.set()
        changer.join()
        history.close_superseded(pipeline)
        rows = versions(pipeline, "customers")
        assert sum(1 for *_, a in rows if a) == len({i for i, *_ in rows})
        load(pipeline, sb, ["customers"])
        assert_active_equal_the_org(pipeline, sb, "customers")
