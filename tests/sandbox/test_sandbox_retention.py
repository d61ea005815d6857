"""Deletion rules (retention deletes) and the audit log's own retention: entries expire on the
sandbox clock, and ``expire_audit`` drops a long stretch at once."""

from __future__ import annotations

import pytest
from helpers.sandbox_client import Client, audit_entries, listed, rel, searched, written_entries

from kustomer_sandbox import Sandbox
from kustomer_sandbox.audit import expires_ms
from kustomer_sandbox.timefmt import iso_ms, parse_iso, to_ms

DAY_S = 86_400


def now_iso(sb: Sandbox) -> str:
    return iso_ms(to_ms(sb.control.now()))


def test_retention_refuses_data_younger_than_24_months(
    fresh: Sandbox, fresh_client: Client
) -> None:
    c = fresh.control
    # the clock starts at 2026-11-01: the latest date a rule accepts is 2024-11-01
    with pytest.raises(ValueError, match="24 months"):
        c.retention("2024-11-01T00:00:00.001Z", ["conversations"])
    r = fresh_client.control(
        "POST", "/retention", {"before": "2025-06-01", "objects": ["conversations"]}
    )
    assert r.status_code == 400 and "24 months" in r.json()["errors"][0]["detail"]
    assert c.retention("2024-11-01", ["conversations"])["conversations"] > 0
    c.advance_clock(30 * DAY_S)
    assert set(c.retention("2024-12-01", ["conversations"])) == {
        "conversations",
        "messages",
        "notes",
    }
    for body, status in (
        ({"before": "2024-01-01", "objects": ["customers"]}, 400),
        ({"before": "2024-01-01", "objects": []}, 400),
        ({"before": "yesterday", "objects": ["conversations"]}, 400),
        ({"before": "2024-01-01", "objects": ["kobject.no-such"]}, 404),
    ):
        r = fresh_client.control("POST", "/retention", body)
        assert r.status_code == status, (body, r.text)


def test_retention_deletes_old_conversations_with_their_children(
    fresh: Sandbox, fresh_client: Client
) -> None:
    client, c = fresh_client, fresh.control
    before = "2024-06-01T00:00:00.000Z"
    convs = listed(client, "/v1/conversations")
    old = [x for x in convs if x["attributes"]["createdAt"] < before]
    young = [x for x in convs if x["attributes"]["createdAt"] >= before]
    assert len(old) >= 3 and young
    # an old conversation merged into a young one: its messages now belong to the young one
    moved_from, into = old[1], young[-1]
    c.merge_conversations(moved_from["id"], into["id"])
    # a message made today in an old conversation goes with it
    made = c.create("messages", {"preview": "late reply"}, {"conversation": old[0]["id"]})
    messages, notes = listed(client, "/v1/messages"), listed(client, "/v1/notes")
    old_ids = {x["id"] for x in old}
    doomed_msgs = [m for m in messages if rel(m, "conversation") in old_ids]
    doomed_notes = [n for n in notes if rel(n, "conversation") in old_ids]
    assert made["id"] in {m["id"] for m in doomed_msgs}
    entries = len(audit_entries(client))
    customers = client.get("/v1/customers").json()["meta"]["total"]

    counts = c.retention(before, ["conversations"])
    assert counts == {
        "conversations": len(old) - 1,  # the merged one had gone already
        "messages": len(doomed_msgs),
        "notes": len(doomed_notes),
    }
    assert [x["id"] for x in listed(client, "/v1/conversations")] == [x["id"] for x in young]
    left = {m["id"] for m in listed(client, "/v1/messages")}
    assert left == {m["id"] for m in messages} - {m["id"] for m in doomed_msgs}
    moved = [m for m in messages if rel(m, "conversation") == into["id"]]
    assert any(m["attributes"]["createdAt"] < before for m in moved)  # below the cut, kept
    assert {m["id"] for m in moved} <= left
    assert {n["id"] for n in listed(client, "/v1/notes")} == (
        {n["id"] for n in notes} - {n["id"] for n in doomed_notes}
    )
    assert client.get(f"/v1/conversations/{old[0]['id']}").status_code == 404
    assert client.get(f"/v1/messages/{made['id']}").status_code == 404
    for archive in (False, True):
        found = {x["id"] for x in searched(client, "conversation", True, archive)}
        assert not found & old_ids
        found = {x["id"] for x in searched(client, "message", True, archive)}
        assert not found & {m["id"] for m in doomed_msgs}
    body = {
        "queryContext": "conversation",
        "and": [{"conversation_created_at": {"lt": before}}],
    }
    assert client.archive(body).json()["meta"]["total"] == 0
    assert client.search(body).json()["meta"]["total"] == 0
    # inferred: a deletion rule writes no audit entry; customers stay
    assert len(audit_entries(client)) == entries
    assert client.get("/v1/customers").json()["meta"]["total"] == customers
    # a second run finds nothing more
    assert set(c.retention(before, ["conversations"]).values()) == {0}


def test_retention_of_custom_objects(fresh: Sandbox, fresh_client: Client) -> None:
    before = "2024-03-01"
    subs = listed(fresh_client, "/v1/klasses/subscription")
    old = [s["id"] for s in subs if s["attributes"]["createdAt"] < before]
    r = fresh_client.control(
        "POST", "/retention", {"before": before, "objects": ["kobject.subscription"]}
    )
    assert r.json() == {"deleted": {"kobject.subscription": len(old)}} and old
    left = [s["id"] for s in listed(fresh_client, "/v1/klasses/subscription")]
    assert left == [s["id"] for s in subs if s["id"] not in old]
    counts = fresh.control.retention(before, ["kobjects"])
    assert counts["kobject.subscription"] == 0 and counts["kobject.ecomm-order"] > 0


def test_audit_entries_expire_on_the_sandbox_clock(fresh: Sandbox, fresh_client: Client) -> None:
    client, c = fresh_client, fresh.control
    customers = [x["id"] for x in listed(client, "/v1/customers")]
    c.delete("customers", customers[-1])
    c.merge_customers(customers[-2], customers[-3])

    def verbs() -> list[str]:
        return [e["attributes"]["eventVerb"] for e in written_entries(client)]

    assert verbs() == ["delete", "merge"]
    c.advance_clock(89 * DAY_S)
    assert verbs() == ["delete", "merge"]
    c.advance_clock(2 * DAY_S)  # 91 days: the delete (90 days) is gone, the merge stays
    assert verbs() == ["merge"]
    about = audit_entries(client, objectType="customer", objectId=customers[-1])
    assert "delete" not in [e["attributes"]["eventVerb"] for e in about]
    c.advance_clock(275 * DAY_S)  # 366 days
    assert verbs() == []

    # generated entries too, once the clock passes their expiresAt
    c.advance_clock(700 * DAY_S)
    now = now_iso(fresh)
    stored = list(c.records("audit_logs"))
    alive = [e["id"] for e in stored if expires_ms(e) > parse_iso(now)]
    assert any(not e["attributes"].get("expiresAt") for e in stored)
    assert 0 < len(alive) < len(stored)
    served = audit_entries(client)
    assert [e["id"] for e in served] == alive
    body = client.get("/v1/audit-logs", count=5).json()
    assert body["meta"]["total"] == len(alive)


def test_expire_audit_drops_entries_at_once(fresh: Sandbox, fresh_client: Client) -> None:
    client, c = fresh_client, fresh.control
    c.delete("customers", listed(client, "/v1/customers")[-1]["id"])
    entries = audit_entries(client)
    cut = entries[20]["attributes"]["createdAt"]
    assert entries[19]["attributes"]["createdAt"] < cut
    assert c.expire_audit(cut) == 20
    assert [e["id"] for e in audit_entries(client)] == [e["id"] for e in entries[20:]]
    # a cursor on a dropped entry still marks its place
    body = client.get("/v1/audit-logs", count=3, after=entries[5]["id"]).json()
    assert [e["id"] for e in body["data"]] == [e["id"] for e in entries[20:23]]
    # over HTTP, and the sandbox's own entries too
    last = entries[-1]
    r = client.control("POST", "/audit/expire", {"before": "2026-11-02"})
    assert r.status_code == 200 and r.json()["dropped"] == len(entries) - 20
    assert audit_entries(client) == []
    body = client.get("/v1/audit-logs", after=last["id"]).json()
    assert body["data"] == [] and body["meta"]["total"] == 0
    assert parse_iso(last["attributes"]["createdAt"]) >= parse_iso("2026-11-01T00:00:00Z")
    assert client.control("POST", "/audit/expire", {"before": "soon"}).status_code == 400
