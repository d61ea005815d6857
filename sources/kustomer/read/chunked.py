"""One chunk of a first load in chunks (the runner's `--first-load-chunk-records`): the newest
records of an object's window, or a range of its list's pages, each chunk ending where the next
one starts.

A chunk reads the records changed in [start, end) newest `updatedAt` first, keyset-paged (`lt`
the chunk's end, then `lte` the last updatedAt read with the ids seen there skipped, as
`KeysetScan` pages up), and stops after the page that brings it to `limit` records. It notes in
the resource's state where the next chunk of the object ends (`NEXT_END`) or that the range is
read (`DONE`); the runner reads that back from the chunk's pipeline once its extract ended, so a
chunk's end is where the data committed before it stops, whatever the clock. A record changed
while the chunks are read moves above the range's end and is the final run's (`chunks`), and
records never move down, so chunks read newest first miss nothing and the newest records land
first.

A list chunk (`read_list_chunk`) reads pages [first, first + pages) of the object's list and keeps
what dlt's range keeps: the records last changed before the range's end. Those were created
before it, list pages hold records in ascending id order and ids follow `createdAt` to the
second (both *inferred*, as in a first load in one package), so the object's list part ends at
the first page whose last record was created `list_cut_slack_s` past the range's end (or at the
list's end). A page out of id order means the list cannot stop early: that chunk reads on to the
list's end, with a warning. A page that moves while the chunks are read (a record deleted before
it) can shift a record past a chunk's edge; the final run's comparison with the org loads it.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from datetime import timedelta
from typing import Any

from dlt.common import logger

from ..api.client import KustomerClient
from ..api.times import api_time, parse_api_time
from ..catalog.objects import KustomerObject
from ..rows import TPage, rows_of
from ..settings import Tuning
from .incremental import read_incrementally
from .lists import page_range
from .search import KeysetScan, SortNotHonoured, check_order

#: where the resource's state keeps a chunk's outcome
CHUNK_STATE = "first_load_chunk"
NEXT_END, NEXT_PAGE, DONE = "next_end", "next_page", "done"
ONE_MS = timedelta(milliseconds=1)


class NewestFirst(KeysetScan):
    """Search pages of the records changed in [start, end), newest updatedAt first."""

    def body(self, criteria: list[dict[str, Any]]) -> dict[str, Any]:
        body = super().body(criteria)
        if self.start:
            body["and"] = [*body["and"], {self.field: {"gte": self.start}}]
        body["sort"] = [{self.field: "desc"}]
        return body

    def pages(self, limit: int, outcome: MutableMapping[str, Any]) -> Iterator[TPage]:
        """Pages down from the end until `limit` records are read or the range ends; `outcome`
        gets `NEXT_END` (the next chunk's exclusive end) or `DONE`."""
        cursor, op, seen = self.end, "lt", set[str]()
        read = 0
        while True:
            criteria = [{self.field: {op: cursor}}] if cursor else []
            records, has_next = self.query(criteria)
            updated = [(r.get("attributes") or {}).get("updatedAt") for r in records]
            check_order(self.obj, self.field, updated, descending=True)
            pairs = list(zip(records, updated, strict=True))
            fresh = [r for r, at in pairs if not (at == cursor and r["id"] in seen)]
            if fresh:
                read += len(fresh)
                yield rows_of(self.obj, fresh)
            if not has_next or len(records) < self.page_size:
                outcome[DONE] = True
                return
            first, last = updated[0], updated[-1]
            if not isinstance(last, str):
                raise SortNotHonoured(f"a {self.obj.table} search page ends without updatedAt")
            if first == last:  # a whole page at one instant: that instant paged apart
                ids = {r["id"] for r in records}
                for page in self.instant(last, already=seen | ids):
                    read += len(page)
                    yield page
                cursor, op, seen = last, "lt", set()
                end_after = last  # the instant is read whole
            else:
                seen = (seen if last == cursor else set()) | {
                    r["id"] for r, at in pairs if at == last
                }
                cursor, op = last, "lte"
                end_after = api_time(parse_api_time(last) + ONE_MS)  # its instant read again
            if read >= limit:
                outcome[NEXT_END] = end_after
                return


def read_chunk(
    client: KustomerClient,
    obj: KustomerObject,
    tuning: Tuning,
    bounds: tuple[str | None, str | None],
    limit: int,
    state: MutableMapping[str, Any],
) -> Iterator[TPage]:
    """One chunk of the object's range `bounds` (see the module docstring); its outcome goes in
    `state[CHUNK_STATE]`. Where search does not sort newest first, the rest of the range is read
    as an ordinary bounded range (merged on id) and the object is done."""
    outcome: dict[str, Any] = {}
    start, end = bounds
    try:
        yield from NewestFirst(client, obj, start, end, tuning.search_page_size).pages(
            limit, outcome
        )
    except SortNotHonoured as exc:
        logger.warning(f"{exc}; reading the rest of {obj.table}'s range in one chunk")
        outcome = {DONE: True}
        yield from read_incrementally(client, obj, tuning, 0, bounds, None)
    state[CHUNK_STATE] = outcome


def read_list_chunk(
    client: KustomerClient,
    obj: KustomerObject,
    tuning: Tuning,
    end: str,
    pages: tuple[int, int],
    state: MutableMapping[str, Any],
) -> Iterator[TPage]:
    """Pages `pages` (first, how many) of the object's list for a range that ends at `end` (see
    the module docstring); the outcome goes in `state[CHUNK_STATE]`: `NEXT_PAGE` or `DONE`. A
    chunk that starts past the list's end finds it ended (`lists.page_range` takes a 404 there
    as the end, kustomer-behaviour L4)."""
    first, count = pages
    slack = timedelta(seconds=max(tuning.list_cut_slack_s, 0))
    # with first_load_split off the list is read to its end (orgs with back-dated imports)
    stop = api_time(parse_api_time(end) + slack) if tuning.first_load_split else None
    size, concurrency = tuning.page_size, tuning.list_concurrency
    read, last_id, unordered, short = 0, "", False, False

    def pages_read() -> Iterator[list[Any]]:
        yield from page_range(client, obj, size, concurrency, first, count)
        if unordered:  # the list cannot stop early: on to its end
            yield from page_range(client, obj, size, concurrency, first + count, 1 << 30)

    for data in pages_read():
        read += 1
        ids = [str(record.get("id") or "") for record in data]
        if stop and any(b < a for a, b in zip([last_id, *ids], ids, strict=False)):
            logger.warning(
                f"{obj.table}: {obj.path} is not in ascending id order, so its part of a "
                "chunked first load cannot stop where the window begins; reading the rest "
                "of the list in this chunk"
            )
            stop, unordered = None, True
        last_id = max([last_id, *ids])
        yield rows_of(obj, data)
        created = (data[-1].get("attributes") or {}).get("createdAt") if data else None
        if stop and isinstance(created, str) and _api(created) >= stop:
            break
        short = len(data) < min(size, obj.page_size)  # the list's last page
    else:
        if read == count and not unordered and not short:
            state[CHUNK_STATE] = {NEXT_PAGE: first + count}
            return
    state[CHUNK_STATE] = {DONE: True}


def _api(at: str) -> str:
    """`at` in the API's own format (comparable as text)."""
    return at if len(at) == 24 and at.endswith("Z") else api_time(parse_api_time(at))
