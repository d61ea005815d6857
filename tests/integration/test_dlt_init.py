"""`dlt init kustomer duckdb --location <this repository>`, dlt's own way to add a source to a
project: run in an empty folder against a git copy of this checkout, it gives a `kustomer`
package of its own (the one copy of the source, `sources/kustomer/`) and an example script that
loads the sandbox into DuckDB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from kustomer_sandbox import Sandbox

REPO = Path(__file__).resolve().parents[2]


def repository_copy(to: Path) -> Path:
    """This checkout's files (committed or not, ignored ones left out) in a git repository of
    their own: dlt init clones its `--location`, so it sees what a clone of main would."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source, target = REPO / name, to / name
        if not source.exists() and not source.is_symlink():
            continue  # deleted in the working tree
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_COMMITTER_NAME": "t"}
    env |= {"GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_EMAIL": "t@example.com"}
    for command in (["git", "init", "-q"], ["git", "add", "-A"], ["git", "commit", "-qm", "x"]):
        subprocess.run(command, cwd=to, env=env, check=True)
    return to


def test_dlt_init_gives_a_working_kustomer_source(sandbox: Sandbox, tmp_path: Path) -> None:
    for module in ("git", "pipdeptree"):
        pytest.importorskip(module, reason="dlt init needs dlt[cli]")
    repo = repository_copy(tmp_path / "repo")
    project = tmp_path / "project"
    project.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOURCES__", "DLT_PROJECT"))}
    env |= {"DLT_DATA_DIR": str(tmp_path / "dlt_data"), "RUNTIME__DLTHUB_TELEMETRY": "false"}
    dlt_cli = Path(sys.executable).parent / "dlt"
    init = subprocess.run(
        [str(dlt_cli), "--non-interactive", "init", "kustomer", "duckdb", "--location", str(repo)],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert init.returncode == 0, init.stdout[-2000:] + init.stderr[-3000:]
    assert (project / "kustomer" / "__init__.py").is_file()
    assert (project / "kustomer" / "catalog" / "shapes.json").is_file()
    assert (project / "kustomer_pipeline.py").is_file()
    assert "api_key" in (project / ".dlt" / "secrets.toml").read_text()
    assert "dlt[duckdb,parquet]" in (project / "requirements.txt").read_text()

    env |= {
        "SOURCES__KUSTOMER__API_KEY": sandbox.token,
        "SOURCES__KUSTOMER__BASE_URL": sandbox.base_url,
    }
    where = subprocess.run(
        [sys.executable, "-c", "import kustomer; print(kustomer.__file__)"],
        cwd=project, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert where.returncode == 0, where.stderr[-2000:]
    assert Path(where.stdout.strip()) == project / "kustomer" / "__init__.py"
    run = subprocess.run(
        [sys.executable, "kustomer_pipeline.py"],
        cwd=project, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    with duckdb.connect(str(project / "kustomer.duckdb"), read_only=True) as db:
        (customers,) = db.execute("select count(*) from kustomer_data.customers").fetchone() or (0,)
    assert customers == sandbox.control.count("customers")
