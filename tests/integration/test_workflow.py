"""The GitHub Actions workflow against the sandbox: its load step run here, the script run from
pipelines/ as `dlt deploy` does, and `dlt deploy` itself on a copy of this layout (with a local
template, as GitHub is offline). The file itself is checked in tests/unit/test_workflow_file.py."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from helpers.loading import REPO
from helpers.workflow import SCRIPT, github_env, run_step, step, steps, triggers

from kustomer_sandbox import Sandbox

# ------------------------------------------------------------------ the load step, run here


def project_copy(root: Path) -> Path:
    """This repo's layout without the package (installed in the venv): pipelines/ and .dlt/."""
    shutil.copytree(
        REPO / "pipelines", root / "pipelines", ignore=shutil.ignore_patterns("*.duckdb")
    )
    (root / ".dlt").mkdir()
    shutil.copy(REPO / ".dlt" / "config.toml", root / ".dlt" / "config.toml")
    return root


def test_load_step_loads_the_sandbox(
    workflow: dict[str, Any], sandbox: Sandbox, tmp_path: Path
) -> None:
    """The step's own script, its settings from env vars as GitHub passes them, into DuckDB."""
    root = project_copy(tmp_path / "checkout")
    env = github_env(
        workflow,
        tmp_path,
        KUSTOMER_DESTINATION="duckdb",
        KUSTOMER_DATASET="kustomer_data",
        SOURCES__KUSTOMER__API_KEY=sandbox.token,
        SOURCES__KUSTOMER__BASE_URL=sandbox.base_url,
        OBJECTS="notes,teams,users",
        FULL_REFRESH="false",
    )
    done = run_step(step(workflow, "Load Kustomer")["run"], root, env)
    assert done.returncode == 0, done.stderr[-3000:]
    with duckdb.connect(str(root / "kustomer.duckdb"), read_only=True) as db:
        for table in ("notes", "teams", "users"):
            (n,) = db.execute(f"select count(*) from kustomer_data.{table}").fetchone() or (0,)
            assert n == sandbox.control.count(table), table


# ------------------------------------------------------------------ `dlt deploy` and its layout


def dlt_settings(root: Path, sandbox: Sandbox) -> None:
    """The org's settings in the project's .dlt/ (api_key a secret, base_url config)."""
    config = (root / ".dlt" / "config.toml").read_text()
    assert config.count("[sources.kustomer]\n") == 1
    config = config.replace(
        "[sources.kustomer]\n", f'[sources.kustomer]\nbase_url = "{sandbox.base_url}"\n'
    )
    (root / ".dlt" / "config.toml").write_text(config)
    (root / ".dlt" / "secrets.toml").write_text(
        f'[sources.kustomer]\napi_key = "{sandbox.token}"\n'
    )


def test_script_run_from_pipelines_dir_reads_the_root_dlt_settings(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """`cd pipelines && python kustomer_pipeline.py`, as `dlt deploy` writes the step: the
    settings in the repo root's .dlt/ are found (the script points DLT_PROJECT_DIR there)."""
    root = project_copy(tmp_path / "repo")
    dlt_settings(root, sandbox)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DLT_PROJECT"))}
    env["DLT_DATA_DIR"] = str(tmp_path / "dlt_data")
    done = subprocess.run(
        [sys.executable, "kustomer_pipeline.py", "--objects", "teams,brands"],
        cwd=root / "pipelines",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    with duckdb.connect(str(root / "pipelines" / "kustomer.duckdb"), read_only=True) as db:
        (n,) = db.execute("select count(*) from kustomer_data.teams").fetchone() or (0,)
    assert n == sandbox.control.count("teams")


TEMPLATE = """\
name: Run pipeline
"on":
  schedule:
    - cron: "*/30 * * * *"
  push:
    branches: [main]
  workflow_dispatch: {}
env: {}
jobs:
  run_pipeline:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -r requirements_github_action.txt
      - name: Run pipeline script
        run: python pipeline.py
"""


def test_dlt_deploy_makes_a_workflow_for_this_layout(
    workflow: dict[str, Any], sandbox: Sandbox, tmp_path: Path
) -> None:
    """`dlt deploy pipelines/kustomer_pipeline.py github-action` on a copy of the repo: it finds
    the literal pipeline name and the run, the last successful load, and the secret to map."""
    for module in ("cron_descriptor", "pipdeptree", "git"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"dlt deploy needs {module}: pip install 'dlt[cli]'")
    # dlt clones its template from GitHub; a local stand-in (the same keys) keeps this offline
    template = tmp_path / "template" / "github-action"
    template.mkdir(parents=True)
    (template / "run_pipeline_workflow.yml").write_text(TEMPLATE)
    (template / "requirements_blacklist.txt").write_text("pip\n")

    root = project_copy(tmp_path / "repo")
    dlt_settings(root, sandbox)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DLT_PROJECT"))}
    env.update(DLT_DATA_DIR=str(tmp_path / "dlt_data"), RUNTIME__DLTHUB_TELEMETRY="false")
    env.update(GIT_AUTHOR_NAME="t", GIT_COMMITTER_NAME="t")
    env.update(GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_EMAIL="t@example.com")

    def run(*cmd: str, cwd: Path = root) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (cmd, done.stdout[-2000:], done.stderr[-3000:])
        return done

    run("git", "init", "-q")
    run("git", "remote", "add", "origin", "https://github.com/example/kustomer-dlt.git")
    run("git", "add", "-A")
    run("git", "commit", "-qm", "layout")
    # deploy needs a successful local run of the pipeline first
    run(sys.executable, "kustomer_pipeline.py", "--objects", "teams", cwd=root / "pipelines")
    dlt_cli = Path(sys.executable).parent / "dlt"
    out = run(
        str(dlt_cli),
        "deploy",
        SCRIPT,
        "github-action",
        "--schedule",
        "0 3 * * *",
        "--run-manually",
        "--location",
        str(tmp_path / "template"),
    ).stdout
    assert "deployment for pipeline kustomer" in out

    generated = yaml.safe_load(
        (root / ".github" / "workflows" / "run_kustomer_workflow.yml").read_text()
    )
    assert triggers(generated)["schedule"] == [{"cron": "0 3 * * *"}]
    assert steps(generated)[-1]["run"] == "cd 'pipelines' && python 'kustomer_pipeline.py'"
    secrets = {name: value for name, value in generated["env"].items() if "secrets." in str(value)}
    assert secrets == {"SOURCES__KUSTOMER__API_KEY": "${{ secrets.SOURCES__KUSTOMER__API_KEY }}"}
    # the shipped workflow maps every secret dlt asks for, the same way
    for name, value in secrets.items():
        assert workflow["env"][name] == value
    # what the README says to edit: the frozen requirements name this project, not on PyPI
    frozen = (root / "requirements_github_action.txt").read_text()
    assert "kustomer-dlt" in frozen
