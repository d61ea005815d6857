"""The synthetic org: record ``i`` of any object, generated on demand from ``(seed, scale)``.

Nothing is materialised: :meth:`Org.record` builds one JSON:API record from its index
(see :mod:`.layout` for ids and timestamps, :mod:`.values` for attribute values). The
first three records of every object carry every spec field with a non-empty value;
later ones sometimes leave a field null, absent or empty, as a real org does.
"""

from __future__ import annotations

import json
import threading
from bisect import bisect_left
from typing import Any

from . import words as W
from .api import BY_OBJECT
from .attachments import with_attachments
from .business import BusinessHours, schedule_holidays
from .documented import APPFLOW_OF
from .kobjects import KLASSES, KlassGen
from .layout import (
    DAY_MS,
    FIRST_USER_MS,
    GOLD,
    MASK,
    ORG_SETUP_MS,
    SINGLES,
    SPAN_MS,
    Layout,
    UnevenChildren,
    children,
    mix64,
    object_counts,
    parent_of,
    salt_of,
)
from .lifecycle import FULL, Life, Timeline, conversation_life, message_timeline
from .relations import compile_relationships
from .shapes import current_user, load_shapes
from .spec import load_spec
from .timefmt import custom_date, iso_ms
from .unkind import RECENT_START_MS, Options, recent_update
from .values import (
    CHANNEL_APPS,
    FieldGen,
    compile_field,
    message_channel,
    record_fns,
    record_story,
)

#: objects whose records carry ``attributes.custom`` (Kustomer's suffixed custom attributes)
CUSTOM_OBJECTS = frozenset({"customers", "conversations", "messages", "companies"})
#: records with an index below this carry every field, non-null and non-empty
FULL_RECORDS = FULL

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


class Ctx:
    """What the value functions of one record see."""

    __slots__ = ("i", "h", "created", "updated", "shown", "iso", "org", "memo", "story")

    def __init__(
        self, org: Org, i: int, h: int, created: int, updated: int, shown: int | None = None
    ) -> None:
        self.org = org
        self.i = i
        self.h = h
        self.created = created
        #: the record's own last change (its story ends there) ...
        self.updated = updated
        #: ... and the updatedAt it shows: later for an old record updated recently
        #: (``recent_update_share``), else the same
        self.shown = updated if shown is None else shown
        #: per-record cache for values several fields share
        self.memo: dict[str, Any] = {}
        #: what several fields of the record show together (a conversation's story)
        self.story: Any = None
        span = updated - created
        # createdAt, three moments in between (the last one is modifiedAt), the record's own
        # last change, the updatedAt it shows
        last = iso_ms(updated)
        self.iso = (
            iso_ms(created),
            iso_ms(created + span // 4),
            iso_ms(created + span // 2),
            iso_ms(created + (span * 7) // 8),
            last,
            last if self.shown == updated else iso_ms(self.shown),
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
        self.related = "related" in shape.record_links and table == "messages"
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
        ctx = Ctx(
            self.org, i, h, created, updated, self.org.bumped(self.table, i, created, updated)
        )
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
            if self.related:
                # documented: `related`, the message in its app (`/v1/postmark/messages/<id>`
                # in the OAS example; inferred: the app of the message's channel)
                app = CHANNEL_APPS.get(message_channel(self.org, *self.org.message_position(i)))
                text += (
                    f',"links":{{"self":"{self.self_prefix}{tail}",'
                    f'"related":"/v1/{app}/messages/{rid}"}}'
                )
            else:
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
        # custom dates come back as sent: a share with an offset (timefmt.custom_date)
        "lastOrderAt": (
            c.iso[2]
            if (h >> 45) % 4
            else custom_date(c.created + (c.updated - c.created) // 2, h >> 45)
        ),
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


#: objects whose records are the org's own data (not configuration): they fill the time span
DATA_OBJECTS = frozenset(
    {
        "customers",
        "conversations",
        "messages",
        "notes",
        "audit_logs",
        "routing_work_items",
        "routing_work_sessions",
        "companies",
    }
)
#: a customer stays in touch for this long: its conversations come from its own time slot and
#: the next ones up to this span (at most CUSTOMER_SLOTS slots), and its updatedAt follows them
CUSTOMER_SPAN_MS = 60 * DAY_MS
CUSTOMER_SLOTS = 8
_CACHE = 4096


class Org:
    """The generated org of one ``(seed, scale)``: counts, layouts and records."""

    def __init__(self, seed: int, scale: int) -> None:
        self.seed = seed
        self.scale = scale
        self.counts = object_counts(seed, scale)
        self.counts["klasses"] = len(KLASSES)  # one record per Klass definition (kobjects.py)
        self.org_id = _hex24(seed, "org")
        self.tag_ids: list[str] = [_hex24(seed, "tag", k) for k in range(8)]
        #: the unkind options that change the data (the engine shares its own)
        self.realism = Options()
        step = SPAN_MS / max(1, self.counts["customers"])
        #: customer slots a customer stays in touch (see CUSTOMER_SPAN_MS)
        self.customer_window = max(1, min(CUSTOMER_SLOTS, round(CUSTOMER_SPAN_MS / step)))
        self._layouts: dict[str, Layout] = {}
        for t, n in self.counts.items():
            if t == "customers":  # created before the conversations of their slot
                layout = Layout(seed, t, n, (0, 1), self.customer_window)
            elif t == "conversations":
                layout = Layout(seed, t, n, (1, 2))
            elif t in DATA_OBJECTS:
                layout = Layout(seed, t, n)
            else:
                first = FIRST_USER_MS if t == "users" else ORG_SETUP_MS
                layout = Layout(seed, t, n, first_created=first)
            self._layouts[t] = layout
        self._gens: dict[str, ObjectGen] = {}
        self._small: dict[str, list[str]] = {}
        self._created: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._business: BusinessHours | None = None
        #: a conversation has 1 to 7 messages (4 on average), still in time order
        self._messages = UnevenChildren(
            self.counts["conversations"],
            self.counts["messages"],
            salt_of(seed, "messages per conversation"),
        )
        self._stories: dict[int, tuple[Life, Timeline]] = {}
        self._bump_salts = {t: salt_of(seed, "recent update", t) for t in self.counts}
        self._bumped: dict[tuple[str, float], tuple[list[int], dict[int, int]]] = {}
        # children whose times follow their conversation's story
        self._layouts["messages"].timer = self._message_times
        self._layouts["notes"].timer = self._note_times
        self._layouts["routing_work_items"].timer = self._item_times

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

    def business_ms(self, start: int, end: int) -> int:
        """Business milliseconds in [start, end) in the org's default schedule (the generated
        schedule 0, see :mod:`.business`), as Kustomer's precomputed ``businessTime``."""
        hours = self._business
        if hours is None:
            schedule = self.record("schedules", 0)
            attributes = schedule["attributes"]
            tz = str(attributes.get("timezone") or "UTC")
            days = schedule_holidays(self.seed, schedule["id"], 0, tz)
            closed = [(d.start_ms, d.end_ms) for d in days if d.enabled]
            hours = self._business = BusinessHours(attributes.get("hours"), tz, closed)
        return hours.ms(start, end)

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

    # ------------------------------------------------------------------ who existed when

    def created_times(self, obj: str) -> list[int]:
        """createdAt (epoch ms) of every generated record of a small object, in order."""
        out = self._created.get(obj)
        if out is None:
            layout = self._layouts[obj]
            out = self._created[obj] = [layout.times(i)[0] for i in range(min(layout.n, 1000))]
        return out

    def existing(self, obj: str, at_ms: int) -> int:
        """How many records of small object ``obj`` were created before ``at_ms`` (at least 1:
        the first user and the first of every configuration object predate the data)."""
        return max(1, bisect_left(self.created_times(obj), at_ms))

    def pick_existing(self, obj: str, at_ms: int, x: int) -> int:
        """Index of the record of ``obj`` that hash bits ``x`` choose among those created before
        ``at_ms`` (a record's creator, its agent, its team)."""
        return (x >> 24) % self.existing(obj, at_ms)

    def session_user(self, s: int) -> int:
        """Index of the agent whose routing work session ``s`` is: one who existed when the
        session's time slot began (so before every conversation routed in it)."""
        layout = self._layouts["routing_work_sessions"]
        return self.pick_existing("users", layout.t0 + int(s * layout.step), layout.hash(s))

    def team_of_user(self, u: int) -> int:
        """Index of an agent's team: one of the teams made before the agent (team 0, made when
        the org was set up, for the first user)."""
        created = self.created_times("users")[u]
        x = mix64(self._layouts["teams"].salt ^ (((u + 1) * GOLD) & MASK))
        return self.pick_existing("teams", max(created, ORG_SETUP_MS + 1), x)

    def session_of_conversation(self, p: int) -> int:
        """The work session that routed conversation ``p`` (the session of its work item)."""
        n_c, n_i = self.counts["conversations"], self.counts["routing_work_items"]
        items = children(n_c, n_i, p)
        item = items.start if len(items) else parent_of(n_i, n_c, p)
        return parent_of(self.counts["routing_work_sessions"], n_i, item)

    def agent(self, p: int) -> int:
        """Index of the agent who works conversation ``p``: its work session's user."""
        return self.session_user(self.session_of_conversation(p))

    # ------------------------------------------------------------------ conversations' stories

    def story(self, p: int) -> tuple[Life, Timeline]:
        """What happened to conversation ``p`` and when its messages were written (cached)."""
        hit = self._stories.get(p)
        if hit is not None:
            return hit
        layout = self._layouts["conversations"]
        h = layout.hash(p)
        created, updated = layout.times(p, h)
        user = self.agent(p)
        n = len(self._messages.children(p))
        life = conversation_life(
            p, h, created, updated, layout.step, self.team_of_user(user), user, n
        )
        timeline = message_timeline(life, updated, n, mix64(h ^ self._bump_salts["messages"]))
        if len(self._stories) >= _CACHE:
            self._stories.clear()
        hit = self._stories[p] = (life, timeline)
        return hit

    def _message_times(self, j: int) -> tuple[int, int]:
        p = self._messages.parent(j)
        timeline = self.story(p)[1]
        k = j - self._messages.first(p)
        return timeline.created[k], timeline.updated[k]

    def message_position(self, j: int) -> tuple[int, int]:
        """``(conversation index, position of message j in it)``."""
        p = self._messages.parent(j)
        return p, j - self._messages.first(p)

    def _note_times(self, j: int) -> tuple[int, int]:
        """A conversation's notes are written during it, spread over its lifetime."""
        n_c, n_n = self.counts["conversations"], self.counts["notes"]
        p = parent_of(n_c, n_n, j)
        mine = children(n_c, n_n, p)
        k, m = j - mine.start, len(mine)
        c_created, c_updated = self._layouts["conversations"].times(p)
        span = c_updated - c_created
        at = c_created + 1 + span * (k + 1) // (m + 1)
        nxt = c_created + 1 + span * (k + 2) // (m + 1) if k + 1 < m else c_updated + 1
        x = mix64(self._bump_salts["notes"] ^ (((j + 1) * GOLD) & MASK))
        return at, max(at, min(at + x % 600_000, nxt - 1))

    def work_item_times(self, j: int) -> tuple[int, int | None, int, int]:
        """``(enteredQueueAt, acceptedAt or None, createdAt, updatedAt)`` of work item ``j``:
        it enters the queue as its conversation opens, is accepted before the first reply (not
        while nobody has replied) and is last updated when the conversation is done."""
        n_c, n_i = self.counts["conversations"], self.counts["routing_work_items"]
        p = parent_of(n_c, n_i, j)
        mine = children(n_c, n_i, p)
        k, m = j - mine.start, max(1, len(mine))
        c_created, c_updated = self._layouts["conversations"].times(p)
        life, timeline = self.story(p)
        span = c_updated - c_created
        base = c_created + span * k // m
        room = span // (8 * m)
        x = mix64(self._bump_salts["routing_work_items"] ^ (((j + 1) * GOLD) & MASK))
        queued = base + (x % max(1, min(20_000, room)))
        accepted = None
        reply = timeline.created[timeline.first_out] if timeline.first_out is not None else None
        if reply is not None and k == 0:
            accepted = queued + max(0, reply - queued) // 2
        last = timeline.done if timeline.done is not None else (accepted or queued)
        limit = c_created + span * (k + 1) // m if k + 1 < m else c_updated
        updated = max(queued, min(last + (x >> 20) % 60_000, limit))
        return queued, accepted, queued, updated

    def _item_times(self, j: int) -> tuple[int, int]:
        times = self.work_item_times(j)
        return times[2], times[3]

    # ------------------------------------------------------------------ customers

    def conversation_customer(self, conv: int) -> str:
        """Id of the customer of generated conversation ``conv`` (created before it)."""
        return self._layouts["customers"].id(self.conversation_customer_index(conv))

    def conversation_customer_index(self, conv: int) -> int:
        """Index of the customer of generated conversation ``conv``: half the time its even
        parent (a new customer, created just before it), else a returning customer, one of the
        ``customer_window`` customers before it (still in touch: the customer's updatedAt is
        after it)."""
        h = self._layouts["conversations"].hash(conv)
        p = parent_of(self.counts["customers"], self.counts["conversations"], conv)
        if h & 1 or conv < FULL_RECORDS:  # the first customers have a conversation each
            return p
        back = p - 1 - (h >> 1) % self.customer_window
        return back if back >= 0 else p

    def customer_company_index(self, i: int) -> int | None:
        """Index of the company of generated customer ``i`` (None for a third of them)."""
        if i >= 3 and self._layouts["customers"].hash(i) % 3 == 0:
            return None
        return parent_of(self.counts["companies"], self.counts["customers"], i)

    def customer_company(self, i: int) -> str | None:
        """Id of the company of generated customer ``i``, or None."""
        j = self.customer_company_index(i)
        return None if j is None else self._layouts["companies"].id(j)

    def customer_conversations(self, i: int) -> list[int]:
        """Indices of the generated conversations of customer ``i``, oldest first."""
        n_cu, n_c = self.counts["customers"], self.counts["conversations"]
        start = children(n_cu, n_c, i).start
        stop = children(n_cu, n_c, min(n_cu - 1, i + self.customer_window)).stop
        return [j for j in range(start, stop) if self.conversation_customer_index(j) == i]

    # ------------------------------------------------------------------ recent updates

    def bumped(self, obj: str, i: int, created: int, updated: int) -> int | None:
        """The recent updatedAt of old record ``i`` if ``recent_update_share`` picks it (an old
        record updated within the last RECENT_DAYS of the clock), else None."""
        share = self.realism.recent_update_share
        if share <= 0 or created >= RECENT_START_MS or obj not in BUMPABLE:
            return None
        x = mix64(self._bump_salts[obj] ^ (((i + 1) * GOLD) & MASK))
        if (x >> 11) / 9007199254740992.0 >= share:
            return None
        return recent_update(x, created, updated)

    def bumped_records(self, obj: str) -> tuple[list[int], dict[int, int]]:
        """Every generated record of ``obj`` that ``recent_update_share`` updated recently:
        their sorted indices and their recent updatedAt (cached per share)."""
        share = self.realism.recent_update_share
        if share <= 0 or obj not in BUMPABLE:
            return [], {}
        key = (obj, share)
        hit = self._bumped.get(key)
        if hit is not None:
            return hit
        layout = self._layouts[obj]
        old = layout.bisect_time(RECENT_START_MS, 0)
        found: dict[int, int] = {}
        for i in range(old):
            created, updated = layout.times(i)
            at = self.bumped(obj, i, created, updated)
            if at is not None:
                found[i] = at
        if len(self._bumped) > 64:
            self._bumped.clear()
        hit = self._bumped[key] = (sorted(found), found)
        return hit

    def shown_times(self, obj: str, i: int) -> tuple[int, int]:
        """``(createdAt, updatedAt)`` record ``i`` shows (a recent update included)."""
        created, updated = self._layouts[obj].times(i)
        bumped = self.bumped(obj, i, created, updated)
        return created, updated if bumped is None else bumped

    # ------------------------------------------------------------------ children

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


def _bumpable() -> frozenset[str]:
    """Objects an old record of which can show a recent updatedAt: every list object with an
    updatedAt except audit logs (an entry is never changed)."""
    return frozenset(
        t
        for t, table in load_spec().items()
        if t not in SINGLES and t != "audit_logs" and "updatedAt" in table.names
    )


BUMPABLE = _bumpable()
