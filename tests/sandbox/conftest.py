"""Fixtures for the sandbox's own tests: sandboxes on loopback and an HTTP client for them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from helpers.sandbox_client import Client

from kustomer_sandbox import Sandbox, serve


@pytest.fixture(scope="session")
def sb() -> Iterator[Sandbox]:
    """A read-only sandbox shared by the tests that do not change the org."""
    with serve(seed=3, scale=30) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def client(sb: Sandbox) -> Client:
    """A full-access client of the shared sandbox."""
    return Client(sb)


@pytest.fixture
def fresh() -> Iterator[Sandbox]:
    """A sandbox of the test's own, for tests that change the org or the limits."""
    with serve(seed=5, scale=25) as sandbox:
        yield sandbox


@pytest.fixture
def fresh_client(fresh: Sandbox) -> Client:
    """A full-access client of the test's own sandbox."""
    return Client(fresh)
