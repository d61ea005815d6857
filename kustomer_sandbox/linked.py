"""The routes records link to: Kustomer's documented sub-resources, and the targets of record
links the documentation shows without a route.

Documented (Core Resources OAS; envelopes, parameters and roles as its operations give them):

- ``GET /v1/conversations/{id}/messages`` and ``/v1/customers/{id}/messages``: the messages whose
  ``conversation`` (``customer``) is the record, the same records ``GET /v1/messages`` serves;
  ``page``/``pageSize`` (at most 100), ``include=attachments``; ``meta {pageSize, page}``,
  ``links {self, first, prev, next}`` on the path asked. Roles ``org.user.message.read``,
  ``org.permission.message.read``.
- ``GET /v1/messages/{message_id}/attachments/{id}``: ``{data: attachment}``. Roles
  ``org.user.attachment.read``, ``org.permission.attachment.read``.
- ``GET /v1/customers/{id}/klasses/{name}`` (roles ``org.user.customer.read``,
  ``org.permission.customer.read``) and ``/v1/companies/{id}/klasses/{name}`` (the company
  roles): the record's KObjects of that Klass, ``meta {pageSize, page}``; the page links name
  ``/v1/klasses/{name}``, as the OAS example's do (the literal reading: a client that follows
  ``links.next`` there pages the whole Klass, not the customer's KObjects).
- ``GET /v1/schedules/default`` and ``/v1/brands/default``: ``{data}``, the record marked
  ``default``.

*Inferred* (records link to these paths; no document serves them): ``GET /v1/messages/{id}/
attachments`` (the message's attachments, paged as the documented ``/drafts/{id}/attachments``
and ``/forwards/{id}/attachments``), ``GET /v1/{app}/messages/{id}`` (a message's
``links.related``: the message itself, only under its own app), ``GET /v1/orgs/{id}`` (the
org), ``GET /v1/kb/knowledge-bases/{id}`` (the org's knowledge base),
``GET /v1/satisfaction/templates/{id}`` (a satisfaction form's template), ``GET /v1/tags/{id}``
and ``GET /v1/holidays/{id}``: each ``{data: record}``, an unknown id a 404.

The undocumented orders take the unkind options' reading: the sub-resource lists have no
documented order, so they follow ``list_order`` (ascending id by default, as
``GET /v1/messages`` without ``sort``); ``sort`` is not a parameter of theirs and is ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .api import BY_OBJECT, PERM
from .attachments import INCLUDE_PARAM, included_json, parse_include
from .envelope import data_body, list_body, paged_links
from .extras import ROUTES as EXTRA_ROUTES
from .layout import FIRST_USER_MS, ORG_SETUP_MS
from .relations import SYNTHETIC_PATHS, knowledge_base_id
from .store import Store, time_key
from .timefmt import iso_ms
from .unkind import Ties, past_end_detail, past_the_end

if TYPE_CHECKING:
    from .engine import Engine

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_HEX = "([0-9a-f]{24})"
#: the most records a page of these lists holds (the messages' and KObjects' maximum)
MAX_PAGE_SIZE = 100
#: the org's name (the bulk jobs' ``orgName``); inferred
ORG_NAME = "kustomer-sandbox"
#: the knowledge base's name; inferred
KNOWLEDGE_BASE_NAME = "Help Center"

#: documented roles of the sub-resource routes (any one of them)
MESSAGE_ROLES = ("org.user.message.read", PERM + "message.read")
ATTACHMENT_ROLES = ("org.user.attachment.read", PERM + "attachment.read")
OWNER_ROLES = {
    "customers": ("org.user.customer.read", PERM + "customer.read"),
    "companies": ("org.user.company.read", PERM + "company.read"),
}


class BadParameter(ValueError):
    """A parameter the route refuses (400), naming it."""

    def __init__(self, detail: str, parameter: str) -> None:
        super().__init__(detail)
        self.parameter = parameter


@dataclass(frozen=True)
class Linked:
    """A route records link to, with its path parameters."""

    kind: str
    args: tuple[str, ...]
    #: any one of these grants access; empty = any valid token
    roles: tuple[str, ...]
    #: a page-numbered list (page faults apply)
    paged: bool = False


@dataclass(frozen=True)
class Page:
    """The paging of one request: page, size, the other query params (kept in links)."""

    page: int
    size: int
    extra: list[tuple[str, str]]
    params: dict[str, str]


def _rx(path: str) -> re.Pattern[str]:
    return re.compile("^" + path + "$")


#: (pattern, kind, roles, paged): the first match wins
_ROUTES: tuple[tuple[re.Pattern[str], str, tuple[str, ...] | None, bool], ...] = (
    (_rx(f"/v1/(conversations|customers)/{_HEX}/messages"), "owner_messages", MESSAGE_ROLES, True),
    (_rx(f"/v1/messages/{_HEX}/attachments"), "message_attachments", ATTACHMENT_ROLES, True),
    (_rx(f"/v1/messages/{_HEX}/attachments/{_HEX}"), "attachment", ATTACHMENT_ROLES, False),
    # roles None: the owner's (OWNER_ROLES)
    (_rx(f"/v1/(customers|companies)/{_HEX}/klasses/([^/]+)"), "owner_kobjects", None, True),
    (_rx("/v1/(schedules|brands)/default"), "default", None, False),
    (_rx(SYNTHETIC_PATHS["org"] + "/" + _HEX), "org", (), False),
    (
        _rx(SYNTHETIC_PATHS["kb_knowledge_base"] + "/" + _HEX),
        "knowledge_base",
        BY_OBJECT["categories"].roles,
        False,
    ),
    (
        _rx(SYNTHETIC_PATHS["satisfaction_template"] + "/" + _HEX),
        "satisfaction_template",
        BY_OBJECT["satisfaction"].roles,
        False,
    ),
    (_rx(f"/v1/tags/{_HEX}"), "tag", EXTRA_ROUTES["tags"].roles, False),
    (_rx(f"/v1/holidays/{_HEX}"), "holiday", BY_OBJECT["schedules"].roles, False),
    # a message's `links.related` (the OAS example: /v1/postmark/messages/<id>)
    (_rx(f"/v1/([a-z][a-z0-9_-]*)/messages/{_HEX}"), "app_message", MESSAGE_ROLES, False),
)


def route(path: str) -> Linked | None:
    """The linked route of a canonical path, or None."""
    for rx, kind, roles, paged in _ROUTES:
        m = rx.match(path)
        if m is None:
            continue
        args = tuple(unquote(g) for g in m.groups())
        if roles is None:
            roles = OWNER_ROLES[args[0]] if kind == "owner_kobjects" else BY_OBJECT[args[0]].roles
        return Linked(kind, args, roles, paged)
    return None


def answer(engine: Engine, match: Linked, page: Page) -> bytes:
    """The body of a GET on a linked route; LookupError -> 404, ValueError -> 400."""
    return _HANDLERS[match.kind](engine, match, page)


# ---------------------------------------------------------------------- helpers


def _deleted(rec: dict[str, Any]) -> bool:
    return rec["attributes"].get("deleted") is True


def _rel(rec: dict[str, Any], name: str) -> str | None:
    data = ((rec.get("relationships") or {}).get(name) or {}).get("data")
    return data.get("id") if isinstance(data, dict) else None


def _live(store: Store, obj: str, rid: str) -> dict[str, Any]:
    """A record that is neither gone nor soft-deleted (LookupError: a 404)."""
    rec = store.get(obj, rid)
    if rec is None or _deleted(rec):
        raise LookupError(f"{BY_OBJECT[obj].type_name} {rid} not found")
    return rec


def _ordered(engine: Engine, recs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records in the order of a list without a documented order: ascending id, or the
    ``list_order`` option's (newest ``createdAt`` or most recent ``updatedAt`` first, ties by
    ``tie_order``)."""
    recs = sorted(recs, key=lambda r: str(r["id"]))
    options = engine.options
    if options.list_order != "id":
        attr = "createdAt" if options.list_order == "newest" else "updatedAt"
        tie = Ties(options.tie_order, engine.settings.seed).key
        recs.sort(key=lambda r: (time_key(r, attr)[0], tie(r["id"])), reverse=True)
    return recs


def _paged(
    engine: Engine, texts: list[str], path: str, page: Page, included: list[str] | None = None
) -> bytes:
    """A page of ready records: ``meta {pageSize, page}``, ``links {self, first, prev, next}``
    (the documented sub-resource envelope); LookupError (a 404) for a page past the end of a
    non-empty list under ``past_end="404"``."""
    if past_the_end(engine.options, page.page, page.size, len(texts)):
        raise LookupError(past_end_detail(path, page.page, page.size, len(texts)))
    chunk = texts[(page.page - 1) * page.size : page.page * page.size]
    links = paged_links(path, page.page, page.size, -(-len(texts) // page.size), page.extra)
    return list_body({"pageSize": page.size, "page": page.page}, links, chunk, included)


def _includes(page: Page) -> bool:
    """Whether ``include=attachments`` was asked (another value is a 400)."""
    try:
        return "attachments" in parse_include(page.params.get(INCLUDE_PARAM))
    except ValueError as exc:
        raise BadParameter(str(exc), INCLUDE_PARAM) from exc


def _org_rel(engine: Engine) -> dict[str, Any]:
    org_id = engine.org.org_id
    link = f"{SYNTHETIC_PATHS['org']}/{org_id}"
    return {"links": {"self": link}, "data": {"type": "org", "id": org_id}}


# ---------------------------------------------------------------------- documented


def _owner_messages(engine: Engine, m: Linked, page: Page) -> bytes:
    owner, rid = m.args
    store, removals = engine.store, engine.removals
    _live(store, owner, rid)
    if owner == "conversations":
        ids, rel = removals.children("messages", {rid}, set()), "conversation"
    else:
        conversations = set(removals.conversations_of({rid}))
        ids, rel = removals.children("messages", conversations, {rid}), "customer"
    recs = [
        rec
        for rec in (store.get("messages", mid) for mid in ids)
        if rec is not None and not _deleted(rec) and _rel(rec, rel) == rid
    ]
    wants = _includes(page)
    texts = [_dumps(r) for r in _ordered(engine, recs)]
    chunk = texts[(page.page - 1) * page.size : page.page * page.size]
    included = included_json(store.org, chunk, store.redacted_attachments) if wants else None
    return _paged(engine, texts, f"/v1/{owner}/{rid}/messages", page, included)


def _message_attachments(engine: Engine, m: Linked, page: Page) -> bytes:
    (mid,) = m.args
    store = engine.store
    message = _live(store, "messages", mid)
    texts = included_json(store.org, [_dumps(message)], store.redacted_attachments)
    # inferred: a message without attachments answers an empty page (it exists)
    return _paged(engine, texts, f"/v1/messages/{mid}/attachments", page)


def _attachment(engine: Engine, m: Linked, page: Page) -> bytes:
    mid, aid = m.args
    store = engine.store
    message = _live(store, "messages", mid)
    for text in included_json(store.org, [_dumps(message)], store.redacted_attachments):
        if json.loads(text)["id"] == aid:
            return data_body(text)
    raise LookupError(f"attachment {aid} not found")


def _owner_kobjects(engine: Engine, m: Linked, page: Page) -> bytes:
    owner, rid, name = m.args
    _live(engine.store, owner, rid)
    rel = "customer" if owner == "customers" else "company"
    recs = [r for r in engine.kobjects.records(name) if _rel(r, rel) == rid]
    texts = [_dumps(r) for r in _ordered(engine, recs)]
    # the OAS example's page links name the Klass's list, /v1/klasses/<name>
    return _paged(engine, texts, f"/v1/klasses/{name}", page)


def _default(engine: Engine, m: Linked, page: Page) -> bytes:
    (obj,) = m.args
    for rec in engine.store.iter_records(obj):
        if rec["attributes"].get("default") is True:
            return data_body(_dumps(rec))
    raise LookupError(f"no default {BY_OBJECT[obj].type_name}")


# ---------------------------------------------------------------------- inferred


def _app_message(engine: Engine, m: Linked, page: Page) -> bytes:
    app, mid = m.args
    message = _live(engine.store, "messages", mid)
    # inferred: the message itself, only under the app its own `links.related` names
    if (message.get("links") or {}).get("related") != f"/v1/{app}/messages/{mid}":
        raise LookupError(f"message {mid} not found in app {app}")
    return data_body(_dumps(message))


def _org(engine: Engine, m: Linked, page: Page) -> bytes:
    org_id = engine.org.org_id
    if m.args[0] != org_id:
        raise LookupError(f"org {m.args[0]} not found")
    # inferred: made with its first user, last changed when it was set up
    record = {
        "type": "org",
        "id": org_id,
        "attributes": {
            "name": ORG_NAME,
            "createdAt": iso_ms(FIRST_USER_MS),
            "updatedAt": iso_ms(ORG_SETUP_MS),
        },
        "links": {"self": f"{SYNTHETIC_PATHS['org']}/{org_id}"},
    }
    return data_body(_dumps(record))


def _knowledge_base(engine: Engine, m: Linked, page: Page) -> bytes:
    kb = knowledge_base_id(engine.org)
    if m.args[0] != kb:
        raise LookupError(f"kb_knowledge_base {m.args[0]} not found")
    # inferred: one knowledge base, made when the org was set up (with the root category)
    at = iso_ms(ORG_SETUP_MS)
    record = {
        "type": "kb_knowledge_base",
        "id": kb,
        "attributes": {"name": KNOWLEDGE_BASE_NAME, "createdAt": at, "updatedAt": at},
        "relationships": {"org": _org_rel(engine)},
        "links": {"self": f"{SYNTHETIC_PATHS['kb_knowledge_base']}/{kb}"},
    }
    return data_body(_dumps(record))


def _satisfaction_template(engine: Engine, m: Linked, page: Page) -> bytes:
    (tid,) = m.args
    for form in engine.store.iter_records("satisfaction"):
        if _deleted(form) or _rel(form, "template") != tid:
            continue
        # inferred: made with its satisfaction form; no attribute of its own is documented
        at = form["attributes"].get("createdAt")
        record = {
            "type": "satisfaction_template",
            "id": tid,
            "attributes": {"createdAt": at, "updatedAt": at},
            "relationships": {"org": _org_rel(engine)},
            "links": {"self": f"{SYNTHETIC_PATHS['satisfaction_template']}/{tid}"},
        }
        return data_body(_dumps(record))
    raise LookupError(f"satisfaction_template {tid} not found")


def _tag(engine: Engine, m: Linked, page: Page) -> bytes:
    for tag in engine.extras.live_tags():
        if tag["id"] == m.args[0]:
            return data_body(_dumps(tag))
    raise LookupError(f"tag {m.args[0]} not found")


def _holiday(engine: Engine, m: Linked, page: Page) -> bytes:
    for schedule in engine.store.iter_records("schedules"):
        for holiday in engine.extras.holidays(schedule["id"]):
            if holiday["id"] == m.args[0]:
                return data_body(_dumps(holiday))
    raise LookupError(f"holiday {m.args[0]} not found")


_HANDLERS: dict[str, Callable[[Engine, Linked, Page], bytes]] = {
    "owner_messages": _owner_messages,
    "message_attachments": _message_attachments,
    "attachment": _attachment,
    "owner_kobjects": _owner_kobjects,
    "default": _default,
    "app_message": _app_message,
    "org": _org,
    "knowledge_base": _knowledge_base,
    "satisfaction_template": _satisfaction_template,
    "tag": _tag,
    "holiday": _holiday,
}
