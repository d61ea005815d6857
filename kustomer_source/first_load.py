"""The first load of a search-synced object (and a bounded backfill that reaches past search's
window): two disjoint parts read side by side, each on its own rate budget.

Search sees only records updated in the last two years, and a record's `createdAt` is never later
than its `updatedAt`, so every record *created* after `search_floor` is searchable. The object is
cut by `createdAt` at that floor:

- records created before it come from the list endpoint (org budget, 100 a page): ascending pages
  from page 1, stopping once the records are created inside the window;
- records created inside it come from search (search budget, 500 a page): the keyset scan of
  `SearchWindow` with a `<ctx>_created_at` range.

The window's part is cut further into spans of `createdAt` of about `SPAN_PAGES` search pages
each. Search takes spans from the newest end, the list from the oldest end once it has passed the
floor, so whichever budget has time left takes more of the window and both stay busy until the
parts meet. After both parts, one search for everything updated since the run began (as the
list-only first load always did) brings the records changed or created while they were read.

What the documentation says and what is inferred:
- `<ctx>_created_at` criteria with `gte`/`lt` and full UTC timestamps are documented for
  customer, conversation, message and note (search's standard attributes and its date-filter
  examples); *inferred* for company, whose `company_updated_at` this source already relies on.
- List order: the documentation offers only `sort=desc` on conversations and messages (by id,
  per AWS Glue), so the default order is *inferred* to be ascending id. Ids are ObjectIds that
  start with the creation second, so id order follows `createdAt` only to the second, and a record
  imported with a back-dated `createdAt` sits where it was imported. The list therefore reads on
  for `list_cut_slack_s` of `createdAt` past its cut and keeps what it finds before the cut;
  `first_load_split=False` reads the lists whole, as before, for orgs with back-dated imports.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from dlt.common import logger

from kustomer_source.catalog import KustomerObject
from kustomer_source.client import KustomerAuthError, KustomerClient, KustomerPermissionError
from kustomer_source.sync import (
    SEARCH_PAGE_SIZE,
    Probe,
    SearchWindow,
    TPage,
    api_time,
    parse_api_time,
    probe_changes,
    read_list,
    rows_of,
    search_floor,
    side_by_side,
    split_range,
)

SPAN_PAGES = 8  # search pages in one span of the window's part (a span's last page is partial)
MAX_SPANS = 64
SEARCH_SCANS = 2  # spans of one object searched at once, so one slow response idles nothing


@dataclass(frozen=True)
class FirstLoadOptions:
    """The settings of a first load (see `kustomer_source` for their meaning)."""

    split: bool = True
    list_cut_slack_s: int = 3600
    list_page_size: int = 100
    search_page_size: int = SEARCH_PAGE_SIZE
    list_concurrency: int = 8
    search_scans: int = SEARCH_SCANS


@dataclass(frozen=True)
class Span:
    """Records created in [lo, hi); `hi` None stays open (records created during the run)."""

    lo: str
    hi: str | None


class Claims:
    """The spans of the window's part not yet taken: the list takes the oldest, search the
    newest, so the two parts stay disjoint and meet wherever the budgets bring them."""

    def __init__(self, spans: list[Span]) -> None:
        self._spans = deque(spans)
        self._lock = threading.Lock()

    def oldest(self) -> Span | None:
        with self._lock:
            return self._spans.popleft() if self._spans else None

    def newest(self) -> Span | None:
        with self._lock:
            return self._spans.pop() if self._spans else None


class CreatedSearchWindow(SearchWindow):
    """A `SearchWindow` over the records created in one span."""

    def __init__(
        self,
        client: KustomerClient,
        obj: KustomerObject,
        start: str | None,
        end: str | None,
        span: Span,
        page_size: int = SEARCH_PAGE_SIZE,
    ) -> None:
        super().__init__(client, obj, start, end, page_size)
        self.span = span
        self.created = f"{obj.search_context}_created_at"

    def body(self, criteria: list[dict[str, Any]]) -> dict[str, Any]:
        bounds = [{self.created: {"gte": self.span.lo}}]
        if self.span.hi is not None:
            bounds.append({self.created: {"lt": self.span.hi}})
        return super().body([*criteria, *bounds])


def probe_unless_refused(
    client: KustomerClient, obj: KustomerObject, start: str | None, end: str | None
) -> Probe | None:
    """The run's first search (`probe_changes`), or None when the key may not search: a 403, or a
    401 while the key itself is accepted (a missing role)."""
    try:
        return probe_changes(client, obj, start, end)
    except KustomerPermissionError:
        return None
    except KustomerAuthError:
        if client.key_is_valid():
            return None
        raise


def reaches_past_search(start: str | None, probe: Probe | None) -> bool:
    """Whether a run from `start` needs records older than search's window (a first load, or a
    backfill from before the window); without a probe the local clock stands in for the server's."""
    if start is None:
        return True
    now = probe.server_now if probe else datetime.now(timezone.utc)
    return start < search_floor(now)


def read_first_load(
    client: KustomerClient,
    obj: KustomerObject,
    start: str | None,
    end: str | None,
    probe: Probe | None,
    options: FirstLoadOptions,
) -> Iterator[TPage]:
    """Every record of the object changed in [start, end) (dlt's incremental keeps the range):
    the list and search parts side by side, then the records changed while they were read.
    `probe` None (search refused) reads the list whole."""
    if probe is None:
        logger.warning(
            f"{obj.table}: the API key may not search (it lacks org.permission.search.create); "
            f"reading {obj.path} whole"
        )
        yield from read_list(client, obj, options.list_page_size, options.list_concurrency)
        return
    if not options.split:
        logger.info(f"{obj.table}: reading {obj.path} whole (first_load_split is off)")
        yield from read_list(client, obj, options.list_page_size, options.list_concurrency)
    else:
        floor = search_floor(probe.server_now)
        cut = floor if end is None or end > floor else end
        # records changed before `end` were created before it: a range that ends before the
        # window needs no search part, and its list stops at `end`
        spans = window_spans(client, obj, start, end, floor, probe, options) if cut == floor else []
        claims = Claims(spans)
        scans = min(options.search_scans, len(spans))
        logger.info(
            f"{obj.table}: created before {cut} from {obj.path}, after it through search "
            f"({len(spans)} spans)"
        )
        readers = [
            list_part(client, obj, cut, claims, options),
            *(search_part(client, obj, start, end, claims, options) for _ in range(scans)),
        ]
        yield from side_by_side(readers)
    if probe.newest is not None:
        yield from SearchWindow(client, obj, probe.newest, end, options.search_page_size)


def window_spans(
    client: KustomerClient,
    obj: KustomerObject,
    start: str | None,
    end: str | None,
    floor: str,
    probe: Probe,
    options: FirstLoadOptions,
) -> list[Span]:
    """The window's part cut into spans of equal time, about `SPAN_PAGES` search pages each by
    the count of one search request (equal times hold equal counts only for an even pace)."""
    counter = CreatedSearchWindow(client, obj, None, end, Span(floor, None))
    found, _ = counter.first([("gte", start)] if start else [], "desc")
    total = (found.get("meta") or {}).get("total")
    per_span = SPAN_PAGES * min(options.search_page_size, SEARCH_PAGE_SIZE)
    count = -(-total // per_span) if isinstance(total, int) else 1
    newest = api_time(probe.server_now)
    cuts = split_range(floor, newest, min(max(count, 1), MAX_SPANS)) if newest > floor else []
    bounds = [floor, *cuts]
    return [Span(lo, hi) for lo, hi in zip(bounds, [*cuts, None], strict=True)]


def search_part(
    client: KustomerClient,
    obj: KustomerObject,
    start: str | None,
    end: str | None,
    claims: Claims,
    options: FirstLoadOptions,
) -> Iterator[TPage]:
    """The newest spans not yet taken, one keyset scan each, until none are left."""
    while (span := claims.newest()) is not None:
        yield from CreatedSearchWindow(client, obj, start, end, span, options.search_page_size)


def list_part(
    client: KustomerClient,
    obj: KustomerObject,
    cut: str,
    claims: Claims,
    options: FirstLoadOptions,
) -> Iterator[TPage]:
    """The records created before `cut` and in the spans the list takes once it gets there."""
    owned: str | None = cut  # the list keeps records created before this (None: all)
    slack = timedelta(seconds=max(options.list_cut_slack_s, 0))
    stop_at = _after(owned, slack)
    pages = list_records(client, obj, options.list_page_size, options.list_concurrency)
    try:
        for records in pages:
            kept: list[dict[str, Any]] = []
            for record in records:
                created = _created(record)
                while created is not None and owned is not None and created >= owned:
                    span = claims.oldest()
                    if span is None:
                        break
                    owned = span.hi
                    stop_at = _after(owned, slack)
                if created is None or owned is None or created < owned:
                    kept.append(record)
            if kept:
                yield rows_of(obj, kept)
            last = _created(records[-1]) if records else None
            if stop_at is not None and last is not None and last >= stop_at:
                return
    finally:
        pages.close()


def list_records(
    client: KustomerClient, obj: KustomerObject, page_size: int, concurrency: int
) -> Generator[list[dict[str, Any]], None, None]:
    """The raw records of a `page`/`pageSize` list, page by page in order, with up to
    `concurrency` numbered pages in flight (pages are documented as numbered from 1). Closing the
    iterator cancels the pages still waiting."""
    size = min(page_size, obj.page_size)

    def fetch(number: int) -> Any:
        return client.get_json(obj.path, {"page": number, "pageSize": size}, what=obj.table)

    first = fetch(1)
    yield first.get("data") or []
    if not client.next_link(obj.path, first):
        return
    total = (first.get("meta") or {}).get("totalPages")
    last = int(total) if isinstance(total, int) else None
    pool = ThreadPoolExecutor(max(concurrency, 1), thread_name_prefix=f"kustomer-{obj.table}")
    pending: deque[Future[Any]] = deque()
    number = 2
    try:
        while True:
            while len(pending) < max(concurrency, 1) and (last is None or number <= last):
                pending.append(pool.submit(fetch, number))
                number += 1
            if not pending:
                return
            body = pending.popleft().result()
            data = body.get("data") or []
            if data:
                yield data
            if not data or not client.next_link(obj.path, body):
                return
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)


def _created(record: dict[str, Any]) -> str | None:
    """The record's createdAt in the API's own format (comparable as text), None if absent."""
    value = (record.get("attributes") or {}).get("createdAt")
    if not isinstance(value, str) or not value:
        return None
    if len(value) == 24 and value.endswith("Z"):
        return value
    try:
        return api_time(parse_api_time(value))
    except ValueError:
        return None


def _after(instant: str | None, slack: timedelta) -> str | None:
    return None if instant is None else api_time(parse_api_time(instant) + slack)
