"""What this re-audit of the second fidelity audit fixed beyond the linked routes
(``test_sandbox_links.py``): the auth tokens' paging meta as its only document types it, and
the search operators Kustomer's documents show that the sandbox refused."""

from __future__ import annotations

import re
from typing import Any

from helpers.sandbox_client import Client

from kustomer_sandbox import Sandbox
from kustomer_sandbox.kobjects import KLASSES
from kustomer_sandbox.timefmt import parse_iso


def test_auth_tokens_page_as_strings(client: Client) -> None:
    # LarisLab's GetAuthTokensResponses types meta.pageSize and meta.page as strings
    assert client.get("/v1/auth/tokens").json()["meta"] == {"pageSize": "100", "page": "1"}
    assert client.get("/v1/auth/tokens", pageSize=2, page=3).json()["meta"] == {
        "pageSize": "2",
        "page": "3",
    }
    # the other lists keep numbers
    assert client.get("/v1/brands").json()["meta"] == {"pageSize": 100, "page": 1}


def found(client: Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    records, _ = client.follow("/v1/customers/search", method="POST", body=body, pageSize=500)
    return records


def test_not_equals_and_not_set(client: Client) -> None:
    every = found(client, {"queryContext": "conversation"})
    done = found(
        client,
        {"queryContext": "conversation", "and": [{"conversation_status": {"equals": "done"}}]},
    )
    other = found(
        client,
        {"queryContext": "conversation", "and": [{"conversation_status": {"not_equals": "done"}}]},
    )
    assert done and other
    assert {r["id"] for r in done} | {r["id"] for r in other} == {r["id"] for r in every}
    assert all(r["attributes"].get("status") != "done" for r in other)
    # the documented saved-search example's criterion: nobody assigned
    unset = found(
        client,
        {
            "queryContext": "conversation",
            "and": [{"conversation_assigned_users": {"not_set": True}}],
        },
    )
    assigned = found(
        client,
        {
            "queryContext": "conversation",
            "and": [{"conversation_assigned_users": {"not_set": False}}],
        },
    )
    assert len(unset) + len(assigned) == len(every) and unset and assigned
    assert all(not r["attributes"].get("assignedUsers") for r in unset)
    assert all(r["attributes"]["assignedUsers"] for r in assigned)
    # a date that is not a given day, and a bad not_set value
    day = every[0]["attributes"]["createdAt"][:10]
    rest = found(
        client,
        {"queryContext": "conversation", "and": [{"conversation_created_at": {"not_equals": day}}]},
    )
    assert all(not r["attributes"]["createdAt"].startswith(day) for r in rest)
    assert len(rest) < len(every)
    bad = {"queryContext": "conversation", "and": [{"conversation_status": {"not_set": "yes"}}]}
    assert client.search(bad).status_code == 400


SENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")
UTC_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_custom_dates_come_back_as_sent(sb: Sandbox, client: Client) -> None:
    # N18: the OAS KObject examples return custom dates as sent ("2016-11-06T13:54:29-05:00");
    # inferred: a share of the org's custom dates has an offset and no milliseconds
    dated: list[tuple[str, dict[str, Any]]] = [
        (r["attributes"]["custom"]["lastOrderAt"], r)
        for r in sb.control.records("customers")
        if "lastOrderAt" in r["attributes"].get("custom", {})
    ]
    for klass in KLASSES:
        for r in sb.control.kobjects.records(klass.name):
            dated += [(v, r) for k, v in r["attributes"]["custom"].items() if k.endswith("At")]
    sent = [v for v, _ in dated if SENT.match(v)]
    assert all(SENT.match(v) or UTC_MS.match(v) for v, _ in dated)
    assert 0.1 < len(sent) / len(dated) < 0.5
    assert len({v[-6:] for v in sent}) > 3
    for value, rec in dated:  # the same instants as before: within the record's lifetime
        at = parse_iso(value)
        created = parse_iso(rec["attributes"]["createdAt"])
        assert created - 1000 <= at <= parse_iso(rec["attributes"]["updatedAt"])
    # search compares instants, whatever the form
    searchable = found(client, {"queryContext": "customer"})
    customer = next(
        r for r in searchable if SENT.match(r["attributes"]["custom"].get("lastOrderAt", ""))
    )
    value = customer["attributes"]["custom"]["lastOrderAt"]
    hits = found(
        client,
        {
            "queryContext": "customer",
            "and": [
                {"customer_custom_lastOrderAt": {"gte": value}},
                {"customer_custom_lastOrderAt": {"lte": value}},
            ],
        },
    )
    assert customer["id"] in {r["id"] for r in hits}


def rel_id(rec: dict[str, Any], name: str) -> str | None:
    data = (rec.get("relationships", {}).get(name) or {}).get("data") or {}
    return data.get("id")


def test_criteria_on_another_context(sb: Sandbox, client: Client) -> None:
    # N15: the documented standard-attribute example pairs customer_updated_at with
    # conversation_status; inferred: a record matches when a record it is tied to matches
    customers = {r["id"]: r for r in sb.control.records("customers")}
    since = sorted(r["attributes"]["updatedAt"] for r in customers.values())[len(customers) // 2]
    every = found(client, {"queryContext": "conversation"})
    joined = found(
        client,
        {"queryContext": "conversation", "and": [{"customer_updated_at": {"gte": since}}]},
    )
    assert joined and len(joined) < len(every)
    assert {r["id"] for r in joined} == {
        r["id"]
        for r in every
        if customers[rel_id(r, "customer") or ""]["attributes"]["updatedAt"] >= since
    }
    # the other way: customers with at least one conversation that matches
    done = {
        rel_id(c, "customer")
        for c in sb.control.records("conversations")
        if c["attributes"].get("status") == "done"
    }
    all_customers = found(client, {"queryContext": "customer"})
    with_done = found(
        client,
        {"queryContext": "customer", "and": [{"conversation_status": {"equals": "done"}}]},
    )
    assert with_done and {r["id"] for r in with_done} == {
        r["id"] for r in all_customers if r["id"] in done
    }
    # pairs the sandbox does not join stay a 400
    assert (
        client.search(
            {"queryContext": "note", "and": [{"company_name": {"equals": "x"}}]}
        ).status_code
        == 400
    )


def test_documented_standard_attributes(client: Client) -> None:
    # N15: the standard-attribute schema's criteria outside the object's spec columns
    every = found(client, {"queryContext": "customer"})

    def emails(r: dict[str, Any]) -> list[str]:
        return [e.get("email") for e in r["attributes"].get("emails") or []]

    some = next(e for r in every for e in emails(r))
    by_email = found(
        client, {"queryContext": "customer", "and": [{"customer_email": {"equals": some}}]}
    )
    assert [r["id"] for r in by_email] == [r["id"] for r in every if some in emails(r)]
    # one the records never carry is unset on every record
    unset = found(
        client, {"queryContext": "customer", "and": [{"customer_last_seen_at": {"not_set": True}}]}
    )
    assert len(unset) == len(every)
    assert (
        client.search(
            {"queryContext": "customer", "and": [{"customer_no_such_thing": {"equals": "x"}}]}
        ).status_code
        == 400
    )


def test_documented_saved_searches_run(sb: Sandbox, client: Client) -> None:
    saved = [r["attributes"]["data"] for r in sb.control.records("customers_searches")]
    assert saved
    for body in saved:
        if body:
            r = client.search(body)
            assert r.status_code == 200, (body, r.text)
