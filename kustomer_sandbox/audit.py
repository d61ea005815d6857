"""``GET /v1/audit-logs``: cursor pagination over entries ordered by createdAt, then id.

inferred: the order (createdAt ascending, id as tie-break), ``filter[start]`` inclusive
and ``filter[end]`` exclusive, ``before`` returning the ``count`` entries right before
the cursor, and 400 for a cursor id that is not an audit-log entry.

The unkind option ``audit_order="newest"`` serves the OAS example's order instead: newest
first, a first page of the newest ``count`` entries, ``next`` = ``before=<last id>`` (older
ones), ``prev`` = ``after=<first id>`` (newer ones, the ``count`` right after the cursor).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .layout import DAY_MS
from .seq import IndexSeq, ListSeq, RangeSeq, merged_rank, merged_slice
from .store import Store, dumps, time_key
from .timefmt import day_start_ms, is_date_only, parse_iso
from .values import GENERATED_AUDIT_EXPIRY_DAYS

OBJ = "audit_logs"
#: filter[...] params that select entries by attribute
ATTR_FILTERS = {
    "filter[objectType]": "objectType",
    "filter[objectId]": "objectId",
    "filter[userId]": "userId",
}


class AuditError(ValueError):
    """A request Kustomer would answer with 400."""


@dataclass
class AuditPage:
    """One page: entries, and whether entries exist after / before it."""

    records: list[str]
    first_id: str | None
    last_id: str | None
    has_next: bool
    has_prev: bool
    #: entries the filters select, and those of them within the cursors
    total: int = 0
    cursor_count: int = 0


def parse_time(name: str, value: str) -> int:
    """A ``filter[start]``/``filter[end]`` value (ISO timestamp or date) as epoch ms."""
    try:
        return day_start_ms(value) if is_date_only(value) else parse_iso(value)
    except ValueError as exc:
        raise AuditError(f"{name}: {value!r} is not an ISO 8601 timestamp") from exc


def read_page(
    store: Store,
    count: int,
    after: str | None,
    before: str | None,
    start_ms: int | None,
    end_ms: int | None,
    filters: dict[str, str],
    newest: bool = False,
) -> AuditPage:
    """The entries after ``after`` (or right before ``before``) within the filters; with
    ``newest``, the newest ones first (without ``after``, those right before ``before`` or
    the end), ``has_next`` saying older entries exist and ``has_prev`` newer ones."""
    with store.lock:
        layout = store.org.layout(OBJ)
        st = store.states[OBJ]
        now = store.clock.now_ms()
        lo = layout.bisect_time(start_ms, 0) if start_ms is not None else 0
        hi = layout.bisect_time(end_ms, 0) if end_ms is not None else layout.n
        alive, expired = _unexpired_from(store, now)
        lo = max(lo, st.floor, alive)

        def keep(rec: dict[str, Any]) -> bool:
            ms = time_key(rec, "createdAt")[0]
            if start_ms is not None and ms < start_ms:
                return False
            if end_ms is not None and ms >= end_ms:
                return False
            if _expired(rec, now):
                return False
            return all(
                rec["attributes"].get(attr) == filters[param]
                for param, attr in ATTR_FILTERS.items()
                if param in filters
            )

        a: IndexSeq
        if any(p in filters for p in ATTR_FILTERS):
            a = ListSeq(
                [i for i in range(lo, hi) if i not in st.changed and keep(store.org.record(OBJ, i))]
            )
        else:
            a = RangeSeq(lo, hi, sorted(set(st.changed_sorted) | set(expired)))
        keys, recs = store.overlay_sorted(OBJ, "createdAt")
        pairs = [(k, r) for k, r in zip(keys, recs, strict=True) if keep(r)]
        b_keys = [k for k, _ in pairs]

        def key_of(i: int) -> Any:
            return layout.times(i)[0], layout.id(i)

        total = len(a) + len(b_keys)
        first, stop = 0, total
        if after is not None:
            first = merged_rank(a, key_of, b_keys, _cursor_key(store, after, "after", True))
        if before is not None:
            stop = merged_rank(a, key_of, b_keys, _cursor_key(store, before, "before", False))
        tail = after is None and (before is not None or newest)
        begin = max(first, stop - count) if tail else first
        end = min(begin + count, stop)
        picks = merged_slice(a, key_of, b_keys, begin, end - begin)
        if newest:
            picks = picks[::-1]
        texts = [dumps(pairs[n][1]) if from_b else store.record_json(OBJ, n) for from_b, n in picks]
        ids = [pairs[n][1]["id"] if from_b else layout.id(n) for from_b, n in picks]
        return AuditPage(
            texts,
            ids[0] if ids else None,
            ids[-1] if ids else None,
            has_next=begin > first if newest else end < stop,
            has_prev=end < total if newest else begin > 0,
            total=total,
            cursor_count=stop - first,
        )


def _cursor_key(store: Store, cursor: str, name: str, inclusive: bool) -> tuple[int, str]:
    """Sort key bounding a cursor: past the entry for ``after``, at it for ``before``."""
    rec = store.locate(OBJ, cursor)[1] if len(cursor) == 24 else None
    if rec is not None:
        ms, rid = time_key(rec, "createdAt")
    elif cursor in store.dropped_audit:  # inferred: an expired entry still marks its place
        ms, rid = store.dropped_audit[cursor], cursor
    else:
        layout = store.org.layout(OBJ)
        i = layout.index_of(cursor) if len(cursor) == 24 else None
        if i is None:
            raise AuditError(f"{name}: {cursor!r} is not an audit log id")
        ms, rid = layout.times(i)[0], cursor
    return (ms, rid + "\uffff") if inclusive else (ms, rid)


def expires_ms(rec: dict[str, Any]) -> int:
    """When an entry leaves the log: its ``expiresAt``. inferred: an entry without one (1 in 16
    generated entries leave it out or null) goes as the last one of its day would,
    ``GENERATED_AUDIT_EXPIRY_DAYS`` + 1 days after its creation."""
    value = rec["attributes"].get("expiresAt")
    try:
        if isinstance(value, str):
            return parse_iso(value)
    except ValueError:
        pass
    return time_key(rec, "createdAt")[0] + (GENERATED_AUDIT_EXPIRY_DAYS + 1) * DAY_MS


def _expired(rec: dict[str, Any], now_ms: int) -> bool:
    """True once the sandbox clock has reached the entry's expiry."""
    return expires_ms(rec) <= now_ms


def _unexpired_from(store: Store, now_ms: int) -> tuple[int, list[int]]:
    """The generated entries the clock has expired: every index below the first returned,
    and the listed ones just above it. A generated entry expires
    ``GENERATED_AUDIT_EXPIRY_DAYS`` plus under a day after its creation, so only the entries
    created within one day need reading."""
    layout = store.org.layout(OBJ)
    span = GENERATED_AUDIT_EXPIRY_DAYS * DAY_MS
    surely = layout.bisect_time(now_ms - span - DAY_MS + 1, 0)
    maybe = layout.bisect_time(now_ms - span + 1, 0)
    if maybe <= surely:
        return surely, []
    return surely, [i for i in range(surely, maybe) if _expired(store.org.record(OBJ, i), now_ms)]
