"""Auth (401/403), rate limits (headers, 429, both reset modes), latency and faults."""

from __future__ import annotations

import json
import time

import pytest
import requests
from helpers.sandbox_client import Client

from kustomer_sandbox import Sandbox, serve


def test_missing_unknown_and_expired_tokens_are_401(sb: Sandbox) -> None:
    url = sb.base_url + "/v1/customers"
    r = requests.get(url, timeout=10)
    assert r.status_code == 401 and r.json()["errors"][0]["status"] == 401
    assert requests.get(url, headers={"Authorization": sb.token}, timeout=10).status_code == 401
    r = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert r.status_code == 401


def test_expired_token(fresh: Sandbox) -> None:
    token = fresh.control.create_token(expires_in_s=60)
    c = Client(fresh, token)
    assert c.get("/v1/brands").status_code == 200
    fresh.control.advance_clock(61)
    r = c.get("/v1/brands")
    assert r.status_code == 401 and "Expired token" in r.json()["errors"][0]["detail"]
    assert Client(fresh).get("/v1/brands").status_code == 200  # the main token never expires


def test_roles(sb: Sandbox) -> None:
    c = Client(sb, sb.control.create_token(["org.permission.customer.read"]))
    assert c.get("/v1/customers").status_code == 200
    r = c.get("/v1/conversations")
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "forbidden"
    assert c.get("/v1/chat/settings").status_code == 200  # any valid credential
    assert c.search({"queryContext": "customer"}).status_code == 403  # no search role
    legacy = Client(sb, sb.control.create_token(["org.user.customer.read"]))
    assert legacy.get("/v1/customers").status_code == 200
    searcher = Client(
        sb, sb.control.create_token(["org.permission.search.create", "org.permission.note.read"])
    )
    assert searcher.search({"queryContext": "note"}).status_code == 200
    assert searcher.search({"queryContext": "message"}).status_code == 403
    nothing = Client(sb, sb.control.create_token([]))
    for path in ("/v1/users", "/v1/audit-logs", "/v1/kb/articles", "/v1/auth/customer/settings"):
        assert nothing.get(path).status_code == 403, path
    assert nothing.get("/v1/auth/tokens/current").status_code == 200
    assert sorted(sb.control.roles("customers")) == [
        "org.permission.customer.read",
        "org.user.customer.read",
    ]


def test_rate_limit_headers_and_429(fresh: Sandbox, fresh_client: Client) -> None:
    fresh.control.set_limits(rate_limit=5, search_rate_limit=0)
    seen = []
    window_end = (int(time.time()) // 60 + 1) * 60
    for _ in range(5):
        r = fresh_client.get("/v1/brands")
        if int(time.time()) >= window_end:
            pytest.skip("crossed a minute boundary")
        assert r.status_code == 200
        seen.append(int(r.headers["x-ratelimit-remaining"]))
        assert r.headers["x-ratelimit-limit"] == "5"
        assert int(r.headers["x-ratelimit-reset"]) == window_end
    assert seen == [4, 3, 2, 1, 0]
    r = fresh_client.get("/v1/brands")
    assert r.status_code == 429 and r.json()["errors"][0]["status"] == 429
    assert r.headers["x-ratelimit-remaining"] == "0"
    assert fresh_client.get("/v1/customers").status_code == 429
    assert fresh.control.throttled() == 2
    assert fresh.control.requests() == 7
    # 401s are not the org's requests: no budget, no headers
    assert (
        "x-ratelimit-limit" not in requests.get(fresh.base_url + "/v1/brands", timeout=10).headers
    )
    fresh.control.set_limits(rate_limit=0)
    r = fresh_client.get("/v1/brands")
    assert r.status_code == 200 and "x-ratelimit-limit" not in r.headers


def test_search_budget(fresh: Sandbox, fresh_client: Client) -> None:
    fresh.control.set_limits(rate_limit=100, search_rate_limit=2)
    body = {"queryContext": "customer"}
    r1 = fresh_client.search(body)
    assert r1.status_code == 200 and r1.headers["x-ratelimit-limit"] == "2"
    assert r1.headers["x-ratelimit-remaining"] == "1"
    assert fresh_client.search(body).status_code == 200
    r3 = fresh_client.search(body)
    assert r3.status_code == 429 and r3.headers["x-ratelimit-limit"] == "2"
    r = fresh_client.get("/v1/brands")
    assert r.status_code == 200 and r.headers["x-ratelimit-limit"] == "100"
    # two searches and one list request spent the org budget; the 429 did not
    assert r.headers["x-ratelimit-remaining"] == "97"


def test_search_apart_from_the_org_budget(fresh: Sandbox, fresh_client: Client) -> None:
    fresh.control.set_limits(rate_limit=2, search_rate_limit=5, search_counts_org=False)
    window_end = (int(time.time()) // 60 + 1) * 60
    body = {"queryContext": "customer"}
    searches = [fresh_client.search(body).status_code for _ in range(3)]
    lists = [fresh_client.get("/v1/brands") for _ in range(3)]
    last_search = fresh_client.search(body).status_code
    if int(time.time()) >= window_end:
        pytest.skip("crossed a minute boundary")
    assert searches == [200, 200, 200]
    # the three searches spent only the search budget
    assert lists[0].headers["x-ratelimit-remaining"] == "1"
    assert [r.status_code for r in lists] == [200, 200, 429]
    assert last_search == 200  # the org budget is spent, not the search budget


def test_reset_header_as_seconds_to_go() -> None:
    with serve(rate_limit=3, reset_header="seconds") as sb:
        c = Client(sb)
        for _ in range(3):
            r = c.get("/v1/brands")
            assert 1 <= int(r.headers["x-ratelimit-reset"]) <= 60
        r = c.get("/v1/brands")
        assert r.status_code == 429 and 1 <= int(r.headers["x-ratelimit-reset"]) <= 60


def test_latency_and_jitter(fresh: Sandbox, fresh_client: Client) -> None:
    fresh_client.get("/v1/brands")
    t0 = time.perf_counter()
    fresh_client.get("/v1/brands")
    base = time.perf_counter() - t0
    fresh.control.set_latency(120, 30)
    t0 = time.perf_counter()
    fresh_client.get("/v1/brands")
    took = time.perf_counter() - t0
    assert 0.12 <= took < 0.12 + 0.03 + base + 0.25


def test_fault_5xx(fresh: Sandbox, fresh_client: Client) -> None:
    fresh.control.set_faults(fault_5xx_rate=1.0)
    r = fresh_client.get("/v1/brands")
    assert r.status_code in (500, 502, 503) and r.json()["errors"][0]["status"] == r.status_code
    fresh.control.set_faults(fault_5xx_rate=0.0)
    assert fresh_client.get("/v1/brands").status_code == 200


def test_fault_drop(fresh: Sandbox, fresh_client: Client) -> None:
    fresh.control.set_faults(fault_drop_rate=1.0)
    with pytest.raises(requests.exceptions.ConnectionError):
        fresh_client.get("/v1/brands")
    fresh.control.set_faults(fault_drop_rate=0.0)
    assert fresh_client.get("/v1/brands").status_code == 200


def test_fault_malformed(fresh: Sandbox, fresh_client: Client) -> None:
    fresh.control.set_faults(fault_malformed_rate=1.0)
    r = fresh_client.get("/v1/customers")
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)
    fresh.control.set_faults(fault_malformed_rate=0.0)
    assert fresh_client.get("/v1/customers").json()["data"]


def test_page_faults(fresh: Sandbox, fresh_client: Client) -> None:
    """404, no `links` and `data` as an object on one page number of every numbered list."""
    fresh.control.set_faults(fault_404_page=2)
    assert fresh_client.get("/v1/customers", page=1, pageSize=5).status_code == 200
    r = fresh_client.get("/v1/customers", page=2, pageSize=5)
    assert r.status_code == 404 and r.json()["errors"][0]["status"] == 404
    assert fresh_client.get("/v1/users", page=2, pageSize=5).status_code == 404
    fresh.control.set_faults(fault_404_page=0, fault_no_links_page=2)
    body = fresh_client.get("/v1/customers", page=2, pageSize=5).json()
    assert "links" not in body and len(body["data"]) == 5
    assert "links" in fresh_client.get("/v1/customers", page=3, pageSize=5).json()
    fresh.control.set_faults(fault_no_links_page=0, fault_data_not_list_page=3)
    body = fresh_client.get("/v1/customers", page=3, pageSize=5).json()
    assert isinstance(body["data"], dict) and body["data"]["type"] == "customer"
    assert body["links"]["next"]
    fresh.control.set_faults(fault_data_not_list_page=0)
    assert isinstance(fresh_client.get("/v1/customers", page=3, pageSize=5).json()["data"], list)


def test_fault_rates_mix(fresh: Sandbox, fresh_client: Client) -> None:
    fresh.control.set_faults(fault_5xx_rate=0.3)
    codes = [fresh_client.get("/v1/brands").status_code for _ in range(60)]
    assert 3 < sum(c >= 500 for c in codes) < 40
    assert fresh.control.requests(method="GET", path_prefix="/v1/brands") == 60


def test_request_counters(fresh: Sandbox, fresh_client: Client) -> None:
    fresh_client.get("/v1/customers")
    fresh_client.get("/v1/customers/")
    fresh_client.search({"queryContext": "customer"})
    assert fresh.control.requests() == 3
    assert fresh.control.requests(method="GET", path_prefix="/v1/customers") == 2
    assert fresh.control.requests(method="POST") == 1
    fresh.control.reset_requests()
    assert fresh.control.requests() == 0
