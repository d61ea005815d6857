"""How records leave the org or change hands, and what the audit log says about it.

Kustomer documents (Core Resources OAS, help center; ``../shared/research/``
``deletes_events_analytics.md`` §1):

- hard deletes: ``DELETE /v1/customers/{id}``, ``DELETE /v1/customers/bulk?ids=``,
  ``DELETE /v1/conversations/{id}`` ("Deleting a conversation also deletes its associated
  messages and attachments"), ``DELETE /v1/notes/{id}``, ``DELETE /v1/klasses/{name}/{id}``,
  ``DELETE /v1/klasses/{name}/bulk?ids=``;
- customer merges (``POST /v1/customers/merges``) and their rules: emails, phones, socials,
  locations, watchers, custom, tags and klassNames unioned; conversationCounts summed; the most
  recent preview, lastMessageIn (with lastConversation), recentLocation, signedUpAt,
  lastSeenAt, lastActivityAt; the oldest createdAt/createdBy; the target's company, name,
  externalId, username, avatarUrl, locale, timeZone, birthdayAt, gender;
- conversation merges (help center: the messages and notes of both end up in the target; no
  API endpoint), ``mergedTarget`` on the conversation;
- message redaction (``POST /v1/messages/{id}/redactions`` with ``preview``, ``attachments``,
  ``meta``);
- deletion rules: conversations or custom-object data older than a date, never data less than
  24 months old;
- audit-log retention: 90 days for conversation, customer and message updates, 12 months for
  customer merges and other long-term events.

Everything else is *inferred* and marked so below (the sandbox README lists it too). Where
the documents are silent the sandbox takes the reading a connector is most likely to get
wrong. Cascades and moves run on the overlay: a customer's conversations are found by
hashing each later conversation's customer (no record is built), the messages and notes of a
conversation are an index range, and a retention delete raises a floor under a prefix of
generated records instead of listing them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .layout import DAY_MS
from .store import copy_record, time_key
from .timefmt import day_start_ms, from_ms, is_date_only, iso_ms, parse_iso, to_ms

if TYPE_CHECKING:
    from .engine import Engine

#: the documented ``filter[objectType]`` enum of ``GET /v1/audit-logs``. inferred: only these
#: object types get audit entries (so note and KObject deletes write none)
AUDITED_TYPES = frozenset(
    {
        "bill_subscription",
        "business_rule",
        "company",
        "conversation",
        "customer",
        "message",
        "search",
        "shortcut",
        "user",
        "work_item",
        "ip_rule",
        "work_session",
        "shopify_rest",
    }
)
#: documented: conversation/customer/message updates are kept 90 days; customer merges and
#: other long-term events (company updates among them) 12 months
SHORT_DAYS = 90
LONG_DAYS = 365
#: inferred: how long each entry the sandbox writes is kept (deletes of conversations,
#: customers and messages count as short-term like their updates; a company's as long-term
#: like its updates; a conversation merge as long-term like a customer merge)
RETENTION_DAYS = {
    ("customer", "delete"): SHORT_DAYS,
    ("conversation", "delete"): SHORT_DAYS,
    ("message", "delete"): SHORT_DAYS,
    ("message", "update"): SHORT_DAYS,
    ("company", "delete"): LONG_DAYS,
    ("customer", "merge"): LONG_DAYS,
    ("conversation", "merge"): LONG_DAYS,
}
#: objects the sandbox hard-deletes with their cascades, and their audit objectType
DELETABLE = {
    "customers": "customer",
    "conversations": "conversation",
    "messages": "message",
    "notes": "note",
    "companies": "company",
}
#: the redacted message's preview when the request gives none (inferred)
REDACTED_PREVIEW = "[redacted]"
#: message text attributes a redaction clears (inferred; generated messages carry only
#: ``preview``, records made through the control API may carry these)
TEXT_FIELDS = ("body", "text", "html", "bodyText", "bodyHtml")
#: middle six hex digits of the ids the sandbox gives merges, bulk jobs and redactions
MERGE_TAG, BULK_TAG, REDACTION_TAG = "c3e7a1", "b0b1c0", "4edac7"
#: the customer merge rules (OAS ``POST /customers/merges``)
UNION_KEYS: dict[str, tuple[str, ...]] = {
    "emails": ("email",),
    "phones": ("phone",),
    "socials": ("type", "username"),
    "locations": (),
    "watchers": (),
    "tags": (),
    "klassNames": (),
}
MOST_RECENT: dict[str, str | None] = {
    "preview": "previewAt",
    "recentLocation": "updatedAt",
    "signedUpAt": None,
    "lastSeenAt": None,
    "lastActivityAt": None,
}
TARGET_FIRST = (
    "name",
    "externalId",
    "username",
    "avatarUrl",
    "locale",
    "timeZone",
    "birthdayAt",
    "gender",
    "companyName",
)

Removed = dict[str, list[str]]


def rel_id(rec: dict[str, Any], name: str) -> str | None:
    """The id a to-one relationship of ``rec`` points at, or None."""
    data = ((rec.get("relationships") or {}).get(name) or {}).get("data")
    return data.get("id") if isinstance(data, dict) else None


def parse_when(text: Any, name: str = "before") -> int:
    """An ISO timestamp or a date (its start, UTC) as epoch ms; ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"{name} must be an ISO 8601 timestamp or a date")
    try:
        return day_start_ms(text) if is_date_only(text) else parse_iso(text)
    except ValueError as exc:
        raise ValueError(f"{name}: {text!r} is not an ISO 8601 timestamp or a date") from exc


def months_before(ms: int, months: int) -> int:
    """The same moment ``months`` calendar months earlier (the 29th-31st clamp to the end of
    the month)."""
    dt = from_ms(ms)
    total = dt.year * 12 + dt.month - 1 - months
    year, month = divmod(total, 12)
    day = dt.day
    while True:
        try:
            return to_ms(dt.replace(year=year, month=month + 1, day=day))
        except ValueError:
            day -= 1


def _time(value: Any) -> int:
    """A timestamp attribute as epoch ms (missing or bad: -1, so it loses every comparison)."""
    try:
        return parse_iso(value) if isinstance(value, str) else -1
    except ValueError:
        return -1


class Removals:
    """Deletes with cascades, merges, redactions, retention deletes and audit expiry."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.store = engine.store
        #: customer merges in the order they were made
        self.merges: list[dict[str, Any]] = []
        self._serial = 0

    # ------------------------------------------------------------------ helpers

    def _new_id(self, tag: str) -> str:
        self._serial += 1
        return f"{self.engine.clock.now_ms() // 1000:08x}{tag}{self._serial:010x}"

    @property
    def actor(self) -> str:
        """The user every sandbox key belongs to (``GET /v1/users/current``)."""
        return self.store.org.small_ids("users")[0]

    def _ref(self, kind: str, rid: str, path: str) -> dict[str, Any]:
        return {"links": {"self": f"/v1/{path}/{rid}"}, "data": {"type": kind, "id": rid}}

    def _org_ref(self) -> dict[str, Any]:
        return self._ref("org", self.store.org.org_id, "orgs")

    def _locks(self) -> Any:
        """KObjects' lock, then the store's (the order KObjects takes them in)."""
        from contextlib import ExitStack

        stack = ExitStack()
        stack.enter_context(self.engine.kobjects.lock)
        stack.enter_context(self.store.lock)
        return stack

    def audit(
        self,
        object_type: str,
        object_id: str,
        verb: str,
        changes: dict[str, Any],
        customer: str | None,
        via: str,
    ) -> dict[str, Any] | None:
        """Write one audit-log entry, in the OAS example's shape, at the sandbox clock; None
        (nothing written) for an object type outside the documented enum."""
        if object_type not in AUDITED_TYPES:
            return None
        now = self.engine.clock.stamp()
        days = RETENTION_DAYS.get((object_type, verb), LONG_DAYS)
        attrs = {
            "eventName": f"kustomer.{object_type}.{verb}",
            "eventVerb": verb,
            "org": self.store.org.org_id,
            "userId": self.actor,
            "userType": "user",
            "objectId": object_id,
            "objectType": object_type,
            # inferred: API calls log client "api"; the control API stands for the web app
            "client": "api" if via == "api" else "kustomer-web",
            "ip": "127.0.0.1",
            "changes": changes,
            "createdAt": iso_ms(now),
            "publishedAt": iso_ms(now),  # inferred: published at once
            "expiresAt": iso_ms(now + days * DAY_MS),
        }
        rels: dict[str, Any] = {}
        if customer is not None:
            rels["customer"] = self._ref("customer", customer, "customers")
        rels["user"] = self._ref("user", self.actor, "users")
        return self.store.insert("audit_logs", attrs, rels)

    def _move(self, obj: str, rid: str, rels: dict[str, str | None]) -> bool:
        """Point a record's relationships elsewhere; its updatedAt moves only with the setting
        ``moves_touch_updated_at`` (inferred, default off)."""
        store = self.store
        rec = store.get(obj, rid)
        if rec is None:
            return False
        new = copy_record(rec)
        relationships = new.setdefault("relationships", {})
        for name, target in rels.items():
            if target is not None and (name in relationships or name == "customer"):
                relationships[name] = store.relationship(obj, name, target)
        if self.engine.settings.moves_touch_updated_at:
            store.touch(obj, new["attributes"])
        store.replace(obj, new)
        return True

    # ------------------------------------------------------------------ finding children

    def conversations_of(self, customers: set[str]) -> list[str]:
        """Ids of the conversations of these customers (overlay first; generated ones found by
        hashing each later conversation's customer, no record built)."""
        store, org = self.store, self.store.org
        st = store.states["conversations"]
        layout = org.layout("conversations")
        cust_layout = org.layout("customers")
        wanted = {i for i in (cust_layout.index_of(c) for c in customers) if i is not None}
        found: list[str] = []
        if wanted:
            # a conversation's customer is its even parent or an earlier customer
            start = max(st.floor, org.child_range("customers", "conversations", min(wanted)).start)
            changed, customer_of = st.changed, org.conversation_customer_index
            found = [
                layout.id(j)
                for j in range(start, layout.n)
                if j not in changed and customer_of(j) in wanted
            ]
        found += [
            rec["id"]
            for rec in store.overlay_records("conversations")
            if rel_id(rec, "customer") in customers
        ]
        return sorted(set(found))

    def children(self, child: str, conversations: set[str], customers: set[str]) -> list[str]:
        """Ids of the messages or notes of these conversations, or of these customers."""
        store, org = self.store, self.store.org
        st = store.states[child]
        layout = org.layout(child)
        conv_layout = org.layout("conversations")
        found: list[str] = []
        for cid in conversations:
            p = conv_layout.index_of(cid)
            if p is None:
                continue
            found += [
                layout.id(j)
                for j in org.child_range("conversations", child, p)
                if j >= st.floor and j not in st.changed
            ]
        found += [
            rec["id"]
            for rec in store.overlay_records(child)
            if rel_id(rec, "conversation") in conversations or rel_id(rec, "customer") in customers
        ]
        return sorted(set(found))

    def _kobjects_of(self, customer: str) -> list[tuple[str, dict[str, Any]]]:
        """(Klass, KObject) of every KObject whose ``customer`` is this customer."""
        ko = self.engine.kobjects
        out = []
        for name in list(ko.defs):
            if ko.klass_record(name) is None:
                continue
            for rec in ko.collection(name).records.values():
                if rel_id(rec, "customer") == customer:
                    out.append((name, rec))
        return out

    # ------------------------------------------------------------------ deletes

    @staticmethod
    def kind_of(obj: str) -> tuple[str, str | None]:
        """``("customers", None)`` or ``("kobjects", "<klass>")`` for ``kobject.<klass>``."""
        if obj.startswith("kobject.") and len(obj) > 8:
            return "kobjects", obj[8:]
        if obj not in DELETABLE:
            raise ValueError(
                f"cannot delete {obj!r}: use one of {', '.join(DELETABLE)} or kobject.<klass>"
            )
        return obj, None

    def delete(self, obj: str, rid: str, via: str = "control") -> Removed:
        """Hard-delete one record with its cascade; LookupError when it does not exist."""
        return self.delete_many(obj, [rid], via, strict=True)

    def delete_many(
        self, obj: str, ids: list[str], via: str = "control", strict: bool = False
    ) -> Removed:
        """Hard-delete records with their cascades (ids that do not exist are skipped, or a
        LookupError with ``strict``). Returns the removed ids by object, ``attachments`` too.

        Cascades: a customer's conversations, their messages (with their attachments) and
        notes, and any message or note whose customer it is (inferred); a conversation's
        messages (documented) and notes (inferred). A company's customers and KObjects, and a
        customer's KObjects, stay and keep pointing at it (inferred). Audit: one ``delete``
        entry per record asked for, for the documented objectTypes only; none for cascaded
        records (inferred)."""
        kind, klass = self.kind_of(obj)
        with self._locks():
            if klass is not None:
                return {obj: self._delete_kobjects(klass, ids, strict)}
            store = self.store
            live: list[dict[str, Any]] = []
            for rid in dict.fromkeys(ids):
                rec = store.get(kind, rid)
                if rec is None:
                    if strict:
                        raise LookupError(f"{kind} {rid} not found")
                    continue
                live.append(rec)
            plan = self._plan(kind, live)
            for rec in live:
                self.audit(
                    DELETABLE[kind],
                    rec["id"],
                    "delete",
                    {"attributes": {}, "relationships": {}},
                    rec["id"] if kind == "customers" else rel_id(rec, "customer"),
                    via,
                )
            return self._remove(plan)

    def _plan(self, kind: str, live: list[dict[str, Any]]) -> Removed:
        ids = [r["id"] for r in live]
        plan: Removed = {kind: ids}
        if kind in ("customers", "conversations"):
            customers = set(ids) if kind == "customers" else set()
            convs = self.conversations_of(customers) if customers else ids
            plan["conversations"] = sorted(set(convs) | set(plan.get("conversations", [])))
            for child in ("messages", "notes"):
                plan[child] = self.children(child, set(plan["conversations"]), customers)
        return plan

    def _remove(self, plan: Removed) -> Removed:
        out: Removed = {}
        attachments: list[str] = []
        for obj, ids in plan.items():
            gone = out.setdefault(obj, [])
            for rid in ids:
                old = self.store.remove(obj, rid)
                if old is None:
                    continue
                gone.append(rid)
                if obj == "messages":
                    rel = (old.get("relationships") or {}).get("attachments") or {}
                    attachments += [a["id"] for a in rel.get("data") or []]
        if "messages" in out:
            out["attachments"] = attachments
        return out

    def _delete_kobjects(self, klass: str, ids: list[str], strict: bool) -> list[str]:
        col = self.engine.kobjects.collection(klass)
        out = []
        for rid in dict.fromkeys(ids):
            if col.records.pop(rid, None) is None:
                if strict:
                    raise LookupError(f"kobject.{klass} {rid} not found")
                continue
            out.append(rid)
        if out:
            self.store.version += 1
        return out

    def bulk_record(
        self, context: str, path: str, ids: list[str], roles: list[str]
    ) -> dict[str, Any]:
        """The 201 body's ``data`` of a bulk delete (OAS example: ``type: bulk``, status
        ``complete``). inferred: the job is done when the response is sent."""
        now = iso_ms(self.engine.clock.now_ms())
        with self.store.lock:
            bid, request_id = self._new_id(BULK_TAG), self._new_id(BULK_TAG)
        return {
            "type": "bulk",
            "id": bid,
            "attributes": {
                "ids": ids,
                "context": context,
                "status": "complete",
                "v2": True,
                "payload": {
                    "api": {
                        "data": {},
                        "path": path,
                        "user": {
                            "id": self.actor,
                            "userType": "user",
                            "roles": roles,
                            "orgName": "kustomer-sandbox",
                            "subject": self.actor,
                            "org": self.store.org.org_id,
                        },
                        "requestId": request_id,
                        "service": "sobjects",
                        "method": "DELETE",
                    }
                },
                "createdAt": now,
                "updatedAt": now,
                "completed": True,
            },
            "relationships": {
                "org": self._org_ref(),
                "createdBy": self._ref("user", self.actor, "users"),
            },
            "links": {"self": f"/v1/bulk/{bid}"},
        }

    # ------------------------------------------------------------------ customer merges

    def merge_customers(self, source: str, target: str, via: str = "control") -> dict[str, Any]:
        """Merge customer ``source`` into ``target`` (documented rules); returns the
        ``customer_merge`` record. The source goes as a hard delete; its conversations,
        messages, notes and KObjects now point at the target."""
        if not isinstance(source, str) or not isinstance(target, str):
            raise ValueError("source and target must be customer ids")
        if source == target:
            raise ValueError("source and target must be different customers")
        with self._locks():
            store = self.store
            src, tgt = store.get("customers", source), store.get("customers", target)
            for rid, rec in ((source, src), (target, tgt)):
                if rec is None:
                    raise LookupError(f"customer {rid} not found")
            assert src is not None and tgt is not None
            created = iso_ms(self.engine.clock.stamp())
            merged = merged_customer(tgt, src)
            merged.setdefault("relationships", {})["modifiedBy"] = self._ref(
                "user", self.actor, "users"
            )
            store.touch("customers", merged["attributes"])
            store.replace("customers", merged)
            self._move_customer(source, target)
            store.remove("customers", source)
            mid = self._new_id(MERGE_TAG)
            record = {
                "type": "customer_merge",
                "id": mid,
                "attributes": {
                    "status": "success",
                    "createdAt": created,
                    "updatedAt": iso_ms(self.engine.clock.stamp()),
                },
                "relationships": {
                    "org": self._org_ref(),
                    "source": self._ref("customer", source, "customers"),
                    "target": self._ref("customer", target, "customers"),
                    "createdBy": self._ref("user", self.actor, "users"),
                },
                "links": {"self": f"/v1/customers/merges/{mid}"},
            }
            self.merges.append(record)
            self.audit(
                "customer",
                source,
                "merge",
                {
                    "attributes": {},
                    "relationships": {"target": {"op": "replace", "before": None, "after": target}},
                },
                source,
                via,
            )
            return copy_record(record)

    def _move_customer(self, source: str, target: str) -> None:
        convs = self.conversations_of({source})
        for cid in convs:
            self._move("conversations", cid, {"customer": target})
        for child in ("messages", "notes"):
            for rid in self.children(child, set(convs), {source}):
                self._move(child, rid, {"customer": target})
        touch = self.engine.settings.moves_touch_updated_at
        for klass, rec in self._kobjects_of(source):
            new = copy_record(rec)
            new["relationships"]["customer"] = self._ref("customer", target, "customers")
            if touch:
                self.engine.kobjects._touch(new["attributes"])
            self.engine.kobjects.collection(klass).records[new["id"]] = new
            self.store.version += 1

    def merge(self, merge_id: str) -> dict[str, Any] | None:
        """One customer merge by id."""
        with self.store.lock:
            for rec in self.merges:
                if rec["id"] == merge_id:
                    return copy_record(rec)
            return None

    def merges_of(self, customer: str) -> list[dict[str, Any]] | None:
        """The merges a customer was the source or the target of, oldest first; None when the
        customer neither exists nor took part in a merge (inferred: a merged-away source keeps
        answering)."""
        with self.store.lock:
            found = [
                copy_record(m)
                for m in self.merges
                if customer in (rel_id(m, "source"), rel_id(m, "target"))
            ]
            if not found and self.store.get("customers", customer) is None:
                return None
            return found

    # ------------------------------------------------------------------ conversation merges

    def merge_conversations(self, source: str, target: str, via: str = "control") -> dict[str, Any]:
        """Merge conversation ``source`` into ``target`` (no documented endpoint, inferred):
        the source's messages and notes (attachments with their messages) move to the target
        and its customer, the source goes, the target gets ``mergedTarget: true``, its counts
        summed and a new updatedAt. Returns the target."""
        if source == target:
            raise ValueError("source and target must be different conversations")
        with self._locks():
            store = self.store
            src, tgt = store.get("conversations", source), store.get("conversations", target)
            for rid, rec in ((source, src), (target, tgt)):
                if rec is None:
                    raise LookupError(f"conversation {rid} not found")
            assert src is not None and tgt is not None
            customer = rel_id(tgt, "customer")
            for child in ("messages", "notes"):
                for rid in self.children(child, {source}, set()):
                    self._move(child, rid, {"conversation": target, "customer": customer})
            new = copy_record(tgt)
            attrs, old = new["attributes"], src["attributes"]
            for key in ("messageCount", "inboundMessageCount", "outboundMessageCount", "noteCount"):
                if isinstance(attrs.get(key), int) and isinstance(old.get(key), int):
                    attrs[key] += old[key]
            attrs["mergedTarget"] = True
            store.touch("conversations", attrs)
            store.replace("conversations", new)
            store.remove("conversations", source)
            self.audit(
                "conversation",
                source,
                "merge",
                {
                    "attributes": {},
                    "relationships": {"target": {"op": "replace", "before": None, "after": target}},
                },
                rel_id(src, "customer"),
                via,
            )
            return copy_record(new)

    # ------------------------------------------------------------------ redaction

    def redact(
        self,
        message_id: str,
        preview: str | None = None,
        attachments: list[str] | None = None,
        meta: dict[str, Any] | None = None,
        via: str = "control",
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Redact a message: ``redacted: true``, ``preview`` replaced (by ``preview`` or a fixed
        placeholder, inferred), ``meta`` replaced when given, text attributes cleared (inferred)
        and the listed attachments redacted. updatedAt moves only with the setting
        ``redaction_touches_updated_at`` (inferred, default off). Returns (message, redaction)."""
        check_redaction({"preview": preview, "attachments": attachments, "meta": meta})
        with self._locks():
            store = self.store
            msg = store.get("messages", message_id)
            if msg is None:
                raise LookupError(f"message {message_id} not found")
            own = {
                a["id"]
                for a in ((msg.get("relationships") or {}).get("attachments") or {}).get("data")
                or []
            }
            unknown = [a for a in attachments or [] if a not in own]
            if unknown:
                raise ValueError(f"attachments not on message {message_id}: {', '.join(unknown)}")
            new = copy_record(msg)
            attrs = new["attributes"]
            was = attrs.get("redacted") is True
            attrs["redacted"] = True
            attrs["preview"] = preview if preview is not None else REDACTED_PREVIEW
            if meta is not None:
                attrs["meta"] = meta
            for key in TEXT_FIELDS:
                if key in attrs:
                    attrs[key] = None
            if self.engine.settings.redaction_touches_updated_at:
                store.touch("messages", attrs)
            store.replace("messages", new)
            store.redacted_attachments.update(attachments or [])
            customer = rel_id(msg, "customer")
            self.audit(
                "message",
                message_id,
                "update",
                {
                    "attributes": {"redacted": {"op": "replace", "before": was, "after": True}},
                    "relationships": {},
                },
                customer,
                via,
            )
            rid = self._new_id(REDACTION_TAG)
            rels: dict[str, Any] = {
                "org": self._org_ref(),
                "createdBy": self._ref("user", self.actor, "users"),
            }
            if customer is not None:
                rels["customer"] = self._ref("customer", customer, "customers")
            conversation = rel_id(msg, "conversation")
            if conversation is not None:
                rels["conversation"] = self._ref("conversation", conversation, "conversations")
            redaction = {
                "type": "message_redaction",
                "id": rid,
                "attributes": {"preview": attrs["preview"], "meta": meta or {}},
                "relationships": rels,
                "links": {"self": f"/v1/messages/{message_id}/redactions/{rid}"},
            }
            return copy_record(new), redaction

    # ------------------------------------------------------------------ retention, expiry

    def retention_limit(self) -> int:
        """The latest ``before`` a deletion rule accepts: 24 months before the clock."""
        return months_before(self.engine.clock.now_ms(), 24)

    def retention(self, before: str, objects: list[str]) -> dict[str, int]:
        """An admin's deletion rule, run now: every record of ``objects`` (``conversations``,
        ``kobject.<klass>`` or ``kobjects`` for every Klass) created before ``before`` goes,
        with the cascades of a delete. Refuses a ``before`` within 24 months of the clock
        (documented). inferred: no audit-log entries. Returns how many records went, by
        object."""
        before_ms = parse_when(before)
        limit = self.retention_limit()
        if before_ms > limit:
            raise ValueError(
                f"data less than 24 months old cannot be deleted by a deletion rule: before "
                f"must be {iso_ms(limit)} or earlier"
            )
        if not isinstance(objects, list) or not objects:
            raise ValueError("objects must be a non-empty list")
        with self._locks():
            ko = self.engine.kobjects
            klasses: list[str] = []
            for obj in objects:
                if obj == "kobjects":
                    klasses += [k for k in ko.defs if ko.klass_record(k) is not None]
                elif isinstance(obj, str) and obj.startswith("kobject."):
                    ko.collection(obj[8:])  # LookupError for an unknown Klass
                    klasses.append(obj[8:])
                elif obj != "conversations":
                    raise ValueError(
                        f"a deletion rule removes conversations or custom objects "
                        f"(kobject.<klass>, kobjects), not {obj!r}"
                    )
            counts: dict[str, int] = {}
            if "conversations" in objects:
                counts.update(self._retire_conversations(before_ms))
            for klass in dict.fromkeys(klasses):
                records = ko.collection(klass).records
                old = [rid for rid, r in records.items() if time_key(r, "createdAt")[0] < before_ms]
                for rid in old:
                    del records[rid]
                self.store.version += 1
                counts[f"kobject.{klass}"] = len(old)
            return counts

    def _retire_conversations(self, before_ms: int) -> dict[str, int]:
        store, org = self.store, self.store.org
        objs = ("conversations", "messages", "notes")
        start = {o: store.count(o, include_deleted=True) for o in objs}
        st = store.states["conversations"]
        layout = org.layout("conversations")
        k = layout.bisect_time(before_ms, 0)  # generated conversations created before
        for i in [i for i in st.changed_sorted if i < k and st.changed[i] is not None]:
            store.remove("conversations", layout.id(i))
        dead = {rid for rid, rec in st.created.items() if time_key(rec, "createdAt")[0] < before_ms}
        for rid in dead:
            store.remove("conversations", rid)
        store.raise_floor("conversations", k)

        def is_dead(cid: str | None) -> bool:
            if cid is None:
                return False
            i = layout.index_of(cid)
            return (i is not None and i < k) or cid in dead

        for child in ("messages", "notes"):
            for rec in store.overlay_records(child):
                if is_dead(rel_id(rec, "conversation")):
                    store.remove(child, rec["id"])
            first = (
                org.child_range("conversations", child, k).start
                if k < layout.n
                else org.count(child)
            )
            store.raise_floor(child, first)
        return {o: start[o] - store.count(o, include_deleted=True) for o in objs}

    def expire_audit(self, before: str) -> int:
        """Drop every audit-log entry created before ``before`` at once (what the retention
        schedule does over a long pause). Returns how many went."""
        before_ms = parse_when(before)
        store = self.store
        with store.lock:
            obj = "audit_logs"
            start = store.count(obj, include_deleted=True)
            layout = store.org.layout(obj)
            k = layout.bisect_time(before_ms, 0)
            doomed = []
            for rec in store.overlay_records(obj):
                i = layout.index_of(rec["id"])
                if time_key(rec, "createdAt")[0] < before_ms or (i is not None and i < k):
                    doomed.append(rec)
            for rec in doomed:
                store.dropped_audit[rec["id"]] = time_key(rec, "createdAt")[0]
                store.remove(obj, rec["id"])
            store.raise_floor(obj, k)
            return start - store.count(obj, include_deleted=True)


# ---------------------------------------------------------------------- merge rules


def _ident(item: Any, keys: tuple[str, ...]) -> Any:
    if isinstance(item, dict) and keys:
        return tuple(str(item.get(k, "")).lower() for k in keys)
    return json.dumps(item, sort_keys=True)


def _newer(a: Any, b: Any, key: str | None) -> bool:
    """True when ``b`` is more recent than ``a`` (by ``key`` inside them, or as timestamps)."""
    ta = _time(a.get(key) if isinstance(a, dict) and key else a)
    tb = _time(b.get(key) if isinstance(b, dict) and key else b)
    return tb > ta


def merged_customer(target: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """The target customer after the merge (documented rules; inferred: a rule's "target
    precedence" takes the source's value where the target has none, and every attribute the
    rules leave out keeps the target's value)."""
    new = copy_record(target)
    attrs, src = new["attributes"], source["attributes"]
    for key, ident_keys in UNION_KEYS.items():
        if isinstance(attrs.get(key), list) or isinstance(src.get(key), list):
            out = list(attrs.get(key) or [])
            seen = {_ident(x, ident_keys) for x in out}
            for item in src.get(key) or []:
                if _ident(item, ident_keys) not in seen:
                    seen.add(_ident(item, ident_keys))
                    out.append(item)
            attrs[key] = out
    if isinstance(src.get("custom"), dict):
        attrs["custom"] = {**src["custom"], **(attrs.get("custom") or {})}
    counts_t, counts_s = attrs.get("conversationCounts"), src.get("conversationCounts")
    if isinstance(counts_s, dict):
        total = dict(counts_t) if isinstance(counts_t, dict) else {}
        for k, v in counts_s.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                total[k] = (total.get(k) or 0) + v
        attrs["conversationCounts"] = total
    for key, inner in MOST_RECENT.items():
        if key in src and _newer(attrs.get(key), src.get(key), inner):
            attrs[key] = src[key]
    last_in_t, last_in_s = attrs.get("lastMessageIn"), src.get("lastMessageIn")
    if last_in_s is not None and _newer(last_in_t, last_in_s, "sentAt"):
        attrs["lastMessageIn"] = last_in_s
        if "lastConversation" in src:
            attrs["lastConversation"] = src["lastConversation"]
    for key in TARGET_FIRST:
        if attrs.get(key) is None and src.get(key) is not None:
            attrs[key] = src[key]
    rels, src_rels = new.setdefault("relationships", {}), source.get("relationships") or {}
    if rels.get("company") is None and src_rels.get("company") is not None:
        rels["company"] = src_rels["company"]
    if _time(src.get("createdAt")) != -1 and (
        _time(attrs.get("createdAt")) == -1 or _time(src["createdAt"]) < _time(attrs["createdAt"])
    ):
        attrs["createdAt"] = src["createdAt"]
        if "createdBy" in src_rels:
            rels["createdBy"] = src_rels["createdBy"]
    return new


def check_redaction(body: dict[str, Any]) -> None:
    """The documented body of ``POST /v1/messages/{id}/redactions``: ``preview`` (a string of
    at most 10,240 characters), ``attachments`` (at most 10 ids), ``meta`` (an object of at most
    100 keys), nothing else; ValueError otherwise."""
    unknown = sorted(set(body) - {"preview", "attachments", "meta"})
    if unknown:
        raise ValueError(f"unknown redaction field(s): {', '.join(unknown)}")
    preview, attachments, meta = body.get("preview"), body.get("attachments"), body.get("meta")
    if preview is not None and (not isinstance(preview, str) or len(preview) > 10_240):
        raise ValueError("preview must be a string of at most 10240 characters")
    if attachments is not None and (
        not isinstance(attachments, list)
        or len(attachments) > 10
        or not all(isinstance(a, str) and len(a) == 24 for a in attachments)
    ):
        raise ValueError("attachments must be a list of at most 10 attachment ids")
    if meta is not None and (not isinstance(meta, dict) or len(meta) > 100):
        raise ValueError("meta must be an object of at most 100 properties")
