"""What the second fidelity audit found, as served now: documented sub-resource routes, by-id
bodies, the credential probe's record, message links, SLAs, KObjects of assignable Klasses,
shortcuts shaped like the peers' schemas, and the proxy a client with a fixed host reaches the
sandbox through."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import requests
from helpers.sandbox_client import Client, listed, rel

from kustomer_sandbox import Sandbox
from kustomer_sandbox.proxy import TlsProxy
from kustomer_sandbox.timefmt import parse_iso


def test_documented_sub_resource_routes(client: Client, sb: Sandbox) -> None:
    conversation = listed(client, "/v1/conversations")[3]
    link = conversation["relationships"]["messages"]["links"]["self"]
    body = client.get(link).json()
    expected = [
        m["id"]
        for m in listed(client, "/v1/messages")
        if rel(m, "conversation") == conversation["id"]
    ]
    assert [m["id"] for m in body["data"]] == expected and expected
    assert set(body) == {"meta", "links", "data"} and body["links"]["next"] is None
    customer = rel(conversation, "customer")
    assert customer
    mine = client.get(f"/v1/customers/{customer}/messages").json()["data"]
    assert {m["id"] for m in mine} >= set(expected)
    assert all(rel(m, "customer") == customer for m in mine)
    assert client.get("/v1/conversations/" + "0" * 24 + "/messages").status_code == 404
    # an attachment by its own link
    message = next(m for m in listed(client, "/v1/messages") if "attachments" in m["relationships"])
    att = message["relationships"]["attachments"]["data"][0]["id"]
    found = client.get(f"/v1/messages/{message['id']}/attachments/{att}").json()
    assert set(found) == {"data"} and found["data"]["id"] == att
    assert found["data"]["links"]["self"] == f"/v1/messages/{message['id']}/attachments/{att}"
    assert client.get(f"/v1/messages/{message['id']}/attachments/{'f' * 24}").status_code == 404
    # a customer's and a company's KObjects of one Klass
    orders = listed(client, "/v1/klasses/ecomm-order")
    owner = rel(orders[0], "customer")
    theirs = client.get(f"/v1/customers/{owner}/klasses/ecomm-order").json()["data"]
    assert {o["id"] for o in theirs} == {o["id"] for o in orders if rel(o, "customer") == owner}
    company = next(rel(o, "company") for o in orders if rel(o, "company"))
    theirs = client.get(f"/v1/companies/{company}/klasses/ecomm-order").json()["data"]
    assert theirs and all(rel(o, "company") == company for o in theirs)
    # the defaults
    for path in ("/v1/schedules/default", "/v1/brands/default"):
        body = client.get(path).json()
        assert set(body) == {"data"} and body["data"]["attributes"]["default"] is True


def test_by_id_bodies_are_data_alone(client: Client) -> None:
    customer = listed(client, "/v1/customers")[0]
    assert set(client.get(f"/v1/customers/{customer['id']}").json()) == {"data"}
    schedule = listed(client, "/v1/schedules")[0]["id"]
    assert set(client.get(f"/v1/schedules/{schedule}", include="holidays").json()) == {
        "data",
        "included",
    }
    assert set(client.get("/v1/metadata/customer").json()) == {"data"}
    order = listed(client, "/v1/klasses/ecomm-order")[0]["id"]
    assert set(client.get(f"/v1/klasses/ecomm-order/{order}").json()) == {"data"}


def test_the_credential_probe_names_its_user(client: Client) -> None:
    token = client.get("/v1/auth/tokens/current").json()["data"]
    assert set(token["attributes"]) == {
        "name",
        "roles",
        "lastTokenChars",
        "ipAddress",
        "userAgent",
        "createdAt",
        "updatedAt",
        "lastAccessedAt",
    }
    me = client.get("/v1/users/current").json()["data"]
    assert token["relationships"]["user"]["data"] == {"type": "user", "id": me["id"]}
    assert token["relationships"]["org"]["data"]["id"] == me["relationships"]["org"]["data"]["id"]


def test_messages_link_their_app(client: Client) -> None:
    for message in client.get("/v1/messages", pageSize=20).json()["data"]:
        links = message["links"]
        assert links["self"] == f"/v1/messages/{message['id']}"
        app = links["related"].split("/")[2]
        assert links["related"] == f"/v1/{app}/messages/{message['id']}"
        if message["attributes"].get("channel") == "email":
            assert app == "postmark"  # the OAS example


def test_slas_as_documented(client: Client) -> None:
    for sla in client.get("/v1/slas").json()["data"]:
        assert set(sla["attributes"]) == {"currentVersion", "createdAt"}
        assert "links" not in sla
        # an ObjectId: the creation second first
        assert int(sla["id"][:8], 16) * 1000 == parse_iso(sla["attributes"]["createdAt"])
    schedule = listed(client, "/v1/schedules")[0]["id"]
    for holiday in client.get(f"/v1/schedules/{schedule}", include="holidays").json()["included"]:
        assert not holiday["id"].startswith("0000")


def test_kobjects_of_assignable_klasses(client: Client, sb: Sandbox) -> None:
    orders = listed(client, "/v1/klasses/ecomm-order")
    users = {u["id"] for u in sb.control.records("users")}
    queues = {q["id"] for q in sb.control.records("routing_queues")}
    for order in orders:
        a = order["attributes"]
        assert a["klassMixins"] == ["assignable"]
        assert a["status"] in ("open", "done") and a["assignedUser"] in users
        assert a["queue"] in queues and rel(order, "queue") == a["queue"]
        assert order["relationships"]["queue"]["links"]["self"].endswith(a["queue"])
        assert a["doneCount"] >= a["reopenCount"] == a["reopenFromDoneCount"]
        if a["status"] == "done":
            assert a["firstDone"]["assignedUser"] == a["assignedUser"]
            assert a["createdAt"] <= a["firstDone"]["createdAt"] <= a["updatedAt"]
        else:
            assert a["firstDone"] is None
    subscription = listed(client, "/v1/klasses/subscription")[0]
    assert subscription["attributes"]["klassMixins"] == []
    assert "queue" not in subscription["relationships"]


def test_shortcuts_shaped_like_the_peers_schemas(client: Client) -> None:
    for shortcut in listed(client, "/v1/shortcuts"):
        a = shortcut["attributes"]
        conversation, payload = a.get("conversation"), a.get("payload")
        if conversation:
            assert set(conversation) <= {"name", "tags", "custom"}
            for key in ("name", "tags"):
                if key in conversation:
                    assert set(conversation[key]) == {"operator", "value"}
            assert isinstance(conversation["name"]["value"], str)
            assert isinstance(conversation["tags"]["value"], list)
        if payload:
            text = payload["text"]
            assert set(text) == {"blocks", "entityMap"}
            for block in text["blocks"]:
                assert set(block) == {
                    "key",
                    "text",
                    "type",
                    "depth",
                    "inlineStyleRanges",
                    "entityRanges",
                    "data",
                }


@pytest.mark.skipif(shutil.which("openssl") is None, reason="the openssl command is missing")
def test_the_proxy_serves_the_sandbox_as_kustomers_host(sb: Sandbox, tmp_path: Path) -> None:
    with TlsProxy(sb.base_url, tmp_path) as proxy:
        session = requests.Session()
        session.trust_env = False
        session.proxies = {"https": proxy.url}
        session.verify = str(proxy.ca)
        session.headers["Authorization"] = f"Bearer {sb.token}"
        r = session.get("https://api.kustomerapp.com/v1/users/current/", timeout=30)
        assert r.status_code == 200 and r.json()["data"]["type"] == "user"
        r = session.post(
            "https://api.kustomerapp.com/v1/customers/search",
            json={"queryContext": "customer"},
            timeout=30,
        )
        assert r.status_code == 200 and r.json()["meta"]["total"] > 0
        assert proxy.connects == ["api.kustomerapp.com:443"] * len(proxy.connects)
        env = proxy.environment()
        assert env["HTTPS_PROXY"] == proxy.url and Path(env["REQUESTS_CA_BUNDLE"]).exists()
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(
                "https://api.kustomerapp.com/v1/users/current",
                proxies={"https": proxy.url},
                verify=True,  # the system's CAs do not know the proxy's
                timeout=30,
            )
