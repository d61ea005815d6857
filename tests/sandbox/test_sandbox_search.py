"""POST /v1/customers/search: criteria, sorting, includeDeleted, window and page limit."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from helpers.sandbox_client import Client

from kustomer_sandbox import Sandbox

CTX_OBJ = {
    "customer": "customers",
    "conversation": "conversations",
    "message": "messages",
    "note": "notes",
    "company": "companies",
}


def iso(sb: Sandbox, delta: timedelta = timedelta()) -> str:
    return (sb.control.now() + delta).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def visible(sb: Sandbox, obj: str, include_deleted: bool = False) -> list[dict[str, Any]]:
    """What standard search can see: updated within 2 years of the sandbox clock."""
    cutoff = iso(sb, -timedelta(days=730))
    return [
        r
        for r in sb.control.records(obj, include_deleted=include_deleted)
        if r["attributes"]["updatedAt"] >= cutoff
    ]


def by_updated(records: list[dict[str, Any]], desc: bool = False) -> list[str]:
    ordered = sorted(records, key=lambda r: (r["attributes"]["updatedAt"], r["id"]), reverse=desc)
    return [r["id"] for r in ordered]


@pytest.mark.parametrize("ctx", sorted(CTX_OBJ))
def test_incremental_query_of_every_context(client: Client, sb: Sandbox, ctx: str) -> None:
    recs = visible(sb, CTX_OBJ[ctx])
    bound = by_updated(recs)[len(recs) // 3]
    bound_ts = next(r["attributes"]["updatedAt"] for r in recs if r["id"] == bound)
    body = {
        "queryContext": ctx,
        "and": [{f"{ctx}_updated_at": {"gte": bound_ts}}],
        "sort": [{f"{ctx}_updated_at": "asc"}],
    }
    found, _ = client.follow("/v1/customers/search", method="POST", body=body, pageSize=4)
    expected = by_updated([r for r in recs if r["attributes"]["updatedAt"] >= bound_ts])
    assert [r["id"] for r in found] == expected and expected


def test_envelope_and_links(client: Client, sb: Sandbox) -> None:
    body = {"queryContext": "message"}
    r = client.search(body, page=2, pageSize=10)
    payload = r.json()
    total = len(visible(sb, "messages"))
    assert payload["meta"] == {
        "pageSize": 10,
        "page": 2,
        "total": total,
        "totalPages": -(-total // 10),
        "aggregations": {},
    }
    assert payload["links"] == {
        "self": "/v1/customers/search?page=2&pageSize=10",
        "first": "/v1/customers/search?page=1&pageSize=10",
        "prev": "/v1/customers/search?page=1&pageSize=10",
        "next": "/v1/customers/search?page=3&pageSize=10",
        "last": f"/v1/customers/search?page={-(-total // 10)}&pageSize=10",
    }
    # default order (no sort): newest updatedAt first
    assert [d["id"] for d in client.search(body, pageSize=500).json()["data"]] == by_updated(
        visible(sb, "messages"), desc=True
    )
    assert client.search(body, pageSize=5000).json()["meta"]["pageSize"] == 500


def test_two_year_window(client: Client, sb: Sandbox) -> None:
    everything = list(sb.control.records("conversations"))
    seen = client.search({"queryContext": "conversation"}, pageSize=500).json()
    assert 0 < seen["meta"]["total"] < len(everything)
    assert seen["meta"]["total"] == len(visible(sb, "conversations"))
    old = {"conversation_updated_at": {"lt": everything[0]["attributes"]["updatedAt"][:10]}}
    assert (
        client.search(
            {
                "queryContext": "conversation",
                "and": [{"conversation_updated_at": {"lte": "2024-01-01"}}, old],
            }
        ).json()["meta"]["total"]
        == 0
    )


def test_sort_orders_and_created_at(client: Client, sb: Sandbox) -> None:
    recs = visible(sb, "customers")
    for attr, key in (("customer_updated_at", "updatedAt"), ("customer_created_at", "createdAt")):
        for direction in ("asc", "desc"):
            found, _ = client.follow(
                "/v1/customers/search",
                method="POST",
                pageSize=3,
                body={"queryContext": "customer", "sort": [{attr: direction}]},
            )
            expected = sorted(
                recs,
                key=lambda r, k=key: (r["attributes"][k], r["id"]),
                reverse=direction == "desc",
            )
            assert [r["id"] for r in found] == [r["id"] for r in expected]


def ids_of(client: Client, body: dict[str, Any]) -> set[str]:
    r = client.search(body, pageSize=500)
    assert r.status_code == 200, r.text
    return {d["id"] for d in r.json()["data"]}


def test_operators(client: Client, sb: Sandbox) -> None:
    convs = visible(sb, "conversations")
    first = convs[0]
    a = first["attributes"]

    def expect(pred: Any) -> set[str]:
        out = {r["id"] for r in convs if pred(r)}
        assert out, "the expectation must not be vacuous"
        return out

    q = {"queryContext": "conversation"}
    assert ids_of(
        client, q | {"and": [{"conversation_status": {"equals": a["status"]}}]}
    ) == expect(lambda r: r["attributes"].get("status") == a["status"])
    assert ids_of(
        client, q | {"and": [{"conversation_status": {"in": ["open", "snoozed"]}}]}
    ) == expect(lambda r: r["attributes"].get("status") in ("open", "snoozed"))
    assert ids_of(client, q | {"and": [{"conversation_priority": {"gte": 3}}]}) == expect(
        lambda r: (
            isinstance(r["attributes"].get("priority"), int) and r["attributes"]["priority"] >= 3
        )
    )
    assert ids_of(client, q | {"and": [{"conversation_spam": {"equals": False}}]}) == expect(
        lambda r: r["attributes"].get("spam") is False
    )
    assert ids_of(client, q | {"and": [{"conversation_id": {"equals": first["id"]}}]}) == {
        first["id"]
    }
    two = [convs[1]["id"], convs[2]["id"]]
    assert ids_of(client, q | {"and": [{"conversation_id": {"in": two}}]}) == set(two)
    tag = a["tags"][0]
    assert ids_of(client, q | {"and": [{"conversation_tags": {"equals": tag}}]}) == expect(
        lambda r: tag in (r["attributes"].get("tags") or [])
    )
    word = a["name"].split()[0]
    assert ids_of(
        client, q | {"and": [{"conversation_name": {"contains": word.upper()}}]}
    ) == expect(lambda r: word.lower() in (r["attributes"].get("name") or "").lower().split())
    # contains matches whole words only
    assert not ids_of(client, q | {"and": [{"conversation_name": {"contains": word[:-1]}}]})
    assert ids_of(
        client,
        q
        | {
            "or": [
                {"conversation_id": {"equals": convs[0]["id"]}},
                {"conversation_id": {"equals": convs[1]["id"]}},
            ]
        },
    ) == {convs[0]["id"], convs[1]["id"]}
    assert ids_of(
        client,
        q
        | {
            "and": [
                {"or": [{"conversation_id": {"equals": convs[0]["id"]}}]},
                {"conversation_status": {"equals": a["status"]}},
            ]
        },
    ) == {convs[0]["id"]}
    assert first["id"] not in ids_of(
        client, q | {"not": [{"conversation_id": {"equals": first["id"]}}]}
    )


def test_custom_attributes_and_dates(client: Client, sb: Sandbox) -> None:
    custs = visible(sb, "customers")
    vip = {r["id"] for r in custs if r["attributes"]["custom"].get("vipBool") is True}
    assert (
        ids_of(
            client,
            {"queryContext": "customer", "and": [{"customer_custom_vipBool": {"equals": True}}]},
        )
        == vip
    )
    day = custs[len(custs) // 2]["attributes"]["updatedAt"][:10]
    got = ids_of(
        client, {"queryContext": "customer", "and": [{"customer_updated_at": {"equals": day}}]}
    )
    assert got == {r["id"] for r in custs if r["attributes"]["updatedAt"][:10] == day} and got
    after_day = ids_of(
        client, {"queryContext": "customer", "and": [{"customer_updated_at": {"gt": day}}]}
    )
    assert after_day == {r["id"] for r in custs if r["attributes"]["updatedAt"][:10] > day}
    notes = visible(sb, "notes")
    assert ids_of(
        client, {"queryContext": "note", "and": [{"note_body": {"contains": "note 5"}}]}
    ) == {r["id"] for r in notes if r["attributes"].get("body", "").endswith("(note 5)")}


def test_kobject_context_searches_every_klass(sb: Sandbox, client: Client) -> None:
    r = client.search(
        {"queryContext": "kobject", "and": [{"kobject_updated_at": {"gte": "2020-01-01"}}]}
    )
    window_start = sb.control.now() - timedelta(days=730)
    expected = sum(
        1
        for klass in sb.control.kobjects.klasses()
        for rec in sb.control.kobjects.records(klass["attributes"]["name"])
        if datetime.fromisoformat(rec["attributes"]["updatedAt"]) >= window_start
    )
    assert r.status_code == 200 and r.json()["meta"]["total"] == expected > 0


@pytest.mark.parametrize(
    "body",
    [
        {"queryContext": "ticket"},
        {},
        {"queryContext": "customer", "and": [{"customer_shoe_size": {"equals": 3}}]},
        # another context's criterion where the sandbox joins nothing (a note to a company)
        {"queryContext": "note", "and": [{"company_updated_at": {"gte": "2025-01-01"}}]},
        {"queryContext": "customer", "and": [{"customer_updated_at": {"after": "2025-01-01"}}]},
        {"queryContext": "customer", "and": [{"customer_updated_at": {"gte": "soon"}}]},
        {
            "queryContext": "customer",
            "and": [{"customer_updated_at": {"gte": "2025-01-01", "lt": "2026-01-01"}}],
        },
        {"queryContext": "customer", "sort": [{"customer_name": "asc"}]},
        {"queryContext": "customer", "sort": [{"customer_updated_at": "up"}]},
        {"queryContext": "customer", "includeDeleted": "yes"},
        {"queryContext": "customer", "limit": 5},
        {"queryContext": "customer", "and": [{"customer_custom_foo": {"equals": 1}}]},
        {"queryContext": "customer", "and": [{"customer_rev": {"gte": "3"}}]},
        ["customer"],
    ],
)
def test_bad_bodies_are_400(client: Client, body: Any) -> None:
    r = client.search(body)
    assert r.status_code == 400, (body, r.text)
    assert r.json()["errors"][0]["detail"]


def test_bad_json_is_400(client: Client) -> None:
    r = client.http.post(
        client.base + "/v1/customers/search",
        data=b"{nope",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert r.status_code == 400
    r = client.http.post(client.base + "/v1/customers/search", data=b"x" * 200_000, timeout=10)
    assert r.status_code == 413


def test_include_deleted(fresh: Sandbox, fresh_client: Client) -> None:
    recs = visible(fresh, "notes")
    gone = recs[-1]["id"]
    fresh.control.soft_delete("notes", gone)
    q = {"queryContext": "note", "and": [{"note_id": {"equals": gone}}]}
    assert ids_of(fresh_client, q) == set()
    found = fresh_client.search(q | {"includeDeleted": True}).json()["data"]
    assert [d["id"] for d in found] == [gone] and found[0]["attributes"]["deleted"] is True
    fresh.control.hard_delete("notes", recs[-2]["id"])
    assert recs[-2]["id"] not in ids_of(
        fresh_client, {"queryContext": "note", "includeDeleted": True}
    )


def test_hundred_page_limit(fresh: Sandbox, fresh_client: Client) -> None:
    # after every generated customer's last update (the last ones are updated just before the
    # clock start)
    stamp = iso(fresh, -timedelta(seconds=30))
    ids = fresh.control.bulk_import("customers", 130, stamp)
    body = {
        "queryContext": "customer",
        "and": [{"customer_updated_at": {"gte": stamp}}],
        "sort": [{"customer_updated_at": "asc"}],
    }
    first = fresh_client.search(body, page=1, pageSize=1).json()
    assert first["meta"]["total"] == 130 and first["meta"]["totalPages"] == 130
    assert first["data"][0]["id"] == ids[0]  # identical updatedAt: ties ordered by id
    page100 = fresh_client.search(body, page=100, pageSize=1).json()
    assert page100["data"][0]["id"] == ids[99]
    assert page100["links"]["next"] == "/v1/customers/search?page=101&pageSize=1"
    r = fresh_client.search(body, page=101, pageSize=1)
    assert r.status_code == 400 and "100" in r.json()["errors"][0]["detail"]
    # the documented workaround: continue from the last updatedAt seen (ties share it)
    rest = fresh_client.search(
        body
        | {
            "and": [
                {"customer_updated_at": {"gte": page100["data"][0]["attributes"]["updatedAt"]}},
                {"customer_id": {"gt": ids[99]}},
            ]
        },
        pageSize=100,
    ).json()
    assert [d["id"] for d in rest["data"]] == ids[100:]


def test_row_cap_reading(client: Client) -> None:
    from kustomer_sandbox import serve

    with serve(seed=1, scale=30, search_limit="rows") as sb:
        c = Client(sb)
        assert c.search({"queryContext": "message"}, page=101, pageSize=50).status_code == 200
        r = c.search({"queryContext": "message"}, page=201, pageSize=50)
        assert r.status_code == 400
