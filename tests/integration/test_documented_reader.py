"""A Kustomer client written only from Kustomer's documentation reads the sandbox.

The reader below uses none of the source's code and none of the sandbox's: only `requests` and
what Kustomer's developer documentation says (paths, `Authorization: Bearer`, `page`/`pageSize`
with `links.next`, the audit log's `count` and cursor links, JSON:API records whose
`relationships` hold `data` references or `links`). Like the clients written against Kustomer,
it starts with `GET /v1/users/current` and reads `relationships` on every record that documents
them, then follows the references it found.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

import requests

from kustomer_sandbox import Sandbox

#: the 48 objects' documented read paths (developer site, Core Resources OAS)
PATHS: dict[str, str] = {
    "apps": "/v1/apps",
    "audit_logs": "/v1/audit-logs",
    "auth_customer_settings": "/v1/auth/customer/settings",
    "auth_roles": "/v1/auth/roles",
    "auth_tokens": "/v1/auth/tokens",
    "brands": "/v1/brands",
    "cards": "/v1/cards",
    "categories": "/v1/kb/categories",
    "chat_settings": "/v1/chat/settings",
    "companies": "/v1/companies",
    "conversations": "/v1/conversations",
    "customers": "/v1/customers",
    "customers_searches": "/v1/customers/searches",
    "customers_searches_pinned": "/v1/customers/searches/pinned",
    "customers_searches_positions": "/v1/customers/searches/positions",
    "hooks_email": "/v1/hooks/email",
    "hooks_web": "/v1/hooks/web",
    "kb_articles": "/v1/kb/articles",
    "kb_forms": "/v1/kb/forms",
    "kb_routes": "/v1/kb/routes",
    "kb_tags": "/v3/kb/tags",
    "kb_templates": "/v3/kb/templates",
    "kb_themes": "/v3/kb/themes",
    "klasses": "/v1/klasses",
    "kviews": "/v1/kviews",
    "messages": "/v1/messages",
    "notes": "/v1/notes",
    "notifications": "/v1/notifications",
    "outbound_accounts": "/v1/outboundAccounts",
    "outbound_webhooks": "/v1/outbound-webhooks",
    "outbound_webhooks_events": "/v1/outbound-webhooks/events",
    "outbound_webhooks_transactions": "/v1/outbound-webhooks/transactions",
    "routing_queue_rules": "/v1/routing/queue-rules",
    "routing_queues": "/v1/routing/queues",
    "routing_settings": "/v1/routing/settings",
    "routing_statuses": "/v1/routing/statuses",
    "routing_work_items": "/v1/routing/work-items",
    "routing_work_sessions": "/v1/routing/work-sessions",
    "satisfaction": "/v1/satisfaction",
    "schedules": "/v1/schedules",
    "settings": "/v1/settings",
    "shortcuts": "/v1/shortcuts",
    "shortcuts_categories": "/v1/shortcuts/categories",
    "snippets": "/v1/snippets",
    "snoozes": "/v1/snoozes",
    "spam_senders": "/v1/spam/senders",
    "teams": "/v1/teams",
    "users": "/v1/users",
}
#: documented as one object, not a list
SINGLE = {
    "auth_customer_settings",
    "chat_settings",
    "customers_searches_positions",
    "outbound_webhooks_events",
}
#: documented without paging links: read page numbers until an empty page
NUMBERED = {"auth_roles", "outbound_accounts"}
#: documented records without a `relationships` key
NO_RELATIONSHIPS = {"auth_roles", "outbound_accounts"}
#: a relationship's target type -> the object whose records it names
TARGETS = {
    "user": "users",
    "team": "teams",
    "customer": "customers",
    "conversation": "conversations",
    "company": "companies",
    "brand": "brands",
    "queue": "routing_queues",
}


class DocumentedReader:
    """Reads a Kustomer org the way the documentation describes."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.base = base_url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {api_key}"

    def get(self, path_or_url: str, **params: Any) -> dict[str, Any]:
        response = self.http.get(urljoin(self.base, path_or_url), params=params or None, timeout=30)
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def current_user(self) -> dict[str, Any]:
        user: dict[str, Any] = self.get("/v1/users/current")["data"]
        return user

    def records(self, obj: str) -> Iterator[dict[str, Any]]:
        path = PATHS[obj]
        if obj in SINGLE:
            yield self.get(path)["data"]
            return
        if obj in NUMBERED:
            page = 1
            while data := self.get(path, page=page, pageSize=100)["data"]:
                yield from data
                page += 1
            return
        body = self.get(path, count=500) if obj == "audit_logs" else self.get(path, pageSize=100)
        while True:
            yield from body["data"]
            nxt = body["links"]["next"]
            if not nxt:
                return
            body = self.get(nxt)

    @staticmethod
    def references(record: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
        """(relationship, target type, id) of every `data` reference of a record."""
        for name, rel in record["relationships"].items():
            data = rel if isinstance(rel, list) else rel.get("data")
            for ref in data if isinstance(data, list) else [data]:
                if ref is not None:
                    yield name, ref["type"], ref["id"]


def test_a_reader_written_from_the_documentation(sandbox: Sandbox) -> None:
    reader = DocumentedReader(sandbox.base_url, sandbox.token)
    me = reader.current_user()
    assert me["type"] == "user"
    org_id = me["relationships"]["org"]["data"]["id"]
    seen: dict[str, set[str]] = {}
    references: list[tuple[str, str, str, str]] = []
    for obj in PATHS:
        records = list(reader.records(obj))
        assert records, obj
        if obj not in SINGLE:
            assert len(records) == sandbox.control.count(obj), obj
        seen[obj] = {r["id"] for r in records if "id" in r}
        for record in records:
            if obj in NO_RELATIONSHIPS:
                continue
            for name, typ, ref in reader.references(record):
                references.append((obj, name, typ, ref))
                if typ == "org":
                    assert ref == org_id, (obj, record.get("id"))
    assert me["id"] in seen["users"]
    followed = 0
    for obj, name, typ, ref in references:
        if typ in TARGETS:
            assert ref in seen[TARGETS[typ]], f"{obj}.{name} names a {typ} the org lacks: {ref}"
            followed += 1
    assert followed > 1000
    # the documented side-load: a message page with its attachments
    body = reader.get("/v1/messages", pageSize=100, include="attachments")
    named = {
        ref for m in body["data"] for _, typ, ref in reader.references(m) if typ == "attachment"
    }
    assert named and {a["id"] for a in body["included"]} == named
