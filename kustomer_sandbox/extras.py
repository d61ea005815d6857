"""Per-org lists beyond the AppFlow 48, and the routes of everything added with them.

Served here (Core Resources OAS unless marked *inferred*):

- ``GET /v1/tags``: the org's tags (ids are the ones conversations, customers, companies and
  KObjects carry in ``tags``); attributes ``name, color, createdAt, updatedAt, modifiedAt,
  deleted`` (MeltanoLabs' tags schema). Roles inferred: ``org.permission.tag.read``.
- ``GET /v1/slas`` (*inferred* list, read by MeltanoLabs' tap) and ``GET /v1/slas/{id}``, with
  ``versions=all|active`` side-loading ``sla_version`` records in ``included``. The OAS example
  sends ``included`` as one object, the tap reads a list: setting ``sla_included`` ("list" or
  "object"; with "object" a response that includes exactly one version sends it bare).
- ``GET /v1/schedules/{id}?include=holidays``: the schedule with its ``holiday`` records in
  ``included``.
- ``GET /v1/metadata/{resource}``, ``GET /v1/klasses`` (``status`` filter),
  ``GET /v1/klasses/{name}`` (``fromDate``), ``GET /v1/klasses/{name}/{id}`` and the
  ``kobject`` search contexts, from :mod:`.kobjects`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from . import words as W
from .api import BY_OBJECT, PERM, Endpoint
from .business import schedule_holidays
from .envelope import data_body, list_body, paged_links
from .kobjects import Attr, KlassDef
from .layout import CLOCK_START_MS, DAY_MS, SPAN_MS, salt_of
from .timefmt import iso_ms, parse_iso
from .unkind import past_end_detail, past_the_end

if TYPE_CHECKING:
    from .engine import Engine
    from .search import Query

_ID = re.compile(r"^[0-9a-f]{24}$")
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
TAG_NAMES = ("billing", "refund", "shipping", "bug", "feature-request", "vip", "urgent", "feedback")
METRICS = (
    "firstResponse",
    "longestUnrespondedMessage",
    "totalConversationOpenTime",
    "totalCustomerWaitTime",
)

KLASS_ROLES = BY_OBJECT["klasses"].roles
#: what each added route is served as; roles marked inferred where the OAS gives none
ROUTES: dict[str, Endpoint] = {
    "tags": Endpoint("tags", "/v1/tags", "page", "tag", (PERM + "tag.read",)),  # inferred
    "slas": Endpoint("slas", "/v1/slas", "page", "sla", (PERM + "sla.read", "org.user.sla.read")),
    "metadata": Endpoint(
        "metadata",
        "/v1/metadata",
        "single",
        "metadata",
        (PERM + "metadata.read", "org.user.metadata.read", "org.admin.metadata.read"),
    ),
    "klasses": Endpoint("klasses", "/v1/klasses", "page", "klass", KLASS_ROLES),
    "kobjects": Endpoint(
        "kobjects",
        "/v1/klasses",
        "page",
        "kobject",
        (*KLASS_ROLES, PERM + "kobject.read", "org.user.kobject.read"),
    ),
    "schedule": Endpoint(
        "schedules", "/v1/schedules", "single", "schedule", BY_OBJECT["schedules"].roles
    ),
}


@dataclass(frozen=True)
class Match:
    """An added route a path resolved to, with its path parameters."""

    name: str
    args: tuple[str, ...] = ()

    @property
    def endpoint(self) -> Endpoint:
        return ROUTES[self.name]


def route(path: str) -> Match | None:
    """The added route of a canonical path, or None (the generic routes then apply)."""
    parts = path.strip("/").split("/")
    if parts[:1] != ["v1"]:
        return None
    rest = [unquote(p) for p in parts[1:]]
    if rest == ["tags"]:
        return Match("tags")
    if rest[:1] == ["slas"] and len(rest) <= 2:
        return Match("slas", tuple(rest[1:]))
    if rest[:1] == ["metadata"] and len(rest) == 2:
        return Match("metadata", (rest[1],))
    if rest == ["klasses"]:
        return Match("klasses")
    if rest[:1] == ["klasses"] and len(rest) in (2, 3) and not _ID.match(rest[1]):
        return Match("kobjects", tuple(rest[1:]))
    if rest[:1] == ["schedules"] and len(rest) == 2 and _ID.match(rest[1]):
        return Match("schedule", (rest[1],))
    return None


class Extras:
    """The org's tags, SLAs with versions and schedule holidays."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        org = engine.org
        self.org_id = org.org_id
        users = org.small_ids("users")
        self.user = users[0]
        t0 = CLOCK_START_MS - SPAN_MS
        self.tags: list[dict[str, Any]] = [
            self._tag(tid, TAG_NAMES[k % len(TAG_NAMES)], iso_ms(t0 + k * 9 * DAY_MS))
            for k, tid in enumerate(org.tag_ids)
        ]
        self.slas: list[dict[str, Any]] = []
        self.versions: dict[str, list[dict[str, Any]]] = {}
        self.set_slas([2, 1, 3])

    # ------------------------------------------------------------------ tags

    def _rel(self, kind: str, rid: str, path: str) -> dict[str, Any]:
        return {"links": {"self": f"/v1/{path}/{rid}"}, "data": {"type": kind, "id": rid}}

    def _tag(self, tid: str, name: str, at: str) -> dict[str, Any]:
        h = salt_of("tag", tid)
        return {
            "type": "tag",
            "id": tid,
            "attributes": {
                "name": name,
                "color": W.COLORS[h % len(W.COLORS)],
                "deleted": False,
                "createdAt": at,
                "updatedAt": at,
                "modifiedAt": at,
            },
            "relationships": {
                "org": self._rel("org", self.org_id, "orgs"),
                "createdBy": self._rel("user", self.user, "users"),
            },
            "links": {"self": f"/v1/tags/{tid}"},
        }

    def add_tag(self, name: str) -> dict[str, Any]:
        """A new tag, created now."""
        now = self.engine.clock.stamp()
        tid = f"{now // 1000:08x}{salt_of('new tag', name) & 0xFFFFFFFFFFFFFFFF:016x}"
        tag = self._tag(tid, name, iso_ms(now))
        self.tags.append(tag)
        return json.loads(_dumps(tag))

    def update_tag(self, tid: str, **attributes: Any) -> dict[str, Any]:
        """Change a tag (``deleted=True`` removes it from the list, inferred)."""
        for tag in self.tags:
            if tag["id"] == tid:
                now = iso_ms(self.engine.clock.stamp())
                tag["attributes"].update(attributes, updatedAt=now, modifiedAt=now)
                if attributes.get("deleted"):
                    tag["attributes"]["deletedAt"] = now
                return json.loads(_dumps(tag))
        raise LookupError(f"no tag {tid}")

    def live_tags(self) -> list[dict[str, Any]]:
        return [t for t in self.tags if not t["attributes"].get("deleted")]

    # ------------------------------------------------------------------ SLAs

    def set_slas(self, versions_per_sla: list[int]) -> None:
        """Replace the org's SLAs: one SLA per entry, with that many versions."""
        seed = self.engine.settings.seed
        t0 = CLOCK_START_MS - SPAN_MS // 2
        self.slas, self.versions = [], {}
        names = ("Email Policy", "Chat Policy", "VIP Policy", "Voice Policy")
        for s, count in enumerate(versions_per_sla):
            first = t0 + (s * 40 + 30) * DAY_MS
            sid = object_id(first, salt_of(seed, "sla", s))
            versions = []
            for v in range(1, count + 1):
                made = t0 + (s * 40 + v * 30) * DAY_MS
                vid = object_id(made, salt_of(seed, "sla", s, v))
                versions.append(self._version(sid, vid, names[s % len(names)], v, iso_ms(made), s))
            self.versions[sid] = versions
            # documented (OAS GET /slas/{id}, MeltanoLabs' schema): currentVersion and createdAt,
            # no record links
            self.slas.append(
                {
                    "type": "sla",
                    "id": sid,
                    "attributes": {
                        "currentVersion": count,
                        "createdAt": versions[0]["attributes"]["createdAt"],
                    },
                    "relationships": {
                        "org": self._rel("org", self.org_id, "orgs"),
                        "createdBy": self._rel("user", self.user, "users"),
                        "versions": {
                            "data": [{"type": "sla_version", "id": x["id"]} for x in versions]
                        },
                    },
                }
            )

    def _version(self, sid: str, vid: str, name: str, v: int, at: str, s: int) -> dict[str, Any]:
        hour = 3_600_000
        channel = ("email", "chat", "sms", "voice")[s % 4]
        metrics = {
            metric: (
                {
                    "enabled": True,
                    "times": {str(p): hour * (k + 1) * (6 - p) // v for p in range(1, 6)},
                }
                if k < 2 or v > 1
                else {"enabled": False, "times": {}}
            )
            for k, metric in enumerate(METRICS)
        }
        return {
            "type": "sla_version",
            "id": vid,
            "attributes": {
                "name": name,
                "description": f"SLA policy for {channel} conversations.",
                "version": v,
                "hours": "business" if (s + v) % 2 else "calendar",
                "metrics": metrics,
                "criteria": {
                    "and": [{"conversation_channel": {"operator": "contains", "value": channel}}]
                },
                "createdAt": at,
            },
            "relationships": {
                "org": self._rel("org", self.org_id, "orgs"),
                "createdBy": self._rel("user", self.user, "users"),
                "sla": self._rel("sla", sid, "slas"),
            },
        }

    def included_versions(self, slas: list[dict[str, Any]], which: str | None) -> list[Any]:
        out: list[Any] = []
        for sla in slas:
            versions = self.versions[sla["id"]]
            if which == "all":
                out.extend(versions)
            elif which == "active":
                current = sla["attributes"]["currentVersion"]
                out.extend(x for x in versions if x["attributes"]["version"] == current)
        return out

    def included(self, items: list[Any]) -> Any:
        """``included`` as the setting asks: a list, or one bare object when there is one."""
        if self.engine.settings.sla_included == "object" and len(items) == 1:
            return items[0]
        return items

    # ------------------------------------------------------------------ holidays

    def holidays(self, schedule_id: str) -> list[dict[str, Any]]:
        """The holidays of a schedule (:func:`.business.schedule_holidays`), on the dates their
        names say in the schedule's time zone."""
        store = self.engine.store
        index = store.org.layout("schedules").index_of(schedule_id)
        schedule = store.get("schedules", schedule_id)
        tz = str(((schedule or {}).get("attributes") or {}).get("timezone") or "UTC")
        out = []
        days = schedule_holidays(self.engine.settings.seed, schedule_id, index, tz)
        for k, day in enumerate(days):
            hid = object_id(day.created_ms, salt_of(schedule_id, "holiday", k))
            created = iso_ms(day.created_ms)
            out.append(
                {
                    "type": "holiday",
                    "id": hid,
                    "attributes": {
                        "name": day.name,
                        "startDate": iso_ms(day.start_ms),
                        "endDate": iso_ms(day.end_ms),
                        "description": "Office closed",
                        "enabled": day.enabled,
                        "createdAt": created,
                        "modifiedAt": created,
                        "updatedAt": created,
                    },
                    "relationships": {
                        "org": self._rel("org", self.org_id, "orgs"),
                        "createdBy": self._rel("user", self.user, "users"),
                        "modifiedBy": self._rel("user", self.user, "users"),
                        "schedule": self._rel("schedule", schedule_id, "schedules"),
                    },
                    "links": {"self": f"/v1/holidays/{hid}"},
                }
            )
        return out


# ---------------------------------------------------------------------- serving


def object_id(created_ms: int, salt: int) -> str:
    """An ObjectId-like id: the creation second, then 16 hex digits of ``salt``."""
    return f"{created_ms // 1000:08x}{salt & 0xFFFFFFFFFFFFFFFF:016x}"


def _page_of(
    engine: Engine,
    items: list[Any],
    path: str,
    page: int,
    size: int,
    extra: list[tuple[str, str]],
) -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
    _check_past_end(engine, path, page, size, len(items))
    chunk = items[(page - 1) * size : page * size]
    last = -(-len(items) // size)
    return chunk, {"pageSize": size, "page": page}, paged_links(path, page, size, last, extra)


def _check_past_end(engine: Engine, path: str, page: int, size: int, total: int) -> None:
    """LookupError (a 404) for a page past the end of a non-empty list (``past_end="404"``)."""
    if past_the_end(engine.options, page, size, total):
        raise LookupError(past_end_detail(path, page, size, total))


def answer(
    engine: Engine,
    match: Match,
    params: dict[str, str],
    page: int,
    page_size: int,
    extra: list[tuple[str, str]],
) -> bytes:
    """The body of a GET on an added route; LookupError -> 404, ValueError -> 400."""
    ex: Extras = engine.extras
    ko = engine.kobjects
    size = min(page_size, 100)
    if match.name == "tags":
        chunk, meta, links = _page_of(engine, ex.live_tags(), "/v1/tags", page, size, extra)
        return list_body(meta, links, [_dumps(t) for t in chunk])
    if match.name == "slas":
        which = params.get("versions")
        if which not in (None, "all", "active"):
            raise ValueError("versions must be 'all' or 'active'")
        if match.args:
            sla = next((s for s in ex.slas if s["id"] == match.args[0]), None)
            if sla is None:
                raise LookupError(f"sla {match.args[0]} not found")
            body: dict[str, Any] = {"data": sla}
            if which:
                body["included"] = ex.included(ex.included_versions([sla], which))
            return _dumps(body).encode()
        chunk, meta, links = _page_of(engine, ex.slas, "/v1/slas", page, size, extra)
        body = {"meta": meta, "links": links, "data": chunk}
        if which:
            body["included"] = ex.included(ex.included_versions(chunk, which))
        return _dumps(body).encode()
    if match.name == "metadata":
        return data_body(_dumps(ko.metadata(match.args[0])))
    if match.name == "klasses":
        status = params.get("status", "enabled")
        if status not in ("enabled", "disabled", "existing_only"):
            raise ValueError("status must be enabled, disabled or existing_only")
        klasses = [
            k
            for k in ko.klasses()
            # inferred: existing_only = every Klass that holds KObjects, whatever its status
            if (k["attributes"].get("status") == status)
            or (status == "existing_only" and ko.records(k["attributes"]["name"]))
        ]
        chunk, meta, links = _page_of(engine, klasses, "/v1/klasses", page, size, extra)
        return list_body(meta, links, [_dumps(k) for k in chunk])
    if match.name == "kobjects":
        name = match.args[0]
        if len(match.args) == 2:
            rec = ko.get(name, match.args[1])
            if rec is None or rec["attributes"].get("deleted") is True:
                raise LookupError(f"kobject {match.args[1]} not found")
            return data_body(_dumps(rec))
        from_date = params.get("fromDate")
        try:
            since = parse_iso(from_date) if from_date else None
        except ValueError as exc:
            raise ValueError("fromDate must be an ISO 8601 date-time") from exc
        texts, total = ko.page(name, (page - 1) * size, size, since)
        path = f"/v1/klasses/{name}"
        _check_past_end(engine, path, page, size, total)
        links = paged_links(path, page, size, -(-total // size), extra)
        return list_body({"pageSize": size, "page": page}, links, texts)
    # a schedule by id, with its holidays on ?include=holidays
    rec = engine.store.get("schedules", match.args[0])
    if rec is None or rec["attributes"].get("deleted") is True:
        raise LookupError(f"schedule {match.args[0]} not found")
    body = {"data": rec}
    includes = [v for v in params.get("include", "").split(",") if v]
    if includes:
        if includes != ["holidays"]:
            raise ValueError("include accepts only 'holidays'")
        body["included"] = ex.holidays(rec["id"])
    return _dumps(body).encode()


def search_kobjects(
    engine: Engine, query: Query, roles: frozenset[str], offset: int, limit: int
) -> tuple[list[str], int]:
    """Results of a ``kobject`` / ``kobject_<klass>`` search (PermissionError: missing role)."""
    from .search import WINDOW_MS

    if roles.isdisjoint(ROUTES["kobjects"].roles):
        raise PermissionError(
            f"token lacks a role to read kobjects (any of: {', '.join(ROUTES['kobjects'].roles)})"
        )
    klass = query.context[len("kobject_") :] if query.context != "kobject" else None
    cutoff = engine.clock.now_ms() - WINDOW_MS
    return engine.kobjects.search(query, klass, cutoff, offset, limit)


# ---------------------------------------------------------------------- control API


def handle_control(
    engine: Engine, method: str, parts: list[str], body: dict[str, Any]
) -> tuple[int, Any]:
    """``/__sandbox/klasses`` and ``/__sandbox/kobjects/{klass}[/{id}]``."""
    ko = engine.kobjects
    if parts == ["klasses"] and method == "GET":
        return 200, {"data": ko.klasses()}
    if parts == ["klasses"] and method == "POST":
        attrs = tuple(
            Attr(a["key"], a.get("displayName", a["key"]), tuple(a.get("enumeration", ())))
            for a in body.get("attributes", [])
        )
        klass = KlassDef(
            str(body["name"]),
            str(body.get("displayName", body["name"])),
            str(body.get("icon", "tag")),
            str(body.get("color", "#8c564b")),
            0.0,
            attrs,
            tuple(body.get("relations", ["customer"])),
        )
        return 201, {"data": ko.add_klass(klass, int(body.get("count", 0)))}
    if parts[:1] == ["klasses"] and len(parts) == 2 and method == "PATCH":
        return 200, {"data": ko.set_klass_status(parts[1], str(body["status"]))}
    if parts[:1] == ["kobjects"] and len(parts) == 2:
        if method == "GET":
            return 200, {"data": ko.records(parts[1], include_deleted=True)}
        if method == "POST":
            rec = ko.create(
                parts[1],
                body.get("custom"),
                body.get("relationships"),
                **body.get("attributes", {}),
            )
            return 201, {"data": rec}
    if parts[:1] == ["kobjects"] and len(parts) == 3:
        if method == "PATCH":
            rec = ko.update(parts[1], parts[2], body.get("custom"), **body.get("attributes", {}))
            return 200, {"data": rec}
        if method == "DELETE":
            return 200, {"data": ko.soft_delete(parts[1], parts[2])}
    raise LookupError(f"no control route for {method} /{'/'.join(parts)}")
