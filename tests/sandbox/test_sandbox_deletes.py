"""Hard deletes through the documented endpoints and the control API: cascades, where the
records can no longer be seen, bulk jobs, roles and the audit entries they leave."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from helpers.sandbox_client import (
    Client,
    attachment_ids,
    audit_entries,
    busiest_customer,
    listed,
    places,
    rel,
    searched,
    written_entries,
)

from kustomer_sandbox import Sandbox
from kustomer_sandbox.timefmt import parse_iso

ISO_DAY = timedelta(days=1)


def children(client: Client, conversations: set[str]) -> dict[str, list[dict[str, Any]]]:
    """The messages and notes of these conversations, as the lists serve them."""
    return {
        obj: [r for r in listed(client, f"/v1/{obj}") if rel(r, "conversation") in conversations]
        for obj in ("messages", "notes")
    }


def days_between(start: str, end: str) -> float:
    return (parse_iso(end) - parse_iso(start)) / 86_400_000


def test_customer_delete_cascades_and_is_gone_everywhere(fresh_client: Client) -> None:
    client = fresh_client
    cust, convs = busiest_customer(client)
    conv_ids = {c["id"] for c in convs}
    kids = children(client, conv_ids)
    assert len(conv_ids) >= 2 and kids["messages"] and kids["notes"]
    atts = {
        a["id"]
        for m in kids["messages"]
        for a in (m.get("relationships") or {}).get("attachments", {}).get("data", [])
    }
    assert atts and atts <= attachment_ids(client)
    total = client.get("/v1/customers").json()["meta"]["total"]

    r = client.delete(f"/v1/customers/{cust}")
    assert r.status_code == 204 and r.content == b""

    assert places(client, "customers", cust) == set()
    for cid in conv_ids:
        assert places(client, "conversations", cid) == set()
    for obj, recs in kids.items():
        for rec in recs:
            assert client.get(f"/v1/{obj}/{rec['id']}").status_code == 404
            assert rec["id"] not in {r["id"] for r in searched(client, obj[:-1], True)}
    assert not atts & attachment_ids(client)
    assert client.get("/v1/customers").json()["meta"]["total"] == total - 1
    assert client.delete(f"/v1/customers/{cust}").status_code == 404

    # one entry for the customer; none for the cascaded conversations and messages
    deletes = written_entries(client, "delete")
    assert [(e["attributes"]["objectType"], e["attributes"]["objectId"]) for e in deletes] == [
        ("customer", cust)
    ]
    entry = deletes[0]
    attrs = entry["attributes"]
    assert entry["type"] == "audit_log"
    assert attrs["eventName"] == "kustomer.customer.delete" and attrs["eventVerb"] == "delete"
    assert attrs["client"] == "api" and attrs["userType"] == "user"
    assert set(attrs) == {
        "eventName",
        "eventVerb",
        "org",
        "userId",
        "userType",
        "objectId",
        "objectType",
        "client",
        "ip",
        "changes",
        "createdAt",
        "publishedAt",
        "expiresAt",
    }
    assert attrs["changes"] == {"attributes": {}, "relationships": {}}
    assert attrs["createdAt"].startswith("2026-11-01T00:00")
    assert days_between(attrs["createdAt"], attrs["expiresAt"]) == 90
    assert entry["relationships"]["customer"]["data"] == {"type": "customer", "id": cust}
    assert entry["relationships"]["user"]["data"] == {"type": "user", "id": attrs["userId"]}
    found = audit_entries(client, objectType="customer", objectId=cust)
    assert entry in found


def test_soft_deleted_then_hard_deleted_never_comes_back(
    fresh: Sandbox, fresh_client: Client
) -> None:
    cust = listed(fresh_client, "/v1/customers")[-1]["id"]
    fresh.control.soft_delete("customers", cust)
    assert places(fresh_client, "customers", cust) == {"search+deleted"}
    removed = fresh.control.delete("customers", cust)
    assert removed["customers"] == [cust]
    assert places(fresh_client, "customers", cust) == set()
    entry = written_entries(fresh_client, "delete")[0]["attributes"]
    assert entry["client"] == "kustomer-web" and entry["objectId"] == cust


def test_bulk_delete_customers(fresh_client: Client) -> None:
    client = fresh_client
    ids = [r["id"] for r in listed(client, "/v1/customers")[10:13]]
    missing = "f" * 24
    r = client.delete("/v1/customers/bulk", ids=",".join([*ids, missing]))
    assert r.status_code == 201, r.text
    job = r.json()["data"]
    assert job["type"] == "bulk" and job["links"]["self"] == f"/v1/bulk/{job['id']}"
    a = job["attributes"]
    assert a["ids"] == [*ids, missing] and a["context"] == "api.sobjects.customers.bulk-delete"
    assert a["status"] == "complete" and a["completed"] is True and a["v2"] is True
    assert a["payload"]["api"]["path"] == "/v1/customers/bulk"
    assert set(job["relationships"]) == {"org", "createdBy"}
    left = {r["id"] for r in listed(client, "/v1/customers")}
    assert not left & set(ids)
    logged = [e["attributes"]["objectId"] for e in written_entries(client, "delete")]
    assert logged == ids
    assert client.delete("/v1/customers/bulk").status_code == 400
    assert client.delete("/v1/customers/bulk", ids="nope").status_code == 400


def test_conversation_delete_takes_messages_attachments_and_notes(fresh_client: Client) -> None:
    client = fresh_client
    _cust, convs = busiest_customer(client)
    conv = convs[0]
    kids = children(client, {conv["id"]})
    atts = {
        a["id"]
        for m in kids["messages"]
        for a in (m.get("relationships") or {}).get("attachments", {}).get("data", [])
    }
    assert kids["messages"] and atts <= attachment_ids(client)
    r = client.delete(f"/v1/conversations/{conv['id']}")
    assert r.status_code == 204
    assert places(client, "conversations", conv["id"]) == set()
    for obj, recs in kids.items():
        left = {r["id"] for r in listed(client, f"/v1/{obj}")}
        assert not left & {r["id"] for r in recs}
    assert not atts & attachment_ids(client)
    entries = written_entries(client, "delete")
    assert [e["attributes"]["objectType"] for e in entries] == ["conversation"]
    assert entries[0]["relationships"]["customer"]["data"]["id"] == rel(conv, "customer")
    # the customer stays
    assert client.get(f"/v1/customers/{rel(conv, 'customer')}").status_code == 200


def test_note_delete_writes_no_audit_entry(fresh_client: Client) -> None:
    client = fresh_client
    note = listed(client, "/v1/notes")[4]
    assert client.delete(f"/v1/notes/{note['id']}").status_code == 204
    assert places(client, "notes", note["id"]) == set()
    assert client.delete(f"/v1/notes/{note['id']}").status_code == 404
    assert written_entries(client) == []  # notes are not in the documented objectType enum


def test_company_delete_is_control_only_and_logged(fresh: Sandbox, fresh_client: Client) -> None:
    client = fresh_client
    company = listed(client, "/v1/companies")[0]["id"]
    members = [c["id"] for c in listed(client, "/v1/customers") if rel(c, "company") == company]
    r = client.delete(f"/v1/companies/{company}")
    assert r.status_code == 405 and r.headers["Allow"] == "GET"  # no documented DELETE
    r = client.control("POST", "/deletes", {"object": "companies", "id": company})
    assert r.status_code == 200 and r.json()["deleted"] == {"companies": [company]}
    assert places(client, "companies", company) == set()
    # inferred: its customers stay, still pointing at it
    for cid in members:
        assert rel(client.get(f"/v1/customers/{cid}").json()["data"], "company") == company
    entry = written_entries(client, "delete")[0]["attributes"]
    assert entry["objectType"] == "company" and entry["eventName"] == "kustomer.company.delete"
    assert days_between(entry["createdAt"], entry["expiresAt"]) == 365
    assert (
        client.control("POST", "/deletes", {"object": "companies", "id": company}).status_code
        == 404
    )
    assert client.control("POST", "/deletes", {"object": "users", "id": company}).status_code == 400


def test_message_delete_through_the_control_api(fresh: Sandbox, fresh_client: Client) -> None:
    msg = listed(fresh_client, "/v1/messages")[0]
    assert fresh_client.delete(f"/v1/messages/{msg['id']}").status_code == 405
    removed = fresh.control.delete("messages", msg["id"])
    assert removed["messages"] == [msg["id"]]
    assert removed["attachments"] == [a["id"] for a in msg["relationships"]["attachments"]["data"]]
    assert places(fresh_client, "messages", msg["id"]) == set()
    entry = written_entries(fresh_client, "delete")[0]
    assert entry["attributes"]["objectType"] == "message"
    assert entry["relationships"]["customer"]["data"]["id"] == rel(msg, "customer")


def test_kobject_deletes_single_and_bulk(fresh: Sandbox, fresh_client: Client) -> None:
    client = fresh_client
    orders = listed(client, "/v1/klasses/ecomm-order")
    one, two, three = (r["id"] for r in orders[:3])
    r = client.delete(f"/v1/klasses/ecomm-order/{one}")
    assert r.status_code == 204
    assert client.get(f"/v1/klasses/ecomm-order/{one}").status_code == 404
    assert client.delete(f"/v1/klasses/ecomm-order/{one}").status_code == 404
    r = client.delete("/v1/klasses/ecomm-order/bulk", ids=f"{two},{three}")
    assert r.status_code == 201
    assert r.json()["data"]["attributes"]["context"] == "api.sobjects.kobjects.bulk-delete"
    left = {r["id"] for r in listed(client, "/v1/klasses/ecomm-order")}
    assert not left & {one, two, three} and len(left) == len(orders) - 3
    for archive in (False, True):
        found = {r["id"] for r in searched(client, "kobject_ecomm-order", True, archive)}
        assert not found & {one, two, three}
    assert written_entries(client) == []  # KObjects are not in the objectType enum
    four = orders[3]["id"]
    assert fresh.control.delete("kobject.ecomm-order", four) == {"kobject.ecomm-order": [four]}
    assert client.delete("/v1/klasses/no-such/bulk", ids=four).status_code == 404


def test_delete_roles_as_documented(fresh: Sandbox) -> None:
    base = [r for r in fresh.control.roles() if "delete" not in r and r != "org.user.note.write"]
    reader = Client(fresh, fresh.control.create_token(base))
    cust = listed(reader, "/v1/customers")[0]["id"]
    note = listed(reader, "/v1/notes")[0]["id"]
    order = listed(reader, "/v1/klasses/ecomm-order")[0]["id"]
    sub = listed(reader, "/v1/klasses/subscription")[0]["id"]
    assert reader.delete(f"/v1/customers/{cust}").status_code == 403
    assert reader.delete(f"/v1/notes/{note}").status_code == 403
    assert reader.delete(f"/v1/klasses/ecomm-order/{order}").status_code == 403
    deleter = Client(
        fresh,
        fresh.control.create_token(
            [
                *base,
                "org.permission.customer.delete",
                "org.user.note.write",
                "org.permission.kobject.kobject_ecomm-order.delete",
            ]
        ),
    )
    assert deleter.delete(f"/v1/notes/{note}").status_code == 204
    assert deleter.delete(f"/v1/customers/{cust}").status_code == 204
    assert deleter.delete(f"/v1/klasses/ecomm-order/{order}").status_code == 204
    assert deleter.delete(f"/v1/klasses/subscription/{sub}").status_code == 403


@pytest.mark.parametrize("body", [{}, {"object": "customers"}, {"object": "customers", "ids": []}])
def test_control_delete_errors(fresh_client: Client, body: dict[str, object]) -> None:
    r = fresh_client.control("POST", "/deletes", body)
    assert r.status_code == 400, r.text
