"""A conversation's support story: team, agent, channels, first reply, resolution, rating.

One pure function of the conversation's hash and timestamps, computed once per record,
so that the fields a support report reads agree with each other: ``status``, ``ended``,
``endedAt``, ``firstResponse``, ``firstDone``/``lastDone``, ``assignedTeams``,
``channels``, ``satisfaction`` and ``satisfactionLevel`` tell the same story. Every
moment lies between the record's ``createdAt`` and ``updatedAt`` (the last change):

    createdAt <= first response <= done (endedAt) <= updatedAt

Teams differ on purpose, so a per-team report shows differences: team ``k`` replies and
resolves ``TEAM_PACE[k % 4]`` times as slowly as the base, and its customers rate with
the weights ``RATING_WEIGHTS[k % 3]``. Times are drawn around realistic means (an hour
for a first e-mail reply, a day to resolve) and capped by the record's own lifetime,
which shrinks as the scale grows (3 years / ``scale`` per conversation).
"""

from __future__ import annotations

import math
from typing import NamedTuple

from .layout import CLOCK_START_MS, DAY_MS, GOLD, MASK, mix64

#: conversations whose index is below this carry every field (as ``data.FULL_RECORDS``)
FULL = 3
HOUR_MS = 3_600_000
#: the channel a conversation starts on: e-mail and chat most often
CHANNELS: tuple[str, ...] = (
    *("email",) * 4,
    *("chat",) * 3,
    *("sms", "voice", "whatsapp", "facebook", "instagram", "form"),
)
#: first replies on live channels come sooner than e-mail ones
CHANNEL_PACE = {"chat": 0.2, "voice": 0.1, "sms": 0.5, "whatsapp": 0.5}
#: how slowly team ``k % 4`` replies and resolves, relative to the base
TEAM_PACE = (1.0, 1.6, 2.5, 0.7)
#: weights of ratings 1..5 for team ``k % 3`` (a slow resolution moves one row down)
RATING_WEIGHTS = ((2, 3, 10, 30, 55), (5, 8, 17, 35, 35), (12, 13, 25, 30, 20))
FIRST_REPLY_MEAN_MS = HOUR_MS
RESOLVE_MEAN_MS = 20 * HOUR_MS
#: a conversation's chance of being still unresolved: high when new, small when old; "new"
#: means the last OPEN_DAYS, or the last OPEN_SLOTS conversations' time in a small org
OPEN_OLD, OPEN_NEW, OPEN_DAYS, OPEN_SLOTS = 0.03, 0.9, 7.0, 3.0
#: share of unresolved conversations nobody has replied to yet, and of snoozed ones
UNANSWERED, SNOOZED = 0.35, 0.25
#: share of resolved conversations whose customer answered the satisfaction survey
RATED = 0.5


class Life(NamedTuple):
    """What happened to one conversation (epoch ms; None = did not happen)."""

    created: int
    team: int
    user: int
    channels: tuple[str, ...]
    status: str
    #: when the first reply was sent
    responded: int | None
    #: when the conversation was marked done (endedAt, firstDone, lastDone)
    done: int | None
    #: the customer's satisfaction rating, 1..5
    rating: int | None

    @property
    def response_ms(self) -> int | None:
        """Milliseconds from createdAt to the first reply."""
        return None if self.responded is None else self.responded - self.created

    @property
    def resolution_ms(self) -> int | None:
        """Milliseconds from createdAt to done."""
        return None if self.done is None else self.done - self.created


def _units(h: int) -> list[float]:
    """Twelve uniform numbers in [0, 1) from hash ``h`` (16 bits each)."""
    out = []
    for k in (1, 2, 3):
        x = mix64(h ^ ((k * GOLD) & MASK))
        out += [(x & 0xFFFF) / 65536, ((x >> 16) & 0xFFFF) / 65536]
        out += [((x >> 32) & 0xFFFF) / 65536, (x >> 48) / 65536]
    return out


def _exp(u: float, mean: float) -> float:
    return -math.log(1.0 - u) * mean


def conversation_life(
    i: int,
    h: int,
    created: int,
    updated: int,
    slot_ms: float,
    team: int,
    user: int,
    n_messages: int = 2,
) -> Life:
    """The story of generated conversation ``i`` (hash ``h``, created/updated in epoch ms;
    ``slot_ms``: the time between two conversations; ``team``, ``user``: the agent who works
    it and the agent's team, indices into the org's teams and users; ``n_messages``: how many
    messages it has, a reply needing two)."""
    full = i < FULL
    span = max(0, updated - created)
    u = _units(h)
    first = CHANNELS[int(u[2] * len(CHANNELS))]
    second = CHANNELS[int(u[3] * len(CHANNELS))]
    channels = (first, second) if u[4] < 0.125 and second != first else (first,)
    pace = TEAM_PACE[team % len(TEAM_PACE)]

    horizon = max(OPEN_DAYS * DAY_MS, OPEN_SLOTS * slot_ms)
    p_open = OPEN_OLD + OPEN_NEW * math.exp(-max(0, CLOCK_START_MS - created) / horizon)
    resolved = full or u[5] >= p_open
    # a reply needs a second message: a lone customer message is resolved without one
    answered = (resolved or u[6] >= UNANSWERED) and n_messages >= 2

    responded = None
    if answered:
        wait = _exp(u[7], FIRST_REPLY_MEAN_MS * pace * CHANNEL_PACE.get(first, 1.0))
        responded = created + min(int(wait), span // 3)
    done = None
    rating = None
    status = "open"
    if resolved:
        start = responded if responded is not None else created
        work = _exp(u[8], RESOLVE_MEAN_MS * pace)
        done = min(start + int(work), created + span * 17 // 20)
        done = max(done, start)
        status = "done"
        if full or u[9] < RATED:
            row = team % len(RATING_WEIGHTS)
            if done - created > 2 * DAY_MS:
                row = min(row + 1, len(RATING_WEIGHTS) - 1)
            rating = _weighted(RATING_WEIGHTS[row], u[10])
    elif u[11] < SNOOZED:
        status = "snoozed"
    return Life(created, team, user, channels, status, responded, done, rating)


def conversation_status(i: int, h: int, created: int, slot_ms: float) -> str:
    """The ``status`` :func:`conversation_life` gives conversation ``i``, computed alone (a
    customer's ``conversationCounts`` reads it for each of its conversations)."""
    if i < FULL:
        return "done"
    u = _units(h)
    horizon = max(OPEN_DAYS * DAY_MS, OPEN_SLOTS * slot_ms)
    p_open = OPEN_OLD + OPEN_NEW * math.exp(-max(0, CLOCK_START_MS - created) / horizon)
    if u[5] >= p_open:
        return "done"
    return "snoozed" if u[11] < SNOOZED else "open"


class Timeline(NamedTuple):
    """A conversation's messages, in order: when each was created and last updated, whether
    it is outbound, and the outbound ones that matter to the support report."""

    created: tuple[int, ...]
    updated: tuple[int, ...]
    out: tuple[bool, ...]
    #: index of the first and the last outbound message (None before a reply)
    first_out: int | None
    last_out: int | None
    #: when the conversation was done as the report shows it (never before its last message)
    done: int | None


def message_timeline(life: Life, updated: int, n: int, h: int) -> Timeline:
    """Where conversation ``life``'s ``n`` messages sit in its lifetime ``[created, updated]``.

    The customer writes first (at createdAt). Once an agent replies, the messages alternate:
    replies at odd positions, the first one at the first response, the last one halfway from
    the first reply to done (or to updatedAt); an odd count ends on a customer message between
    the last reply and done. Unanswered, the customer's messages spread over the lifetime.
    Times increase strictly; each message is updated (delivery, read) within a minute and
    before the next one.
    """
    created = life.created
    end = life.done if life.done is not None else updated
    times = [created] * n
    out = [False] * n
    first_out = last_out = None
    if life.responded is not None and n >= 2:
        k_last = 2 * (n // 2) - 1
        first_out, last_out = 1, k_last
        reply = life.responded
        last = reply + (end - reply) // 2
        for k in range(1, n):
            out[k] = k % 2 == 1
            if k <= k_last:
                times[k] = reply + (last - reply) * (k - 1) // max(1, k_last - 1)
            else:
                times[k] = last + (end - last) // 2
    else:
        for k in range(1, n):
            times[k] = created + (end - created) * k // n
    for k in range(n - 1, -1, -1):  # room for strictly increasing times before updatedAt
        times[k] = min(times[k], updated - (n - 1 - k))
    for k in range(1, n):
        times[k] = max(times[k], times[k - 1] + 1)
    done = life.done
    if done is not None and last_out is not None:
        done = max(done, times[last_out])
    upd = []
    for k in range(n):
        nxt = times[k + 1] if k + 1 < n else updated + 1
        x = mix64(h ^ (((k + 1) * GOLD) & MASK))
        upd.append(max(times[k], min(times[k] + x % 60_000, nxt - 1)))
    return Timeline(tuple(times), tuple(upd), tuple(out), first_out, last_out, done)


def _weighted(weights: tuple[int, ...], u: float) -> int:
    """1-based index picked with these weights."""
    x = u * sum(weights)
    for k, w in enumerate(weights):
        x -= w
        if x < 0:
            return k + 1
    return len(weights)
