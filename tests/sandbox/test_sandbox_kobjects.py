"""Klasses, KObjects, custom-attribute metadata, tags, SLAs and holidays as documented."""

from __future__ import annotations

from typing import Any

from helpers.sandbox_client import Client

from kustomer_sandbox import Sandbox, serve
from kustomer_sandbox.kobjects import KLASSES, suffix_of


def test_klasses_are_the_definitions_with_documented_relationships(client: Client) -> None:
    body = client.get("/v1/klasses").json()
    names = [k["attributes"]["name"] for k in body["data"]]
    assert names == [k.name for k in KLASSES]
    for klass in body["data"]:
        assert klass["type"] == "klass"
        assert klass["attributes"]["status"] == "enabled"
        assert klass["relationships"]["kobjects"]["links"]["self"].startswith("/v1/klasses/")
        assert client.get(f"/v1/klasses/{klass['id']}").json()["data"] == klass


def test_kobject_list_pages_and_shape(sb: Sandbox, client: Client) -> None:
    records, _ = client.follow("/v1/klasses/ecomm-order", pageSize=7)
    assert [r["id"] for r in records] == [
        r["id"] for r in sb.control.kobjects.records("ecomm-order")
    ]
    first = records[0]
    assert first["type"] == "kobject.ecomm-order"
    rels = first["relationships"]
    assert rels["klass"]["data"] == {"type": "klass", "id": "ecomm-order"}
    assert client.get(rels["customer"]["links"]["self"]).status_code == 200
    assert client.get(rels["company"]["links"]["self"]).status_code == 200
    attrs = first["attributes"]
    assert {"title", "custom", "tags", "createdAt", "updatedAt", "rev"} <= set(attrs)
    assert client.get(first["links"]["self"]).json()["data"] == first
    assert client.get("/v1/klasses/no-such-klass").status_code == 404


def test_from_date_keeps_records_updated_since(sb: Sandbox, client: Client) -> None:
    records = sb.control.kobjects.records("subscription")
    since = records[len(records) // 2]["attributes"]["updatedAt"]
    got, _ = client.follow("/v1/klasses/subscription", fromDate=since)
    assert [r["id"] for r in got] == [
        r["id"] for r in records if r["attributes"]["updatedAt"] >= since
    ]
    assert client.get("/v1/klasses/subscription", fromDate="yesterday").status_code == 400


def test_metadata_types_every_custom_attribute_served(sb: Sandbox, client: Client) -> None:
    for resource, sample in (("customer", "/v1/customers"), ("company", "/v1/companies")):
        props = client.get(f"/v1/metadata/{resource}").json()["data"]["attributes"]["properties"]
        for rec in client.get(sample).json()["data"]:
            assert set(rec["attributes"].get("custom", {})) <= set(props)
    for klass in KLASSES:
        body = client.get(f"/v1/metadata/kobject.{klass.name}").json()["data"]
        props = body["attributes"]["properties"]
        assert body["id"] == f"kobject.{klass.name}"
        for rec in sb.control.kobjects.records(klass.name):
            assert set(rec["attributes"]["custom"]) <= set(props)
        for key, prop in props.items():
            assert suffix_of(key) is not None and prop["displayName"]
    assert client.get("/v1/metadata/kobject.nope").status_code == 404


def test_kobject_search_keyset_and_deletes(fresh: Sandbox, fresh_client: Client) -> None:
    ko = fresh.control.kobjects
    victim = ko.records("ecomm-order")[-1]["id"]
    ko.soft_delete("ecomm-order", victim)
    body: dict[str, Any] = {
        "queryContext": "kobject_ecomm-order",
        "and": [{"kobject_updated_at": {"gte": "2025-06-01T00:00:00.000Z"}}],
        "sort": [{"kobject_updated_at": "asc"}],
    }
    live = fresh_client.search(body, pageSize=500).json()["data"]
    assert victim not in {r["id"] for r in live}
    found = fresh_client.search({**body, "includeDeleted": True}, pageSize=500).json()["data"]
    assert found[-1]["id"] == victim and found[-1]["attributes"]["deleted"] is True
    times = [r["attributes"]["updatedAt"] for r in found]
    assert times == sorted(times)
    assert fresh_client.get(f"/v1/klasses/ecomm-order/{victim}").status_code == 404
    assert fresh_client.search({"queryContext": "kobject_nope"}).status_code == 400


def test_klass_added_and_disabled_through_the_control_api(fresh: Sandbox) -> None:
    client = Client(fresh)
    made = client.http.post(
        fresh.base_url + "/__sandbox/klasses",
        json={"name": "device", "attributes": [{"key": "serialStr"}], "count": 2},
    )
    assert made.status_code == 201
    assert [k["attributes"]["name"] for k in client.get("/v1/klasses").json()["data"]][-1] == (
        "device"
    )
    assert len(client.get("/v1/klasses/device").json()["data"]) == 2
    props = client.get("/v1/metadata/kobject.device").json()["data"]["attributes"]["properties"]
    assert set(props) == {"serialStr"}
    fresh.control.kobjects.set_klass_status("subscription", "disabled")
    enabled = {k["attributes"]["name"] for k in client.get("/v1/klasses").json()["data"]}
    disabled = client.get("/v1/klasses", status="disabled").json()["data"]
    assert "subscription" not in enabled and [k["attributes"]["name"] for k in disabled] == [
        "subscription"
    ]
    assert client.get("/v1/klasses/subscription").status_code == 200


def test_tags_are_the_ids_records_carry(client: Client) -> None:
    tags = {t["id"]: t for t in client.get("/v1/tags").json()["data"]}
    used = {
        tag
        for rec in client.get("/v1/conversations").json()["data"]
        for tag in rec["attributes"].get("tags") or []
    }
    assert used and used <= set(tags)
    assert all(t["type"] == "tag" and t["attributes"]["name"] for t in tags.values())


def test_slas_side_load_versions_as_list_or_object(client: Client) -> None:
    plain = client.get("/v1/slas").json()
    assert "included" not in plain
    every = client.get("/v1/slas", versions="all").json()
    refs = {v["id"] for s in every["data"] for v in s["relationships"]["versions"]["data"]}
    assert {v["id"] for v in every["included"]} == refs
    active = client.get("/v1/slas", versions="active").json()["included"]
    assert len(active) == len(every["data"])
    with serve(seed=3, scale=5, sla_included="object") as sb:
        sb.control.extras.set_slas([1])
        one = Client(sb).get("/v1/slas", versions="all").json()
        assert isinstance(one["included"], dict) and one["included"]["type"] == "sla_version"


def test_schedule_includes_its_holidays(client: Client) -> None:
    schedule = client.get("/v1/schedules").json()["data"][0]
    body = client.get(f"/v1/schedules/{schedule['id']}", include="holidays").json()
    assert body["data"]["id"] == schedule["id"] and body["included"]
    for holiday in body["included"]:
        assert holiday["type"] == "holiday"
        assert holiday["relationships"]["schedule"]["data"]["id"] == schedule["id"]
        assert holiday["attributes"]["startDate"] < holiday["attributes"]["endDate"]
    assert "included" not in client.get(f"/v1/schedules/{schedule['id']}").json()
