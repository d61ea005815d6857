"""Traffic policies: rate-limit budgets, latency, injected faults, and request counters."""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections import Counter
from collections.abc import Mapping
from typing import Literal

ResetHeader = Literal["epoch", "seconds"]
Fault = Literal["5xx", "drop", "malformed"]
PageFault = Literal["404", "no_links", "data_not_list"]
PAGE_FAULTS: tuple[PageFault, ...] = ("404", "no_links", "data_not_list")
WINDOW_S = 60


class Budget:
    """A per-minute request budget in fixed 60-second windows of wall time.

    inferred: windows are aligned to the wall-clock minute; Kustomer only says the
    budget "refills at the reset time shown in x-ratelimit-reset".
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._window = -1
        self._used = 0

    def _roll(self, now: float) -> None:
        window = int(now // WINDOW_S)
        if window != self._window:
            self._window, self._used = window, 0

    def available(self, now: float) -> bool:
        """True when a request may pass (always when the limit is 0 = off)."""
        self._roll(now)
        return self.limit <= 0 or self._used < self.limit

    def take(self, now: float) -> None:
        """Spend one request."""
        self._roll(now)
        self._used += 1

    def headers(self, now: float, reset_header: ResetHeader) -> dict[str, str]:
        """``x-ratelimit-*`` headers (none when the limit is off)."""
        if self.limit <= 0:
            return {}
        self._roll(now)
        reset = (self._window + 1) * WINDOW_S
        # inferred switch: epoch seconds of the window's end (SING) or seconds to go (FIV)
        value = reset if reset_header == "epoch" else max(1, math.ceil(reset - now))
        return {
            "x-ratelimit-limit": str(self.limit),
            "x-ratelimit-remaining": str(max(0, self.limit - self._used)),
            "x-ratelimit-reset": str(int(value)),
        }


class RateLimits:
    """The org-wide budget shared by every request, and the separate search budget."""

    def __init__(
        self,
        rate_limit: int,
        search_rate_limit: int,
        reset_header: ResetHeader = "epoch",
        search_counts_org: bool = True,
    ) -> None:
        if reset_header not in ("epoch", "seconds"):
            raise ValueError("reset_header must be 'epoch' or 'seconds'")
        self.org = Budget(rate_limit)
        self.search = Budget(search_rate_limit)
        self.reset_header: ResetHeader = reset_header
        #: switch: whether a search also spends the org budget. Kustomer's rate-limit page
        #: counts the org limit over "the sum of requests through the API across the entire
        #: platform, regardless the endpoint" (so yes, the default) and lists the 100 searches
        #: a minute apart; it never says so of search in as many words.
        self.search_counts_org = search_counts_org
        self._lock = threading.Lock()

    def set(
        self,
        rate_limit: int | None = None,
        search_rate_limit: int | None = None,
        search_counts_org: bool | None = None,
    ) -> None:
        """Change the limits (counts in the current window are kept)."""
        with self._lock:
            if rate_limit is not None:
                self.org.limit = int(rate_limit)
            if search_rate_limit is not None:
                self.search.limit = int(search_rate_limit)
            if search_counts_org is not None:
                self.search_counts_org = bool(search_counts_org)

    def admit(self, is_search: bool) -> tuple[bool, dict[str, str]]:
        """Spend one request if every budget it counts against has room.

        Returns ``(allowed, headers)``; a refused request spends nothing. Search
        requests count against the search budget, and against the org budget too unless
        ``search_counts_org`` is off; they report the search budget's headers when it is
        on (inferred).
        """
        now = time.time()
        with self._lock:
            budgets = [self.org] if not is_search else [self.search]
            if is_search and self.search_counts_org:
                budgets = [self.org, self.search]
            for b in reversed(budgets):
                if not b.available(now):
                    return False, b.headers(now, self.reset_header)
            for b in budgets:
                b.take(now)
            shown = self.search if is_search and self.search.limit > 0 else self.org
            return True, shown.headers(now, self.reset_header)


class Faults:
    """Injected failures, each with its own probability per API request."""

    def __init__(
        self,
        seed: int,
        fault_5xx_rate: float = 0.0,
        fault_drop_rate: float = 0.0,
        fault_malformed_rate: float = 0.0,
    ) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.rates: dict[Fault, float] = {}
        self.set(fault_5xx_rate, fault_drop_rate, fault_malformed_rate)

    def set(
        self,
        fault_5xx_rate: float | None = None,
        fault_drop_rate: float | None = None,
        fault_malformed_rate: float | None = None,
    ) -> None:
        """Change the fault rates (each 0..1; None keeps the current one)."""
        new: dict[Fault, float | None] = {
            "5xx": fault_5xx_rate,
            "drop": fault_drop_rate,
            "malformed": fault_malformed_rate,
        }
        with self._lock:
            for name, rate in new.items():
                if rate is not None:
                    if not 0.0 <= float(rate) <= 1.0:
                        raise ValueError(f"fault rate must be within 0..1, got {rate}")
                    self.rates[name] = float(rate)

    def draw(self) -> Fault | None:
        """The fault to inject into this request, if any."""
        with self._lock:
            for name, rate in self.rates.items():
                if rate > 0 and self._rng.random() < rate:
                    return name
            return None

    def status(self) -> int:
        """The status of an injected 5xx."""
        with self._lock:
            return self._rng.choice((500, 502, 503))


class PageFaults:
    """Faults on one page number of every page-numbered GET list (0 = off): a 404 for that page,
    the page without its `links` key, or its `data` as an object instead of a list.

    inferred: Kustomer's docs describe none of these; a fork of singer-io/tap-kustomer saw pages
    without `links` while more pages existed, and 404s for the pages after them.
    """

    def __init__(self, pages: Mapping[PageFault, int | None] | None = None) -> None:
        self.pages: dict[PageFault, int] = dict.fromkeys(PAGE_FAULTS, 0)
        self.set(pages or {})

    def set(self, pages: Mapping[PageFault, int | None]) -> None:
        """Change the faulted page numbers (None keeps one; 0 turns it off)."""
        for name, page in pages.items():
            if name not in self.pages:
                raise ValueError(f"unknown page fault {name!r}")
            if page is not None:
                if int(page) < 0:
                    raise ValueError(f"faulted page must be >= 0 (0 = off), got {page}")
                self.pages[name] = int(page)

    def on(self, page: int) -> list[PageFault]:
        """The faults to apply to this page number."""
        return [name for name, at in self.pages.items() if at and at == page]


def mangle_list_body(body: bytes, faults: list[PageFault]) -> bytes:
    """A list envelope without `links` and/or with `data` as one object (its first record)."""
    envelope = json.loads(body)
    if "no_links" in faults:
        envelope.pop("links", None)
    if "data_not_list" in faults:
        records = envelope.get("data") or [{}]
        envelope["data"] = records[0]
    return json.dumps(envelope, separators=(",", ":")).encode()


class Latency:
    """Delay added to every API response: ``latency_ms`` plus up to ``jitter_ms``."""

    def __init__(self, latency_ms: float = 0.0, jitter_ms: float = 0.0) -> None:
        self.set(latency_ms, jitter_ms)

    def set(self, latency_ms: float, jitter_ms: float = 0.0) -> None:
        """Change the delay."""
        if latency_ms < 0 or jitter_ms < 0:
            raise ValueError("latency and jitter must be >= 0")
        self.latency_ms = float(latency_ms)
        self.jitter_ms = float(jitter_ms)

    def sleep(self) -> None:
        """Sleep for this response's delay (in the handler thread)."""
        delay = self.latency_ms + (random.uniform(0, self.jitter_ms) if self.jitter_ms else 0.0)
        if delay > 0:
            time.sleep(delay / 1000)


class Stats:
    """Counts of API requests served (by method, path and status) and of 429s."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by: Counter[tuple[str, str, int]] = Counter()
        self._throttled = 0
        self._in_flight: Counter[str] = Counter()
        self._peak: Counter[str] = Counter()
        self._first: float | None = None  # when the first request counted was served (epoch s)
        self._last: float | None = None

    def enter(self, path: str) -> None:
        """A request to `path` is being served (counted until :meth:`leave`)."""
        with self._lock:
            self._in_flight[path] += 1
            self._peak[path] = max(self._peak[path], self._in_flight[path])

    def leave(self, path: str) -> None:
        with self._lock:
            self._in_flight[path] -= 1

    def peak_in_flight(self, path_prefix: str | None = None) -> int:
        """Most requests served at once to one path under the prefix."""
        with self._lock:
            return max(
                (
                    n
                    for p, n in self._peak.items()
                    if path_prefix is None or p.startswith(path_prefix)
                ),
                default=0,
            )

    def record(self, method: str, path: str, status: int) -> None:
        """Count one API request."""
        with self._lock:
            now = time.time()
            self._first = now if self._first is None else self._first
            self._last = now
            self._by[(method, path, status)] += 1
            if status == 429:
                self._throttled += 1

    def requests(
        self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
    ) -> int:
        """Requests served, optionally only one method, paths under a prefix and/or answers
        with one status."""
        with self._lock:
            return sum(
                n
                for (m, p, s), n in self._by.items()
                if (method is None or m == method.upper())
                and (path_prefix is None or p.startswith(path_prefix))
                and (status is None or s == status)
            )

    def span(self) -> tuple[float | None, float | None]:
        """When the first and the last request counted were served (epoch seconds)."""
        with self._lock:
            return self._first, self._last

    def throttled(self) -> int:
        """429 responses served."""
        with self._lock:
            return self._throttled

    def reset(self) -> None:
        """Start counting again."""
        with self._lock:
            self._by.clear()
            self._throttled = 0
            self._peak.clear()
            self._first = self._last = None
