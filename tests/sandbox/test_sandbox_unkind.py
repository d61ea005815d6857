"""The unkind options, each alone and together (the profile): what changes in the answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from helpers.sandbox_client import Client, listed, rel

from kustomer_sandbox import Sandbox, serve
from kustomer_sandbox.timefmt import iso_ms, to_ms
from kustomer_sandbox.unkind import OPTION_NAMES, RECENT_DAYS, Options

CUSTOMERS_BY_UPDATE = {"queryContext": "customer", "sort": [{"customer_updated_at": "asc"}]}


def ids(records: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in records]


def searched(client: Client, body: dict[str, Any], page_size: int = 100) -> list[dict[str, Any]]:
    return client.follow("/v1/customers/search", method="POST", body=body, pageSize=page_size)[0]


def now_ms(sb: Sandbox) -> int:
    return to_ms(sb.control.now())


@pytest.fixture
def tied() -> Iterator[tuple[Sandbox, Client, dict[str, Any]]]:
    """A sandbox with 40 customers imported at one instant, and a search of that instant."""
    with serve(seed=8, scale=20) as sb:
        stamp = iso_ms(now_ms(sb) - 10_000)
        sb.control.bulk_import("customers", 40, stamp)
        body = {**CUSTOMERS_BY_UPDATE, "and": [{"customer_updated_at": {"equals": stamp}}]}
        yield sb, Client(sb), body


# ---------------------------------------------------------------------- the settings


def test_defaults_are_the_kind_readings(client: Client, sb: Sandbox) -> None:
    assert sb.control.options() == {**Options().as_dict(), "profile": None}
    assert set(OPTION_NAMES) == {
        "tie_order",
        "unsupported_sort",
        "total_cap",
        "list_order",
        "recent_update_share",
        "error_form",
        "empty_relationships",
        "no_created_by",
        "audit_order",
        "kobject_link_key",
        "past_end",
    }
    r = client.control("GET", "/options")
    assert r.status_code == 200 and r.json()["tie_order"] == "id"


@pytest.mark.parametrize(
    "bad",
    [
        {"tie_order": "random"},
        {"unsupported_sort": "drop"},
        {"total_cap": -1},
        {"list_order": "oldest"},
        {"recent_update_share": 1.5},
        {"error_form": "xml"},
        {"empty_relationships": -0.1},
        {"no_created_by": "some"},
        {"audit_order": "random"},
        {"kobject_link_key": "href"},
        {"profile": "cruel"},
        {"colour": "red"},
    ],
)
def test_bad_settings_are_refused(
    fresh_client: Client, fresh: Sandbox, bad: dict[str, Any]
) -> None:
    r = fresh_client.control("POST", "/options", bad)
    assert r.status_code == 400, r.text
    assert fresh.control.options()["tie_order"] == "id"
    if "colour" not in bad:
        with pytest.raises(ValueError), serve(scale=3, **bad):
            pass


def test_the_unkind_profile_turns_every_option_on() -> None:
    with serve(seed=4, scale=40, profile="unkind") as sb:
        assert sb.control.options() == {
            "tie_order": "shuffle",
            "unsupported_sort": "ignore",
            "total_cap": 20,  # half the scale: an org this small never reaches 10,000
            "list_order": "newest",
            "recent_update_share": 0.3,
            "error_form": "kustomer",
            "empty_relationships": 0.03,
            "no_created_by": 0.03,
            "audit_order": "newest",
            "kobject_link_key": "link",
            "past_end": "404",
            "profile": "unkind",
        }
        client = Client(sb)
        body = client.search({"queryContext": "conversation"}, pageSize=10).json()
        assert body["meta"]["total"] == 20 and body["meta"]["totalPages"] == 2
        assert client.get("/v1/customers/nope").json() == {
            "errors": [{"code": "not_found", "message": "no route for GET /v1/customers/nope",
                        "meta": {}}]
        }  # fmt: skip
        created = [r["attributes"]["createdAt"] for r in client.get("/v1/customers").json()["data"]]
        assert created == sorted(created, reverse=True)
        # one option given beside the profile wins; the control API applies a profile too
    with serve(seed=4, scale=20_000, profile="unkind", tie_order="id", total_cap=0) as sb:
        assert sb.control.options()["tie_order"] == "id"
        assert sb.control.options()["total_cap"] == 0
    with serve(seed=4, scale=20_000) as sb:
        assert sb.control.set_options(profile="unkind", list_order="updated")["total_cap"] == 10_000
        assert sb.control.options()["list_order"] == "updated"
        r = Client(sb).control("POST", "/options", {"error_form": "jsonapi"})
        assert r.json()["error_form"] == "jsonapi" and r.json()["tie_order"] == "shuffle"


# ---------------------------------------------------------------------- tie order


def test_ties_by_id_by_default(tied: tuple[Sandbox, Client, dict[str, Any]]) -> None:
    sb, client, body = tied
    first = ids(searched(client, body, 7))
    assert first == sorted(first) and len(first) == 40
    assert ids(searched(client, body, 7)) == first


def test_ties_by_hash_are_stable_but_not_by_id(
    tied: tuple[Sandbox, Client, dict[str, Any]],
) -> None:
    sb, client, body = tied
    sb.control.set_options(tie_order="hash")
    first = ids(searched(client, body, 7))
    assert sorted(first) == sorted(set(first)) and len(first) == 40
    assert first != sorted(first)
    assert ids(searched(client, body, 7)) == first
    desc = {**body, "sort": [{"customer_updated_at": "desc"}]}
    assert ids(searched(client, desc, 100)) == first[::-1]


def test_shuffled_ties_change_between_requests(
    tied: tuple[Sandbox, Client, dict[str, Any]],
) -> None:
    sb, client, body = tied
    sb.control.set_options(tie_order="shuffle")
    orders = {tuple(ids(client.search(body, pageSize=40).json()["data"])) for _ in range(4)}
    assert len(orders) > 1 and all(len(set(o)) == 40 for o in orders)
    assert len({frozenset(o) for o in orders}) == 1
    # paging by number through a crowded instant: records come twice and others not at all
    pages = [client.search(body, page=p, pageSize=8).json()["data"] for p in range(1, 6)]
    seen = [r["id"] for page in pages for r in page]
    for _ in range(5):
        if len(set(seen)) < 40:
            break
        pages = [client.search(body, page=p, pageSize=8).json()["data"] for p in range(1, 6)]
        seen = [r["id"] for page in pages for r in page]
    assert len(seen) == 40 and len(set(seen)) < 40


def test_ties_in_lists_follow_the_tie_order(
    tied: tuple[Sandbox, Client, dict[str, Any]],
) -> None:
    sb, client, _body = tied
    sb.control.set_options(list_order="newest", tie_order="hash")
    newest = client.get("/v1/customers", pageSize=40).json()["data"]
    assert {r["attributes"]["createdAt"] for r in newest} == {newest[0]["attributes"]["createdAt"]}
    assert ids(newest) != sorted(ids(newest), reverse=True)
    assert ids(client.get("/v1/customers", pageSize=40).json()["data"]) == ids(newest)


# ---------------------------------------------------------------------- unsupported sorts


def test_unsupported_sorts_are_accepted_by_default(client: Client) -> None:
    for ctx in ("conversation", "message", "note", "company"):
        for attr in ("updated_at", "created_at"):
            body = {"queryContext": ctx, "sort": [{f"{ctx}_{attr}": "asc"}]}
            found = searched(client, body)
            key = "updatedAt" if attr == "updated_at" else "createdAt"
            values = [r["attributes"][key] for r in found]
            assert values == sorted(values), (ctx, attr)


def test_unsupported_sorts_ignored_give_the_engine_order(
    fresh: Sandbox, fresh_client: Client
) -> None:
    fresh.control.set_options(unsupported_sort="ignore")
    plain = ids(searched(fresh_client, {"queryContext": "conversation"}))
    by_update = [
        r["attributes"]["updatedAt"]
        for r in searched(fresh_client, {"queryContext": "conversation"})
    ]
    assert by_update != sorted(by_update) and by_update != sorted(by_update, reverse=True)
    for attr in ("conversation_updated_at", "conversation_created_at"):
        for direction in ("asc", "desc"):
            body = {"queryContext": "conversation", "sort": [{attr: direction}]}
            assert ids(searched(fresh_client, body)) == plain, (attr, direction)
            assert ids(searched(fresh_client, body, 7)) == plain  # stable across pages
    note = searched(fresh_client, {"queryContext": "note", "sort": [{"note_updated_at": "asc"}]})
    assert [r["attributes"]["updatedAt"] for r in note] != sorted(
        r["attributes"]["updatedAt"] for r in note
    )
    # the documented customer sorts are still honoured
    customers = searched(fresh_client, CUSTOMERS_BY_UPDATE)
    updated = [r["attributes"]["updatedAt"] for r in customers]
    assert updated == sorted(updated)
    # an attribute no context sorts on: ignored too; a malformed sort is still a 400
    odd = {"queryContext": "conversation", "sort": [{"conversation_status": "asc"}]}
    assert ids(searched(fresh_client, odd)) == plain
    two = {"queryContext": "conversation", "sort": [{"conversation_updated_at": "asc"}] * 2}
    assert fresh_client.search(two).status_code == 400


def test_unsupported_sorts_rejected(fresh: Sandbox, fresh_client: Client) -> None:
    fresh.control.set_options(unsupported_sort="reject")
    for ctx, attr in (
        ("conversation", "created_at"),
        ("note", "updated_at"),
        ("message", "updated_at"),
    ):
        r = fresh_client.search({"queryContext": ctx, "sort": [{f"{ctx}_{attr}": "asc"}]})
        assert r.status_code == 400 and "unavailable" in r.json()["errors"][0]["detail"]
    assert fresh_client.search(CUSTOMERS_BY_UPDATE).status_code == 200
    assert fresh_client.search({"queryContext": "conversation"}).status_code == 200
    # the literal reading also holds the documented limits of and/or: 20 items, each unique
    many = [{"customer_updated_at": {"gte": f"2025-01-{d:02d}"}} for d in range(1, 22)]
    r = fresh_client.search({"queryContext": "customer", "and": many})
    assert r.status_code == 400 and "20" in r.text
    twice = [{"customer_updated_at": {"gte": "2025-01-01"}}] * 2
    assert fresh_client.search({"queryContext": "customer", "and": twice}).status_code == 400
    assert fresh_client.search({"queryContext": "customer", "and": many[:20]}).status_code == 200


def test_created_sort_switch_still_refuses_created_sorts() -> None:
    with serve(seed=2, scale=10, created_sort="customer") as sb:
        client = Client(sb)
        bad = {"queryContext": "note", "sort": [{"note_created_at": "asc"}]}
        assert client.search(bad).status_code == 400
        ok = {"queryContext": "note", "sort": [{"note_updated_at": "asc"}]}
        assert client.search(ok).status_code == 200


# ---------------------------------------------------------------------- totals


def test_total_cap_caps_totals_not_results(fresh: Sandbox, fresh_client: Client) -> None:
    body = {"queryContext": "message", "sort": [{"message_updated_at": "asc"}]}
    exact = fresh_client.search(body, pageSize=7).json()["meta"]["total"]
    assert exact > 12
    fresh.control.set_options(total_cap=12)
    first = fresh_client.search(body, pageSize=7).json()
    assert first["meta"]["total"] == 12 and first["meta"]["totalPages"] == 2
    assert first["links"]["last"].startswith("/v1/customers/search?page=2&")
    assert len(searched(fresh_client, body, 7)) == exact  # `next` follows every record
    small = fresh_client.search({**body, "and": [{"message_id": {"in": [first["data"][0]["id"]]}}]})
    assert small.json()["meta"]["total"] == 1
    old = fresh_client.archive({"queryContext": "message"}, pageSize=5).json()
    assert old["meta"]["total"] == 12 and old["meta"]["totalPages"] == 3


# ---------------------------------------------------------------------- list order


def test_list_orders(fresh: Sandbox, fresh_client: Client) -> None:
    client = fresh_client
    assert ids(listed(client, "/v1/customers")) == sorted(ids(listed(client, "/v1/customers")))
    fresh.control.set_options(list_order="newest")
    for path in ("/v1/customers", "/v1/companies", "/v1/notes", "/v1/conversations", "/v1/users"):
        got = listed(client, path)
        created = [r["attributes"]["createdAt"] for r in got]
        assert created == sorted(created, reverse=True), path
    orders = listed(client, "/v1/klasses/ecomm-order")
    assert ids(orders) == sorted(ids(orders), reverse=True)
    # the documented sort of conversations and messages still means ids
    assert ids(listed(client, "/v1/messages", sort="asc")) == sorted(
        ids(listed(client, "/v1/messages"))
    )
    desc = ids(listed(client, "/v1/conversations", sort="desc"))
    assert desc == sorted(desc, reverse=True)
    fresh.control.set_options(list_order="updated", recent_update_share=0.5)
    for path in ("/v1/customers", "/v1/messages", "/v1/klasses/subscription"):
        got = listed(client, path)
        updated = [r["attributes"]["updatedAt"] for r in got]
        assert updated == sorted(updated, reverse=True), path
        assert ids(got) != sorted(ids(got), reverse=True), path
    # a change moves a record to the front
    last = listed(client, "/v1/customers")[-1]["id"]
    fresh.control.update("customers", last, {"name": "Moved"})
    assert client.get("/v1/customers", pageSize=1).json()["data"][0]["id"] == last


# ---------------------------------------------------------------------- recent updates


def old_touched(records: list[dict[str, Any]], old: str, recent: str) -> list[dict[str, Any]]:
    """Records created before ``old`` whose updatedAt is at or after ``recent``."""
    return [
        r
        for r in records
        if r["attributes"]["createdAt"] < old and r["attributes"]["updatedAt"] >= recent
    ]


def test_old_records_updated_recently(client: Client, sb: Sandbox) -> None:
    now = now_ms(sb)
    recent = iso_ms(now - RECENT_DAYS * 86_400_000)
    old = iso_ms(now - 180 * 86_400_000)
    paths = ("/v1/customers", "/v1/conversations", "/v1/messages", "/v1/notes", "/v1/companies")
    kind = {path: listed(client, path) for path in paths}
    for path in paths:  # without the option, no old record is updated recently
        assert not old_touched(kind[path], old, recent), path
    with serve(seed=3, scale=30, recent_update_share=0.4) as other:
        c = Client(other)
        for path in paths[:4]:
            got = listed(c, path)
            aged = [r for r in got if r["attributes"]["createdAt"] < old]
            touched = old_touched(got, old, recent)
            assert 0.15 * len(aged) < len(touched) < 0.65 * len(aged), path
            assert all(r["attributes"]["createdAt"] <= r["attributes"]["updatedAt"] for r in got)
            updated = [r["attributes"]["updatedAt"] for r in got]
            assert updated != sorted(updated), path  # id order is not updatedAt order
            assert ids(got) == ids(kind[path])  # the same records, only updatedAt differs
        # search reaches them by their new updatedAt, in order, and counts them
        body = {**CUSTOMERS_BY_UPDATE, "and": [{"customer_updated_at": {"gte": recent}}]}
        found = searched(c, body, 7)
        stamps = [r["attributes"]["updatedAt"] for r in found]
        assert stamps == sorted(stamps) and len(found) > 3
        every = listed(c, "/v1/customers")
        assert ids(found) == ids(sorted(
            (r for r in every if r["attributes"]["updatedAt"] >= recent),
            key=lambda r: (r["attributes"]["updatedAt"], r["id"]),
        ))  # fmt: skip
        assert c.search(body, pageSize=1).json()["meta"]["total"] == len(found)
        created = {**CUSTOMERS_BY_UPDATE, "and": [{"customer_created_at": {"lt": old}}]}
        assert len(searched(c, created)) > len(searched(client, created))
        # some share an instant (bulk updates)
        notes = listed(c, "/v1/notes") + listed(c, "/v1/messages")
        shared = [r["attributes"]["updatedAt"] for r in old_touched(notes, old, recent)]
        assert len(set(shared)) < len(shared)
        # standard and archive search split the org between them, on the new updatedAt
        window = {r["id"] for r in searched(c, CUSTOMERS_BY_UPDATE)}
        archived = c.follow(
            "/v1/customers/archive/search", "POST", {"queryContext": "customer"}, pageSize=100
        )[0]
        assert not window & set(ids(archived)) and window | set(ids(archived)) == set(ids(every))
        # KObjects too
        orders = listed(c, "/v1/klasses/ecomm-order")
        assert old_touched(orders, old, recent)
        with serve(seed=3, scale=30, recent_update_share=0.4) as twin:  # deterministic
            assert listed(Client(twin), "/v1/notes") == listed(c, "/v1/notes")


# ---------------------------------------------------------------------- error bodies


def test_error_bodies_in_kustomer_form(fresh: Sandbox, fresh_client: Client) -> None:
    default = fresh_client.get("/v1/customers", pageSize=0).json()
    assert set(default["errors"][0]) == {"status", "code", "title", "detail", "source"}
    fresh.control.set_options(error_form="kustomer")
    base = fresh.base_url
    answers = [
        fresh_client.get("/v1/customers", pageSize=0),  # 400, a parameter
        requests.get(base + "/v1/customers", timeout=10),  # 401
        fresh_client.get("/v1/nowhere"),  # 404
        fresh_client.post("/v1/customers"),  # 405
        fresh_client.search({"queryContext": "nothing"}),  # 400
    ]
    for r in answers:
        body = r.json()
        assert set(body) == {"errors"} and len(body["errors"]) == 1, r.text
        err = body["errors"][0]
        assert set(err) == {"code", "message", "meta"}, err
        assert isinstance(err["message"], str) and err["message"]
    assert [r.status_code for r in answers] == [400, 401, 404, 405, 400]
    assert answers[0].json()["errors"][0] == {
        "code": "bad_request",
        "message": "pageSize must be an integer >= 1 (got '0')",
        "meta": {"parameter": "pageSize"},
    }
    assert answers[2].json()["errors"][0]["code"] == "not_found"
    token = fresh.control.create_token(["org.permission.customer.read"])
    r = Client(fresh, token).get("/v1/messages")
    assert r.status_code == 403 and r.json()["errors"][0]["code"] == "forbidden"
    fresh.control.set_limits(rate_limit=1)
    fresh_client.get("/v1/brands")
    r = fresh_client.get("/v1/brands")
    assert r.status_code == 429 and r.json()["errors"][0]["code"] == "too_many_requests"


# ---------------------------------------------------------------------- empty relationships


def test_empty_relationships_in_the_documented_form() -> None:
    with serve(seed=6, scale=30, empty_relationships=0.4) as sb:
        control = sb.control
        empties: dict[str, int] = {}
        for obj in ("customers", "conversations", "notes", "routing_work_items", "companies"):
            for rec in control.records(obj):
                for name, value in rec["relationships"].items():
                    data = value.get("data")
                    if isinstance(data, dict) and data.get("id") is None:
                        assert set(data) == {"type", "id"} and data["type"]
                        if "links" in value:
                            assert value["links"]["self"].endswith("/null")
                        empties[f"{obj}.{name}"] = empties.get(f"{obj}.{name}", 0) + 1
        assert empties.get("customers.createdBy") and empties.get("customers.company")
        assert empties.get("routing_work_items.assignedTo")
        # what a record belongs to is never emptied
        assert not any(
            k.endswith((".org", ".conversation", ".customer", ".resource")) for k in empties
        )
        entries = list(control.records("audit_logs"))
        system = [e for e in entries if e["attributes"].get("userType") == "system"]
        assert system and len(system) < len(entries)
        for entry in system:
            assert entry["relationships"]["user"] == {
                "data": {"type": "user", "id": None},
                "links": {"self": "/v1/users/null"},
            }
            assert entry["attributes"].get("userId", None) is None
            assert entry["attributes"].get("ip", None) is None
        orders = control.kobjects.records("ecomm-order")
        assert any(o["relationships"]["company"]["data"]["id"] is None for o in orders)
        # the same ones every time
        with serve(seed=6, scale=30, empty_relationships=0.4) as twin:
            assert list(twin.control.records("notes")) == list(control.records("notes"))
    with serve(seed=6, scale=30) as kind:
        for rec in kind.control.records("customers"):
            for value in rec["relationships"].values():
                data = value.get("data")
                assert not (isinstance(data, dict) and data.get("id") is None)


def test_records_without_a_creator() -> None:
    with serve(seed=6, scale=30, no_created_by=0.5) as sb:
        for obj in ("customers", "conversations", "notes", "companies", "kb_articles"):
            recs = list(sb.control.records(obj))
            without = [r for r in recs if "createdBy" not in r["relationships"]]
            assert 0 < len(without) < len(recs), obj
            assert all("modifiedBy" in r["relationships"] or obj == "notes" for r in without)
    with serve(seed=6, scale=30) as kind:
        assert all("createdBy" in r["relationships"] for r in kind.control.records("customers"))


def test_cli_and_act_set_the_options(tmp_path: Any) -> None:
    from kustomer_sandbox.__main__ import parse_args
    from kustomer_sandbox.act import parse_args as act_args
    from kustomer_sandbox.act import request

    a = parse_args(["--profile", "unkind", "--tie-order", "hash", "--total-cap", "9"])
    assert (a.profile, a.tie_order, a.total_cap, a.list_order) == ("unkind", "hash", 9, None)
    method, path, body = request(
        act_args(["options", "--list-order", "updated", "--error-form", "kustomer"])
    )
    assert (method, path, body) == (
        "POST",
        "/options",
        {"list_order": "updated", "error_form": "kustomer"},
    )
    assert request(act_args(["options"]))[:2] == ("GET", "/options")


def test_unkind_sandbox_stays_consistent(sb: Sandbox) -> None:
    """Under the profile (without the shuffle), search and lists still agree on what exists."""
    with serve(seed=3, scale=30, profile="unkind", tie_order="hash") as unkind:
        c = Client(unkind)
        for path, ctx in (("/v1/customers", "customer"), ("/v1/notes", "note")):
            every = {r["id"] for r in listed(c, path)}
            body = {"queryContext": ctx}
            found = c.follow("/v1/customers/search", "POST", body, pageSize=100)[0]
            old = (
                c.follow("/v1/customers/archive/search", "POST", body, pageSize=100)[0]
                if ctx != "note"
                else []
            )
            assert {r["id"] for r in found} | {r["id"] for r in old} <= every
            assert len(found) == len({r["id"] for r in found})
            if ctx != "note":
                assert {r["id"] for r in found} | {r["id"] for r in old} == every
        assert len(listed(c, "/v1/customers")) == 30
        conv = listed(c, "/v1/conversations")[0]
        assert rel(conv, "customer")


# ---------------------------------------------------------------------- audit order (N10)


def test_audit_log_newest_first_with_the_example_links(
    fresh: Sandbox, fresh_client: Client
) -> None:
    from urllib.parse import parse_qs, urlsplit

    oldest_first = [r["id"] for r in fresh.control.records("audit_logs")]
    fresh.control.set_options(audit_order="newest")
    body = fresh_client.get("/v1/audit-logs", count=5).json()
    # the OAS example: newest first, next = before=<last id>, prev = after=<first id>
    assert [r["id"] for r in body["data"]] == oldest_first[::-1][:5]
    assert body["links"]["prev"] is None
    nxt = parse_qs(urlsplit(body["links"]["next"]).query)
    assert nxt == {"count": ["5"], "before": [body["data"][-1]["id"]]}
    second = fresh_client.get("/v1/audit-logs", count=5, before=nxt["before"][0]).json()
    assert [r["id"] for r in second["data"]] == oldest_first[::-1][5:10]
    prev = parse_qs(urlsplit(second["links"]["prev"]).query)
    assert prev == {"count": ["5"], "after": [second["data"][0]["id"]]}
    back = fresh_client.get("/v1/audit-logs", count=5, after=prev["after"][0]).json()
    assert [r["id"] for r in back["data"]] == [r["id"] for r in body["data"]]
    # following next reads every entry once, newest first, filters kept
    for count in (1, 7, 1000):
        records, _ = fresh_client.follow("/v1/audit-logs", count=count)
        assert [r["id"] for r in records] == oldest_first[::-1]
    logs = list(fresh.control.records("audit_logs"))
    window = {
        "filter[start]": logs[10]["attributes"]["createdAt"],
        "filter[end]": logs[20]["attributes"]["createdAt"],
    }
    records, _ = fresh_client.follow("/v1/audit-logs", count=3, **window)
    assert [r["id"] for r in records] == [r["id"] for r in logs[10:20]][::-1]
    # a new entry comes first
    fresh.control.delete("customers", next(iter(fresh.control.records("customers")))["id"])
    newest = fresh_client.get("/v1/audit-logs", count=1).json()["data"][0]
    assert newest["id"] not in oldest_first


# ---------------------------------------------------------------------- KObject link key (N2)


def test_kobject_link_key_as_the_examples_spell_it(fresh: Sandbox, fresh_client: Client) -> None:
    path = "/v1/klasses/ecomm-order"
    kind = fresh_client.get(path, pageSize=5).json()["data"]
    assert all("links" in r["relationships"]["klass"] for r in kind)
    fresh.control.set_options(kobject_link_key="link")
    literal = fresh_client.get(path, pageSize=5).json()["data"]
    for before, after in zip(kind, literal, strict=True):
        klass = after["relationships"]["klass"]
        assert "links" not in klass and klass["link"] == before["relationships"]["klass"]["links"]
        assert klass["data"] == before["relationships"]["klass"]["data"]
        # every other relationship keeps `links`
        assert all(
            "links" in v for k, v in after["relationships"].items() if k not in ("klass", "queue")
        )
        # ecomm-order is assignable: its queue relationship too
        assert "links" not in after["relationships"]["queue"]
        assert after["relationships"]["queue"]["link"]["self"].startswith("/v1/routing/queues/")
    one = fresh_client.get(f"{path}/{kind[0]['id']}").json()["data"]
    assert "link" in one["relationships"]["klass"]


# ---------------------------------------------------------------------- pages past the end (L4)


def test_a_page_past_the_end_answers_404_under_past_end(
    fresh: Sandbox, fresh_client: Client
) -> None:
    c = fresh_client
    customers = fresh.control.count("customers")
    past = -(-customers // 10) + 1  # the page after the last one of 10 records
    conv = c.get("/v1/conversations", pageSize=1).json()["data"][0]["id"]
    numbered = [  # (path, a page past its end at pageSize 10): one of each kind of numbered list
        ("/v1/customers", past),
        ("/v1/tags", 50),
        ("/v1/klasses", 50),
        ("/v1/klasses/ecomm-order", 50),
        (f"/v1/conversations/{conv}/messages", 50),
    ]
    for path, page in numbered:  # default: an empty page
        r = c.get(path, page=page, pageSize=10)
        assert r.status_code == 200 and r.json()["data"] == [], (path, r.text)
    last = c.get("/v1/customers", page=past - 1, pageSize=10).json()
    fresh.control.reset_requests()
    fresh.control.set_options(past_end="404")
    for path, page in numbered:
        for beyond in (page, page + 7):
            r = c.get(path, page=beyond, pageSize=10)
            assert r.status_code == 404, (path, beyond, r.text)
            assert r.json()["errors"][0]["code"] == "not_found"
            assert set(r.json()["errors"][0]) == {"status", "code", "title", "detail"}
        assert c.get(path, pageSize=10).status_code == 200  # page 1 of each is there
    assert fresh.control.requests(status=404) == 2 * len(numbered)
    assert fresh.control.requests(path_prefix="/v1/customers", status=404) == 2
    assert fresh.control.requests(status=200) == len(numbered)
    stats = c.control("GET", "/stats?status=404&path_prefix=/v1/tags").json()
    assert stats["requests"] == 2
    assert c.control("GET", "/stats?status=many").status_code == 400
    # the last page is unchanged: its records, next null
    assert c.get("/v1/customers", page=past - 1, pageSize=10).json() == last
    assert last["data"] and last["links"]["next"] is None
    # the body of error_form
    fresh.control.set_options(error_form="kustomer")
    err = c.get("/v1/customers", page=past, pageSize=10).json()["errors"][0]
    assert set(err) == {"code", "message", "meta"} and err["code"] == "not_found"
    ends = f"the list ends at page {past - 1}"
    assert err["message"] == f"page {past} of /v1/customers not found: {ends}"
    # search and the audit log are not numbered lists: left alone
    r = c.search({"queryContext": "customer"}, page=90, pageSize=100)
    assert r.status_code == 200 and r.json()["data"] == []
    assert c.get("/v1/audit-logs", count=1000).status_code == 200
    # back to the default
    fresh.control.set_options(past_end="empty")
    assert c.get("/v1/customers", page=past, pageSize=10).json()["data"] == []
    r = c.control("POST", "/options", {"past_end": "410"})
    assert r.status_code == 400 and fresh.control.options()["past_end"] == "empty"
    with pytest.raises(ValueError), serve(scale=3, past_end="never"):
        pass


def test_page_1_of_an_empty_list_stays_an_empty_page(fresh: Sandbox, fresh_client: Client) -> None:
    """An empty list is not past its end: its page 1 (and any other) is an empty page."""
    c = fresh_client
    fresh.control.set_options(past_end="404")
    made = c.control("POST", "/klasses", {"name": "device", "attributes": [{"key": "serialStr"}]})
    assert made.status_code == 201, made.text
    customer = c.get("/v1/customers", pageSize=1).json()["data"][0]["id"]
    for path in ("/v1/klasses/device", f"/v1/customers/{customer}/merges"):
        for page in (1, 2):
            r = c.get(path, page=page)
            assert r.status_code == 200 and r.json()["data"] == [], (path, page, r.text)
            assert r.json()["links"]["next"] is None
    assert fresh.control.requests(status=404) == 0


def test_past_end_on_the_command_line() -> None:
    from kustomer_sandbox.__main__ import parse_args
    from kustomer_sandbox.act import parse_args as act_args
    from kustomer_sandbox.act import request

    assert parse_args(["--past-end", "404"]).past_end == "404"
    assert parse_args([]).past_end is None  # the profile's, else "empty"
    assert request(act_args(["options", "--past-end", "404"])) == (
        "POST",
        "/options",
        {"past_end": "404"},
    )
