"""Audit logs: count, after/before cursors and the filter[start]/filter[end] range."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from helpers.sandbox_client import Client

from kustomer_sandbox import Sandbox


def all_logs(sb: Sandbox) -> list[dict[str, object]]:
    return list(sb.control.records("audit_logs"))


def test_cursor_walk_returns_every_entry_in_order(client: Client, sb: Sandbox) -> None:
    expected = [r["id"] for r in all_logs(sb)]
    for count in (1, 7, 60, 1000, 5000):
        records, pages = client.follow("/v1/audit-logs", count=count)
        assert [r["id"] for r in records] == expected
        assert pages == -(-60 // min(count, 1000))
    created = [r["attributes"]["createdAt"] for r in records]
    assert created == sorted(created)


def test_links_and_meta(client: Client) -> None:
    body = client.get("/v1/audit-logs", count=5).json()
    # the OAS example's envelope: meta {count, total, cursorCount}, links {self, first, prev, next}
    assert body["meta"] == {"count": 5, "total": 60, "cursorCount": 60}
    assert body["links"]["self"] == "/v1/audit-logs?count=5"
    assert body["links"]["first"] == "/v1/audit-logs?count=5"
    assert body["links"]["prev"] is None
    nxt = body["links"]["next"]
    assert parse_qs(urlsplit(nxt).query) == {"count": ["5"], "after": [body["data"][-1]["id"]]}
    second = client.get(
        nxt.split("?")[0], **{k: v[0] for k, v in parse_qs(urlsplit(nxt).query).items()}
    ).json()
    assert second["links"]["prev"] is not None
    assert second["meta"] == {"count": 5, "total": 60, "cursorCount": 55}
    assert client.get("/v1/audit-logs").json()["meta"]["count"] == 100


def test_date_filters_start_inclusive_end_exclusive(client: Client, sb: Sandbox) -> None:
    logs = all_logs(sb)
    start = logs[10]["attributes"]["createdAt"]  # type: ignore[index]
    end = logs[20]["attributes"]["createdAt"]  # type: ignore[index]
    params = {"filter[start]": start, "filter[end]": end}
    records, _ = client.follow("/v1/audit-logs", count=3, **params)
    assert [r["id"] for r in records] == [r["id"] for r in logs[10:20]]
    first = client.get("/v1/audit-logs", count=3, **params).json()
    nxt = first["links"]["next"]
    assert "filter%5Bstart%5D=" in nxt and "filter%5Bend%5D=" in nxt
    day_only, _ = client.follow("/v1/audit-logs", **{"filter[start]": "2026-01-01"})
    assert all(r["attributes"]["createdAt"] >= "2026-01-01" for r in day_only)
    assert len(day_only) == sum(1 for r in logs if r["attributes"]["createdAt"] >= "2026-01-01")  # type: ignore[index]


def test_before_returns_the_entries_right_before(client: Client, sb: Sandbox) -> None:
    logs = all_logs(sb)
    body = client.get("/v1/audit-logs", count=4, before=logs[30]["id"]).json()
    assert [r["id"] for r in body["data"]] == [r["id"] for r in logs[26:30]]
    both = client.get("/v1/audit-logs", count=100, after=logs[5]["id"], before=logs[9]["id"]).json()
    assert [r["id"] for r in both["data"]] == [r["id"] for r in logs[6:9]]
    assert both["links"]["next"] is None


def test_bad_audit_params_are_400(client: Client) -> None:
    for params in (
        {"after": "nope"},
        {"after": "0" * 24},
        {"count": "0"},
        {"filter[start]": "yesterday"},
        {"filter[objectId]": "0" * 24},
    ):
        r = client.get("/v1/audit-logs", **params)
        assert r.status_code == 400, (params, r.text)


def test_object_filters(client: Client, sb: Sandbox) -> None:
    logs = all_logs(sb)
    target = logs[0]["attributes"]  # type: ignore[index]
    records, _ = client.follow(
        "/v1/audit-logs",
        **{"filter[objectType]": target["objectType"], "filter[objectId]": target["objectId"]},
    )
    assert records and all(r["attributes"]["objectId"] == target["objectId"] for r in records)


def test_new_entries_appear_at_the_end(fresh: Sandbox, fresh_client: Client) -> None:
    before = [r["id"] for r in fresh.control.records("audit_logs")]
    made = fresh.control.create(
        "audit_logs", {"eventName": "kustomer.customer.update", "objectType": "customer"}
    )
    records, _ = fresh_client.follow("/v1/audit-logs", count=1000)
    assert [r["id"] for r in records] == before + [made["id"]]
    tail = fresh_client.get("/v1/audit-logs", count=10, after=before[-1]).json()
    assert [r["id"] for r in tail["data"]] == [made["id"]]
    assert tail["links"]["next"] is None
