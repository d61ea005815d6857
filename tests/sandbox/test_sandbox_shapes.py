"""Every record the sandbox serves, checked against Kustomer's documented shapes.

Walks all 48 objects to the end, and the search results of every query context, over HTTP, and
compares each record with `kustomer_source/catalog/shapes.json`: the envelope's keys, the record's
`type`, `id` and `links`, every documented relationship (name, kind, target type, links), and
every documented attribute (present on the first three records, which carry every field, and
typed on all of them, nested keys too).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from helpers.sandbox_client import Client

from kustomer_sandbox import Sandbox
from kustomer_sandbox.api import BY_OBJECT, SEARCH_CONTEXTS
from kustomer_sandbox.shapes import (
    ObjectShape,
    Relationship,
    Shape,
    current_user,
    included,
    load_shapes,
    search_envelope,
)

SHAPES = load_shapes()
#: records with an index below this carry every field (sandbox README, data model)
FULL = 3


def pages(client: Client, obj: str) -> list[dict[str, Any]]:
    """Every response body of ``obj``, read the way its documented envelope allows."""
    ep = BY_OBJECT[obj]
    envelope = SHAPES[obj].envelope
    if ep.kind == "single":
        return [client.get(ep.path).json()]
    if ep.kind == "cursor":
        bodies = [client.get(ep.path, count=7).json()]
        while bodies[-1]["links"]["next"]:
            nxt = bodies[-1]["links"]["next"]
            bodies.append(client.http.get(client.base + nxt, timeout=30).json())
        return bodies
    if "next" not in envelope.links:  # auth roles, outbound accounts: page by number
        bodies, page = [], 1
        while True:
            body = client.get(ep.path, page=page, pageSize=4).json()
            if not body["data"]:
                return bodies or [body]
            bodies.append(body)
            page += 1
    bodies = [client.get(ep.path, pageSize=7).json()]
    while bodies[-1]["links"]["next"]:
        bodies.append(client.http.get(client.base + bodies[-1]["links"]["next"], timeout=30).json())
    return bodies


def check_envelope(obj: str, body: dict[str, Any], top: tuple[str, ...]) -> None:
    envelope = SHAPES[obj].envelope
    assert tuple(sorted(body)) == tuple(sorted(top)), (obj, sorted(body))
    if "meta" in body and not envelope.meta_free_form:
        assert set(body["meta"]) <= set(envelope.meta), (obj, body["meta"])
        assert {"page", "pageSize", "count"} & set(body["meta"]) or not envelope.meta
    if "links" in body:
        assert set(body["links"]) == set(envelope.links), (obj, body["links"])


def relationship_problems(shape: ObjectShape, rec: dict[str, Any]) -> list[str]:
    """What in a record's ``relationships`` contradicts the documented ones."""
    where = f"{shape.table} {rec.get('id')}"
    if shape.relationships is None:
        return [f"{where}: undocumented relationships"] if "relationships" in rec else []
    rels = rec.get("relationships")
    if not isinstance(rels, dict):
        return [f"{where}: no relationships"]
    out = [f"{where}: undocumented relationship {n}" for n in rels if n not in shape.relationships]
    for name, doc in shape.relationships.items():
        if name not in rels:
            if not doc.optional:
                out.append(f"{where}: relationship {name} missing")
            continue
        out += one_relationship(f"{where}.{name}", doc, rels[name])
    return out


def one_relationship(where: str, doc: Relationship, value: Any) -> list[str]:
    def ref_ok(item: Any) -> bool:
        return (
            isinstance(item, dict)
            and set(item) == {"type", "id"}
            and item["type"] == doc.target
            and isinstance(item["id"], str)
            and len(item["id"]) == 24
        )

    if doc.kind == "links":
        ok = value == {"links": {"self": value.get("links", {}).get("self")}} and isinstance(
            value["links"]["self"], str
        )
        return [] if ok else [f"{where}: links only expected, got {value!r}"]
    if doc.kind == "many":
        items = value if doc.bare else value.get("data") if isinstance(value, dict) else None
        if not isinstance(items, list) or not all(ref_ok(i) for i in items):
            return [f"{where}: a list of {doc.target} references expected, got {value!r}"]
        return []
    if not isinstance(value, dict) or "data" not in value:
        return [f"{where}: data expected, got {value!r}"]
    if value["data"] is None:
        return [] if set(value) == {"data"} else [f"{where}: links on a null reference"]
    if not ref_ok(value["data"]):
        return [f"{where}: a {doc.target} reference expected, got {value['data']!r}"]
    if doc.links != ("links" in value):
        return [f"{where}: links {'missing' if doc.links else 'not documented'}"]
    if doc.links and value["links"] != {"self": f"{_prefix(doc.target)}/{value['data']['id']}"}:
        return [f"{where}: links.self {value['links']!r} does not name the target"]
    return []


def _prefix(target: str) -> str:
    from kustomer_sandbox.relations import SYNTHETIC_PATHS, TARGET_OBJECTS

    obj = TARGET_OBJECTS.get(target)
    return BY_OBJECT[obj].path if obj else SYNTHETIC_PATHS[target]


def record_problems(shape: ObjectShape, rec: dict[str, Any], full: bool) -> list[str]:
    """What in one record contradicts its documented shape."""
    where = f"{shape.table} {rec.get('id')}"
    out: list[str] = []
    if shape.record_type is not None and rec.get("type") != shape.record_type:
        out.append(f"{where}: type {rec.get('type')!r}, documented {shape.record_type!r}")
    if ("id" in rec) != shape.envelope.records_have_id:
        out.append(f"{where}: id {'missing' if 'id' not in rec else 'not documented'}")
    links = rec.get("links")
    if shape.record_links:
        if not isinstance(links, dict) or "self" not in links:
            out.append(f"{where}: links.self missing")
        elif not set(links) <= set(shape.record_links):
            out.append(f"{where}: undocumented record links {sorted(links)}")
    elif links is not None:
        out.append(f"{where}: record links not documented")
    attrs = rec.get("attributes", {})
    for name, doc in shape.attributes.items():
        if name not in attrs:
            if full:
                out.append(f"{where}: documented attribute {name} missing")
            continue
        if full and attrs[name] is None:
            out.append(f"{where}: {name} is null on a full record")
        out += doc.problems(attrs[name], f"{where}.{name}")
        if full:
            out += missing_keys(doc, attrs[name], f"{where}.{name}")
    return out + relationship_problems(shape, rec)


#: values whose documented shape merges several examples into one object: a saved search's
#: criteria (each criterion holds one attribute with one operator; the documented item lists
#: every attribute and operator the examples used)
MERGED_EXAMPLES = (".data.and[", ".data.or[")


def missing_keys(doc: Shape, value: Any, where: str) -> list[str]:
    """Documented keys a full record's value lacks, at every level (maps keyed by data and
    keys the documents show on some items only are exempt)."""
    out: list[str] = []
    if where.startswith("customers_searches ") and any(m in where for m in MERGED_EXAMPLES):
        return out
    if isinstance(value, dict) and doc.keyed_by is None and doc.properties:
        missing = set(doc.properties) - set(value)
        if missing:
            out.append(f"{where}: documented keys {sorted(missing)} missing")
        for key, sub in doc.properties.items():
            if value.get(key) is not None:
                out += missing_keys(sub, value[key], f"{where}.{key}")
    elif isinstance(value, list) and doc.items is not None:
        for n, item in enumerate(value):
            out += missing_keys(doc.items, item, f"{where}[{n}]")
    return out


@pytest.mark.parametrize("obj", list(SHAPES))
def test_every_record_has_the_documented_shape(client: Client, obj: str) -> None:
    shape = SHAPES[obj]
    bodies = pages(client, obj)
    records: list[dict[str, Any]] = []
    for body in bodies:
        check_envelope(obj, body, shape.envelope.top)
        data = body["data"]
        records += [data] if isinstance(data, dict) else data
    assert records, obj
    problems = [p for n, rec in enumerate(records) for p in record_problems(shape, rec, n < FULL)]
    assert not problems, "\n".join(problems[:20])
    # every documented to-one is served for real somewhere, not only as a null
    for name, doc in (shape.relationships or {}).items():
        if doc.kind == "one":
            assert any(
                ((r.get("relationships") or {}).get(name) or {}).get("data") for r in records
            ), f"{obj}.{name} never points at a record"


@pytest.mark.parametrize("context", [c for c, o in SEARCH_CONTEXTS.items() if o])
def test_search_results_have_the_documented_shape(
    client: Client, sb: Sandbox, context: str
) -> None:
    obj = SEARCH_CONTEXTS[context]
    assert obj is not None
    shape = SHAPES[obj]
    envelope = search_envelope()
    found, n = [], 0
    body = client.search({"queryContext": context}, pageSize=50).json()
    total = body["meta"]["total"]
    while True:
        assert set(body) == set(envelope.top)
        assert set(body["meta"]) == set(envelope.meta) and set(body["links"]) == set(envelope.links)
        found += body["data"]
        if not body["links"]["next"]:
            break
        n += 1
        body = client.http.post(
            client.base + body["links"]["next"], json={"queryContext": context}, timeout=30
        ).json()
    # the search window covers the last two years, so not every record
    assert found and len(found) == total
    problems = [p for rec in found for p in record_problems(shape, rec, full=False)]
    assert not problems, "\n".join(problems[:20])


def test_values_agree_across_objects(sb: Sandbox) -> None:
    records = {o: list(sb.control.records(o)) for o in ("conversations", "messages", "notes")}
    conversations = {c["id"]: c for c in records["conversations"]}
    for obj in ("messages", "notes"):
        for rec in records[obj]:
            rels = rec["relationships"]
            conv = conversations[rels["conversation"]["data"]["id"]]
            for name in ("org", "customer"):
                assert rels[name]["data"] == conv["relationships"][name]["data"], (obj, name)
    for entry in sb.control.records("audit_logs"):
        attrs, rels = entry["attributes"], entry["relationships"]
        assert attrs["userId"] == rels["user"]["data"]["id"]
        if attrs["objectType"] == "customer":
            assert rels["customer"]["data"]["id"] == attrs["objectId"]
        if attrs["objectType"] == "conversation":
            conv = conversations[attrs["objectId"]]
            assert rels["customer"]["data"] == conv["relationships"]["customer"]["data"]
    for route in sb.control.records("kb_routes"):
        assert route["relationships"]["article"]["data"]["id"] == route["attributes"]["routableId"]
    for tx in sb.control.records("outbound_webhooks_transactions"):
        assert tx["relationships"]["hook"]["data"]["id"] == tx["attributes"]["webhookId"]


def test_users_current_is_a_documented_user(client: Client) -> None:
    shape = current_user()
    body = client.get("/v1/users/current").json()
    assert set(body) == set(shape.envelope.top)
    user = body["data"]
    assert user["type"] == "user" and user["links"]["self"] == f"/v1/users/{user['id']}"
    problems = record_problems(shape, user, full=True)
    assert not problems, problems
    # the key names its user and org (a JWT's payload), the same ones
    payload = client.sb.token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["user"] == user["id"]
    assert claims["org"] == user["relationships"]["org"]["data"]["id"]


def test_messages_include_attachments(client: Client, sb: Sandbox) -> None:
    shape = included("attachment")
    plain = client.get("/v1/messages", pageSize=20).json()
    assert "included" not in plain
    body = client.get("/v1/messages", pageSize=20, include="attachments").json()
    assert body["links"]["next"] == "/v1/messages?page=2&pageSize=20&include=attachments"
    assert [r["id"] for r in body["data"]] == [r["id"] for r in plain["data"]]
    named = [
        (rec["id"], a["id"])
        for rec in body["data"]
        for a in rec["relationships"].get("attachments", {}).get("data", [])
    ]
    assert named and len(named) < 2 * len(body["data"])
    assert [
        (a["relationships"]["message"]["data"]["id"], a["id"]) for a in body["included"]
    ] == named
    for att in body["included"]:
        assert att["type"] == "attachment"
        assert att["links"]["self"] == (
            f"/v1/messages/{att['relationships']['message']['data']['id']}/attachments/{att['id']}"
        )
        assert not record_problems(shape, att, full=True)
    one = body["data"][0]
    by_id = client.get(f"/v1/messages/{one['id']}", include="attachments").json()
    assert by_id["data"] == one and by_id["included"] == body["included"][:1]
    bad = client.get("/v1/messages", include="notes")
    assert bad.status_code == 400 and "include" in bad.text


def test_created_records_carry_the_documented_relationships(fresh: Sandbox) -> None:
    c = fresh.control
    conv = next(iter(c.records("conversations")))
    message = c.create("messages", {"preview": "new"}, {"conversation": conv["id"]})
    shape = SHAPES["messages"]
    assert not relationship_problems(shape, message)
    rels = message["relationships"]
    assert rels["conversation"]["data"] == {"type": "conversation", "id": conv["id"]}
    assert rels["customer"]["data"] == conv["relationships"]["customer"]["data"]
    assert "attachments" not in rels
    customer = c.create("customers", {"name": "New"})
    assert customer["relationships"]["messages"] == {
        "links": {"self": f"/v1/customers/{customer['id']}/messages"}
    }
    assert not relationship_problems(SHAPES["customers"], customer)
    for obj in ("routing_queues", "kb_articles", "users"):
        made = c.create(obj, {})
        assert not record_problems(SHAPES[obj], made, full=False), obj
    (imported,) = c.bulk_import("routing_queues", 1, "2026-10-01T00:00:00.000Z")
    queue = c.get("routing_queues", imported)
    assert queue["attributes"]["createdAt"] == 1_790_812_800_000  # documented: epoch ms
