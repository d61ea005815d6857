"""The Kustomer API itself: routing, auth, rate limits, parameters and response bodies.

Checks run in this order: path (404) and method (405), token (401), rate budget (429),
role (403), then parameters and body (400). 401s do not touch the budget.

Besides the reads, the documented writes that take records out of the org are served (hard
deletes, customer merges, message redactions; see :mod:`.removals`), with their own roles.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from . import audit, extras, linked, search
from .api import (
    ARCHIVE_SEARCH_PATH,
    AUDIT_DEFAULT_COUNT,
    BY_OBJECT,
    BY_PATH,
    DEFAULT_PAGE_SIZE,
    SEARCH_MAX_PAGE_SIZE,
    SEARCH_MAX_PAGES,
    SEARCH_MAX_ROWS,
    SEARCH_PATH,
    SEARCH_ROLES,
    WRITE_ROLES,
    Endpoint,
)
from .attachments import INCLUDE_PARAM, included_json, parse_include
from .engine import Engine
from .envelope import (
    cursor_link,
    data_body,
    error_body,
    json_body,
    list_body,
    page_link,
    paged_links,
)
from .limits import Fault, mangle_list_body
from .removals import check_redaction
from .shapes import load_shapes
from .timefmt import iso_ms
from .unkind import Ties, kustomer_error, past_end_detail, past_the_end

#: research §6: "Body size limits: 100 kB most endpoints"
MAX_BODY = 100 * 1024
_ID = re.compile(r"^[0-9a-f]{24}$")
_INT = re.compile(r"^[0-9]+$")
TOKEN_CURRENT = "/v1/auth/tokens/current"
USERS_CURRENT = "/v1/users/current"
MERGES_PATH = "/v1/customers/merges"
_MERGE = re.compile(r"^/v1/customers/merges/([0-9a-f]{24})$")
_CUSTOMER_MERGES = re.compile(r"^/v1/customers/([0-9a-f]{24})/merges$")
_REDACTIONS = re.compile(r"^/v1/messages/([0-9a-f]{24})/redactions$")
#: objects whose record route also answers DELETE (documented; companies have none)
DELETABLE_RECORDS = ("customers", "conversations", "notes")
#: lists whose documented `meta` carries `page`/`pageSize` as strings (LarisLab's
#: GetAuthTokensResponses types them `string`, the only list typed so; the unkind reading)
STRING_PAGING_META = frozenset({"auth_tokens"})


@dataclass
class Request:
    """One HTTP request as the API sees it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes = b""


@dataclass
class Response:
    """What to send back; ``fault`` asks the server to drop or mangle it."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    fault: Fault | None = None


class ApiError(Exception):
    """Answer with a Kustomer ``errors`` body."""

    def __init__(
        self,
        status: int,
        detail: str,
        parameter: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.parameter = parameter
        self.headers = headers or {}


def canonical_path(path: str) -> str:
    """The path without a trailing slash (a trailing slash is accepted everywhere)."""
    return path.rstrip("/") or "/"


@dataclass
class Route:
    """What a path resolved to."""

    # list, single, cursor, record, search, token, me, extra, linked, merge_create, merge,
    # customer_merges, bulk_delete, redact
    kind: str
    methods: tuple[str, ...]
    endpoint: Endpoint | None = None
    record_id: str | None = None
    #: a route added beyond the AppFlow objects (tags, SLAs, metadata, KObjects, ...)
    extra: extras.Match | None = None
    #: roles by method where they are not the endpoint's read roles (writes)
    method_roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: ``POST /v1/customers/archive/search``
    archive: bool = False
    #: a route records link to (documented sub-resources, link targets; :mod:`.linked`)
    linked: linked.Linked | None = None


def _write(kind: str, methods: tuple[str, ...], operation: str, **kw: Any) -> Route:
    """A documented write's route; its roles are ``WRITE_ROLES[operation]``."""
    return Route(kind, methods, method_roles={m: WRITE_ROLES[operation] for m in methods}, **kw)


def route(path: str) -> Route | None:
    """Resolve a canonical path, or None (404)."""
    if path == SEARCH_PATH:
        return Route("search", ("POST",))
    if path == ARCHIVE_SEARCH_PATH:
        return Route("search", ("POST",), archive=True)
    if path == TOKEN_CURRENT:
        return Route("token", ("GET",))
    if path == USERS_CURRENT:
        return Route("me", ("GET",))
    if path == MERGES_PATH:
        return _write("merge_create", ("POST",), "merge customers")
    for rx, kind, methods, operation in (
        (_MERGE, "merge", ("GET",), "read merge"),
        (_CUSTOMER_MERGES, "customer_merges", ("GET",), "read customer merges"),
        (_REDACTIONS, "redact", ("POST",), "redact messages"),
    ):
        m = rx.match(path)
        if m:
            return _write(kind, methods, operation, record_id=m.group(1))
    target = linked.route(path)
    if target is not None:
        by_method = {"GET": target.roles} if target.roles else {}  # none: any valid token
        return Route("linked", ("GET",), linked=target, method_roles=by_method)
    if path == "/v1/customers/bulk":
        return _write("bulk_delete", ("DELETE",), "delete customers", endpoint=BY_PATH[path[:-5]])
    added = extras.route(path)
    if added is not None:
        if added.name == "kobjects" and len(added.args) == 2:
            # DELETE /v1/klasses/{name}/{id} and /v1/klasses/{name}/bulk
            roles = (
                *WRITE_ROLES["delete kobjects"],
                f"org.permission.kobject.kobject_{added.args[0]}.delete",
            )
            return Route(
                "extra",
                ("GET", "DELETE"),
                added.endpoint,
                extra=added,
                method_roles={"DELETE": roles},
            )
        return Route("extra", ("GET",), added.endpoint, extra=added)
    ep = BY_PATH.get(path)
    if ep is not None:
        kind = {"page": "list", "single": "single", "cursor": "cursor"}[ep.kind]
        return Route(kind, ("GET",), ep)
    head, _, tail = path.rpartition("/")
    ep = BY_PATH.get(head)
    if ep is not None and ep.kind != "single" and _ID.match(tail):
        if ep.obj in DELETABLE_RECORDS:
            roles = WRITE_ROLES[f"delete {ep.obj}"]
            return Route("record", ("GET", "DELETE"), ep, tail, method_roles={"DELETE": roles})
        return Route("record", ("GET",), ep, tail)
    return None


class Api:
    """Answers API requests from the engine's state."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def handle(self, req: Request) -> Response:
        """Answer one API request (never raises for client errors)."""
        rate_headers: dict[str, str] = {}
        try:
            path = canonical_path(req.path)
            rt = route(path)
            if rt is None:
                raise ApiError(404, f"no route for {req.method} {req.path}")
            if req.method not in rt.methods:
                raise ApiError(
                    405,
                    f"{req.method} is not allowed on {path}",
                    headers={"Allow": ", ".join(rt.methods)},
                )
            token = self._authenticate(req)
            allowed, rate_headers = self.engine.limits.admit(rt.kind == "search")
            if not allowed:
                raise ApiError(429, "Rate limit exceeded; retry after the window resets")
            self._authorize(rt, token.roles, req.method)
            fault = self.engine.faults.draw()
            if fault == "5xx":
                status = self.engine.faults.status()
                return Response(
                    status,
                    self.error_json(status, "injected server error"),
                    dict(rate_headers),
                )
            resp = self._dispatch(rt, path, req, token)
            resp.headers.update(rate_headers)
            resp.fault = fault
            return resp
        except ApiError as err:
            headers = dict(err.headers)
            headers.update(rate_headers)
            return Response(
                err.status, self.error_json(err.status, err.detail, err.parameter), headers
            )

    def error_json(self, status: int, detail: str, parameter: str | None = None) -> bytes:
        """An error body in the form the options ask for (``error_form``)."""
        if self.engine.options.error_form == "kustomer":
            return json_body(kustomer_error(status, detail, parameter))
        return json_body(error_body(status, detail, parameter))

    # ------------------------------------------------------------------ checks

    def _authenticate(self, req: Request) -> Any:
        header = req.headers.get("authorization")
        if not header:
            raise ApiError(401, "Missing Authorization header (use 'Bearer <API key>')")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiError(401, "Authorization header must be 'Bearer <API key>'")
        token = self.engine.tokens.lookup(value.strip())
        if token is None:
            raise ApiError(401, "Invalid token")
        if token.expired(self.engine.clock.now_ms()):
            raise ApiError(401, "Expired token")
        return token

    def _authorize(self, rt: Route, roles: frozenset[str], method: str = "GET") -> None:
        needed: list[tuple[str, ...]] = []
        if method in rt.method_roles:
            needed.append(rt.method_roles[method])
        elif rt.kind == "search":
            needed.append(SEARCH_ROLES)
        elif rt.endpoint is not None and rt.endpoint.roles:
            needed.append(rt.endpoint.roles)
        for options in needed:
            if roles.isdisjoint(options):
                raise ApiError(
                    self.engine.settings.missing_role_status,
                    f"token lacks a required role (any of: {', '.join(options)})",
                )

    # ------------------------------------------------------------------ endpoints

    def _dispatch(self, rt: Route, path: str, req: Request, token: Any) -> Response:
        if rt.kind == "search":
            return self._search(req, token.roles, rt.archive)
        if rt.kind == "token":
            return self._token_current(token)
        if rt.kind == "me":
            return self._users_current()
        if rt.kind in WRITES:
            return WRITES[rt.kind](self, rt, req)
        if rt.linked is not None:
            return self._linked(rt.linked, req)
        if rt.extra is not None:
            if req.method == "DELETE":
                return self._delete_kobjects(rt.extra, req)
            return self._extra(rt.extra, req)
        ep = rt.endpoint
        assert ep is not None
        if rt.kind == "list":
            return self._list(ep, req)
        if rt.kind == "cursor":
            return self._audit(ep, req)
        if rt.kind == "single":
            text = self.engine.store.single(ep.obj)
            if text is None:
                raise ApiError(404, f"{ep.obj} not found")
            # documented for auth customer settings (`{data}` alone); inferred for the others
            return Response(200, data_body(text))
        assert rt.record_id is not None
        if req.method == "DELETE":
            return self._delete_record(ep, rt.record_id)
        includes = self._includes(ep, req)
        rec = self.engine.store.get(ep.obj, rt.record_id)
        if rec is None or rec["attributes"].get("deleted") is True:
            raise ApiError(404, f"{ep.type_name} {rt.record_id} not found")
        text = json.dumps(rec, separators=(",", ":"))
        included = self._included(includes, [text])
        # documented by-id bodies are `{data}` (plus `included`), no top-level links
        return Response(200, data_body(text, included))

    def _includes(self, ep: Endpoint, req: Request) -> frozenset[str]:
        """The side-loads a request asks for (messages only: ``include=attachments``)."""
        value = _params(req.query).get(INCLUDE_PARAM)
        if value is None or ep.obj != "messages":
            return frozenset()  # inferred: other endpoints ignore it, as unknown params
        try:
            return parse_include(value)
        except ValueError as exc:
            raise ApiError(400, str(exc), INCLUDE_PARAM) from exc

    def _included(self, includes: frozenset[str], texts: list[str]) -> list[str] | None:
        if "attachments" not in includes:
            return None
        store = self.engine.store
        return included_json(store.org, texts, store.redacted_attachments)

    def _list(self, ep: Endpoint, req: Request) -> Response:
        params = _params(req.query)
        envelope = load_shapes()[ep.obj].envelope
        page = _int_param(params, "page", 1)
        page_size = min(_int_param(params, "pageSize", DEFAULT_PAGE_SIZE), ep.max_page_size)
        desc = False
        options = self.engine.options
        order = options.list_order
        if ep.id_sort and "sort" in params:
            if params["sort"] not in ("asc", "desc"):
                raise ApiError(400, "sort must be 'asc' or 'desc'", "sort")
            desc = params["sort"] == "desc"
            order = "id"  # documented: by id
        includes = self._includes(ep, req)
        texts, total = self.engine.store.list_slice(
            ep.obj,
            (page - 1) * page_size,
            page_size,
            desc,
            order=order,
            ties=Ties(options.tie_order, self.engine.settings.seed),
        )
        last_page = -(-total // page_size)
        self._check_past_end(page, page_size, total, ep.path)
        meta: dict[str, Any] | None = {}
        assert meta is not None
        if ep.obj in STRING_PAGING_META:
            meta.update(pageSize=str(page_size), page=str(page))
        elif not envelope.meta_free_form:
            meta.update(pageSize=page_size, page=page)
        if ep.totals:
            meta.update(total=total, totalPages=last_page)
        links: dict[str, Any] | None = paged_links(
            ep.path, page, page_size, last_page, _extra(req.query), with_last=ep.totals
        )
        if envelope.links == ("self",):  # outbound accounts: the request itself
            links = {"self": cursor_link(ep.path, req.query)}
        if envelope.top == ("data",):  # auth roles: `{data}` alone
            meta = links = None
        faults = self.engine.page_faults.on(page)
        if "404" in faults:
            raise ApiError(404, f"page {page} of {ep.path} not found (injected fault)")
        body = list_body(meta, links, texts, self._included(includes, texts))
        return Response(200, mangle_list_body(body, faults) if faults else body)

    def _check_past_end(self, page: int, page_size: int, total: int, path: str) -> None:
        """A 404 for a page past the end of a non-empty numbered list (``past_end="404"``)."""
        if past_the_end(self.engine.options, page, page_size, total):
            raise ApiError(404, past_end_detail(path, page, page_size, total))

    def _extra(self, match: extras.Match, req: Request) -> Response:
        params = _params(req.query)
        page = _int_param(params, "page", 1)
        size = _int_param(params, "pageSize", DEFAULT_PAGE_SIZE)
        try:
            return Response(
                200, extras.answer(self.engine, match, params, page, size, _extra(req.query))
            )
        except LookupError as exc:
            raise ApiError(404, str(exc).strip("'\"")) from exc
        except ValueError as exc:
            raise ApiError(400, str(exc)) from exc

    def _search(self, req: Request, roles: frozenset[str], archive: bool = False) -> Response:
        params = _params(req.query)
        page = _int_param(params, "page", 1)
        page_size = min(_int_param(params, "pageSize", DEFAULT_PAGE_SIZE), SEARCH_MAX_PAGE_SIZE)
        # documented on Kustomer's search page ("faster for large syncs"); inferred: a query
        # parameter, true or false, each result then carrying only type and id
        ids_only = params.get("idsOnly", "false")
        if ids_only not in ("true", "false"):
            raise ApiError(400, "idsOnly must be true or false", "idsOnly")
        body = _json_body(req)
        options = self.engine.options
        try:
            query = search.parse_query(
                body, self.engine.settings.created_sort, archive, options.unsupported_sort
            )
        except search.SearchError as exc:
            raise ApiError(400, str(exc)) from exc
        # inferred: searching an object also needs that object's read role
        if query.obj is not None and roles.isdisjoint(BY_OBJECT[query.obj].roles):
            raise ApiError(
                self.engine.settings.missing_role_status,
                f"token lacks a role to read {query.obj} (any of: "
                f"{', '.join(BY_OBJECT[query.obj].roles)})",
            )
        if self.engine.settings.search_limit == "rows":
            if (page - 1) * page_size >= SEARCH_MAX_ROWS:
                raise ApiError(
                    400,
                    f"search can return at most {SEARCH_MAX_ROWS} results; "
                    "narrow the query (e.g. on updated_at)",
                    "page",
                )
        elif page > SEARCH_MAX_PAGES:
            raise ApiError(
                400,
                f"page limit is {SEARCH_MAX_PAGES}: there is a hard limit of "
                f"{SEARCH_MAX_PAGES} for the maximum number of pages",
                "page",
            )
        if query.context.startswith("kobject"):
            try:
                texts, total = extras.search_kobjects(
                    self.engine, query, roles, (page - 1) * page_size, page_size
                )
            except PermissionError as exc:
                raise ApiError(self.engine.settings.missing_role_status, str(exc)) from exc
            except LookupError as exc:
                raise ApiError(400, str(exc).strip("'\"")) from exc
            if ids_only == "true":
                texts = search.ids_only(texts)
        else:
            texts, total = search.run(
                self.engine.store,
                query,
                (page - 1) * page_size,
                page_size,
                ids_only=ids_only == "true",
                tie_order=options.tie_order,
            )
        last_page = -(-total // page_size)
        # total_cap: the engine reports at most this many (inferred: results past it can still
        # be paged to, so `next` follows the real count; `last` and totalPages the reported one)
        shown = min(total, options.total_cap) if options.total_cap else total
        shown_pages = -(-shown // page_size)
        # inferred: `aggregations` is empty, as the sandbox ignores `aggs`
        meta = {
            "pageSize": page_size,
            "page": page,
            "total": shown,
            "totalPages": shown_pages,
            "aggregations": {},
        }
        path = ARCHIVE_SEARCH_PATH if archive else SEARCH_PATH
        links = paged_links(path, page, page_size, last_page, _extra(req.query), with_last=True)
        if shown != total:
            links["last"] = page_link(path, shown_pages, page_size, _extra(req.query))
        return Response(200, list_body(meta, links, texts))

    def _audit(self, ep: Endpoint, req: Request) -> Response:
        params = _params(req.query)
        count = min(_int_param(params, "count", AUDIT_DEFAULT_COUNT), ep.max_page_size)
        for name in ("after", "before"):
            if name in params and not _ID.match(params[name]):
                raise ApiError(400, f"{name} must be an audit log id", name)
        try:
            start = (
                audit.parse_time("filter[start]", params["filter[start]"])
                if "filter[start]" in params
                else None
            )
            end = (
                audit.parse_time("filter[end]", params["filter[end]"])
                if "filter[end]" in params
                else None
            )
            if "filter[objectId]" in params and "filter[objectType]" not in params:
                raise audit.AuditError("filter[objectId] requires filter[objectType]")
            filters = {k: v for k, v in params.items() if k in audit.ATTR_FILTERS}
            pg = audit.read_page(
                self.engine.store,
                count,
                params.get("after"),
                params.get("before"),
                start,
                end,
                filters,
                newest=self.engine.options.audit_order == "newest",
            )
        except audit.AuditError as exc:
            raise ApiError(400, str(exc)) from exc
        keep = [(k, v) for k, v in req.query if k not in ("count", "after", "before")]
        base = [("count", str(count))] + keep
        self_q = base + [(k, v) for k, v in req.query if k in ("after", "before")]
        both = "after" in params and "before" in params
        # oldest first: next = after=<last id>, prev = before=<first id>; newest first (the OAS
        # example): next = before=<last id>, prev = after=<first id>
        ahead, back = (
            ("before", "after")
            if self.engine.options.audit_order == "newest"
            else ("after", "before")
        )
        nxt = base + ([(back, params[back])] if both else [])
        links = {
            "self": cursor_link(ep.path, self_q),
            "first": cursor_link(ep.path, base),
            "prev": cursor_link(ep.path, base + [(back, pg.first_id)])
            if pg.has_prev and pg.first_id
            else None,
            "next": cursor_link(ep.path, nxt + [(ahead, pg.last_id)])
            if pg.has_next and pg.last_id
            else None,
        }
        # the OAS example: meta {count, total, cursorCount}; inferred: count is the effective
        # page size, total the entries the filters select, cursorCount those within the cursors
        meta = {"count": count, "total": pg.total, "cursorCount": pg.cursor_count}
        return Response(200, list_body(meta, links, pg.records))

    # ------------------------------------------------------------------ writes

    def _delete_record(self, ep: Endpoint, record_id: str) -> Response:
        """``DELETE /v1/{customers,conversations,notes}/{id}``: 204, no body (documented)."""
        try:
            self.engine.removals.delete(ep.obj, record_id, via="api")
        except LookupError as exc:
            raise ApiError(404, f"{ep.type_name} {record_id} not found") from exc
        return Response(204, b"")

    def _bulk_ids(self, req: Request) -> list[str]:
        """The documented ``ids`` query parameter: comma-separated ids."""
        raw = _params(req.query).get("ids", "")
        ids = [x.strip() for x in raw.split(",") if x.strip()]
        if not ids:
            raise ApiError(400, "ids is required: a comma-separated list of ids", "ids")
        bad = [x for x in ids if not _ID.match(x)]
        if bad:
            raise ApiError(400, f"ids: not ids: {', '.join(bad)}", "ids")
        return ids

    def _bulk_body(self, context: str, path: str, ids: list[str]) -> Response:
        # inferred: the payload's user roles as the OAS example shows them
        record = self.engine.removals.bulk_record(context, path, ids, ["org"])
        return Response(201, json_body({"data": record}))

    def _bulk_delete(self, rt: Route, req: Request) -> Response:
        """``DELETE /v1/customers/bulk?ids=a,b``: 201 with the bulk job (documented); ids
        that do not exist are skipped (inferred)."""
        ids = self._bulk_ids(req)
        self.engine.removals.delete_many("customers", ids, via="api")
        return self._bulk_body("api.sobjects.customers.bulk-delete", "/v1/customers/bulk", ids)

    def _delete_kobjects(self, match: extras.Match, req: Request) -> Response:
        """``DELETE /v1/klasses/{name}/{id}`` (204) and ``/v1/klasses/{name}/bulk?ids=`` (201)."""
        name, rid = match.args
        obj = f"kobject.{name}"
        try:
            if rid == "bulk":
                ids = self._bulk_ids(req)
                self.engine.removals.delete_many(obj, ids, via="api")
                path = f"/v1/klasses/{name}/bulk"
                return self._bulk_body("api.sobjects.kobjects.bulk-delete", path, ids)
            self.engine.removals.delete(obj, rid, via="api")
        except LookupError as exc:
            raise ApiError(404, str(exc).strip("'\"")) from exc
        return Response(204, b"")

    def _merge_create(self, rt: Route, req: Request) -> Response:
        """``POST /v1/customers/merges`` ``{source, target}`` -> 201 ``{data: customer_merge}``."""
        body = _json_body(req)
        if (
            not isinstance(body, dict)
            or set(body) != {"source", "target"}
            or not all(isinstance(v, str) and _ID.match(v) for v in body.values())
        ):
            raise ApiError(400, 'body must be {"source": <customer id>, "target": <customer id>}')
        try:
            record = self.engine.removals.merge_customers(body["source"], body["target"], "api")
        except LookupError as exc:  # inferred: an unknown customer is a 404
            raise ApiError(404, str(exc).strip("'\"")) from exc
        except ValueError as exc:
            raise ApiError(400, str(exc)) from exc
        return Response(201, json_body({"data": record}))

    def _merge(self, rt: Route, req: Request) -> Response:
        """``GET /v1/customers/merges/{id}`` -> ``{data: customer_merge}`` (the OAS example)."""
        record = self.engine.removals.merge(rt.record_id or "")
        if record is None:
            raise ApiError(404, f"customer_merge {rt.record_id} not found")
        return Response(200, json_body({"data": record}))

    def _customer_merges(self, rt: Route, req: Request) -> Response:
        """``GET /v1/customers/{id}/merges``: the merges the customer was the source or target
        of, paged as the OAS example (meta ``{pageSize, page}``, links without ``last``)."""
        params = _params(req.query)
        page = _int_param(params, "page", 1)
        size = min(_int_param(params, "pageSize", DEFAULT_PAGE_SIZE), 100)
        merges = self.engine.removals.merges_of(rt.record_id or "")
        if merges is None:
            raise ApiError(404, f"customer {rt.record_id} not found")
        path = f"/v1/customers/{rt.record_id}/merges"
        self._check_past_end(page, size, len(merges), path)
        chunk = merges[(page - 1) * size : page * size]
        links = paged_links(path, page, size, -(-len(merges) // size), _extra(req.query))
        texts = [json.dumps(m, separators=(",", ":")) for m in chunk]
        return Response(200, list_body({"pageSize": size, "page": page}, links, texts))

    def _redact(self, rt: Route, req: Request) -> Response:
        """``POST /v1/messages/{id}/redactions`` -> 201 (documented body and response)."""
        body = _json_body(req) if req.body.strip() else {}
        if not isinstance(body, dict):
            raise ApiError(400, "the request body must be a JSON object")
        try:
            check_redaction(body)
            _message, redaction = self.engine.removals.redact(
                rt.record_id or "",
                body.get("preview"),
                body.get("attachments"),
                body.get("meta"),
                via="api",
            )
        except LookupError as exc:
            raise ApiError(404, f"message {rt.record_id} not found") from exc
        except ValueError as exc:
            raise ApiError(400, str(exc)) from exc
        return Response(201, json_body({"data": redaction}))

    def _users_current(self) -> Response:
        """The user the key belongs to (inferred: every key of the sandbox is the first user's,
        an admin's; any valid key may read it, as the token probe)."""
        store = self.engine.store
        rec = store.get("users", store.org.small_ids("users")[0])
        if rec is None:
            raise ApiError(404, "the key's user no longer exists")
        return Response(200, data_body(json.dumps(rec, separators=(",", ":"))))

    def _token_current(self, token: Any) -> Response:
        """The key itself, as the documented auth token (LarisLab's GetCurrentAuthToken):
        attributes, ``org`` and ``user`` (the user ``/v1/users/current`` answers)."""
        engine = self.engine
        org = engine.org
        user = org.small_ids("users")[0]
        made = iso_ms(token.created_ms)
        rec = {
            "type": "auth_token",
            "id": token.token_id,
            "attributes": {
                "name": "sandbox key",
                "roles": sorted(token.roles),
                "lastTokenChars": token.value[-6:],
                "ipAddress": "127.0.0.1",
                "userAgent": "kustomer-sandbox",
                "createdAt": made,
                "updatedAt": made,
                "lastAccessedAt": iso_ms(engine.clock.now_ms()),
            },
            "relationships": {
                "org": {
                    "links": {"self": f"/v1/orgs/{org.org_id}"},
                    "data": {"type": "org", "id": org.org_id},
                },
                "user": {
                    "links": {"self": f"/v1/users/{user}"},
                    "data": {"type": "user", "id": user},
                },
            },
            "links": {"self": TOKEN_CURRENT},
        }
        return Response(200, data_body(json.dumps(rec, separators=(",", ":"))))

    # ------------------------------------------------------------------ linked routes

    def _linked(self, target: linked.Linked, req: Request) -> Response:
        """A route records link to (:mod:`.linked`); the page faults apply to its lists."""
        params = _params(req.query)
        page = _int_param(params, "page", 1)
        size = min(_int_param(params, "pageSize", DEFAULT_PAGE_SIZE), linked.MAX_PAGE_SIZE)
        faults = self.engine.page_faults.on(page) if target.paged else []
        if "404" in faults:
            raise ApiError(404, f"page {page} of {req.path} not found (injected fault)")
        try:
            body = linked.answer(
                self.engine, target, linked.Page(page, size, _extra(req.query), params)
            )
        except LookupError as exc:
            raise ApiError(404, str(exc).strip("'\"")) from exc
        except linked.BadParameter as exc:
            raise ApiError(400, str(exc), exc.parameter) from exc
        except ValueError as exc:
            raise ApiError(400, str(exc)) from exc
        return Response(200, mangle_list_body(body, faults) if faults else body)


#: route kind -> handler of the documented writes (deletes, merges, redactions)
WRITES = {
    "merge_create": Api._merge_create,
    "merge": Api._merge,
    "customer_merges": Api._customer_merges,
    "bulk_delete": Api._bulk_delete,
    "redact": Api._redact,
}


# ---------------------------------------------------------------------- parameters


def _json_body(req: Request) -> Any:
    """The request's JSON body (413 over 100 kB, 400 when it is not JSON)."""
    if len(req.body) > MAX_BODY:
        raise ApiError(413, "request body is larger than 100 kB")
    try:
        return json.loads(req.body or b"null")
    except ValueError as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc}") from exc


_PAGING = ("page", "pageSize")


def _params(query: list[tuple[str, str]]) -> dict[str, str]:
    """Query params as a dict; a repeated paging or cursor param is a 400 (inferred)."""
    out: dict[str, str] = {}
    for k, v in query:
        if k in out and k in ("page", "pageSize", "count", "after", "before"):
            raise ApiError(400, f"parameter {k!r} given more than once", k)
        out[k] = v
    return out


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    """A positive integer parameter; anything else is a 400."""
    raw = params.get(name)
    if raw is None:
        return default
    if not _INT.match(raw) or int(raw) < 1:
        raise ApiError(400, f"{name} must be an integer >= 1 (got {raw!r})", name)
    return int(raw)


def _extra(query: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The request's params other than page/pageSize, in order (kept in links)."""
    return [(k, v) for k, v in query if k not in _PAGING]
