"""The command line: starts, prints its base URL and token, serves, stops on a signal."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

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
            proc.wait(timeout=30)  # generous: CI runs this beside other tests on two cores
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
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
        "--moves-touch-updated-at",
        "--redaction-touches-updated-at",
        "--profile",
        "--tie-order",
        "--unsupported-sort",
        "--total-cap",
        "--list-order",
        "--recent-update-share",
        "--error-form",
        "--empty-relationships",
        "--no-created-by",
    ):
        assert flag in out, flag
    assert "act --help" in out
    act = subprocess.run(
        [sys.executable, "-m", "kustomer_sandbox", "act", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    for action in (
        "delete",
        "merge-customers",
        "merge-conversations",
        "redact",
        "retention",
        "expire-audit",
        "behaviour",
        "options",
        "advance-clock",
    ):
        assert action in act, action


def act(url: str, *args: str) -> tuple[int, Any, str]:
    """Run ``python -m kustomer_sandbox act --url URL ...``: (exit code, JSON out, stderr)."""
    done = subprocess.run(
        [sys.executable, "-m", "kustomer_sandbox", "act", "--url", url, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else None, done.stderr


def test_act_changes_a_served_sandbox_between_runs() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kustomer_sandbox",
            "--port",
            "0",
            "--scale",
            "30",
            "--rate-limit",
            "0",
            "--moves-touch-updated-at",
            "yes",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        found = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
        assert found, lines
        url = found.group(0)
        api = requests.Session()
        api.headers["Authorization"] = "Bearer " + lines[1].split(": ", 1)[1].strip()

        def ids(path: str) -> list[str]:
            return [r["id"] for r in api.get(url + path, params={"pageSize": 100}).json()["data"]]

        customers, convs, msgs = ids("/v1/customers"), ids("/v1/conversations"), ids("/v1/messages")

        rc, out, _ = act(url, "behaviour")
        assert rc == 0 and out == {
            "moves_touch_updated_at": True,
            "redaction_touches_updated_at": False,
        }
        rc, out, _ = act(url, "behaviour", "--redaction-touches-updated-at", "yes")
        assert out["redaction_touches_updated_at"] is True
        rc, out, _ = act(url, "options", "--profile", "unkind", "--list-order", "id")
        assert rc == 0 and out["profile"] == "unkind" and out["tie_order"] == "shuffle"
        assert out["list_order"] == "id" and out["total_cap"] == 15
        kind = ("--tie-order", "id", "--unsupported-sort", "accept", "--total-cap", "0")
        kind += ("--recent-update-share", "0", "--error-form", "jsonapi")
        kind += ("--empty-relationships", "0", "--no-created-by", "0")
        kind += ("--audit-order", "oldest", "--kobject-link-key", "links")
        rc, out, _ = act(url, "options", *kind)
        assert rc == 0 and out["error_form"] == "jsonapi" and out["tie_order"] == "id"
        assert out["audit_order"] == "oldest" and out["kobject_link_key"] == "links"
        assert out["recent_update_share"] == 0 and out["total_cap"] == 0
        rc, out, _ = act(url, "delete", "customers", customers[-1])
        assert rc == 0 and out["deleted"]["customers"] == [customers[-1]]
        assert api.get(f"{url}/v1/customers/{customers[-1]}").status_code == 404
        rc, out, err = act(url, "delete", "customers", customers[-1])
        assert rc == 1 and err.startswith("404")
        rc, out, _ = act(url, "delete", "notes", *ids("/v1/notes")[-2:])
        assert rc == 0 and len(out["deleted"]["notes"]) == 2
        rc, out, _ = act(url, "merge-customers", customers[-3], customers[-2])
        assert rc == 0 and out["data"]["type"] == "customer_merge"
        merges = api.get(f"{url}/v1/customers/{customers[-3]}/merges").json()["data"]
        assert [m["id"] for m in merges] == [out["data"]["id"]]
        rc, out, _ = act(url, "merge-conversations", convs[-5], convs[-4])
        assert rc == 0 and out["data"]["attributes"]["mergedTarget"] is True
        rc, out, _ = act(url, "redact", msgs[0], "--preview", "gone")
        assert rc == 0 and out["data"]["attributes"]["preview"] == "gone"
        rc, out, err = act(url, "retention", "--before", "2025-06-01", "conversations")
        assert rc == 1 and "24 months" in err
        rc, out, _ = act(url, "retention", "--before", "2024-06-01", "conversations")
        assert rc == 0 and out["deleted"]["conversations"] > 0
        rc, out, _ = act(url, "expire-audit", "2024-06-01")
        assert rc == 0 and out["dropped"] > 0
        rc, out, _ = act(url, "advance-clock", "91")
        assert rc == 0 and out["now"].startswith("2026-11-01T00:01:31")
        verbs = [
            e["attributes"]["eventVerb"]
            for e in api.get(url + "/v1/audit-logs", params={"count": 1000}).json()["data"]
            if e["attributes"]["createdAt"] >= "2026-11-01"
        ]
        assert verbs == ["delete", "merge", "merge", "update"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert act("http://127.0.0.1:1", "behaviour")[0] == 1
