"""Readers side by side: one object's changes searched in time ranges at once, and the pages of
several readers merged as they arrive (each reader drained in its own thread)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from dlt.common import logger

from ..api.client import KustomerClient
from ..api.times import api_time, parse_api_time
from ..catalog.objects import KustomerObject
from ..rows import TPage
from .search import SEARCH_PAGE_SIZE, KeysetScan, Probe, oldest_change_after


def split_range(oldest: str, newest: str, parts: int) -> list[str]:
    """Up to `parts - 1` instants cutting [oldest, newest] into spans of equal length."""
    lo, hi = parse_api_time(oldest), parse_api_time(newest)
    step = (hi - lo) / parts
    cuts = {api_time(lo + step * i) for i in range(1, parts)}
    return sorted(cut for cut in cuts if lo < parse_api_time(cut) <= hi)


def search_changes(
    client: KustomerClient,
    obj: KustomerObject,
    start: str,
    end: str | None,
    probe: Probe,
    page_size: int,
    concurrency: int = 1,
) -> Iterator[TPage]:
    """The records changed in [start, end) through search, in up to `concurrency` time ranges
    read side by side when the probe counts more than two pages of changes.

    The ranges cut the span from the oldest change after `start` (one more search request) to
    the newest into equal lengths; the first range still starts at `start` and the last one stays
    open up to `end`, so records changed during the run still arrive. Each range is its own
    keyset scan, and the shared limiter keeps all of them within the search budget.
    """
    size = min(page_size, SEARCH_PAGE_SIZE)
    pages = -(-(probe.total or 0) // size)
    oldest = None
    if concurrency > 1 and pages > 2 and probe.newest is not None:
        oldest = oldest_change_after(client, obj, start, end)
    if oldest is None or probe.newest is None:
        yield from KeysetScan(client, obj, start, end, size)
        return
    cuts = split_range(oldest, probe.newest, min(concurrency, pages))
    bounds = [start, *cuts]
    scans = [
        KeysetScan(client, obj, lo, hi, size) for lo, hi in zip(bounds, [*cuts, end], strict=True)
    ]
    logger.info(f"{obj.table}: reading {probe.total} changes in {len(scans)} time ranges")
    yield from side_by_side(scans)


def side_by_side(sources: Sequence[Iterable[TPage]], buffered: int = 4) -> Iterator[TPage]:
    """The pages of several readers, each drained in its own thread, in the order they arrive.

    At most `buffered` pages wait at a time (memory stays bounded); the first error stops the
    other readers and is raised here. Each reader that is a generator is closed when it stops,
    so its `finally` runs before this returns (a first load's list settles its frontier there,
    which is what a spare search lane waits for).
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
