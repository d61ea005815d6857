"""The control API (Python and HTTP): changes visible through list and search; the clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from helpers.sandbox_client import Client

from kustomer_sandbox import Sandbox


def listed(client: Client, path: str) -> list[dict[str, object]]:
    return client.follow(path, pageSize=100)[0]


def searched(client: Client, ctx: str, **extra: object) -> list[dict[str, object]]:
    body = {"queryContext": ctx, "sort": [{f"{ctx}_updated_at": "asc"}], **extra}
    return client.follow("/v1/customers/search", method="POST", body=body, pageSize=500)[0]


def test_clock_is_fixed_until_advanced(fresh: Sandbox, fresh_client: Client) -> None:
    start = fresh.control.now()
    assert start.isoformat() == "2026-11-01T00:00:00+00:00"
    fresh_client.get("/v1/customers")
    assert fresh.control.now() == start
    fresh.control.advance_clock(90)
    assert fresh.control.now() == start + timedelta(seconds=90)
    with pytest.raises(ValueError):
        fresh.control.advance_clock(-1)


def test_create_update_delete_through_list_and_search(fresh: Sandbox, fresh_client: Client) -> None:
    c = fresh.control
    fresh.control.advance_clock(3600)
    now = c.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    made = c.create(
        "conversations",
        {"name": "Brand new", "status": "open"},
        {"customer": next(iter(c.records("customers")))["id"]},
    )
    assert made["attributes"]["createdAt"] == made["attributes"]["updatedAt"] == now
    assert made["relationships"]["customer"]["data"]["type"] == "customer"
    assert made["type"] == "conversation" and made["links"]["self"].endswith(made["id"])

    ids = [r["id"] for r in listed(fresh_client, "/v1/conversations")]
    assert ids[-1] == made["id"] and len(ids) == c.count("conversations") == 26

    target = ids[5]
    old = c.get("conversations", target)
    assert old is not None
    upd = c.update("conversations", target, {"status": "done", "custom": {"vipBool": True}})
    assert upd["attributes"]["status"] == "done"
    assert upd["attributes"]["rev"] == old["attributes"]["rev"] + 1
    assert upd["attributes"]["updatedAt"] == upd["attributes"]["modifiedAt"] > now
    assert upd["attributes"]["custom"]["vipBool"] is True
    assert (
        upd["attributes"]["custom"]["orderNumberStr"]
        == old["attributes"]["custom"]["orderNumberStr"]
    )
    again = c.update("conversations", target, {"priority": 1})
    assert again["attributes"]["updatedAt"] > upd["attributes"]["updatedAt"]  # a later ms
    assert listed(fresh_client, "/v1/conversations")[5] == again
    # search sees the update at its new place: the most recently updated
    found = searched(fresh_client, "conversation")
    assert [r["id"] for r in found][-2:] == [made["id"], target]

    deleted = c.soft_delete("conversations", ids[6])
    assert deleted["attributes"]["deleted"] is True
    assert ids[6] not in [r["id"] for r in listed(fresh_client, "/v1/conversations")]
    assert ids[6] not in [r["id"] for r in searched(fresh_client, "conversation")]
    assert ids[6] in [r["id"] for r in searched(fresh_client, "conversation", includeDeleted=True)]
    assert c.count("conversations") == 25 and c.count("conversations", include_deleted=True) == 26
    assert fresh_client.get(f"/v1/conversations/{ids[6]}").status_code == 404

    c.hard_delete("conversations", ids[7])
    assert c.get("conversations", ids[7]) is None
    assert ids[7] not in [r["id"] for r in c.records("conversations", include_deleted=True)]
    assert ids[7] not in [
        r["id"] for r in searched(fresh_client, "conversation", includeDeleted=True)
    ]
    assert c.count("conversations", include_deleted=True) == 25
    with pytest.raises(LookupError):
        c.update("conversations", ids[7], {"status": "open"})


def test_deleted_at_where_the_spec_has_it(fresh: Sandbox) -> None:
    art = next(iter(fresh.control.records("kb_articles")))
    out = fresh.control.soft_delete("kb_articles", art["id"])
    assert out["attributes"]["deletedAt"] == out["attributes"]["updatedAt"]
    note = next(iter(fresh.control.records("notes")))
    assert "deletedAt" not in fresh.control.soft_delete("notes", note["id"])["attributes"]


def test_bulk_import_shares_one_updated_at(fresh: Sandbox, fresh_client: Client) -> None:
    stamp = "2026-10-30T12:00:00.000Z"
    ids = fresh.control.bulk_import("messages", 250, stamp)
    assert len(set(ids)) == 250 and ids == sorted(ids)
    body = {
        "queryContext": "message",
        "and": [{"message_updated_at": {"equals": stamp}}],
        "sort": [{"message_updated_at": "asc"}],
    }
    found, pages = fresh_client.follow(
        "/v1/customers/search", method="POST", body=body, pageSize=100
    )
    assert [r["id"] for r in found] == ids and pages == 3
    assert all(r["attributes"]["updatedAt"] == stamp for r in found)
    assert found[0]["relationships"]["conversation"]["data"]["id"]
    assert fresh.control.count("messages") == 100 + 250


def test_records_match_the_api(fresh: Sandbox, fresh_client: Client) -> None:
    assert list(fresh.control.records("customers")) == listed(fresh_client, "/v1/customers")


def test_http_control_api(fresh: Sandbox, fresh_client: Client) -> None:
    base = fresh.base_url + "/__sandbox"
    info = requests.get(base, timeout=10).json()
    assert info["token"] == fresh.token and len(info["objects"]) == 48
    r = requests.post(
        base + "/objects/companies", json={"attributes": {"name": "Zed Co"}}, timeout=10
    )
    assert r.status_code == 201
    cid = r.json()["data"]["id"]
    r = requests.patch(
        f"{base}/objects/companies/{cid}", json={"attributes": {"name": "Zed Corp"}}, timeout=10
    )
    assert r.json()["data"]["attributes"]["name"] == "Zed Corp"
    assert (
        requests.get(f"{base}/objects/companies/{cid}", timeout=10).json()["data"]["attributes"][
            "name"
        ]
        == "Zed Corp"
    )
    assert listed(fresh_client, "/v1/companies")[-1]["id"] == cid
    assert requests.delete(f"{base}/objects/companies/{cid}", timeout=10).status_code == 200
    assert cid not in [r["id"] for r in listed(fresh_client, "/v1/companies")]
    assert requests.get(f"{base}/objects/companies/count?include_deleted=true", timeout=10).json()[
        "count"
    ] == fresh.control.count("companies", True)
    assert requests.delete(f"{base}/objects/companies/{cid}?hard=true", timeout=10).ok
    assert requests.get(f"{base}/objects/companies/{cid}", timeout=10).status_code == 404
    r = requests.post(
        base + "/objects/companies/bulk",
        json={"count": 3, "updated_at": "2026-10-01T00:00:00.000Z"},
        timeout=10,
    )
    assert r.status_code == 201 and len(r.json()["ids"]) == 3
    page = requests.get(base + "/objects/companies?limit=2&offset=1", timeout=10).json()
    assert len(page["data"]) == 2 and page["count"] == fresh.control.count("companies")

    now = requests.post(base + "/clock", json={"advance_seconds": 60}, timeout=10).json()["now"]
    assert now.startswith("2026-11-01T00:01:00.")  # + 1 ms per earlier write
    token = requests.post(
        base + "/tokens", json={"roles": ["org.permission.brand.read"]}, timeout=10
    ).json()["token"]
    assert Client(fresh, token).get("/v1/brands").status_code == 200
    assert Client(fresh, token).get("/v1/users").status_code == 403
    stats = requests.get(base + "/stats", params={"path_prefix": "/v1/users"}, timeout=10).json()
    span = stats.pop("first_request_at"), stats.pop("last_request_at")
    assert stats == {"requests": 1, "throttled": 0, "peak_in_flight": 1}
    assert span[0] is not None and span[0] <= span[1]  # when the first and last were served
    requests.post(base + "/limits", json={"rate_limit": 1}, timeout=10)
    # the requests already made in this minute count against the new budget
    codes = [fresh_client.get("/v1/brands").status_code for _ in range(3)]
    assert 429 in codes
    assert requests.get(base + "/stats", timeout=10).json()["throttled"] == codes.count(429)
    requests.post(base + "/limits", json={"rate_limit": 0}, timeout=10)
    requests.post(base + "/faults", json={"fault_5xx_rate": 1}, timeout=10)
    assert fresh_client.get("/v1/brands").status_code >= 500
    requests.post(base + "/faults", json={"fault_5xx_rate": 0}, timeout=10)
    faults = requests.post(base + "/faults", json={"fault_404_page": 2}, timeout=10).json()
    assert faults["fault_404_page"] == 2 and faults["fault_no_links_page"] == 0
    assert fresh_client.get("/v1/brands", page=2).status_code == 404
    requests.post(base + "/faults", json={"fault_404_page": 0}, timeout=10)
    requests.post(base + "/latency", json={"latency_ms": 1}, timeout=10)
    requests.post(base + "/stats/reset", timeout=10)
    assert fresh.control.requests() == 0
    assert requests.get(base + "/roles", timeout=10).json()["objects"]["users"]


@pytest.mark.parametrize(
    "method,path,body,status",
    [
        ("post", "/objects/nope", {}, 404),
        ("get", "/objects/customers/" + "0" * 24, None, 404),
        ("patch", "/objects/customers/" + "0" * 24, {"attributes": {}}, 404),
        ("patch", "/objects/customers/x", {"name": "no attributes key"}, 400),
        ("post", "/objects/chat_settings", {"attributes": {}}, 400),
        ("post", "/clock", {"advance_seconds": -5}, 400),
        ("get", "/nothing", None, 404),
    ],
)
def test_http_control_errors(
    fresh: Sandbox, method: str, path: str, body: object, status: int
) -> None:
    r = requests.request(method, fresh.base_url + "/__sandbox" + path, json=body, timeout=10)
    assert r.status_code == status, r.text
    assert r.json()["errors"][0]["detail"]


def test_date_header_follows_the_sandbox_clock(fresh: Sandbox, fresh_client: Client) -> None:
    from email.utils import parsedate_to_datetime

    r = fresh_client.get("/v1/brands")
    assert parsedate_to_datetime(r.headers["Date"]) == fresh.control.now()
    fresh.control.advance_clock(86400)
    r = fresh_client.get("/v1/brands")
    assert parsedate_to_datetime(r.headers["Date"]).isoformat() == "2026-11-02T00:00:00+00:00"
