"""The control API: change the org and the sandbox's behaviour, in Python and over HTTP.

:class:`Control` is the Python handle; :func:`handle_control` serves the same operations
as JSON under ``/__sandbox/...`` (see the package docstring for the routes).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from . import extras
from .api import BY_OBJECT, SEARCH_ROLES, all_roles
from .engine import Engine
from .extras import Extras
from .kobjects import KObjects
from .timefmt import iso_ms, to_ms
from .unkind import OPTION_NAMES

PREFIX = "/__sandbox"


class Control:
    """Operations on a running sandbox (object names are the spec ``table`` names)."""

    def __init__(self, engine: Engine) -> None:
        self._e = engine

    # ------------------------------------------------------------------ tokens, clock

    def create_token(
        self, roles: list[str] | None = None, expires_in_s: float | None = None
    ) -> str:
        """A new API token with these roles (None = all); expiry on the sandbox clock."""
        return self._e.tokens.create(roles, expires_in_s)

    def advance_clock(self, seconds: float) -> datetime:
        """Move the sandbox clock forward; returns the new time."""
        self._e.clock.advance(seconds)
        return self._e.clock.now()

    def now(self) -> datetime:
        """The sandbox clock (fixed until advanced; each write moves it to its stamp)."""
        return self._e.clock.now()

    # ------------------------------------------------------------------ beyond the 48

    @property
    def kobjects(self) -> KObjects:
        """Klasses, KObjects and custom-attribute definitions (add_klass, create, update, ...)."""
        return self._e.kobjects

    @property
    def extras(self) -> Extras:
        """Tags, SLAs with versions, schedule holidays."""
        return self._e.extras

    # ------------------------------------------------------------------ records

    def objects(self) -> list[str]:
        """The 48 object names."""
        return self._e.org.objects()

    def create(
        self,
        obj: str,
        attributes: dict[str, Any] | None = None,
        relationships: dict[str, str] | None = None,
        attachments: int = 0,
    ) -> dict[str, Any]:
        """A new record (createdAt = updatedAt = now); relationships map name -> id; a message
        can have `attachments` (how many)."""
        return self._e.store.create(obj, attributes, relationships, attachments)

    def update(self, obj: str, id: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """Merge attributes; updatedAt = modifiedAt = now; rev + 1."""
        return self._e.store.update(obj, id, attributes)

    def soft_delete(self, obj: str, id: str) -> dict[str, Any]:
        """Set ``deleted: true`` (and ``deletedAt`` where the object has it)."""
        return self._e.store.soft_delete(obj, id)

    def hard_delete(self, obj: str, id: str) -> None:
        """Remove a record without trace."""
        self._e.store.hard_delete(obj, id)

    def bulk_import(self, obj: str, count: int, updated_at: str) -> list[str]:
        """``count`` new records sharing one identical ``updatedAt``; returns their ids."""
        return self._e.store.bulk_import(obj, count, updated_at)

    def records(self, obj: str, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Current records in id order, exactly as the API serves them."""
        return self._e.store.iter_records(obj, include_deleted)

    def count(self, obj: str, include_deleted: bool = False) -> int:
        """Number of current records."""
        return self._e.store.count(obj, include_deleted)

    def get(self, obj: str, id: str) -> dict[str, Any] | None:
        """One current record (soft-deleted too), or None."""
        rec = self._e.store.get(obj, id)
        return None if rec is None else json.loads(json.dumps(rec))

    # ------------------------------------------------------------------ leaving the org

    def delete(self, obj: str, id: str) -> dict[str, list[str]]:
        """Hard-delete one record with its cascade and its audit entry, as
        ``DELETE /v1/<obj>/{id}`` does: ``obj`` is customers, conversations, messages, notes,
        companies or ``kobject.<klass>``. Returns the removed ids by object (``attachments``
        too); LookupError when the record does not exist."""
        return self._e.removals.delete(obj, id)

    def bulk_delete(self, obj: str, ids: list[str]) -> dict[str, list[str]]:
        """Hard-delete several records as :meth:`delete` does (ids that do not exist are
        skipped, as the bulk endpoints do)."""
        return self._e.removals.delete_many(obj, list(ids))

    def merge_customers(self, source: str, target: str) -> dict[str, Any]:
        """Merge customer ``source`` into ``target`` (the documented merge rules); returns the
        ``customer_merge`` record."""
        return self._e.removals.merge_customers(source, target)

    def customer_merges(self, customer_id: str) -> list[dict[str, Any]]:
        """The merges a customer was the source or the target of, oldest first."""
        return self._e.removals.merges_of(customer_id) or []

    def merge_conversations(self, source: str, target: str) -> dict[str, Any]:
        """Merge conversation ``source`` into ``target`` (inferred: no documented endpoint);
        returns the target conversation."""
        return self._e.removals.merge_conversations(source, target)

    def redact(
        self,
        message_id: str,
        preview: str | None = None,
        attachments: list[str] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Redact a message as ``POST /v1/messages/{id}/redactions`` does; returns the
        message."""
        return self._e.removals.redact(message_id, preview, attachments, meta)[0]

    def retention(self, before: str, objects: list[str]) -> dict[str, int]:
        """Run a deletion rule: every ``conversations`` / ``kobject.<klass>`` / ``kobjects``
        record created before ``before`` goes, with its cascade and no audit entry. ValueError
        for a ``before`` within 24 months of the clock. Returns how many went, by object."""
        return self._e.removals.retention(
            before, list(objects) if isinstance(objects, (list, tuple)) else objects
        )

    def expire_audit(self, before: str) -> int:
        """Drop every audit-log entry created before ``before`` at once; returns how many."""
        return self._e.removals.expire_audit(before)

    def set_behaviour(
        self,
        moves_touch_updated_at: bool | None = None,
        redaction_touches_updated_at: bool | None = None,
    ) -> dict[str, bool]:
        """The inferred switches of merges and redactions (None = unchanged); returns both."""
        settings = self._e.settings
        for name, value in (
            ("moves_touch_updated_at", moves_touch_updated_at),
            ("redaction_touches_updated_at", redaction_touches_updated_at),
        ):
            if value is not None:
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be true or false")
                setattr(settings, name, value)
        return self.behaviour()

    def set_options(
        self,
        tie_order: str | None = None,
        unsupported_sort: str | None = None,
        total_cap: int | None = None,
        list_order: str | None = None,
        recent_update_share: float | None = None,
        error_form: str | None = None,
        empty_relationships: float | None = None,
        no_created_by: float | None = None,
        audit_order: str | None = None,
        kobject_link_key: str | None = None,
        past_end: str | None = None,
        profile: str | None = None,
    ) -> dict[str, Any]:
        """Change the unkind options (see :mod:`.unkind`; None = unchanged): the named
        ``profile``'s settings first, then the ones given; returns them all."""
        self._e.set_options(
            {
                "tie_order": tie_order,
                "unsupported_sort": unsupported_sort,
                "total_cap": total_cap,
                "list_order": list_order,
                "recent_update_share": recent_update_share,
                "error_form": error_form,
                "empty_relationships": empty_relationships,
                "no_created_by": no_created_by,
                "audit_order": audit_order,
                "kobject_link_key": kobject_link_key,
                "past_end": past_end,
            },
            profile,
        )
        return self.options()

    def options(self) -> dict[str, Any]:
        """The current unkind options, and the last profile applied (None if none)."""
        return {**self._e.options.as_dict(), "profile": self._e.profile}

    def behaviour(self) -> dict[str, bool]:
        """The current merge and redaction switches."""
        s = self._e.settings
        return {
            "moves_touch_updated_at": s.moves_touch_updated_at,
            "redaction_touches_updated_at": s.redaction_touches_updated_at,
        }

    # ------------------------------------------------------------------ traffic

    def requests(
        self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
    ) -> int:
        """API requests served since start or the last :meth:`reset_requests` (``status``: only
        those answered with it, e.g. 404)."""
        return self._e.stats.requests(method, path_prefix, status)

    def reset_requests(self) -> None:
        """Reset the request and 429 counters."""
        self._e.stats.reset()

    def throttled(self) -> int:
        """429 responses served since start or the last :meth:`reset_requests`."""
        return self._e.stats.throttled()

    def request_span(self) -> tuple[float | None, float | None]:
        """When the first and the last request since the last reset were served (epoch s)."""
        return self._e.stats.span()

    def peak_in_flight(self, path_prefix: str | None = None) -> int:
        """Most requests served at once to one path under the prefix since the last reset."""
        return self._e.stats.peak_in_flight(path_prefix)

    def set_limits(
        self,
        rate_limit: int | None = None,
        search_rate_limit: int | None = None,
        search_counts_org: bool | None = None,
    ) -> None:
        """Org and search requests per minute (0 = off; None = unchanged), and whether a
        search also spends the org budget."""
        self._e.limits.set(rate_limit, search_rate_limit, search_counts_org)

    def set_faults(
        self,
        fault_5xx_rate: float | None = None,
        fault_drop_rate: float | None = None,
        fault_malformed_rate: float | None = None,
        fault_404_page: int | None = None,
        fault_no_links_page: int | None = None,
        fault_data_not_list_page: int | None = None,
    ) -> None:
        """Probabilities (0..1) of injected 5xx, dropped and malformed responses; the page
        number (0 = off) of every page-numbered list that answers 404, comes without `links`,
        or has `data` as an object."""
        self._e.faults.set(fault_5xx_rate, fault_drop_rate, fault_malformed_rate)
        self._e.page_faults.set(
            {
                "404": fault_404_page,
                "no_links": fault_no_links_page,
                "data_not_list": fault_data_not_list_page,
            }
        )

    def set_index_lag(self, max_seconds: float) -> None:
        """The longest a write takes to reach search (sandbox-clock seconds; each write draws
        its own lag up to it; 0 = at once). List endpoints see every write at once."""
        self._e.store.index.set(max_seconds)

    def set_latency(self, latency_ms: float, jitter_ms: float = 0.0) -> None:
        """Delay added to every API response."""
        self._e.latency.set(latency_ms, jitter_ms)

    def roles(self, obj: str | None = None) -> list[str]:
        """Roles that read ``obj`` (any one suffices), or every role when None."""
        if obj is None:
            return all_roles()
        return list(BY_OBJECT[obj].roles)


# ---------------------------------------------------------------------- HTTP


class ControlError(Exception):
    """An HTTP control request that cannot be served."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


def _flag(value: str | None) -> bool:
    return (value or "").lower() in ("1", "true", "yes")


def _status(value: str | None) -> int | None:
    """The ``status`` filter of ``GET /__sandbox/stats`` (None: every status)."""
    if value is None:
        return None
    if not value.isdigit():
        raise ControlError(400, f"status must be an HTTP status, got {value!r}")
    return int(value)


def handle_control(
    control: Control, engine: Engine, method: str, path: str, query: dict[str, str], body: bytes
) -> tuple[int, Any]:
    """Serve one ``/__sandbox/...`` request: ``(status, JSON payload)``."""
    try:
        payload = json.loads(body) if body.strip() else {}
    except ValueError as exc:
        raise ControlError(400, f"body is not valid JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise ControlError(400, "body must be a JSON object")
    parts = [unquote(p) for p in path[len(PREFIX) :].strip("/").split("/") if p]
    try:
        return _dispatch(control, engine, method, parts, query, payload)
    except ControlError:
        raise
    except (KeyError, LookupError) as exc:
        raise ControlError(404, str(exc).strip("'\"")) from exc
    except (ValueError, TypeError) as exc:
        raise ControlError(400, str(exc)) from exc


def _dispatch(
    c: Control,
    engine: Engine,
    method: str,
    parts: list[str],
    query: dict[str, str],
    body: dict[str, Any],
) -> tuple[int, Any]:
    route = (method, *parts[:1])
    n = len(parts)
    if route == ("GET",):
        return 200, {
            "token": engine.token,
            "now": iso_ms(to_ms(c.now())),
            "objects": c.objects(),
            "seed": engine.settings.seed,
            "scale": engine.settings.scale,
        }
    if parts[:1] == ["objects"]:
        return _objects(c, method, parts[1:], query, body)
    if parts[:1] in (["klasses"], ["kobjects"]):
        return extras.handle_control(engine, method, parts, body)
    if route == ("GET", "clock") and n == 1:
        return 200, {"now": iso_ms(to_ms(c.now()))}
    if route == ("POST", "clock") and n == 1:
        c.advance_clock(float(body.get("advance_seconds", 0)))
        return 200, {"now": iso_ms(to_ms(c.now()))}
    if route == ("POST", "tokens") and n == 1:
        token = c.create_token(body.get("roles"), body.get("expires_in_s"))
        return 201, {"token": token}
    if route == ("GET", "stats") and n == 1:
        return 200, {
            "requests": c.requests(
                query.get("method"), query.get("path_prefix"), _status(query.get("status"))
            ),
            "throttled": c.throttled(),
            "peak_in_flight": c.peak_in_flight(query.get("path_prefix")),
            # when the first and the last request since the last reset were served (epoch s)
            "first_request_at": c.request_span()[0],
            "last_request_at": c.request_span()[1],
        }
    if route == ("POST", "stats") and parts[1:] == ["reset"]:
        c.reset_requests()
        return 200, {"requests": 0, "throttled": 0}
    if route == ("POST", "limits") and n == 1:
        counts = body.get("search_counts_org")
        if counts is not None and not isinstance(counts, bool):
            raise ControlError(400, "search_counts_org must be true or false")
        c.set_limits(body.get("rate_limit"), body.get("search_rate_limit"), counts)
        return 200, {
            "rate_limit": engine.limits.org.limit,
            "search_rate_limit": engine.limits.search.limit,
            "search_counts_org": engine.limits.search_counts_org,
        }
    if route == ("POST", "faults") and n == 1:
        c.set_faults(
            body.get("fault_5xx_rate"),
            body.get("fault_drop_rate"),
            body.get("fault_malformed_rate"),
            body.get("fault_404_page"),
            body.get("fault_no_links_page"),
            body.get("fault_data_not_list_page"),
        )
        rates = {f"fault_{k}_rate": v for k, v in engine.faults.rates.items()}
        pages = {f"fault_{k}_page": v for k, v in engine.page_faults.pages.items()}
        return 200, {**rates, **pages}
    if route == ("POST", "index-lag") and n == 1:
        c.set_index_lag(float(body.get("max_seconds", 0)))
        return 200, {"max_seconds": engine.store.index.max_ms / 1000}
    if route == ("POST", "latency") and n == 1:
        c.set_latency(float(body.get("latency_ms", 0)), float(body.get("jitter_ms", 0)))
        return 200, {"latency_ms": engine.latency.latency_ms, "jitter_ms": engine.latency.jitter_ms}
    if parts[:1] in (
        ["deletes"],
        ["merges"],
        ["redactions"],
        ["retention"],
        ["audit"],
        ["behaviour"],
    ):
        return _removals(c, method, parts, body)
    if route == ("GET", "options") and n == 1:
        return 200, c.options()
    if route == ("POST", "options") and n == 1:
        unknown = sorted(set(body) - set(OPTION_NAMES) - {"profile"})
        if unknown:
            raise ControlError(400, f"unknown option(s): {', '.join(unknown)}")
        return 200, c.set_options(**body)
    if route == ("GET", "roles") and n == 1:
        return 200, {
            "all": c.roles(),
            "search": list(SEARCH_ROLES),
            "objects": {o: c.roles(o) for o in c.objects()},
        }
    raise ControlError(404, f"no control route for {method} /{'/'.join(parts)}")


def _objects(
    c: Control, method: str, parts: list[str], query: dict[str, str], body: dict[str, Any]
) -> tuple[int, Any]:
    if not parts:
        if method == "GET":
            return 200, {"objects": c.objects()}
        raise ControlError(405, "use GET")
    obj = parts[0]
    if obj not in BY_OBJECT:
        raise ControlError(404, f"unknown object {obj!r}")
    include_deleted = _flag(query.get("include_deleted"))
    if len(parts) == 1:
        if method == "GET":
            offset = int(query.get("offset", "0"))
            limit = min(int(query.get("limit", "100")), 1000)
            texts, total = c._e.store.list_slice(
                obj, offset, limit, include_deleted=include_deleted
            )
            return 200, {"count": total, "data": [json.loads(t) for t in texts]}
        if method == "POST":
            attachments = int(body.get("attachments") or 0)
            record = c.create(obj, body.get("attributes"), body.get("relationships"), attachments)
            return 201, {"data": record}
        raise ControlError(405, "use GET or POST")
    if parts[1:] == ["count"] and method == "GET":
        return 200, {"count": c.count(obj, include_deleted)}
    if parts[1:] == ["bulk"] and method == "POST":
        ids = c.bulk_import(obj, int(body["count"]), str(body["updated_at"]))
        return 201, {"ids": ids}
    if len(parts) != 2:
        raise ControlError(404, "unknown control route")
    rid = parts[1]
    if method == "GET":
        rec = c.get(obj, rid)
        if rec is None:
            raise ControlError(404, f"{obj} {rid} not found")
        return 200, {"data": rec}
    if method == "PATCH":
        attrs = body.get("attributes")
        if not isinstance(attrs, dict):
            raise ControlError(400, 'body must be {"attributes": {...}}')
        return 200, {"data": c.update(obj, rid, attrs)}
    if method == "DELETE":
        hard = _flag(query.get("hard"))
        if hard:
            c.hard_delete(obj, rid)
            return 200, {"deleted": rid, "hard": True}
        return 200, {"data": c.soft_delete(obj, rid), "hard": False}
    raise ControlError(405, "use GET, PATCH or DELETE")


def _ids(body: dict[str, Any]) -> list[str]:
    if "id" in body:
        return [str(body["id"])]
    ids = body.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        raise ControlError(400, 'body must carry "id" or a non-empty "ids" list')
    return ids


def _removals(c: Control, method: str, parts: list[str], body: dict[str, Any]) -> tuple[int, Any]:
    """Deletes, merges, redactions, retention, audit expiry and their switches."""
    if parts == ["deletes"] and method == "POST":
        obj = body.get("object")
        if not isinstance(obj, str):
            raise ControlError(400, 'body must name the "object" (customers, kobject.<klass>, ...)')
        if "id" in body:
            return 200, {"deleted": c.delete(obj, str(body["id"]))}
        return 200, {"deleted": c.bulk_delete(obj, _ids(body))}
    if parts[:1] == ["merges"] and len(parts) == 2 and method == "POST":
        source, target = body.get("source"), body.get("target")
        if not isinstance(source, str) or not isinstance(target, str):
            raise ControlError(400, 'body must be {"source": id, "target": id}')
        if parts[1] == "customers":
            return 201, {"data": c.merge_customers(source, target)}
        if parts[1] == "conversations":
            return 200, {"data": c.merge_conversations(source, target)}
    if parts == ["merges", "customers"] and method == "GET":
        return 200, {"data": list(c._e.removals.merges)}
    if parts == ["redactions"] and method == "POST":
        message = body.get("message")
        if not isinstance(message, str):
            raise ControlError(400, 'body must name the "message" to redact')
        rest = {k: v for k, v in body.items() if k != "message"}
        from .removals import check_redaction

        check_redaction(rest)
        return 201, {
            "data": c.redact(
                message, rest.get("preview"), rest.get("attachments"), rest.get("meta")
            )
        }
    if parts == ["retention"] and method == "POST":
        return 200, {"deleted": c.retention(body.get("before", ""), body.get("objects", []))}
    if parts == ["audit", "expire"] and method == "POST":
        return 200, {"dropped": c.expire_audit(body.get("before", ""))}
    if parts == ["behaviour"] and method == "GET":
        return 200, c.behaviour()
    if parts == ["behaviour"] and method == "POST":
        unknown = sorted(set(body) - set(c.behaviour()))
        if unknown:
            raise ControlError(400, f"unknown switch(es): {', '.join(unknown)}")
        return 200, c.set_behaviour(
            body.get("moves_touch_updated_at"), body.get("redaction_touches_updated_at")
        )
    raise ControlError(404, f"no control route for {method} /{'/'.join(parts)}")
