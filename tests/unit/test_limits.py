"""The shared rate budget reads Kustomer's x-ratelimit-* headers (no clocks are timed here)."""

from __future__ import annotations

import time

import pytest
import requests

from kustomer_source.api.limits import RateLimiter, parse_reset


def response(status: int = 200, **headers: str) -> requests.Response:
    made = requests.Response()
    made.status_code = status
    made.headers.update({k.replace("_", "-"): v for k, v in headers.items()})
    return made


def test_reset_header_units() -> None:
    now = 1_800_000_000.0
    assert parse_reset("1800000042", now) == 1800000042.0  # epoch seconds
    assert parse_reset("1800000042000", now) == 1800000042.0  # epoch milliseconds
    assert parse_reset("42", now) == now + 42  # seconds to go
    assert parse_reset(None, now) is None and parse_reset("soon", now) is None


def test_budget_is_learned_and_shared() -> None:
    limiter = RateLimiter(share=0.9)
    limiter.observe(response(x_ratelimit_limit="1000", x_ratelimit_remaining="999"), "org")
    assert limiter.budgets["org"].interval == pytest.approx(60 / 900)
    limiter.observe(response(x_ratelimit_limit="100", x_ratelimit_remaining="99"), "search")
    assert limiter.budgets["search"].interval == pytest.approx(60 / 90)


@pytest.mark.parametrize("reset", ["epoch", "seconds"])
def test_429_holds_every_request_until_the_window_resets(reset: str) -> None:
    limiter = RateLimiter(share=1.0)
    value = str(int(time.time()) + 30) if reset == "epoch" else "30"
    limiter.observe(response(429, x_ratelimit_limit="1000", x_ratelimit_reset=value), "org")
    held = limiter.budgets["org"].blocked_until - time.monotonic()
    assert 25 < held <= 31
    assert limiter.throttled == 1


def test_spent_window_holds_before_a_429() -> None:
    limiter = RateLimiter(share=1.0)
    spent = response(x_ratelimit_limit="300", x_ratelimit_remaining="0", x_ratelimit_reset="20")
    limiter.observe(spent, "org")
    assert limiter.budgets["org"].blocked_until - time.monotonic() > 15
    assert limiter.throttled == 0


def test_a_server_without_rate_headers_is_not_paced() -> None:
    limiter = RateLimiter(share=0.5)
    limiter.observe(response(), "org")
    assert limiter.budgets["org"].interval == 0 and limiter.budgets["search"].interval == 0


def test_share_must_be_a_fraction() -> None:
    with pytest.raises(ValueError, match="rate_limit_share"):
        RateLimiter(share=1.5)


@pytest.mark.parametrize("counts_org", [True, False])
def test_a_search_is_booked_ahead_of_waiting_list_requests(counts_org: bool) -> None:
    limiter = RateLimiter(share=1.0, org_limit=60, search_limit=60, search_counts_org=counts_org)
    org = limiter.budgets["org"]
    for _ in range(3):  # three list requests booked one second apart
        org.reserve()
    booked = org.next_slot
    started = time.monotonic()
    limiter.acquire("search")  # sent now, not after the three list slots
    assert time.monotonic() - started < 0.5
    # with search counted on the org budget, every later list request moves back by a slot
    assert org.next_slot == pytest.approx(booked + (1.0 if counts_org else 0.0), abs=0.05)


def test_slots_booked_before_the_limit_was_known_count_at_the_new_pace() -> None:
    limiter = RateLimiter(share=1.0)  # assumes the lowest plan, 300 a minute: 0.2 s apart
    org = limiter.budgets["org"]
    for _ in range(10):
        org.reserve()
    ahead = org.next_slot - time.monotonic()
    assert ahead == pytest.approx(2.0, abs=0.1)
    limiter.observe(response(x_ratelimit_limit="1200", x_ratelimit_remaining="1199"), "org")
    # ten slots at the learned 1,200 a minute: half a second, not two
    assert org.next_slot - time.monotonic() == pytest.approx(ahead / 4, abs=0.1)


@pytest.mark.parametrize(("share", "burst"), [(0.9, 3), (0.98, 1), (1.0, 0)])
def test_an_idle_budget_lends_a_few_slots_within_the_headroom(share: float, burst: int) -> None:
    budget = RateLimiter(share=share, search_limit=100).budgets["search"]
    assert budget.burst == burst
    now = time.monotonic()
    slots = [budget.reserve() - now for _ in range(burst + 3)]
    # the first `burst + 1` go at once, the rest a pace apart
    assert all(slot < 0.05 for slot in slots[: burst + 1]), slots
    interval = 60 / (100 * share)
    for earlier, later in zip(slots[burst:-1], slots[burst + 1 :], strict=True):
        assert later - earlier == pytest.approx(interval, abs=0.05)
    # over any minute: no more than the pace plus the burst, under the limit itself
    assert 60 / interval + burst <= 100


def org_window(limiter: RateLimiter, searches_counted: bool, reset: str) -> None:
    """One rate window: 40 list requests and 30 searches, interleaved, each answered with the
    org's `remaining` as a server would count them."""
    remaining = 1_000_000
    for n in range(70):
        kind = "search" if n % 7 in (1, 3, 5) else "org"
        limiter.acquire(kind)
        if kind == "org" or searches_counted:
            remaining -= 1
        if kind == "org":
            headers = {"x_ratelimit_limit": "1000000", "x_ratelimit_remaining": str(remaining)}
            limiter.observe(response(**headers, x_ratelimit_reset=reset), "org")
        else:
            limiter.observe(response(x_ratelimit_limit="1000000"), "search")


@pytest.mark.parametrize("counted", [True, False])
def test_whether_searches_spend_the_org_budget_is_learned(counted: bool) -> None:
    limiter = RateLimiter(share=1.0, org_limit=1e6, search_limit=1e6, search_counts_org=None)
    assert limiter.searches_count_org  # until it knows
    limiter.budgets["org"].limit = limiter.budgets["search"].limit = None  # not paced here
    org_window(limiter, counted, str(int(time.time()) + 50))
    assert limiter.searches_count_org is counted


def test_other_clients_of_the_org_make_searches_look_counted() -> None:
    limiter = RateLimiter(share=1.0, search_counts_org=None)
    limiter.budgets["org"].limit = limiter.budgets["search"].limit = None
    learner = limiter.learner
    assert learner is not None
    reset = time.time() + 50
    limiter.acquire("org")
    learner.observe_org(900, reset)
    for _ in range(30):
        limiter.acquire("search")
    limiter.acquire("org")
    learner.observe_org(900 - 1 - 40, reset)  # one of ours, none of the searches, 40 of others'
    assert limiter.searches_count_org


def test_a_fixed_setting_is_not_learned() -> None:
    limiter = RateLimiter(share=1.0, search_counts_org=False)
    assert limiter.learner is None and not limiter.searches_count_org


def test_a_429_discards_the_evidence() -> None:
    limiter = RateLimiter(share=1.0, search_counts_org=None)
    limiter.budgets["org"].limit = limiter.budgets["search"].limit = None
    reset = str(int(time.time()) + 50)
    limiter.acquire("org")
    limiter.observe(response(x_ratelimit_remaining="900", x_ratelimit_reset=reset), "org")
    for _ in range(30):
        limiter.acquire("search")
    limiter.acquire("org")  # refused: the server counted none of these
    limiter.observe(response(429, x_ratelimit_remaining="900", x_ratelimit_reset=reset), "org")
    limiter.budgets["org"].blocked_until = 0.0
    limiter.acquire("org")
    limiter.observe(response(x_ratelimit_remaining="899", x_ratelimit_reset=reset), "org")
    assert limiter.learner is not None and limiter.learner.counts is None  # no verdict
