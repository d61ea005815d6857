"""HTTP client helper for the sandbox tests."""

from __future__ import annotations

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
