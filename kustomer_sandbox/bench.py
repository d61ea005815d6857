"""``python -m kustomer_sandbox.bench``: how fast the sandbox serves records.

Measures serialized records per second for search pages of 500 and list pages of 100,
in process (generation + serialization) and over HTTP on loopback (one client thread,
body read but not parsed).
"""

from __future__ import annotations

import argparse
import time

import requests

from . import search, serve
from .engine import Engine

OBJECTS = ("messages", "conversations", "customers", "notes")
CONTEXT = {
    "messages": "message",
    "conversations": "conversation",
    "customers": "customer",
    "notes": "note",
}


def in_process(engine: Engine, obj: str, pages: int, page_size: int) -> float:
    """Records/s of search pages (generation + JSON) without HTTP."""
    q = search.parse_query(
        {"queryContext": CONTEXT[obj], "sort": [{f"{CONTEXT[obj]}_updated_at": "asc"}]}
    )
    t0 = time.perf_counter()
    n = 0
    for p in range(pages):
        texts, _ = search.run(engine.store, q, (10 + p) * page_size, page_size)
        n += len(texts)
    return n / (time.perf_counter() - t0)


def over_http(
    base: str, token: str, obj: str, pages: int, page_size: int, use_search: bool
) -> float:
    """Records/s over HTTP (search pages, or list pages of the object's maximum)."""
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {token}"
    path = {
        "messages": "/v1/messages",
        "conversations": "/v1/conversations",
        "customers": "/v1/customers",
        "notes": "/v1/notes",
    }[obj]
    body = {"queryContext": CONTEXT[obj], "sort": [{f"{CONTEXT[obj]}_updated_at": "asc"}]}
    t0 = time.perf_counter()
    n = 0
    for p in range(pages):
        params = {"page": 10 + p, "pageSize": page_size}
        if use_search:
            r = s.post(base + "/v1/customers/search", params=params, json=body, timeout=60)
        else:
            r = s.get(base + path, params=params, timeout=60)
        r.raise_for_status()
        n += r.content.count(b'"links":{"self":"' + path.encode())
    return n / (time.perf_counter() - t0)


def main() -> None:
    """Print the figures."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--scale", type=int, default=250_000)
    p.add_argument("--pages", type=int, default=20)
    a = p.parse_args()
    t0 = time.perf_counter()
    with serve(scale=a.scale) as sb:
        print(
            f"scale={a.scale}: started in {time.perf_counter() - t0:.2f} s, "
            f"{sb.control.count('messages')} messages"
        )
        for obj in OBJECTS:
            rp = in_process(sb.engine, obj, a.pages, 500)
            hs = over_http(sb.base_url, sb.token, obj, a.pages, 500, use_search=True)
            hl = over_http(sb.base_url, sb.token, obj, a.pages * 5, 100, use_search=False)
            print(
                f"{obj:14s} in-process search/500: {rp:8.0f} rec/s   HTTP search/500: "
                f"{hs:8.0f} rec/s   HTTP list/100: {hl:8.0f} rec/s"
            )


if __name__ == "__main__":
    main()
