"""Archive search (records past standard search's two-year reach), ``idsOnly``, ``aggs`` and
``fields``, and ``meta.total`` of both searches under created-at bounds in every context."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.sandbox_client import Client, listed, searched

from kustomer_sandbox import Sandbox
from kustomer_sandbox.timefmt import iso_ms, to_ms

WINDOW_MS = 730 * 86_400_000
CONTEXTS = {
    "customer": "/v1/customers",
    "conversation": "/v1/conversations",
    "message": "/v1/messages",
    "note": "/v1/notes",
    "company": "/v1/companies",
    "kobject_ecomm-order": "/v1/klasses/ecomm-order",
    "kobject_subscription": "/v1/klasses/subscription",
    "kobject_warranty-claim": "/v1/klasses/warranty-claim",
}


def prefix(ctx: str) -> str:
    return "kobject" if ctx.startswith("kobject") else ctx


def cutoff(sb: Sandbox) -> str:
    return iso_ms(to_ms(sb.control.now()) - WINDOW_MS)


@pytest.mark.parametrize("ctx", [c for c in CONTEXTS if c != "note"])
def test_archive_returns_what_standard_search_no_longer_reaches(
    sb: Sandbox, client: Client, ctx: str
) -> None:
    everything = listed(client, CONTEXTS[ctx])
    cut = cutoff(sb)
    standard = searched(client, ctx)
    archive = searched(client, ctx, archive=True)
    assert archive and standard
    assert all(r["attributes"]["updatedAt"] < cut for r in archive)
    assert all(r["attributes"]["updatedAt"] >= cut for r in standard)
    assert sorted(r["id"] for r in standard + archive) == sorted(r["id"] for r in everything)
    # the archive's records are the ones the lists serve
    by_id = {r["id"]: r for r in everything}
    assert all(by_id[r["id"]] == r for r in archive)


def test_archive_body_and_sorts_as_documented(client: Client) -> None:
    ok = client.archive({"queryContext": "message", "sort": [{"message_id": "asc"}]})
    assert ok.status_code == 200
    ids = [r["id"] for r in ok.json()["data"]]
    assert ids == sorted(ids)
    two = client.archive(
        {"queryContext": "message", "sort": [{"message_id": "desc"}, {"message_created_at": "asc"}]}
    )
    assert [r["id"] for r in two.json()["data"]] == sorted(ids, reverse=True)
    by_created = client.archive(
        {"queryContext": "conversation", "sort": [{"conversation_created_at": "asc"}]}
    ).json()["data"]
    created = [r["attributes"]["createdAt"] for r in by_created]
    assert created == sorted(created)
    for body in (
        {"queryContext": "note"},  # not in the archive's queryContext pattern
        {"queryContext": "customer", "aggs": {}},  # not in the archive's body
        {"queryContext": "customer", "fields": []},
        {"queryContext": "customer", "searchHash": "x"},
        {"queryContext": "customer", "and": [{"customer_name": {"equals": "A"}}]},
        {"queryContext": "customer", "sort": [{"customer_name": "asc"}]},
        {"queryContext": "customer", "sort": [{"customer_deleted": "asc"}]},
        {"queryContext": "conversation", "and": [{"conversation_any_text": {"contains": "x"}}]},
    ):
        r = client.archive(body)
        assert r.status_code == 400, (body, r.text)
    convs = listed(client, "/v1/conversations")
    cust = convs[0]["relationships"]["customer"]["data"]["id"]
    body = {"queryContext": "conversation", "and": [{"conversation_customer_id": {"equals": cust}}]}
    found = {r["id"] for r in client.archive(body).json()["data"]}
    expected = {
        c["id"]
        for c in searched(client, "conversation", archive=True)
        if c["relationships"]["customer"]["data"]["id"] == cust
    }
    assert found == expected and found


def test_archive_pages_like_search(sb: Sandbox, client: Client) -> None:
    body = {"queryContext": "message", "sort": [{"message_updated_at": "asc"}]}
    first = client.archive(body, pageSize=7).json()
    total = first["meta"]["total"]
    assert first["meta"]["totalPages"] == -(-total // 7)
    assert first["meta"]["aggregations"] == {}
    assert first["links"]["next"] == "/v1/customers/archive/search?page=2&pageSize=7"
    records, pages = client.follow(
        "/v1/customers/archive/search", method="POST", body=body, pageSize=7
    )
    assert len(records) == total and pages == -(-total // 7)
    assert client.archive(body, page=101).status_code == 400


def test_ids_only(sb: Sandbox, client: Client) -> None:
    for ctx in ("customer", "message", "kobject_ecomm-order"):
        body = {"queryContext": ctx, "sort": [{f"{prefix(ctx)}_updated_at": "asc"}]}
        for send in (client.search, client.archive):
            full = send(body, pageSize=10).json()
            ids = send(body, pageSize=10, idsOnly="true").json()
            assert ids["data"] == [{"type": r["type"], "id": r["id"]} for r in full["data"]]
            assert ids["meta"] == full["meta"]
            assert ids["links"]["next"] is None or "idsOnly=true" in ids["links"]["next"]
    assert client.search({"queryContext": "customer"}, idsOnly="false").json()["data"][0][
        "attributes"
    ]
    assert client.search({"queryContext": "customer"}, idsOnly="yes").status_code == 400


def test_aggs_and_fields_are_accepted_and_ignored(client: Client) -> None:
    body: dict[str, Any] = {
        "queryContext": "conversation",
        "aggs": {"by_status": {"terms": {"field": "conversation_status"}}},
        "fields": [{"conversation_status": {}}],
    }
    r = client.search(body)
    assert r.status_code == 200 and r.json()["meta"]["aggregations"] == {}
    plain = client.search({"queryContext": "conversation"}).json()
    assert r.json()["data"] == plain["data"]
    bad: dict[str, Any]
    for bad in ({"aggs": []}, {"fields": {}}, {"fields": ["x"]}, {"fields": [{}] * 21}):
        assert client.search({"queryContext": "conversation", **bad}).status_code == 400


def _expected(records: list[dict[str, Any]], lo: str, hi: str, cut: str, archive: bool) -> set[str]:
    return {
        r["id"]
        for r in records
        if lo <= r["attributes"]["createdAt"] < hi
        and (r["attributes"]["updatedAt"] < cut) == archive
        and r["attributes"].get("deleted") is not True
    }


def test_totals_with_created_at_bounds_in_every_context(
    fresh: Sandbox, fresh_client: Client
) -> None:
    """meta.total of both searches with `<ctx>_created_at` gte/lt and includeDeleted false, on
    an org whose overlay holds soft and hard deletes, a merge, moves and new records."""
    client, c = fresh_client, fresh.control
    customers = [r["id"] for r in listed(client, "/v1/customers")]
    c.soft_delete("customers", customers[1])
    c.delete("customers", customers[2])
    c.merge_customers(customers[4], customers[20])
    convs = [r["id"] for r in listed(client, "/v1/conversations")]
    c.merge_conversations(convs[-3], convs[-2])
    c.soft_delete("conversations", convs[-1])
    c.soft_delete("messages", listed(client, "/v1/messages")[0]["id"])
    c.update("notes", listed(client, "/v1/notes")[3]["id"], {"body": "edited"})
    c.soft_delete("companies", listed(client, "/v1/companies")[0]["id"])
    c.create("companies", {"name": "New Co"})
    order = listed(client, "/v1/klasses/ecomm-order")
    c.kobjects.soft_delete("ecomm-order", order[0]["id"])
    c.delete("kobject.ecomm-order", order[1]["id"])
    c.retention("2024-01-01", ["conversations"])
    cut = cutoff(fresh)
    for ctx, path in CONTEXTS.items():
        if ctx.startswith("kobject"):
            records = c.kobjects.records(ctx[len("kobject_") :], include_deleted=True)
        else:
            records = list(c.records(path.split("/")[-1], include_deleted=True))
        created = sorted(r["attributes"]["createdAt"] for r in records)
        lo, hi = created[len(created) // 5], created[(len(created) * 4) // 5]
        for archive in (False, True):
            if archive and ctx == "note":
                continue
            body = {
                "queryContext": ctx,
                "includeDeleted": False,
                "and": [
                    {f"{prefix(ctx)}_created_at": {"gte": lo}},
                    {f"{prefix(ctx)}_created_at": {"lt": hi}},
                ],
                "sort": [{f"{prefix(ctx)}_created_at": "asc"}],
            }
            send = client.archive if archive else client.search
            meta = send(body, pageSize=3).json()["meta"]
            want = _expected(records, lo, hi, cut, archive)
            assert meta["total"] == len(want), (ctx, archive)
            path_ = "/v1/customers/archive/search" if archive else "/v1/customers/search"
            got, _ = client.follow(path_, method="POST", body=body, pageSize=3)
            assert {r["id"] for r in got} == want, (ctx, archive)
