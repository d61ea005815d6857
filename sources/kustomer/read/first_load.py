"""The first load of a search-synced object (and a bounded backfill that goes back further than
search sees): two disjoint parts read side by side, each on its own rate budget.

Search sees only records updated in the last two years, and a record's `createdAt` is never later
than its `updatedAt`, so every record *created* after `search_floor` is searchable. The object is
cut by `createdAt`:

- the list endpoint (org budget, 100 a page) reads ascending pages from page 1: the records
  created before the floor, then on into search's reach;
- search (search budget, 500 a page) reads its reach newest `createdAt` first, keyset-paged.

The two meet wherever the budgets bring them (`Frontier`): the list keeps what is older than where
search has reached, search what the list has not reached, so neither commits to work ahead and
both stay busy until they meet. Search's first page tells the server's time (the floor, and the
instant the load began); after both parts, one search for everything updated since that instant
brings the records changed or created while they were read: sorted by `createdAt`, a scan never
sees a record move, and one changed behind it is the last search's. Once the parts have met,
one search counts the list's part of search's reach (`read_what_the_list_missed`): records imported
with a `createdAt` back-dated into search's reach sit at the end of the list, past its stop, and a
shortfall reads that part again through search.

What the documentation says and what is inferred:
- `<ctx>_created_at` criteria with `gte`/`lt`/`lte` and full UTC timestamps are documented for
  customer, conversation, message and note (search's standard attributes and its date-filter
  examples); *inferred* for company, whose `company_updated_at` this source already relies on.
- Sorting on `customer_created_at` is documented; on `<ctx>_created_at` of the other contexts it
  is *inferred*, as sorting on `<ctx>_updated_at` is (the documentation lists customer
  attributes only; the taps sort other contexts on `updated_at`, and archive search documents
  `*_created_at` as sortable).
- List order: the documentation offers only `sort=desc` on conversations and messages (by id,
  per AWS Glue), so the default order is *inferred* to be ascending id. Ids are ObjectIds that
  start with the creation second, so id order follows `createdAt` only to the second, and a record
  imported with a back-dated `createdAt` sits where it was imported. The list therefore reads on
  for `list_cut_slack_s` of `createdAt` past where it met search and keeps what it finds before
  that point; `first_load_split=False` reads the lists whole, as before, for orgs with back-dated
  imports. A record whose `createdAt` is later than its id's second (none is, *inferred*) would
  make the list take more of search's reach, never lose a record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dlt.common import logger

from ..api.client import KustomerClient
from ..api.errors import (
    KustomerAuthError,
    KustomerBadRequestError,
    KustomerError,
    KustomerPermissionError,
)
from ..api.times import api_time, parse_api_time, server_time
from ..catalog.objects import KustomerObject
from ..rows import TPage, TRow, rows_of
from ..settings import Tuning
from .lists import read_list
from .parallel import side_by_side
from .search import (
    SEARCH_PAGE_SIZE,
    SEARCH_PATH,
    KeysetScan,
    Probe,
    SortNotHonoured,
    check_order,
    exact_total,
    probe_changes,
    search_floor,
)

SEARCH_LANES = 2  # search scans of one object at most; the second only while search idles
IDLE_POLL_S = 0.25  # how often a spare scan looks whether the search budget idles
MIN_SPLIT_PAGES = 4  # a lane's gap (in its own pages) worth cutting for a second scan
SLOW_PACE = 1.5  # searches answering this many times slower than the pace leave search idle
NEAR_PAGE = 0.8  # how much of a search page short of the lane the list leaves the rest to it
ONE_MS = timedelta(milliseconds=1)


@dataclass
class Lane:
    """One search scan, newest `createdAt` first, of the records created before `top` (None:
    no bound). `reached` is the createdAt its last page got down to: the list may take only
    records created before it. `floor` is set once a lane was started below it: this one then
    stops there instead of meeting the list."""

    top: str | None
    reached: str | None = None
    floor: str | None = None
    page_span: timedelta | None = None  # createdAt time its last full page spanned
    response_s: float = 0.0  # how long its searches take to answer (moving average), waits left out
    taken: bool = False
    done: bool = False


class Frontier:
    """One object's part of search's reach, `createdAt` from `floor` on, shared by the list
    (ascending from the floor) and the search lanes (descending from the newest record).

    The list keeps records created before `list_top` and moves it up to each record it reads,
    as long as that record is older than where the lowest lane has reached; the lowest lane
    keeps records at or after `list_top`. Whichever meets the other fixes `list_top` for good
    (`final`): the parts are disjoint and together hold search's reach, wherever the budgets bring
    them, so both stay busy until they meet.
    """

    def __init__(self, floor: str | None, lanes: bool = True) -> None:
        # None until search's first answer tells the server's time: the list keeps all it reads
        self.list_top: str | None = floor
        self.floor = floor  # the oldest createdAt search may take (None: not known yet)
        self.list_max: str | None = None  # the newest record the list kept before that
        self.final = not lanes
        self.searching = True  # False: search refused, the list reads everything
        self.list_closed = False  # the list has stopped
        self.began: str | None = None  # server time when the load began (see `found_floor`)
        self.lanes: list[Lane] = [Lane(top=None)] if lanes else []
        self._changed = threading.Condition()
        self._started = time.monotonic()

    def found_floor(self, server_now: datetime) -> None:
        """Takes the server's time from search's first answer: the floor, and when the load
        began by the server's clock (a second earlier, for the `Date` header's precision)."""
        with self._changed:
            taken = timedelta(seconds=time.monotonic() - self._started + 1)
            self.began = api_time(server_now - taken)
            if self.list_top is None:
                floor = search_floor(server_now)
                kept = self.list_max
                self.list_top = floor if kept is None or kept < floor else _after(kept)
                self.floor = floor

    def without_search(self) -> None:
        """Search refused: the list keeps and reads everything."""
        with self._changed:
            self.searching = False
            self._settle(self.list_top)

    def listed(self, created: str) -> bool:
        """Whether the list keeps a record created at `created` (API time), moving its top.

        Less than a search page short of where the lowest lane has reached, the list leaves the
        rest to that lane: the page the lane has in flight would otherwise come back with records
        the list took, and a search costs the budgets more than the few list pages it saves.
        """
        with self._changed:
            if not self.searching:
                return True
            if self.list_top is None:
                self.list_max = created if self.list_max is None else max(self.list_max, created)
                return True
            if created < self.list_top:
                return True
            if self.final:
                return False
            lowest = self.lanes[-1]
            if lowest.reached is None:
                self.list_top = _after(created)
                return True
            if lowest.page_span is not None and not lowest.done:
                if created >= self._near(lowest):
                    self._settle(self.list_top)
                    return False
            if created < lowest.reached:
                self.list_top = _after(created)
                return True
            self._settle(lowest.reached)
            return False

    def searched(
        self, lane: Lane, rows: TPage, more: bool, reached: str | None
    ) -> tuple[TPage, bool]:
        """What of a lane's page the lane keeps, and whether it reads on: `reached` is the
        createdAt its scan got down to, `more` whether pages follow."""
        with self._changed:
            lowest = lane is self.lanes[-1]
            bottom = self.list_top if lowest or lane.floor is None else lane.floor
            assert bottom is not None  # the lane's first answer set the floor
            kept = [row for row in rows if (_created(row) or bottom) >= bottom]
            if not more or reached is None or reached < bottom:
                lane.done = True
                if lowest:
                    self._settle(self.list_top)
                return kept, False
            lane.reached = reached
            return kept, True

    def list_ended(self) -> None:
        """The list stopped (its end, or past its stop): its top moves no more."""
        with self._changed:
            self.list_closed = True
            self._settle(self.list_top)

    def wait_list(self, timeout: float) -> bool:
        """Waits up to `timeout` for the list to stop; whether it has."""
        with self._changed:
            if not self.list_closed:
                self._changed.wait(timeout)
            return self.list_closed

    def take(self, search_idles: bool, pace_s: float) -> Lane | None:
        """A lane for a search scan: the first one, or, while the search budget idles because
        the lowest lane's searches answer slower than the budget's pace (`pace_s`), a new one
        started down the gap between that lane and the list. (Idling alone is not enough: a
        lane waiting for dlt to take its pages idles the budget too.) The old lane keeps the
        top third of the gap to itself; the new one and the list share the rest."""
        with self._changed:
            for lane in self.lanes:
                if not lane.taken:
                    lane.taken = True
                    return lane
            if not search_idles or self.final or self.list_top is None:
                return None
            lowest = self.lanes[-1]
            if lowest.done or lowest.reached is None or not lowest.page_span:
                return None
            if lowest.response_s <= pace_s * SLOW_PACE:
                return None
            gap = parse_api_time(lowest.reached) - parse_api_time(self.list_top)
            if gap < lowest.page_span * MIN_SPLIT_PAGES:
                return None
            middle = api_time(parse_api_time(self.list_top) + gap * 2 / 3)
            lowest.floor = middle
            lane = Lane(top=middle, reached=middle, taken=True)
            self.lanes.append(lane)
            return lane

    def wait(self, timeout: float) -> bool:
        """Waits up to `timeout` for the frontier to be settled; whether it is."""
        with self._changed:
            if not self.final:
                self._changed.wait(timeout)
            return self.final

    def stop_at(self, slack: timedelta) -> str | None:
        """Where the list may stop, once settled: `slack` of createdAt past its top (None: it
        reads on, to its end if search was refused)."""
        with self._changed:
            if not self.final or not self.searching or self.list_top is None:
                return None
            return _after(self.list_top, slack)

    def list_limit(self) -> str | None:
        """How far the list may still read into search's reach (None: not known yet): its stop once
        settled, else a search page short of where the lowest lane has reached."""
        with self._changed:
            lowest = self.lanes[-1] if self.lanes else None
            if self.final or lowest is None or lowest.reached is None or not self.searching:
                return None
            return self._near(lowest)

    @staticmethod
    def _near(lane: Lane) -> str:
        """The createdAt from which the list leaves the rest to the lane: `NEAR_PAGE` of its
        page short of where it has reached, so its next page surely gets past the list."""
        assert lane.reached is not None
        if lane.page_span is None:
            return lane.reached
        return api_time(parse_api_time(lane.reached) - lane.page_span * NEAR_PAGE)

    def _settle(self, top: str | None) -> None:
        self.list_top, self.final = top, True
        self._changed.notify_all()


class CreatedScan(KeysetScan):
    """Search pages of the records changed in [start, end), newest `createdAt` first."""

    def __init__(
        self,
        client: KustomerClient,
        obj: KustomerObject,
        start: str | None,
        end: str | None,
        page_size: int = SEARCH_PAGE_SIZE,
    ) -> None:
        super().__init__(client, obj, start, end, page_size)
        self.updated, self.field = self.field, f"{obj.search_prefix}_created_at"

    def body(self, criteria: list[dict[str, Any]]) -> dict[str, Any]:
        bounds = list(criteria)
        if self.start:
            bounds.append({self.updated: {"gte": self.start}})
        if self.end:
            bounds.append({self.updated: {"lt": self.end}})
        return {
            "queryContext": self.obj.search_context,
            "and": bounds,
            "sort": [{self.field: "desc"}],
            "includeDeleted": True,
        }

    def lane(self, frontier: Frontier, lane: Lane) -> Iterator[TPage]:
        """The lane's records, keyset-paged down from its top (`lt top`, then `lte` the last
        createdAt with the ids seen there skipped), until the frontier says it is done. A whole
        page created in one millisecond is paged apart by number, as `KeysetScan` does."""
        cursor, op, seen = lane.top, "lt", set[str]()
        while True:
            asked = time.monotonic()
            criteria = [{self.field: {op: cursor}}] if cursor else []
            records, has_next, response = self.answer(criteria)
            created = [(r.get("attributes") or {}).get("createdAt") for r in records]
            check_order(self.obj, self.field, created, descending=True)
            if frontier.began is None:
                frontier.found_floor(server_time(response))
            took = time.monotonic() - asked - self.client.limiter.last_wait()
            lane.response_s = took if not lane.response_s else 0.7 * lane.response_s + 0.3 * took
            rows = rows_of(self.obj, records)
            fresh = [r for r in rows if not (_created(r) == cursor and r.get("id") in seen)]
            more = has_next and len(records) >= self.page_size
            first, last = (_created(rows[0]), _created(rows[-1])) if rows else (None, None)
            if more and (first is None or last is None):
                raise KustomerError(
                    f"A {self.obj.table} search page sorted on createdAt came with a record "
                    "without one; the scan cannot page on from it"
                )
            if more and first and last and first > last:
                lane.page_span = parse_api_time(first) - parse_api_time(last)
            kept, reading_on = frontier.searched(lane, fresh, more, last)
            if kept:
                yield kept
            if not reading_on:
                return
            assert last is not None  # reading on needs a page that reached somewhere
            if first == last:
                ids = {r["id"] for r in rows if r.get("id")}
                for chunk in self.instant(last, already=seen | ids):
                    kept, reading_on = frontier.searched(lane, chunk, True, last)
                    if kept:
                        yield kept
                    if not reading_on:
                        return
                cursor, op, seen = last, "lt", set()
            else:
                seen = (seen if last == cursor else set()) | {
                    r["id"] for r in rows if _created(r) == last and r.get("id")
                }
                cursor, op = last, "lte"


def read_unsearched(client: KustomerClient, obj: KustomerObject, tuning: Tuning) -> Iterator[TPage]:
    """The whole list, for a key that may not search."""
    _warn_unsearched(obj)
    yield from read_list(client, obj, tuning.page_size, tuning.list_concurrency)


@dataclass(frozen=True)
class Span:
    """Records created in [lo, hi)."""

    lo: str
    hi: str


class CreatedSpan(KeysetScan):
    """A `KeysetScan` (oldest change first, keyset on updatedAt) over the records created in
    one span."""

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
        self.span, self.created = span, f"{obj.search_prefix}_created_at"

    def body(self, criteria: list[dict[str, Any]]) -> dict[str, Any]:
        bounds = [{self.created: {"gte": self.span.lo}}, {self.created: {"lt": self.span.hi}}]
        return super().body([*criteria, *bounds])

    def count(self) -> tuple[int | None, Any]:
        """How many records, deleted ones left out, search holds in the span (`meta.total`)."""
        criteria = [{self.field: {"gte": self.start}}] if self.start else []
        body = {**self.body(criteria), "includeDeleted": False}
        found, response = self.client.post(
            SEARCH_PATH, body, {"page": 1, "pageSize": 1}, f"{self.obj.table} search"
        )
        total = (found.get("meta") or {}).get("total") if isinstance(found, dict) else None
        return exact_total(total), response

    def exact_count(self, depth: int = 10) -> int | None:
        """`count`, and where search's total may be capped, the sum of the two halves' counts
        (down to `depth` halvings; None if a total is still capped there)."""
        found, _ = self.count()
        if found is not None or depth == 0:
            return found
        lo, hi = parse_api_time(self.span.lo), parse_api_time(self.span.hi)
        mid = api_time(lo + (hi - lo) / 2)
        if not self.span.lo < mid < self.span.hi:
            return None
        halves = [
            CreatedSpan(self.client, self.obj, self.start, self.end, part, self.page_size)
            for part in (Span(self.span.lo, mid), Span(mid, self.span.hi))
        ]
        counts = [half.exact_count(depth - 1) for half in halves]
        return None if None in counts else sum(c for c in counts if c is not None)


def _warn_unsearched(obj: KustomerObject) -> None:
    logger.warning(
        f"{obj.table}: the API key may not search (it lacks org.permission.search.create); "
        f"reading {obj.path} whole, merged on id: records deleted in Kustomer are not detected"
    )


def read_first_load(
    client: KustomerClient,
    obj: KustomerObject,
    start: str | None,
    end: str | None,
    probe: Probe | None,
    tuning: Tuning,
) -> Iterator[TPage]:
    """Every record of the object changed in [start, end) (dlt's incremental keeps the range):
    the list and search parts side by side, then the records changed while they were read.

    `probe` is the run's first search where the range has bounds. A plain first load asks
    search nothing before its parts start: the first search page tells the server's time (the
    floor, and the time the load began, from which the last search reads), and a refused one
    leaves the list to read everything.
    """
    if not tuning.first_load_split:
        assert probe is not None, "a first load read whole is probed first"
        logger.info(f"{obj.table}: reading {obj.path} whole (first_load_split is off)")
        yield from read_list(client, obj, tuning.page_size, tuning.list_concurrency)
        if probe.newest is not None:
            yield from KeysetScan(client, obj, probe.newest, end, tuning.search_page_size)
        return
    floor = search_floor(probe.server_now) if probe else None
    # records changed before `end` were created before it: a range that ends before the
    # reach has no search part, and its list stops at `end`
    searched = end is None or floor is None or end > floor
    frontier = Frontier(floor if searched else end, lanes=searched)
    logger.info(
        f"{obj.table}: records created before {frontier.list_top or 'search floor'} from "
        f"{obj.path}, later ones through search"
    )
    scan = CreatedScan(client, obj, start, end, tuning.search_page_size)
    lanes = SEARCH_LANES if searched else 0
    reading = _ListProgress(frontier, timedelta(seconds=max(tuning.list_cut_slack_s, 0)))
    readers = [
        list_part(client, obj, reading, tuning),
        *(search_part(client, obj, scan, frontier) for _ in range(lanes)),
    ]
    if searched:
        readers.append(read_what_the_list_missed(client, obj, start, end, reading, tuning))
    yield from side_by_side(readers)
    # search's first answer set `began`; a key that may not search has none
    since = probe.newest if probe else frontier.began
    if since is not None:
        yield from KeysetScan(client, obj, since, end, tuning.search_page_size)


def read_what_the_list_missed(
    client: KustomerClient,
    obj: KustomerObject,
    start: str | None,
    end: str | None,
    reading: _ListProgress,
    tuning: Tuning,
) -> Iterator[TPage]:
    """The list's part of search's reach again, through search, if search counts more records in
    it than the list kept: records imported with a `createdAt` back-dated into search's reach sit
    at the end of the list, past where it stopped. One search counts them (deleted records left
    out on both sides: lists leave them out, *inferred*) as soon as the parts have met, while
    the list reads its last pages; a shortfall reads the span whole once the list has ended,
    and the merge on `id` drops what arrives twice."""
    frontier = reading.frontier
    while not frontier.wait(IDLE_POLL_S):
        pass
    floor, top = frontier.floor, frontier.list_top
    if not frontier.searching or floor is None or top is None or top <= floor:
        return
    span = CreatedSpan(client, obj, start, end, Span(floor, top), tuning.search_page_size)
    found = span.exact_count()
    while not frontier.wait_list(IDLE_POLL_S):
        pass
    listed = reading.kept_in_reach()
    if found is not None and found <= listed:
        return
    if found is None:  # no exact count to be had: read the list's part again to be sure
        logger.warning(
            f"{obj.table}: search gives no exact count of the records created in [{floor}, "
            f"{top}) (a capped total); reading them through search to check the list's part"
        )
        yield from span
        return
    logger.warning(
        f"{obj.table}: search counts {found} records created in [{floor}, {top}), the list "
        f"kept {listed} (records imported with a back-dated createdAt?); reading them through "
        "search"
    )
    yield from span


def search_part(
    client: KustomerClient, obj: KustomerObject, scan: CreatedScan, frontier: Frontier
) -> Iterator[TPage]:
    """Search lanes of search's reach until the frontier is settled: the first lane at once,
    another one only while the search budget idles (its responses are slower than its pace).
    A first answer that refuses the key (a missing role) leaves everything to the list."""
    search = client.limiter.budgets["search"]
    while not frontier.final:
        lane = frontier.take(client.limiter.idle("search"), search.interval)
        if lane is None:
            if frontier.wait(IDLE_POLL_S):
                return
            continue
        try:
            yield from scan.lane(frontier, lane)
        except (KustomerBadRequestError, SortNotHonoured) as refused:
            if frontier.began is not None:
                raise
            # sorting this context on createdAt is inferred to work (see the module's notes)
            logger.warning(
                f"{obj.table}: search refused to sort on {scan.field} ({refused}); reading "
                f"{obj.path} whole (first_load_split=false skips this)"
            )
            frontier.found_floor(probe_changes(client, obj, None, None).server_now)
            frontier.without_search()
            return
        except (KustomerPermissionError, KustomerAuthError) as refused:
            if frontier.began is not None or not client.is_missing_role(refused):
                raise
            _warn_unsearched(obj)
            frontier.without_search()
            return


def list_part(
    client: KustomerClient, obj: KustomerObject, reading: _ListProgress, tuning: Tuning
) -> Iterator[TPage]:
    """The records created before the frontier's list top, ascending, until the list passes the
    point where it met search (or its end)."""
    frontier = reading.frontier
    pages = read_list(client, obj, tuning.page_size, tuning.list_concurrency, reading.pages_wanted)
    last_id = ""
    try:
        for rows in pages:
            ids = [str(row.get("id") or "") for row in rows]
            if frontier.searching and any(
                b < a for a, b in zip([last_id, *ids], ids, strict=False)
            ):
                # the list part stops where it meets search, which needs ascending ids
                # (*inferred*): out of that order it would stop too early and lose records
                raise SortNotHonoured(
                    f"{obj.table}: {obj.path} is not in ascending id order (an id "
                    f"{min(b for a, b in zip([last_id, *ids], ids, strict=False) if b < a)} "
                    "after a higher one), so its first load cannot stop where search begins"
                )
            last_id = max([last_id, *ids])
            kept = [row for row in rows if reading.keeps(row)]
            if kept:
                yield kept
            if reading.done(rows):
                return  # closing the list cancels the pages not yet sent
    finally:
        frontier.list_ended()
        close = getattr(pages, "close", None)  # read_list is a generator
        if close is not None:
            close()


class _ListProgress:
    """Where the list part is: the createdAt of the last record read, the time one page spans,
    and how many pages it still wants in flight."""

    def __init__(self, frontier: Frontier, slack: timedelta) -> None:
        self.frontier, self.slack = frontier, slack
        self.last: str | None = None  # createdAt of the last record read
        self.page_time: timedelta | None = None  # createdAt time one page spans
        self.most = 1 << 30
        # records kept that are not deleted: created at or after the floor, and, until the
        # floor is known, the createdAt of each (counted, then dropped, once it is)
        self.counted = 0
        self.early: list[str] = []

    def keeps(self, row: TRow) -> bool:
        created = _created(row)
        kept = created is None or self.frontier.listed(created)
        if kept and created is not None and row.get("deleted") is not True:
            floor = self.frontier.floor
            if floor is None:
                if self.frontier.searching:  # a list read whole needs no count
                    self.early.append(created)
            else:
                self._count_early(floor)
                self.counted += created >= floor
        return kept

    def kept_in_reach(self) -> int:
        """The records the list kept that are not deleted and were created at or after the
        floor (once the frontier is settled)."""
        floor = self.frontier.floor
        if floor is None:
            return 0
        self._count_early(floor)
        return self.counted

    def _count_early(self, floor: str) -> None:
        if self.early:
            self.counted += sum(1 for created in self.early if created >= floor)
            self.early = []

    def done(self, rows: TPage) -> bool:
        """Whether the page just read ends the list part (its records are past the stop)."""
        first, last = (_created(rows[0]), _created(rows[-1])) if rows else (None, None)
        if first is not None and last is not None and last > first:
            self.page_time = parse_api_time(last) - parse_api_time(first)
        self.last = last or self.last
        stop_at = self.frontier.stop_at(self.slack)
        return stop_at is not None and last is not None and last >= stop_at

    def pages_wanted(self) -> int:
        """Pages in flight that may still be needed: about as many as the time to where search
        has reached (or, once settled, to the stop) spans; all while that is not known."""
        until = self.frontier.stop_at(self.slack) or self.frontier.list_limit()
        if until is None or not self.page_time or not self.last:
            return self.most
        ahead = parse_api_time(until) - parse_api_time(self.last)
        return 1 + max(0, int(ahead / self.page_time))


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


def _after(instant: str, slack: timedelta = ONE_MS) -> str:
    return api_time(parse_api_time(instant) + slack)
