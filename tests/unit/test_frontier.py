"""The meeting of a first load's list and search lanes (`first_load.Frontier`): over random orgs and
random orders of arrival, the parts are disjoint and together hold every record the frontier
spans."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from kustomer_source import OBJECTS
from kustomer_source.api.errors import KustomerError
from kustomer_source.api.limits import RateLimiter
from kustomer_source.api.times import api_time
from kustomer_source.read.first_load import Frontier, Lane, search_part
from kustomer_source.read.parallel import side_by_side

FLOOR = datetime(2025, 1, 1, tzinfo=timezone.utc)
SLACK = timedelta(minutes=1)


@dataclass
class LaneRun:
    """A lane reading `records` (id, createdAt) newest first, a page at a time."""

    lane: Lane
    records: list[tuple[str, str]]
    page: int
    at: int = 0
    kept: list[str] = field(default_factory=list)
    done: bool = False

    def step(self, window: Frontier) -> None:
        if window.began is None:  # the first answer tells the server's time
            window.found_floor(FLOOR + timedelta(days=729))
        page = self.records[self.at : self.at + self.page]
        self.at += len(page)
        more = self.at < len(self.records)
        rows = [{"id": i, "createdAt": c} for i, c in page]
        kept, reading_on = window.searched(self.lane, rows, more, page[-1][1] if page else None)
        self.kept += [row["id"] for row in kept]
        self.done = not reading_on


def org(rng: random.Random) -> list[tuple[str, str]]:
    """Records created from the floor on, some of them in one millisecond, some at the floor."""
    times = [
        FLOOR + timedelta(minutes=rng.randrange(0, 5000)) for _ in range(rng.randrange(1, 120))
    ]
    times += [FLOOR] * rng.randrange(0, 3)
    crowded = FLOOR + timedelta(minutes=rng.randrange(0, 5000))
    times += [crowded] * rng.randrange(0, 25)
    return [(f"r{n}", api_time(t)) for n, t in enumerate(sorted(times))]


def test_list_and_lanes_meet_without_gap_or_overlap() -> None:
    splits = 0
    for seed in range(500):
        splits += meet(random.Random(seed), seed)
    assert splits > 50  # the second lane's cases were met too


def meet(rng: random.Random, seed: int) -> int:
    """One org read in a random order of arrival; how many lanes were started below another."""
    records = org(rng)
    # the floor known from a probe, or only from the lanes' first answer
    window = Frontier(api_time(FLOOR) if rng.random() < 0.5 else None)
    lanes = [LaneRun(window.lanes[0], list(reversed(records)), rng.randrange(1, 12))]
    window.lanes[0].taken = True
    listed: list[str] = []
    list_at, list_page, list_done = 0, rng.randrange(1, 8), False
    while not list_done or not all(lane.done for lane in lanes):
        if rng.random() < 0.1 and not window.final:  # a second lane, as when search idles
            lowest = lanes[-1]
            lowest.lane.page_span = timedelta(minutes=rng.randrange(1, 50))
            lowest.lane.response_s = 1.0  # slower than the pace below
            new = window.take(True, 0.0)
            if new is not None:
                assert new.top is not None
                below = [r for r in lowest.records[lowest.at :] if r[1] < new.top]
                lanes.append(LaneRun(new, below, rng.randrange(1, 12)))
                continue
        running = [lane for lane in lanes if not lane.done]
        if list_done or (running and rng.random() < 0.5):
            rng.choice(running).step(window)
            continue
        page = records[list_at : list_at + list_page]
        list_at += len(page)
        listed += [i for i, created in page if window.listed(created)]
        stop = window.stop_at(SLACK)
        if list_at >= len(records) or (stop is not None and page and page[-1][1] >= stop):
            window.list_ended()
            list_done = True
    searched = [i for lane in lanes for i in lane.kept]
    before = {i for i, created in records if created < api_time(FLOOR)}
    assert not before & set(searched), f"seed {seed}: search kept a record from before its floor"
    assert len(searched) == len(set(searched)), f"seed {seed}: a lane kept a record twice"
    assert not set(listed) & set(searched), f"seed {seed}: a record was kept by both parts"
    assert set(listed) | set(searched) == {i for i, _ in records}, f"seed {seed}: one is lost"
    return len(lanes) - 1


def test_a_failing_lane_does_not_leave_the_spare_scan_waiting() -> None:
    """The first lane fails while the second scan waits for a gap to take: the error reaches
    the consumer, because the list is closed (settling the frontier) and the spare scan sees it."""
    window = Frontier(api_time(FLOOR))

    class FailingScan:
        def lane(self, window: Frontier, lane: Lane) -> Iterator[list[dict[str, str]]]:
            yield [{"id": "a", "createdAt": api_time(FLOOR + timedelta(days=9))}]
            raise KustomerError("search failed")

    def listing() -> Iterator[list[dict[str, str]]]:
        try:
            while True:  # a long list, as a big object's
                time.sleep(0.01)
                yield []
        finally:
            window.list_ended()  # as first_load.list_part does

    # paced, so the spare scan never finds search idle and waits for the frontier to settle
    client = SimpleNamespace(limiter=RateLimiter(share=1.0, org_limit=60, search_limit=60))
    obj = next(o for o in OBJECTS if o.table == "customers")
    scans = [search_part(client, obj, FailingScan(), window) for _ in range(2)]  # type: ignore[arg-type]
    failed: list[BaseException] = []

    def consume() -> None:
        try:
            for _ in side_by_side([listing(), *scans]):
                pass
        except KustomerError as exc:
            failed.append(exc)

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    consumer.join(timeout=60)  # a guard against a hang, not a measurement
    assert not consumer.is_alive(), "the load hung"
    assert [str(e) for e in failed] == ["search failed"]
