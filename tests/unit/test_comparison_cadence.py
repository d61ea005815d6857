"""How long an object's next comparison with the org waits: `reconcile_every_s`, or, after a
comparison that spent many searches (a big org, compared in ranges), long enough that comparing
spends on average a tenth of the search budget."""

from __future__ import annotations

from kustomer_source.read.incremental import COSTLY_COMPARISON, comparison_wait_s
from kustomer_source.settings import Tuning
from kustomer_source.state import COMPARED_TO, RECONCILED_SEARCHES


def test_a_cheap_comparison_runs_every_run() -> None:
    state = {RECONCILED_SEARCHES: 2}
    assert comparison_wait_s(state, Tuning(), 100.0) == 0
    assert comparison_wait_s({}, Tuning(), 100.0) == 0
    assert comparison_wait_s(state, Tuning(reconcile_every_s=3600), 100.0) == 3600


def test_a_costly_comparison_waits_for_a_tenth_of_the_search_budget_to_pay_for_it() -> None:
    # 3,200 searches (about a million conversations' messages) at 100 searches a minute: a
    # tenth of the budget pays for them in 320 minutes
    state = {RECONCILED_SEARCHES: 3200}
    assert comparison_wait_s(state, Tuning(), 100.0) == 320 * 60
    assert comparison_wait_s(state, Tuning(reconcile_every_s=86400 * 2), 100.0) == 86400 * 2
    assert comparison_wait_s(state, Tuning(), None) == 0  # an unpaced server: nothing to spare
    just = {RECONCILED_SEARCHES: COSTLY_COMPARISON}
    assert comparison_wait_s(just, Tuning(), 100.0) == 0


def test_the_costly_comparisons_of_all_objects_share_the_tenth() -> None:
    # two objects' last parts spent 40 searches each: each waits for the 80 together, so the
    # two spend a tenth of 100 searches a minute between them, not a tenth each
    state = {RECONCILED_SEARCHES: 40}
    costly = {"messages": 40, "conversations": 40}
    assert comparison_wait_s(state, Tuning(), 100.0, costly) == 80 * 60 / 10
    assert comparison_wait_s(state, Tuning(), 100.0, {}) == 40 * 60 / 10


def test_an_unfinished_comparison_goes_on_without_waiting_for_the_period() -> None:
    # `reconcile_every_s` spaces whole comparisons; one that stopped at its searches goes on at
    # the next run the search budget allows
    cheap = {RECONCILED_SEARCHES: 3, COMPARED_TO: "2024-01-01T00:00:00.000Z"}
    assert comparison_wait_s(cheap, Tuning(reconcile_every_s=3600), 100.0) == 0
    costly = {RECONCILED_SEARCHES: 40, COMPARED_TO: "2024-01-01T00:00:00.000Z"}
    assert comparison_wait_s(costly, Tuning(reconcile_every_s=3600), 100.0) == 40 * 60 / 10
