"""An unchanged rerun costs the same whatever the org's size: the incremental objects ask search
a fixed number of questions, and the lists read whole that grow with the org (routing work items
and work sessions) are read in full at most once per `tuning.big_list_every_s`, kept between."""

from __future__ import annotations

import time
from pathlib import Path

from helpers.loading import Loader

from kustomer_sandbox import serve
from kustomer_source import Tuning

# every object whose list grows with the org, and a few that do not
OBJECTS = [
    "customers",
    "conversations",
    "messages",
    "notes",
    "companies",
    "audit_logs",
    "routing_work_items",
    "routing_work_sessions",
    "brands",
    "teams",
    "users",
]


def unchanged_rerun_requests(tmp_path: Path, scale: int) -> int:
    with serve(seed=71, scale=scale) as sb:
        loader = Loader(tmp_path / str(scale))
        loader.run(sb, OBJECTS)
        sb.control.advance_clock(3600)
        loader.run(sb, OBJECTS)  # the first comparison with the org, and the new cursor
        sb.control.reset_requests()
        loader.run(sb, OBJECTS)
        return sb.control.requests()


def test_an_unchanged_rerun_costs_the_same_at_ten_times_the_org(tmp_path: Path) -> None:
    small = unchanged_rerun_requests(tmp_path, 200)
    big = unchanged_rerun_requests(tmp_path, 2000)
    assert big - small <= 10, (small, big)


def test_a_big_list_is_read_in_full_once_per_period_and_then_loses_its_deletes(
    tmp_path: Path,
) -> None:
    with serve(seed=72, scale=300) as sb:
        loader = Loader(tmp_path)
        every = Tuning(big_list_every_s=3)
        loader.run(sb, ["routing_work_items", "brands"], tuning=every)
        assert loader.count("routing_work_items") == sb.control.count("routing_work_items")
        gone = next(iter(sb.control.records("routing_work_items")))["id"]
        sb.control.hard_delete("routing_work_items", gone)
        sb.control.reset_requests()
        loader.run(sb, ["routing_work_items", "brands"], tuning=every)
        assert sb.control.requests(path_prefix="/v1/routing/work-items") == 0
        assert gone in loader.ids("routing_work_items")  # kept until the next full read
        time.sleep(3.2)
        loader.run(sb, ["routing_work_items", "brands"], tuning=every)
        assert loader.ids("routing_work_items") == {
            r["id"] for r in sb.control.records("routing_work_items")
        }
