"""How a search-synced object is read on each run: the dispatcher between a first load, a key
that may not search, a span checked by counting, and a plain incremental search."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

from ..api.client import KustomerClient
from ..catalog.objects import KustomerObject
from ..rows import TPage
from ..settings import Tuning
from ..state import LOOKBACK_SPAN
from .first_load import read_first_load, read_unsearched
from .lookback import SeenSpan, SpanTracker, read_span_checked
from .parallel import search_changes
from .search import Probe, probe_changes, probe_unless_refused, reaches_past_search


def read_incrementally(
    client: KustomerClient,
    obj: KustomerObject,
    tuning: Tuning,
    lookback_s: float,
    bounds: tuple[str | None, str | None],
    state: dict[str, Any] | None,
) -> Iterator[TPage]:
    """The records of `obj` changed in `bounds` ([start, end), from dlt's incremental), with the
    lookback span kept in `state` (the resource's state; None on a bounded run, which keeps
    none): read before the run, written back after it unless the run found it unchanged."""
    seen = SeenSpan.from_state(state.get(LOOKBACK_SPAN)) if state is not None else None
    tracker = SpanTracker(lookback_s, seen.cursor if seen else None)
    unchanged = yield from tracker.watch(read_changed(client, obj, tuning, *bounds, seen))
    span = tracker.span()
    if state is not None and not unchanged and span is not None:
        state[LOOKBACK_SPAN] = span.to_state()


def read_changed(
    client: KustomerClient,
    obj: KustomerObject,
    tuning: Tuning,
    start: str | None,
    end: str | None,
    seen: SeenSpan | None,
) -> Generator[TPage, None, bool]:
    """A search-synced object: the records changed in [start, end); returns whether the lookback
    span `seen` (what the previous run loaded where this one starts) was found unchanged by
    counting (see `read.lookback`).

    Search only sees the last two years, so when `start` is older than that (or absent, on a first
    full load) the list endpoint and search read it side by side (`first_load.read_first_load`),
    and then a search picks up everything changed while they were being read.
    """
    if start is None and end is None and tuning.first_load_split:
        # a plain first load: its first search page stands in for the probe
        yield from read_first_load(client, obj, None, None, None, tuning)
        return False
    probe: Probe | None
    if reaches_past_search(start, None):
        probe = probe_unless_refused(client, obj, start, end)
        if probe is None:
            yield from read_unsearched(client, obj, tuning)
            return False
    else:
        probe = probe_changes(client, obj, start, end)
    if reaches_past_search(start, probe):
        yield from read_first_load(client, obj, start, end, probe, tuning)
        return False
    # only a run that reaches past search has no start or tolerates a refused search
    assert probe is not None and start is not None
    size, concurrency = tuning.search_page_size, tuning.search_concurrency
    if seen is not None and end is None and seen.ties and seen.start == start:
        return (yield from read_span_checked(client, obj, start, probe, seen, size, concurrency))
    yield from search_changes(client, obj, start, end, probe, size, concurrency)
    return False
