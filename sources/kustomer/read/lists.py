"""Reading list endpoints: pages of `page`/`pageSize` lists (numbered pages in flight side by
side), single-record endpoints and audit-log ranges.

Each reader yields pages of rows (lists of dicts), never single rows, so dlt handles a page at a
time and memory stays bounded whatever the size of the org.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from dlt.common import logger

from ..api.client import KustomerClient, list_data, more_pages
from ..api.errors import KustomerError, KustomerNotFoundError, KustomerResponseError
from ..catalog.objects import KustomerObject
from ..catalog.shapes import load_shapes
from ..rows import TPage, rows_of


def read_list(
    client: KustomerClient,
    obj: KustomerObject,
    page_size: int,
    concurrency: int = 1,
    in_flight: Callable[[], int] | None = None,
) -> Iterator[TPage]:
    """Every record of a `page`/`pageSize` list endpoint, as rows (see `list_pages`)."""
    if concurrency <= 1:
        size = min(page_size, obj.page_size)
        for page in client.pages(obj.path, params={"pageSize": size}, what=obj.table):
            yield rows_of(obj, page)
        return
    for data, _ in list_pages(client, obj, page_size, concurrency, in_flight):
        yield rows_of(obj, data)


def list_pages(
    client: KustomerClient,
    obj: KustomerObject,
    page_size: int,
    concurrency: int,
    in_flight: Callable[[], int] | None = None,
    params: dict[str, Any] | None = None,
) -> Iterator[tuple[list[Any], Any]]:
    """Each page of a list endpoint as its `data` and its whole body (`params`: more query).

    It reads page 1, then keeps up to `concurrency` numbered pages in flight (pages are
    documented as numbered from 1), yields them in order and stops at the first empty page or
    page whose `links.next` is null; the shared rate limiter still paces every request.
    `in_flight`, asked before each request, can lower the number in flight (a reader about to
    stop wastes fewer pages).
    """
    size = min(page_size, obj.page_size)
    query = {**(params or {}), "pageSize": size}
    first = client.get_json(obj.path, {**query, "page": 1}, what=obj.table, page=1)
    data = list_data(first, f"page 1 of {obj.table}")
    yield data, first
    total = (first.get("meta") or {}).get("totalPages")
    last = int(total) if isinstance(total, int) else None
    if not data or not _more_pages(client, obj, first, 1, last):
        return
    promised = more_pages(first) is not None or last is not None
    yield from _numbered_pages(client, obj, query, concurrency, last, in_flight, promised=promised)


def _more_pages(
    client: KustomerClient, obj: KustomerObject, body: Any, number: int, last: int | None
) -> bool:
    """Whether pages after page `number` (which held records) may hold more.

    `links.next` decides (`more_pages`, checked to stay on the host). A page without `links`
    says nothing, so the next page number is read and an empty page ends the list (or
    `meta.totalPages`, where the endpoint reports it). That is worth a warning except where
    Kustomer documents the body without `links` (auth roles).
    """
    if more_pages(body) is not None:
        return client.next_link(obj.path, body) is not None
    if "links" in load_shapes()[obj.table].envelope.top:
        logger.warning(
            f"{obj.table}: page {number} came without `links`; reading on by page number"
        )
    return last is None or number < last


def page_range(
    client: KustomerClient,
    obj: KustomerObject,
    page_size: int,
    concurrency: int,
    first: int,
    count: int,
) -> Iterator[list[Any]]:
    """Pages [first, first + count) of a list endpoint, each page's `data`, `concurrency`
    requests in flight; fewer where the list ends before."""
    query = {"pageSize": min(page_size, obj.page_size)}
    upto = first + count - 1
    pages = _numbered_pages(client, obj, query, concurrency, None, first=first, upto=upto)
    try:
        for data, _ in pages:
            yield data
    finally:
        pages.close()  # a reader that stops early cancels the pages in flight


def _numbered_pages(
    client: KustomerClient,
    obj: KustomerObject,
    query: dict[str, Any],
    concurrency: int,
    last: int | None,
    in_flight: Callable[[], int] | None = None,
    first: int = 2,
    upto: int | None = None,
    promised: bool = False,
) -> Generator[tuple[list[Any], Any], None, None]:
    """Pages `first`.. of a list (up to page `upto`), `concurrency` requests in flight, yielded
    in page order.

    `promised`: whether the page before `first` said page `first` follows (its `links.next`, or
    `meta.totalPages`). *Inferred*: a real org may answer a page past a list's end 404 instead
    of an empty page. So a 404 for a page nothing promised (after a page without `links`, or the
    first page of a range that starts past the end) ends the list, unless a page after it holds
    records; a 404 for page 1, for a promised page or for a page before one with records stops
    the run (the list broke off). Pages in flight past a page that ended the list are never
    read, whatever they answer.
    """

    def fetch(number: int) -> Any:
        # no `page` for the error translation: a 404 comes back as KustomerNotFoundError for
        # any page, and is judged below
        return client.get_json(obj.path, {**query, "page": number}, what=obj.table)

    pool = ThreadPoolExecutor(concurrency, thread_name_prefix=f"kustomer-{obj.table}")
    pending: deque[tuple[int, Future[Any]]] = deque()
    number = first
    # without `meta.totalPages` the end is unknown: pages in flight double from 2 as pages keep
    # coming, so a short list asks few pages past its end (a real org may answer them 404)
    ramp = concurrency if last is not None else 2
    try:
        while True:
            allowed = max(1, min(concurrency, in_flight())) if in_flight else concurrency
            allowed = min(allowed, ramp)
            while (
                len(pending) < allowed
                and (last is None or number <= last)
                and (upto is None or number <= upto)
            ):
                pending.append((number, pool.submit(fetch, number)))
                number += 1
            if not pending:
                return
            page, future = pending.popleft()
            try:
                body = future.result()
            except KustomerNotFoundError:
                if page == 1:
                    raise
                if promised:
                    raise _broke_off(obj, page, f"after page {page - 1} said it follows") from None
                later = _page_with_records(pending or [(page + 1, pool.submit(fetch, page + 1))])
                if later is not None:
                    raise _broke_off(obj, page, f"while page {later} holds records") from None
                logger.info(f"{obj.table}: page {page} answered 404, past the list's end")
                return
            ramp = min(concurrency, ramp * 2)
            data = list_data(body, f"page {page} of {obj.table}")
            if data:
                yield data, body
            if not data or not _more_pages(client, obj, body, page, last):
                return
            promised = more_pages(body) is not None or last is not None
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True)


def _page_with_records(pages: Iterable[tuple[int, Future[Any]]]) -> int | None:
    """The first of these pages (number, request) that answers records, or None."""
    for number, future in pages:
        try:
            body = future.result()
        except KustomerError:
            continue
        if isinstance(body, dict) and isinstance(body.get("data"), list) and body["data"]:
            return number
    return None


def _broke_off(obj: KustomerObject, page: int, why: str) -> KustomerResponseError:
    return KustomerResponseError(
        f"Kustomer answered 404 for page {page} of {obj.table} {why}: the list broke off, so "
        "the source cannot tell which records the rest of it holds"
    )


def read_single(client: KustomerClient, obj: KustomerObject) -> Iterator[TPage]:
    """The one record of a settings-like endpoint."""
    body = client.get_json(obj.path, what=obj.table)
    data = body.get("data") if isinstance(body, dict) else None
    records = data if isinstance(data, list) else [data] if data else []
    yield rows_of(obj, records)


def read_audit_logs(
    client: KustomerClient, obj: KustomerObject, start: str | None, end: str | None
) -> Iterator[TPage]:
    """Audit-log entries created in [start, end), paged by the log's own cursor links."""
    params: dict[str, Any] = {"count": obj.page_size}
    if start:
        params["filter[start]"] = start
    if end:
        params["filter[end]"] = end
    for page in client.pages(obj.path, params=params, what=obj.table):
        yield rows_of(obj, page)
