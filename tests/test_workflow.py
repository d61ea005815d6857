"""The GitHub Actions workflow: its triggers and steps, secrets mapped to the settings dlt reads,
its load step run here against the sandbox, the script run from pipelines/ as `dlt deploy` does,
and `dlt deploy` itself on a copy of this layout (with a local template, as GitHub is offline)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from support import REPO

from kustomer_sandbox import Sandbox

WORKFLOW = REPO / ".github" / "workflows" / "kustomer_pipeline.yml"
SCRIPT = "pipelines/kustomer_pipeline.py"
GITHUB_EXPR = re.compile(r"^\$\{\{ (secrets|vars)\.([A-Z0-9_]+) \}\}$")


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
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


# ------------------------------------------------------------------ the file


def test_triggers_schedule_and_manual_run(workflow: dict[str, Any]) -> None:
    on = triggers(workflow)
    assert set(on) == {"schedule", "workflow_dispatch"}
    (entry,) = on["schedule"]
    fields = entry["cron"].split()
    assert len(fields) == 5
    croniter = pytest.importorskip("croniter")
    assert croniter.croniter.is_valid(entry["cron"])
    inputs = on["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"objects", "full_refresh"}
    assert inputs["full_refresh"]["type"] == "boolean"
    assert workflow["concurrency"]["cancel-in-progress"] is False  # loads never overlap


def test_steps_check_out_install_the_project_and_run_the_script(
    workflow: dict[str, Any],
) -> None:
    uses = [s["uses"].split("@")[0] for s in steps(workflow) if "uses" in s]
    assert uses == ["actions/checkout", "actions/setup-python"]
    setup = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/setup"))
    assert float(setup["with"]["python-version"]) >= 3.10
    install = step(workflow, "Install the project and the destination's dlt extra")["run"]
    assert 'pip install . "dlt[$extra]"' in install  # the project, from pyproject.toml
    assert "requirements" not in install
    load = step(workflow, "Load Kustomer")
    assert steps(workflow)[-1] is load
    assert f"python {SCRIPT}" in load["run"]
    assert '--destination "$KUSTOMER_DESTINATION"' in load["run"]
    env = workflow["env"]
    assert env["KUSTOMER_DESTINATION"] == "${{ vars.KUSTOMER_DESTINATION || 'postgres' }}"


def test_secrets_and_variables_map_to_env_vars_of_the_same_name(workflow: dict[str, Any]) -> None:
    env = workflow["env"]
    mapped = {}
    for name, value in env.items():
        match = GITHUB_EXPR.match(str(value))
        if match:
            assert match.group(2) == name, f"{name} reads {value}"
            mapped[name] = match.group(1)
    assert mapped["SOURCES__KUSTOMER__API_KEY"] == "secrets"
    assert mapped["SOURCES__KUSTOMER__ORG"] == "secrets"
    for name in (
        "DESTINATION__POSTGRES__CREDENTIALS",
        "DESTINATION__SNOWFLAKE__CREDENTIALS",
        "DESTINATION__BIGQUERY__CREDENTIALS",
        "DESTINATION__FILESYSTEM__BUCKET_URL",
        "DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID",
        "DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY",
    ):
        assert mapped[name] == "secrets", name
    # every dlt setting in env comes from a secret or a variable, never a literal
    assert {n for n in env if n.startswith(("SOURCES__", "DESTINATION__"))} == set(mapped)


def test_env_var_names_are_the_settings_dlt_reads(
    workflow: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each destination resolves its credentials from the workflow's env var names."""
    import dlt
    from dlt.common.configuration import resolve_configuration

    values = {
        "SOURCES__KUSTOMER__API_KEY": "key-123",
        "SOURCES__KUSTOMER__ORG": "acme",
        "SOURCES__KUSTOMER__BASE_URL": "eu",
        "DESTINATION__POSTGRES__CREDENTIALS": "postgresql://loader:pw@db.example.com:5432/dw",
        "DESTINATION__SNOWFLAKE__CREDENTIALS": "snowflake://loader:pw@acme-xy1/KUSTOMER?warehouse=WH",
        "DESTINATION__BIGQUERY__CREDENTIALS": json.dumps(
            {
                "type": "service_account",
                "project_id": "analytics",
                "private_key": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
                "client_email": "loader@analytics.iam.gserviceaccount.com",
            }
        ),
        "DESTINATION__BIGQUERY__LOCATION": "EU",
        "DESTINATION__FILESYSTEM__BUCKET_URL": "s3://lake/kustomer",
        "DESTINATION__FILESYSTEM__CREDENTIALS__AWS_ACCESS_KEY_ID": "AKIA1",
        "DESTINATION__FILESYSTEM__CREDENTIALS__AWS_SECRET_ACCESS_KEY": "secret1",
        "DESTINATION__FILESYSTEM__CREDENTIALS__REGION_NAME": "eu-west-1",
    }
    assert {n for n in workflow["env"] if n.startswith(("SOURCES__", "DESTINATION__"))} == set(
        values
    )
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    assert dlt.secrets["sources.kustomer.api_key"] == "key-123"
    assert dlt.config["sources.kustomer.org"] == "acme"

    def resolved(destination: str) -> Any:
        spec = getattr(dlt.destinations, destination)().spec()
        return resolve_configuration(
            spec, sections=("destination", destination), accept_partial=True
        )

    pg = resolved("postgres").credentials
    assert (pg.host, pg.username, pg.database) == ("db.example.com", "loader", "dw")
    sf = resolved("snowflake").credentials
    assert (sf.host, sf.database, sf.warehouse) == ("acme-xy1", "KUSTOMER", "WH")
    bq = resolved("bigquery")
    assert (bq.credentials.project_id, bq.location) == ("analytics", "EU")
    fs = resolved("filesystem")
    assert fs.bucket_url == "s3://lake/kustomer"
    assert (fs.credentials.aws_access_key_id, fs.credentials.region_name) == ("AKIA1", "eu-west-1")


# ------------------------------------------------------------------ the load step, run here


def project_copy(root: Path) -> Path:
    """This repo's layout without the package (installed in the venv): pipelines/ and .dlt/."""
    shutil.copytree(
        REPO / "pipelines", root / "pipelines", ignore=shutil.ignore_patterns("*.duckdb")
    )
    (root / ".dlt").mkdir()
    shutil.copy(REPO / ".dlt" / "config.toml", root / ".dlt" / "config.toml")
    return root


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


def test_load_step_drops_empty_settings_and_passes_inputs(
    workflow: dict[str, Any], tmp_path: Path
) -> None:
    """With a stand-in `python` that reports what it got: arguments and dlt settings."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "python").write_text(
        "#!/usr/bin/env bash\n"
        "printf '%s\\n' \"$@\" > args.txt\n"
        "env | grep -E '^(SOURCES|DESTINATION)__' | sort > settings.txt || true\n"
    )
    (fake_bin / "python").chmod(0o755)
    env = github_env(
        workflow,
        tmp_path,
        KUSTOMER_DESTINATION="postgres",
        KUSTOMER_DATASET="crm",
        SOURCES__KUSTOMER__API_KEY="key-123",
        SOURCES__KUSTOMER__ORG="acme",
        DESTINATION__POSTGRES__CREDENTIALS="postgresql://u:p@h/db",
        OBJECTS="conversations,messages",
        FULL_REFRESH="true",
    )
    env["PATH"] = f"{fake_bin}{os.pathsep}{env['PATH']}"
    done = run_step(step(workflow, "Load Kustomer")["run"], tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "args.txt").read_text().split("\n")[:-1] == [
        SCRIPT,
        "--destination",
        "postgres",
        "--dataset",
        "crm",
        "--objects",
        "conversations,messages",
        "--full-refresh",
    ]
    assert (tmp_path / "settings.txt").read_text().split() == [
        "DESTINATION__POSTGRES__CREDENTIALS=postgresql://u:p@h/db",
        "SOURCES__KUSTOMER__API_KEY=key-123",
        "SOURCES__KUSTOMER__ORG=acme",
    ]


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
