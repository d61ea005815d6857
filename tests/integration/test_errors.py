"""Bad input gets a clear error, loses nothing, and never shows the API key."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from dlt.extract.exceptions import ResourcesNotFoundError
from dlt.pipeline.exceptions import PipelineStepFailed
from helpers.loading import REPO, Loader, files_containing

from kustomer_sandbox import Sandbox, serve
from kustomer_source import (
    KustomerAuthError,
    KustomerConnectionError,
    Tuning,
    UnsafeNextLinkError,
    kustomer_source,
)
from kustomer_source.catalog import CATALOG

PIPELINE = str(REPO / "pipelines" / "kustomer_pipeline.py")


def root_cause(exc: BaseException) -> BaseException:
    while exc.__cause__ or exc.__context__:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return exc


def kustomer_cause(exc: BaseException) -> BaseException:
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__module__.startswith("kustomer_source"):
            return seen
        seen = seen.__cause__ or seen.__context__
    raise AssertionError(f"no Kustomer error behind {exc!r}")


def test_wrong_token_stops_with_clear_message(
    sandbox: Sandbox, loader: Loader, tmp_path: Path
) -> None:
    bad = "kst_wrong_" + "x" * 30
    with pytest.raises(PipelineStepFailed) as failed:
        loader.run(sandbox, ["brands"], api_key=bad)
    cause = kustomer_cause(failed.value)
    assert isinstance(cause, KustomerAuthError)
    assert "401" in str(cause) and "api_key" in str(cause)
    assert bad not in str(failed.value)
    assert not files_containing(tmp_path, bad)


def test_expired_token(sandbox: Sandbox, loader: Loader) -> None:
    token = sandbox.control.create_token(expires_in_s=60)
    sandbox.control.advance_clock(120)
    try:
        with pytest.raises(PipelineStepFailed) as failed:
            loader.run(sandbox, ["brands"], api_key=token)
        assert isinstance(kustomer_cause(failed.value), KustomerAuthError)
        assert "expired" in str(kustomer_cause(failed.value)).lower()
    finally:
        sandbox.control.advance_clock(0)


def test_missing_role_answered_401_skips_that_object_only(
    loader: Loader, caplog: pytest.LogCaptureFixture
) -> None:
    """Older Kustomer docs: a missing role can answer 401. The key check tells it from a bad key."""
    with serve(seed=5, scale=10, missing_role_status=401) as sb:
        teams_role = CATALOG["teams"].role
        limited = sb.control.create_token(roles=[r for r in sb.control.roles() if r != teams_role])
        with caplog.at_level(logging.WARNING):
            info = loader.run(sb, ["brands", "teams"], api_key=limited)
        assert not info.has_failed_jobs
        assert loader.count("brands") == sb.control.count("brands")
        assert "teams" not in loader.tables()
        assert "Skipping teams" in caplog.text and str(teams_role) in caplog.text


def test_missing_role_skips_that_object_only(
    fresh_sandbox: Sandbox, loader: Loader, caplog: pytest.LogCaptureFixture
) -> None:
    loader.run(fresh_sandbox, ["brands", "teams"])
    teams_role = CATALOG["teams"].role
    roles = [role for role in fresh_sandbox.control.roles() if role != teams_role]
    limited = fresh_sandbox.control.create_token(roles=roles)
    fresh_sandbox.control.create("brands", {"name": "New brand"})
    with caplog.at_level(logging.WARNING):
        info = loader.run(fresh_sandbox, ["brands", "teams"], api_key=limited)
    assert not info.has_failed_jobs
    assert loader.count("brands") == fresh_sandbox.control.count("brands")
    assert loader.count("teams") == fresh_sandbox.control.count("teams")  # kept, not truncated
    assert "Skipping teams" in caplog.text and str(teams_role) in caplog.text


def test_unreachable_host(loader: Loader) -> None:
    """The source asks the org for its Klasses when it is made: that first request fails at
    once, not after every retry."""
    with pytest.raises(KustomerConnectionError) as failed:
        kustomer_source(api_key="k", base_url="http://127.0.0.1:9")
    assert "127.0.0.1:9" in str(failed.value) and "connection refused" in str(failed.value)


def test_unreachable_host_on_the_first_request_of_a_resource(loader: Loader) -> None:
    source = kustomer_source(
        api_key="k",
        base_url="http://127.0.0.1:9",
        kobjects=False,
        custom_attribute_metadata=False,
    )
    with pytest.raises(PipelineStepFailed) as failed:
        loader.pipeline.run(source.with_resources("brands"))
    cause = kustomer_cause(failed.value)
    assert isinstance(cause, KustomerConnectionError)
    assert "127.0.0.1:9" in str(cause)


@pytest.fixture
def two_hosts() -> Iterator[tuple[str, str, list[str]]]:
    """A host whose links.next points at a second host, which records any request it gets."""
    seen: list[str] = []

    class Other(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.headers.get("Authorization", ""))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"data": [], "links": {"next": null}}')

        def log_message(self, *args: object) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Other)
    other_url = f"http://127.0.0.1:{other.server_address[1]}"

    class First(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = {
                "data": [{"type": "brand", "id": "b1", "attributes": {"name": "x"}}],
                "links": {"next": f"{other_url}/v1/brands?page=2"},
            }
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(body).encode())

        def log_message(self, *args: object) -> None:
            pass

    first = ThreadingHTTPServer(("127.0.0.1", 0), First)
    for server in (other, first):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{first.server_address[1]}", other_url, seen
    for server in (other, first):
        server.shutdown()


@pytest.mark.parametrize("concurrency", [1, 4])
def test_next_link_to_another_host_is_refused(
    loader: Loader, two_hosts: tuple[str, str, list[str]], concurrency: int
) -> None:
    first_url, _, seen = two_hosts
    source = kustomer_source(
        api_key="secret-key-123", base_url=first_url, tuning=Tuning(list_concurrency=concurrency)
    )
    with pytest.raises(PipelineStepFailed) as failed:
        loader.pipeline.run(source.with_resources("brands"))
    assert isinstance(kustomer_cause(failed.value), UnsafeNextLinkError)
    assert seen == []


def test_unknown_object_name(sandbox: Sandbox) -> None:
    with pytest.raises(ResourcesNotFoundError, match="conversations"):
        kustomer_source(api_key=sandbox.token, base_url=sandbox.base_url).with_resources("nope")
    out = subprocess.run(
        [sys.executable, PIPELINE, "--demo", "--objects", "conversations,nope"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 1
    assert "Unknown Kustomer object(s): nope" in out.stderr and "routing_work_items" in out.stderr
    assert "message_attachments" in out.stderr and "sla_targets" in out.stderr


def test_faults_are_retried_and_lose_nothing(
    loader: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pages are read side by side, so which request draws which fault varies from run to run:
    # at 40% faults, 3 attempts lose a request about once in 16 (a flaky test); 10 attempts
    # lose one about once in 10,000
    monkeypatch.setenv("RUNTIME__REQUEST_MAX_ATTEMPTS", "10")
    with serve(
        seed=3, scale=30, fault_5xx_rate=0.15, fault_malformed_rate=0.15, fault_drop_rate=0.1
    ) as sb:
        # the sandbox draws faults from one seeded sequence: only these objects' reads draw
        # from it (no Klass or metadata questions before them)
        loader.run(
            sb,
            ["customers", "users", "brands"],
            tuning=Tuning(page_size=10),
            kobjects=False,
            custom_attribute_metadata=False,
        )
        for table in ("customers", "users", "brands"):
            assert loader.ids(table) == {r["id"] for r in sb.control.records(table)}


def test_token_never_logged_even_at_debug(
    sandbox: Sandbox,
    loader: Loader,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RUNTIME__LOG_LEVEL", "DEBUG")
    with caplog.at_level(logging.DEBUG):
        loader.run(sandbox, ["brands", "customers"])
    assert sandbox.token not in caplog.text
    assert not files_containing(tmp_path, sandbox.token)
    trace = loader.pipeline.last_trace
    assert sandbox.token not in str(trace.asdict())
