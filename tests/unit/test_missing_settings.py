"""The pipeline command without its API key or org: it says what to set, and leaves no empty
database behind (it stops before any request)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers.loading import REPO

PIPELINE = str(REPO / "pipelines" / "kustomer_pipeline.py")


def run_cli_without(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    """The pipeline command in an empty directory with only `settings` in its environment."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), **settings}
    return subprocess.run(
        [sys.executable, PIPELINE, "--objects", "brands"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )


def test_missing_credentials_say_what_to_set(tmp_path: Path) -> None:
    out = run_cli_without(tmp_path, SOURCES__KUSTOMER__ORG="acme")
    assert out.returncode == 1, out.stdout + out.stderr
    assert "SOURCES__KUSTOMER__API_KEY" in out.stderr and "secrets.toml" in out.stderr
    assert not (tmp_path / "kustomer.duckdb").exists()  # no empty database left behind


def test_missing_org_says_what_to_set(tmp_path: Path) -> None:
    out = run_cli_without(tmp_path, SOURCES__KUSTOMER__API_KEY="k")
    assert out.returncode == 1
    assert "sources.kustomer.org" in out.stderr
    assert not (tmp_path / "kustomer.duckdb").exists()
