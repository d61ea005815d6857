"""A peer connector reads the sandbox: singer-io's tap-kustomer 1.1.0, unchanged, from PyPI.

The tap is installed in a virtual environment of its own (its pinned `requests` and
`singer-python` clash with the project's), created once per test session under a temporary
directory, or kept in `.venv-tap` at the repository root when git ignores that path. It runs
discovery, every stream it offers is selected, and it syncs a small sandbox org.

The tap cannot be pointed at another host: its client hard-codes
`https://api.kustomerapp.com/v1`. What it takes is what `requests` takes from the environment,
so the sandbox is served behind an HTTPS proxy (`kustomer_sandbox.proxy.TlsProxy`): the tap's
process gets `HTTPS_PROXY` (the proxy, which answers every CONNECT with the sandbox) and
`REQUESTS_CA_BUNDLE` (the proxy's throwaway CA). Its code is not touched.

Checked: exit status 0, no "Errors during transform" and no traceback on stderr, records from
every stream, every record of the list streams, and for the search streams (customers,
conversations, messages, notes, kobjects) every record search's two-year window holds, compared
with what the sandbox holds (`sb.control`). The test is skipped only when PyPI cannot be
reached (the install fails to download).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kustomer_sandbox import Sandbox, serve
from kustomer_sandbox.proxy import TlsProxy
from kustomer_sandbox.timefmt import iso_ms, to_ms

TAP = "tap-kustomer==1.1.0"
ROOT = Path(__file__).resolve().parents[2]
#: streams the tap reads through POST /v1/customers/search, and the objects behind them
SEARCHED = {
    "customers": "customers",
    "conversations": "conversations",
    "messages": "messages",
    "notes": "notes",
}
#: streams read from GET lists, and the sandbox objects they list (tags: the extras' tags)
LISTED = {"users": "users", "teams": "teams", "shortcuts": "shortcuts"}
#: pip's words for "the package index could not be reached"
UNREACHABLE = re.compile(
    r"No matching distribution found|Could not find a version that satisfies|"
    r"Failed to establish a new connection|Temporary failure in name resolution|"
    r"Name or service not known|Network is unreachable|Max retries exceeded|"
    r"ConnectionError|ConnectTimeout|ReadTimeout|ProxyError|SSLError",
    re.IGNORECASE,
)


def _git_ignores(path: Path) -> bool:
    try:
        done = subprocess.run(
            ["git", "check-ignore", "-q", str(path)], cwd=ROOT, capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _tap_installed(venv: Path) -> bool:
    python = venv / "bin" / "python"
    if not python.exists():
        return False
    done = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('tap-kustomer'))"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode == 0 and done.stdout.strip() == TAP.split("==")[1]


@pytest.fixture(scope="session")
def tap_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with tap-kustomer 1.1.0 (made once per session; kept across
    sessions in `.venv-tap` where git ignores it)."""
    cached = ROOT / ".venv-tap"
    venv = cached if _git_ignores(cached) else tmp_path_factory.mktemp("singer") / "venv"
    if _tap_installed(venv):
        return venv
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
    done = subprocess.run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-input",
            TAP,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        output = done.stdout + done.stderr
        if UNREACHABLE.search(output):
            pytest.skip(f"PyPI unreachable, {TAP} not installed: {output.strip()[-400:]}")
        pytest.fail(f"pip install {TAP} failed:\n{output[-4000:]}")
    return venv


@pytest.fixture(scope="module")
def tap_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, TlsProxy]]:
    """A small org, rate limits off, behind the HTTPS proxy the tap reaches it through."""
    with (
        serve(seed=13, scale=60) as sb,
        TlsProxy(sb.base_url, tmp_path_factory.mktemp("proxy")) as proxy,
    ):
        yield sb, proxy


def run_tap(venv: Path, proxy: TlsProxy, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the tap's own command with the proxy in its environment."""
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(proxy.environment())
    return subprocess.run(
        [str(venv / "bin" / "tap-kustomer"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def select_all(catalog: dict[str, Any]) -> dict[str, Any]:
    """Every stream of a discovered catalog selected, and every field of it."""
    for stream in catalog["streams"]:
        for entry in stream["metadata"]:
            entry["metadata"]["selected"] = True
    return catalog


def in_window(records: Iterator[dict[str, Any]], floor: str) -> set[str]:
    """Ids of the records search reaches: updated within its two years."""
    return {r["id"] for r in records if r["attributes"]["updatedAt"] >= floor}


def test_the_singer_tap_reads_every_stream(
    tap_venv: Path, tap_sandbox: tuple[Sandbox, TlsProxy], tmp_path: Path
) -> None:
    sb, proxy = tap_sandbox
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps(
            {
                "api_token": sb.token,
                "start_date": "2000-01-01T00:00:00Z",
                "user_agent": "kustomer-dlt sandbox test",
            }
        )
    )
    started = time.monotonic()
    found = run_tap(tap_venv, proxy, "--config", str(config), "--discover")
    assert found.returncode == 0, found.stderr[-4000:]
    catalog = select_all(json.loads(found.stdout))
    streams = {s["tap_stream_id"] for s in catalog["streams"]}
    assert streams == {*SEARCHED, *LISTED, "kobjects", "tags"}
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))

    synced = run_tap(
        tap_venv,
        proxy,
        "--config",
        str(config),
        "--catalog",
        str(tmp_path / "catalog.json"),
    )
    took = time.monotonic() - started
    assert synced.returncode == 0, synced.stderr[-4000:]
    assert "Errors during transform" not in synced.stderr, synced.stderr[-4000:]
    assert "Traceback" not in synced.stderr, synced.stderr[-4000:]
    assert proxy.connects and set(proxy.connects) == {"api.kustomerapp.com:443"}

    emitted: dict[str, set[str]] = defaultdict(set)
    for line in synced.stdout.splitlines():
        message = json.loads(line)
        if message.get("type") == "RECORD":
            emitted[message["stream"]].add(message["record"]["id"])
    assert set(emitted) == streams, sorted(streams - set(emitted))

    control = sb.control
    floor = iso_ms(to_ms(control.now() - timedelta(days=730)))
    for stream, obj in SEARCHED.items():
        assert emitted[stream] == in_window(control.records(obj), floor), stream
    kobjects: set[str] = set()
    for klass in ("ecomm-order", "subscription", "warranty-claim"):
        kobjects |= in_window(iter(control.kobjects.records(klass)), floor)
    assert emitted["kobjects"] == kobjects
    for stream, obj in LISTED.items():
        assert emitted[stream] == {r["id"] for r in control.records(obj)}, stream
    assert emitted["tags"] == {t["id"] for t in control.extras.live_tags()}
    # the tap's own run (discovery and sync) against a small org
    assert took < 120, f"the tap took {took:.0f} s"
