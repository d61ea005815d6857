"""Search index lag: a write reaches search only after its own random lag, lists at once."""

from __future__ import annotations

from typing import Any

import requests
from helpers.sandbox_client import Client

from kustomer_sandbox import Sandbox, serve


def searched(client: Client, ctx: str, **criterion: Any) -> list[dict[str, Any]]:
    """Every record of a one-criterion search on `<ctx>_updated_at` (all pages of 500)."""
    body = {
        "queryContext": ctx,
        "and": [{f"{ctx}_updated_at": criterion}] if criterion else [],
        "sort": [{f"{ctx}_updated_at": "asc"}],
        "includeDeleted": True,
    }
    records, _ = client.follow("/v1/customers/search", "POST", body, pageSize=500)
    return records


def test_a_write_reaches_search_after_its_lag_and_lists_at_once() -> None:
    with serve(seed=4, scale=20, index_lag_s=120) as sb:
        client = Client(sb)
        old = list(sb.control.records("customers"))[-1]  # within search's two years
        new = sb.control.update("customers", old["id"], {"name": "renamed"})
        made = sb.control.create("customers", {"name": "new one"})
        since = new["attributes"]["updatedAt"]
        # lists and GET by id see both writes at once
        listed = {r["id"]: r for r in client.follow("/v1/customers", pageSize=100)[0]}
        assert listed[old["id"]]["attributes"]["name"] == "renamed" and made["id"] in listed
        assert client.get(f"/v1/customers/{made['id']}").status_code == 200
        # search still shows the old version and not the new record
        assert searched(client, "customer", gte=since) == []
        shown = {r["id"]: r for r in searched(client, "customer")}
        assert shown[old["id"]]["attributes"]["updatedAt"] == old["attributes"]["updatedAt"]
        assert made["id"] not in shown
        total = client.search(
            {"queryContext": "customer", "and": [], "includeDeleted": True}, pageSize=1
        ).json()["meta"]["total"]
        assert total == len(shown)  # meta.total counts what search shows
        # once the clock passes the longest lag, search shows both
        sb.control.advance_clock(121)
        found = {r["id"]: r for r in searched(client, "customer", gte=since)}
        assert set(found) == {old["id"], made["id"]}
        assert found[old["id"]]["attributes"]["name"] == "renamed"


def test_each_write_draws_its_own_lag(fresh: Sandbox) -> None:
    fresh.control.set_index_lag(60)
    client = Client(fresh)
    ids = [fresh.control.create("notes", {"body": str(n)})["id"] for n in range(40)]
    visible = []
    for _ in range(6):
        fresh.control.advance_clock(10)
        shown = {r["id"] for r in searched(client, "note")}
        visible.append(sum(1 for i in ids if i in shown))
    assert visible == sorted(visible) and 0 < visible[1] < visible[3] < 40
    assert visible[-1] == 40


def test_index_lag_over_http_and_off_again(fresh: Sandbox, fresh_client: Client) -> None:
    base = fresh.base_url + "/__sandbox"
    answer = requests.post(base + "/index-lag", json={"max_seconds": 30}, timeout=10).json()
    assert answer == {"max_seconds": 30}
    made = fresh.control.create("companies", {"name": "lagging"})
    assert made["id"] not in {r["id"] for r in searched(fresh_client, "company")}
    requests.post(base + "/index-lag", json={"max_seconds": 0}, timeout=10)
    again = fresh.control.create("companies", {"name": "at once"})
    shown = {r["id"] for r in searched(fresh_client, "company")}
    assert again["id"] in shown  # writes after the lag is off are searchable at once
    negative = requests.post(base + "/index-lag", json={"max_seconds": -1}, timeout=10)
    assert negative.status_code == 400
