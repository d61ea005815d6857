"""Field values: palettes of realistic variants, and per-record value functions.

A field's value is either picked from a palette (a few variants built once per field
from the seed: Struct and List shapes, enum-like strings, numbers) or computed per
record (names, e-mails, timestamps, references to other records), see :func:`compile_field`.
Palette values are shared between records, so records must never be mutated in place.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from . import words as W
from .documented import EXACT, complete, conforms, documented_value
from .layout import DAY_MS, GOLD, MASK, mix64, parent_of
from .relations import knowledge_base_id
from .shapes import Shape
from .timefmt import iso_ms

if TYPE_CHECKING:
    from .data import Ctx, Org

RecFn = Callable[["Ctx", int], Any]


class RawJson:
    """A per-record function returning ready JSON text (built only from safe characters:
    ids, timestamps, numbers, enum words), spliced into the record as is."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[Ctx, int], str]) -> None:
        self.fn = fn


AnyFn = RecFn | RawJson
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
PALETTE_SIZE = 12


@dataclass(frozen=True)
class FieldGen:
    """How one attribute is produced."""

    name: str
    salt: int
    #: pre-serialized ``"name":value`` fragments of the palette variants
    palette_json: tuple[str, ...]
    fn: RecFn | None
    #: ``fn`` returns JSON text rather than a value
    raw: bool
    #: ``"name":``
    key_json: str
    nullable: bool
    null_json: str
    #: ``"name":{}`` / ``"name":[]`` for containers, "" otherwise
    empty_json: str


def hexid(rng: random.Random) -> str:
    """A random 24-hex ObjectId-looking string."""
    return f"{rng.getrandbits(96):024x}"


def _pick(seq: tuple[str, ...] | list[str], x: int) -> str:
    return seq[(x >> 24) % len(seq)]


# ---------------------------------------------------------------- strings


def _enum(*options: str) -> Callable[[random.Random], str]:
    return lambda rng: rng.choice(options)


_STRING_ENUMS: dict[str, Callable[[random.Random], str]] = {
    "status": _enum("open", "done", "snoozed"),
    "direction": _enum("in", "out"),
    "lastMessageDirection": _enum("in", "out"),
    "resourceDirection": _enum("in", "out"),
    "directionType": _enum("initial-in", "initial-out", "response-in", "response-out"),
    "channel": _enum(*W.CHANNELS),
    "endedByType": _enum("user", "customer", "rule"),
    "endedReason": _enum("done", "merged", "spam", "auto-closed"),
    "phase": _enum("initial", "queued", "assigned", "responded", "done"),
    "sentiment": _enum("positive", "neutral", "negative"),
    "gender": _enum("female", "male", "nonbinary", "unknown"),
    "locale": _enum(*W.LOCALES),
    "defaultLang": _enum(*W.LANGS),
    "timeZone": _enum(*W.TIMEZONES),
    "timezone": _enum(*W.TIMEZONES),
    "progressiveStatus": _enum("open", "done", "snoozed", "waiting"),
    "displayColor": _enum("purple", "teal", "orange", "green", "blue", "red"),
    "displayIcon": _enum("account", "star", "crown", "briefcase"),
    "icon": _enum(*W.ICONS),
    "color": _enum(*W.COLORS),
    "badgeColor": _enum(*W.COLORS),
    "embedIconColor": _enum(*W.COLORS),
    "defaultVisibility": _enum("visible", "hidden"),
    "eventVerb": _enum("create", "update", "delete"),
    "userType": _enum("user", "machine"),
    "client": _enum("kustomer-web", "api", "workflow", "mobile"),
    "scope": _enum("public", "internal"),
    "source": _enum("kustomer", "import", "api"),
    "routableType": _enum("article", "category"),
    "statusType": _enum("available", "busy", "offline", "away"),
    "capacityStatus": _enum("available", "at-capacity", "unavailable"),
    "resourceType": _enum("conversation", "kobject"),
    "formType": _enum("csat", "nps", "ces"),
    "followUpType": _enum("email", "chat", "none"),
    "widgetType": _enum("chat", "kustomer-chat-v2"),
    "context": _enum("customer", "conversation", "timeline"),
    "resource": _enum("customer", "conversation", "kobject"),
    "list": _enum("block", "allow"),
    "category": _enum("email", "chat", "routing", "general"),
    "app": _enum(*W.APPS),
    "type": _enum("boolean", "string", "number", "json"),
    "eventName": _enum(*W.EVENT_NAMES),
    "klass": _enum("ecomm-order", "warranty-claim", "subscription"),
    "replyFrom": _enum("support@example.com", "help@example.com"),
    "version": lambda rng: f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}",
    "templateVersion": lambda rng: f"{rng.randint(1, 3)}.{rng.randint(0, 9)}.0",
    "current": lambda rng: f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}",
    "value": _enum("true", "false", "30", "en_US", "round-robin"),
    "account": lambda rng: f"support{rng.randint(1, 9)}@example.com",
    "sender": lambda rng: f"spam{rng.randint(100, 999)}@{rng.choice(W.DOMAINS)}",
    "ip": lambda rng: f"203.0.113.{rng.randint(1, 254)}",
    "ipAddress": lambda rng: f"198.51.100.{rng.randint(1, 254)}",
    "mobile": lambda rng: f"+1555{rng.randint(1000000, 9999999)}",
    "appVersion": lambda rng: f"{rng.randint(1, 3)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
    # inferred: the version being installed, as `current` holds the installed one
    "installing": lambda rng: f"{rng.randint(1, 4)}.{rng.randint(0, 12)}.{rng.randint(0, 9)}",
    "klassSchema": lambda rng: rng.choice(
        ('{"type":"object","properties":{}}', '{"type":"object","required":["title"]}')
    ),
    "userAgent": lambda rng: rng.choice(
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5)", "python-requests/2.32", "curl/8.7.1")
    ),
    "lastTokenChars": lambda rng: f"{rng.getrandbits(24):06x}",
    "secret": lambda rng: f"{rng.getrandbits(256):064x}",
    "token": lambda rng: f"{rng.getrandbits(160):040x}",
    "hash": lambda rng: f"{rng.getrandbits(128):032x}",
    "dataHash": lambda rng: f"{rng.getrandbits(128):032x}",
    "key": lambda rng: f"{rng.choice(W.WORDS)}_{rng.choice(W.WORDS)}",
    "slug": lambda rng: f"{rng.choice(W.WORDS)}-{rng.choice(W.WORDS)}",
    "s3DataUrl": lambda rng: f"https://s3.example.com/klasses/{rng.getrandbits(64):016x}.json",
    "preview": lambda rng: rng.choice(W.SENTENCES),
    "body": lambda rng: rng.choice(W.SENTENCES),
    "subject": lambda rng: rng.choice(W.SUBJECTS),
    "greeting": lambda rng: "Hi! How can we help you today?",
    "autoreply": _enum(
        "Thanks for reaching out, an agent will be with you shortly.",
        "We're away right now but will reply soon.",
    ),
    "offhoursMessage": _enum("We're offline. Leave a message!", "Back at 9am EST."),
    "totalAvailableIdleCapacity": lambda rng: str(rng.randint(0, 10)),
}


#: enum strings that depend on the object, checked before the name-only ones
_TABLE_ENUMS: dict[tuple[str, str], Callable[[random.Random], str]] = {
    ("messages", "status"): _enum("sent", "received", "delivered", "error"),
    ("kb_articles", "status"): _enum("published", "draft", "archived"),
    ("kb_themes", "status"): _enum("active", "inactive"),
    ("apps", "status"): _enum("installed", "updating", "disabled"),
    ("notifications", "status"): _enum("unread", "read"),
    ("klasses", "status"): _enum("enabled", "disabled"),
    ("routing_work_items", "status"): _enum("queued", "routed", "accepted", "completed"),
    ("outbound_webhooks_transactions", "status"): _enum("success", "failed", "pending"),
    ("settings", "name"): _enum("defaultLanguage", "businessHours", "autoAssign", "csatEnabled"),
    ("snoozes", "type"): _enum("relative", "absolute"),
    ("snoozes", "value"): _enum("3600000", "86400000", "1735689600000"),
}


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(W.WORDS) for _ in range(n))


def string_value(table: str, name: str, rng: random.Random) -> str:
    """One realistic value of a String attribute (palette variant)."""
    if (table, name) in _TABLE_ENUMS:
        return _TABLE_ENUMS[(table, name)](rng)
    if name in _STRING_ENUMS:
        return _STRING_ENUMS[name](rng)
    low = name.lower()
    if low.endswith("url"):
        return f"https://cdn.example.com/{table}/{_words(rng, 1)}-{rng.randint(1, 999)}.png"
    if low.endswith("email"):
        return f"{rng.choice(W.WORDS)}@{rng.choice(W.DOMAINS)}"
    if low.endswith("id"):
        return hexid(rng)
    if low.endswith(("description", "introduction", "message", "prompt")):
        return rng.choice(W.SENTENCES)
    if low.endswith(("title", "name", "subject")):
        return f"{_words(rng, 2).title()} {rng.randint(1, 99)}"
    return _words(rng, 2)


# ---------------------------------------------------------------- structs


def _ts(rng: random.Random) -> str:
    # palette timestamps sit in the two years before the clock start (2024-11 .. 2026-10)
    return iso_ms(1_730_419_200_000 + rng.randrange(700 * DAY_MS))


_KEY_POOL: dict[str, Callable[[random.Random], Any]] = {
    "enabled": lambda r: r.random() < 0.7,
    "name": lambda r: _words(r, 2),
    "type": lambda r: r.choice(("default", "custom", "system")),
    "count": lambda r: r.randint(0, 50),
    "order": lambda r: r.randint(1, 20),
    "label": lambda r: _words(r, 1).title(),
    "updatedAt": _ts,
    "id": hexid,
    "value": lambda r: _words(r, 1),
    "items": lambda r: [_words(r, 1) for _ in range(r.randint(1, 3))],
    "options": lambda r: {"visible": r.random() < 0.5, "position": r.randint(1, 9)},
}


def generic_struct(rng: random.Random) -> dict[str, Any]:
    """A nested object with 1-4 keys from a pool (each key keeps one JSON type)."""
    keys = rng.sample(sorted(_KEY_POOL), rng.randint(1, 4))
    return {k: _KEY_POOL[k](rng) for k in sorted(keys)}


def _city(rng: random.Random) -> dict[str, Any]:
    city, region, country = rng.choice(W.CITIES)
    return {
        "name": city,
        "regionCode": region,
        "countryCode": country,
        "latitude": round(rng.uniform(-60, 60), 4),
        "longitude": round(rng.uniform(-120, 150), 4),
    }


def struct_value(table: str, name: str, rng: random.Random, org: Org) -> dict[str, Any]:
    """One variant of a Struct attribute (non-empty)."""
    users, teams = org.small_ids("users"), org.small_ids("teams")
    if name == "satisfactionLevel":
        return {
            "firstAnswer": rng.choice(("satisfied", "unsatisfied")),
            "rating": rng.randint(1, 5),
            "status": rng.choice(("offered", "rated")),
            "sentByTeams": rng.sample(teams, 1),
        }
    if name == "conversationCounts":
        return {
            "all": rng.randint(1, 40),
            "open": rng.randint(0, 3),
            "done": rng.randint(0, 30),
            "snoozed": rng.randint(0, 2),
        }
    if name == "recentLocation":
        return {"updatedAt": _ts(rng), "location": _city(rng)}
    if name == "preview":  # customers.preview
        return {
            "previewAt": _ts(rng),
            "type": rng.choice(W.CHANNELS),
            "subject": rng.choice(W.SUBJECTS),
            "text": rng.choice(W.SENTENCES),
        }
    if name == "meta" and table == "messages":
        to: Any
        if rng.random() < 0.6:
            to = [{"email": f"{rng.choice(W.FIRST_NAMES).lower()}@{rng.choice(W.DOMAINS)}"}]
        else:  # research §7: meta.to can be a list, a dict or a string
            to = f"{rng.choice(W.FIRST_NAMES).lower()}@{rng.choice(W.DOMAINS)}"
        return {"from": "support@example.com", "to": to, "subject": rng.choice(W.SUBJECTS)}
    if name in ("changes",):
        field = rng.choice(("status", "priority", "assignedUsers", "tags", "name"))
        return {
            "attributes": {field: {"before": _words(rng, 1), "after": _words(rng, 1)}},
            "relationships": {},
        }
    if name == "hours":
        days = rng.sample(("0", "1", "2", "3", "4", "5", "6"), rng.randint(3, 7))
        return {d: [[480, 1020]] for d in sorted(days)}
    if name in ("capacity",):
        return {
            "type": rng.choice(("conversation", "item")),
            "limit": rng.randint(1, 8),
            "channels": {c: rng.randint(1, 4) for c in rng.sample(W.CHANNELS, 2)},
        }
    if name.startswith("total") or name == "totalTimeByStatus":
        return {
            s: rng.randint(0, 28_800_000)
            for s in rng.sample(
                ("available", "busy", "away", "offline", "lunch"), rng.randint(1, 4)
            )
        }
    if name == "lastRevision":
        return {
            "id": hexid(rng),
            "rev": rng.randint(1, 30),
            "updatedAt": _ts(rng),
            "updatedBy": rng.choice(users),
        }
    if name == "resource":
        return {"id": hexid(rng), "type": "conversation", "rev": rng.randint(1, 9)}
    if name == "handle":
        return {
            "userId": rng.choice(users),
            "acceptedAt": _ts(rng),
            "time": rng.randint(1_000, 900_000),
        }
    if name == "criteria":
        return {
            "and": [{"conversation_channel": {"equals": rng.choice(W.CHANNELS)}}],
            "or": [{"conversation_priority": {"gte": rng.randint(1, 5)}}],
        }
    if name == "password":
        return {"updatedAt": _ts(rng), "expiresAt": _ts(rng), "algorithm": "bcrypt"}
    if name in ("langs", "langVersions", "latestLangs"):
        return {
            lang: {"version": rng.randint(1, 9), "status": rng.choice(("published", "draft"))}
            for lang in rng.sample(W.LANGS, rng.randint(1, 3))
        }
    if name == "manifest":
        return {
            "name": _words(rng, 2),
            "version": f"1.{rng.randint(0, 9)}.0",
            "files": [f"{_words(rng, 1)}.jsx" for _ in range(rng.randint(1, 3))],
        }
    if name == "event":
        return {
            "name": rng.choice(W.EVENT_NAMES),
            "objectType": "conversation",
            "objectId": hexid(rng),
        }
    if name == "colors":
        return {"primary": rng.choice(W.COLORS), "secondary": rng.choice(W.COLORS)}
    if name == "from":
        return {"name": rng.choice(W.FIRST_NAMES), "email": "support@example.com"}
    if name == "scale":
        return {
            "type": rng.choice(("stars", "emoji", "numeric")),
            "options": rng.randint(2, 10),
            "labelHigh": "Very satisfied",
            "labelLow": "Not satisfied",
        }
    if name == "event" and table == "notifications":
        return notification_event(rng, org)
    if name == "data" and table == "customers_searches":
        return saved_search(rng, org)
    if name == "settings" and table == "routing_queues":
        return {"routingType": rng.choice(("push", "pull")), "autoAssign": rng.random() < 0.5}
    return generic_struct(rng)


def notification_event(rng: random.Random, org: Org) -> dict[str, Any]:
    """A notification's ``event``: the documented event envelope of a message created in a
    real conversation of the org (ids, paths, types and flags that agree with each other; the
    documented string-typed flags as strings)."""
    conv = rng.randrange(org.count("conversations"))
    msgs = org.child_range("conversations", "messages", conv)
    mid = org.layout("messages").id(msgs.start)
    cid = org.layout("conversations").id(conv)
    customer = org.conversation_customer(conv)
    # the copy names the message's own channel and app, as the message itself does
    channel = message_channel(org, conv, 0)
    app = CHANNEL_APPS.get(channel, "chat")
    users, teams = org.small_ids("users"), org.small_ids("teams")
    user, team = rng.choice(users), rng.choice(teams)
    at = _ts(rng)

    def ref(kind: str, rid: str, path: str) -> dict[str, Any]:
        return {"data": {"id": rid, "type": kind}, "links": {"self": f"/v1/{path}/{rid}"}}

    email = f"{rng.choice(W.FIRST_NAMES).lower()}@{rng.choice(W.DOMAINS)}"
    return {
        "_meta": {"id": hexid(rng), "publishedAt": at},
        "sourceType": "message",
        "sourceId": mid,
        "client": "kustomer-web",
        "isSync": "false",
        "persist": True,
        "changes": "{}",
        "createdAt": at,
        "data": {
            "links": {"related": f"/v1/{app}/messages/{mid}", "self": f"/v1/messages/{mid}"},
            "relationships": {
                "conversation": ref("conversation", cid, "conversations"),
                "customer": ref("customer", customer, "customers"),
                "redactedBy": "",
                "deletedBy": "",
                "modifiedBy": user,
                "createdBy": user,
                "org": ref("org", org.org_id, "orgs"),
            },
            "attributes": {
                "firstCompany": "",
                "rev": 1,
                "lang": "en",
                "source": "kustomer",
                "createdByTeams": [team],
                "importedAt": at,
                "redacted": False,
                "redactedAt": at,
                "deletedAt": at,
                "deleted": "false",
                "modifiedAt": at,
                "updatedAt": at,
                "createdAt": at,
                "sentAt": at,
                "auto": False,
                "errorAt": at,
                "error": "",
                "assignedUsers": [user],
                "assignedTeams": [team],
                "responseBusinessTime": str(rng.randint(60_000, 3_600_000)),
                "responseTime": str(rng.randint(60_000, 7_200_000)),
                "status": "sent",
                "custom": "{}",
                "meta": {
                    "recipient": {"mailboxHash": "", "email": email},
                    "cc": [],
                    "to": [{"email": email}],
                    "from": "support@example.com",
                    "subject": rng.choice(W.SUBJECTS),
                },
                "sentiment": rng.choice(("positive", "neutral", "negative")),
                "subject": rng.choice(W.SUBJECTS),
                "preview": rng.choice(W.SENTENCES),
                "location": "",
                "directionType": "response-out",
                "direction": "out",
                "size": rng.randint(200, 9_000),
                "app": app,
                "channel": channel,
                "externalId": f"<{hexid(rng)}@mail.example.com>",
            },
            "id": mid,
            "type": "message",
        },
        "orgName": "sandbox",
        "partition": "conversation",
        "name": "kustomer.message.create",
        "id": hexid(rng),
        "org": org.org_id,
    }


def saved_search(rng: random.Random, org: Org) -> dict[str, Any]:
    """A saved search's ``data``: a query the search endpoint could take, each criterion one
    documented attribute with one operator and a value of its kind (the documented item shape
    merges several examples' criteria into one object)."""
    user, team = rng.choice(org.small_ids("users")), rng.choice(org.small_ids("teams"))
    options: list[dict[str, Any]] = [
        {"customer_updated_at": {"gte": _ts(rng)[:10]}},
        {"customer_last_seen_at": {"gte": _ts(rng)[:10]}},
        {"conversation_status": {"equals": rng.choice(("open", "snoozed", "done"))}},
        {"conversation_status": {"not_equals": "done"}},
        {"message_channel": {"equals": rng.choice(W.CHANNELS)}},
        {"customer_sentiment": {"equals": rng.choice(("positive", "neutral", "negative"))}},
        {"customer_watchers": {"in": [user]}},
        {"conversation_assigned_teams": {"not_equals": team}},
        {"conversation_assigned_users": {"not_set": True}},
    ]
    chosen = rng.sample(options, rng.randint(1, 3))
    context = rng.choice(("customer", "conversation"))
    return {
        "and": chosen,
        "or": [{"conversation_assigned_users": {"equals": user}}],
        # a sort on the searched context's own date (the sandbox sorts on no other context)
        "sort": [{f"{context}_updated_at": "desc"}],
        "queryContext": context,
        "fields": [{"key": "customer_name"}, {"key": "conversation_status"}],
    }


FONTS = ("Inter", "Helvetica Neue", "Roboto", "Georgia", "Open Sans")


def tidy_manifest(value: Any, rng: random.Random) -> Any:
    """A KB template's or theme's ``manifest`` with values of each variable's kind: fonts,
    sizes, colours, a checkbox, texts (the documented keys, named for what they hold)."""
    if not isinstance(value, list):
        return value
    out = []
    for n, item in enumerate(value):
        if not isinstance(item, dict):
            out.append(item)
            continue
        item = dict(item)
        item["name"] = ("Default", "Dark", "Compact")[n % 3]
        if "label" in item:
            item["label"] = f"{item['name']} theme"
        variables = item.get("variables")
        if isinstance(variables, dict):
            item["variables"] = {k: _variable(k, v, rng) for k, v in variables.items()}
        out.append(item)
    return out


def _variable(key: str, var: Any, rng: random.Random) -> Any:
    if not isinstance(var, dict):
        return var
    words = re.sub(r"(?<!^)(?=[A-Z])", " ", key).lower()
    var = dict(var)
    var["name"] = words.capitalize()
    if "label" in var:
        var["label"] = words.capitalize()
    if isinstance(var.get("value"), bool):
        var["type"] = "checkbox"
    elif key.endswith("Font") and "Size" in key:
        var["type"], var["value"] = "size", f"{rng.choice((14, 15, 16, 18))}px"
    elif key.endswith("Font"):
        var["type"], var["value"] = "font", rng.choice(FONTS)
    elif key.endswith("Color"):
        var["type"], var["value"] = "color", f"#{rng.getrandbits(24):06x}"
    elif isinstance(var.get("value"), str):
        var["type"], var["value"] = "text", rng.choice(W.SENTENCES)
    if isinstance(var.get("enum"), list):
        var["enum"] = [
            {"label": f, "value": f} if var.get("type") == "font" else item
            for f, item in zip(FONTS, var["enum"], strict=False)
        ]
    return var


# ---------------------------------------------------------------- lists

_STRING_LISTS: dict[str, Callable[[random.Random, Org], list[Any]]] = {
    "roles": lambda r, o: r.sample(W.ROLE_NAMES, r.randint(1, 4)),
    "channels": lambda r, o: r.sample(W.CHANNELS, r.randint(1, 2)),
    "events": lambda r, o: r.sample(W.EVENT_NAMES, r.randint(1, 5)),
    "cidr": lambda r, o: [f"10.{r.randint(0, 255)}.0.0/16"],
    "corsWhitelist": lambda r, o: [f"https://{d}" for d in r.sample(W.DOMAINS, 2)],
    "inboundHookUris": lambda r, o: [f"https://api.example.com/hooks/{hexid(r)}"],
    "domains": lambda r, o: r.sample(W.DOMAINS, r.randint(1, 2)),
    "contexts": lambda r, o: r.sample(("customer", "conversation", "smartbar"), 2),
    "metaKeywords": lambda r, o: r.sample(W.WORDS, 3),
    "images": lambda r, o: [f"https://cdn.example.com/kb/{hexid(r)}.png"],
    "assignedUsers": lambda r, o: r.sample(o.small_ids("users"), r.randint(1, 2)),
    "activeUsers": lambda r, o: r.sample(o.small_ids("users"), 1),
    "watchers": lambda r, o: r.sample(o.small_ids("users"), r.randint(1, 2)),
    "accessUsers": lambda r, o: r.sample(o.small_ids("users"), r.randint(1, 3)),
    "members": lambda r, o: r.sample(o.small_ids("users"), r.randint(2, 5)),
    "assignedTeams": lambda r, o: r.sample(o.small_ids("teams"), 1),
    "createdByTeams": lambda r, o: r.sample(o.small_ids("teams"), 1),
    "accessTeams": lambda r, o: r.sample(o.small_ids("teams"), r.randint(1, 2)),
    "externalQueues": lambda r, o: r.sample(o.small_ids("routing_queues"), 1),
    "categories": lambda r, o: r.sample(o.small_ids("categories"), 1),
    # the org's knowledge base, the one its categories and KB forms name, in the documented
    # item shape `{id, featured}`
    "knowledgeBases": lambda r, o: [{"id": knowledge_base_id(o), "featured": r.random() < 0.5}],
    "tags": lambda r, o: r.sample(o.tag_ids, r.randint(1, 3)),
    "skills": lambda r, o: [f"skill-{w}" for w in r.sample(W.LANGS, r.randint(1, 2))],
    "roleGroups": lambda r, o: [hexid(r)],
    "roleGroupVersions": lambda r, o: [f"{hexid(r)}:{r.randint(1, 9)}"],
    "accessOverride": lambda r, o: r.sample(o.small_ids("users"), 1),
    "matchedTimeBasedRules": lambda r, o: [hexid(r)],
    "categoryPositions": lambda r, o: r.sample(o.small_ids("categories"), 2),
    "positions": lambda r, o: [hexid(r) for _ in range(r.randint(1, 3))],
    "shortcutPositions": lambda r, o: r.sample(o.small_ids("shortcuts"), 2),
    "snippets": lambda r, o: r.sample(o.small_ids("snippets"), 1),
    "jsxSnippets": lambda r, o: [f"{_words(r, 1)}.jsx" for _ in range(r.randint(1, 3))],
    "configSnippets": lambda r, o: [f"{_words(r, 1)}.json"],
}


def _list_of_objects(table: str, name: str, r: random.Random) -> list[dict[str, Any]]:
    n = r.randint(1, 3)
    first, last = r.choice(W.FIRST_NAMES).lower(), r.choice(W.LAST_NAMES).lower()
    if name in ("emails", "sharedEmails"):
        return [
            {
                "type": r.choice(("home", "work", "other")),
                "email": f"{first}.{last}{k}@{r.choice(W.DOMAINS)}",
            }
            for k in range(n)
        ]
    if name in ("phones", "sharedPhones", "whatsapps"):
        return [
            {
                "type": r.choice(("mobile", "home", "work")),
                "phone": f"+1555{r.randint(1000000, 9999999)}",
            }
            for _ in range(n)
        ]
    if name in ("socials", "sharedSocials"):
        return [
            {
                "type": r.choice(("twitter", "facebook", "instagram")),
                "username": f"{first}{r.randint(1, 99)}",
                "url": "https://social.example.com/",
            }
            for _ in range(n)
        ]
    if name == "urls":
        return [{"type": "website", "url": f"https://{last}.example.com"}]
    if name == "locations":
        out = []
        for _ in range(n):
            city, region, country = r.choice(W.CITIES)
            out.append(
                {
                    "type": "home",
                    "address": f"{r.randint(1, 999)} Main St",
                    "cityName": city,
                    "regionCode": region,
                    "countryCode": country,
                }
            )
        return out
    if name in ("externalIds", "sharedExternalIds"):
        return [{"externalId": f"ext-{r.getrandbits(32):08x}", "verified": r.random() < 0.5}]
    if name in ("facebookIds", "instagramIds"):
        return [{"userId": str(r.randint(10**9, 10**10)), "pageId": str(r.randint(10**6, 10**7))}]
    if name == "recentItems":
        return [{"type": "conversation", "id": hexid(r), "viewedAt": _ts(r)} for _ in range(n)]
    if name == "predictions":
        return [
            {
                "model": r.choice(("intent", "language")),
                "value": _words(r, 1),
                "confidence": round(r.random(), 3),
            }
            for _ in range(n)
        ]
    if name in ("suggestedTags", "suggestedShortcuts"):
        return [{"id": hexid(r), "confidence": round(r.random(), 3)} for _ in range(n)]
    if name == "intentDetections":
        return [{"intent": _words(r, 2), "confidence": round(r.random(), 3)}]
    if name == "reactions":
        return [{"emoji": r.choice(("thumbsup", "heart", "smile")), "userId": hexid(r)}]
    if name in ("questions", "allQuestions", "positiveQuestions", "negativeQuestions"):
        return [
            {
                "id": hexid(r),
                "text": r.choice(("How did we do?", "Anything else?")),
                "type": r.choice(("rating", "text")),
            }
            for _ in range(n)
        ]
    if name in ("teamVisibilities", "userVisibilities"):
        return [{"id": hexid(r), "visible": r.random() < 0.7}]
    if name == "children":
        return [{"id": hexid(r), "type": "search", "position": k} for k in range(n)]
    if name in ("layout", "layoutV2"):
        return [
            {
                "component": r.choice(("header", "field", "text")),
                "key": _words(r, 1),
                "width": r.choice((4, 6, 12)),
            }
            for _ in range(n)
        ]
    if name == "headers":
        return [{"name": "X-Api-Key", "value": f"{r.getrandbits(64):016x}"}]
    if name == "capacity":
        return [{"channel": c, "limit": r.randint(1, 5)} for c in r.sample(W.CHANNELS, n)]
    if name in ("widgets", "dataSubscriptions"):
        return [{"name": _words(r, 2), "type": r.choice(("card", "sidebar"))}]
    return [generic_struct(r) for _ in range(n)]


def list_value(table: str, name: str, rng: random.Random, org: Org) -> list[Any]:
    """One variant of a List attribute (non-empty): strings for id-like lists, else objects."""
    if name in _STRING_LISTS:
        return _STRING_LISTS[name](rng, org)
    return _list_of_objects(table, name, rng)


# ---------------------------------------------------------------- scalars

_INT_RANGES: dict[str, tuple[int, int]] = {
    "rev": (1, 30),
    "priority": (1, 5),
    "satisfaction": (0, 1),
    "size": (200, 90_000),
    "version": (1, 12),
    "settingsVersion": (1, 8),
    "position": (0, 30),
    "itemSize": (1, 3),
    "workItemCapacity": (1, 10),
    "consecutiveErrorsCount": (0, 4),
}


def int_value(name: str, rng: random.Random) -> int:
    """One variant of an Integer attribute."""
    lo, hi = _INT_RANGES.get(name, (0, 40))
    return rng.randint(lo, hi)


def palette_for(table: str, name: str, typ: str, rng: random.Random, org: Org) -> tuple[Any, ...]:
    """The variants a palette field picks from."""
    make: Callable[[], Any]
    if typ == "String":
        make = lambda: string_value(table, name, rng)  # noqa: E731
    elif typ == "Struct":
        make = lambda: struct_value(table, name, rng, org)  # noqa: E731
    elif typ == "List":
        make = lambda: list_value(table, name, rng, org)  # noqa: E731
    elif typ == "Boolean":
        if name in ("deleted", "redacted", "spam", "isError", "appDisabled", "system"):
            return (False,)
        return (True, False, True)
    elif typ == "Double":
        return (0.5, 1.0, 2.5, 4.0, 24.0, 48.0)
    else:
        make = lambda: int_value(name, rng)  # noqa: E731
    return tuple(make() for _ in range(PALETTE_SIZE))


# ---------------------------------------------------------------- per-record values


def _iso_pick(k: int) -> RawJson:
    return RawJson(lambda c, x: f'"{c.iso[k]}"')


def _epoch_ms(name: str) -> RawJson:
    if name == "createdAt":
        return RawJson(lambda c, x: str(c.created))
    if name == "updatedAt":
        return RawJson(lambda c, x: str(c.shown))
    return RawJson(lambda c, x: str(c.created + (c.updated - c.created) * (1 + (x >> 40) % 3) // 4))


def _iso_between() -> RawJson:
    return RawJson(lambda c, x: f'"{c.iso[1 + (x >> 40) % 3]}"')


#: generated audit-log entries expire this many days (plus under one day) after their creation
GENERATED_AUDIT_EXPIRY_DAYS = 4 * 365


def _future(days: int) -> RecFn:
    return lambda c, x: iso_ms(c.created + days * DAY_MS + (x >> 40) % DAY_MS)


def _person(c: Ctx) -> tuple[str, str]:
    return W.FIRST_NAMES[c.h % 32], W.LAST_NAMES[(c.h >> 5) % 32]


def message_channel(org: Org, p: int, k: int) -> str:
    """The channel of message ``k`` of conversation ``p``: the conversation's first channel, or
    its second one (when it has two) for about half the messages after the first reply."""
    channels = org.story(p)[0].channels
    if len(channels) < 2 or k < 2:
        return channels[0]
    layout = org.layout("conversations")
    return channels[(mix64(layout.hash(p) ^ (k * GOLD & MASK)) >> 7) & 1]


class Story:
    """A conversation's :class:`Life` with its fields pre-serialized (ids, timestamps and
    numbers only), built once per record and shared by the fields that show it. Its message
    pointers name the conversation's real messages, at their own sentAt."""

    __slots__ = (
        "life",
        "timeline",
        "status",
        "ended",
        "ended_at",
        "phase",
        "channels",
        "teams",
        "users",
        "counts",
        "first_response",
        "last_response",
        "done",
        "satisfaction",
        "satisfaction_level",
        "pointers",
    )

    def __init__(self, c: Ctx) -> None:
        org = c.org
        self.life, self.timeline = life, tl = org.story(c.i)
        team = org.small_ids("teams")[life.team]
        user = org.small_ids("users")[life.user]
        n = len(tl.created)
        out = sum(tl.out)
        self.counts = (str(n), str(n - out), str(out))
        self.status = f'"{life.status}"'
        self.ended = "false" if life.done is None else "true"
        self.channels = "[" + ",".join(f'"{ch}"' for ch in life.channels) + "]"
        self.teams = f'["{team}"]'
        self.users = f'["{user}"]'
        who = (
            f'"createdBy":"{user}","createdByTeams":["{team}"],'
            f'"assignedTeams":["{team}"],"assignedUsers":["{user}"]'
        )
        self.first_response = self.last_response = "null"
        self.phase = '"queued"'
        created = tl.created
        if tl.first_out is not None and tl.last_out is not None:
            first_at, last_at = created[tl.first_out], created[tl.last_out]
            first_business = org.business_ms(c.created, first_at)
            self.first_response = _response_json(
                iso_ms(first_at), first_at - c.created, first_business, who
            )
            # the last reply answers the customer message right before it
            asked = created[tl.last_out - 1]
            last_business = org.business_ms(asked, last_at)
            self.last_response = _response_json(
                iso_ms(last_at), last_at - asked, last_business, who
            )
            self.phase = '"responded"'
        self.ended_at = self.done = self.satisfaction = self.satisfaction_level = "null"
        if tl.done is not None:
            done_at = iso_ms(tl.done)
            took = tl.done - c.created
            self.ended_at = f'"{done_at}"'
            self.phase = '"done"'
            self.done = (
                f'{{"createdAt":"{done_at}",{who},"time":{took},'
                f'"businessTime":{org.business_ms(c.created, tl.done)},"messageCount":{n},'
                f'"outboundMessageCount":{out}}}'
            )
            # the survey goes out when the conversation is done; about half get a rating
            if life.rating is None:
                self.satisfaction_level = f'{{"status":"offered","sentByTeams":["{team}"]}}'
            else:
                answer = "satisfied" if life.rating >= 4 else "unsatisfied"
                self.satisfaction = str(life.rating)
                self.satisfaction_level = (
                    f'{{"status":"rated","rating":{life.rating},"firstAnswer":"{answer}",'
                    f'"sentByTeams":["{team}"]}}'
                )
        # the message each pointer names: firstMessageIn, firstMessageOut, lastMessageIn,
        # lastMessageOut, lastMessageUnrespondedTo, lastMessageUnrespondedToSinceLastDone
        # inferred: lastMessageUnrespondedTo is the customer's last message (each waited for
        # a reply); ...SinceLastDone the same while the conversation is not done (a done
        # conversation has no message since)
        ins = [k for k in range(n) if not tl.out[k]]
        outs = [k for k in range(n) if tl.out[k]]
        unresponded = ins[-1] if ins else None
        since_done = unresponded if tl.done is None else None
        picks = (
            ins[0] if ins else None,
            outs[0] if outs else None,
            ins[-1] if ins else None,
            outs[-1] if outs else None,
            unresponded,
            since_done,
        )
        first = org.child_range("conversations", "messages", c.i).start
        layout = org.layout("messages")
        self.pointers: list[str] = []
        for k in picks:
            if k is None:
                self.pointers.append("null")
                continue
            mid = layout.id(first + k, created[k])
            self.pointers.append(
                f'{{"id":"{mid}","sentAt":"{iso_ms(created[k])}",'
                f'"channel":"{message_channel(org, c.i, k)}"}}'
            )


def _response_json(at: str, wait: int, business: int, who: str) -> str:
    """firstResponse/lastResponse: ``responseTime`` (= ``time``) and ``businessTime`` (the same
    span in the default schedule's hours) in ms."""
    return (
        f'{{"createdAt":"{at}","sentAt":"{at}","responseTime":{wait},"time":{wait},'
        f'"businessTime":{business},{who}}}'
    )


def _msg_struct(k: int) -> RawJson:
    """firstMessageIn/Out, lastMessageIn/Out, lastMessageUnrespondedTo(SinceLastDone): the
    conversation's real messages (null where there is none), ``sentAt`` theirs."""
    return RawJson(lambda c, x: c.story.pointers[k])


def _story_json(attr: str) -> RawJson:
    get = attrgetter(attr)
    return RawJson(lambda c, x: get(c.story))


def _story_count(k: int) -> RawJson:
    return RawJson(lambda c, x: c.story.counts[k])


def _conversation_fns() -> dict[str, AnyFn]:
    """The support-report fields of a conversation, all from one :class:`Story`."""
    fns: dict[str, AnyFn] = {
        name: _story_json(attr)
        for name, attr in (
            ("status", "status"),
            ("ended", "ended"),
            ("endedAt", "ended_at"),
            ("phase", "phase"),
            ("channels", "channels"),
            ("assignedTeams", "teams"),
            ("assignedUsers", "users"),
            ("satisfaction", "satisfaction"),
            ("satisfactionLevel", "satisfaction_level"),
            ("firstResponse", "first_response"),
            ("firstResponseSinceLastDone", "first_response"),
            ("lastResponse", "last_response"),
            ("firstDone", "done"),
            ("lastDone", "done"),
        )
    }
    for k, name in enumerate(("messageCount", "inboundMessageCount", "outboundMessageCount")):
        fns[name] = _story_count(k)
    fns["noteCount"] = lambda c, x: len(children_of(c, "notes"))
    for k, attr in enumerate(
        (
            "firstMessageIn",
            "firstMessageOut",
            "lastMessageIn",
            "lastMessageOut",
            "lastMessageUnrespondedTo",
            "lastMessageUnrespondedToSinceLastDone",
        )
    ):
        fns[attr] = _msg_struct(k)
    return fns


# ---------------------------------------------------------------- customers


def _company_name(c: Ctx, x: int) -> str | None:
    """The name of the customer's company (null for a customer without one)."""
    j = c.org.customer_company_index(c.i)
    if j is None:
        return None
    return company_name(c.org, j)


def company_name(org: Org, j: int) -> str:
    """``name`` of generated company ``j``."""
    return f"{_company(org.layout('companies').hash(j))} {j}"


def _customer_story(c: Ctx) -> list[int]:
    convs = c.memo.get("conversations")
    if convs is None:
        convs = c.memo["conversations"] = c.org.customer_conversations(c.i)
    return convs


def _conversation_counts(c: Ctx, x: int) -> dict[str, int]:
    """How many of the customer's conversations there are, by status (``all`` their sum)."""
    from .lifecycle import conversation_status

    org = c.org
    layout = org.layout("conversations")
    counts = {"all": 0, "open": 0, "done": 0, "snoozed": 0}
    for j in _customer_story(c):
        h = layout.hash(j)
        counts[conversation_status(j, h, layout.times(j, h)[0], layout.step)] += 1
        counts["all"] += 1
    return counts


def _last_conversation(c: Ctx, x: int) -> dict[str, Any] | None:
    """The customer's latest conversation: its id, channels, sentiment and tags."""
    convs = _customer_story(c)
    if not convs:
        return None
    org = c.org
    j = convs[-1]
    return {
        "id": org.layout("conversations").id(j),
        "channels": list(org.story(j)[0].channels),
        "sentiment": {"polarity": (x >> 50) % 3 - 1, "confidence": (x >> 30) % 1000 / 1000},
        "tags": org.tag_ids[: 1 + (x >> 20) % 2],
    }


def _customer_preview(c: Ctx, x: int) -> dict[str, Any] | None:
    """The customer's latest conversation as its timeline previews it (when it opened)."""
    convs = _customer_story(c)
    org = c.org
    if not convs:
        return None
    j = convs[-1]
    life = org.story(j)[0]
    return {
        "previewAt": iso_ms(min(life.created, c.updated)),
        "type": life.channels[0],
        "subject": _pick(W.SUBJECTS, org.layout("conversations").hash(j)),
        "text": _pick(W.SENTENCES, org.layout("conversations").hash(j) >> 3),
    }


# ---------------------------------------------------------------- messages

#: the app that carries a channel's messages (inferred; the OAS example's e-mail is postmark)
CHANNEL_APPS = {
    "email": "postmark",
    "chat": "chat",
    "sms": "twilio",
    "voice": "twilio",
    "whatsapp": "twilio",
    "facebook": "facebook",
    "instagram": "instagram",
    "form": "form",
}
SUPPORT_EMAIL = "support@example.com"


class MessageStory:
    """What one message shows of its conversation's story."""

    __slots__ = ("p", "k", "out", "channel", "team", "agent", "customer_email", "subject")

    def __init__(self, c: Ctx) -> None:
        org = c.org
        self.p, self.k = org.message_position(c.i)
        life, timeline = org.story(self.p)
        self.out = timeline.out[self.k]
        self.channel = message_channel(org, self.p, self.k)
        self.team = org.small_ids("teams")[life.team]
        self.agent = org.small_ids("users")[life.user]
        customer = org.conversation_customer_index(self.p)
        first, last = _person_of(org.layout("customers").hash(customer))
        self.customer_email = f"{first}.{last}{customer}@example.com".lower()
        subject = _pick(W.SUBJECTS, org.layout("conversations").hash(self.p))
        self.subject = subject if self.k == 0 else f"Re: {subject}"


def _message(c: Ctx) -> MessageStory:
    story = c.memo.get("message")
    if story is None:
        story = c.memo["message"] = MessageStory(c)
    return story


def _message_status(c: Ctx, x: int) -> str:
    if not _message(c).out:
        return "received"
    r = (c.h >> 51) % 16
    return "error" if r == 0 else "sent" if r < 6 else "delivered"


def _message_meta(c: Ctx, x: int) -> dict[str, Any]:
    """The e-mail ``meta`` (the only documented one) from the message's direction: inbound
    from the customer to support, outbound the other way."""
    m = _message(c)
    sender, recipient = (SUPPORT_EMAIL, m.customer_email) if m.out else (m.customer_email, "")
    recipient = recipient or SUPPORT_EMAIL
    cc_name = W.FIRST_NAMES[(x >> 9) % len(W.FIRST_NAMES)].lower()
    return {
        "from": sender,
        "to": [{"email": recipient}],
        "cc": [f"{cc_name}@{W.DOMAINS[(x >> 14) % len(W.DOMAINS)]}"] if (x >> 5) % 4 == 0 else [],
        "subject": m.subject,
        "inReplyTo": f"<{(c.h >> 3) & 0xFFFFFFFFFFFF:012x}@mail.example.com>" if m.k else "",
        "recipient": {"email": recipient, "mailboxHash": ""},
    }


def _message_fns() -> dict[str, AnyFn]:
    """A message's fields from its place in its conversation's story."""
    fns: dict[str, AnyFn] = {
        "subject": lambda c, x: _message(c).subject,
        "preview": lambda c, x: _pick(W.SENTENCES, c.h >> 3),
        "externalId": lambda c, x: f"<{c.h:016x}@mail.example.com>",
        "direction": lambda c, x: "out" if _message(c).out else "in",
        "directionType": lambda c, x: (
            "response-out"
            if _message(c).out
            else "initial-in"
            if _message(c).k == 0
            else "response-in"
        ),
        "channel": lambda c, x: _message(c).channel,
        "app": lambda c, x: CHANNEL_APPS.get(_message(c).channel, "chat"),
        "status": _message_status,
        "sentAt": _iso_pick(0),
        "errorAt": lambda c, x: (
            iso_ms(c.created + (x >> 30) % max(1, c.updated - c.created))
            if _message_status(c, x) == "error"
            else None
        ),
        "meta": _message_meta,
        "assignedTeams": lambda c, x: [_message(c).team],
        "assignedUsers": lambda c, x: [_message(c).agent],
        "createdByTeams": lambda c, x: [_message(c).team] if _message(c).out else [],
    }
    return fns


def _note_conversation(c: Ctx) -> int:
    return c.org.parent_index("conversations", "notes", c.i)


# ---------------------------------------------------------------- routing


def _work_item_fns() -> dict[str, AnyFn]:
    """A work item's fields from its conversation's story: queued as it opens, accepted by the
    conversation's agent before the first reply, completed when it is done."""

    def times(c: Ctx) -> tuple[int, int | None, int, int]:
        t = c.memo.get("item times")
        if t is None:
            t = c.memo["item times"] = c.org.work_item_times(c.i)
        return t

    def conv(c: Ctx) -> int:
        return c.org.parent_index("conversations", "routing_work_items", c.i)

    def status(c: Ctx, x: int) -> str:
        _queued, accepted, _c, _u = times(c)
        life = c.org.story(conv(c))[0]
        if life.done is not None:
            return "completed"
        return "accepted" if accepted is not None else "queued"

    def completed(c: Ctx, x: int) -> str | None:
        done = c.org.story(conv(c))[1].done
        return None if done is None else iso_ms(done)

    def revision(c: Ctx, x: int) -> dict[str, Any]:
        queued, accepted, _c, _u = times(c)
        return {
            "acceptedAt": None if accepted is None else iso_ms(accepted),
            "enteredQueueAt": iso_ms(queued),
            "externalQueue": "",
        }

    def handle(c: Ctx, x: int) -> dict[str, Any] | None:
        queued, accepted, _c, _u = times(c)
        if accepted is None:
            return None
        org = c.org
        user = org.small_ids("users")[org.story(conv(c))[0].user]
        return {"userId": user, "acceptedAt": iso_ms(accepted), "time": accepted - queued}

    def resource(c: Ctx, x: int) -> dict[str, Any]:
        org = c.org
        return {
            "id": org.layout("conversations").id(conv(c)),
            "type": "conversation",
            "rev": 1 + (x >> 40) % 9,
        }

    return {
        "resource": resource,
        "workItemNumber": lambda c, x: c.i + 1,
        "status": status,
        "channel": lambda c, x: c.org.story(conv(c))[0].channels[0],
        "resourceType": lambda c, x: "conversation",
        "resourceDirection": lambda c, x: "in",
        "resourceCreatedAt": RawJson(lambda c, x: f'"{iso_ms(c.org.story(conv(c))[0].created)}"'),
        "firstEnterQueueAt": RawJson(lambda c, x: f'"{iso_ms(times(c)[0])}"'),
        "resourceFirstQueueTime": lambda c, x: times(c)[0] - c.org.story(conv(c))[0].created,
        "completedAt": completed,
        "lastRevision": revision,
        "handle": handle,
    }


def _session_fns() -> dict[str, AnyFn]:
    """A work session's capacity (``remaining`` never above ``limit``) and its time by status
    (the documented ``{statusAt, businessTime, time}``, within the session)."""

    def capacity(c: Ctx, x: int) -> list[dict[str, int]]:
        out = []
        for k in range(1 + (x >> 7) % 2):
            y = mix64(x ^ ((k + 1) * GOLD & MASK))
            limit = 1 + y % 8
            out.append({"limit": limit, "remaining": (y >> 8) % (limit + 1), "priority": k + 1})
        return out

    def by_status(c: Ctx, x: int) -> dict[str, Any]:
        statuses = c.org.small_ids("routing_statuses")
        span = max(1, c.updated - c.created)
        picked = [statuses[(x >> (8 * k)) % len(statuses)] for k in range(1 + (x >> 40) % 3)]
        out = {}
        for k, status in enumerate(dict.fromkeys(picked)):
            time = span // (k + 2)
            at = c.created + span * k // 4
            out[status] = {
                "statusAt": iso_ms(at),
                "businessTime": c.org.business_ms(at, at + time),
                "time": time,
            }
        return out

    def total(k: int) -> RecFn:
        def fn(c: Ctx, x: int) -> dict[str, Any]:
            span = max(1, c.updated - c.created)
            time = span // (k + 2)
            at = c.created + span * k // 8
            return {
                "statusAt": iso_ms(at),
                "businessTime": c.org.business_ms(at, at + time),
                "time": time,
            }

        return fn

    def revision(c: Ctx, x: int) -> dict[str, Any]:
        return {
            "handledItemCount": (x >> 20) % 12,
            "totalAvailable": {"statusAt": iso_ms(c.created + (c.updated - c.created) // 3)},
        }

    return {
        "capacity": capacity,
        "totalTimeByStatus": by_status,
        "totalAvailable": total(1),
        "totalAvailableAtCapacity": total(2),
        "totalUnavailable": total(3),
        "totalUnavailableAtCapacity": total(4),
        "lastRevision": revision,
    }


# ---------------------------------------------------------------- shortcuts


def _shortcut_conversation(c: Ctx, x: int) -> dict[str, Any]:
    """What a shortcut sets on the conversation: ``name`` and ``tags`` as ``{operator, value}``
    (singer-io tap-kustomer's schema) and ``custom`` attributes (MeltanoLabs' schema). The
    operators are inferred."""
    tags = c.org.tag_ids
    out: dict[str, Any] = {
        "name": {"operator": "set", "value": _pick(W.SUBJECTS, x)},
        "tags": {"operator": "add", "value": [tags[(x >> 9) % len(tags)]]},
    }
    if c.i < 3 or (x >> 17) % 3 == 0:
        out["custom"] = {"vipBool": (x >> 21) % 2 == 0}
    return out


def _shortcut_payload(c: Ctx, x: int) -> dict[str, Any]:
    """The reply a shortcut inserts: ``text`` as a Draft.js raw document, as both peer taps
    type it (``{blocks: [{key, text, type, depth, inlineStyleRanges, entityRanges, data}],
    entityMap}``); a link entity on some."""
    text = W.SENTENCES[(x >> 11) % len(W.SENTENCES)]
    block: dict[str, Any] = {
        "key": f"{(x >> 20) & 0xFFFFF:05x}",
        "text": text,
        "type": "unstyled",
        "depth": 0,
        "inlineStyleRanges": [],
        "entityRanges": [],
        "data": {},
    }
    entity_map: dict[str, Any] = {}
    if c.i < 3 or (x >> 40) % 2 == 0:
        block["inlineStyleRanges"] = [{"offset": 0, "length": min(4, len(text)), "style": "BOLD"}]
        block["entityRanges"] = [{"offset": 0, "length": min(4, len(text)), "key": 0}]
        entity_map["0"] = {
            "type": "LINK",
            "mutability": "MUTABLE",
            "data": {"url": "https://help.example.com/articles/returns"},
        }
    return {"text": {"blocks": [block], "entityMap": entity_map}}


def _person_of(h: int) -> tuple[str, str]:
    return W.FIRST_NAMES[h % 32], W.LAST_NAMES[(h >> 5) % 32]


def _record_fns(table: str) -> dict[str, AnyFn]:
    """Per-record functions of one object, by attribute name."""
    fns: dict[str, AnyFn] = {}
    if table in ("customers", "users"):

        def name(c: Ctx, x: int) -> str:
            first, last = _person(c)
            return f"{first} {last}"

        fns.update(name=name, displayName=name)
        fns["firstName"] = lambda c, x: _person(c)[0]
        fns["lastName"] = lambda c, x: _person(c)[1]
        fns["email"] = lambda c, x: "{}.{}{}@example.com".format(*_person(c), c.i).lower()
        fns["externalId"] = lambda c, x: f"cust-{c.i:07d}"
        fns["companyName"] = _company_name
        fns["emails"] = lambda c, x: [
            {
                "type": "home",
                "email": "{}.{}{}@example.com".format(*_person(c), c.i).lower(),
                "verified": (x >> 44) % 3 != 0,
            }
        ]
    if table == "customers":
        fns["conversationCounts"] = _conversation_counts
        fns["lastConversation"] = _last_conversation
        fns["preview"] = _customer_preview
    if table == "users":
        # an API key belongs to a machine user (the rate-limit page: "machine users (API
        # keys)"): the first user, whose key the sandbox serves; a few others are machines too
        fns["userType"] = lambda c, x: user_type(c.org, c.i)
    if table == "companies":
        fns["name"] = lambda c, x: f"{_company(c.h)} {c.i}"
        fns["externalId"] = lambda c, x: f"comp-{c.i:06d}"
        fns["domains"] = lambda c, x: [f"{_company(c.h).split()[0].lower()}{c.i}.example.com"]
    if table == "conversations":
        fns["name"] = lambda c, x: _pick(W.SUBJECTS, c.h)
        fns["preview"] = lambda c, x: _pick(W.SENTENCES, c.h >> 3)
        fns.update(_conversation_fns())
        # the customer wrote first: every generated conversation is inbound
        fns["direction"] = lambda c, x: "in"
        fns["lastMessageAt"] = RawJson(lambda c, x: f'"{iso_ms(c.story.timeline.created[-1])}"')
        fns["lastMessageDirection"] = lambda c, x: "out" if c.story.timeline.out[-1] else "in"
        fns["importedAt"] = _iso_pick(0)
        fns["assistant"] = lambda c, x: {
            "fac": {"id": c.org.small_ids("users")[0], "startedAt": c.iso[1]}
        }
    if table == "teams":
        fns["name"] = lambda c, x: W.TEAM_NAMES[c.i % len(W.TEAM_NAMES)]
        fns["displayName"] = lambda c, x: W.TEAM_NAMES[c.i % len(W.TEAM_NAMES)]
    if table == "messages":
        fns.update(_message_fns())
    if table == "notes":
        fns["body"] = lambda c, x: f"{_pick(W.SENTENCES, c.h)} (note {c.i})"
        fns["createdByTeams"] = lambda c, x: [
            c.org.small_ids("teams")[c.org.story(_note_conversation(c))[0].team]
        ]
    if table == "audit_logs":
        fns["objectType"] = lambda c, x: _audit_target(c)[0]
        fns["objectId"] = lambda c, x: _audit_target(c)[1]
        fns["userId"] = lambda c, x: audit_user(c)
        fns["userType"] = lambda c, x: audit_user_type(c)
        fns["ip"] = lambda c, x: None if audit_user(c) is None else f"203.0.113.{1 + c.h % 254}"
        fns["client"] = _audit_client
        fns["org"] = lambda c, x: c.org.org_id
        fns["eventName"] = lambda c, x: f"kustomer.{_audit_target(c)[0]}.{audit_verb(c)}"
        fns["eventVerb"] = lambda c, x: audit_verb(c)
        fns["changes"] = _audit_changes
        fns["expiresAt"] = _future(GENERATED_AUDIT_EXPIRY_DAYS)
    if table == "shortcuts":
        fns["conversation"] = _shortcut_conversation
        fns["payload"] = _shortcut_payload
    if table == "routing_work_sessions":
        fns.update(_session_fns())
    if table in ("auth_tokens",):
        fns["expireAt"] = _future(2 * 365)
    if table == "kb_routes":
        fns["routableId"] = lambda c, x: _pick(c.org.small_ids("kb_articles"), c.h)
        fns["routableType"] = lambda c, x: "article"
    if table == "kb_themes":
        fns["templateVersionId"] = lambda c, x: _pick(c.org.small_ids("kb_templates"), c.h)
    if table == "outbound_webhooks_transactions":
        fns["webhookId"] = lambda c, x: _pick(c.org.small_ids("outbound_webhooks"), c.h)
        fns["sentAt"] = lambda c, x: c.updated
        fns["nextRetry"] = _future(1)
    if table == "customers_searches_pinned":
        fns["search"] = lambda c, x: _pick(c.org.small_ids("customers_searches"), c.h)
    if table == "kb_articles":
        # inferred: deletedAt on a live article = an earlier delete that was undone
        fns["deletedAt"] = _iso_between()
    if table == "routing_work_items":
        fns.update(_work_item_fns())
    if table in ("brands", "schedules", "chat_settings"):
        fns["default"] = lambda c, x: c.i == 0
    if table == "outbound_webhooks_events":
        fns["events"] = lambda c, x: list(W.EVENT_NAMES)
    return fns


def _company(x: int) -> str:
    return f"{W.COMPANY_WORDS[x % 16]} {W.COMPANY_SUFFIXES[(x >> 4) % 8]}"


def children_of(c: Ctx, child: str) -> range:
    """Generated child indices (messages, notes) of conversation ``c.i``."""
    return c.org.child_range("conversations", child, c.i)


#: what generated audit-log entries log: object types of the documented
#: ``filter[objectType]`` enum (notes are not in it)
_AUDIT_TARGETS = (
    "conversations",
    "customers",
    "messages",
    "companies",
    "routing_work_items",
    "routing_work_sessions",
)
_AUDIT_TYPES = ("conversation", "customer", "message", "company", "work_item", "work_session")
_TYPE_OF = dict(zip((*_AUDIT_TARGETS, "users"), (*_AUDIT_TYPES, "user"), strict=True))


def audit_target_index(c: Ctx) -> tuple[str, int]:
    """The object and index of the record an audit-log entry logs: the latest of its object
    created before the entry (one created at about the same time), or, before any, a user."""
    memo = c.memo.get("audit target")
    if memo is not None:
        return memo
    org = c.org
    target = _AUDIT_TARGETS[c.h % len(_AUDIT_TARGETS)]
    layout = org.layout(target)
    j: int | None = parent_of(org.count(target), org.count("audit_logs"), c.i)
    for _ in range(32):
        assert j is not None
        if layout.times(j)[0] < c.created:
            break
        j = j - 1 if j > 0 else None
        if j is None:
            break
    else:
        j = None
    found = (target, j) if j is not None else ("users", org.pick_existing("users", c.created, c.h))
    c.memo["audit target"] = found
    return found


#: a generated entry logging an object created less than a day before it may be its `create`
CREATE_WITHIN_MS = 24 * 3_600_000


def audit_verb(c: Ctx) -> str:
    """The entry's ``eventVerb``: ``create`` for two in three entries that log an object made
    within the day before them, else ``update``. *Inferred*: the OAS example shows
    ``update``, Kustomer's event names (``kustomer.<object>.create|update``) and the
    documented deletes and merges the other verbs; deletes and merges are the sandbox's own
    writes (``removals.py``), since a generated object still exists."""
    verb = c.memo.get("audit verb")
    if verb is None:
        target, j = audit_target_index(c)
        made = c.org.layout(target).times(j)[0]
        fresh = c.created - made < CREATE_WITHIN_MS and (c.h >> 24) % 3 != 0
        verb = c.memo["audit verb"] = "create" if fresh else "update"
    return str(verb)


def _audit_target(c: Ctx) -> tuple[str, str]:
    target, j = audit_target_index(c)
    return _TYPE_OF[target], c.org.layout(target).id(j)


def user_type(org: Org, u: int) -> str:
    """``userType`` of generated user ``u``: the first user, whose API key the sandbox serves,
    and one in six others are machines (API keys, integrations); the rest are people."""
    if u == 0:
        return "machine"
    return "machine" if org.layout("users").hash(u) % 6 == 0 else "user"


def audit_user(c: Ctx) -> str | None:
    """The user an entry names: one who existed before it; None for a system entry (its `user`
    relationship in the documented empty form, ``empty_relationships``)."""
    from .relations import emptied

    if emptied(c, "audit_logs", "user"):
        return None
    org = c.org
    return org.small_ids("users")[org.pick_existing("users", c.created, c.h)]


def audit_user_type(c: Ctx) -> str:
    """``system`` for an entry without a user (the documented example), else the user's own
    ``userType``."""
    if audit_user(c) is None:
        return "system"
    org = c.org
    return user_type(org, org.pick_existing("users", c.created, c.h))


def _audit_client(c: Ctx, x: int) -> str:
    if audit_user(c) is None:
        return ("routing-api", "workflow", "kustomer-system")[x % 3]
    return ("kustomer-web", "api", "mobile")[x % 3]


def _audit_changes(c: Ctx, x: int) -> dict[str, Any]:
    """What the entry records, as the documented example: ``{attributes: {<name>: {op,
    before, after}}, relationships: {...}}``, with values of the logged object's kind."""
    org = c.org
    target, j = audit_target_index(c)
    users, teams, tags = org.small_ids("users"), org.small_ids("teams"), org.tag_ids
    agent = users[org.pick_existing("users", c.created, x)]
    team = teams[org.pick_existing("teams", c.created, x >> 8)]
    tag = tags[(x >> 16) % len(tags)]
    attrs: dict[str, Any]
    rels: dict[str, Any] = {}
    k = (x >> 40) % 4
    if target == "conversations":
        attrs = (
            {"status": ("open", "done")},
            {"assignedUsers": ([], [agent])},
            {"assignedTeams": ([], [team])},
            {"priority": (1 + k, 3 + k % 2)},
        )[k]
        if k == 1:
            customer = org.conversation_customer(j)
            rels = {"customer": {"op": "replace", "before": customer, "after": customer}}
    elif target == "customers":
        attrs = (
            {"tags": ([], [tag])},
            {"locale": ("en_US", "en_GB")},
            {"verified": (False, True)},
        )[k % 3]
        company = org.customer_company(j)
        if company is not None and k == 3:
            rels = {"company": {"op": "replace", "before": None, "after": company}}
    elif target == "messages":
        attrs = {"status": ("sent", "delivered")}
    elif target == "companies":
        attrs = {"tags": ([], [tag])} if k % 2 else {"externalId": (None, f"comp-{j:06d}")}
    elif target == "routing_work_items":
        attrs = {"status": ("queued", "accepted")}
        rels = {"assignedTo": {"op": "replace", "before": None, "after": agent}}
    elif target == "routing_work_sessions":
        attrs = {"statusType": ("available", "busy")}
    else:
        attrs = {"roles": (["org.user"], ["org.user", "org.admin"])}
    if audit_verb(c) == "create":  # inferred: what a create sets, from nothing
        attrs = {name: (None, after) for name, (_, after) in attrs.items()}
        rels = {name: {**change, "before": None} for name, change in rels.items()}
    return {
        "attributes": {
            name: {"op": "replace", "before": before, "after": after}
            for name, (before, after) in attrs.items()
        },
        "relationships": rels,
    }


def _work_item_conv(c: Ctx) -> str:
    org = c.org
    j = parent_of(org.count("conversations"), org.count("routing_work_items"), c.i)
    return org.layout("conversations").id(j)


#: struct attributes built to their documented shape by hand, not completed key by key (a saved
#: search's criteria: the documented item merges several examples' criteria into one object,
#: where a criterion holds one attribute)
AS_BUILT = frozenset({("customers_searches", "data")})

#: documented structs built by hand, whatever AppFlow says (an event envelope, a query)
BUILDERS: dict[tuple[str, str], Callable[[random.Random, Org], Any]] = {
    ("notifications", "event"): notification_event,
    ("customers_searches", "data"): saved_search,
}

#: never null or absent
REQUIRED = frozenset(
    {
        "createdAt",
        "updatedAt",
        "rev",
        "deleted",
        "objectId",
        "objectType",
        "eventName",
        "eventVerb",
        "webhookId",
        "routableId",
        "routableType",
        # the same as a relationship (audit user, pinned search), so never left out alone
        "userId",
        "search",
    }
)


#: timestamps inside palette values (ISO strings, and epoch milliseconds under an ``...At`` key)
_TIMES = re.compile(r'"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)"|(At":)(1\d{12})\b')
#: the period palette timestamps are drawn from (``_ts``: the two years before the clock start)
_PALETTE_T0, _PALETTE_SPAN = 1_730_419_200_000, 700 * DAY_MS


def _timed(texts: tuple[str, ...]) -> RawJson:
    """A palette of structs with moments in them, each moment mapped into the record's own
    lifetime ``[createdAt, updatedAt]`` (the palette's period scaled onto it, so the order of
    the moments within a value is kept)."""
    from .timefmt import parse_iso

    def fn(c: Ctx, x: int) -> str:
        text = texts[(x >> 24) % len(texts)]
        span = max(0, c.updated - c.created)

        def move(m: re.Match[str]) -> str:
            ms = parse_iso(m.group(1)) if m.group(1) else int(m.group(3))
            at = (
                c.created
                + (min(max(ms, _PALETTE_T0), _PALETTE_T0 + _PALETTE_SPAN) - _PALETTE_T0)
                * span
                // _PALETTE_SPAN
            )
            return f'"{iso_ms(at)}"' if m.group(1) else f"{m.group(2)}{at}"

        return _TIMES.sub(move, text)

    return RawJson(fn)


def compile_field(
    table: str,
    name: str,
    typ: str,
    org: Org,
    fns: dict[str, AnyFn],
    salt: int,
    doc: Shape | None = None,
    documented_only: bool = False,
) -> FieldGen:
    """The generator of one attribute of ``table``: ``typ`` is AppFlow's type (or the one
    :data:`.documented.APPFLOW_OF` gives a documented-only attribute), ``doc`` the documented
    shape, which wins where the two disagree."""
    fn: AnyFn | None = fns.get(name)
    if fn is None and doc is not None and doc.type == "integer" and name.endswith("At"):
        # documented as a number (routing queues' createdAt): epoch milliseconds
        fn = _epoch_ms(name)
    if fn is None and (typ == "DateTime" or (typ == "String" and name.endswith("At"))):
        fn = {
            "createdAt": _iso_pick(0),
            "updatedAt": _iso_pick(5),  # as shown: an old record may be updated recently
            "modifiedAt": _iso_pick(3),
            "lastActivityAt": _iso_pick(4),
            "lastMessageAt": _iso_pick(4),
        }.get(name, _iso_between())
    if fn is None and typ == "Long":
        fn = lambda c, x: c.updated  # noqa: E731
    palette: tuple[Any, ...] = ()
    if fn is None:
        rng = random.Random(f"{org.seed}:{table}:{name}")
        builder = BUILDERS.get((table, name))
        if builder is not None:
            palette = tuple(builder(rng, org) for _ in range(PALETTE_SIZE))
        elif documented_only and doc is not None and doc.type in ("object", "array"):
            # nothing but the documented shape to go on (messages' `sentiment`, ...)
            palette = tuple(documented_value(doc, name, rng, org) for _ in range(PALETTE_SIZE))
        else:
            palette = palette_for(table, name, typ, rng, org)
        exact = (table, name) in EXACT
        if (table, name) in AS_BUILT:
            pass  # built to the documented shape by hand (see its builder)
        elif doc is not None and (exact or not all(conforms(doc, v) for v in palette)):
            palette = tuple(complete(doc, v, name, rng, org, exact) for v in palette)
        if name == "manifest":
            palette = tuple(tidy_manifest(v, rng) for v in palette)
        texts = tuple(_dumps(v) for v in palette)
        if any(_TIMES.search(t) for t in texts):
            # a struct with moments in it: each record's own, within its lifetime
            fn, palette = _timed(texts), ()
    key = _dumps(name) + ":"
    empty = key + ("{}" if typ == "Struct" else "[]") if typ in ("Struct", "List") else ""
    raw = isinstance(fn, RawJson)
    call: RecFn | None = fn.fn if isinstance(fn, RawJson) else fn
    return FieldGen(
        name,
        salt,
        tuple(key + _dumps(v) for v in palette),
        call,
        raw,
        key,
        name not in REQUIRED,
        key + "null",
        empty,
    )


def record_fns(table: str) -> dict[str, AnyFn]:
    """Public accessor for the per-record functions of an object."""
    return _record_fns(table)


def record_story(table: str) -> Callable[[Ctx], Any] | None:
    """What to build once per record before its fields (``Ctx.story``), if anything."""
    return Story if table == "conversations" else None
