"""Readings the documentation leaves open, played the unkind way on request.

Kustomer's documentation promises no order among search ties, does not say what search does
with a sort it calls unavailable, whether ``meta.total`` is exact, in which order the lists
without a documented ``sort`` come, how much of an old org is touched recently, which error
body an endpoint sends, how often a relationship is empty, or what a numbered list page past
the list's end answers. The sandbox answers each the kind
way by default (today's behaviour) and the unkind way when asked: one :class:`Options` per
sandbox, set by ``serve(...)``, the CLI, :meth:`Control.set_options` and
``POST /__sandbox/options``. The named profile ``unkind`` turns them all on at once.

Every option is deterministic for a seed except ``tie_order="shuffle"``.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, fields
from typing import Any

from .layout import CLOCK_START_MS, DAY_MS, END_GAP_MS, GOLD, MASK, mix64, salt_of

TIE_ORDERS = ("id", "hash", "shuffle")
UNSUPPORTED_SORTS = ("accept", "ignore", "reject")
LIST_ORDERS = ("id", "newest", "updated")
ERROR_FORMS = ("jsonapi", "kustomer")
AUDIT_ORDERS = ("oldest", "newest")
LINK_KEYS = ("links", "link")
PAST_ENDS = ("empty", "404")
PROFILES = ("unkind",)


@dataclass
class Options:
    """The unkind options of one sandbox (defaults: today's kind behaviour)."""

    #: how search (and lists) order records that share the sort value: by "id" (in the sort's
    #: direction), by a stable "hash" of the id, or "shuffle" (a fresh order on every request)
    tie_order: str = "id"
    #: what standard search does with a sort the documentation calls unavailable (any
    #: ``<ctx>_*`` sort outside the customer context's sortable attributes): "accept" it,
    #: "ignore" it (the engine's own order: a stable hash of the id), or "reject" it (400)
    unsupported_sort: str = "accept"
    #: ``meta.total``/``totalPages`` of search and archive search capped here (0 = exact)
    total_cap: int = 0
    #: order of the lists without a documented order: "id" (ascending), "newest" (newest
    #: created first) or "updated" (most recently updated first)
    list_order: str = "id"
    #: share (0..1) of old records (created before the last RECENT_DAYS of the clock) whose
    #: updatedAt is recent; 0 = every updatedAt within its record's own time slot
    recent_update_share: float = 0.0
    #: error bodies: "jsonapi" ``{"errors": [{status, code, title, detail}]}`` or "kustomer"
    #: ``{"errors": [{code, message, meta}]}`` (the form Kustomer's error page shows)
    error_form: str = "jsonapi"
    #: share (0..1) of to-one relationships sent as the documented empty form
    #: ``{"data": {"type": ..., "id": null}}`` instead of a real id
    empty_relationships: float = 0.0
    #: share (0..1) of records without ``createdBy`` (made by the system)
    no_created_by: float = 0.0
    #: the audit log's order: "oldest" first (``next`` = ``after=<last id>``) or "newest" first
    #: with the OAS example's links (``next`` = ``before=<last id>``, ``prev`` =
    #: ``after=<first id>``)
    audit_order: str = "oldest"
    #: the link key of a KObject's ``klass`` and ``queue`` relationships: "links", as every
    #: other relationship, or "link", as the four OAS KObject examples spell it
    kobject_link_key: str = "links"
    #: what a numbered (``page``/``pageSize``) list answers for a page after its last page:
    #: "empty" (200, an empty ``data``) or "404" (an error body in ``error_form``; a fork of
    #: singer-io/tap-kustomer saw 404s past the end of some lists). Page 1 of an empty list is
    #: an empty page either way: a list that is empty is not past its end. Search and the
    #: cursor-paged audit log are not numbered lists and are left alone
    past_end: str = "empty"

    def check(self) -> None:
        """ValueError for a value out of range."""
        for name, allowed in (
            ("tie_order", TIE_ORDERS),
            ("unsupported_sort", UNSUPPORTED_SORTS),
            ("list_order", LIST_ORDERS),
            ("error_form", ERROR_FORMS),
            ("audit_order", AUDIT_ORDERS),
            ("kobject_link_key", LINK_KEYS),
            ("past_end", PAST_ENDS),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}")
        if isinstance(self.total_cap, bool) or not isinstance(self.total_cap, int):
            raise ValueError("total_cap must be an integer >= 0")
        if self.total_cap < 0:
            raise ValueError("total_cap must be an integer >= 0")
        for name in ("recent_update_share", "empty_relationships", "no_created_by"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"{name} must be a number from 0 to 1")
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number from 0 to 1")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


OPTION_NAMES = tuple(f.name for f in fields(Options))


def profile_options(profile: str, scale: int) -> dict[str, Any]:
    """The settings of a named profile for an org of ``scale``.

    ``unkind``: every option on, each set so that it bites: ties in a fresh order on every
    request, unsupported sorts ignored, totals capped at 10,000 or, in an org too small to
    reach that, at half the scale (so that the customer, conversation, note and message
    searches are capped), newest-first lists, 30% of the old records updated recently, the
    ``{code, message, meta}`` error body, 3% of the to-one relationships empty, 3% of the
    records without a creator, the audit log newest first, KObjects' ``klass``/``queue``
    link key spelled ``link`` and a 404 for a numbered list page past the list's end.
    """
    if profile != "unkind":
        raise ValueError(f"unknown profile {profile!r}; use one of {', '.join(PROFILES)}")
    return {
        "tie_order": "shuffle",
        "unsupported_sort": "ignore",
        "total_cap": unkind_total_cap(scale),
        "list_order": "newest",
        "recent_update_share": 0.3,
        "error_form": "kustomer",
        "empty_relationships": 0.03,
        "no_created_by": 0.03,
        "audit_order": "newest",
        "kobject_link_key": "link",
        "past_end": "404",
    }


def unkind_total_cap(scale: int) -> int:
    """The profile's cap: 10,000 (a search engine's common cap), or half the scale in an org
    whose searches never reach 10,000 (at least 10)."""
    return min(10_000, max(10, scale // 2))


def resolve(
    explicit: dict[str, Any], profile: str | None, scale: int, base: Options | None = None
) -> Options:
    """``base`` (default: the defaults), then the profile's settings, then the explicit ones
    (None = not given); checked."""
    values = (base or Options()).as_dict()
    if profile:
        values.update(profile_options(profile, scale))
    unknown = sorted(set(explicit) - set(OPTION_NAMES))
    if unknown:
        raise ValueError(f"unknown option(s): {', '.join(unknown)}")
    values.update({k: v for k, v in explicit.items() if v is not None})
    opts = Options(**values)
    opts.check()
    return opts


def past_the_end(options: Options, page: int, page_size: int, total: int) -> bool:
    """Whether page ``page`` of a numbered list of ``total`` records answers 404
    (``past_end="404"``): a page after the last page of a non-empty list."""
    return options.past_end == "404" and total > 0 and (page - 1) * page_size >= total


def past_end_detail(path: str, page: int, page_size: int, total: int) -> str:
    """The detail of that 404 (inferred: Kustomer's wording is not known)."""
    return f"page {page} of {path} not found: the list ends at page {-(-total // page_size)}"


# ---------------------------------------------------------------------- draws per record


def draw(seed: int, what: str, key: int) -> float:
    """A uniform number in [0, 1) for ``(seed, what, key)``: the same every time."""
    return (mix64(salt_of(seed, what) ^ ((key * GOLD) & MASK)) >> 11) / float(1 << 53)


# ---------------------------------------------------------------------- recent updates

#: "recently updated" (``recent_update_share``) means within this many days before the clock
RECENT_DAYS = 56
RECENT_START_MS = CLOCK_START_MS - RECENT_DAYS * DAY_MS
#: a quarter of the recent updates come from a few bulk updates (a workflow, an import) that
#: touch many records at one instant (inferred), so records share an updatedAt
BULK_SHARE, BULK_INSTANTS = 0.25, 8


def recent_update(x: int, created: int, updated: int) -> int | None:
    """The recent updatedAt that hash ``x`` gives an old record (created before the last
    RECENT_DAYS), or None for a record that is not old; never before its own ``updated``."""
    if created >= RECENT_START_MS:
        return None
    y = mix64(x)
    span = CLOCK_START_MS - END_GAP_MS - RECENT_START_MS
    if (y & 0xFFFF) / 65536.0 < BULK_SHARE:  # one of a few bulk updates: a shared instant
        slot = (y >> 16) % BULK_INSTANTS
        at = RECENT_START_MS + span * (1 + 2 * slot) // (2 * BULK_INSTANTS)
    else:
        at = RECENT_START_MS + (y >> 20) % span
    return max(at, updated + 1)


# ---------------------------------------------------------------------- orders


def id_hash(record_id: str, salt: int) -> int:
    """A stable 64-bit hash of a 24-hex id (the "hash" order and tie order)."""
    try:
        x = int(record_id, 16)
    except ValueError:
        x = salt_of(record_id)
    return mix64((x ^ (x >> 64) ^ salt) & MASK)


class Ties:
    """The tie-break of one request: a function of the id that orders records sharing a sort
    value (the id itself, a stable hash, or a hash with a nonce drawn for this request)."""

    def __init__(self, mode: str, seed: int) -> None:
        self.mode = mode
        if mode == "shuffle":
            self.salt = random.getrandbits(64)
        else:
            self.salt = salt_of(seed, "tie order")

    def key(self, record_id: str) -> Any:
        if self.mode == "id":
            return record_id
        return (id_hash(record_id, self.salt), record_id)


def engine_order_key(record_id: str, seed: int) -> tuple[int, str]:
    """The search engine's own order (an ignored or absent sort under
    ``unsupported_sort="ignore"``): a stable hash of the id (inferred)."""
    return id_hash(record_id, salt_of(seed, "engine order")), record_id


# ---------------------------------------------------------------------- error bodies

#: Kustomer's error codes by status (the error page's table starts with ``400 bad_request``;
#: the rest follow its snake_case pattern, inferred)
KUSTOMER_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    429: "too_many_requests",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
}


def kustomer_error(status: int, detail: str, parameter: str | None = None) -> dict[str, Any]:
    """``{"errors": [{"code", "message", "meta"}]}``, the body Kustomer's error page shows
    (``meta`` is ``{}`` there; inferred: the bad parameter, when there is one, goes in it)."""
    meta: dict[str, Any] = {}
    if parameter:
        meta["parameter"] = parameter
    return {
        "errors": [{"code": KUSTOMER_CODES.get(status, "error"), "message": detail, "meta": meta}]
    }
