"""Every link a served record carries answers (issue 21, "a real org is not kind"): the documented
sub-resource routes records link to, the targets of record links the documentation shows without
a route, and their envelopes, paging, roles and 404s for unknown ids."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from helpers.sandbox_client import Client, listed, rel

from kustomer_sandbox import Sandbox, serve

_ID = re.compile(r"[0-9a-f]{24}")
#: links known to name what the sandbox does not serve, each an open item of the README's
#: "Re-audit outcomes" (none left: a notification's copy of its message now names the
#: message's own app)
KNOWN_OPEN: set[tuple[str, str]] = set()
#: samples GET per link pattern
SAMPLES = 3


def links_in(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every ``links.<name>`` path in a value, and where (``relationships.org.links.self``)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            here = f"{where}.{key}" if where else key
            if key == "links" and isinstance(sub, dict):
                for name, link in sub.items():
                    if isinstance(link, str) and link.startswith("/"):
                        yield f"{here}.{name}", link
            else:
                yield from links_in(sub, here)
    elif isinstance(value, list):
        for sub in value:
            yield from links_in(sub, where)


def served_records(sb: Sandbox, http: requests.Session) -> Iterator[tuple[str, dict[str, Any]]]:
    """(what, record) for every record the org serves: the 48 objects, the KObjects of every
    Klass, and what only the routes beyond them serve (tags, SLAs with their versions, holidays,
    the side-loaded attachments, the key's user and token, metadata)."""
    for obj in sb.control.objects():
        for rec in sb.control.records(obj):
            yield obj, rec
    for klass in sb.control.records("klasses"):
        name = klass["attributes"]["name"]
        for rec in sb.control.kobjects.records(name):
            yield f"kobject.{name}", rec

    def body(path: str, **params: Any) -> dict[str, Any]:
        r = http.get(sb.base_url + path, params=params or None, timeout=30)
        assert r.status_code == 200, (path, r.text)
        payload: dict[str, Any] = r.json()
        return payload

    for path, params in (
        ("/v1/tags", {}),
        ("/v1/slas", {"versions": "all"}),
        ("/v1/users/current", {}),
        ("/v1/auth/tokens/current", {}),
        ("/v1/metadata/customer", {}),
        ("/v1/messages", {"include": "attachments", "pageSize": 100}),
    ):
        payload = body(path, **params)
        for key in ("data", "included"):
            items = payload.get(key)
            for item in items if isinstance(items, list) else [items] if items else []:
                yield path + " " + key, item
    for schedule in sb.control.records("schedules"):
        for holiday in body(f"/v1/schedules/{schedule['id']}", include="holidays")["included"]:
            yield "holidays", holiday


def test_every_link_in_served_records_answers() -> None:
    with serve(seed=7, scale=20) as sb:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {sb.token}"
        by_pattern: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
        for what, rec in served_records(sb, http):
            table = what.split(" ")[0]
            for where, link in links_in(rec):
                if (table, where) in KNOWN_OPEN:
                    continue
                pattern = _ID.sub("{id}", link.split("?")[0])
                by_pattern[pattern].add((link, what, where))
        # every kind of link the records carry, so that a new one cannot slip past unnoticed
        for expected in (
            "/v1/orgs/{id}",
            "/v1/conversations/{id}/messages",
            "/v1/customers/{id}/messages",
            "/v1/messages/{id}/attachments",
            "/v1/messages/{id}/attachments/{id}",
            "/v1/postmark/messages/{id}",
            "/v1/kb/knowledge-bases/{id}",
            "/v1/satisfaction/templates/{id}",
            "/v1/tags/{id}",
            "/v1/holidays/{id}",
            "/v1/klasses/ecomm-order",
        ):
            assert expected in by_pattern, expected
        failed = []
        for pattern, found in sorted(by_pattern.items()):
            for link, what, where in sorted(found)[:SAMPLES]:
                r = http.get(sb.base_url + link, timeout=30)
                if r.status_code != 200:
                    failed.append((r.status_code, pattern, link, what, where))
        assert not failed, failed
        assert len(by_pattern) > 50


def test_a_conversations_messages_page_and_side_load(client: Client, sb: Sandbox) -> None:
    conversation = max(
        listed(client, "/v1/conversations"), key=lambda c: c["attributes"].get("messageCount") or 0
    )
    path = conversation["relationships"]["messages"]["links"]["self"]
    assert path == f"/v1/conversations/{conversation['id']}/messages"
    expected = [
        m["id"]
        for m in listed(client, "/v1/messages")
        if rel(m, "conversation") == conversation["id"]
    ]
    assert len(expected) >= 3
    first = client.get(path, pageSize=2, include="attachments").json()
    assert set(first) == {"meta", "links", "data", "included"}
    assert first["meta"] == {"pageSize": 2, "page": 1}
    assert first["links"] == {
        "self": f"{path}?page=1&pageSize=2&include=attachments",
        "first": f"{path}?page=1&pageSize=2&include=attachments",
        "prev": None,
        "next": f"{path}?page=2&pageSize=2&include=attachments",
    }
    got, _pages = client.follow(path, pageSize=2)
    assert [m["id"] for m in got] == expected  # the records /v1/messages serves, in its order
    assert got == [m for m in listed(client, "/v1/messages") if m["id"] in set(expected)]
    attached = {
        a["id"]
        for m in first["data"]
        for a in m["relationships"].get("attachments", {}).get("data", [])
    }
    assert {a["id"] for a in first["included"]} == attached
    assert client.get(path, include="notes").status_code == 400
    assert client.get("/v1/conversations/" + "0" * 24 + "/messages").status_code == 404


def test_message_attachments_as_a_list_and_one_by_one(client: Client) -> None:
    messages = listed(client, "/v1/messages")
    with_some = next(m for m in messages if "attachments" in m["relationships"])
    path = with_some["relationships"]["attachments"]["links"]["self"]
    body = client.get(path).json()
    assert set(body) == {"meta", "links", "data"} and body["meta"] == {"pageSize": 100, "page": 1}
    ids = [a["id"] for a in with_some["relationships"]["attachments"]["data"]]
    assert [a["id"] for a in body["data"]] == ids
    for attachment in body["data"]:
        one = client.get(attachment["links"]["self"]).json()
        assert one == {"data": attachment}
    without = next(m for m in messages if "attachments" not in m["relationships"])
    assert client.get(f"/v1/messages/{without['id']}/attachments").json()["data"] == []
    assert client.get("/v1/messages/" + "0" * 24 + "/attachments").status_code == 404


def test_a_customers_kobjects_link_the_klass_list_as_documented(client: Client) -> None:
    orders = listed(client, "/v1/klasses/ecomm-order")
    owners: dict[str, list[str]] = defaultdict(list)
    for order in orders:
        owners[rel(order, "customer") or ""].append(order["id"])
    customer, theirs = max(owners.items(), key=lambda kv: len(kv[1]))
    path = f"/v1/customers/{customer}/klasses/ecomm-order"
    body = client.get(path, pageSize=1).json()
    assert body["meta"] == {"pageSize": 1, "page": 1} and len(body["data"]) == 1
    # the OAS example: the page links name the Klass's own list
    assert body["links"]["self"] == "/v1/klasses/ecomm-order?page=1&pageSize=1"
    if len(theirs) > 1:
        assert body["links"]["next"] == "/v1/klasses/ecomm-order?page=2&pageSize=1"
    everything = client.get(path).json()["data"]
    assert sorted(o["id"] for o in everything) == sorted(theirs)
    assert client.get(f"/v1/customers/{customer}/klasses/no-such-klass").status_code == 404
    assert client.get("/v1/customers/" + "0" * 24 + "/klasses/ecomm-order").status_code == 404


def test_link_targets_answer_their_own_ids_only(client: Client, sb: Sandbox) -> None:
    unknown = "f" * 24
    me = client.get("/v1/users/current").json()["data"]
    org = me["relationships"]["org"]["data"]["id"]
    body = client.get(f"/v1/orgs/{org}").json()
    assert body["data"]["type"] == "org" and body["data"]["id"] == org
    assert client.get(f"/v1/orgs/{unknown}").status_code == 404
    # one knowledge base: every category and KB form names it
    kbs = {
        rel(r, "knowledgeBase")
        for obj in ("categories", "kb_forms")
        for r in sb.control.records(obj)
    }
    assert len(kbs) == 1
    (kb,) = kbs
    assert client.get(f"/v1/kb/knowledge-bases/{kb}").json()["data"]["id"] == kb
    # and so does every KB article's `knowledgeBases` attribute
    articles = list(sb.control.records("kb_articles"))
    assert articles
    assert {k["id"] for a in articles for k in a["attributes"].get("knowledgeBases") or []} == {kb}
    assert client.get(f"/v1/kb/knowledge-bases/{unknown}").status_code == 404
    survey = next(iter(sb.control.records("satisfaction")))
    template = survey["relationships"]["template"]["links"]["self"]
    assert client.get(template).json()["data"]["id"] == rel(survey, "template")
    assert client.get(f"/v1/satisfaction/templates/{unknown}").status_code == 404
    tag = client.get("/v1/tags").json()["data"][0]
    assert client.get(tag["links"]["self"]).json() == {"data": tag}
    assert client.get(f"/v1/tags/{unknown}").status_code == 404
    assert client.get(f"/v1/holidays/{unknown}").status_code == 404
    # a message under its own app, and only there
    message = client.get("/v1/messages", pageSize=1).json()["data"][0]
    related = message["links"]["related"]
    assert client.get(related).json() == {"data": message}
    app = related.split("/")[2]
    other = "twilio" if app != "twilio" else "postmark"
    assert client.get(related.replace(f"/{app}/", f"/{other}/")).status_code == 404
    # a notification's copy of its message names the message's own app and channel
    apps = set()
    for notification in list(sb.control.records("notifications"))[:20]:
        copy = notification["attributes"]["event"]["data"]
        served = client.get(f"/v1/messages/{copy['id']}").json()["data"]
        assert copy["links"]["related"] == served["links"]["related"]
        assert copy["attributes"]["app"] == served["attributes"]["app"]
        assert copy["attributes"]["channel"] == served["attributes"]["channel"]
        assert client.get(copy["links"]["related"]).status_code == 200
        apps.add(copy["attributes"]["app"])
    assert len(apps) > 1


def test_roles_of_the_linked_routes(sb: Sandbox) -> None:
    reader = Client(sb, sb.control.create_token(["org.permission.message.read"]))
    message = next(
        m
        for m in reader.get("/v1/messages", pageSize=100).json()["data"]
        if "attachments" in m["relationships"]
    )
    conversation = rel(message, "conversation")
    assert reader.get(f"/v1/conversations/{conversation}/messages").status_code == 200
    # documented: attachments need an attachment role, a customer's KObjects a customer role
    attachments = message["relationships"]["attachments"]["links"]["self"]
    assert reader.get(attachments).status_code == 403
    assert (
        Client(sb, sb.control.create_token(["org.user.attachment.read"]))
        .get(attachments)
        .status_code
        == 200
    )
    customer = rel(message, "customer")
    assert reader.get(f"/v1/customers/{customer}/klasses/ecomm-order").status_code == 403
    # the org answers any valid key
    org = message["relationships"]["org"]["links"]["self"]
    assert reader.get(org).status_code == 200


@pytest.mark.parametrize("order", ["newest", "updated"])
def test_sub_resource_lists_follow_the_list_order(order: str) -> None:
    with serve(seed=5, scale=25, list_order=order) as sb:
        client = Client(sb)
        customer = max(
            listed(client, "/v1/customers"),
            key=lambda c: (c["attributes"].get("conversationCounts") or {}).get("all") or 0,
        )
        path = f"/v1/customers/{customer['id']}/messages"
        got = client.follow(path, pageSize=3)[0]
        attr = "createdAt" if order == "newest" else "updatedAt"
        times = [m["attributes"][attr] for m in got]
        assert len(got) > 2 and times == sorted(times, reverse=True)
        # `sort` is not a parameter of these routes: ignored
        assert client.follow(path, pageSize=3, sort="asc")[0] == got


def test_sub_resource_lists_take_the_page_faults(fresh: Sandbox, fresh_client: Client) -> None:
    conversation = listed(fresh_client, "/v1/conversations")[0]["id"]
    path = f"/v1/conversations/{conversation}/messages"
    fresh.control.set_faults(fault_404_page=2)
    assert fresh_client.get(path, pageSize=1, page=2).status_code == 404
    assert fresh_client.get(path, pageSize=1, page=1).status_code == 200
