"""CI where people look: .github/workflows/ci.yml runs .ci/run on every push and pull request,
once at the pinned versions and once at the newest releases pyproject.toml admits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]


def workflow() -> dict[str, Any]:
    parsed: dict[str, Any] = yaml.safe_load((REPO / ".github" / "workflows" / "ci.yml").read_text())
    return parsed


def test_ci_runs_on_every_push_and_pull_request() -> None:
    on = workflow().get("on", workflow().get(True))  # YAML 1.1 reads a bare `on` as True
    assert "push" in on and "pull_request" in on


def test_each_job_runs_the_readme_test_command() -> None:
    jobs = workflow()["jobs"]
    assert len(jobs) == 2
    for job in jobs.values():
        assert job["steps"][-1]["run"] == "bash .ci/run"
    newest = [job for job in jobs.values() if job["steps"][-1].get("env")]
    assert [job["steps"][-1]["env"] for job in newest] == [{"KUSTOMER_CI_NEWEST": "1"}]


def test_ci_run_installs_pinned_versions_unless_asked_for_the_newest() -> None:
    script = (REPO / ".ci" / "run").read_text()
    assert "-c .ci/constraints.txt" in script
    assert 'KUSTOMER_CI_NEWEST:-}" == "1"' in script
    pins = (REPO / ".ci" / "constraints.txt").read_text().splitlines()
    assert any(line.startswith("dlt==") for line in pins)
    assert not any(line.lower().startswith("kustomer") for line in pins)
