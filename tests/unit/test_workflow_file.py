"""The GitHub Actions workflow as a file: its triggers and steps, secrets mapped to the settings
dlt reads, and its load step run here with a stand-in `python` (no sandbox: the load step against
the sandbox and `dlt deploy` are in tests/integration/test_workflow.py)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from helpers.workflow import SCRIPT, github_env, run_step, step, steps, triggers

GITHUB_EXPR = re.compile(r"^\$\{\{ (secrets|vars)\.([A-Z0-9_]+) \}\}$")


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
