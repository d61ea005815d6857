"""Current state of the org: the generated records plus an in-memory overlay of changes.

Generated records are never stored; the overlay keeps only what the control API changed:
full copies of updated or soft-deleted generated records, tombstones of hard-deleted
ones, and records created through the control API (ids sort after all generated ones).
Stored records are replaced, never mutated, so a record handed out stays valid.
"""

from __future__ import annotations

import json
import threading
from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .api import BY_OBJECT, self_link
from .attachments import new_attachments
from .clock import Clock
from .data import Org
from .index import IndexLag
from .layout import SINGLES
from .seq import RangeSeq, merged_slice
from .shapes import load_shapes
from .spec import load_spec
from .timefmt import iso_ms, parse_iso
from .unkind import Ties

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
#: compact JSON text of a value, as the API serializes it
dumps = _dumps


def copy_record(rec: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a record, via JSON (what a client would see)."""
    out: dict[str, Any] = json.loads(_dumps(rec))
    return out


def time_key(rec: dict[str, Any], attr: str) -> tuple[int, str]:
    """Sort key ``(epoch ms of attributes[attr], id)``; missing or bad times sort first."""
    value = rec["attributes"].get(attr)
    try:
        ms = parse_iso(value) if isinstance(value, str) else -1
    except ValueError:
        ms = -1
    return ms, rec["id"]


@dataclass
class ObjectState:
    """The overlay of one object."""

    #: generated index -> current record, or None once hard-deleted
    changed: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    #: sorted generated indices that have an entry in ``changed``
    changed_sorted: list[int] = field(default_factory=list)
    #: sorted generated indices left out of lists (hard- or soft-deleted)
    hidden: list[int] = field(default_factory=list)
    #: sorted generated indices that are hard-deleted
    gone: list[int] = field(default_factory=list)
    #: records created through the control API, by id, in id order
    created: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: counter part of the next created id
    counter: int = 0
    #: ids of created records that are soft-deleted
    created_deleted: set[str] = field(default_factory=set)
    #: generated indices below this are hard-deleted, except those with a record in
    #: ``changed`` (a retention delete or an audit expiry removes a whole prefix at once)
    floor: int = 0


def is_deleted(rec: dict[str, Any]) -> bool:
    """True for a soft-deleted record."""
    return rec["attributes"].get("deleted") is True


class Store:
    """Generated org + overlay, behind one lock."""

    def __init__(self, org: Org, clock: Clock) -> None:
        self.org = org
        self.clock = clock
        self.lock = threading.RLock()
        #: bumped on every write (cache key for search views)
        self.version = 0
        self.states = {obj: ObjectState(counter=org.count(obj)) for obj in org.objects()}
        self._by_tag = {org.layout(o).id(0)[8:14]: o for o in org.objects()}
        self._sorted_cache: dict[tuple[str, str, int], tuple[list[Any], list[dict[str, Any]]]] = {}
        #: prepared search queries, keyed by (query, version, clock); see search.prepare
        self.query_cache: dict[tuple[str, int, int], object] = {}
        #: writes search does not show yet (off until a maximum lag is set)
        self.index = IndexLag(org.seed)
        #: audit-log entries dropped by an expiry: id -> createdAt ms (a cursor on one of them
        #: still marks its place)
        self.dropped_audit: dict[str, int] = {}
        #: attachments redacted with their message (``included`` shows ``redacted: true``)
        self.redacted_attachments: set[str] = set()

    # ------------------------------------------------------------------ reads

    def check(self, obj: str) -> None:
        """Raise KeyError for an unknown object name."""
        if obj not in self.states:
            raise KeyError(f"unknown object {obj!r}")

    def locate(self, obj: str, record_id: str) -> tuple[int | None, dict[str, Any] | None]:
        """``(generated index or None, current record or None)`` of an id."""
        self.check(obj)
        st = self.states[obj]
        i = self.org.layout(obj).index_of(record_id)
        if i is not None:
            if i in st.changed:
                return i, st.changed[i]
            if i < st.floor:
                return i, None
            return i, self.org.record(obj, i)
        return None, st.created.get(record_id)

    def get(self, obj: str, record_id: str) -> dict[str, Any] | None:
        """Current record (soft-deleted ones too), or None."""
        with self.lock:
            return self.locate(obj, record_id)[1]

    def record_json(self, obj: str, i: int) -> str:
        """Current JSON of generated index ``i`` (overlay first)."""
        rec = self.states[obj].changed.get(i)
        if rec is not None:
            return _dumps(rec)
        return self.org.record_json(obj, i)

    def count(self, obj: str, include_deleted: bool = False) -> int:
        """Records of ``obj`` (soft-deleted ones only with ``include_deleted``)."""
        self.check(obj)
        with self.lock:
            st = self.states[obj]
            hidden = st.gone if include_deleted else st.hidden
            above = len(hidden) - bisect_left(hidden, st.floor)
            created = len(st.created)
            if not include_deleted:
                created -= len(st.created_deleted)
            below = len(self.below_floor(obj, include_deleted))
            return self.org.count(obj) - st.floor - above + below + created

    def below_floor(self, obj: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        """The changed records whose generated index lies below the floor (records moved or
        kept when the prefix around them went), in id order."""
        st = self.states[obj]
        if not st.floor:
            return []
        out = []
        for i in st.changed_sorted[: bisect_left(st.changed_sorted, st.floor)]:
            rec = st.changed[i]
            if rec is not None and (include_deleted or not is_deleted(rec)):
                out.append(rec)
        return out

    def list_slice(
        self,
        obj: str,
        offset: int,
        limit: int,
        desc: bool = False,
        include_deleted: bool = False,
        order: str = "id",
        ties: Ties | None = None,
    ) -> tuple[list[str], int]:
        """One page of ``obj`` as JSON texts, and the total count: in id order (``desc``:
        descending), or ``order`` "newest" (newest createdAt first) or "updated" (most recent
        updatedAt first), records sharing the time ordered by ``ties``."""
        if order != "id":
            return self._time_slice(obj, offset, limit, include_deleted, order, ties)
        with self.lock:
            st = self.states[obj]
            layout = self.org.layout(obj)
            a = RangeSeq(st.floor, layout.n, st.gone if include_deleted else st.hidden)
            b_recs = self.below_floor(obj, include_deleted) + [
                rec
                for rid, rec in st.created.items()
                if include_deleted or rid not in st.created_deleted
            ]
            b_ids = [rec["id"] for rec in b_recs]
            picks = merged_slice(a, layout.id, b_ids, offset, limit, desc)
            out = [_dumps(b_recs[n]) if from_b else self.record_json(obj, n) for from_b, n in picks]
            return out, len(a) + len(b_ids)

    def _time_slice(
        self,
        obj: str,
        offset: int,
        limit: int,
        include_deleted: bool,
        order: str,
        ties: Ties | None,
    ) -> tuple[list[str], int]:
        """A page of ``obj`` newest first, by createdAt ("newest") or updatedAt ("updated")."""
        tie = (ties or Ties("id", self.org.seed)).key
        attr, which = ("createdAt", 0) if order == "newest" else ("updatedAt", 1)
        with self.lock:
            st = self.states[obj]
            layout = self.org.layout(obj)
            hidden = st.gone if include_deleted else st.hidden
            b_recs: list[Any] = self.below_floor(obj, include_deleted) + [
                rec
                for rid, rec in st.created.items()
                if include_deleted or rid not in st.created_deleted
            ]
            excluded = hidden
            if which == 1:
                # changed records and old records updated recently leave the index order
                bumped, bumped_at = self.org.bumped_records(obj)
                hidden_set = set(hidden)
                moved = [i for i in bumped if i >= st.floor and i not in st.changed]
                b_recs += [
                    rec
                    for i, rec in st.changed.items()
                    if rec is not None and i >= st.floor and i not in hidden_set
                ]
                b_recs += [(bumped_at[i], i) for i in moved]
                excluded = sorted(set(hidden) | set(st.changed_sorted) | set(moved))
            a = RangeSeq(st.floor, layout.n, excluded)
            keyed = []
            for rec in b_recs:
                if isinstance(rec, tuple):
                    keyed.append(((rec[0], tie(layout.id(rec[1]))), rec[1]))
                else:
                    keyed.append(((time_key(rec, attr)[0], tie(rec["id"])), rec))
            keyed.sort(key=lambda kr: kr[0])
            b_keys = [k for k, _ in keyed]

            def key_of(i: int) -> Any:
                return layout.times(i)[which], tie(layout.id(i))

            picks = merged_slice(a, key_of, b_keys, offset, limit, desc=True)
            out = []
            for from_b, n in picks:
                pay = keyed[n][1] if from_b else n
                out.append(_dumps(pay) if isinstance(pay, dict) else self.record_json(obj, pay))
            return out, len(a) + len(b_keys)

    def single(self, obj: str) -> str | None:
        """JSON of the one record of a single-object endpoint (first visible one)."""
        page, _ = self.list_slice(obj, 0, 1)
        return page[0] if page else None

    def iter_records(self, obj: str, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Current records in id order, as fresh dicts."""
        self.check(obj)
        offset = 0
        while True:
            page, _total = self.list_slice(obj, offset, 500, include_deleted=include_deleted)
            if not page:
                return
            for text in page:
                rec: dict[str, Any] = json.loads(text)
                yield rec
            offset += len(page)

    def overlay_sorted(self, obj: str, attr: str) -> tuple[list[Any], list[dict[str, Any]]]:
        """Overlay records of ``obj`` (changed + created, not hard-deleted) sorted by
        ``(attributes[attr], id)``: ``(keys, records)``; cached per store version."""
        ck = (obj, attr, self.version)
        hit = self._sorted_cache.get(ck)
        if hit is not None:
            return hit
        st = self.states[obj]
        recs = [r for r in st.changed.values() if r is not None] + list(st.created.values())
        pairs = sorted(((time_key(r, attr), r) for r in recs), key=lambda p: p[0])
        result = ([k for k, _ in pairs], [r for _, r in pairs])
        if len(self._sorted_cache) > 64:
            self._sorted_cache.clear()
        self._sorted_cache[ck] = result
        return result

    def search_overlay_sorted(
        self, obj: str, attr: str, now_ms: int
    ) -> tuple[list[Any], list[dict[str, Any]]]:
        """The overlay as search sees it at `now_ms`: writes not indexed yet show the record's
        previous version (a generated record's generated one), or nothing for a new record."""
        keys, recs = self.overlay_sorted(obj, attr)
        lagging = self.index.lagging(obj, now_ms)
        if not lagging:
            return keys, recs
        shown = [rec if rec["id"] not in lagging else lagging[rec["id"]].shown for rec in recs]
        pairs = sorted(((time_key(r, attr), r) for r in shown if r is not None), key=lambda p: p[0])
        return [k for k, _ in pairs], [r for _, r in pairs]

    # ------------------------------------------------------------------ writes

    def _has(self, obj: str, attr: str) -> bool:
        return attr in load_spec()[obj].names

    def _put(self, obj: str, i: int | None, rec: dict[str, Any] | None, record_id: str) -> None:
        """Store the new state of one record and keep the index lists in step."""
        st = self.states[obj]
        self.version += 1
        before = self.locate(obj, record_id)[1]
        self.index.written(obj, record_id, before, self.clock.now_ms(), deleted=rec is None)
        if i is None:
            if rec is None:
                st.created.pop(record_id, None)
                st.created_deleted.discard(record_id)
            else:
                st.created[record_id] = rec
                if is_deleted(rec):
                    st.created_deleted.add(record_id)
                else:
                    st.created_deleted.discard(record_id)
            return
        if i not in st.changed:
            insort(st.changed_sorted, i)
        st.changed[i] = rec
        for lst, member in ((st.hidden, rec is None or is_deleted(rec)), (st.gone, rec is None)):
            pos = bisect_left(lst, i)
            present = pos < len(lst) and lst[pos] == i
            if member and not present:
                lst.insert(pos, i)
            elif present and not member:
                del lst[pos]

    def _require(self, obj: str, record_id: str) -> tuple[int | None, dict[str, Any]]:
        i, rec = self.locate(obj, record_id)
        if rec is None:
            raise LookupError(f"{obj} {record_id} not found")
        return i, rec

    def create(
        self,
        obj: str,
        attributes: dict[str, Any] | None = None,
        relationships: dict[str, str] | None = None,
        attachments: int = 0,
    ) -> dict[str, Any]:
        """A new record with the given attributes; system times are the clock's now (a message
        can be given `attachments`)."""
        self.check(obj)
        if attachments and obj != "messages":
            raise ValueError("only messages have attachments")
        if obj in SINGLES:
            raise ValueError(f"{obj} is a single object; update it instead")
        with self.lock:
            now = iso_ms(self.clock.stamp())
            template = (self.states[obj].counter - self.org.count(obj)) % self.org.count(obj)
            attrs, rels = dict(attributes or {}), relationships or {}
            return self._new(obj, attrs, rels, now, now, template, attachments)

    def _new(
        self,
        obj: str,
        attrs: dict[str, Any],
        rels: dict[str, str],
        created: str,
        updated: str,
        template: int,
        attachments: int = 0,
    ) -> dict[str, Any]:
        """A new record; its documented relationships are those of generated record
        ``template`` (pointed at the new id where they name the record itself), then
        ``rels`` (name -> target id) on top."""
        st = self.states[obj]
        layout = self.org.layout(obj)
        rid = layout.new_id(st.counter, self.clock.now_ms())
        st.counter += 1
        base: dict[str, Any] = {}
        for attr, value in (
            ("createdAt", created),
            ("updatedAt", updated),
            ("modifiedAt", updated),
            ("rev", 1),
            ("deleted", False),
        ):
            if self._has(obj, attr):
                base[attr] = value
        base.update(attrs)
        documented = load_shapes()[obj].attributes
        for attr in ("createdAt", "updatedAt", "modifiedAt"):
            doc = documented.get(attr)
            if isinstance(base.get(attr), str) and doc is not None and doc.type == "integer":
                base[attr] = parse_iso(base[attr])  # documented as epoch ms (routing queues)
        rec: dict[str, Any] = {"type": BY_OBJECT[obj].type_name, "id": rid, "attributes": base}
        model = self.org.record(obj, template)
        if "relationships" in model or rels:
            own = model.get("id") or layout.id(template)
            text = _dumps(model.get("relationships") or {}).replace(own, rid)
            relationships: dict[str, Any] = json.loads(text)
            relationships.pop("attachments", None)  # a new message has only those asked for
            if attachments:
                relationships["attachments"] = new_attachments(rid, st.counter, attachments)
            for name, target in rels.items():
                relationships[name] = self._relationship(obj, name, target)
            conv = rels.get("conversation")
            if conv is not None and "customer" not in rels and "customer" in relationships:
                # a message or note belongs to its conversation's customer
                parent = self.locate("conversations", conv)[1]
                customer = ((parent or {}).get("relationships") or {}).get("customer")
                if customer is not None:
                    relationships["customer"] = customer
            rec["relationships"] = relationships
        if "links" in model:
            rec["links"] = {"self": self_link(obj, rid)}
        rec = copy_record(rec)
        self._put(obj, None, rec, rid)
        return copy_record(rec)

    def _relationship(self, obj: str, name: str, target: str) -> dict[str, Any]:
        """A to-one relationship to ``target``: the documented type where the object
        documents ``name``, else the type of the object the id belongs to."""
        owner = self._by_tag.get(target[8:14]) if len(target) == 24 else None
        documented = (load_shapes()[obj].relationships or {}).get(name)
        type_name = (
            documented.target
            if documented is not None
            else BY_OBJECT[owner].type_name
            if owner is not None
            else name
        )
        if owner is None:
            return {"data": {"type": type_name, "id": target}}
        return {
            "data": {"type": type_name, "id": target},
            "links": {"self": self_link(owner, target)},
        }

    def update(self, obj: str, record_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """Merge attributes (``custom`` merges key by key); bump updatedAt/modifiedAt/rev."""
        with self.lock:
            i, rec = self._require(obj, record_id)
            new = copy_record(rec)
            attrs = new["attributes"]
            for key, value in copy_record({"a": attributes})["a"].items():
                if (
                    key == "custom"
                    and isinstance(value, dict)
                    and isinstance(attrs.get("custom"), dict)
                ):
                    attrs["custom"].update(value)
                else:
                    attrs[key] = value
            self._touch(obj, attrs)
            self._put(obj, i, new, record_id)
            return copy_record(new)

    def _touch(self, obj: str, attrs: dict[str, Any]) -> None:
        now = iso_ms(self.clock.stamp())
        for attr in ("updatedAt", "modifiedAt"):
            if self._has(obj, attr):
                attrs[attr] = now
        if self._has(obj, "rev"):
            attrs["rev"] = (attrs.get("rev") or 0) + 1

    def soft_delete(self, obj: str, record_id: str) -> dict[str, Any]:
        """Mark deleted (and deletedAt where the object has it); hidden from lists."""
        with self.lock:
            i, rec = self._require(obj, record_id)
            new = copy_record(rec)
            attrs = new["attributes"]
            self._touch(obj, attrs)
            attrs["deleted"] = True
            if self._has(obj, "deletedAt"):
                attrs["deletedAt"] = attrs.get("updatedAt") or iso_ms(self.clock.now_ms())
            self._put(obj, i, new, record_id)
            return copy_record(new)

    def hard_delete(self, obj: str, record_id: str) -> None:
        """Remove a record without trace."""
        with self.lock:
            i, _rec = self._require(obj, record_id)
            self._put(obj, i, None, record_id)

    def remove(self, obj: str, record_id: str) -> dict[str, Any] | None:
        """Hard-delete one record if it exists; returns what it was (None if already gone)."""
        with self.lock:
            i, rec = self.locate(obj, record_id)
            if rec is not None:
                self._put(obj, i, None, record_id)
            return rec

    def overlay_records(self, obj: str) -> list[dict[str, Any]]:
        """Every stored record of ``obj``: changed generated ones (soft-deleted too) and created
        ones, the records whose relationships may differ from the generated ones."""
        st = self.states[obj]
        return [r for r in st.changed.values() if r is not None] + list(st.created.values())

    def replace(self, obj: str, rec: dict[str, Any]) -> None:
        """Store a new version of an existing record as given (no stamps, no rev bump)."""
        with self.lock:
            i, _old = self._require(obj, rec["id"])
            self._put(obj, i, copy_record(rec), rec["id"])

    def relationship(self, obj: str, name: str, target: str) -> dict[str, Any]:
        """A to-one relationship value of ``obj`` named ``name`` pointing at ``target``."""
        return self._relationship(obj, name, target)

    def touch(self, obj: str, attrs: dict[str, Any]) -> None:
        """Stamp updatedAt/modifiedAt with a new write time and bump rev, where present."""
        self._touch(obj, attrs)

    def insert(
        self, obj: str, attributes: dict[str, Any], relationships: dict[str, Any]
    ) -> dict[str, Any]:
        """A new record with exactly these attributes and relationships (a fresh id)."""
        self.check(obj)
        with self.lock:
            st = self.states[obj]
            rid = self.org.layout(obj).new_id(st.counter, self.clock.now_ms())
            st.counter += 1
            rec: dict[str, Any] = {
                "type": BY_OBJECT[obj].type_name,
                "id": rid,
                "attributes": attributes,
                "relationships": relationships,
            }
            if "links" in self.org.record(obj, 0):
                rec["links"] = {"self": self_link(obj, rid)}
            rec = copy_record(rec)
            self._put(obj, None, rec, rid)
            return copy_record(rec)

    def raise_floor(self, obj: str, index: int) -> None:
        """Hard-delete every generated record below ``index`` that has no stored version (the
        caller removes or keeps the stored ones)."""
        with self.lock:
            st = self.states[obj]
            if index > st.floor:
                st.floor = min(index, self.org.count(obj))
                self.version += 1

    def bulk_import(self, obj: str, count: int, updated_at: str) -> list[str]:
        """``count`` new records, all with ``createdAt = updatedAt = updated_at``.

        Their other attributes are copied from generated records, as an import of
        similar data would look.
        """
        self.check(obj)
        if obj in SINGLES:
            raise ValueError(f"{obj} is a single object")
        stamp = iso_ms(parse_iso(updated_at))
        n = self.org.count(obj)
        ids: list[str] = []
        with self.lock:
            for k in range(count):
                template = self.org.record(obj, k % n)
                attrs = template["attributes"]
                for attr in ("createdAt", "updatedAt", "modifiedAt"):
                    if attr in attrs or self._has(obj, attr):
                        attrs[attr] = stamp
                if "rev" in attrs:
                    attrs["rev"] = 1
                ids.append(self._new(obj, attrs, {}, stamp, stamp, k % n)["id"])
        return ids
