"""Runs the dbt project shipped in `kustomer_analytics/dbt/` on a loaded dataset: writes a profile
for the target (DuckDB file or PostgreSQL) in a temporary directory, then `dbt build` (models,
their data tests and unit tests) through dbt's Python API, `dbtRunner`, in a child process
(`python -m kustomer_analytics.dbt_runner`): dbt keeps global state and, on DuckDB, the database
open after a run, which would lock the caller out of its own file.

dbt lives in the `analytics` extra (`pip install 'kustomer-dlt[analytics]'`); `available()` says
whether it is installed. dlt's own `dlt.dbt.package` is not used: on DuckDB its profile installs
the httpfs, parquet and iceberg extensions from the network, which an offline machine cannot.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

PROJECT_DIR = Path(__file__).resolve().parent / "dbt"
INSTALL_HINT = (
    "pip install 'kustomer-dlt[analytics]'  (from a checkout: pip install -e '.[analytics]')"
)
_PASSWORD_VARIABLE = "KUSTOMER_REPORT_POSTGRES_PASSWORD"


class BuildError(Exception):
    """dbt is missing, or the build failed (a model's SQL or a test)."""


@dataclass(frozen=True)
class DuckDBTarget:
    path: Path

    def describe(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class PostgresTarget:
    dsn: str

    def describe(self) -> str:
        parts = urlsplit(self.dsn)
        return f"postgresql://{parts.hostname}:{parts.port or 5432}{parts.path}"


Target = DuckDBTarget | PostgresTarget


@dataclass
class BuildResult:
    """What `dbt build` did: node name -> status, and the failures with dbt's message."""

    statuses: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for name in self.statuses if name.startswith(kind + ":"))

    def line(self) -> str:
        models = self.count("model")
        tests = self.count("test")
        units = self.count("unit_test")
        return f"dbt build: {models} models, {tests} data tests and {units} unit tests passed"


def available() -> bool:
    """dbt-core with the adapter(s) for DuckDB is installed."""
    return all(
        importlib.util.find_spec(m) is not None for m in ("dbt.cli.main", "dbt.adapters.duckdb")
    )


def build(
    target: Target,
    dataset: str = "kustomer_data",
    schema: str = "kustomer_reports",
    *,
    full_refresh: bool = False,
    select: str | None = None,
    variables: dict[str, Any] | None = None,
    work_dir: Path | None = None,
) -> BuildResult:
    """`dbt build` of the project on `target`: the models land in `schema`, reading `dataset`."""
    if not available():
        raise BuildError(f"the dbt models need dbt: {INSTALL_HINT}")
    with _work_dir(work_dir) as work:
        profiles_dir, env = _profile(target, schema, work)
        args = [
            "build",
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(profiles_dir),
            "--target-path", str(work / "target"),
            "--log-path", str(work / "logs"),
            "--vars", json.dumps({"kustomer_schema": dataset, **(variables or {})}),
            "--no-use-colors",
            "--quiet",
        ]  # fmt: skip
        if full_refresh:
            args.append("--full-refresh")
        if select:
            # tests that also need models outside the selection are left out
            args += ["--select", select, "--indirect-selection", "cautious"]
        return _invoke(args, work, env)


def _invoke(args: list[str], work: Path, env: dict[str, str]) -> BuildResult:
    """`dbt <args>` in a child process; its results come back as JSON in `work`."""
    results = work / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "kustomer_analytics.dbt_runner", str(results), *args],
        env={**os.environ, "DO_NOT_TRACK": "1", **env},  # dbt's usage events go nowhere offline
        capture_output=True,
        text=True,
    )
    result = BuildResult()
    outcome: dict[str, Any] = {}
    if results.is_file():
        outcome = json.loads(results.read_text())
    for node in outcome.get("nodes", []):
        name = f"{node['kind']}:{node['name']}"
        result.statuses[name] = node["status"]
        if node["status"] in ("error", "fail", "runtime error"):
            result.failures.append(
                f"{node['kind']} {node['name']}: {node['status']}: {node['message']}"
            )
    if done.returncode != 0 or not outcome.get("success"):
        if outcome.get("exception"):
            result.failures.append(f"dbt: {outcome['exception']}")
        if not result.failures:
            result.failures.append((done.stderr or done.stdout)[-3000:])
        detail = "\n  ".join(result.failures[:10])
        raise BuildError(f"dbt build failed:\n  {detail}")
    return result


def _child(results: str, args: list[str]) -> int:
    """In the child: dbt's run, its node results written to `results` as JSON."""
    from dbt.cli.main import dbtRunner

    outcome = dbtRunner().invoke(args)
    nodes = [
        {
            "kind": str(node.node.resource_type),
            "name": node.node.name,
            "status": str(node.status),
            "message": str(node.message or ""),
        }
        for node in (getattr(outcome.result, "results", None) or [])
    ]
    exception = None if outcome.exception is None else str(outcome.exception)
    Path(results).write_text(
        json.dumps({"success": outcome.success, "nodes": nodes, "exception": exception})
    )
    return 0 if outcome.success else 1


@contextmanager
def _work_dir(given: Path | None) -> Iterator[Path]:
    if given is not None:
        given.mkdir(parents=True, exist_ok=True)
        yield given
        return
    with tempfile.TemporaryDirectory(prefix="kustomer_dbt_") as tmp:
        yield Path(tmp)


def _profile(target: Target, schema: str, work: Path) -> tuple[Path, dict[str, str]]:
    """A profiles.yml for the target in `work/profile`, and the environment the child needs: a
    PostgreSQL password goes there, never into the file."""
    directory = work / "profile"
    directory.mkdir(parents=True, exist_ok=True)
    env: dict[str, str] = {}
    if isinstance(target, DuckDBTarget):
        output: dict[str, Any] = {
            "type": "duckdb",
            "path": str(Path(target.path).resolve()),
            "schema": schema,
            "threads": 1,
            "settings": {"TimeZone": "UTC"},
        }
    else:
        parts = urlsplit(target.dsn)
        if parts.scheme not in ("postgres", "postgresql"):
            raise BuildError(
                f"not a PostgreSQL DSN (postgresql://user:password@host/db): {target.describe()}"
            )
        output = {
            "type": "postgres",
            "host": parts.hostname or "localhost",
            "port": parts.port or 5432,
            "user": unquote(parts.username or ""),
            "password": "{{ env_var('" + _PASSWORD_VARIABLE + "', '') }}",
            "dbname": unquote(parts.path.lstrip("/")) or "postgres",
            "schema": schema,
            "threads": 2,
        }
        env[_PASSWORD_VARIABLE] = unquote(parts.password or "")
    profile = {"kustomer_analytics": {"target": "report", "outputs": {"report": output}}}
    # JSON is YAML: no YAML writer needed
    (directory / "profiles.yml").write_text(json.dumps(profile, indent=2))
    return directory, env


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1], sys.argv[2:]))
