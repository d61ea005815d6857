"""The synthetic org: record ``i`` of any object, generated on demand from ``(seed, scale)``.

Nothing is materialised: :meth:`Org.record` builds one JSON:API record from its index
(see :mod:`.layout` for ids and timestamps, :mod:`.values` for attribute values). The
first three records of every object carry every spec field with a non-empty value;
later ones sometimes leave a field null, absent or empty, as a real org does.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from . import words as W
from .api import BY_OBJECT
from .attachments import with_attachments
from .documented import APPFLOW_OF
from .kobjects import KLASSES, KlassGen
from .layout import (
    GOLD,
    MASK,
    SINGLES,
    Layout,
    UnevenChildren,
    children,
    object_counts,
    parent_of,
    salt_of,
)
from .lifecycle import FULL
from .relations import compile_relationships
from .shapes import current_user, load_shapes
from .spec import load_spec
from .timefmt import iso_ms
from .values import FieldGen, compile_field, record_fns, record_story

#: objects whose records carry ``attributes.custom`` (Kustomer's suffixed custom attributes)
CUSTOM_OBJECTS = frozenset({"customers", "conversations", "messages", "companies"})
#: records with an index below this carry every field, non-null and non-empty
FULL_RECORDS = FULL

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Ctx:
    """What the value functions of one record see."""

    __slots__ = ("i", "h", "created", "updated", "iso", "org", "memo", "story")

    def __init__(self, org: Org, i: int, h: int, created: int, updated: int) -> None:
        self.org = org
        self.i = i
        self.h = h
        self.created = created
        self.updated = updated
        #: per-record cache for values several fields share
        self.memo: dict[str, Any] = {}
        #: what several fields of the record show together (a conversation's story)
        self.story: Any = None
        span = updated - created
        # createdAt, three moments in between (the last one is modifiedAt), updatedAt
        self.iso = (
            iso_ms(created),
            iso_ms(created + span // 4),
            iso_ms(created + span // 2),
            iso_ms(created + (span * 7) // 8),
            iso_ms(updated),
        )


class ObjectGen:
    """Compiled generator of one object's records."""

    def __init__(self, org: Org, table: str) -> None:
        self.org = org
        self.table = table
        self.layout = org.layout(table)
        self.type_name = BY_OBJECT[table].type_name
        self.path = BY_OBJECT[table].path
        fns = record_fns(table)
        self.story = record_story(table)
        shape = load_shapes()[table]
        docs = dict(shape.attributes)
        if table == "users":  # GET /v1/users/current serves a users record
            docs = {**current_user().attributes, **docs}
        spec = load_spec()[table].fields
        # AppFlow's fields, then the attributes only Kustomer documents (docs win on shape)
        typed = [(f.name, f.type) for f in spec]
        names = {f.name for f in spec}
        typed += [(n, APPFLOW_OF[d.type]) for n, d in docs.items() if n not in names]
        self.fields: list[FieldGen] = [
            compile_field(
                table,
                name,
                typ,
                org,
                fns,
                salt_of(org.seed, table, name),
                docs.get(name),
                documented_only=name not in names,
            )
            for name, typ in typed
        ]
        # three loops over fewer, narrower rows are faster than one loop with branches;
        # attributes come out grouped (palette, raw, values) rather than in spec order
        self.pal_rows = [
            (f.salt, f.palette_json, len(f.palette_json), f.nullable, f.null_json, f.empty_json)
            for f in self.fields
            if f.fn is None
        ]
        self.raw_rows = [
            (f.salt, f.fn, f.key_json, f.nullable, f.null_json, f.empty_json)
            for f in self.fields
            if f.fn is not None and f.raw
        ]
        self.val_rows = [
            (f.name, f.salt, f.fn, f.nullable, f.null_json, f.empty_json)
            for f in self.fields
            if f.fn is not None and not f.raw
        ]
        self.custom = table in CUSTOM_OBJECTS
        self.rel_fn = compile_relationships(org, table)
        self.attachments = table == "messages"
        #: the documented record has an id (outbound accounts' has not), and links.self
        self.has_id = shape.envelope.records_have_id
        self.self_link = "self" in shape.record_links
        # a single object's record points at its endpoint, the one route that serves it
        self.self_prefix = self.path if table in SINGLES else self.path + "/"
        self.self_with_id = table not in SINGLES
        #: auth roles' documented records are `{type, id}`: no attributes key at all
        self.attributes = bool(self.fields or shape.attributes or self.custom)
        # length of '{"type":"<type>","id":"<24 hex>","attributes":{'
        empty: dict[str, Any] = {"type": self.type_name}
        if self.has_id:
            empty["id"] = "0" * 24
        empty["attributes"] = {}
        self.prefix_len = len(_dumps(empty)) - 2

    def record_json(self, i: int) -> str:
        """Record ``i`` serialized as the API serves it (compact JSON).

        Palette values come pre-serialized; only the per-record values go through
        ``json.dumps``, which is what makes page serving fast.
        """
        layout = self.layout
        h = layout.hash(i)
        created, updated = layout.times(i, h)
        ctx = Ctx(self.org, i, h, created, updated)
        if self.story is not None:
            ctx.story = self.story(ctx)
        parts: list[str] = []
        dyn: dict[str, Any] = {}
        check = i >= FULL_RECORDS
        append = parts.append
        for salt, pal, npal, nullable, null_json, empty_json in self.pal_rows:
            x = ((h ^ salt) * GOLD) & MASK
            if nullable and check:
                r = x >> 58  # 1/32 absent, 1/32 null, 1/64 empty container
                if r < 4:
                    if r >= 2:
                        append(null_json)
                    continue
                if r == 4 and empty_json:
                    append(empty_json)
                    continue
            append(pal[(x >> 24) % npal])
        for salt, fn, key_json, nullable, null_json, empty_json in self.raw_rows:
            x = ((h ^ salt) * GOLD) & MASK
            if nullable and check:
                r = x >> 58
                if r < 4:
                    if r >= 2:
                        append(null_json)
                    continue
                if r == 4 and empty_json:
                    append(empty_json)
                    continue
            append(key_json + fn(ctx, x))
        for name, salt, fn, nullable, null_json, empty_json in self.val_rows:
            x = ((h ^ salt) * GOLD) & MASK
            if nullable and check:
                r = x >> 58
                if r < 4:
                    if r >= 2:
                        append(null_json)
                    continue
                if r == 4 and empty_json:
                    append(empty_json)
                    continue
            dyn[name] = fn(ctx, x)
        if self.custom:
            dyn["custom"] = _custom(ctx, not check)
        rid = layout.id(i, created)
        rec: dict[str, Any] = {"type": self.type_name}
        if self.has_id:
            rec["id"] = rid
        if self.attributes:
            rec["attributes"] = dyn
        text = _dumps(rec)[:-1]
        if self.rel_fn is not None:
            rels = self.rel_fn(ctx, rid)
            if self.attachments:
                rels = with_attachments(rels, ctx, rid)
            text += ',"relationships":' + rels
        if self.self_link:
            tail = rid if self.self_with_id else ""
            text += f',"links":{{"self":"{self.self_prefix}{tail}"}}'
        text += "}"
        cut = self.prefix_len
        if not parts:
            return text
        pal_text = ",".join(parts)
        if dyn:
            return f"{text[:cut]}{pal_text},{text[cut:]}"
        return f"{text[:cut]}{pal_text}{text[cut:]}"

    def record(self, i: int) -> dict[str, Any]:
        """Record ``i`` in JSON:API form (a fresh dict, parsed from :meth:`record_json`)."""
        parsed: dict[str, Any] = json.loads(self.record_json(i))
        return parsed


def _custom(c: Ctx, full: bool) -> dict[str, Any]:
    h = c.h
    out: dict[str, Any] = {
        "orderNumberStr": f"{100000 + c.i * 7 + h % 7}",
        "lifetimeValueNum": round((h >> 8) % 500000 / 100, 2),
        "lastOrderAt": c.iso[2],
        "vipBool": (h >> 30) % 5 == 0,
        "notesTxt": W.SENTENCES[(h >> 33) % len(W.SENTENCES)],
    }
    if not full:
        drop = (h >> 40) % 8
        if drop < 5:
            del out[
                ("orderNumberStr", "lifetimeValueNum", "lastOrderAt", "vipBool", "notesTxt")[drop]
            ]
    return out


def _hex24(*parts: object) -> str:
    return f"{salt_of(*parts):016x}{salt_of(*parts, 'tail') & 0xFFFFFFFF:08x}"


class Org:
    """The generated org of one ``(seed, scale)``: counts, layouts and records."""

    def __init__(self, seed: int, scale: int) -> None:
        self.seed = seed
        self.scale = scale
        self.counts = object_counts(seed, scale)
        self.counts["klasses"] = len(KLASSES)  # one record per Klass definition (kobjects.py)
        self.org_id = _hex24(seed, "org")
        self.tag_ids: list[str] = [_hex24(seed, "tag", k) for k in range(8)]
        self._layouts = {t: Layout(seed, t, n) for t, n in self.counts.items()}
        self._gens: dict[str, ObjectGen] = {}
        self._small: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        #: a conversation has 1 to 7 messages (4 on average), still in time order
        self._messages = UnevenChildren(
            self.counts["conversations"],
            self.counts["messages"],
            salt_of(seed, "messages per conversation"),
        )

    def objects(self) -> list[str]:
        """The 48 object names."""
        return list(self.counts)

    def count(self, obj: str) -> int:
        """Generated records of ``obj``."""
        return self.counts[obj]

    def layout(self, obj: str) -> Layout:
        """Index arithmetic of ``obj``."""
        return self._layouts[obj]

    def gen(self, obj: str) -> ObjectGen:
        """The compiled generator of ``obj`` (built on first use)."""
        g = self._gens.get(obj)
        if g is None:
            with self._lock:
                g = self._gens.get(obj)
                if g is None:
                    made: Any = ObjectGen(self, obj)
                    if obj == "klasses":
                        made = KlassGen(made, self)
                    g = self._gens[obj] = made
        return g

    def record(self, obj: str, i: int) -> dict[str, Any]:
        """Generated record ``i`` of ``obj`` (a fresh dict)."""
        return self.gen(obj).record(i)

    def record_json(self, obj: str, i: int) -> str:
        """Generated record ``i`` of ``obj`` as compact JSON."""
        return self.gen(obj).record_json(i)

    def small_ids(self, obj: str) -> list[str]:
        """All generated ids of a small (configuration) object."""
        ids = self._small.get(obj)
        if ids is None:
            layout = self._layouts[obj]
            ids = self._small[obj] = [layout.id(i) for i in range(min(layout.n, 1000))]
        return ids

    def child_range(self, parent: str, child: str, p: int) -> range:
        """Indices of the generated ``child`` records of parent record ``p``."""
        if (parent, child) == ("conversations", "messages"):
            return self._messages.children(p)
        return children(self.counts[parent], self.counts[child], p)

    def parent_index(self, parent: str, child: str, j: int) -> int:
        """Index of the parent record of generated ``child`` record ``j``."""
        if (parent, child) == ("conversations", "messages"):
            return self._messages.parent(j)
        return parent_of(self.counts[parent], self.counts[child], j)

    def children_ids(self, parent: str, child: str, p: int) -> list[str]:
        """Ids of the generated ``child`` records of parent record ``p``."""
        layout = self._layouts[child]
        return [layout.id(j) for j in self.child_range(parent, child, p)]

    def conversation_customer(self, conv: int) -> str:
        """Id of the customer of generated conversation ``conv`` (created before it)."""
        return self._layouts["customers"].id(self.conversation_customer_index(conv))

    def conversation_customer_index(self, conv: int) -> int:
        """Index of the customer of generated conversation ``conv``: its even parent, or half
        the time an earlier customer (so a customer's conversations are not one range)."""
        h = self._layouts["conversations"].hash(conv)
        p = parent_of(self.counts["customers"], self.counts["conversations"], conv)
        return p if h & 1 else (h >> 1) % (p + 1)
