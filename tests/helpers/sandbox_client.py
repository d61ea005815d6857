"""HTTP client helper for the sandbox tests, and where a record can still be seen after it
left the org (lists, GET by id, both searches, ``included`` attachments, the audit log)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import requests

from kustomer_sandbox import Sandbox


class Client:
    """A ``requests`` session against one sandbox, with its token."""

    def __init__(self, sb: Sandbox, token: str | None = None) -> None:
        self.sb = sb
        self.base = sb.base_url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token or sb.token}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.base + path, params=params or None, timeout=30)

    def search(self, body: Any, **params: Any) -> requests.Response:
        return self.http.post(
            self.base + "/v1/customers/search", params=params or None, json=body, timeout=30
        )

    def archive(self, body: Any, **params: Any) -> requests.Response:
        """``POST /v1/customers/archive/search``."""
        return self.http.post(
            self.base + "/v1/customers/archive/search",
            params=params or None,
            json=body,
            timeout=30,
        )

    def post(self, path: str, body: Any = None, **params: Any) -> requests.Response:
        return self.http.post(self.base + path, params=params or None, json=body, timeout=30)

    def delete(self, path: str, **params: Any) -> requests.Response:
        return self.http.delete(self.base + path, params=params or None, timeout=30)

    def control(self, method: str, path: str, body: Any = None) -> requests.Response:
        """A request to the sandbox's control API (``/__sandbox<path>``, no token)."""
        return requests.request(method, self.base + "/__sandbox" + path, json=body, timeout=60)

    def follow(
        self, path: str, method: str = "GET", body: Any = None, **params: Any
    ) -> tuple[list[dict[str, Any]], int]:
        """Every record by following ``links.next``; returns (records, pages)."""
        url = self.base + path
        records: list[dict[str, Any]] = []
        pages = 0
        first = True
        while url:
            if method == "GET":
                r = self.http.get(url, params=params if first else None, timeout=30)
            else:
                r = self.http.post(url, params=params if first else None, json=body, timeout=30)
            assert r.status_code == 200, r.text
            first = False
            payload = r.json()
            records.extend(payload["data"])
            pages += 1
            nxt = payload["links"]["next"]
            assert nxt is None or nxt.startswith("/"), nxt
            url = self.base + nxt if nxt else ""
            assert pages < 10_000
        return records, pages


#: object -> (list path, search context)
OBJECTS = {
    "customers": ("/v1/customers", "customer"),
    "conversations": ("/v1/conversations", "conversation"),
    "messages": ("/v1/messages", "message"),
    "notes": ("/v1/notes", "note"),
    "companies": ("/v1/companies", "company"),
}


def listed(client: Client, path: str, **params: Any) -> list[dict[str, Any]]:
    return client.follow(path, pageSize=100, **params)[0]


def searched(
    client: Client, ctx: str, include_deleted: bool = False, archive: bool = False
) -> list[dict[str, Any]]:
    """Every record a search of the context finds (standard or archive)."""
    prefix = "kobject" if ctx.startswith("kobject") else ctx
    body = {
        "queryContext": ctx,
        "includeDeleted": include_deleted,
        "sort": [{f"{prefix}_updated_at": "asc"}],
    }
    path = "/v1/customers/archive/search" if archive else "/v1/customers/search"
    return client.follow(path, method="POST", body=body, pageSize=500)[0]


def places(client: Client, obj: str, rid: str) -> set[str]:
    """Where a record shows: list, get, search, search+deleted, archive, archive+deleted."""
    path, ctx = OBJECTS[obj]
    found = set()
    if rid in {r["id"] for r in listed(client, path)}:
        found.add("list")
    if client.get(f"{path}/{rid}").status_code == 200:
        found.add("get")
    for archive in (False, True):
        if archive and ctx == "note":  # the archive has no note context (documented)
            continue
        for deleted in (False, True):
            if rid in {r["id"] for r in searched(client, ctx, deleted, archive)}:
                found.add(("archive" if archive else "search") + ("+deleted" if deleted else ""))
    return found


def audit_entries(client: Client, **filters: str) -> list[dict[str, Any]]:
    """Every audit-log entry the API serves (optionally filtered)."""
    params = {f"filter[{k}]": v for k, v in filters.items()}
    return client.follow("/v1/audit-logs", count=1000, **params)[0]


def written_entries(client: Client, verb: str | None = None) -> list[dict[str, Any]]:
    """The entries the sandbox wrote (dated at or after the clock start)."""
    return [
        e
        for e in audit_entries(client)
        if e["attributes"]["createdAt"] >= "2026-11-01"
        and (verb is None or e["attributes"]["eventVerb"] == verb)
    ]


def rel(rec: dict[str, Any], name: str) -> str | None:
    data = (rec.get("relationships") or {}).get(name, {}).get("data")
    return data["id"] if isinstance(data, dict) else None


def busiest_customer(client: Client) -> tuple[str, list[dict[str, Any]]]:
    """A customer with the most conversations (that have messages), and those conversations."""
    convs = listed(client, "/v1/conversations")
    with_messages = {rel(m, "conversation") for m in listed(client, "/v1/messages")}
    counts = Counter(rel(c, "customer") for c in convs if c["id"] in with_messages)
    cust, _n = counts.most_common(1)[0]
    assert cust is not None
    return cust, [c for c in convs if rel(c, "customer") == cust]


def attachment_ids(client: Client) -> set[str]:
    """Every attachment ``GET /v1/messages?include=attachments`` side-loads."""
    out: set[str] = set()
    page = 1
    while True:
        body = client.get("/v1/messages", page=page, pageSize=100, include="attachments").json()
        out |= {a["id"] for a in body["included"]}
        if not body["links"]["next"]:
            return out
        page += 1
