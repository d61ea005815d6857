"""A pipeline into a DuckDB file of its own and ways to read it back, the xdist-shared `made_once`
directory, the demo run, and the spec."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest
from dlt.common.normalizers.naming.snake_case import NamingConvention

from kustomer_sandbox import Sandbox
from kustomer_source import kustomer_source

REPO = Path(__file__).resolve().parents[2]
SHARED_SPEC = REPO.parent / "shared" / "spec" / "appflow_kustomer_objects.json"
PACKAGED_SPEC = REPO / "kustomer_sandbox" / "appflow_objects.json"
NAMING = NamingConvention()


def isolate_dlt(mp: pytest.MonkeyPatch, data_dir: Path) -> None:
    """dlt's data dir at `data_dir`, fast HTTP retries and normalize in-process."""
    mp.setenv("DLT_DATA_DIR", str(data_dir))
    mp.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "3")
    mp.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.05")
    mp.setenv("RUNTIME__REQUEST_MAX_RETRY_DELAY", "1")
    mp.delenv("SOURCES__KUSTOMER__API_KEY", raising=False)
    # dlt forks its normalize workers; a fork of this process, which runs sandbox server threads,
    # crashed in the child's garbage collector (a segfault in dlt/normalize/worker.py, 2 of 4
    # full runs). One worker makes dlt normalize in this process, with no fork.
    mp.setenv("NORMALIZE__WORKERS", "1")


class DuckDBDataset:
    """The `kustomer_data` dataset of a DuckDB file, read back."""

    db_path: str

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(self.db_path, read_only=True) as con:
            return con.execute(sql).fetchall()

    def tables(self) -> set[str]:
        rows = self.query(
            "select table_name from information_schema.tables where table_schema='kustomer_data'"
        )
        return {name for (name,) in rows}

    def columns(self, table: str) -> dict[str, str]:
        rows = self.query(
            "select column_name, data_type from information_schema.columns "
            f"where table_schema='kustomer_data' and table_name='{table}'"
        )
        return dict(rows)

    def count(self, table: str, where: str = "true") -> int:
        return int(self.query(f"select count(*) from kustomer_data.{table} where {where}")[0][0])

    def ids(self, table: str) -> set[str]:
        return {row[0] for row in self.query(f"select id from kustomer_data.{table}")}


class Loader(DuckDBDataset):
    """A `kustomer` pipeline into a DuckDB file of the test's own, plus ways to read it back
    (each query opens the file anew: a connection held open would lock out the next run)."""

    def __init__(self, tmp_path: Path) -> None:
        self.db_path = str(tmp_path / "kustomer.duckdb")
        self.pipeline = dlt.pipeline(
            pipeline_name=f"kustomer_{uuid.uuid4().hex[:8]}",
            destination=dlt.destinations.duckdb(self.db_path),
            dataset_name="kustomer_data",
            pipelines_dir=str(tmp_path / "pipelines"),
        )

    def run(self, sb: Sandbox, objects: list[str] | None = None, **source_args: Any) -> Any:
        source_args.setdefault("api_key", sb.token)
        source_args.setdefault("base_url", sb.base_url)
        source = kustomer_source(**source_args)
        if objects:
            source = source.with_resources(*objects)
        return self.pipeline.run(source, loader_file_format="parquet")


class LoadedDataset(DuckDBDataset):
    """A DuckDB file nothing writes to any more, read through one connection kept open (opening
    a file of a whole org's tables takes some 70 ms, and a test asks hundreds of questions)."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = str(db_path)
        self._con: duckdb.DuckDBPyConnection | None = None

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self._con is None:
            self._con = duckdb.connect(self.db_path, read_only=True)
        return self._con.execute(sql).fetchall()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


def made_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], object]
) -> Path:
    """A directory that `make` fills once per test session, shared by all xdist workers: the
    first worker to ask makes it while holding a lock, the others wait for it and reuse it. A
    `make` that fails leaves nothing behind, so the next one to ask tries again."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the session's directory, above each worker's own
    here = root / f"shared-{name}"
    with open(root / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (here / ".made").exists():
            shutil.rmtree(here, ignore_errors=True)
            here.mkdir()
            try:
                make(here)
            except BaseException:
                shutil.rmtree(here, ignore_errors=True)
                raise
            (here / ".made").touch()
    return here


def org_fingerprint(sb: Sandbox) -> str:
    """A digest of everything an org serves (records, Klasses and KObjects, tags, SLAs and their
    versions, holidays): equal for two sandboxes of the same seed and scale left unchanged."""
    c = sb.control
    digest = hashlib.sha256()

    def add(value: Any) -> None:
        digest.update(json.dumps(value, sort_keys=True, default=str).encode())

    for obj in c.objects():
        add([obj, list(c.records(obj, include_deleted=True))])
    for klass in c.kobjects.klasses(include_deleted=True):
        name = klass["attributes"]["name"]
        add([klass, c.kobjects.records(name, include_deleted=True)])
    add([c.extras.tags, c.extras.slas, c.extras.versions])
    add([c.extras.holidays(s["id"]) for s in c.records("schedules", include_deleted=True)])
    return digest.hexdigest()


@dataclass(frozen=True)
class DemoRun:
    """The README's demo command (`--demo`, at scale 15), run in an empty directory with its state
    in a `--pipelines-dir` of its own (`state/pipelines`, not dlt's default under `dlt_data`)."""

    root: Path

    @classmethod
    def make(cls, root: Path) -> DemoRun:
        demo = cls(root)
        demo.workdir.mkdir()
        with pytest.MonkeyPatch.context() as mp:
            isolate_dlt(mp, root / "dlt_data")
            out = subprocess.run(
                [sys.executable, str(REPO / "pipelines" / "kustomer_pipeline.py"), "--demo",
                 "--demo-scale", "15", "--pipelines-dir", str(demo.pipelines_dir)],
                cwd=demo.workdir, capture_output=True, text=True, timeout=600,
            )  # fmt: skip
        (root / "returncode").write_text(str(out.returncode))
        (root / "stdout").write_text(out.stdout)
        (root / "stderr").write_text(out.stderr)
        return demo

    @property
    def workdir(self) -> Path:
        """Where the demo ran: kustomer_demo.duckdb is there."""
        return self.root / "work"

    @property
    def pipelines_dir(self) -> Path:
        return self.root / "state" / "pipelines"

    @property
    def data_dir(self) -> Path:
        """A DLT_DATA_DIR whose pipelines are the demo's (for dlt's CLI and dlt.attach)."""
        return self.root / "state"

    @property
    def returncode(self) -> int:
        return int((self.root / "returncode").read_text())

    @property
    def stdout(self) -> str:
        return (self.root / "stdout").read_text()

    @property
    def stderr(self) -> str:
        return (self.root / "stderr").read_text()

    def copy(self, to: Path) -> DemoRun:
        """The demo's directories copied to `to`, for a test that writes to them or opens them
        through dlt (which may open the DuckDB file for writing)."""
        shutil.copytree(self.root, to, dirs_exist_ok=True)
        return DemoRun(to)


def snake(name: str) -> str:
    """The destination column name dlt gives an API name (`createdBy` -> `created_by`)."""
    return NAMING.normalize_identifier(name)


def spec_objects() -> list[dict[str, Any]]:
    """The AppFlow object list: from ../shared when the checkout has it, else the packaged copy."""
    path = SHARED_SPEC if SHARED_SPEC.exists() else PACKAGED_SPEC
    return list(json.loads(path.read_text())["objects"])


def files_containing(root: Path, needle: str) -> list[str]:
    """Files under root whose bytes contain needle (for checking the API key leaks nowhere)."""
    hits = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            path = Path(dirpath) / name
            try:
                if needle.encode() in path.read_bytes():
                    hits.append(str(path))
            except OSError:
                continue
    return hits
