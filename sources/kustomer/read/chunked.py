"""One chunk of a first load in chunks: the newest records of a bounded range, a fixed number
at a time, each chunk ending where the next one starts (the runner's `--first-load-chunk-records`).

A chunk reads the records changed in [start, end) newest `updatedAt` first, keyset-paged (`lt`
the chunk's end, then `lte` the last updatedAt read with the ids seen there skipped, as
`KeysetScan` pages up), and stops after the page that brings it to `limit` records. It notes in
the resource's state where the next chunk of the object ends (`NEXT_END`) or that the range is
read (`DONE`); the runner reads that back from the chunk's pipeline once its extract ended, so a
chunk's end is where the data committed before it stops, whatever the clock. A record changed
while the chunks are read moves above the range's end and is the final run's (`chunks`), and
records never move down, so chunks read newest first miss nothing and the newest records land
first.
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
from .search import KeysetScan, SortNotHonoured, check_order

#: where the resource's state keeps a chunk's outcome
CHUNK_STATE = "first_load_chunk"
NEXT_END, DONE = "next_end", "done"
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
