"""Where each generated record sits: per-object counts, hashes, ids and timestamps.

Record ``i`` of an object is a pure function of ``(seed, object, i)``. Timestamps grow
with ``i``: the ~3 years before the sandbox clock's start are cut into ``n`` slots,
record ``i`` is created in the first half of slot ``i`` and last updated in the second
half, so ``createdAt``, ``updatedAt`` and the (time-ordered) id all increase with the
index and range queries can bisect on the index.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timezone

MASK = (1 << 64) - 1
GOLD = 0x9E3779B97F4A7C15
DAY_MS = 86_400_000

#: the sandbox clock starts here, whatever the seed
CLOCK_START = datetime(2026, 11, 1, tzinfo=timezone.utc)
CLOCK_START_MS = int(CLOCK_START.timestamp() * 1000)
#: generated records are spread over this span before the clock's start ...
SPAN_MS = 3 * 365 * DAY_MS
#: ... ending this long before it
END_GAP_MS = 60_000
#: record 0 of every configuration object (the first user, team, brand, ...) was made when the
#: org was set up, a month before the data begins; the first user a day before that, so every
#: record has a creator made before it
ORG_SETUP_MS = CLOCK_START_MS - END_GAP_MS - SPAN_MS - 30 * DAY_MS
FIRST_USER_MS = ORG_SETUP_MS - DAY_MS

#: objects served as one object, not a list
SINGLES = frozenset(
    {
        "auth_customer_settings",
        "chat_settings",
        "customers_searches_positions",
        "outbound_webhooks_events",
    }
)


def mix64(x: int) -> int:
    """SplitMix64 finalizer: a well-spread 64-bit hash of ``x``."""
    x &= MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def salt_of(*parts: object) -> int:
    """A stable 64-bit salt for a tuple of values (independent of PYTHONHASHSEED)."""
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def object_counts(seed: int, scale: int) -> dict[str, int]:
    """How many records each object has for ``(seed, scale)``.

    The big objects scale with ``scale``; configuration objects stay small (3-10
    records, users 10-25, teams 4-12) as in a real org; single objects have one.
    """
    from .spec import load_spec

    s = max(1, scale)
    big = {
        "customers": s,
        "conversations": s,
        "messages": 4 * s,
        "notes": s,
        "audit_logs": 2 * s,
        "routing_work_items": s,
        "routing_work_sessions": s // 2,
        "companies": s // 5,
    }
    counts: dict[str, int] = {}
    for table in load_spec():
        if table in SINGLES:
            counts[table] = 1
        elif table in big:
            counts[table] = max(3, big[table])
        else:
            h = salt_of(seed, "count", table)
            if table == "users":
                counts[table] = 10 + h % 16
            elif table == "teams":
                counts[table] = 4 + h % 9
            else:
                counts[table] = 3 + h % 8
    return counts


class Layout:
    """Index arithmetic of one object's generated records.

    Record ``i`` is created in the part ``[lo/4, hi/4)`` of its time slot (default the first
    half) and last updated in the second half of slot ``i + lag`` (default its own slot; the
    last records' updatedAt is capped just before the data's end). A ``timer`` replaces both
    (children whose times follow their parent's story). Both times increase strictly with ``i``.
    """

    __slots__ = (
        "obj",
        "n",
        "salt",
        "machine",
        "t0",
        "step",
        "_id_tail",
        "quarters",
        "lag",
        "first_created",
        "timer",
    )

    def __init__(
        self,
        seed: int,
        obj: str,
        n: int,
        quarters: tuple[int, int] = (0, 2),
        lag: int = 0,
        first_created: int | None = None,
    ) -> None:
        self.obj = obj
        self.n = n
        self.salt = salt_of(seed, "object", obj)
        self.machine = salt_of(seed, "machine", obj) & 0xFFFFFF
        self.t0 = CLOCK_START_MS - END_GAP_MS - SPAN_MS
        self.step = SPAN_MS / max(1, n)
        self._id_tail = f"{self.machine:06x}"
        self.quarters = quarters
        self.lag = lag
        #: createdAt of record 0 where it is not in its slot (configuration objects)
        self.first_created = first_created
        #: ``i -> (createdAt, updatedAt)`` where the times follow another record's
        self.timer: Callable[[int], tuple[int, int]] | None = None

    def hash(self, i: int) -> int:
        """The 64-bit hash that every random choice of record ``i`` derives from."""
        return mix64(self.salt ^ (((i + 1) * GOLD) & MASK))

    def times(self, i: int, h: int | None = None) -> tuple[int, int]:
        """``(createdAt, updatedAt)`` of record ``i`` in epoch ms; both increase with ``i``."""
        if self.timer is not None:
            return self.timer(i)
        if h is None:
            h = mix64(self.salt ^ (((i + 1) * GOLD) & MASK))
        step = self.step
        offset = int(i * step)
        length = max(2, int((i + 1) * step) - offset)
        start = self.t0 + offset
        half = length // 2
        lo_q, hi_q = self.quarters
        if lo_q == 0 and hi_q == 2:
            created = start + (h >> 20) % half
        else:
            lo, hi = length * lo_q // 4, length * hi_q // 4
            created = start + lo + (h >> 20) % max(1, hi - lo)
        if i == 0 and self.first_created is not None:
            created = self.first_created
        if not self.lag:
            return created, start + half + (h >> 3) % max(1, length - half - 1)
        j = i + self.lag
        offset = int(j * step)
        length = max(2, int((j + 1) * step) - offset)
        half = length // 2
        updated = self.t0 + offset + half + (h >> 3) % max(1, length - half - 1)
        # the last records' window runs past the data's end: they are spread over the second
        # half of the last slot instead, in order (after every record of the last slots)
        spacing = max(1, int(step) // (2 * (self.lag + 1)))
        cap = self.t0 + SPAN_MS - (self.n - i) * spacing + (h >> 40) % max(1, spacing // 2)
        return created, min(updated, cap)

    def id(self, i: int, created_ms: int | None = None) -> str:
        """The 24-hex ObjectId-like id: creation seconds, object tag, index counter."""
        if created_ms is None:
            created_ms = self.times(i)[0]
        return f"{created_ms // 1000:08x}{self._id_tail}{i:010x}"

    def new_id(self, counter: int, now_ms: int) -> str:
        """Id of a record created through the control API (sorts after generated ones)."""
        return f"{now_ms // 1000:08x}{self._id_tail}{counter:010x}"

    def index_of(self, record_id: str) -> int | None:
        """The generated index an id belongs to, or None if it is not a generated id."""
        if len(record_id) != 24 or record_id[8:14] != self._id_tail:
            return None
        try:
            i = int(record_id[14:], 16)
        except ValueError:
            return None
        if i >= self.n or self.id(i) != record_id:
            return None
        return i

    def bisect_time(self, ms: int, which: int) -> int:
        """First index whose createdAt (``which=0``) or updatedAt (``1``) is >= ``ms``."""
        lo, hi = 0, self.n
        while lo < hi:
            mid = (lo + hi) // 2
            if self.times(mid)[which] < ms:
                lo = mid + 1
            else:
                hi = mid
        return lo

    def bisect_id(self, record_id: str) -> int:
        """First index whose id is >= ``record_id`` (ids increase with the index)."""
        lo, hi = 0, self.n
        while lo < hi:
            mid = (lo + hi) // 2
            if self.id(mid) < record_id:
                lo = mid + 1
            else:
                hi = mid
        return lo


def children(parent_n: int, child_n: int, p: int) -> range:
    """Indices of the child records that belong to parent ``p``.

    Child ``j`` belongs to parent ``j * parent_n // child_n`` (see :func:`parent_of`).
    """
    first = -((-p * child_n) // parent_n)
    last = -((-(p + 1) * child_n) // parent_n)
    return range(first, last)


def parent_of(parent_n: int, child_n: int, j: int) -> int:
    """The parent index of child ``j`` (children are spread evenly, in time order)."""
    return j * parent_n // child_n


class UnevenChildren:
    """Children spread unevenly over parents, still in time order and computed in O(1).

    Parent ``p`` owns children ``first(p) .. first(p + 1) - 1`` with
    ``first(p) = ceil(p * child_n / parent_n) + jitter(p)``: the jitter (0..3, and 0 at
    both ends) moves each boundary by a few children, so with 4 children per parent on
    average a parent has 1 to 7 of them. Used for the messages of a conversation.
    """

    __slots__ = ("parent_n", "child_n", "salt", "jitter")

    def __init__(self, parent_n: int, child_n: int, salt: int) -> None:
        self.parent_n = parent_n
        self.child_n = child_n
        self.salt = salt
        # each parent keeps at least one child: jitter < the smallest even share
        self.jitter = max(0, min(3, child_n // max(1, parent_n) - 1))

    def first(self, p: int) -> int:
        """Index of the first child of parent ``p`` (``child_n`` for ``p = parent_n``)."""
        base = -((-p * self.child_n) // self.parent_n)
        # the first three parents keep the even share (they carry every field: a reply too)
        if self.jitter == 0 or p <= 3 or p >= self.parent_n:
            return base
        return base + mix64(self.salt ^ ((p * GOLD) & MASK)) % (self.jitter + 1)

    def children(self, p: int) -> range:
        """Indices of the children of parent ``p``."""
        return range(self.first(p), self.first(p + 1))

    def parent(self, j: int) -> int:
        """The parent of child ``j``: at or just below its even parent."""
        p = j * self.parent_n // self.child_n
        while p > 0 and self.first(p) > j:
            p -= 1
        return p
