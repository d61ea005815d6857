"""Envelopes, JSON:API form and field coverage of all 48 objects against the spec."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from helpers.sandbox_client import Client

from kustomer_sandbox import Sandbox, serve
from kustomer_sandbox.api import BY_OBJECT, ENDPOINTS
from kustomer_sandbox.shapes import load_shapes
from kustomer_sandbox.spec import JSON_TYPES, SPEC_PATH, load_spec

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
SENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
SPEC = load_spec()
SHAPES = load_shapes()


def test_spec_has_48_objects_and_639_fields() -> None:
    assert len(SPEC) == 48
    assert {e.obj for e in ENDPOINTS} == set(SPEC)
    # 639 fields in the file; the record id is not an attribute (46 objects have one)
    raw = json.loads(SPEC_PATH.read_text())
    assert sum(len(o["fields"]) for o in raw["objects"]) == 639


def first_records(client: Client, obj: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    ep = BY_OBJECT[obj]
    envelope = SHAPES[obj].envelope
    if ep.kind == "single":
        r = client.get(ep.path)
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == set(envelope.top) == {"data"}
        assert isinstance(body["data"], dict)
        return body, [body["data"]]
    if ep.kind == "cursor":
        r = client.get(ep.path, count=3)
    else:
        r = client.get(ep.path, pageSize=3)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == set(envelope.top)
    return body, body["data"]


#: fields a record's story leaves null or empty even on records 0-2: a message not in error
#: has no errorAt, the customer's message no creating team, a done conversation no message
#: unresponded to since it was done
STORY_NULLS = {
    ("messages", "errorAt"),
    ("messages", "createdByTeams"),
    ("conversations", "lastMessageUnrespondedToSinceLastDone"),
}


def check_value(obj: str, name: str, typ: str, value: Any) -> None:
    where = f"{obj}.{name} ({typ})"
    if (obj, name) in STORY_NULLS and not value:
        return
    assert value is not None, f"{where} is null"
    assert isinstance(value, JSON_TYPES[typ]), f"{where}: {value!r}"
    if typ in ("Integer", "Long", "Double"):
        assert not isinstance(value, bool), where
    if typ == "DateTime":
        assert ISO.match(value), f"{where}: {value!r}"
    if typ in ("Struct", "List", "String"):
        assert len(value) > 0, f"{where} is empty"


@pytest.mark.parametrize("obj", sorted(SPEC))
def test_first_records_carry_every_field(client: Client, obj: str) -> None:
    ep = BY_OBJECT[obj]
    _body, records = first_records(client, obj)
    expected = 1 if ep.kind == "single" else 3
    assert len(records) == expected
    shape = SHAPES[obj]
    for rec in records:
        assert rec["type"] == ep.type_name
        if shape.envelope.records_have_id:
            assert OBJECT_ID.match(rec["id"]), rec["id"]
        else:
            assert "id" not in rec  # outbound accounts, as documented
        if "self" in shape.record_links:
            own = ep.path if ep.kind == "single" else f"{ep.path}/{rec['id']}"
            assert rec["links"]["self"] == own
        else:
            assert "links" not in rec
        attrs = rec.get("attributes", {})
        for field in SPEC[obj].fields:
            assert field.name in attrs, f"{obj}: {field.name} missing"
            if field.name in shape.conflicts:
                continue  # the documented type wins (tests/sandbox/test_sandbox_shapes.py)
            check_value(obj, field.name, field.type, attrs[field.name])
        # names, kinds and targets: tests/sandbox/test_sandbox_shapes.py
        assert ("relationships" in rec) == (shape.relationships is not None)


def test_list_envelope_shape(client: Client) -> None:
    body = client.get("/v1/customers", pageSize=10, page=2).json()
    assert body["meta"] == {"pageSize": 10, "page": 2, "total": 30, "totalPages": 3}
    assert body["links"] == {
        "self": "/v1/customers?page=2&pageSize=10",
        "first": "/v1/customers?page=1&pageSize=10",
        "prev": "/v1/customers?page=1&pageSize=10",
        "next": "/v1/customers?page=3&pageSize=10",
        "last": "/v1/customers?page=3&pageSize=10",
    }
    users = client.get("/v1/users", pageSize=2).json()
    assert set(users["meta"]) == {"pageSize", "page"}
    assert users["links"]["prev"] is None
    assert client.get("/v1/brands").json()["meta"] == {"pageSize": 100, "page": 1}


def test_custom_attributes_and_deleted_flags(client: Client) -> None:
    for path in ("/v1/customers", "/v1/conversations", "/v1/messages", "/v1/companies"):
        rec = client.get(path, pageSize=1).json()["data"][0]
        custom = rec["attributes"]["custom"]
        assert set(custom) == {
            "orderNumberStr",
            "lifetimeValueNum",
            "lastOrderAt",
            "vipBool",
            "notesTxt",
        }
        assert isinstance(custom["lifetimeValueNum"], (int, float))
        # custom dates come back as sent: UTC milliseconds or an offset (N18)
        assert ISO.match(custom["lastOrderAt"]) or SENT.match(custom["lastOrderAt"])
        assert isinstance(custom["vipBool"], bool)
    for path in ("/v1/customers", "/v1/kb/articles", "/v1/teams", "/v1/routing/queues"):
        for rec in client.get(path, pageSize=100).json()["data"]:
            assert rec["attributes"].get("deleted", False) is False


def test_later_records_are_sometimes_null_absent_or_empty(client: Client) -> None:
    records, _ = client.follow("/v1/conversations", pageSize=100)
    states = {"null": 0, "absent": 0, "empty": 0}
    for rec in records[3:]:
        attrs = rec["attributes"]
        for field in SPEC["conversations"].fields:
            if field.name not in attrs:
                states["absent"] += 1
            elif attrs[field.name] is None:
                states["null"] += 1
            elif attrs[field.name] in ({}, []):
                states["empty"] += 1
    assert all(n > 0 for n in states.values()), states


def test_relationships_point_at_existing_records(client: Client, sb: Sandbox) -> None:
    ids = {
        obj: {r["id"] for r in sb.control.records(obj)}
        for obj in (
            "customers",
            "conversations",
            "companies",
            "users",
            "brands",
            "routing_queues",
            "teams",
        )
    }
    conv_customer = {}
    for conv in sb.control.records("conversations"):
        cust = conv["relationships"]["customer"]["data"]
        assert cust["type"] == "customer" and cust["id"] in ids["customers"]
        conv_customer[conv["id"]] = cust["id"]
    for obj in ("messages", "notes"):
        for rec in sb.control.records(obj):
            rel = rec["relationships"]
            conv = rel["conversation"]["data"]["id"]
            assert conv in ids["conversations"]
            assert rel["customer"]["data"]["id"] == conv_customer[conv]
    for rec in sb.control.records("routing_work_items"):
        resource = rec["relationships"]["resource"]["data"]
        assert resource["type"] == "conversation" and resource["id"] in ids["conversations"]
        attribute = rec["attributes"].get("resource") or {}  # sometimes null or empty
        assert resource["id"] == attribute.get("id", resource["id"])
        assert rec["relationships"]["queue"]["data"]["id"] in ids["routing_queues"]
    all_ids: dict[str, set[str]] = {}
    for rec in sb.control.records("audit_logs"):
        target = {
            "conversation": "conversations",
            "customer": "customers",
            "message": "messages",
            "company": "companies",
            "work_item": "routing_work_items",
            "work_session": "routing_work_sessions",
            "user": "users",
        }[rec["attributes"]["objectType"]]
        if target not in all_ids:
            all_ids[target] = {r["id"] for r in sb.control.records(target)}
        assert rec["attributes"]["objectId"] in all_ids[target]
        assert rec["attributes"]["userId"] in ids["users"]
        assert rec["attributes"]["userId"] == rec["relationships"]["user"]["data"]["id"]


def test_ids_and_timestamps_increase_in_list_order(client: Client) -> None:
    records, _ = client.follow("/v1/messages", pageSize=100)
    ids = [r["id"] for r in records]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    updated = [r["attributes"]["updatedAt"] for r in records]
    assert updated == sorted(updated)
    for r in records:
        assert r["attributes"]["createdAt"] <= r["attributes"]["updatedAt"]
    assert records[0]["attributes"]["updatedAt"] < "2024-01-01"  # spread over ~3 years


def test_same_seed_same_org_other_seed_other_org(client: Client) -> None:
    mine = client.get("/v1/customers", pageSize=5).json()["data"]
    with serve(seed=3, scale=30) as twin, serve(seed=4, scale=30) as other:
        assert Client(twin).get("/v1/customers", pageSize=5).json()["data"] == mine
        assert Client(other).get("/v1/customers", pageSize=5).json()["data"] != mine


def test_outbound_webhook_events_is_one_list_of_names(client: Client) -> None:
    data = client.get("/v1/outbound-webhooks/events").json()["data"]
    events = data["attributes"]["events"]
    assert events and all(isinstance(e, str) and e.startswith("kustomer.") for e in events)


def test_record_by_id_and_token_probe(client: Client) -> None:
    rec = client.get("/v1/conversations", pageSize=1).json()["data"][0]
    one = client.get(rec["links"]["self"])
    assert one.status_code == 200 and one.json()["data"] == rec
    assert client.get("/v1/conversations/" + "0" * 24).status_code == 404
    probe = client.get("/v1/auth/tokens/current")
    assert probe.status_code == 200 and probe.json()["data"]["type"] == "auth_token"


def test_scale_controls_big_objects_only(sb: Sandbox) -> None:
    c = sb.control
    assert c.count("customers") == 30 and c.count("conversations") == 30
    assert c.count("messages") == 120 and c.count("notes") == 30
    assert c.count("audit_logs") == 60
    for obj in ("brands", "apps", "klasses", "snippets"):
        assert 3 <= c.count(obj) <= 10
    assert 10 <= c.count("users") <= 25
    assert c.count("chat_settings") == 1
    assert len(c.objects()) == 48
