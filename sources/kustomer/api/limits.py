"""The run's shared rate budget: Kustomer's org budget and the separate search budget.

dlt retries 429s but has no proactive limiter, so this module paces requests. Every request of a
run, from every resource and thread, takes a slot from `RateLimiter.acquire` before it is sent;
every response feeds `observe`, which learns the budget from `x-ratelimit-*` headers and, on a 429
or a nearly spent window, holds every thread until the window resets.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal

from dlt.common import logger
from requests import Response

BudgetKind = Literal["org", "search"]


class RunStopped(Exception):
    """A request asked for after the run stopped (`RateLimiter.close`)."""


# Kustomer's lowest plan allows 300 requests a minute; assumed until a response says otherwise.
DEFAULT_ORG_LIMIT = 300
# API keys may send 100 search requests a minute (Kustomer rate-limit docs).
DEFAULT_SEARCH_LIMIT = 100
WINDOW_S = 60.0
# slots an idle budget may spend at once (see `Budget.burst`)
MAX_BURST = 3
# searches sent within one org rate window before `SearchCountLearner` judges
MIN_SEARCH_EVIDENCE = 20


def parse_reset(value: str | None, now: float) -> float | None:
    """`x-ratelimit-reset` as an absolute epoch time; accepts epoch seconds, epoch ms or seconds to
    go (Kustomer does not document the unit: inferred from peers that read it both ways)."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    if number > 1e12:  # epoch milliseconds
        return number / 1000.0
    if number > 1e9:  # epoch seconds
        return number
    return now + max(number, 0.0)


@dataclass
class Budget:
    """One per-minute budget, paced evenly: a request every 60 / (limit * share) seconds.

    `limit` starts as an assumption and is replaced by `x-ratelimit-limit` from responses; a
    server that has never sent the header (a sandbox with limits off) is not paced, though its
    429s are still honoured.
    """

    limit: float | None
    share: float
    next_slot: float = 0.0
    blocked_until: float = 0.0
    headers_seen: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def interval(self) -> float:
        if self.limit is None:
            return 0.0
        return WINDOW_S / max(self.limit * self.share, 1e-9)

    @property
    def burst(self) -> int:
        """Slots a budget left idle may spend at once: at most 3, and within half the headroom
        the share leaves, so no minute sees more than `limit` (none at a share of 1)."""
        if self.limit is None:
            return 0
        return int(min(MAX_BURST, self.limit * (1 - self.share) / 2))

    def reserve(self) -> float:
        """Books the next free slot and returns the time at which it may be used. A budget that
        was idle lends up to `burst` slots it did not use (the run's first searches, the last
        ones of each object), so a few requests in a row need not wait a pace apart."""
        with self.lock:
            now = time.monotonic()
            earliest = now - self.burst * self.interval
            slot = max(earliest, self.next_slot, self.blocked_until)
            self.next_slot = slot + self.interval
            return max(slot, now)

    def reserve_now(self) -> float:
        """Books a slot ahead of those already booked: usable as soon as the budget is not held,
        and every later booking moves back by one interval, so the pace over time stays the
        same. Already booked slots are not moved, so a window can see a few more requests than
        the pace (the share's headroom absorbs them)."""
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.blocked_until)
            self.next_slot = max(self.next_slot, slot) + self.interval
            return slot

    def learn(self, limit: float) -> None:
        """Takes the limit a response states. The slots booked ahead at the old pace count as if
        booked at the new one, so the first requests of a run, booked while the lowest plan was
        assumed, do not hold back the next ones on a larger plan (nor crowd a smaller one)."""
        with self.lock:
            old = self.interval
            self.limit, self.headers_seen = limit, True
            now = time.monotonic()
            if old > 0 and self.next_slot > now:
                self.next_slot = now + (self.next_slot - now) * self.interval / old

    def block(self, until_monotonic: float) -> None:
        with self.lock:
            self.blocked_until = max(self.blocked_until, until_monotonic)


@dataclass(frozen=True)
class _Mark:
    """An org response to count from: its window, the remaining it showed, and how many org
    and search requests this run had sent when its request went out (itself included)."""

    reset: float
    remaining: int
    org_sent: int
    search_sent: int


class SearchCountLearner:
    """Learns whether Kustomer counts search requests against the org budget, which its
    documentation does not say, from the org budget's `x-ratelimit-remaining`.

    Within one rate window, the org requests the server counted between two org responses
    (the fall of `remaining`) are compared with the org and search requests this run sent
    between them; counted means at least half the searches are in the fall. Other clients of
    the org only add to the fall, so they can make searches look counted (the safe reading),
    never not counted.
    """

    def __init__(self) -> None:
        self.counts: bool | None = None  # None: not judged yet
        self._sent = {"org": 0, "search": 0}
        self._mark: _Mark | None = None
        self._lock = threading.Lock()
        self._local = threading.local()

    def sent(self, kind: BudgetKind) -> None:
        """A request of this thread goes out now."""
        with self._lock:
            self._sent[kind] += 1
            self._local.sent = (self._sent["org"], self._sent["search"])

    def discard(self) -> None:
        """Forgets the evidence gathered so far: a 429 spends nothing on the server but was
        counted as sent here, which would make searches look uncounted."""
        with self._lock:
            self._mark = None

    def observe_org(self, remaining: int, reset_at: float) -> bool | None:
        """Takes an org response of this thread; returns a verdict when it changed."""
        sent: tuple[int, int] | None = getattr(self._local, "sent", None)
        if sent is None:
            return None
        with self._lock:
            mark, here = self._mark, _Mark(reset_at, remaining, *sent)
            if mark is None or abs(reset_at - mark.reset) > 2.0:
                self._mark = here  # a new window: count from here
                return None
            if sent[0] <= mark.org_sent:  # sent before the mark, answered after it
                return None
            searches = sent[1] - mark.search_sent
            if searches < MIN_SEARCH_EVIDENCE:
                return None
            fall = mark.remaining - remaining
            verdict = fall >= (sent[0] - mark.org_sent) + searches / 2
            self._mark = here  # the next verdict on fresh evidence
            changed, self.counts = verdict != self.counts, verdict
            return verdict if changed else None


class RateLimiter:
    """Paces all requests of a run under `share` of the org budget and of the search budget."""

    def __init__(
        self,
        share: float = 0.5,
        org_limit: float = DEFAULT_ORG_LIMIT,
        search_limit: float = DEFAULT_SEARCH_LIMIT,
        search_counts_org: bool | None = True,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError(f"rate_limit_share must be in (0, 1], got {share}")
        self.share = share
        # Kustomer's rate-limit page counts the org limit over every request "regardless the
        # endpoint" and names the search limit beside it without saying whether searches are
        # part of the org's count: True takes a slot of both for a search (never a 429 either
        # way), False spends only the search budget on it, None learns which from the org
        # budget's headers (`SearchCountLearner`), counting searches there until it knows.
        self.search_counts_org = search_counts_org
        self.learner = SearchCountLearner() if search_counts_org is None else None
        self.budgets: dict[BudgetKind, Budget] = {
            "org": Budget(org_limit, share),
            "search": Budget(search_limit, share),
        }
        self.throttled = 0
        self.closed = False  # `close`d: requests are refused
        self._count_lock = threading.Lock()
        self._waits = threading.local()

    def close(self) -> None:
        """Refuses every request from now on: the run has stopped, and the threads still reading
        for it end at their next request instead of reading on."""
        self.closed = True

    def acquire(self, kind: BudgetKind) -> None:
        """Blocks until this request may be sent.

        A search request takes a slot of the search budget and, with `search_counts_org`, one of
        the org budget too, booked ahead of the list requests already waiting there: the search
        budget is the scarcer one, and queued behind seconds of list slots it would idle.
        """
        if self.closed:
            raise RunStopped("the run has stopped; no more requests are sent")
        slot = self.budgets[kind].reserve()
        if kind == "search" and self.searches_count_org:
            slot = max(slot, self.budgets["org"].reserve_now())
        delay = slot - time.monotonic()
        self._waits.last = max(delay, 0.0)
        if delay > 0:
            time.sleep(delay)
        if self.learner is not None:
            self.learner.sent(kind)

    @property
    def searches_count_org(self) -> bool:
        """Whether a search takes an org slot now: as set, else as learned (until then, yes)."""
        if self.search_counts_org is not None:
            return self.search_counts_org
        learned = self.learner.counts if self.learner is not None else None
        return True if learned is None else learned

    def last_wait(self) -> float:
        """How long this thread's last request waited for its slot (seconds)."""
        return float(getattr(self._waits, "last", 0.0))

    def idle(self, kind: BudgetKind) -> bool:
        """Whether a request of this kind could be sent now without waiting: nothing is booked
        ahead on its budget (the requests in flight are slower than the budget's pace)."""
        budget = self.budgets[kind]
        now = time.monotonic()
        return budget.next_slot <= now and budget.blocked_until <= now

    def observe(self, response: Response, kind: BudgetKind) -> None:
        """Learns the budget from the headers; holds everyone on a 429 or a spent window."""
        headers = response.headers
        budget = self.budgets[kind]
        wall_now, mono_now = time.time(), time.monotonic()
        limit = headers.get("x-ratelimit-limit")
        if limit and limit.isdigit() and int(limit) > 0:
            budget.learn(float(limit))
        else:
            for unknown in self.budgets.values():
                if not unknown.headers_seen:
                    unknown.limit = None
        reset_at = parse_reset(headers.get("x-ratelimit-reset"), wall_now)
        remaining = headers.get("x-ratelimit-remaining")
        spent = remaining is not None and remaining.isdigit() and int(remaining) <= 0
        if self.learner is not None and response.status_code == 429:
            self.learner.discard()
        if (
            self.learner is not None
            and kind == "org"
            and response.status_code != 429
            and remaining is not None
            and remaining.isdigit()
            and reset_at is not None
        ):
            verdict = self.learner.observe_org(int(remaining), reset_at)
            if verdict is not None:
                logger.info(
                    f"Kustomer {'counts' if verdict else 'does not count'} search requests "
                    "against the org's rate budget (learned from x-ratelimit-remaining); "
                    "searches are paced accordingly"
                )
        if response.status_code == 429 or spent:
            if response.status_code == 429:
                with self._count_lock:
                    self.throttled += 1
            wait = (reset_at - wall_now) if reset_at else WINDOW_S
            budget.block(mono_now + min(max(wait, 0.0), WINDOW_S) + 0.05)


#: limiters shared while `shared_rate_budget` is active: (host, key digest, share, counting)
_shared: dict[tuple[str, str, float, bool | None], RateLimiter] | None = None
_shared_lock = threading.Lock()


@contextmanager
def shared_rate_budget() -> Iterator[None]:
    """Inside the block, sources made for the same host and key pace their requests with one
    `RateLimiter`: the runner's first load in chunks loads several chunks at once, each through
    its own source, and each with a limiter of its own would spend the budget several times."""
    global _shared
    with _shared_lock:
        outer, _shared = _shared, {} if _shared is None else _shared
    try:
        yield
    finally:
        with _shared_lock:
            for limiter in (_shared or {}).values():
                if outer is None or limiter not in outer.values():
                    limiter.close()  # the block's readers still running stop at their next request
            _shared = outer


def run_limiter(
    base_url: str, api_key: str, share: float, search_counts_org: bool | None
) -> RateLimiter:
    """A new `RateLimiter`, or inside `shared_rate_budget` the one made for the same host, key,
    share and search counting."""
    if _shared is None:
        return RateLimiter(share=share, search_counts_org=search_counts_org)
    digest = hashlib.sha256(api_key.encode()).hexdigest()
    key = (base_url, digest, share, search_counts_org)
    with _shared_lock:
        if key not in _shared:
            _shared[key] = RateLimiter(share=share, search_counts_org=search_counts_org)
        return _shared[key]
