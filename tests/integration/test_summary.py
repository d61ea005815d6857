"""The run summary and exit status of the pipeline script, as an operator sees them: a first
load, a rerun with nothing new, a rerun after changes, a skipped object, a failed run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from helpers.loading import REPO

from kustomer_sandbox import Sandbox
from kustomer_source.catalog import CATALOG

PIPELINE = str(REPO / "pipelines" / "kustomer_pipeline.py")


def run_script(
    tmp_path: Path, sb: Sandbox, *args: str, api_key: str | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """The pipeline script on the sandbox org as a real org (settings in the environment), in
    `tmp_path`, with its JSON summary."""
    summary = tmp_path / "summary.json"
    summary.unlink(missing_ok=True)
    env = {
        **os.environ,
        "SOURCES__KUSTOMER__BASE_URL": sb.base_url,
        "SOURCES__KUSTOMER__API_KEY": api_key or sb.token,
    }
    out = subprocess.run(
        [sys.executable, PIPELINE, "--pipelines-dir", str(tmp_path / "pipelines"),
         "--summary-json", str(summary), *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    return out, json.loads(summary.read_text())


def by_name(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {obj["name"]: obj for obj in summary["objects"]}


def test_summary_tells_a_load_from_a_quiet_rerun_and_from_changes(
    fresh_sandbox: Sandbox, tmp_path: Path
) -> None:
    sb = fresh_sandbox
    teams_role = str(CATALOG["teams"].role)
    key = sb.control.create_token(roles=[r for r in sb.control.roles() if r != teams_role])
    # a searched object with a child table (notes: 2 tables, where conversations has 28)
    objects = "--objects", "notes,brands,teams"

    # a first load: a missing role only warns (exit 0), the summary says why teams was skipped
    out, first = run_script(tmp_path, sb, *objects, api_key=key)
    assert out.returncode == 0, out.stderr[-3000:]
    assert first["status"] == "ok" and first["exit_code"] == 0 and len(first["load_ids"]) == 1
    objs = by_name(first)
    assert objs["teams"]["status"] == "skipped" and teams_role in objs["teams"]["skip_reason"]
    assert first["skipped"] == ["teams"]
    assert f"warning: teams skipped: the API key lacks the role {teams_role}" in out.stdout
    notes = objs["notes"]
    held = sb.control.count("notes")
    assert notes["status"] == "loaded" and notes["rows_held"] == held
    assert notes["rows_loaded"] >= held and notes["child_rows_loaded"] > 0
    assert notes["cursor_from"] is None and notes["cursor_to"]
    assert (
        objs["brands"]["rows_loaded"] == objs["brands"]["rows_held"] == sb.control.count("brands")
    )
    assert not first["nothing_changed"]
    assert first["duration_s"] > 0 and set(first["steps_s"]) == {"extract", "normalize", "load"}
    assert "\nnotes " in out.stdout and "first load, cursor now" in out.stdout

    # nothing changed: one line says so, with the cursor the run started from
    out, quiet = run_script(tmp_path, sb, *objects, api_key=key)
    assert out.returncode == 0, out.stderr[-3000:]
    cursor = notes["cursor_to"]
    assert quiet["nothing_changed"]
    assert by_name(quiet)["notes"]["status"] == "unchanged"
    assert by_name(quiet)["notes"]["cursor_from"] == cursor
    assert "Nothing changed since the last run" in out.stdout and cursor in out.stdout

    # changes: counted, and the cursor moves on from where it was
    sb.control.advance_clock(60)
    sb.control.create("notes", {"body": "A new one"})
    out, changed = run_script(tmp_path, sb, *objects, api_key=key)
    assert out.returncode == 0, out.stderr[-3000:]
    note = by_name(changed)["notes"]
    assert not changed["nothing_changed"] and "Nothing changed" not in out.stdout
    assert note["status"] == "loaded" and note["cursor_from"] == cursor
    assert note["cursor_to"] > cursor and note["rows_loaded"] >= 1
    assert note["rows_held"] == held + 1


def test_failed_run_exits_1_with_a_failed_summary(sandbox: Sandbox, tmp_path: Path) -> None:
    bad = "kst_wrong_" + "y" * 30
    out, summary = run_script(tmp_path, sandbox, "--objects", "brands", api_key=bad)
    assert out.returncode == 1
    assert summary["status"] == "failed" and summary["exit_code"] == 1
    assert summary["failed_step"] == "extract" and "401" in summary["error"]
    assert bad not in json.dumps(summary) and bad not in out.stdout + out.stderr
