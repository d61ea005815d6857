"""Shared fixtures: a sandbox Kustomer on loopback and pipelines that load it into DuckDB, the demo
run, and the GitHub Actions workflow read. Their helpers are in tests/helpers/."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers.loading import DemoRun, LoadedDataset, Loader, isolate_dlt, made_once, org_fingerprint
from helpers.workflow import read_workflow

from kustomer_sandbox import Sandbox, serve


@pytest.fixture(autouse=True)
def _isolated_dlt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own dlt data dir, fast HTTP retries and normalize in-process."""
    isolate_dlt(monkeypatch, tmp_path / "dlt_data")


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """One read-only sandbox org for tests that do not change it."""
    with serve(seed=11, scale=40) as sb:
        yield sb


@pytest.fixture(scope="session")
def full_load(
    sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LoadedDataset]:
    """Every object of the session sandbox's org loaded into DuckDB once, for the tests that only
    read what landed. The first xdist worker to need it loads it; each worker's session sandbox
    is the same org (the same seed and scale, never changed), which the digest checks."""

    def make(here: Path) -> None:
        with pytest.MonkeyPatch.context() as mp:
            isolate_dlt(mp, here / "dlt_data")
            info = Loader(here).run(sandbox)
        made = {"has_failed_jobs": info.has_failed_jobs, "org": org_fingerprint(sandbox)}
        (here / "load.json").write_text(json.dumps(made))

    here = made_once(tmp_path_factory, "full-load", make)
    made = json.loads((here / "load.json").read_text())
    assert made["org"] == org_fingerprint(sandbox), "the session sandbox is not the loaded org"
    assert not made["has_failed_jobs"]
    dataset = LoadedDataset(here / "kustomer.duckdb")
    yield dataset
    dataset.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """The demo command, run once for the whole session (by the first xdist worker to need it)
    for the tests that check its output and read what it loaded. A test that writes there, or
    opens it through dlt, works on `demo.copy(tmp_path)`."""
    return DemoRun(made_once(tmp_path_factory, "demo", DemoRun.make))


@pytest.fixture
def fresh_sandbox() -> Iterator[Sandbox]:
    """A sandbox org of its own, for tests that change the org."""
    with serve(seed=5, scale=30) as sb:
        yield sb


@pytest.fixture
def loader(tmp_path: Path) -> Loader:
    return Loader(tmp_path)


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    """.github/workflows/kustomer_pipeline.yml, parsed."""
    return read_workflow()
