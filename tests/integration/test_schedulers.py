"""Runs under an external scheduler (`DLT_ALLOW_EXTERNAL_SCHEDULERS=true`, as dlt's launcher and
Airflow helpers set it): the scheduler's interval bounds the run; without one the run is an
ordinary incremental run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from helpers.loading import REPO, Loader

from kustomer_sandbox import Sandbox, serve
from kustomer_source.api.times import api_time, parse_api_time

# a searched, an appended and a replaced object (notes: 2 tables, where conversations has 28)
OBJECTS = ["notes", "audit_logs", "brands"]


@pytest.fixture(scope="module")
def org() -> Iterator[Sandbox]:
    """An org of these tests' own: the shared one may be changed by the tests before them."""
    with serve(seed=13, scale=30) as sb:
        yield sb


def middle_interval(sb: Sandbox) -> tuple[str, str]:
    """An interval that holds some but not all of the notes' updates."""
    stamps = sorted(
        parse_api_time(r["attributes"]["updatedAt"]) for r in sb.control.records("notes")
    )
    start, end = stamps[len(stamps) // 4], stamps[3 * len(stamps) // 4]
    return api_time(start), api_time(end + timedelta(microseconds=1))


def in_range(value: str, start: str, end: str) -> bool:
    return parse_api_time(start) <= parse_api_time(value) < parse_api_time(end)


def test_scheduler_interval_bounds_the_run(
    org: Sandbox, loader: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    start, end = middle_interval(org)
    monkeypatch.setenv("DLT_ALLOW_EXTERNAL_SCHEDULERS", "true")
    monkeypatch.setenv("DLT_INTERVAL_START", start)
    monkeypatch.setenv("DLT_INTERVAL_END", end)
    info = loader.run(org, OBJECTS)
    assert not info.has_failed_jobs

    notes = list(org.control.records("notes"))
    expected = {r["id"] for r in notes if in_range(r["attributes"]["updatedAt"], start, end)}
    assert expected and len(expected) < len(notes)
    assert loader.ids("notes") == expected
    audits = list(org.control.records("audit_logs"))
    assert loader.ids("audit_logs") == {
        r["id"] for r in audits if in_range(r["attributes"]["createdAt"], start, end)
    }
    assert loader.count("brands") == org.control.count("brands")  # replace: read in full
    # a bounded run keeps no cursor: the next unscheduled run is still a first load
    resources = loader.pipeline.state["sources"]["kustomer"].get("resources", {})
    assert "incremental" not in resources.get("notes", {})


def test_flag_without_interval_is_an_ordinary_run(
    org: Sandbox, loader: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DLT_ALLOW_EXTERNAL_SCHEDULERS", "true")
    monkeypatch.delenv("DLT_INTERVAL_START", raising=False)
    monkeypatch.delenv("DLT_INTERVAL_END", raising=False)
    info = loader.run(org, OBJECTS)
    assert not info.has_failed_jobs
    assert loader.ids("notes") == {r["id"] for r in org.control.records("notes")}
    cursor = loader.pipeline.state["sources"]["kustomer"]["resources"]["notes"]
    assert cursor["incremental"]["updatedAt"]["last_value"]
    info = loader.run(org, OBJECTS)  # and the next run goes on from the cursor
    assert not info.has_failed_jobs


def test_script_under_a_scheduler_reports_the_range(org: Sandbox, tmp_path: Path) -> None:
    start, end = middle_interval(org)
    env = {
        **os.environ,
        "DLT_ALLOW_EXTERNAL_SCHEDULERS": "true",
        "DLT_INTERVAL_START": start,
        "DLT_INTERVAL_END": end,
        "SOURCES__KUSTOMER__BASE_URL": org.base_url,
        "SOURCES__KUSTOMER__API_KEY": org.token,
    }
    summary = tmp_path / "summary.json"
    out = subprocess.run(
        [sys.executable, str(REPO / "pipelines" / "kustomer_pipeline.py"), "--objects",
         "notes", "--pipelines-dir", str(tmp_path / "p"), "--summary-json", str(summary),
         "--first-load-chunks-from", "1"],  # a bounded run keeps no cursors: never chunked
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    (notes,) = json.loads(summary.read_text())["objects"]
    assert notes["cursor_from"] == start and notes["range_end"] == end
    assert f"range {start} .. {end}" in out.stdout
    assert "first load" not in out.stdout, out.stdout
    assert datetime.fromisoformat(start.replace("Z", "+00:00"))  # the README's interval format
