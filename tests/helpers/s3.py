"""S3 on loopback: moto's S3 server in a subprocess, and the pipeline script's `run()` into dlt's
filesystem destination on it."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dlt

from kustomer_runner.cli import parse_args
from kustomer_runner.load import load_source
from kustomer_runner.pipeline import make_pipeline
from kustomer_sandbox import Sandbox
from kustomer_source import kustomer_source

KEY_ID, SECRET = "kustomer-test", "kustomer-test-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def moto_server(log: Path) -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 (its output in `log`) while the block runs; its URL."""
    port = free_port()
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1).close()
            break
        except OSError:
            if server.poll() is not None or time.time() > deadline:
                server.kill()
                raise RuntimeError(f"moto server did not start: {log.read_text()}") from None
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def cli_args(tmp_path: Path, objects: list[str], *extra: str) -> Any:
    return parse_args(
        [
            "--destination",
            "filesystem",
            "--objects",
            ",".join(objects),
            "--pipelines-dir",
            str(tmp_path / "pipelines"),
            *extra,
        ]
    )


def load(sb: Sandbox, args: Any, **source_args: Any) -> dlt.Pipeline:
    """One run of the pipeline script's `run()` against the sandbox."""
    pipeline = make_pipeline(args)
    source = kustomer_source(
        api_key=sb.token, base_url=sb.base_url, hard_delete=args.hard_delete, **source_args
    )
    info = load_source(pipeline, source, args)
    assert not info.has_failed_jobs
    return pipeline
