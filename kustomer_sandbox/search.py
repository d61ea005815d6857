"""``POST /v1/customers/search``: body validation, criteria, sorting and execution.

Criteria on ``<ctx>_updated_at``, ``<ctx>_created_at`` and ``<ctx>_id`` in the top-level
``and`` list narrow the generated index range by bisection (both times and ids grow with
the index). Any other criterion is evaluated record by record over that range, which
costs a scan: fine for test-sized orgs, slow on a million messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .api import BY_OBJECT, SEARCH_CONTEXTS
from .layout import DAY_MS
from .seq import IndexSeq, ListSeq, RangeSeq, merged_slice
from .spec import load_spec
from .store import Store, dumps, is_deleted, time_key
from .timefmt import day_start_ms, is_date_only, parse_iso
from .unkind import Ties, engine_order_key

#: standard search only sees records updated within this window before the clock
#: inferred: "2 years" taken as 730 days
WINDOW_MS = 730 * DAY_MS
#: ``not_set`` is among the operators Kustomer's search recipes show; ``not_equals`` is in the
#: documented saved-search example (``customers_searches``: ``conversation_status``)
OPERATORS = ("gte", "gt", "lte", "lt", "equals", "in", "contains", "not_equals", "not_set")
#: accepted body keys; searchHash, aggs and fields are accepted and ignored
BODY_KEYS = frozenset(
    {
        "queryContext",
        "and",
        "or",
        "not",
        "sort",
        "timeZone",
        "includeDeleted",
        "searchHash",
        "aggs",
        "fields",
    }
)
#: ``POST /v1/customers/archive/search`` (OAS CustomerArchiveSearchData): its body has no
#: ``searchHash``, ``aggs`` or ``fields`` and ``additionalProperties: false``
ARCHIVE_BODY_KEYS = frozenset(
    {"queryContext", "and", "or", "not", "sort", "timeZone", "includeDeleted"}
)
#: the archive's documented queryContext pattern: no ``note`` (standard search has it)
ARCHIVE_CONTEXT = re.compile(r"^(message|conversation|customer|kobject|kobject_.*|company)$")
#: the criteria the archive documents (its body schema and its "Filterable attributes"); the
#: ``^kobject_.*_...$`` patterns too. ``*_any_text`` is documented but not served (a 400)
ARCHIVE_FIELDS = frozenset(
    {
        "conversation_id",
        "conversation_created_at",
        "conversation_updated_at",
        "conversation_customer_id",
        "conversation_any_text",
        "conversation_deleted",
        "customer_id",
        "customer_companyId",
        "customer_created_at",
        "customer_updated_at",
        "customer_deleted",
        "customer_any_text_new",
        "message_id",
        "message_created_at",
        "message_updated_at",
        "message_conversation_id",
        "message_any_text",
        "kobject_id",
        "kobject_created_at",
        "kobject_updated_at",
        "kobject_customer_id",
        "kobject_company_id",
        "kobject_any_text",
        "company_created_at",
        "company_updated_at",
    }
)
ARCHIVE_FIELD_PATTERN = re.compile(
    r"^kobject_.*_(id|created_at|updated_at|customer_id|company_id|any_text)$"
)
#: the archive's documented sort attributes; the sandbox sorts on the dates and ``message_id``
#: and answers the others (``conversation_customer_id``, ``conversation_deleted``,
#: ``customer_companyId``, ``customer_deleted``) with a 400 that says it cannot
ARCHIVE_SORTS = {
    **{
        f"{c}_{f}_at": a
        for c in ("conversation", "customer", "message", "kobject", "company")
        for f, a in (("created", "createdAt"), ("updated", "updatedAt"))
    },
    "message_id": "id",
}
ARCHIVE_SORTS_UNSERVED = frozenset(
    {"conversation_customer_id", "conversation_deleted", "customer_companyId", "customer_deleted"}
)
#: criteria on a record's to-one relationship (``<ctx>_customer_id``, ...): equals / in on the id
REF_FIELDS = {
    "customer_id": "customer",
    "conversation_id": "conversation",
    "company_id": "company",
    "companyId": "company",
}
#: inferred: the standard attributes a ``kobject`` search knows
KOBJECT_COLUMNS = {
    "created_at": "DateTime",
    "updated_at": "DateTime",
    "modified_at": "DateTime",
    "title": "String",
    "external_id": "String",
    "description": "String",
}

Pred = Callable[[dict[str, Any]], bool]

#: criteria on another context's attributes (the documented standard-attribute example pairs
#: ``customer_updated_at`` with ``conversation_status``; the documented saved searches put
#: ``conversation_*`` and ``message_*`` criteria in customer searches and ``customer_*`` ones
#: in conversation searches). *Inferred*: a record matches when a record it is tied to
#: matches: (searched context, criterion's context) -> (the searched record's relationship
#: naming the other record, None: its id) and (the other record's relationship naming the
#: searched one, None: its id). A customer search with a conversation criterion finds the
#: customers with at least one conversation that matches
JOINS: dict[tuple[str, str], tuple[str | None, str | None]] = {
    ("conversation", "customer"): ("customer", None),
    ("message", "customer"): ("customer", None),
    ("note", "customer"): ("customer", None),
    ("message", "conversation"): ("conversation", None),
    ("note", "conversation"): ("conversation", None),
    ("customer", "company"): ("company", None),
    ("customer", "conversation"): (None, "customer"),
    ("customer", "message"): (None, "customer"),
    ("customer", "note"): (None, "customer"),
    ("conversation", "message"): (None, "conversation"),
    ("conversation", "note"): (None, "conversation"),
    ("company", "customer"): (None, "company"),
}


def _rel_id(rec: dict[str, Any], name: str) -> str | None:
    data = ((rec.get("relationships") or {}).get(name) or {}).get("data")
    value = data.get("id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


class Join:
    """One criterion on another context: the keys of the other context's matching records,
    found by one scan of its current records when the query is bound to a store."""

    def __init__(self, other: str, inner: Pred, mine: str | None, theirs: str | None) -> None:
        self.other = other
        self.inner = inner
        self.mine = mine
        self.theirs = theirs
        self.keys: set[str] | None = None

    def bind(self, store: Store, include_deleted: bool) -> None:
        keys: set[str] = set()
        for rec in store.iter_records(self.other, include_deleted):
            if not self.inner(rec):
                continue
            key = rec["id"] if self.theirs is None else _rel_id(rec, self.theirs)
            if key is not None:
                keys.add(key)
        self.keys = keys

    def __call__(self, rec: dict[str, Any]) -> bool:
        if self.keys is None:
            raise RuntimeError("a cross-context criterion evaluated before its query was bound")
        key = rec.get("id") if self.mine is None else _rel_id(rec, self.mine)
        return key in self.keys


class SearchError(ValueError):
    """A search request Kustomer would answer with 400."""


@dataclass
class Query:
    """A validated search body."""

    context: str
    obj: str | None
    pred: Pred
    #: criteria the index bounds do not capture (None: bounds are exact)
    residual: Pred | None
    #: which (0 createdAt, 1 updatedAt) -> [lo, hi) epoch ms
    time_bounds: dict[int, tuple[int, int]] = field(default_factory=dict)
    #: [lo, hi) id strings (None = open)
    id_lo: tuple[str, bool] | None = None
    id_hi: tuple[str, bool] | None = None
    #: a top-level ``<ctx>_id in [...]``: only these ids can match
    id_in: frozenset[str] | None = None
    sort_attr: str = "updatedAt"
    desc: bool = True
    #: the search engine's own order (an ignored or absent sort under
    #: ``unsupported_sort="ignore"``): a stable hash of the id, not a sort on any attribute
    engine_order: bool = False
    include_deleted: bool = False
    canonical: str = ""
    #: archive search: only records whose updatedAt is older than the 2-year window
    archive: bool = False
    #: criteria on other contexts, bound to the store before the query runs
    joins: list[Join] = field(default_factory=list)


# ---------------------------------------------------------------- field resolution


@dataclass(frozen=True)
class Target:
    """What a criterion field refers to and how its values compare."""

    kind: str  # id, ref, date, number, bool, string, list, struct
    attr: str | None = None
    custom: str | None = None
    #: kind "ref": the to-one relationship whose id the field is
    rel: str | None = None
    #: a list of objects whose ``sub`` key holds the values (``emails[].email``)
    sub: str | None = None

    def get(self, rec: dict[str, Any]) -> Any:
        """The record's value of this field (None when unset)."""
        if self.kind == "id":
            return rec["id"]
        if self.kind == "ref":
            value = ((rec.get("relationships") or {}).get(self.rel or "") or {}).get("data")
            return value.get("id") if isinstance(value, dict) else None
        attrs = rec["attributes"]
        if self.attr == "deleted" and self.kind == "bool":
            return attrs.get("deleted") is True  # inferred: no `deleted` attribute = live
        if self.custom is not None:
            custom = attrs.get("custom")
            return custom.get(self.custom) if isinstance(custom, dict) else None
        value = attrs.get(self.attr)
        if self.sub is not None:
            items = value if isinstance(value, list) else []
            return [x.get(self.sub) for x in items if isinstance(x, dict)] or None
        return value


#: the documented standard attributes of search (``search_attributes.json``, from the OAS
#: CustomerSearch description's JSON schema) -> their kind
DOCUMENTED_ATTRIBUTES: dict[str, str] = json.loads(
    (Path(__file__).with_name("search_attributes.json")).read_text()
)["attributes"]
#: documented attributes whose record attribute is not their camel-cased name (inferred):
#: name -> (attribute, key of its items)
DOCUMENTED_PATHS: dict[str, tuple[str, str | None]] = {
    "customer_email": ("emails", "email"),
    "customer_shared_email": ("sharedEmails", "email"),
    "customer_phone": ("phones", "phone"),
    "customer_shared_phone": ("sharedPhones", "phone"),
    "customer_activity_at": ("lastActivityAt", None),
    "customer_tags": ("tags", None),
}


def _documented(name: str, rest: str) -> Target | None:
    """A documented standard attribute the object spec does not name, as a Target (*inferred*:
    the record attribute of its camel-cased name; one the records lack matches nothing but
    ``not_set``, as an attribute never set)."""
    kind = DOCUMENTED_ATTRIBUTES.get(name)
    if kind is None:
        return None
    from .spec import camel

    attr, sub = DOCUMENTED_PATHS.get(name, (camel(rest), None))
    return Target("list" if sub is not None else kind, attr=attr, sub=sub)


_KIND_OF_TYPE = {
    "DateTime": "date",
    "Integer": "number",
    "Long": "number",
    "Double": "number",
    "Boolean": "bool",
    "String": "string",
    "List": "list",
    "Struct": "struct",
}
_CUSTOM_SUFFIX = {
    "At": "date",
    "Num": "number",
    "Bool": "bool",
    "Str": "string",
    "Txt": "string",
    "Url": "string",
}


def is_kobject_context(context: Any) -> bool:
    """``kobject`` (every Klass) or ``kobject_<klass>`` (one Klass)."""
    return isinstance(context, str) and (context == "kobject" or context.startswith("kobject_"))


def resolve(context: str, obj: str | None, name: str) -> Target:
    """``<ctx>_<snake field>`` -> Target; unknown fields raise SearchError."""
    # KObject contexts (kobject, kobject_<klass>) name their attributes kobject_<field>
    prefix = ("kobject" if is_kobject_context(context) else context) + "_"
    if not name.startswith(prefix):
        raise SearchError(f"unknown search attribute {name!r} for queryContext {context!r}")
    rest = name[len(prefix) :]
    if rest == "id":
        return Target("id")
    if rest in ("any_text", "any_text_new"):
        raise SearchError(f"{name}: free-text criteria are not served by the sandbox")
    if rest == "deleted":  # documented criteria conversation_deleted, customer_deleted
        return Target("bool", attr="deleted")
    if rest in REF_FIELDS:
        return Target("ref", rel=REF_FIELDS[rest])
    if rest.startswith("custom_") and len(rest) > 7:
        key = rest[7:]
        for suffix, kind in _CUSTOM_SUFFIX.items():
            if key.endswith(suffix):
                return Target(kind, custom=key)
        raise SearchError(f"custom attribute {key!r} has no type suffix (Str, Num, At, ...)")
    from .spec import camel

    if obj is None:
        typ = KOBJECT_COLUMNS.get(rest)
    else:
        spec_field = load_spec()[obj].by_column(rest)
        typ = spec_field.type if spec_field else None
    if typ is None:
        documented = _documented(name, rest) if obj is not None else None
        if documented is not None:
            return documented
        raise SearchError(f"unknown search attribute {name!r} for queryContext {context!r}")
    kind = _KIND_OF_TYPE[typ]
    if typ == "String" and rest.endswith("_at"):
        kind = "date"
    return Target(kind, attr=camel(rest))


# ---------------------------------------------------------------- criteria


def _interval(op: str, value: Any, tz: tzinfo, name: str) -> tuple[int, int]:
    """A date criterion as ``[lo, hi)`` epoch ms."""
    try:
        if is_date_only(value):
            start = day_start_ms(value, tz)
            end = day_start_ms(_next_day(value), tz)
        else:
            start = parse_iso(value)
            end = start + 1
    except (ValueError, TypeError) as exc:
        raise SearchError(f"{name}: {value!r} is not a date (YYYY-MM-DD or ISO 8601)") from exc
    lo, hi = {
        "gte": (start, None),
        "gt": (end, None),
        "lte": (None, end),
        "lt": (None, start),
        "equals": (start, end),
    }[op]
    return (lo if lo is not None else -(2**62)), (hi if hi is not None else 2**62)


def _next_day(text: str) -> str:
    from datetime import date

    return (date.fromisoformat(text) + timedelta(days=1)).isoformat()


def _to_ms(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        return parse_iso(value)
    except ValueError:
        return None


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_ALLOWED = {
    "id": {"gte", "gt", "lte", "lt", "equals", "in", "not_equals"},
    "ref": {"equals", "in", "not_equals", "not_set"},
    "date": {"gte", "gt", "lte", "lt", "equals", "not_equals", "not_set"},
    "number": {"gte", "gt", "lte", "lt", "equals", "in", "not_equals", "not_set"},
    "bool": {"equals", "not_equals", "not_set"},
    "string": {"equals", "in", "contains", "not_equals", "not_set"},
    "list": {"equals", "in", "contains", "not_equals", "not_set"},
    "struct": {"not_set"},
}

_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "gte": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "lte": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
}


def _scalar_pred(op: str, value: Any, kind: str, name: str) -> Callable[[Any], bool]:
    """Predicate on one (non-list) value."""
    if op in _CMP:
        if kind == "number" and not _is_num(value):
            raise SearchError(f"{name}.{op}: expected a number")
        if kind == "id" and not isinstance(value, str):
            raise SearchError(f"{name}.{op}: expected an id string")
        cmp = _CMP[op]
        return lambda v: (
            v is not None
            and type(v) is not bool
            and (_is_num(v) if kind == "number" else isinstance(v, str))
            and cmp(v, value)
        )
    if op == "equals":
        if kind == "bool" and not isinstance(value, bool):
            raise SearchError(f"{name}.equals: expected true or false")
        if kind in ("string", "id", "ref", "list") and not isinstance(
            value, (str, int, float, bool)
        ):
            raise SearchError(f"{name}.equals: expected a string")
        if kind == "number":
            if not _is_num(value):
                raise SearchError(f"{name}.equals: expected a number")
            return lambda v: _is_num(v) and v == value
        return lambda v: v is not None and v == value and type(v) is type(value)
    if op == "in":
        if not isinstance(value, list) or not value:
            raise SearchError(f"{name}.in: expected a non-empty list")
        options = list(value)
        return lambda v: v is not None and any(v == o and type(v) is type(o) for o in options)
    # contains: whole words, case-insensitive (GLUE: "CONTAINS matches whole words only")
    if not isinstance(value, str) or not value.strip():
        raise SearchError(f"{name}.contains: expected a non-empty string")
    rx = re.compile(r"(?<!\w)" + re.escape(value.strip()) + r"(?!\w)", re.IGNORECASE)
    return lambda v: isinstance(v, str) and rx.search(v) is not None


def _criterion(item: Any, q: _Compiler, top_and: bool) -> Pred:
    """Compile one criterion (or a nested ``and``/``or``/``not`` group)."""
    if not isinstance(item, dict) or len(item) != 1:
        raise SearchError("each criterion must be an object with exactly one attribute")
    ((name, cond),) = item.items()
    if name in ("and", "or", "not"):
        return q.group(name, cond, nested=True)
    if q.archive and name not in ARCHIVE_FIELDS and not ARCHIVE_FIELD_PATTERN.match(name):
        raise SearchError(
            f"{name!r} is not an archive search attribute (archive search filters on a "
            "limited set of attributes)"
        )
    other = _other_context(q, name)
    if other is not None:
        inner = _Compiler(other, SEARCH_CONTEXTS[other], q.tz)
        mine, theirs = JOINS[(q.context, other)]
        join = Join(SEARCH_CONTEXTS[other] or "", _criterion(item, inner, False), mine, theirs)
        q.joins += inner.joins
        q.joins.append(join)
        q.exact = False
        return join
    target = resolve(q.context, q.obj, name)
    if not isinstance(cond, dict) or len(cond) != 1:
        # inferred: one operator per criterion, as in every documented example
        raise SearchError(f'{name}: expected exactly one operator, e.g. {{"gte": ...}}')
    ((op, value),) = cond.items()
    if op not in OPERATORS:
        raise SearchError(f"{name}: unknown operator {op!r}; use one of {', '.join(OPERATORS)}")
    if op not in _ALLOWED[target.kind]:
        raise SearchError(f"{name}: operator {op!r} is not supported on this attribute")
    if op in ("not_set", "not_equals"):
        q.exact = False  # evaluated record by record
        return _negative(op, value, target, q.tz, name)
    if target.kind == "date":
        lo, hi = _interval(op, value, q.tz, name)
        if top_and and target.attr in ("createdAt", "updatedAt") and target.custom is None:
            q.narrow_time(0 if target.attr == "createdAt" else 1, lo, hi)
            return _date_pred(target, lo, hi)
        q.exact = False
        return _date_pred(target, lo, hi)
    one = _scalar_pred(op, value, target.kind, name)
    if top_and and target.kind == "id" and op in ("gte", "gt", "lte", "lt", "equals"):
        q.narrow_id(op, value)
    elif top_and and target.kind == "id" and op == "in":
        ids = {v for v in value if isinstance(v, str)}
        q.id_in = ids if q.id_in is None else q.id_in & ids
    else:
        q.exact = False
    get = target.get
    if target.kind == "list":
        # a documented list attribute a record holds as one value compares as that value
        return lambda rec: any(one(v) for v in _as_list(get(rec)))
    return lambda rec: one(get(rec))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _other_context(q: _Compiler, name: str) -> str | None:
    """The standard context another context's criterion names (``customer_updated_at`` in a
    conversation search), when the sandbox joins the two (``JOINS``); else None."""
    if q.archive or name.startswith(q.context + "_"):
        return None
    for other in ("customer", "conversation", "message", "note", "company"):
        if name.startswith(other + "_") and (q.context, other) in JOINS:
            return other
    return None


def _negative(op: str, value: Any, target: Target, tz: tzinfo, name: str) -> Pred:
    """``not_set: true|false`` (inferred: unset is missing, null, "" or an empty list or
    object) and ``not_equals`` (inferred: what ``equals`` does not match, unset values
    included, as a search engine's negated term query)."""
    get = target.get
    if op == "not_set":
        if not isinstance(value, bool):
            raise SearchError(f"{name}.not_set: expected true or false")
        return lambda rec: (get(rec) in (None, "", [], {})) == value
    if target.kind == "date":
        lo, hi = _interval("equals", value, tz, name)
        same = _date_pred(target, lo, hi)
        return lambda rec: not same(rec)
    one = _scalar_pred("equals", value, target.kind, name)
    if target.kind == "list":
        return lambda rec: not any(one(v) for v in _as_list(get(rec)))
    return lambda rec: not one(get(rec))


def _date_pred(target: Target, lo: int, hi: int) -> Pred:
    get = target.get

    def pred(rec: dict[str, Any]) -> bool:
        ms = _to_ms(get(rec))
        return ms is not None and lo <= ms < hi

    return pred


class _Compiler:
    """State while compiling one body."""

    def __init__(self, context: str, obj: str | None, tz: tzinfo, archive: bool = False) -> None:
        self.context = context
        self.archive = archive
        self.obj = obj
        self.tz = tz
        self.exact = True
        self.time_bounds: dict[int, tuple[int, int]] = {}
        self.id_lo: tuple[str, bool] | None = None
        self.id_hi: tuple[str, bool] | None = None
        self.id_in: set[str] | None = None
        self.joins: list[Join] = []

    def narrow_time(self, which: int, lo: int, hi: int) -> None:
        old_lo, old_hi = self.time_bounds.get(which, (-(2**62), 2**62))
        self.time_bounds[which] = (max(old_lo, lo), min(old_hi, hi))

    def narrow_id(self, op: str, value: str) -> None:
        if op in ("gte", "gt", "equals"):
            cand = (value, op != "gt")
            # the stricter lower bound: larger value, or exclusive at the same value
            if self.id_lo is None or (value, op == "gt") > (self.id_lo[0], not self.id_lo[1]):
                self.id_lo = cand
        if op in ("lte", "lt", "equals"):
            cand = (value, op != "lt")
            if self.id_hi is None or cand < self.id_hi:
                self.id_hi = cand

    def group(self, kind: str, items: Any, nested: bool = False) -> Pred:
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            raise SearchError(f"{kind}: expected a list of criteria")
        if kind != "and" or nested:
            self.exact = False
        preds = [_criterion(it, self, top_and=(kind == "and" and not nested)) for it in items]
        if kind == "and":
            return lambda rec: all(p(rec) for p in preds)
        if kind == "or":
            return lambda rec: not preds or any(p(rec) for p in preds)
        return lambda rec: not any(p(rec) for p in preds)


#: the customer attributes the search documentation lists as sortable ("Sorting based on other
#: standard Object attributes is unavailable"); the sandbox sorts on the two dates among them
DOCUMENTED_SORTS = (
    "customer_name",
    "customer_gender",
    "customer_created_at",
    "customer_updated_at",
    "customer_modified_at",
    "customer_externalId",
    "customer_activity_at",
    "customer_last_seen_at",
    "customer_signed_up_at",
    "customer_lastmessage_preview",
    "customer_progressive_status",
    "customer_done",
    "customer_open",
    "customer_snoozed",
    "customer_last_message_sent_at",
    "customer_last_message_out_sent_at",
    "customer_last_message_unresponded_to_sent_at",
    "customer_last_message_at",
)
#: the documented limits of a search body's ``and``/``or`` lists (OAS CustomerSearch:
#: ``maxItems: 20``, ``uniqueItems``), enforced by the literal reading
MAX_CRITERIA = 20


def parse_query(
    body: Any, created_sort: str = "all", archive: bool = False, unsupported: str = "accept"
) -> Query:
    """Validate a search body; raises SearchError (-> 400). `created_sort`: the contexts that
    sort on ``<ctx>_created_at`` ("all", or only "customer"). `archive`: the body of
    ``POST /v1/customers/archive/search`` (its own keys, contexts, criteria and sorts).
    `unsupported`: what a sort the documentation calls unavailable gets (``accept``,
    ``ignore``: the engine's own order, or ``reject``: a 400, which also enforces the
    documented limits of ``and``/``or``)."""
    if not isinstance(body, dict):
        raise SearchError("the request body must be a JSON object")
    unknown = sorted(set(body) - (ARCHIVE_BODY_KEYS if archive else BODY_KEYS))
    if unknown:
        raise SearchError(f"unknown search body field(s): {', '.join(unknown)}")
    _check_extras(body)
    context = body.get("queryContext")
    if context not in SEARCH_CONTEXTS and not is_kobject_context(context):
        raise SearchError(
            f"queryContext must be one of {', '.join(SEARCH_CONTEXTS)} or kobject_<klass> "
            f"(got {context!r})"
        )
    assert isinstance(context, str)
    if archive and not ARCHIVE_CONTEXT.match(context):
        raise SearchError(
            f"queryContext {context!r} is not searchable in the archive (message, conversation, "
            "customer, company, kobject or kobject_<klass>)"
        )
    obj = SEARCH_CONTEXTS.get(context)
    tz = _time_zone(body.get("timeZone"))
    include_deleted = body.get("includeDeleted", False)
    if not isinstance(include_deleted, bool):
        raise SearchError("includeDeleted must be true or false")
    if not archive and unsupported == "reject":
        _check_limits(body)
    comp = _Compiler(context, obj, tz, archive)
    preds = [comp.group(k, body[k]) for k in ("and", "or", "not") if k in body]
    engine_order = False
    if archive:
        sort_attr, desc = _archive_sort(body.get("sort"), context)
    else:
        name = _sort_name(body.get("sort"))
        documented = name is None or name in DOCUMENTED_SORTS
        if (
            name is not None
            and name.endswith("_created_at")
            and created_sort == "customer"
            and context != "customer"
        ):
            raise SearchError(
                f"cannot sort on {name}: sorting based on other standard Object "
                "attributes is unavailable"
            )
        if not documented and unsupported == "reject":
            raise SearchError(
                f"cannot sort on {name}: sorting based on other standard Object attributes is "
                "unavailable (sortable: the customer attributes of the search documentation)"
            )
        malformed = name is None and body.get("sort") is not None
        if unsupported == "ignore" and not malformed and (name is None or not documented):
            # inferred: the sort is dropped, and the engine answers in its own order
            sort_attr, desc, engine_order = "updatedAt", False, True
        else:
            sort_attr, desc = _sort(body.get("sort"), context)
    residual_exact = comp.exact

    def pred(rec: dict[str, Any]) -> bool:
        return all(p(rec) for p in preds)

    canonical = ("archive " if archive else "") + json.dumps(body, sort_keys=True, default=str)
    return Query(
        context,
        obj,
        pred,
        None if residual_exact else pred,
        comp.time_bounds,
        comp.id_lo,
        comp.id_hi,
        None if comp.id_in is None else frozenset(comp.id_in),
        sort_attr,
        desc,
        engine_order,
        include_deleted,
        canonical,
        archive,
        comp.joins,
    )


def _sort_name(sort: Any) -> str | None:
    """The attribute a standard search's ``sort`` names (None: no sort; a malformed sort is
    left to :func:`_sort`, which refuses it)."""
    if sort is None:
        return None
    if isinstance(sort, dict):
        sort = [sort]
    if (
        isinstance(sort, list)
        and len(sort) == 1
        and isinstance(sort[0], dict)
        and len(sort[0]) == 1
    ):
        (name,) = sort[0]
        return str(name)
    return None


def _check_limits(body: dict[str, Any]) -> None:
    """The documented limits of ``and``/``or``: at most 20 criteria, no criterion twice."""
    for key in ("and", "or"):
        items = body.get(key)
        if not isinstance(items, list):
            continue
        if len(items) > MAX_CRITERIA:
            raise SearchError(f"{key}: at most {MAX_CRITERIA} criteria (got {len(items)})")
        seen = [json.dumps(it, sort_keys=True, default=str) for it in items]
        if len(set(seen)) != len(seen):
            raise SearchError(f"{key}: a criterion appears twice (the items must be unique)")


def _check_extras(body: dict[str, Any]) -> None:
    """``aggs`` (an object) and ``fields`` (up to 20 objects) as the OAS types them. Their
    effect is undocumented: the sandbox answers ``meta.aggregations: {}`` and ignores
    ``fields`` (inferred)."""
    if "aggs" in body and not isinstance(body["aggs"], dict):
        raise SearchError("aggs must be an object")
    fields = body.get("fields")
    if "fields" in body and (
        not isinstance(fields, list)
        or len(fields) > 20
        or not all(isinstance(f, dict) for f in fields)
    ):
        raise SearchError("fields must be a list of at most 20 objects")


def _archive_sort(sort: Any, context: str) -> tuple[str, bool]:
    """The archive's sort: up to 5 ``{"<attribute>": "asc"|"desc"}`` (its OAS example sorts on
    two), each a documented sort attribute of the query's context; the first one orders the
    results (inferred: the later ones only break ties, and ties are already broken by id)."""
    if sort is None:
        return "updatedAt", True
    if isinstance(sort, dict):
        sort = [sort]
    if (
        not isinstance(sort, list)
        or not 1 <= len(sort) <= 5
        or not all(isinstance(k, dict) and len(k) == 1 for k in sort)
    ):
        raise SearchError('sort must be a list of 1 to 5 {"<attribute>": "asc"|"desc"}')
    prefix = ("kobject" if is_kobject_context(context) else context) + "_"
    first: tuple[str, bool] | None = None
    for key in sort:
        ((name, direction),) = key.items()
        if name in ARCHIVE_SORTS_UNSERVED and name.startswith(prefix):
            raise SearchError(f"the sandbox cannot sort on {name!r} (dates and message_id only)")
        if name not in ARCHIVE_SORTS or not name.startswith(prefix):
            sortable = ", ".join(n for n in ARCHIVE_SORTS if n.startswith(prefix))
            raise SearchError(f"cannot sort on {name!r}; sortable: {sortable}")
        if direction not in ("asc", "desc"):
            raise SearchError(f"sort direction must be 'asc' or 'desc' (got {direction!r})")
        if first is None:
            first = (ARCHIVE_SORTS[name], direction == "desc")
    assert first is not None
    return first


def _time_zone(name: Any) -> tzinfo:
    if name is None or name in ("GMT", "UTC", "Etc/GMT", "Etc/UTC"):
        return timezone.utc
    if not isinstance(name, str):
        raise SearchError("timeZone must be an IANA time zone name")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise SearchError(f"unknown timeZone {name!r}") from exc


def _sort(sort: Any, context: str) -> tuple[str, bool]:
    """``[{"<ctx>_updated_at": "asc"}]`` -> (attribute, descending).

    inferred: one sort key, ``<ctx>_updated_at`` or ``<ctx>_created_at``; ties broken by
    id in the same direction; without ``sort``, newest updatedAt first.
    """
    if sort is None:
        return "updatedAt", True
    if isinstance(sort, dict):
        sort = [sort]
    if (
        not isinstance(sort, list)
        or len(sort) != 1
        or not isinstance(sort[0], dict)
        or len(sort[0]) != 1
    ):
        raise SearchError('sort must be a list with one {"<attribute>": "asc"|"desc"}')
    ((name, direction),) = sort[0].items()
    field_prefix = "kobject" if is_kobject_context(context) else context
    attrs = {f"{field_prefix}_updated_at": "updatedAt", f"{field_prefix}_created_at": "createdAt"}
    if name not in attrs:
        raise SearchError(f"cannot sort on {name!r}; sortable: {', '.join(attrs)}")
    if direction not in ("asc", "desc"):
        raise SearchError(f"sort direction must be 'asc' or 'desc' (got {direction!r})")
    return attrs[name], direction == "desc"


# ---------------------------------------------------------------- execution


@dataclass
class Prepared:
    """A query bound to the current store state: generated part A (index order, which is its
    sort order) and part B (overlay records and old records updated recently), each B item a
    ``(sort value, id, record or generated index)``."""

    a: IndexSeq
    #: the sort value of generated index ``i`` (-1 for an id sort)
    a_value: Callable[[int], int]
    b_items: list[tuple[int, str, Any]]
    #: the engine's own order: A re-ordered by the engine key (built on first use)
    engine_a: ListSeq | None = None
    #: B sorted for a tie order, by mode (not for "shuffle", drawn per request)
    sorted_b: dict[str, tuple[list[Any], list[Any]]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.a) + len(self.b_items)


def prepare(store: Store, q: Query) -> Prepared:
    """Bind a query to the store (cached in the store per version and clock)."""
    now = store.clock.now_ms()
    ck = (q.canonical, store.version, now)
    cache = store.query_cache
    hit = cache.get(ck)
    if isinstance(hit, Prepared):
        return hit
    prepared = _prepare(store, q, now)
    if len(cache) > 32:
        cache.clear()
    cache[ck] = prepared
    return prepared


def _empty_value(i: int) -> int:
    return i


def _prepare(store: Store, q: Query, now: int) -> Prepared:
    if q.obj is None:
        return Prepared(ListSeq([]), _empty_value, [])
    for join in q.joins:  # inner joins first: they were compiled first
        join.bind(store, q.include_deleted)
    obj = q.obj
    org = store.org
    layout = org.layout(obj)
    st = store.states[obj]
    cutoff = now - WINDOW_MS
    if q.archive:  # archive search: only what standard search no longer reaches
        lo, hi = st.floor, layout.bisect_time(cutoff, 1)
    else:
        lo, hi = max(st.floor, layout.bisect_time(cutoff, 1)), layout.n
    for which, (t_lo, t_hi) in q.time_bounds.items():
        lo = max(lo, layout.bisect_time(t_lo, which))
        hi = min(hi, layout.bisect_time(t_hi, which))
    if q.id_lo is not None:
        b = layout.bisect_id(q.id_lo[0])
        if not q.id_lo[1] and b < layout.n and layout.id(b) == q.id_lo[0]:
            b += 1
        lo = max(lo, b)
    if q.id_hi is not None:
        b = layout.bisect_id(q.id_hi[0])
        if q.id_hi[1] and b < layout.n and layout.id(b) == q.id_hi[0]:
            b += 1
        hi = min(hi, b)
    which = {"updatedAt": 1, "createdAt": 0}.get(q.sort_attr, -1)  # -1: by id (message_id)
    changed = st.changed
    # old records updated recently leave the index order: B carries them, by their new time
    bumped, bumped_at = org.bumped_records(obj)
    bumped = [i for i in bumped if i >= st.floor and i not in changed]
    b_items: list[tuple[int, str, Any]] = []
    if bumped:
        for i in bumped:
            if (bumped_at[i] < cutoff) != q.archive:
                continue
            created = layout.times(i)[0]
            shown = (created, bumped_at[i])
            if any(not t_lo <= shown[w] < t_hi for w, (t_lo, t_hi) in q.time_bounds.items()):
                continue
            rid = layout.id(i, created)
            if not _id_ok(q, rid):
                continue
            if q.residual is not None and not q.residual(org.record(obj, i)):
                continue
            b_items.append((shown[which] if which >= 0 else -1, rid, i))
    excluded = sorted(set(st.changed_sorted).union(bumped)) if bumped else st.changed_sorted
    skip = set(bumped)
    a: IndexSeq
    if q.id_in is not None:
        picked = sorted(
            i
            for i in (layout.index_of(rid) for rid in q.id_in)
            if i is not None and lo <= i < hi and i not in changed and i not in skip
        )
        residual = q.residual
        a = ListSeq([i for i in picked if residual is None or residual(org.record(obj, i))])
    elif q.residual is None:
        a = RangeSeq(lo, hi, excluded)
    else:
        residual = q.residual
        a = ListSeq(
            [
                i
                for i in range(lo, hi)
                if i not in changed and i not in skip and residual(org.record(obj, i))
            ]
        )

    def a_value(i: int) -> int:
        return layout.times(i)[which] if which >= 0 else -1

    keys, recs = store.search_overlay_sorted(obj, q.sort_attr, now)
    for k, rec in zip(keys, recs, strict=True):
        if (time_key(rec, "updatedAt")[0] < cutoff) != q.archive:
            continue
        if is_deleted(rec) and not q.include_deleted:
            continue
        if q.pred(rec):
            b_items.append((k[0] if which >= 0 else -1, rec["id"], rec))
    return Prepared(a, a_value, b_items)


def _id_ok(q: Query, rid: str) -> bool:
    """A generated id within the query's top-level id criteria."""
    if q.id_in is not None and rid not in q.id_in:
        return False
    if q.id_lo is not None and (rid < q.id_lo[0] or (rid == q.id_lo[0] and not q.id_lo[1])):
        return False
    return q.id_hi is None or rid < q.id_hi[0] or (rid == q.id_hi[0] and q.id_hi[1])


def ordered(
    p: Prepared, layout: Any, ties: Ties, engine: bool, seed: int
) -> tuple[IndexSeq, Callable[[int], Any], list[Any], list[Any]]:
    """Part A, its key function, and part B's sorted keys and payloads, for one request: by
    ``(sort value, tie-break)``, or in the engine's own order."""
    if engine:
        if p.engine_a is None:
            items = [p.a.at(k) for k in range(len(p.a))]
            items.sort(key=lambda i: engine_order_key(layout.id(i), seed))
            p.engine_a = ListSeq(items)
        a: IndexSeq = p.engine_a

        def engine_key(i: int) -> Any:
            return engine_order_key(layout.id(i), seed)

        mode = "engine"
        hit = p.sorted_b.get(mode)
        if hit is None:
            pairs = sorted(
                ((engine_order_key(rid, seed), pay) for _v, rid, pay in p.b_items),
                key=lambda kp: kp[0],
            )
            hit = p.sorted_b[mode] = ([k for k, _ in pairs], [pay for _, pay in pairs])
        return a, engine_key, hit[0], hit[1]
    value = p.a_value
    tie = ties.key
    if ties.mode == "id":

        def key_of(i: int) -> Any:
            return value(i), layout.id(i)

    else:

        def key_of(i: int) -> Any:
            return value(i), tie(layout.id(i))

    hit = p.sorted_b.get(ties.mode) if ties.mode != "shuffle" else None
    if hit is None:
        pairs = sorted((((v, tie(rid)), pay) for v, rid, pay in p.b_items), key=lambda kp: kp[0])
        hit = ([k for k, _ in pairs], [pay for _, pay in pairs])
        if ties.mode != "shuffle":
            p.sorted_b[ties.mode] = hit
    return p.a, key_of, hit[0], hit[1]


def run(
    store: Store,
    q: Query,
    offset: int,
    limit: int,
    ids_only: bool = False,
    tie_order: str = "id",
) -> tuple[list[str], int]:
    """One page of search results as JSON texts, and the total; ``ids_only``: each result as
    ``{"type", "id"}`` alone (generated records are then never built); ``tie_order``: how
    records sharing the sort value are ordered (see :mod:`.unkind`)."""
    with store.lock:
        p = prepare(store, q)
        obj = q.obj or ""
        seed = store.org.seed
        layout = store.org.layout(obj) if obj else None
        a, key_of, b_keys, b_pays = ordered(p, layout, Ties(tie_order, seed), q.engine_order, seed)
        picks = merged_slice(a, key_of, b_keys, offset, limit, q.desc)
        if ids_only:
            type_name = BY_OBJECT[obj].type_name
            pairs = []
            for from_b, n in picks:
                pay = b_pays[n] if from_b else n
                if isinstance(pay, dict):
                    pairs.append((pay["type"], pay["id"]))
                else:
                    assert layout is not None
                    pairs.append((type_name, layout.id(pay)))
            return [dumps({"type": t, "id": i}) for t, i in pairs], p.total
        texts = []
        for from_b, n in picks:
            pay = b_pays[n] if from_b else n
            texts.append(dumps(pay) if isinstance(pay, dict) else store.org.record_json(obj, pay))
        return texts, p.total


def ids_only(texts: list[str]) -> list[str]:
    """Records as ``{"type", "id"}`` alone (``idsOnly=true``)."""
    out = []
    for text in texts:
        rec = json.loads(text)
        out.append(dumps({"type": rec["type"], "id": rec["id"]}))
    return out
