"""Paging every list endpoint to the end by links.next, parameters and routing errors."""

from __future__ import annotations

import pytest
from helpers.sandbox_client import Client

from kustomer_sandbox import Sandbox
from kustomer_sandbox.api import ENDPOINTS
from kustomer_sandbox.shapes import load_shapes

#: lists whose documented envelope carries `links.next` (auth roles answer `{data}` alone,
#: outbound accounts `links: {self}` only)
PAGED = [e for e in ENDPOINTS if e.kind == "page" and "next" in load_shapes()[e.obj].envelope.links]


@pytest.mark.parametrize("ep", PAGED, ids=[e.obj for e in PAGED])
def test_follow_next_to_the_end(client: Client, sb: Sandbox, ep: object) -> None:
    from kustomer_sandbox.api import Endpoint

    assert isinstance(ep, Endpoint)
    expected = [r["id"] for r in sb.control.records(ep.obj)]
    n = len(expected)
    assert n == sb.control.count(ep.obj)
    for size in sorted({2, max(1, n - 1), ep.max_page_size, ep.max_page_size + 1, 1000}):
        records, pages = client.follow(ep.path, pageSize=size)
        assert [r["id"] for r in records] == expected, (ep.obj, size)
        effective = min(size, ep.max_page_size)
        assert pages == max(1, -(-n // effective)), (ep.obj, size)


def test_lists_without_next_links_page_by_number(client: Client, sb: Sandbox) -> None:
    roles = client.get("/v1/auth/roles", pageSize=2).json()
    assert set(roles) == {"data"} and len(roles["data"]) == 2
    assert all(set(r) == {"type", "id"} for r in roles["data"])
    second = client.get("/v1/auth/roles", pageSize=2, page=2).json()["data"]
    assert [r["id"] for r in roles["data"] + second] == [
        r["id"] for r in sb.control.records("auth_roles")
    ][:4]
    accounts = client.get("/v1/outboundAccounts").json()
    assert accounts["meta"] == {} and accounts["links"] == {"self": "/v1/outboundAccounts"}
    assert accounts["data"] and all("id" not in r for r in accounts["data"])
    assert len(accounts["data"]) == sb.control.count("outbound_accounts")


def test_page_size_is_clamped_to_the_maximum(client: Client) -> None:
    body = client.get("/v1/messages", pageSize=1000).json()
    assert body["meta"]["pageSize"] == 100 and len(body["data"]) == 100
    assert body["links"]["next"] == "/v1/messages?page=2&pageSize=100"
    users = client.get("/v1/users", pageSize=1000).json()
    assert users["meta"]["pageSize"] == 500


def test_last_page_and_beyond(client: Client) -> None:
    last = client.get("/v1/customers", page=3, pageSize=10).json()
    assert len(last["data"]) == 10 and last["links"]["next"] is None
    beyond = client.get("/v1/customers", page=4, pageSize=10).json()
    assert beyond["data"] == [] and beyond["links"]["next"] is None
    assert beyond["links"]["prev"] == "/v1/customers?page=3&pageSize=10"


def test_links_keep_other_params(client: Client) -> None:
    body = client.get("/v1/conversations", pageSize=5, sort="desc").json()
    assert body["links"]["next"] == "/v1/conversations?page=2&pageSize=5&sort=desc"
    ids = [r["id"] for r in body["data"]]
    assert ids == sorted(ids, reverse=True)
    records, _ = client.follow("/v1/conversations", pageSize=7, sort="desc")
    all_ids = [r["id"] for r in records]
    assert all_ids == sorted(all_ids, reverse=True) and len(all_ids) == 30


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"page": -1},
        {"page": "x"},
        {"page": "1.5"},
        {"pageSize": 0},
        {"pageSize": "ten"},
        {"page": ["1", "2"]},
        {"pageSize": ["5", "5"]},
    ],
)
def test_bad_paging_params_are_400(client: Client, params: dict[str, object]) -> None:
    r = client.http.get(client.base + "/v1/customers", params=params, timeout=10)
    assert r.status_code == 400, r.text
    err = r.json()["errors"][0]
    assert err["status"] == 400 and err["code"] == "bad_request" and err["title"]


def test_trailing_slash_unknown_path_and_wrong_method(client: Client) -> None:
    assert client.get("/v1/customers/").json()["data"] == client.get("/v1/customers").json()["data"]
    assert client.get("/v3/kb/tags/").status_code == 200
    r = client.get("/v1/nope")
    assert r.status_code == 404 and r.json()["errors"][0]["status"] == 404
    assert client.get("/v1/kb/tags").status_code == 404  # KB tags live under /v3
    r = client.http.post(client.base + "/v1/customers", json={}, timeout=10)
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    assert client.get("/v1/customers/search").status_code == 405


def test_single_endpoints_take_no_paging(client: Client) -> None:
    for path in (
        "/v1/chat/settings",
        "/v1/auth/customer/settings",
        "/v1/customers/searches/positions",
        "/v1/outbound-webhooks/events/",
    ):
        body = client.get(path).json()
        assert isinstance(body["data"], dict) and "meta" not in body
