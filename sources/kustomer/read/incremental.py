"""How a search-synced object is read on each run: the dispatcher between a first load, a key
that may not search, a span checked by counting, and a plain incremental search."""

from __future__ import annotations

import time
from collections.abc import Generator, Iterator, Mapping
from typing import Any

import dlt
from dlt.common import logger

from ..api.client import KustomerClient
from ..catalog.objects import KustomerObject
from ..destination import ChangedHoldings, Holdings
from ..metrics import COMPARED_TO_METRIC, RECONCILED_METRIC, RELOADED_METRIC, REMOVED_METRIC
from ..rows import TPage
from ..settings import Tuning
from ..state import (
    COMPARED_TO,
    COMPARISON_BEGAN,
    COSTLY_COMPARISONS,
    LOOKBACK_SPAN,
    RECONCILED_AT,
    RECONCILED_FROM,
    RECONCILED_SEARCHES,
    REDACTIONS_READ_UNTIL,
)
from .first_load import read_first_load, read_unsearched
from .lists import read_list
from .lookback import SeenSpan, SpanTracker, read_span_checked
from .parallel import search_changes
from .reconcile import Findings, reconcile
from .redactions import read_redacted
from .search import KeysetScan, Probe, SortNotHonoured, probe_unless_refused, reaches_past_search

Changes = dict[str, tuple[str, bool]]
"""What a run loaded: id -> (createdAt, deleted) of each record."""


#: a comparison with the org that spent more searches than this in a run (an object of more
#: than 10,000 records: search may cap such totals, so it is compared in ranges, more the bigger
#: the org) makes the next one wait until `COMPARISON_SHARE` of the search budget has paid for
#: the costly comparisons of all objects
COSTLY_COMPARISON = 20
COMPARISON_SHARE = 0.1


def comparison_wait_s(
    state: dict[str, Any],
    tuning: Tuning,
    search_limit: float | None,
    costly: Mapping[str, int] | None = None,
) -> float:
    """How long after an object's last comparison with the org (or the last run's part of one)
    the next run's waits: `tuning.reconcile_every_s` (not within an unfinished comparison,
    which goes on), or longer after a costly one (`COSTLY_COMPARISON`): the searches of every
    object's last costly comparison (`costly`, by table) paid for by `COMPARISON_SHARE` of the
    search budget (`search_limit` a minute; None, unpaced: no wait). So the comparisons of a big
    org spend on average at most that share, each object in turn."""
    wait = 0.0 if state.get(COMPARED_TO) else float(tuning.reconcile_every_s)
    spent = state.get(RECONCILED_SEARCHES)
    if isinstance(spent, int) and spent > COSTLY_COMPARISON and search_limit:
        total = max(spent, sum((costly or {}).values()))
        wait = max(wait, 60.0 * total / (COMPARISON_SHARE * search_limit))
    return wait


def read_incrementally(
    client: KustomerClient,
    obj: KustomerObject,
    tuning: Tuning,
    lookback_s: float,
    bounds: tuple[str | None, str | None],
    state: dict[str, Any] | None,
) -> Generator[TPage, None, tuple[str | None, Changes]]:
    """The records of `obj` changed in `bounds` ([start, end), from dlt's incremental), with the
    lookback span kept in `state` (the resource's state; None on a bounded run, which keeps
    none): read before the run, written back after it unless the run found it unchanged.
    Returns the newest `updatedAt` loaded, now or by an earlier run (None: none known), and on
    an incremental run what it loaded (for the comparison with the org that follows)."""
    seen = SeenSpan.from_state(state.get(LOOKBACK_SPAN)) if state is not None else None
    tracker = SpanTracker(lookback_s, seen.cursor if seen else None)
    changes: Changes = {}
    pages = tracker.watch(read_changed(client, obj, tuning, *bounds, seen))
    if bounds[0] is not None and state is not None:
        pages = _noted(pages, changes)
    unchanged = yield from pages
    span = tracker.span()
    if state is not None and not unchanged and span is not None:
        state[LOOKBACK_SPAN] = span.to_state()
    return tracker.newest, changes


def _noted(pages: Generator[TPage, None, bool], changes: Changes) -> Generator[TPage, None, bool]:
    """`pages` passed on, each record's createdAt and deleted flag noted in `changes`."""
    try:
        while True:
            try:
                page = next(pages)
            except StopIteration as done:
                return bool(done.value)
            for row in page:
                created = row.get("createdAt")
                if isinstance(row.get("id"), str) and isinstance(created, str):
                    changes[row["id"]] = (created, row.get("deleted") is True)
            yield page
    finally:
        pages.close()


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

    Every search page is checked to be in the order asked for: where Kustomer ignores a sort
    (undocumented outside the customer context), the list is read whole instead, with a warning
    (the merge on id absorbs what was read before).
    """
    try:
        return (yield from _read_changed(client, obj, tuning, start, end, seen))
    except SortNotHonoured as exc:
        logger.warning(
            f"{exc}; reading {obj.path} whole, and the records changed since the cursor "
            "(soft-deleted ones too, which lists leave out) by page number, merged on id"
        )
        yield from read_list(client, obj, tuning.page_size, tuning.list_concurrency)
        if start is not None:
            scan = KeysetScan(client, obj, start, end, tuning.search_page_size)
            yield from scan.unsorted()
        return False


def _read_changed(
    client: KustomerClient,
    obj: KustomerObject,
    tuning: Tuning,
    start: str | None,
    end: str | None,
    seen: SeenSpan | None,
) -> Generator[TPage, None, bool]:
    if start is None and end is None and tuning.first_load_split:
        # a plain first load: its first search page stands in for the probe
        yield from read_first_load(client, obj, None, None, None, tuning)
        return False
    # a key that may not search reads the list whole, on every run (merged on id)
    probe: Probe | None = probe_unless_refused(client, obj, start, end)
    if probe is None:
        yield from read_unsearched(client, obj, tuning)
        return False
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


def read_what_left(
    client: KustomerClient,
    obj: KustomerObject,
    tuning: Tuning,
    read: tuple[str, str],
    state: dict[str, Any],
    held: Mapping[str, Holdings],
    changes: Changes,
) -> Iterator[TPage | Any]:
    """After an incremental read of `read` (its start and the newest `updatedAt` loaded): the
    records that left the org or that the destination lacks (`reconcile` against `held`, what the
    destination holds by table, with this run's `changes`; at most once per
    `tuning.reconcile_every_s`) among those created before the newest `updatedAt` (a record
    created before it was loaded by now unless it changed after this run read it), and for
    messages the ones redacted since the last run (`redactions`). The counts go to the
    resource's custom metrics, which the run's summary shows."""
    start, newest = read
    if obj.table == "messages":
        # the first time, from the run's start: a cursor in Kustomer's own clock
        yield from read_redacted(client, obj, state, REDACTIONS_READ_UNTIL, start)
    last = state.get(RECONCILED_AT)
    costly = dlt.current.source_state().setdefault(COSTLY_COMPARISONS, {})
    wait = comparison_wait_s(state, tuning, client.limiter.budgets["search"].limit, costly)
    if isinstance(last, int | float) and time.time() - last < wait:
        return
    own = held.get(obj.table)
    if own is None:
        return
    findings = Findings()
    with_changes = own if not changes else ChangedHoldings(own, changes)
    since = state.get(RECONCILED_FROM)
    until = max(start, newest)
    resume_from = state.get(COMPARED_TO)
    began = state.get(COMPARISON_BEGAN, start) if resume_from else start
    budget = tuning.comparison_searches or None
    yield from reconcile(
        client, obj, with_changes, until, findings, held.get("notes"), since, resume_from, budget
    )
    state[RECONCILED_AT] = time.time()
    state[RECONCILED_SEARCHES] = findings.searches
    if findings.searches > COSTLY_COMPARISON:
        costly[obj.table] = findings.searches
    else:
        costly.pop(obj.table, None)
    if findings.stopped_at:  # the next run goes on from there
        state[COMPARED_TO], state[COMPARISON_BEGAN] = findings.stopped_at, began
        reached = f"; compared up to {findings.stopped_at}, the next run goes on"
    else:
        state.pop(COMPARED_TO, None)
        state.pop(COMPARISON_BEGAN, None)
        state[RECONCILED_FROM] = began
        reached = ""
    metrics = dlt.current.resource().custom_metrics
    metrics[REMOVED_METRIC] = len(findings.removed)
    metrics[RELOADED_METRIC] = findings.reloaded
    if findings.stopped_at:
        metrics[COMPARED_TO_METRIC] = findings.stopped_at
    metrics[RECONCILED_METRIC] = (
        f"created {'from ' + resume_from + ' ' if resume_from else ''}before {start}: "
        f"{len(findings.removed)} gone, {findings.reloaded} loaded again "
        f"({findings.searches} searches{reached})"
    )
