"""The GitHub Actions workflow (.github/workflows/kustomer_pipeline.yml): read, its steps found,
and a step's `run:` script run here as GitHub runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from helpers.loading import REPO

WORKFLOW = REPO / ".github" / "workflows" / "kustomer_pipeline.yml"
SCRIPT = "pipelines/kustomer_pipeline.py"


def read_workflow() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return parsed


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads a bare `on:` key as True; GitHub reads it as "on"
    on: dict[str, Any] = workflow.get("on", workflow.get(True))
    return on


def steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    result: list[dict[str, Any]] = job["steps"]
    return result


def step(workflow: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [s for s in steps(workflow) if s.get("name") == name]
    return found


def github_env(workflow: dict[str, Any], tmp_path: Path, **values: str) -> dict[str, str]:
    """The step's environment as GitHub builds it: every unset secret/variable is ""."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DESTINATION__"))}
    env.update({name: "" for name in workflow["env"]})
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}",
        DLT_DATA_DIR=str(tmp_path / "dlt_data"),
        RUNTIME__REQUEST_MAX_ATTEMPTS="3",
        RUNTIME__REQUEST_BACKOFF_FACTOR="0.05",
    )
    env.update(values)
    return env


def run_step(script: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # GitHub runs a `run:` script with `bash --noprofile --norc -eo pipefail {0}`
    path = cwd / "step.sh"
    path.write_text(script)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(path)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
