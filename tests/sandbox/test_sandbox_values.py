"""Values that agree across objects, checked over a whole small org (the re-audit's N22-N28).

A conversation's message pointers name its own messages at their sentAt; messages sit on the
conversation's channels and teams, inside its lifetime; a customer's conversationCounts count its
conversations; work items enter the queue before they are accepted, by the conversation's agent,
in the agent's work session; capacities never go below zero; a creator exists before what it
made; an audit entry comes after the record it logs; every moment of a record lies within its
own lifetime; and no old record is updated recently unless ``recent_update_share`` says so.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from kustomer_sandbox import Sandbox, serve
from kustomer_sandbox.timefmt import parse_iso

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
#: moments that are not the record's own: expiries lie ahead, a work item's resourceCreatedAt is
#: its conversation's createdAt
NOT_OWN = {"expiresAt", "expireAt", "nextRetry", "resourceCreatedAt"}
OBJECTS = (
    "customers",
    "conversations",
    "messages",
    "notes",
    "routing_work_items",
    "routing_work_sessions",
    "audit_logs",
    "users",
    "companies",
    "teams",
)
AUDIT_OBJECTS = {
    "conversation": "conversations",
    "customer": "customers",
    "message": "messages",
    "company": "companies",
    "work_item": "routing_work_items",
    "work_session": "routing_work_sessions",
    "user": "users",
}


@pytest.fixture(scope="module")
def org() -> Iterator[dict[str, dict[str, dict[str, Any]]]]:
    """Every record of the objects that refer to each other, by id (a small org)."""
    with serve(seed=12, scale=60) as sb:
        yield {o: {r["id"]: r for r in sb.control.records(o)} for o in OBJECTS}


def ref(rec: dict[str, Any], name: str) -> str | None:
    data = (rec.get("relationships") or {}).get(name, {}).get("data")
    return data.get("id") if isinstance(data, dict) else None


def at(rec: dict[str, Any], name: str = "createdAt") -> int:
    return parse_iso(rec["attributes"][name])


def children(records: dict[str, dict[str, Any]], name: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in records.values():
        out[ref(rec, name) or ""].append(rec)
    return out


def test_message_pointers_name_the_conversations_messages(org: dict[str, Any]) -> None:
    messages = org["messages"]
    of = children(messages, "conversation")
    checked = 0
    for conv in org["conversations"].values():
        a = conv["attributes"]
        mine = sorted(of[conv["id"]], key=lambda m: m["id"])
        outbound = [m for m in mine if m["attributes"].get("direction") == "out"]
        if a.get("messageCount") is not None:
            assert a["messageCount"] == len(mine)
        if a.get("outboundMessageCount") is not None and all(
            m["attributes"].get("direction") for m in mine
        ):
            assert a["outboundMessageCount"] == len(outbound)
        for name, direction in (
            ("firstMessageIn", "in"),
            ("firstMessageOut", "out"),
            ("lastMessageIn", "in"),
            ("lastMessageOut", "out"),
            ("lastMessageUnrespondedTo", "in"),
        ):
            pointer = a.get(name)
            if not pointer:
                continue
            message = messages[pointer["id"]]
            assert ref(message, "conversation") == conv["id"], name
            m = message["attributes"]
            assert (m.get("sentAt") or pointer["sentAt"]) == pointer["sentAt"] == m["createdAt"]
            assert (m.get("direction") or direction) == direction, name
            assert (m.get("channel") or pointer["channel"]) == pointer["channel"]
            checked += 1
        if a.get("firstMessageIn"):
            assert a["firstMessageIn"]["id"] == mine[0]["id"]
            assert a["firstMessageIn"]["sentAt"] == a["createdAt"]
        if a.get("firstResponse") and a.get("firstMessageOut"):
            assert a["firstResponse"]["sentAt"] == a["firstMessageOut"]["sentAt"]
            wait = at(messages[a["firstMessageOut"]["id"]]) - at(conv)
            assert a["firstResponse"]["responseTime"] == wait
        if a.get("lastMessageOut") and all(m["attributes"].get("direction") for m in mine):
            assert a["lastMessageOut"]["id"] == outbound[-1]["id"]
    assert checked > 100


def test_messages_agree_with_their_conversation(org: dict[str, Any]) -> None:
    conversations = org["conversations"]
    for message in org["messages"].values():
        conv = conversations[ref(message, "conversation") or ""]
        m, c = message["attributes"], conv["attributes"]
        assert at(conv) <= at(message) <= at(message, "updatedAt") <= at(conv, "updatedAt")
        if m.get("channel") and c.get("channels"):
            assert m["channel"] in c["channels"]
        if m.get("assignedTeams") and c.get("assignedTeams"):
            assert m["assignedTeams"] == c["assignedTeams"]
        if m.get("assignedUsers") and c.get("assignedUsers"):
            assert m["assignedUsers"] == c["assignedUsers"]
        direction, kind = m.get("direction"), m.get("directionType")
        if direction and kind:
            assert kind.endswith(direction), (direction, kind)
        meta = m.get("meta")
        if direction and isinstance(meta, dict) and meta.get("from"):
            assert (meta["from"] == "support@example.com") == (direction == "out")
        if m.get("errorAt"):
            assert (m.get("status") or "error") == "error"
            assert m["createdAt"] <= m["errorAt"] <= m["updatedAt"]
        if direction == "in" and m.get("status"):
            assert m["status"] == "received"
    for note in org["notes"].values():
        conv = conversations[ref(note, "conversation") or ""]
        assert at(conv) <= at(note) <= at(note, "updatedAt") <= at(conv, "updatedAt")
        if conv["attributes"].get("assignedUsers"):
            assert ref(note, "createdBy") in conv["attributes"]["assignedUsers"]


def test_customers_count_their_conversations(org: dict[str, Any]) -> None:
    of = children(org["conversations"], "customer")
    several = 0
    for customer in org["customers"].values():
        a = customer["attributes"]
        mine = of[customer["id"]]
        several += len(mine) > 1
        for conv in mine:  # a customer exists before its conversations and is updated after
            assert at(customer) < at(conv) <= at(customer, "updatedAt")
        counts = a.get("conversationCounts")
        if counts:
            assert counts["all"] == counts["open"] + counts["done"] + counts["snoozed"]
            assert counts["all"] == len(mine)
            statuses = Counter(c["attributes"].get("status") for c in mine)
            if None not in statuses:
                assert {k: counts[k] for k in ("open", "done", "snoozed")} == {
                    k: statuses.get(k, 0) for k in ("open", "done", "snoozed")
                }
        if a.get("lastConversation") and mine:
            assert a["lastConversation"]["id"] == max(c["id"] for c in mine)
        company = ref(customer, "company")
        if a.get("companyName") and company:
            name = org["companies"][company]["attributes"].get("name")
            assert a["companyName"] == (name or a["companyName"])
        if a.get("companyName"):
            assert company
    assert several > 3  # returning customers


def test_work_items_and_sessions_agree(org: dict[str, Any]) -> None:
    conversations, sessions = org["conversations"], org["routing_work_sessions"]
    for item in org["routing_work_items"].values():
        a = item["attributes"]
        conv = conversations[ref(item, "resource") or ""]
        c = conv["attributes"]
        revision = a.get("lastRevision") or {}
        queued, accepted = revision.get("enteredQueueAt"), revision.get("acceptedAt")
        if queued and accepted:
            assert queued <= accepted
        for moment in (queued, accepted):
            if moment:
                assert a["createdAt"] <= moment <= a["updatedAt"]
        assert at(conv) <= at(item) <= at(item, "updatedAt") <= at(conv, "updatedAt")
        if a.get("resourceCreatedAt"):
            assert a["resourceCreatedAt"] == c["createdAt"]
        if c.get("assignedTeams"):
            assert ref(item, "team") in c["assignedTeams"]
        if c.get("assignedUsers"):
            assert ref(item, "assignedTo") in c["assignedUsers"]
        if a.get("channel") and c.get("channels"):
            assert a["channel"] in c["channels"]
        assert ref(sessions[ref(item, "workSession") or ""], "user") == ref(item, "assignedTo")
    for session in sessions.values():
        for capacity in session["attributes"].get("capacity") or []:
            assert 0 <= capacity["remaining"] <= capacity["limit"]
        by_status = session["attributes"].get("totalTimeByStatus") or {}
        for value in by_status.values():
            assert set(value) == {"statusAt", "businessTime", "time"}


def test_creators_exist_before_what_they_made(org: dict[str, Any]) -> None:
    users = org["users"]
    checked = 0
    for obj, records in org.items():
        for rec in records.values():
            for name in ("createdBy", "modifiedBy", "assignedTo", "user"):
                user = ref(rec, name)
                if user in users and "createdAt" in rec["attributes"]:
                    assert at(users[user]) < at(rec), (obj, name)
                    checked += 1
    assert checked > 300


def test_audit_entries_follow_what_they_log(org: dict[str, Any]) -> None:
    users = org["users"]
    kinds: Counter[str] = Counter()
    verbs: Counter[str] = Counter()
    for entry in org["audit_logs"].values():
        a = entry["attributes"]
        kinds[a["objectType"]] += 1
        target = org[AUDIT_OBJECTS[a["objectType"]]][a["objectId"]]
        assert at(target) <= at(entry)
        assert a["eventName"] == f"kustomer.{a['objectType']}.{a['eventVerb']}"
        user = a.get("userId")
        assert user == ref(entry, "user")
        if user and a.get("userType") and users[user]["attributes"].get("userType"):
            assert a["userType"] == users[user]["attributes"]["userType"]
        for change in (a.get("changes") or {}).get("attributes", {}).values():
            assert set(change) == {"op", "before", "after"}
        verbs[a["eventVerb"]] += 1
        if a["eventVerb"] == "create":  # N13: made within the day before, from nothing
            assert at(entry) - at(target) < 86_400_000
            changes = a.get("changes") or {}
            for part in ("attributes", "relationships"):
                assert all(ch["before"] is None for ch in (changes.get(part) or {}).values())
    assert "note" not in kinds and len(kinds) >= 5
    assert set(verbs) == {"create", "update"} and verbs["update"] > verbs["create"] > 0


def test_every_moment_lies_within_its_records_lifetime() -> None:
    with serve(seed=12, scale=30) as sb:
        for obj in sb.control.objects():
            for rec in sb.control.records(obj):
                a = rec.get("attributes") or {}
                if not isinstance(a.get("createdAt"), str) or not isinstance(
                    a.get("updatedAt"), str
                ):
                    continue
                lo, hi = parse_iso(a["createdAt"]), parse_iso(a["updatedAt"])
                assert lo <= hi, (obj, rec["id"])
                for path, value in moments(a):
                    assert lo <= parse_iso(value) <= hi, (obj, rec["id"], path, value)


def moments(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every timestamp in a value, with where it is (NOT_OWN keys left out)."""
    if isinstance(value, dict):
        for key, sub in value.items():
            if key not in NOT_OWN:
                yield from moments(sub, f"{path}.{key}")
    elif isinstance(value, list):
        for sub in value:
            yield from moments(sub, f"{path}[]")
    elif isinstance(value, str) and ISO.match(value):
        yield path, value


def test_the_api_key_belongs_to_a_machine_user(sb: Sandbox) -> None:
    import requests

    me = requests.get(
        sb.base_url + "/v1/users/current",
        headers={"Authorization": f"Bearer {sb.token}"},
        timeout=10,
    ).json()["data"]
    assert me["attributes"]["userType"] == "machine"
    types = Counter(u["attributes"].get("userType") for u in sb.control.records("users"))
    assert types["user"] > types["machine"] >= 1
