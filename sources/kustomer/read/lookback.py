"""What a run loaded in the span the next run looks back over, kept in the resource's state.

The next incremental run re-reads [cursor - lookback, ...). Most of that span is a handful of
records, but a bulk update can put thousands at one `updatedAt`, which would cost a search
request per 500 of them on every run until the span moves past it. An instant cannot hold a
newer version of a record it already holds (every write moves `updatedAt` on), so counting it is
as good as reading it: the state keeps, for the span, the number of ids loaded at each such
crowded instant ("ties") and between them ("segments"). The next run reads the segments and only
counts the ties (search's `meta.total`), and reads the ties too when any count differs.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dlt.common import logger

from ..api.client import KustomerClient
from ..api.times import api_time, parse_api_time
from ..catalog.objects import KustomerObject
from ..rows import TPage
from .parallel import search_changes
from .search import SEARCH_PAGE_SIZE, KeysetScan, Probe, exact_total

TIE_MIN = 100
"""An instant holding at least this many loaded records is counted instead of re-read."""


@dataclass(frozen=True)
class SeenSpan:
    """The records loaded with `updatedAt` in [start, cursor], by part of the span."""

    start: str  # the next run's start: cursor - lookback
    cursor: str  # the newest updatedAt loaded
    ties: list[tuple[str, int]]  # crowded instants and the ids loaded at each, in time order
    segments: list[int]  # ids loaded between the ties: before the first, ..., after the last

    @property
    def total(self) -> int:
        return sum(self.segments) + sum(count for _, count in self.ties)

    def to_state(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "cursor": self.cursor,
            "ties": [list(tie) for tie in self.ties],
            "segments": list(self.segments),
        }

    @classmethod
    def from_state(cls, state: Any) -> SeenSpan | None:
        """The span kept by the previous run, or None when there is none (or it is unreadable)."""
        try:
            ties = [(str(at), int(count)) for at, count in state["ties"]]
            segments = [int(n) for n in state["segments"]]
            span = cls(str(state["start"]), str(state["cursor"]), ties, segments)
        except (KeyError, TypeError, ValueError):
            return None
        return span if len(segments) == len(ties) + 1 else None


class SpanTracker:
    """Watches the rows a run yields and sums up those the next run's lookback span holds.

    Only rows within `lookback` of the newest `updatedAt` seen so far are kept (API times compare
    as strings), so memory stays bounded by the records of one span.
    """

    def __init__(self, lookback_s: float, cursor: str | None) -> None:
        self.lookback = timedelta(seconds=lookback_s)
        self.newest = cursor
        self.floor = self._floor()
        self.loaded: dict[str, str] = {}  # id -> newest updatedAt loaded
        self._prune_at = 10_000

    def _floor(self) -> str:
        return api_time(parse_api_time(self.newest) - self.lookback) if self.newest else ""

    def watch(self, pages: Generator[TPage, None, bool]) -> Generator[TPage, None, bool]:
        """`pages` passed on, each observed; returns what `pages` returns (and closes it when
        closed itself)."""
        try:
            while True:
                try:
                    page = next(pages)
                except StopIteration as done:
                    return bool(done.value)
                self.observe(page)
                yield page
        finally:
            pages.close()

    def observe(self, page: TPage) -> None:
        stamps = [row.get("updatedAt") for row in page]
        page_newest = max((s for s in stamps if isinstance(s, str)), default=None)
        if page_newest is not None and (self.newest is None or page_newest > self.newest):
            self.newest = page_newest
            self.floor = self._floor()
        floor, loaded = self.floor, self.loaded
        for row, stamp in zip(page, stamps, strict=True):
            record_id = row.get("id")
            if isinstance(stamp, str) and stamp >= floor and isinstance(record_id, str):
                if stamp > loaded.get(record_id, ""):
                    loaded[record_id] = stamp
        if len(loaded) > self._prune_at:
            self.loaded = {i: s for i, s in loaded.items() if s >= floor}
            self._prune_at = max(10_000, 2 * len(self.loaded))

    def span(self) -> SeenSpan | None:
        """The next run's span, or None when nothing was ever loaded."""
        if self.newest is None:
            return None
        floor, cursor = self._floor(), self.newest
        per_instant: dict[str, int] = {}
        for stamp in self.loaded.values():
            if floor <= stamp <= cursor:
                per_instant[stamp] = per_instant.get(stamp, 0) + 1
        ties: list[tuple[str, int]] = []
        segments = [0]
        for stamp in sorted(per_instant):
            if per_instant[stamp] >= TIE_MIN:
                ties.append((stamp, per_instant[stamp]))
                segments.append(0)
            else:
                segments[-1] += per_instant[stamp]
        return SeenSpan(floor, cursor, ties, segments)


def read_span_checked(
    client: KustomerClient,
    obj: KustomerObject,
    start: str,
    probe: Probe,
    seen: SeenSpan,
    page_size: int,
    concurrency: int,
) -> Generator[TPage, None, bool]:
    """An incremental search from `start` that counts the span's crowded instants instead of
    paging them when nothing in the span changed.

    The probe (newest first, counting everything from `start`) tells whether anything is newer
    than the cursor and how many records the span holds. When it holds as many as were loaded,
    the segments between the ties are read (a page each, usually none after the last tie when
    nothing is newer) and all but one tie counted; the last count comes by subtraction. Equal
    counts everywhere mean no record moved into, out of or within a tie, and no new one arrived
    late: the ties are left alone. Any difference reads the whole span as usual. Returns
    whether the span was found unchanged (its ties counted, not read).
    """
    size = min(page_size, SEARCH_PAGE_SIZE)
    newest = probe.newest
    if newest is None or newest > seen.cursor or probe.total != seen.total:
        yield from search_changes(client, obj, start, None, probe, size, concurrency)
        return False
    instants = [at for at, _ in seen.ties]
    lows: list[tuple[str, str]] = [(start, "gte"), *((at, "gt") for at in instants)]
    highs: list[str | None] = [*instants, None]
    counted: list[int] = []
    for (low, op), high in zip(lows, highs, strict=True):
        if high is None and newest <= instants[-1]:
            counted.append(0)  # nothing is newer than the last tie
            continue
        ids: set[str] = set()
        for page in KeysetScan(client, obj, low, high, size, start_op=op):
            ids.update(row["id"] for row in page if isinstance(row.get("id"), str))
            yield page
        counted.append(len(ids))
    tie_counts = [_count_at(client, obj, at) for at in instants[1:]]
    first_tie = (probe.total or 0) - sum(counted) - sum(tie_counts)
    if counted == seen.segments and [first_tie, *tie_counts] == [n for _, n in seen.ties]:
        logger.info(f"{obj.table}: lookback span unchanged; its crowded instants not re-read")
        return True
    yield from search_changes(client, obj, start, None, probe, size, concurrency)
    return False


def _count_at(client: KustomerClient, obj: KustomerObject, at: str) -> int:
    """How many records search holds at exactly `at` (one request, one record per page)."""
    found, _ = KeysetScan(client, obj, None, None).first([("gte", at), ("lte", at)], "asc")
    total = (found.get("meta") or {}).get("total")
    exact = exact_total(total)
    return exact if exact is not None else -1
