"""Customer merges (documented endpoint and control API) and conversation merges (control API):
the merge rules, the moved records, their updatedAt, the merges endpoints and the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.sandbox_client import (
    Client,
    attachment_ids,
    busiest_customer,
    listed,
    places,
    rel,
    written_entries,
)

from kustomer_sandbox import Sandbox, serve
from kustomer_sandbox.timefmt import iso_ms, parse_iso, to_ms


def kids_of(client: Client, conversations: set[str]) -> list[tuple[str, dict[str, Any]]]:
    """(object, record) of every message and note of these conversations."""
    return [
        (obj, r)
        for obj in ("messages", "notes")
        for r in listed(client, f"/v1/{obj}")
        if rel(r, "conversation") in conversations
    ]


def kobjects_of(client: Client, customer: str) -> list[dict[str, Any]]:
    return [
        r
        for klass in ("ecomm-order", "subscription", "warranty-claim")
        for r in listed(client, f"/v1/klasses/{klass}")
        if rel(r, "customer") == customer
    ]


def pick_pair(client: Client) -> tuple[str, str, list[dict[str, Any]]]:
    """A source customer with conversations, messages and notes; a target without merges."""
    source, convs = busiest_customer(client)
    customers = [c["id"] for c in listed(client, "/v1/customers")]
    target = next(c for c in reversed(customers) if c != source)
    return source, target, convs


def now_iso(sb: Sandbox) -> str:
    return iso_ms(to_ms(sb.control.now()))


def test_customer_merge_through_the_api(fresh: Sandbox, fresh_client: Client) -> None:
    client = fresh_client
    source, target, convs = pick_pair(client)
    src = client.get(f"/v1/customers/{source}").json()["data"]
    tgt = client.get(f"/v1/customers/{target}").json()["data"]
    conv_ids = {c["id"] for c in convs}
    kids = kids_of(client, conv_ids)
    kobjects = kobjects_of(client, source)
    assert kids and kobjects
    start = now_iso(fresh)

    r = client.post("/v1/customers/merges", {"source": source, "target": target})
    assert r.status_code == 201, r.text
    merge = r.json()["data"]
    assert set(merge) == {"type", "id", "attributes", "relationships", "links"}
    assert merge["type"] == "customer_merge"
    assert set(merge["attributes"]) == {"status", "createdAt", "updatedAt"}
    assert merge["attributes"]["status"] == "success"
    assert set(merge["relationships"]) == {"org", "source", "target", "createdBy"}
    assert merge["relationships"]["source"] == {
        "links": {"self": f"/v1/customers/{source}"},
        "data": {"type": "customer", "id": source},
    }
    assert rel(merge, "target") == target
    assert merge["links"] == {"self": f"/v1/customers/merges/{merge['id']}"}

    # read back: by id, by the source (gone) and by the target
    assert client.get(f"/v1/customers/merges/{merge['id']}").json() == {"data": merge}
    for cid in (source, target):
        body = client.get(f"/v1/customers/{cid}/merges").json()
        assert body["data"] == [merge]
        assert body["meta"] == {"pageSize": 100, "page": 1}
        assert body["links"]["self"] == f"/v1/customers/{cid}/merges?page=1&pageSize=100"
        assert body["links"]["next"] is None
    assert fresh.control.customer_merges(source) == [merge]

    # the source is gone as a hard delete; the target is written
    assert places(client, "customers", source) == set()
    new = client.get(f"/v1/customers/{target}").json()["data"]
    a, s, t = new["attributes"], src["attributes"], tgt["attributes"]
    assert a["updatedAt"] >= start and a["updatedAt"] > t["updatedAt"]
    assert a["rev"] == t["rev"] + 1
    for key in ("name", "externalId", "locale"):  # the target wins where it has a value
        assert a.get(key) == (t.get(key) if t.get(key) is not None else s.get(key))
    assert a["createdAt"] == min(s["createdAt"], t["createdAt"])
    emails = {e["email"] for e in a["emails"]}
    assert {e["email"] for e in s.get("emails") or []} <= emails
    assert {e["email"] for e in t.get("emails") or []} <= emails
    assert set(a["tags"]) == set(s["tags"]) | set(t["tags"])
    for key, value in a["conversationCounts"].items():
        assert value == s["conversationCounts"].get(key, 0) + t["conversationCounts"].get(key, 0)

    # the moved records point at the target and keep their updatedAt (the default)
    for conv in convs:
        now = client.get(f"/v1/conversations/{conv['id']}").json()["data"]
        assert rel(now, "customer") == target
        assert now["attributes"]["updatedAt"] == conv["attributes"]["updatedAt"]
    for obj, rec in kids:
        now = client.get(f"/v1/{obj}/{rec['id']}").json()["data"]
        assert rel(now, "customer") == target and rel(now, "conversation") == rel(
            rec, "conversation"
        )
        assert now["attributes"]["updatedAt"] == rec["attributes"]["updatedAt"]
    for ko in kobjects:
        now = client.get(ko["links"]["self"]).json()["data"]
        assert rel(now, "customer") == target
        assert now["attributes"]["updatedAt"] == ko["attributes"]["updatedAt"]
    # so an updatedAt cursor does not see them move
    body = {"queryContext": "conversation", "and": [{"conversation_updated_at": {"gte": start}}]}
    found = {r["id"] for r in client.search(body).json()["data"]}
    assert not found & conv_ids

    entries = written_entries(client)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["attributes"]["eventName"] == "kustomer.customer.merge"
    assert entry["attributes"]["eventVerb"] == "merge"
    assert entry["attributes"]["objectType"] == "customer"
    assert entry["attributes"]["objectId"] == source
    assert entry["attributes"]["changes"] == {
        "attributes": {},
        "relationships": {"target": {"op": "replace", "before": None, "after": target}},
    }
    expires = parse_iso(entry["attributes"]["expiresAt"]) - parse_iso(
        entry["attributes"]["createdAt"]
    )
    assert expires == 365 * 86_400_000


@pytest.mark.parametrize("how", ["serve", "control", "http"])
def test_moves_touch_updated_at_when_switched_on(how: str) -> None:
    with serve(seed=5, scale=25, moves_touch_updated_at=how == "serve") as sb:
        client = Client(sb)
        if how == "control":
            assert sb.control.set_behaviour(moves_touch_updated_at=True) == {
                "moves_touch_updated_at": True,
                "redaction_touches_updated_at": False,
            }
        if how == "http":
            r = client.control("POST", "/behaviour", {"moves_touch_updated_at": True})
            assert r.json()["moves_touch_updated_at"] is True
        assert client.control("GET", "/behaviour").json()["moves_touch_updated_at"] is True
        source, target, convs = pick_pair(client)
        kids = kids_of(client, {c["id"] for c in convs})
        start = now_iso(sb)
        sb.control.merge_customers(source, target)
        for conv in convs:
            now = client.get(f"/v1/conversations/{conv['id']}").json()["data"]
            assert now["attributes"]["updatedAt"] >= start
            assert now["attributes"]["rev"] == conv["attributes"]["rev"] + 1
        for obj, rec in kids:
            now = client.get(f"/v1/{obj}/{rec['id']}").json()["data"]
            assert now["attributes"]["updatedAt"] > rec["attributes"]["updatedAt"]
        body = {
            "queryContext": "conversation",
            "and": [{"conversation_updated_at": {"gte": start}}],
        }
        found = {r["id"] for r in client.search(body).json()["data"]}
        assert {c["id"] for c in convs} <= found


def test_customer_merge_errors_and_roles(fresh: Sandbox, fresh_client: Client) -> None:
    client = fresh_client
    a, b = (r["id"] for r in listed(client, "/v1/customers")[-2:])
    missing = "f" * 24
    for body, status in (
        ({"source": a, "target": a}, 400),
        ({"source": a}, 400),
        ({"source": a, "target": b, "extra": 1}, 400),
        ({"source": "nope", "target": b}, 400),
        ({"source": missing, "target": b}, 404),
    ):
        r = client.post("/v1/customers/merges", body)
        assert r.status_code == status, (body, r.text)
    assert client.get("/v1/customers/merges").status_code == 405
    assert client.get(f"/v1/customers/merges/{missing}").status_code == 404
    assert client.get(f"/v1/customers/{missing}/merges").status_code == 404
    assert client.get(f"/v1/customers/{a}/merges").json()["data"] == []
    merge_roles = {
        "org.user.customer.write",
        "org.permission.customer_merge.create",
        "org.admin.customer.merge.write",
    }
    reader = Client(
        fresh,
        fresh.control.create_token([r for r in fresh.control.roles() if r not in merge_roles]),
    )
    assert reader.post("/v1/customers/merges", {"source": a, "target": b}).status_code == 403
    writer = Client(
        fresh,
        fresh.control.create_token(
            ["org.permission.customer_merge.create", "org.permission.customer_merge.read"]
        ),
    )
    r = writer.post("/v1/customers/merges", {"source": a, "target": b})
    assert r.status_code == 201
    # documented: the create role also reads a merge by id; the list needs a read role
    assert writer.get(f"/v1/customers/merges/{r.json()['data']['id']}").status_code == 200
    assert writer.get(f"/v1/customers/{b}/merges").status_code == 200
    only_create = Client(
        fresh, fresh.control.create_token(["org.permission.customer_merge.create"])
    )
    assert only_create.get(f"/v1/customers/{b}/merges").status_code == 403
    # through the control API too
    c, d = (r["id"] for r in listed(client, "/v1/customers")[-4:-2])
    r = client.control("POST", "/merges/customers", {"source": c, "target": d})
    assert r.status_code == 201 and rel(r.json()["data"], "target") == d
    assert len(client.control("GET", "/merges/customers").json()["data"]) == 2
    assert client.control("POST", "/merges/customers", {"source": c}).status_code == 400


def test_conversation_merge(fresh: Sandbox, fresh_client: Client) -> None:
    client = fresh_client
    convs = listed(client, "/v1/conversations")
    source = convs[2]
    target = next(c for c in convs[10:] if rel(c, "customer") != rel(source, "customer"))
    kids = kids_of(client, {source["id"]})
    assert any(obj == "notes" for obj, _ in kids) and any(obj == "messages" for obj, _ in kids)
    atts = attachment_ids(client)
    start = now_iso(fresh)

    r = client.control(
        "POST", "/merges/conversations", {"source": source["id"], "target": target["id"]}
    )
    assert r.status_code == 200, r.text
    merged = r.json()["data"]
    assert merged["id"] == target["id"] and merged["attributes"]["mergedTarget"] is True
    assert merged["attributes"]["updatedAt"] >= start
    assert merged["attributes"]["updatedAt"] > target["attributes"]["updatedAt"]
    assert merged["attributes"]["messageCount"] == (
        source["attributes"]["messageCount"] + target["attributes"]["messageCount"]
    )
    assert client.get(f"/v1/conversations/{target['id']}").json()["data"] == merged
    assert places(client, "conversations", source["id"]) == set()
    for obj, rec in kids:
        now = client.get(f"/v1/{obj}/{rec['id']}").json()["data"]
        assert rel(now, "conversation") == target["id"]
        assert rel(now, "customer") == rel(target, "customer")
        assert now["attributes"]["updatedAt"] == rec["attributes"]["updatedAt"]
    assert attachment_ids(client) == atts  # the attachments moved with their messages

    entry = written_entries(client)[0]
    assert entry["attributes"]["eventName"] == "kustomer.conversation.merge"
    assert entry["attributes"]["objectId"] == source["id"]
    assert entry["attributes"]["changes"]["relationships"]["target"]["after"] == target["id"]
    assert (
        client.control(
            "POST", "/merges/conversations", {"source": source["id"], "target": target["id"]}
        ).status_code
        == 404
    )
    with pytest.raises(ValueError):
        fresh.control.merge_conversations(target["id"], target["id"])
