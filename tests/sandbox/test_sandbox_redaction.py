"""Message redaction: the documented endpoint and body, the redacted message and attachments,
its updatedAt (switch), the audit entry; the same through the control API."""

from __future__ import annotations

from typing import Any

import pytest
from helpers.sandbox_client import Client, audit_entries, listed, searched, written_entries

from kustomer_sandbox import Sandbox, serve
from kustomer_sandbox.timefmt import parse_iso


def with_attachments(client: Client) -> dict[str, Any]:
    """A message with at least one attachment."""
    return next(
        m
        for m in listed(client, "/v1/messages")
        if len(m.get("relationships", {}).get("attachments", {}).get("data", [])) >= 1
    )


def included(client: Client, message_id: str) -> dict[str, bool]:
    """Attachment id -> redacted, as ``include=attachments`` shows them."""
    body = client.get(f"/v1/messages/{message_id}", include="attachments").json()
    return {a["id"]: a["attributes"]["redacted"] for a in body["included"]}


def test_redaction_through_the_api(fresh: Sandbox, fresh_client: Client) -> None:
    client = fresh_client
    msg = with_attachments(client)
    mid = msg["id"]
    att = msg["relationships"]["attachments"]["data"][0]["id"]
    assert included(client, mid)[att] is False
    r = client.post(
        f"/v1/messages/{mid}/redactions",
        {"preview": "(removed)", "attachments": [att], "meta": {"from": "x"}},
    )
    assert r.status_code == 201, r.text
    red = r.json()["data"]
    assert set(red) == {"type", "id", "attributes", "relationships", "links"}
    assert red["attributes"] == {"preview": "(removed)", "meta": {"from": "x"}}
    assert set(red["relationships"]) == {"org", "createdBy", "customer", "conversation"}
    assert (
        red["relationships"]["conversation"]["data"]["id"]
        == (msg["relationships"]["conversation"]["data"]["id"])
    )

    now = client.get(f"/v1/messages/{mid}").json()["data"]
    attrs = now["attributes"]
    assert attrs["redacted"] is True and attrs["preview"] == "(removed)"
    assert attrs["meta"] == {"from": "x"}
    # inferred default: the redaction leaves updatedAt (and rev) as they were
    assert attrs["updatedAt"] == msg["attributes"]["updatedAt"]
    assert attrs["rev"] == msg["attributes"]["rev"]
    shown = included(client, mid)
    assert shown[att] is True and all(not v for k, v in shown.items() if k != att)
    found = [r for archive in (False, True) for r in searched(client, "message", False, archive)]
    assert [r["attributes"]["redacted"] for r in found if r["id"] == mid] == [True]

    entry = written_entries(client)[0]
    # found the way a reader of redactions asks for it: message entries since a time
    assert audit_entries(client, objectType="message", start="2026-11-01") == [entry]
    a = entry["attributes"]
    assert a["eventName"] == "kustomer.message.update" and a["eventVerb"] == "update"
    assert a["objectType"] == "message" and a["objectId"] == mid
    assert a["changes"] == {
        "attributes": {"redacted": {"op": "replace", "before": False, "after": True}},
        "relationships": {},
    }
    assert parse_iso(a["expiresAt"]) - parse_iso(a["createdAt"]) == 90 * 86_400_000
    assert (
        entry["relationships"]["customer"]["data"]["id"]
        == (msg["relationships"]["customer"]["data"]["id"])
    )


def test_an_empty_body_puts_a_placeholder(fresh_client: Client) -> None:
    mid = listed(fresh_client, "/v1/messages")[5]["id"]
    r = fresh_client.http.post(f"{fresh_client.base}/v1/messages/{mid}/redactions", timeout=10)
    assert r.status_code == 201, r.text
    attrs = fresh_client.get(f"/v1/messages/{mid}").json()["data"]["attributes"]
    assert attrs["redacted"] is True and attrs["preview"] == "[redacted]"


@pytest.mark.parametrize(
    "body",
    [
        {"body": "not documented"},
        {"preview": 5},
        {"preview": "x" * 10_241},
        {"attachments": ["f" * 24]},
        {"attachments": "a"},
        {"meta": []},
        [],
    ],
)
def test_bad_redaction_bodies_are_400(fresh_client: Client, body: Any) -> None:
    mid = listed(fresh_client, "/v1/messages")[0]["id"]
    assert fresh_client.post(f"/v1/messages/{mid}/redactions", body).status_code == 400


def test_redaction_errors_and_roles(fresh: Sandbox, fresh_client: Client) -> None:
    mid = listed(fresh_client, "/v1/messages")[0]["id"]
    assert fresh_client.post(f"/v1/messages/{'f' * 24}/redactions", {}).status_code == 404
    assert fresh_client.get(f"/v1/messages/{mid}/redactions").status_code == 405
    roles = {"org.admin.message.write", "org.permission.message_redaction.create"}
    others = [r for r in fresh.control.roles() if r not in roles]
    assert (
        Client(fresh, fresh.control.create_token(others))
        .post(f"/v1/messages/{mid}/redactions", {})
        .status_code
        == 403
    )
    ok = Client(fresh, fresh.control.create_token(["org.permission.message_redaction.create"]))
    assert ok.post(f"/v1/messages/{mid}/redactions", {}).status_code == 201


@pytest.mark.parametrize("how", ["serve", "control"])
def test_redaction_touches_updated_at_when_switched_on(how: str) -> None:
    with serve(seed=5, scale=25, redaction_touches_updated_at=how == "serve") as sb:
        if how == "control":
            sb.control.set_behaviour(redaction_touches_updated_at=True)
        client = Client(sb)
        msg = listed(client, "/v1/messages")[3]
        out = sb.control.redact(msg["id"], preview="gone")
        assert out["attributes"]["preview"] == "gone"
        assert out["attributes"]["updatedAt"] > msg["attributes"]["updatedAt"]
        assert out["attributes"]["rev"] == msg["attributes"]["rev"] + 1
        assert client.get(f"/v1/messages/{msg['id']}").json()["data"] == out
        # moves are a separate switch
        assert sb.control.behaviour()["moves_touch_updated_at"] is False


def test_redaction_through_the_control_api(fresh_client: Client) -> None:
    msg = with_attachments(fresh_client)
    att = msg["relationships"]["attachments"]["data"][0]["id"]
    r = fresh_client.control(
        "POST", "/redactions", {"message": msg["id"], "attachments": [att], "preview": "p"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["data"]["attributes"]["redacted"] is True
    assert included(fresh_client, msg["id"])[att] is True
    assert written_entries(fresh_client)[0]["attributes"]["client"] == "kustomer-web"
    assert (
        fresh_client.control("POST", "/redactions", {"message": msg["id"], "x": 1}).status_code
        == 400
    )
    assert fresh_client.control("POST", "/redactions", {}).status_code == 400
