"""Custom objects (one table per Klass), custom attributes typed from the org's metadata, tags,
SLAs with their versions and targets, and schedule holidays, loaded from the sandbox."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from helpers.loading import DuckDBDataset, LoadedDataset, Loader

from kustomer_sandbox import Sandbox, serve
from kustomer_sandbox.kobjects import Attr, KlassDef
from kustomer_source import kustomer_source

KOBJECT_TABLES = {
    "ecomm-order": "kobject_ecomm_order",
    "subscription": "kobject_subscription",
    "warranty-claim": "kobject_warranty_claim",
}
EXTRA_TABLES = ["tags", "slas", "sla_versions", "sla_targets", "holidays", "custom_attributes"]


def org_kobjects(sb: Sandbox, klass: str) -> dict[str, tuple[str, bool]]:
    return {
        r["id"]: (r["attributes"]["updatedAt"], bool(r["attributes"].get("deleted")))
        for r in sb.control.kobjects.records(klass, include_deleted=True)
    }


def landed(loader: DuckDBDataset, table: str) -> dict[str, tuple[str, bool]]:
    rows = loader.query(
        "select id, strftime(updated_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%g') || 'Z', "
        f"coalesce(deleted, false) from kustomer_data.{table}"
    )
    assert len(rows) == len({row[0] for row in rows}), f"{table}: duplicate ids"
    return {row[0]: (row[1], bool(row[2])) for row in rows}


def test_a_table_per_klass_typed_with_relationship_ids(
    sandbox: Sandbox, full_load: LoadedDataset
) -> None:
    loader = full_load
    for klass, table in KOBJECT_TABLES.items():
        assert landed(loader, table) == org_kobjects(sandbox, klass)
    columns = loader.columns("kobject_ecomm_order")
    expected = {
        "custom__order_number_num": "DOUBLE",
        "custom__total_price_num": "DOUBLE",
        "custom__order_status_str": "VARCHAR",
        "custom__placed_at": "TIMESTAMP WITH TIME ZONE",
        "custom__gift_bool": "BOOLEAN",
        "custom__tracking_url": "VARCHAR",
        "custom__special_instructions_txt": "VARCHAR",
        "custom__product_category_tree": "VARCHAR",
        # sent as strings of digits, still a number
        "custom__loyalty_points_num": "DOUBLE",
        # defined in the metadata, no KObject has a value: typed all the same
        "custom__refunded_at": "TIMESTAMP WITH TIME ZONE",
        "customer_id": "VARCHAR",
        "company_id": "VARCHAR",
        "updated_at": "TIMESTAMP WITH TIME ZONE",
    }
    assert {name: columns.get(name) for name in expected} == expected
    assert loader.count("kobject_ecomm_order", "custom__refunded_at is not null") == 0
    assert loader.count("kobject_ecomm_order", "custom__loyalty_points_num > 0") > 0
    rels = {
        r["id"]: (
            r["relationships"]["customer"]["data"]["id"],
            (r["relationships"].get("company") or {}).get("data", {}).get("id"),
        )
        for r in sandbox.control.kobjects.records("ecomm-order")
    }
    rows = loader.query("select id, customer_id, company_id from kustomer_data.kobject_ecomm_order")
    assert {row[0]: (row[1], row[2]) for row in rows} == rels
    assert loader.columns("kobject_warranty_claim")["custom__order_id"] == "VARCHAR"
    # typed before any value: warranty claims point at customers only
    assert loader.columns("kobject_warranty_claim")["company_id"] == "VARCHAR"
    assert loader.count("kobject_warranty_claim", "company_id is not null") == 0


def test_kobject_changes_and_a_klass_added_later_equal_the_org(
    fresh_sandbox: Sandbox, loader: Loader
) -> None:
    sb = fresh_sandbox
    ko = sb.control.kobjects
    loader.run(sb, list(KOBJECT_TABLES.values()))
    first = landed(loader, "kobject_subscription")
    orders = ko.records("ecomm-order")
    customer = sb.control.records("customers").__next__()["id"]
    sb.control.advance_clock(60)
    made = ko.create("ecomm-order", {"orderNumberNum": 9001}, {"customer": customer})
    ko.update("ecomm-order", orders[-1]["id"], {"orderStatusStr": "refunded"})
    ko.update("ecomm-order", orders[-2]["id"], title="Order renamed")
    ko.soft_delete("ecomm-order", orders[-3]["id"])
    ko.add_klass(
        KlassDef("device", "Device", "bell", "#17becf", 0, (Attr("serialStr", "Serial"),)),
        count=4,
    )
    ko.set_klass_status("subscription", "disabled")
    ko.update("subscription", ko.records("subscription")[-1]["id"], {"seatsNum": 99})
    sb.control.reset_requests()
    # what a run that names no table reads of the Klasses (the new one among them), alone
    source = kustomer_source(api_key=sb.token, base_url=sb.base_url)
    klass_tables = [name for name in source.selected_resources if name.startswith("kobject_")]
    loader.run(sb, klass_tables)
    # incremental: the orders came through search, not through the list
    assert sb.control.requests(method="GET", path_prefix="/v1/klasses/ecomm-order") == 0
    assert landed(loader, "kobject_ecomm_order") == org_kobjects(sb, "ecomm-order")
    assert landed(loader, "kobject_ecomm_order")[orders[-3]["id"]][1] is True
    assert loader.query(
        "select custom__order_number_num from kustomer_data.kobject_ecomm_order "
        f"where id = '{made['id']}'"
    ) == [(9001.0,)]
    assert landed(loader, "kobject_device") == org_kobjects(sb, "device")
    # a disabled Klass is not read; its table keeps what it held
    assert landed(loader, "kobject_subscription") == first
    # hard delete through the setting removes soft-deleted KObjects
    loader.run(
        sb,
        ["kobject_ecomm_order"],
        hard_delete=True,
        start_date=sb.control.now() - timedelta(days=1),
    )
    assert orders[-3]["id"] not in landed(loader, "kobject_ecomm_order")


def test_custom_attributes_typed_from_metadata_before_their_values(
    fresh_sandbox: Sandbox, loader: Loader
) -> None:
    sb = fresh_sandbox
    loader.run(sb, ["customers", "conversations", "custom_attributes"])
    customers = loader.columns("customers")
    assert customers["custom__churn_risk_num"] == "DOUBLE"
    assert loader.count("customers", "custom__churn_risk_num is not null") == 0
    assert customers["custom__last_order_at"] == "TIMESTAMP WITH TIME ZONE"
    assert loader.columns("conversations")["custom__vip_bool"] == "BOOLEAN"
    # an attribute defined later is typed on the next run, even sent as a string of digits
    sb.control.kobjects.define_attribute("customer", Attr("pointsNum", "Points"))
    target = next(sb.control.records("customers"))["id"]
    sb.control.advance_clock(60)
    sb.control.update("customers", target, {"custom": {"pointsNum": "250"}})
    loader.run(sb, ["customers", "custom_attributes"])
    assert loader.columns("customers")["custom__points_num"] == "DOUBLE"
    assert loader.query(
        f"select custom__points_num from kustomer_data.customers where id = '{target}'"
    ) == [(250.0,)]
    defined = {
        (resource, name)
        for resource, attrs in sb.engine.kobjects.attributes.items()
        for name in attrs
    }
    rows = loader.query("select resource, name, column_type from kustomer_data.custom_attributes")
    assert {(r, n) for r, n, _ in rows} == defined
    assert ("customer", "pointsNum", "double") in rows
    assert ("kobject.ecomm-order", "placedAt", "timestamp") in rows


def sla_state(sb: Sandbox) -> tuple[set[str], set[str], int]:
    extras = sb.control.extras
    versions = [v for sla in extras.slas for v in extras.versions[sla["id"]]]
    targets = sum(len(m["times"]) for v in versions for m in v["attributes"]["metrics"].values())
    return {s["id"] for s in extras.slas}, {v["id"] for v in versions}, targets


def test_tags_slas_versions_and_holidays_equal_the_org(
    sandbox: Sandbox, full_load: LoadedDataset
) -> None:
    loader = full_load
    tags = dict(loader.query("select id, name from kustomer_data.tags"))
    assert tags == {t["id"]: t["attributes"]["name"] for t in sandbox.control.extras.live_tags()}
    unnamed = loader.query(
        "select count(*) from kustomer_data.conversations__tags t "
        "left join kustomer_data.tags g on g.id = t.value where g.id is null"
    )
    assert unnamed == [(0,)]
    slas, versions, targets = sla_state(sandbox)
    assert loader.ids("slas") == slas and loader.ids("sla_versions") == versions
    assert loader.count("sla_targets") == targets
    assert loader.query(
        "select count(*) from kustomer_data.sla_versions v "
        "join kustomer_data.slas s on s.id = v.sla_id"
    ) == [(len(versions),)]
    holidays = {
        h["id"]: s["id"]
        for s in sandbox.control.records("schedules")
        for h in sandbox.control.extras.holidays(s["id"])
    }
    assert (
        holidays
        and dict(loader.query("select id, schedule_id from kustomer_data.holidays")) == holidays
    )
    assert loader.columns("holidays")["start_date"] == "TIMESTAMP WITH TIME ZONE"


def test_sla_versions_included_as_one_object(loader: Loader) -> None:
    with serve(seed=2, scale=5, sla_included="object") as sb:
        sb.control.extras.set_slas([1])
        loader.run(sb, ["slas", "sla_versions", "sla_targets"])
        slas, versions, targets = sla_state(sb)
    assert loader.ids("slas") == slas and loader.ids("sla_versions") == versions
    assert loader.count("sla_targets") == targets


def test_tags_added_and_deleted_follow_the_org(fresh_sandbox: Sandbox, loader: Loader) -> None:
    sb = fresh_sandbox
    loader.run(sb, ["tags"])
    added = sb.control.extras.add_tag("returns")
    gone = sb.control.extras.tags[0]["id"]
    sb.control.extras.update_tag(gone, deleted=True)
    loader.run(sb, ["tags"])
    ids = loader.ids("tags")
    assert added["id"] in ids and gone not in ids


def test_missing_roles_skip_only_those_tables(sandbox: Sandbox, loader: Loader) -> None:
    roles: list[Any] = [
        r
        for r in sandbox.control.roles()
        if "klass" not in r and "metadata" not in r and "sla" not in r
    ]
    token = sandbox.control.create_token(roles)
    source_tables = ["customers", "slas", "custom_attributes", "tags"]
    loader.run(sandbox, source_tables, api_key=token)
    tables = loader.tables()
    assert "customers" in tables and "tags" in tables
    assert "slas" not in tables and "custom_attributes" not in tables
    assert not any(t.startswith("kobject_") for t in tables)
