"""How an object is read: list pages, single records, audit-log ranges and search windows.

Each reader yields pages of rows (lists of dicts), never single rows, so dlt handles a page at a
time and memory stays bounded whatever the size of the org.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from dlt.common import logger
from dlt.common.time import ensure_pendulum_datetime, to_py_datetime

from kustomer_source.catalog import KustomerObject
from kustomer_source.client import KustomerClient, KustomerError, list_data
from kustomer_source.rows import TRow, to_row
from kustomer_source.shapes import load_shapes

if TYPE_CHECKING:
    from kustomer_source.first_load import FirstLoadOptions
    from kustomer_source.seen import SeenSpan

SEARCH_PATH = "/v1/customers/search"
SEARCH_PAGE_SIZE = 500  # documented maximum for search
SEARCH_MAX_PAGES = 100  # documented hard limit of search paging
SEARCH_WINDOW_DAYS = 2 * 365  # standard search covers records updated in the last two years
TPage = list[TRow]


def rows_of(obj: KustomerObject, records: list[dict[str, Any]]) -> TPage:
    return [to_row(record, obj) for record in records]


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
    yield from _numbered_pages(client, obj, query, concurrency, last, in_flight)


def _more_pages(
    client: KustomerClient, obj: KustomerObject, body: Any, number: int, last: int | None
) -> bool:
    """Whether pages after page `number` (which held records) may hold more.

    `links.next` decides. A page without `links` says nothing, so the next page number is read
    and an empty page ends the list (or `meta.totalPages`, where the endpoint reports it). That
    is worth a warning except where Kustomer documents the body without `links` (auth roles).
    """
    if "links" in body:
        return client.next_link(obj.path, body) is not None
    if "links" in load_shapes()[obj.table].envelope.top:
        logger.warning(
            f"{obj.table}: page {number} came without `links`; reading on by page number"
        )
    return last is None or number < last


def _numbered_pages(
    client: KustomerClient,
    obj: KustomerObject,
    query: dict[str, Any],
    concurrency: int,
    last: int | None,
    in_flight: Callable[[], int] | None = None,
) -> Iterator[tuple[list[Any], Any]]:
    """Pages 2.. of a list, `concurrency` requests in flight, yielded in page order."""

    def fetch(number: int) -> Any:
        return client.get_json(obj.path, {**query, "page": number}, what=obj.table, page=number)

    pool = ThreadPoolExecutor(concurrency, thread_name_prefix=f"kustomer-{obj.table}")
    pending: deque[tuple[int, Future[Any]]] = deque()
    number = 2
    try:
        while True:
            allowed = max(1, min(concurrency, in_flight())) if in_flight else concurrency
            while len(pending) < allowed and (last is None or number <= last):
                pending.append((number, pool.submit(fetch, number)))
                number += 1
            if not pending:
                return
            page, future = pending.popleft()
            body = future.result()
            data = list_data(body, f"page {page} of {obj.table}")
            if data:
                yield data, body
            if not data or not _more_pages(client, obj, body, page, last):
                return
    finally:
        for _, future in pending:
            future.cancel()
        pool.shutdown(wait=True)


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


@dataclass(frozen=True)
class Probe:
    """What one search request tells before a search-synced object is read."""

    newest: str | None  # updatedAt of the most recently changed record in range (None: none)
    total: int | None  # records changed in range, from the response's `meta.total`
    server_now: datetime  # the server's time (`Date` header), the local clock if it sends none


def probe_changes(
    client: KustomerClient, obj: KustomerObject, start: str | None, end: str | None
) -> Probe:
    """One search page of one record, newest first, over the records changed in [start, end)."""
    window = SearchWindow(client, obj, None, end)
    found, response = window.first([("gte", start)] if start else [], "desc")
    records = found.get("data") or []
    total = (found.get("meta") or {}).get("total")
    return Probe(
        newest=_updated(records[0]) if records else None,
        total=total if isinstance(total, int) else None,
        server_now=server_time(response),
    )


def server_time(response: Any) -> datetime:
    """The server's time from a response's `Date` header (whole seconds), the local clock if it
    sends none."""
    try:
        return parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError):
        return datetime.now(timezone.utc)


def oldest_change_after(
    client: KustomerClient, obj: KustomerObject, start: str, end: str | None
) -> str | None:
    """The updatedAt of the oldest record changed after `start` (and before `end`)."""
    found, _ = SearchWindow(client, obj, None, end).first([("gt", start)], "asc")
    records = found.get("data") or []
    return _updated(records[0]) if records else None


def search_floor(server_now: datetime) -> str:
    """The oldest updatedAt that standard search surely covers: it sees the last two years
    (Kustomer's search docs); a day of margin absorbs clock skew."""
    return api_time(server_now - timedelta(days=SEARCH_WINDOW_DAYS - 1))


def api_time(value: datetime) -> str:
    """A datetime as the API writes times: UTC, milliseconds, `Z`."""
    utc = value.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_api_time(value: str) -> datetime:
    """An API time as a standard-library datetime (dlt's parser; stdlib arithmetic)."""
    return to_py_datetime(ensure_pendulum_datetime(value))


class SearchWindow:
    """Reads the records of one search context changed in [start, end), oldest first.

    Keyset paging: every request is page 1 of `updated_at >= cursor`, so the 100-page cap never
    applies and records updated mid-run move ahead of the cursor instead of shifting pages. When a
    whole page shares one updatedAt (a bulk import), that instant is paged apart on its own and the
    scan resumes with `updated_at > instant`. Records already seen at the cursor instant are
    skipped, so the only state is the set of ids at one instant.
    """

    def __init__(
        self,
        client: KustomerClient,
        obj: KustomerObject,
        start: str | None,
        end: str | None,
        page_size: int = SEARCH_PAGE_SIZE,
        start_op: str = "gte",
    ) -> None:
        self.client, self.obj = client, obj
        self.start, self.end = start, end
        self.start_op = start_op  # "gt": the window starts just after `start`
        self.page_size = min(page_size, SEARCH_PAGE_SIZE)
        self.field = f"{obj.search_prefix}_updated_at"

    def body(self, criteria: list[dict[str, Any]]) -> dict[str, Any]:
        if self.end:
            criteria = [*criteria, {self.field: {"lt": self.end}}]
        return {
            "queryContext": self.obj.search_context,
            "and": criteria,
            "sort": [{self.field: "asc"}],
            "includeDeleted": True,
        }

    def first(self, bounds: list[tuple[str, str]], order: str) -> tuple[Any, Any]:
        """One record, sorted `order` on updatedAt, of those within `bounds` (`(op, time)`
        pairs) and this window's end: the parsed body and the response."""
        body = self.body([{self.field: {op: at}} for op, at in bounds])
        body["sort"] = [{self.field: order}]
        return self.client.post(
            SEARCH_PATH, body, {"page": 1, "pageSize": 1}, f"{self.obj.table} search"
        )

    def query(self, criteria: list[dict[str, Any]], page: int = 1) -> tuple[list[Any], bool]:
        """One search page: its records and whether `links.next` says more follow."""
        records, has_next, _ = self.answer(criteria, page)
        return records, has_next

    def answer(self, criteria: list[dict[str, Any]], page: int = 1) -> tuple[list[Any], bool, Any]:
        """`query`, and the response it came in."""
        params = {"page": page, "pageSize": self.page_size}
        body, response = self.client.post(
            SEARCH_PATH, self.body(criteria), params, f"{self.obj.table} search"
        )
        records = list_data(body, f"a {self.obj.table} search page")
        if "links" not in body:  # undocumented: a full page may be followed by more
            return records, len(records) >= self.page_size, response
        has_next = bool((body.get("links") or {}).get("next")) and bool(records)
        return records, has_next, response

    def __iter__(self) -> Iterator[TPage]:
        cursor, op = self.start, self.start_op
        seen_at_cursor: set[str] = set()
        while True:
            criteria = [{self.field: {op: cursor}}] if cursor else []
            records, has_next = self.query(criteria)
            fresh = [
                r for r in records if not (_updated(r) == cursor and r.get("id") in seen_at_cursor)
            ]
            if fresh:
                yield rows_of(self.obj, fresh)
            if not has_next or len(records) < self.page_size:
                return
            first, last = _updated(records[0]), _updated(records[-1])
            if first == last and last is not None:
                yield from self.instant(last, already=seen_at_cursor | _ids(records))
                cursor, op, seen_at_cursor = last, "gt", set()
            else:
                if last != cursor:
                    seen_at_cursor = set()
                seen_at_cursor |= {r["id"] for r in records if _updated(r) == last}
                cursor, op = last, "gte"

    def instant(self, at: str, already: set[str]) -> Iterator[TPage]:
        """All records whose updatedAt is exactly `at`, paged by number (at most 100 pages)."""
        criteria = [{self.field: {"gte": at}}, {self.field: {"lte": at}}]
        page = 1
        while True:
            records, has_next = self.query(criteria, page)
            fresh = [r for r in records if r.get("id") not in already]
            if fresh:
                yield rows_of(self.obj, fresh)
            if not has_next:
                return
            if page >= SEARCH_MAX_PAGES:
                raise KustomerError(
                    f"More than {SEARCH_MAX_PAGES * self.page_size} {self.obj.table} share "
                    f"updatedAt {at}; Kustomer search cannot page past {SEARCH_MAX_PAGES} pages"
                )
            page += 1


def _updated(record: dict[str, Any]) -> str | None:
    return (record.get("attributes") or {}).get("updatedAt")


def _ids(records: list[dict[str, Any]]) -> set[str]:
    return {r["id"] for r in records if r.get("id")}


def split_range(oldest: str, newest: str, parts: int) -> list[str]:
    """Up to `parts - 1` instants cutting [oldest, newest] into spans of equal length."""
    lo, hi = parse_api_time(oldest), parse_api_time(newest)
    step = (hi - lo) / parts
    cuts = {api_time(lo + step * i) for i in range(1, parts)}
    return sorted(cut for cut in cuts if lo < parse_api_time(cut) <= hi)


def read_changes(
    client: KustomerClient,
    obj: KustomerObject,
    start: str,
    end: str | None,
    probe: Probe,
    page_size: int,
    concurrency: int = 1,
) -> Iterator[TPage]:
    """The records changed in [start, end) through search, in up to `concurrency` time windows
    read side by side when the probe counts more than two pages of changes.

    The windows cut the span from the oldest change after `start` (one more search request) to
    the newest into equal lengths; the first window still starts at `start` and the last one stays
    open up to `end`, so records changed during the run still arrive. Each window is its own
    keyset scan, and the shared limiter keeps all of them within the search budget.
    """
    size = min(page_size, SEARCH_PAGE_SIZE)
    pages = -(-(probe.total or 0) // size)
    oldest = None
    if concurrency > 1 and pages > 2 and probe.newest is not None:
        oldest = oldest_change_after(client, obj, start, end)
    if oldest is None or probe.newest is None:
        yield from SearchWindow(client, obj, start, end, size)
        return
    cuts = split_range(oldest, probe.newest, min(concurrency, pages))
    bounds = [start, *cuts]
    windows = [
        SearchWindow(client, obj, lo, hi, size) for lo, hi in zip(bounds, [*cuts, end], strict=True)
    ]
    logger.info(f"{obj.table}: reading {probe.total} changes in {len(windows)} search windows")
    yield from side_by_side(windows)


def side_by_side(sources: Sequence[Iterable[TPage]], buffered: int = 4) -> Iterator[TPage]:
    """The pages of several readers, each drained in its own thread, in the order they arrive.

    At most `buffered` pages wait at a time (memory stays bounded); the first error stops the
    other readers and is raised here. Each reader that is a generator is closed when it stops,
    so its `finally` runs before this returns (a first load's list settles its window there,
    which is what a spare search scan waits for).
    """
    arrived: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=buffered)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                arrived.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def drain(source: Iterable[TPage]) -> None:
        try:
            for page in source:
                if not put("page", page):
                    return
            put("done", None)
        except BaseException as exc:  # handed to the consumer, raised there
            put("error", exc)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    threads = [
        threading.Thread(target=drain, args=(source,), name="kustomer-search", daemon=True)
        for source in sources
    ]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            kind, value = arrived.get()
            if kind == "page":
                yield value
            elif kind == "done":
                running -= 1
            else:
                raise value
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def read_search_object(
    client: KustomerClient,
    obj: KustomerObject,
    start: str | None,
    end: str | None,
    list_page_size: int,
    search_page_size: int,
    list_concurrency: int = 1,
    search_concurrency: int = 1,
    first_load: FirstLoadOptions | None = None,
    seen: SeenSpan | None = None,
    unchanged: list[bool] | None = None,
) -> Iterator[TPage]:
    """A search-synced object: the records changed in [start, end).

    On an incremental run, `seen` is what the previous run loaded in the span it starts from:
    when search counts exactly that, its crowded instants are counted rather than re-read, and
    `unchanged` gets True appended (see `kustomer_source.seen`).

    Search only sees the last two years, so when `start` is older than that (or absent, on a first
    full load) the list endpoint and search read it side by side (`first_load.read_first_load`),
    and then a search picks up everything changed while they were being read.
    """
    # first_load builds on this module's readers, so it is imported here, not at the top
    from kustomer_source import first_load as split

    options = first_load or split.FirstLoadOptions(
        list_page_size=list_page_size,
        search_page_size=search_page_size,
        list_concurrency=list_concurrency,
    )
    if start is None and end is None and options.split:
        # a plain first load: its first search page stands in for the probe
        yield from split.read_first_load(client, obj, None, None, None, options)
        return
    if split.reaches_past_search(start, None):
        probe: Probe | None = split.probe_unless_refused(client, obj, start, end)
        if probe is None:
            yield from split.read_unsearched(client, obj, options)
            return
    else:
        probe = probe_changes(client, obj, start, end)
    if split.reaches_past_search(start, probe):
        yield from split.read_first_load(client, obj, start, end, probe, options)
        return
    # only a run that reaches past search has no start or tolerates a refused search
    assert probe is not None and start is not None
    if seen is not None and end is None and seen.ties and seen.start == start:
        from kustomer_source.seen import read_span_checked

        yield from read_span_checked(
            client, obj, start, probe, seen, search_page_size, search_concurrency, unchanged
        )
        return
    yield from read_changes(client, obj, start, end, probe, search_page_size, search_concurrency)
