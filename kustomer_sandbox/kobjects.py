"""Custom objects: the org's Klasses, their custom-attribute definitions and their KObjects.

Kustomer documents (Core Resources OAS) ``GET /v1/klasses`` (``status`` = enabled, disabled,
existing_only; default enabled), ``GET /v1/klasses/{name}`` (the KObjects of one Klass, paged,
``fromDate``), ``GET /v1/klasses/{name}/{id}`` and the search contexts ``kobject`` and
``kobject_<klass>`` (keyset field ``kobject_updated_at``). A KObject is
``{"type": "kobject.<klass>", "id", "attributes": {title, icon, images, custom, tags, externalId,
createdAt, updatedAt, rev, ...}, "relationships": {org, klass, customer, company}}``.

The Klass records themselves are the generated ``klasses`` records of the store (one per
definition below, see :class:`KlassGen`), so lists, reads by id and control-API changes of
Klasses behave like any other object. The KObjects of a Klass are built on first use (at most
:data:`MAX_PER_KLASS` per Klass) and kept in memory with the control API's changes.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from . import words as W
from .api import BY_OBJECT
from .layout import CLOCK_START_MS, END_GAP_MS, GOLD, MASK, SPAN_MS, mix64, parent_of, salt_of
from .relations import empty_form
from .timefmt import custom_date, iso_ms, parse_iso
from .unkind import Ties, engine_order_key, recent_update

if TYPE_CHECKING:
    from .data import Org
    from .engine import Engine
    from .search import Query

#: KObjects generated per Klass at most, whatever the scale (they are built in memory)
MAX_PER_KLASS = 5_000
#: the documented custom-attribute name suffixes, longest match first
SUFFIXES = ("Bool", "Tree", "Str", "Txt", "Num", "Url", "At", "Id")
#: inferred: the metadata ``type`` of each suffix (the OAS examples show "string" and "number")
METADATA_TYPE = {
    "Str": "string",
    "Txt": "string",
    "Url": "string",
    "Id": "string",
    "Tree": "string",
    "Num": "number",
    "Bool": "boolean",
    "At": "date",
}
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def suffix_of(key: str) -> str | None:
    """The type suffix of a custom attribute name (``orderNumberNum`` -> ``Num``), or None."""
    for suffix in SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return suffix
    return None


@dataclass(frozen=True)
class Attr:
    """One custom attribute definition (what ``GET /v1/metadata/{resource}`` describes)."""

    key: str
    display: str
    enumeration: tuple[str, ...] = ()
    target: str | None = None
    multi: bool = False
    #: "always" (records 0-2 and most others), "never" (defined, never set: an attribute
    #: added in the admin UI before anyone filled it in)
    presence: str = "always"
    #: inferred: sent as a string of digits although typed Num (imports do this)
    as_string: bool = False

    def properties(self) -> dict[str, Any]:
        """The attribute's entry under ``attributes.properties`` of the metadata document."""
        props: dict[str, Any] = {
            "type": METADATA_TYPE.get(suffix_of(self.key) or "Str", "string"),
            "displayName": self.display,
            "modifiedAt": "2024-03-01T09:00:00.000Z",
            "updatedAt": "2024-03-01T09:00:00.000Z",
        }
        if self.enumeration:
            props["enumeration"] = list(self.enumeration)
        if self.target:
            props["target"] = self.target
            props["multi"] = self.multi
        return props


@dataclass(frozen=True)
class KlassDef:
    """A Klass: its name, look, custom attributes and the records its KObjects point at."""

    name: str
    display: str
    icon: str
    color: str
    #: KObjects per unit of the sandbox scale
    per_scale: float
    attrs: tuple[Attr, ...]
    #: relationship names of its KObjects: customer and/or company
    relations: tuple[str, ...] = ("customer",)
    mixins: tuple[str, ...] = ()


KLASSES: tuple[KlassDef, ...] = (
    KlassDef(
        "ecomm-order",
        "Order",
        "cart",
        "#1f77b4",
        1.0,
        (
            Attr("orderNumberNum", "Order Number"),
            Attr("totalPriceNum", "Total Price"),
            Attr(
                "orderStatusStr",
                "Order Status",
                enumeration=("pending", "fulfilled", "refunded", "cancelled"),
            ),
            Attr("placedAt", "Placed At"),
            Attr("giftBool", "Gift"),
            Attr("trackingUrl", "Tracking Link"),
            Attr("specialInstructionsTxt", "Special Instructions"),
            Attr("productCategoryTree", "Product Category"),
            Attr("loyaltyPointsNum", "Loyalty Points", as_string=True),
            Attr("refundedAt", "Refunded At", presence="never"),
        ),
        ("customer", "company"),
        ("assignable",),
    ),
    KlassDef(
        "subscription",
        "Subscription",
        "star",
        "#2ca02c",
        0.5,
        (
            Attr("planStr", "Plan", enumeration=("starter", "growth", "enterprise")),
            Attr("seatsNum", "Seats"),
            Attr("renewsAt", "Renews At"),
            Attr("activeBool", "Active"),
            Attr("accountOwnerId", "Account Owner", target="user"),
        ),
        ("customer", "company"),
    ),
    KlassDef(
        "warranty-claim",
        "Warranty Claim",
        "flag",
        "#d62728",
        0.25,
        (
            Attr("claimNumberStr", "Claim Number"),
            Attr("amountNum", "Claimed Amount"),
            Attr("filedAt", "Filed At"),
            Attr("approvedBool", "Approved"),
            Attr("orderId", "Order", target="kobject.ecomm-order"),
        ),
        ("customer",),
    ),
)

#: custom attributes of the standard objects, as ``data._custom`` generates them, plus one
#: defined attribute that no record has a value for yet
CORE_ATTRS: tuple[Attr, ...] = (
    Attr("orderNumberStr", "Order Number"),
    Attr("lifetimeValueNum", "Lifetime Value"),
    Attr("lastOrderAt", "Last Order At"),
    Attr("vipBool", "VIP"),
    Attr("notesTxt", "Notes"),
    Attr("churnRiskNum", "Churn Risk", presence="never"),
)
CORE_RESOURCES = ("customer", "conversation", "message", "company")


def kobject_type(name: str) -> str:
    return f"kobject.{name}"


def collection_path(name: str) -> str:
    return f"/v1/klasses/{quote(name, safe='')}"


# ---------------------------------------------------------------------- Klass records


class KlassGen:
    """The generator of ``klasses`` records: the generated record, named after a definition.

    Wraps the object's own generator (spec fields, timestamps, ids) and puts the definition's
    name, displayName, icon, color, status, mixins and the documented relationships on it.
    """

    def __init__(self, base: Any, org: Org) -> None:
        self.base = base
        self.org = org

    def record(self, i: int) -> dict[str, Any]:
        rec: dict[str, Any] = self.base.record(i)
        if i >= len(KLASSES):
            return rec
        klass = KLASSES[i]
        attrs = rec["attributes"]
        attrs.update(
            name=klass.name,
            displayName=klass.display,
            icon=klass.icon,
            color=klass.color,
            status="enabled",
            appDisabled=False,
            mixins=list(klass.mixins),
        )
        rec["relationships"] = klass_relationships(self.org.org_id, klass.name)
        return rec

    def record_json(self, i: int) -> str:
        return str(_dumps(self.record(i)))


def klass_relationships(org_id: str, name: str) -> dict[str, Any]:
    return {
        "org": {"links": {"self": f"/v1/orgs/{org_id}"}, "data": {"type": "org", "id": org_id}},
        "kobjects": {"links": {"self": collection_path(name)}},
    }


# ---------------------------------------------------------------------- KObjects


def _value(attr: Attr, h: int, i: int, created: int, updated: int, ref: Callable[[], str]) -> Any:
    """A realistic value of one custom attribute, by its suffix."""
    suffix = suffix_of(attr.key)
    if attr.enumeration:
        return attr.enumeration[(h >> 11) % len(attr.enumeration)]
    if suffix == "Num":
        if "Price" in attr.key or "amount" in attr.key.lower():
            number: Any = round(((h >> 13) % 50_000) / 100 + 5, 2)
        else:
            number = 1000 + i * 3 + (h >> 13) % 3 if "Number" in attr.key else (h >> 13) % 500
        return str(number) if attr.as_string else number
    if suffix == "At":  # returned as sent: a share with an offset (timefmt.custom_date)
        return custom_date(created + (updated - created) // 3, h >> 37)
    if suffix == "Bool":
        return (h >> 17) % 3 == 0
    if suffix == "Url":
        return f"https://track.example.com/p/{(h >> 7) & 0xFFFFFFFF:08x}"
    if suffix == "Txt":
        return W.SENTENCES[(h >> 19) % len(W.SENTENCES)]
    if suffix == "Tree":
        top = ("electronics", "apparel", "home")[(h >> 21) % 3]
        sub = ("audio", "outdoor", "kitchen", "kids")[(h >> 23) % 4]
        return f"{top}.{sub}"
    if suffix == "Id":
        return ref()
    return f"{attr.key[:3].upper()}-{10000 + i}"


@dataclass
class Collection:
    """The KObjects of one Klass, by id (ids grow with creation time)."""

    klass: KlassDef
    tag: str
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    counter: int = 0
    #: generated KObjects: id -> (index, createdAt ms, updatedAt ms as generated)
    natural: dict[str, tuple[int, int, int]] = field(default_factory=dict)


class KObjects:
    """The org's custom objects, and the custom-attribute definitions of every resource."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.RLock()
        self.defs: dict[str, KlassDef] = {k.name: k for k in KLASSES}
        self._collections: dict[str, Collection] = {}
        #: resource -> custom-attribute key -> definition
        self.attributes: dict[str, dict[str, Attr]] = {
            res: {a.key: a for a in CORE_ATTRS} for res in CORE_RESOURCES
        }
        for klass in KLASSES:
            self.attributes[kobject_type(klass.name)] = {a.key: a for a in klass.attrs}

    # ------------------------------------------------------------------ Klasses

    def klasses(self, include_deleted: bool = False) -> list[dict[str, Any]]:
        """The org's Klass records (the store's ``klasses``), in id order."""
        return list(self.engine.store.iter_records("klasses", include_deleted))

    def klass_record(self, name: str) -> dict[str, Any] | None:
        for rec in self.klasses():
            if rec["attributes"].get("name") == name:
                return rec
        return None

    def add_klass(self, klass: KlassDef, count: int = 0) -> dict[str, Any]:
        """A new Klass (record, definitions and ``count`` KObjects), as an admin would add it."""
        with self.lock:
            if self.klass_record(klass.name) is not None:
                raise ValueError(f"Klass {klass.name!r} exists")
            self.defs[klass.name] = klass
            self.attributes[kobject_type(klass.name)] = {a.key: a for a in klass.attrs}
            rec = self.engine.store.create(
                "klasses",
                {
                    "name": klass.name,
                    "displayName": klass.display,
                    "icon": klass.icon,
                    "color": klass.color,
                    "status": "enabled",
                    "appDisabled": False,
                    "mixins": list(klass.mixins),
                },
            )
            store = self.engine.store
            with store.lock:  # the documented relationships (org, kobjects link) of a Klass
                i, current = store.locate("klasses", rec["id"])
                assert current is not None
                new = json.loads(_dumps(current))
                new["relationships"] = klass_relationships(self.engine.org.org_id, klass.name)
                store._put("klasses", i, new, rec["id"])
            for _ in range(count):
                self.create(klass.name)
            return self.engine.store.get("klasses", rec["id"]) or rec

    def set_klass_status(self, name: str, status: str) -> dict[str, Any]:
        """Enable or disable a Klass (its KObjects stay)."""
        if status not in ("enabled", "disabled"):
            raise ValueError("status must be enabled or disabled")
        rec = self.klass_record(name)
        if rec is None:
            raise LookupError(f"no Klass {name!r}")
        return self.engine.store.update("klasses", rec["id"], {"status": status})

    def define_attribute(self, resource: str, attr: Attr) -> None:
        """Add (or replace) a custom-attribute definition of a resource."""
        with self.lock:
            if resource not in self.attributes:
                raise LookupError(f"no metadata resource {resource!r}")
            self.attributes[resource][attr.key] = attr

    # ------------------------------------------------------------------ KObjects

    def collection(self, name: str) -> Collection:
        """The KObjects of Klass ``name`` (built on first use); LookupError if no such Klass."""
        with self.lock:
            col = self._collections.get(name)
            if col is not None:
                return col
            klass = self.defs.get(name)
            if klass is None or self.klass_record(name) is None:
                raise LookupError(f"no Klass {name!r}")
            tag = f"{salt_of(self.engine.settings.seed, 'kobject', name) & 0xFFFFFF:06x}"
            col = self._collections[name] = Collection(klass, tag)
            if any(k.name == name for k in KLASSES):
                scale = min(self.engine.settings.scale, MAX_PER_KLASS)
                n = max(3, int(scale * klass.per_scale))
                for i in range(n):
                    rec = self._generated(col, i, n)
                    col.records[rec["id"]] = rec
                    attrs = rec["attributes"]
                    col.natural[rec["id"]] = (
                        i,
                        parse_iso(attrs["createdAt"]),
                        parse_iso(attrs["updatedAt"]),
                    )
                col.counter = n
            return col

    def _generated(self, col: Collection, i: int, n: int) -> dict[str, Any]:
        org = self.engine.org
        seed = self.engine.settings.seed
        h = salt_of(seed, "kobject", col.klass.name, i)
        step = SPAN_MS / n
        t0 = CLOCK_START_MS - END_GAP_MS - SPAN_MS
        start = t0 + int(i * step)
        half = max(1, int(step) // 2)
        created = start + (h >> 20) % half
        updated = start + half + (h >> 3) % max(1, int(step) - half - 1)
        custom: dict[str, Any] = {}
        for attr in col.klass.attrs:
            if attr.presence == "never":
                continue
            x = ((h ^ salt_of(attr.key)) * GOLD) & MASK
            if i >= 3 and (x >> 58) < 3:  # a later record leaves a field out 3 times in 64
                continue
            custom[attr.key] = _value(attr, x, i, created, updated, self._ref(attr, x))
        rels: dict[str, str] = {}
        if "customer" in col.klass.relations:
            customers = org.layout("customers")
            rels["customer"] = customers.id(parent_of(customers.n, n, i))
        if "company" in col.klass.relations and (i < 3 or h % 3):
            companies = org.layout("companies")
            rels["company"] = companies.id(parent_of(companies.n, n, i))
        rid = f"{created // 1000:08x}{col.tag}{i:010x}"
        return self._record(col, rid, i, custom, rels, iso_ms(created), iso_ms(updated), h)

    def _ref(self, attr: Attr, x: int) -> Callable[[], str]:
        def pick() -> str:
            if attr.target == "user":
                users = self.engine.org.small_ids("users")
                return users[(x >> 9) % len(users)]
            return f"{(x >> 4) & ((1 << 96) - 1):024x}"

        return pick

    def _record(
        self,
        col: Collection,
        rid: str,
        i: int,
        custom: dict[str, Any],
        rels: dict[str, str],
        created: str,
        updated: str,
        h: int,
    ) -> dict[str, Any]:
        klass = col.klass
        org = self.engine.org
        tags = org.tag_ids
        attributes: dict[str, Any] = {
            "title": f"{klass.display} #{1000 + i}",
            "icon": klass.icon,
            "images": [f"https://cdn.example.com/{klass.name}/{i}.png"] if h % 4 else [],
            "custom": custom,
            "tags": [tags[(h >> 27) % len(tags)]] if i < 3 or h % 5 == 0 else [],
            "externalId": f"{klass.name}-{1000 + i}",
            "description": W.SENTENCES[(h >> 29) % len(W.SENTENCES)],
            "klassDisplayName": klass.display,
            "createdAt": created,
            "updatedAt": updated,
            "modifiedAt": updated,
            "rev": 1 + (h >> 40) % 4,
            # the OAS KObject schemas: the Klass's mixins, and where a big KObject's data is
            # kept (inferred: 1 in 8 has one)
            "klassMixins": list(klass.mixins),
            "s3DataUrl": f"https://s3.example.com/kobjects/{rid}.json" if h % 8 == 0 else None,
        }
        relationships: dict[str, Any] = {
            "org": {
                "links": {"self": f"/v1/orgs/{org.org_id}"},
                "data": {"type": "org", "id": org.org_id},
            },
            "klass": {
                "links": {"self": collection_path(klass.name)},
                "data": {"type": "klass", "id": klass.name},
            },
        }
        if "assignable" in klass.mixins:
            self._assignable(attributes, relationships, i, h, created, updated)
        for name, target in rels.items():
            path = "customers" if name == "customer" else "companies"
            relationships[name] = {
                "links": {"self": f"/v1/{path}/{target}"},
                "data": {"type": name, "id": target},
            }
        return {
            "type": kobject_type(klass.name),
            "id": rid,
            "attributes": attributes,
            "relationships": relationships,
            "links": {"self": f"{collection_path(klass.name)}/{rid}"},
        }

    def _assignable(
        self,
        attributes: dict[str, Any],
        relationships: dict[str, Any],
        i: int,
        h: int,
        created: str,
        updated: str,
    ) -> None:
        """The attributes and ``queue`` relationship of a KObject of an ``assignable`` Klass
        (the OAS KObject example: status, queue, assignedUser, firstDone/lastDone, done and
        reopen counts): worked by an agent made before it, done a while before its last
        update (two in three of them), reopened once now and then."""
        org = self.engine.org
        start, end = parse_iso(created), parse_iso(updated)
        agent = org.pick_existing("users", start, h)
        user = org.small_ids("users")[agent]
        team = org.small_ids("teams")[org.team_of_user(agent)]
        queue = org.small_ids("routing_queues")[org.pick_existing("routing_queues", start, h >> 5)]
        done = i < 3 or (h >> 33) % 3 != 0
        reopened = 1 if i < 3 or (h >> 36) % 5 == 0 else 0
        summary = None
        if done:
            at = start + (end - start) * 3 // 4
            took = at - start
            summary = {
                "time": took,
                "businessTime": org.business_ms(start, at),
                "createdAt": iso_ms(at),
                "createdBy": user,
                "createdByTeam": team,
                "assignedTeam": team,
                "assignedUser": user,
                "commentCount": (h >> 38) % 3,
            }
        attributes.update(
            status="done" if done else "open",
            queue=queue,
            assignedUser=user,
            firstDone=summary,
            lastDone=summary,
            doneCount=(1 if done else 0) + reopened,
            reopenCount=reopened,
            reopenFromDoneCount=reopened,
            reopenDoneCount=reopened,
        )
        relationships["queue"] = {
            "links": {"self": f"{BY_OBJECT['routing_queues'].path}/{queue}"},
            "data": {"type": "queue", "id": queue},
        }

    def shown(self, name: str, rec: dict[str, Any]) -> dict[str, Any]:
        """A KObject as the API serves it under the unkind options: an old generated one
        maybe updated recently (``recent_update_share``), its ``company`` maybe in the
        documented empty form (``empty_relationships``). A fresh dict."""
        out: dict[str, Any] = json.loads(_dumps(rec))
        options = self.engine.options
        if options.kobject_link_key == "link":
            # the four OAS KObject examples spell the klass (and queue) link key `link`
            for rel in ("klass", "queue"):
                held = out.get("relationships", {}).get(rel)
                if isinstance(held, dict) and "links" in held:
                    held["link"] = held.pop("links")
        col = self._collections.get(name)
        natural = col.natural.get(rec["id"]) if col is not None else None
        if natural is None:
            return out
        i, created, updated = natural
        salt = salt_of(self.engine.settings.seed, "kobject", name)
        share = options.recent_update_share
        attrs = out["attributes"]
        if share > 0 and attrs.get("updatedAt") == iso_ms(updated):
            x = mix64(salt ^ 0x5EED ^ (((i + 1) * GOLD) & MASK))
            if (x >> 11) / 9007199254740992.0 < share:
                at = recent_update(x, created, updated)
                if at is not None:
                    attrs["updatedAt"] = iso_ms(at)
        empty = options.empty_relationships
        if empty > 0 and "company" in self.defs[name].relations:
            y = mix64(salt ^ 0xC0 ^ (((i + 1) * GOLD) & MASK))
            if (y >> 11) / 9007199254740992.0 < empty:
                out["relationships"]["company"] = json.loads(empty_form("company", True))
        return out

    def records(self, name: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        """The KObjects of a Klass in id order, as fresh dicts."""
        with self.lock:
            col = self.collection(name)
            out = [
                rec
                for rec in col.records.values()
                if include_deleted or rec["attributes"].get("deleted") is not True
            ]
            return [self.shown(name, r) for r in out]

    def get(self, name: str, rid: str) -> dict[str, Any] | None:
        with self.lock:
            rec = self.collection(name).records.get(rid)
            return None if rec is None else self.shown(name, rec)

    def create(
        self,
        name: str,
        custom: dict[str, Any] | None = None,
        relationships: dict[str, str] | None = None,
        **attributes: Any,
    ) -> dict[str, Any]:
        """A new KObject (createdAt = updatedAt = now); relationships map name -> id."""
        with self.lock:
            col = self.collection(name)
            now = self.engine.clock.stamp()
            i = col.counter
            col.counter += 1
            rid = f"{now // 1000:08x}{col.tag}{i:010x}"
            h = salt_of(self.engine.settings.seed, "kobject", name, "new", i)
            rec = self._record(
                col,
                rid,
                i,
                dict(custom or {}),
                dict(relationships or {}),
                iso_ms(now),
                iso_ms(now),
                h,
            )
            rec["attributes"].update(attributes)
            rec["attributes"]["rev"] = 1
            col.records[rid] = rec
            self.engine.store.version += 1
            return json.loads(_dumps(rec))

    def update(
        self, name: str, rid: str, custom: dict[str, Any] | None = None, **attributes: Any
    ) -> dict[str, Any]:
        """Merge attributes (``custom`` key by key); updatedAt = modifiedAt = now; rev + 1."""
        with self.lock:
            col = self.collection(name)
            old = col.records.get(rid)
            if old is None:
                raise LookupError(f"{name} {rid} not found")
            rec = json.loads(_dumps(old))
            attrs = rec["attributes"]
            attrs.update(attributes)
            if custom:
                attrs.setdefault("custom", {}).update(custom)
            self._touch(attrs)
            col.records[rid] = rec
            return json.loads(_dumps(rec))

    def soft_delete(self, name: str, rid: str) -> dict[str, Any]:
        """inferred: ``deleted: true`` and ``deletedAt``; left out of lists, found by search
        with ``includeDeleted``."""
        with self.lock:
            rec = self.update(name, rid)
            col = self.collection(name)
            col.records[rid]["attributes"].update(
                deleted=True, deletedAt=rec["attributes"]["updatedAt"]
            )
            return json.loads(_dumps(col.records[rid]))

    def hard_delete(self, name: str, rid: str) -> None:
        with self.lock:
            if self.collection(name).records.pop(rid, None) is None:
                raise LookupError(f"{name} {rid} not found")
            self.engine.store.version += 1

    def _touch(self, attrs: dict[str, Any]) -> None:
        now = iso_ms(self.engine.clock.stamp())
        attrs["updatedAt"] = attrs["modifiedAt"] = now
        attrs["rev"] = int(attrs.get("rev") or 0) + 1
        self.engine.store.version += 1

    # ------------------------------------------------------------------ reads for the API

    def page(
        self, name: str, offset: int, limit: int, from_date: int | None
    ) -> tuple[list[str], int]:
        """One page of live KObjects (``fromDate``: updatedAt >= it, inferred), in id order or
        the ``list_order`` option's."""
        from .store import time_key

        options = self.engine.options
        with self.lock:
            recs = [
                self.shown(name, r)
                for r in self.collection(name).records.values()
                if r["attributes"].get("deleted") is not True
            ]
            recs = [
                r
                for r in recs
                if from_date is None or parse_iso(r["attributes"]["updatedAt"]) >= from_date
            ]
            if options.list_order != "id":
                attr = "createdAt" if options.list_order == "newest" else "updatedAt"
                tie = Ties(options.tie_order, self.engine.settings.seed).key
                recs.sort(key=lambda r: (time_key(r, attr)[0], tie(r["id"])), reverse=True)
            return [_dumps(r) for r in recs[offset : offset + limit]], len(recs)

    def search(
        self, query: Query, klass: str | None, cutoff_ms: int, offset: int, limit: int
    ) -> tuple[list[str], int]:
        """Search results of a ``kobject`` (all Klasses) or ``kobject_<klass>`` query."""
        from .store import time_key

        options = self.engine.options
        seed = self.engine.settings.seed
        with self.lock:
            names = [klass] if klass else [r["attributes"]["name"] for r in self.klasses()]
            found = []
            for name in names:
                for stored in self.collection(name).records.values():
                    rec = self.shown(name, stored)
                    attrs = rec["attributes"]
                    if attrs.get("deleted") is True and not query.include_deleted:
                        continue
                    # standard search: updated within the window; archive search: before it
                    if (parse_iso(attrs["updatedAt"]) < cutoff_ms) != query.archive:
                        continue
                    if not query.pred(rec):
                        continue
                    found.append(rec)
            if query.engine_order:
                found.sort(key=lambda r: engine_order_key(r["id"], seed))
            else:
                tie = Ties(options.tie_order, seed).key
                found.sort(
                    key=lambda r: (time_key(r, query.sort_attr)[0], tie(r["id"])),
                    reverse=query.desc,
                )
            return [_dumps(r) for r in found[offset : offset + limit]], len(found)

    def metadata(self, resource: str) -> dict[str, Any]:
        """The ``data`` of ``GET /v1/metadata/{resource}``."""
        with self.lock:
            attrs = self.attributes.get(resource)
            if attrs is None and resource in ("note", "user"):
                attrs = {}  # documented as carrying custom attributes; this org defines none
            if attrs is None:
                raise LookupError(f"no custom attribute metadata for {resource!r}")
            org_id = self.engine.org.org_id
            return {
                "type": "metadata",
                "id": resource,
                "attributes": {"properties": {k: a.properties() for k, a in attrs.items()}},
                "relationships": {
                    "org": {
                        "links": {"self": f"/v1/orgs/{org_id}"},
                        "data": {"type": "org", "id": org_id},
                    }
                },
                "links": {"self": f"/v1/metadata/{resource}"},
            }
