"""The first load of a search-synced object (and a bounded backfill that reaches past search's
window): two disjoint parts read side by side, each on its own rate budget.

Search sees only records updated in the last two years, and a record's `createdAt` is never later
than its `updatedAt`, so every record *created* after `search_floor` is searchable. The object is
cut by `createdAt` at that floor:

- records created before it come from the list endpoint (org budget, 100 a page): ascending pages
  from page 1, stopping once the records are created inside the window;
- records created inside it come from search (search budget, 500 a page): the keyset scan of
  `SearchWindow` with a `<ctx>_created_at` range.

The window's part is handed out in pieces (`Claims`): search takes them from the newest end, the
list from the oldest end once it has passed the floor, so whichever budget has time left takes
more of the window and both stay busy until the parts meet. After both parts, one search for
everything updated since the run began (as the list-only first load always did) brings the
records changed or created while they were read.

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
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from dlt.common import logger

from kustomer_source.catalog import KustomerObject
from kustomer_source.client import KustomerAuthError, KustomerClient, KustomerPermissionError
from kustomer_source.rows import TRow
from kustomer_source.sync import (
    SEARCH_PAGE_SIZE,
    Probe,
    SearchWindow,
    TPage,
    api_time,
    parse_api_time,
    probe_changes,
    read_list,
    search_floor,
    side_by_side,
)

SEARCH_PIECE_PAGES = 8  # search pages in a piece of the window (a piece's last page is partial)
LIST_PIECE_PAGES = 10  # list pages in a piece the list takes past the cut
SEARCH_SCANS = 2  # pieces of one object searched at once, so one slow response idles nothing


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
    """The part of the window not taken yet, [lo, hi) of createdAt plus, until search takes it,
    the open end after `hi` (records created during the run).

    Search takes pieces from the newest end, about `SEARCH_PIECE_PAGES` pages of records each by
    the window's average density, and half of what is left once less than two pieces are. (A
    quarter under four pieces left search less to finish at the end, 1.33x against 1.30x with
    searches on the search budget alone, but its extra partial pages cost org slots when a
    search also takes one, the default: 1.22x against 1.31x.) The list takes pieces of
    `LIST_PIECE_PAGES` of its own pages from the oldest end. A piece is cut when it is taken, so
    the parts stay disjoint and meet wherever the budgets bring them.
    """

    def __init__(self, lo: str, hi: str, records: int, search_page: int, list_page: int) -> None:
        self.lo, self.hi = parse_api_time(lo), parse_api_time(hi)
        self.open = True
        per_record = (self.hi - self.lo) / max(records, 1)
        self.search_piece = per_record * SEARCH_PIECE_PAGES * search_page
        self.list_piece = per_record * LIST_PIECE_PAGES * list_page
        self._lock = threading.Lock()

    @classmethod
    def nothing(cls) -> Claims:
        """No window part at all (a range that ends before the window)."""
        claims = cls("1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00.000Z", 0, 1, 1)
        claims.open = False
        return claims

    def newest(self) -> Span | None:
        """A piece for search, the open end first."""
        with self._lock:
            if self.lo >= self.hi and not self.open:
                return None
            left = self.hi - self.lo
            size = self.search_piece if left >= 2 * self.search_piece else left / 2
            lo = self.lo if left <= self.search_piece / 8 else max(self.lo, self.hi - size)
            span = Span(api_time(lo), None if self.open else api_time(self.hi))
            self.hi, self.open = lo, False
            return span

    def oldest(self) -> Span | None:
        """A piece for the list, the open end only once nothing else is left."""
        with self._lock:
            if self.lo >= self.hi and not self.open:
                return None
            hi = min(self.hi, self.lo + self.list_piece)
            if hi >= self.hi and self.open:
                span, self.open = Span(api_time(self.lo), None), False
            else:
                span = Span(api_time(self.lo), api_time(hi))
            self.lo = hi
            return span

    def left(self) -> bool:
        with self._lock:
            return self.open or self.lo < self.hi


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
        self.created = f"{obj.search_prefix}_created_at"

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
        # records changed before `end` were created before it: a range that ends before the
        # window has no search part, and its list stops at `end`
        if end is not None and end <= floor:
            cut, claims, scans = end, Claims.nothing(), 0
        else:
            cut, scans = floor, options.search_scans
            claims = Claims(
                floor,
                api_time(probe.server_now),
                probe.total or 0,
                min(options.search_page_size, SEARCH_PAGE_SIZE),
                options.list_page_size,
            )
        logger.info(
            f"{obj.table}: records created before {cut} from {obj.path}, later ones through search"
        )
        readers = [
            list_part(client, obj, cut, claims, options),
            *(search_part(client, obj, start, end, claims, options) for _ in range(scans)),
        ]
        yield from side_by_side(readers)
    if probe.newest is not None:
        yield from SearchWindow(client, obj, probe.newest, end, options.search_page_size)


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
    reading = _ListProgress(cut, timedelta(seconds=max(options.list_cut_slack_s, 0)), claims)
    pages = read_list(
        client, obj, options.list_page_size, options.list_concurrency, reading.pages_wanted
    )
    try:
        for rows in pages:
            kept = [row for row in rows if reading.keeps(_created(row))]
            if kept:
                yield kept
            if reading.done(rows):
                return  # closing the list cancels the pages not yet sent
    finally:
        close = getattr(pages, "close", None)  # read_list is a generator
        if close is not None:
            close()


class _ListProgress:
    """Where the list part is: the createdAt it keeps records up to (`owned`, None for all),
    the point past that where it stops, and how many pages it still wants in flight."""

    def __init__(self, cut: str, slack: timedelta, claims: Claims) -> None:
        self.owned: str | None = cut
        self.slack, self.claims = slack, claims
        self.stop_at = _after(cut, slack)
        self.last: str | None = None  # createdAt of the last record read
        self.page_time: timedelta | None = None  # createdAt time one page spans
        self.most = 1 << 30

    def keeps(self, created: str | None) -> bool:
        """Whether a record created at `created` belongs to the list part; reaching the end of
        what it owns, the list takes the oldest span left, if any."""
        while created is not None and self.owned is not None and created >= self.owned:
            span = self.claims.oldest()
            if span is None:
                break
            self.owned, self.stop_at = span.hi, _after(span.hi, self.slack)
        return created is None or self.owned is None or created < self.owned

    def done(self, rows: TPage) -> bool:
        """Whether the page just read ends the list part (its records are past the stop)."""
        first, last = (_created(rows[0]), _created(rows[-1])) if rows else (None, None)
        if first is not None and last is not None and last > first:
            self.page_time = parse_api_time(last) - parse_api_time(first)
        self.last = last or self.last
        return self.stop_at is not None and last is not None and last >= self.stop_at

    def pages_wanted(self) -> int:
        """Pages in flight that may still be needed: all of them while spans are left to take,
        else about as many as the time to the stop spans."""
        if self.stop_at is None or self.claims.left() or not self.page_time or not self.last:
            return self.most
        to_stop = parse_api_time(self.stop_at) - parse_api_time(self.last)
        return 1 + max(0, int(to_stop / self.page_time))


def _created(row: TRow) -> str | None:
    """The row's createdAt in the API's own format (comparable as text), None if absent."""
    value = row.get("createdAt")
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
