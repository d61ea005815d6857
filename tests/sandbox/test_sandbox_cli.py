"""The command line: starts, prints its base URL and token, serves, stops on a signal."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]


def test_cli_starts_prints_url_and_token_and_serves() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kustomer_sandbox",
            "--port",
            "0",
            "--seed",
            "9",
            "--scale",
            "50",
            "--token",
            "secret-token",
            "--rate-limit",
            "50",
            "--reset-header",
            "seconds",
            "--fault-404-page",
            "3",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        url = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
        assert url, lines
        assert lines[1].strip() == "API token: secret-token"
        r = requests.get(
            url.group(0) + "/v1/customers",
            timeout=10,
            headers={"Authorization": "Bearer secret-token"},
        )
        assert r.status_code == 200 and r.json()["meta"]["total"] == 50
        assert r.headers["x-ratelimit-limit"] == "50"
        assert int(r.headers["x-ratelimit-reset"]) <= 60
        page3 = requests.get(
            url.group(0) + "/v1/customers",
            params={"page": 3, "pageSize": 5},
            timeout=10,
            headers={"Authorization": "Bearer secret-token"},
        )
        assert page3.status_code == 404
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert proc.returncode == 0


def test_cli_help_explains_every_option() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kustomer_sandbox", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    for flag in (
        "--port",
        "--token",
        "--seed",
        "--scale",
        "--latency-ms",
        "--jitter-ms",
        "--rate-limit",
        "--search-rate-limit",
        "--reset-header",
        "--fault-5xx-rate",
        "--fault-drop-rate",
        "--fault-malformed-rate",
        "--fault-404-page",
        "--fault-no-links-page",
        "--fault-data-not-list-page",
        "--index-lag",
    ):
        assert flag in out, flag
