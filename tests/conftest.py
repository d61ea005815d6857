"""Shared fixtures: a sandbox Kustomer on loopback and pipelines that load it into DuckDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import Loader

from kustomer_source.sandbox import Sandbox, serve


@pytest.fixture(autouse=True)
def _isolated_dlt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own dlt data dir, fast HTTP retries and normalize in-process."""
    monkeypatch.setenv("DLT_DATA_DIR", str(tmp_path / "dlt_data"))
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("RUNTIME__REQUEST_BACKOFF_FACTOR", "0.05")
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_RETRY_DELAY", "1")
    monkeypatch.delenv("SOURCES__KUSTOMER__API_KEY", raising=False)
    # dlt forks its normalize workers; a fork of this process, which runs sandbox server threads,
    # crashed in the child's garbage collector (a segfault in dlt/normalize/worker.py, 2 of 4
    # full runs). One worker makes dlt normalize in this process, with no fork.
    monkeypatch.setenv("NORMALIZE__WORKERS", "1")


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """One read-only sandbox org for tests that do not change it."""
    with serve(seed=11, scale=40) as sb:
        yield sb


@pytest.fixture
def fresh_sandbox() -> Iterator[Sandbox]:
    """A sandbox org of its own, for tests that change the org."""
    with serve(seed=5, scale=30) as sb:
        yield sb


@pytest.fixture
def loader(tmp_path: Path) -> Loader:
    return Loader(tmp_path)
