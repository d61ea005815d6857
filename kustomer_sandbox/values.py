"""Field values: palettes of realistic variants, and per-record value functions.

A field's value is either picked from a palette (a few variants built once per field
from the seed: Struct and List shapes, enum-like strings, numbers) or computed per
record (names, e-mails, timestamps, references to other records), see :func:`compile_field`.
Palette values are shared between records, so records must never be mutated in place.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from . import words as W
from .documented import EXACT, complete, conforms, documented_value
from .layout import DAY_MS, parent_of
from .lifecycle import BUSINESS_SHARE, conversation_life
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
    if name == "colors":
        return {"primary": rng.choice(W.COLORS), "secondary": rng.choice(W.COLORS)}
    if name == "from":
        return {"name": rng.choice(W.FIRST_NAMES), "email": "support@example.com"}
    if name == "scale":
        return {"type": rng.choice(("stars", "emoji", "numeric")), "options": rng.randint(2, 10)}
    if name == "event":
        return {
            "name": rng.choice(W.EVENT_NAMES),
            "objectType": "conversation",
            "objectId": hexid(rng),
        }
    if name == "settings" and table == "routing_queues":
        return {"routingType": rng.choice(("push", "pull")), "autoAssign": rng.random() < 0.5}
    return generic_struct(rng)


# ---------------------------------------------------------------- lists

_STRING_LISTS: dict[str, Callable[[random.Random, Org], list[str]]] = {
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
    "knowledgeBases": lambda r, o: [hexid(r)],
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
    return RawJson(lambda c, x: str(c.created + (c.updated - c.created) * (1 + (x >> 40) % 3) // 4))


def _iso_between() -> RawJson:
    return RawJson(lambda c, x: f'"{c.iso[1 + (x >> 40) % 3]}"')


#: generated audit-log entries expire this many days (plus under one day) after their creation
GENERATED_AUDIT_EXPIRY_DAYS = 4 * 365


def _future(days: int) -> RecFn:
    return lambda c, x: iso_ms(c.created + days * DAY_MS + (x >> 40) % DAY_MS)


def _person(c: Ctx) -> tuple[str, str]:
    return W.FIRST_NAMES[c.h % 32], W.LAST_NAMES[(c.h >> 5) % 32]


class Story:
    """A conversation's :class:`Life` with its fields pre-serialized (ids, timestamps and
    numbers only), built once per record and shared by the fields that show it."""

    __slots__ = (
        "life",
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
        "first_out_at",
        "last_out_at",
    )

    def __init__(self, c: Ctx) -> None:
        org = c.org
        self.life = life = conversation_life(
            c.i,
            c.h,
            c.created,
            c.updated,
            org.layout("conversations").step,
            len(org.small_ids("teams")),
            len(org.small_ids("users")),
        )
        team = org.small_ids("teams")[life.team]
        user = org.small_ids("users")[life.user]
        n = len(org.child_range("conversations", "messages", c.i))
        out = max(1, n // 2) if life.responded is not None else 0  # no outbound before a reply
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
        self.first_out_at = self.last_out_at = None
        self.phase = '"queued"'
        if life.responded is not None:
            # the last reply: halfway from the first reply to done (or to updatedAt)
            end = life.done if life.done is not None else c.updated
            last = life.responded + (end - life.responded) // 2
            self.first_out_at, self.last_out_at = iso_ms(life.responded), iso_ms(last)
            wait = life.responded - c.created
            self.first_response = _response_json(self.first_out_at, wait, who)
            # it answers a customer message sent halfway since the first reply
            last_wait = wait if last == life.responded else (last - life.responded) // 2
            self.last_response = _response_json(self.last_out_at, last_wait, who)
            self.phase = '"responded"'
        self.ended_at = self.done = self.satisfaction = self.satisfaction_level = "null"
        if life.done is not None:
            done_at = iso_ms(life.done)
            took = life.done - c.created
            self.ended_at = f'"{done_at}"'
            self.phase = '"done"'
            self.done = (
                f'{{"createdAt":"{done_at}",{who},"time":{took},'
                f'"businessTime":{int(took * BUSINESS_SHARE)},"messageCount":{n},'
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


def _response_json(at: str, wait: int, who: str) -> str:
    """firstResponse/lastResponse: ``responseTime`` (= ``time``) in ms."""
    return (
        f'{{"createdAt":"{at}","sentAt":"{at}","responseTime":{wait},"time":{wait},'
        f'"businessTime":{int(wait * BUSINESS_SHARE)},{who}}}'
    )


def _msg_struct(k: int) -> RawJson:
    """firstMessageIn/Out, lastMessageIn/Out, lastMessageUnrespondedTo(SinceLastDone).

    The first inbound message opens the conversation (at createdAt); the outbound ones are
    the first and last replies (null while nobody has replied); the others sit between the
    timestamps.
    """

    def fn(c: Ctx, x: int) -> str:
        msgs = c.memo.get("msgs")
        if msgs is None:
            msgs = c.memo["msgs"] = c.org.children_ids("conversations", "messages", c.i) or [
                c.org.layout("messages").id(0)
            ]
        story: Story = c.story
        at: str | None = c.iso[1 + k % 3]
        mid = msgs[min(k, len(msgs) - 1)]
        if k == 0:  # firstMessageIn
            at, mid = c.iso[0], msgs[0]
        elif k == 1:  # firstMessageOut
            at, mid = story.first_out_at, msgs[min(1, len(msgs) - 1)]
        elif k == 3:  # lastMessageOut
            at, mid = story.last_out_at, msgs[-1]
        if at is None:
            return "null"
        return f'{{"id":"{mid}","sentAt":"{at}","channel":"{story.life.channels[0]}"}}'

    return RawJson(fn)


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
        fns["companyName"] = lambda c, x: _company(c.h >> 11)
        fns["emails"] = lambda c, x: [
            {
                "type": "home",
                "email": "{}.{}{}@example.com".format(*_person(c), c.i).lower(),
                "verified": (x >> 44) % 3 != 0,
            }
        ]
        fns["lastConversation"] = lambda c, x: {
            "id": c.org.layout("conversations").id(min(c.i, c.org.count("conversations") - 1)),
            "channels": [_pick(W.CHANNELS, c.h)],
            "sentiment": {"polarity": (x >> 50) % 3 - 1, "confidence": (x >> 30) % 1000 / 1000},
            "tags": c.org.tag_ids[: 1 + (x >> 20) % 2],
        }
    if table == "companies":
        fns["name"] = lambda c, x: f"{_company(c.h)} {c.i}"
        fns["externalId"] = lambda c, x: f"comp-{c.i:06d}"
        fns["domains"] = lambda c, x: [f"{_company(c.h).split()[0].lower()}{c.i}.example.com"]
    if table == "conversations":
        fns["name"] = lambda c, x: _pick(W.SUBJECTS, c.h)
        fns["preview"] = lambda c, x: _pick(W.SENTENCES, c.h >> 3)
        fns.update(_conversation_fns())
        fns["importedAt"] = _iso_pick(0)
        fns["assistant"] = lambda c, x: {
            "fac": {"id": c.org.small_ids("users")[0], "startedAt": c.iso[1]}
        }
    if table == "teams":
        fns["name"] = lambda c, x: W.TEAM_NAMES[c.i % len(W.TEAM_NAMES)]
        fns["displayName"] = lambda c, x: W.TEAM_NAMES[c.i % len(W.TEAM_NAMES)]
    if table == "messages":
        fns["subject"] = lambda c, x: _pick(W.SUBJECTS, c.h)
        fns["preview"] = lambda c, x: _pick(W.SENTENCES, c.h >> 3)
        fns["externalId"] = lambda c, x: f"<{c.h:016x}@mail.example.com>"
    if table == "notes":
        fns["body"] = lambda c, x: f"{_pick(W.SENTENCES, c.h)} (note {c.i})"
    if table == "audit_logs":
        fns["objectType"] = lambda c, x: _audit_target(c)[0]
        fns["objectId"] = lambda c, x: _audit_target(c)[1]
        fns["userId"] = lambda c, x: _pick(c.org.small_ids("users"), c.h)
        fns["org"] = lambda c, x: c.org.org_id
        fns["eventName"] = lambda c, x: f"kustomer.{_audit_target(c)[0]}.update"
        fns["eventVerb"] = lambda c, x: "update"
        fns["expiresAt"] = _future(GENERATED_AUDIT_EXPIRY_DAYS)
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
        fns["resource"] = lambda c, x: {
            "id": _work_item_conv(c),
            "type": "conversation",
            "rev": 1 + (x >> 40) % 9,
        }
        fns["workItemNumber"] = lambda c, x: c.i + 1
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


_AUDIT_TARGETS = ("conversations", "customers", "messages", "notes", "companies")
_AUDIT_TYPES = ("conversation", "customer", "message", "note", "company")


def audit_target_index(c: Ctx) -> tuple[str, int]:
    """The object and index of the record an audit-log entry logs: one created at about the
    same time as the entry."""
    target = _AUDIT_TARGETS[c.h % len(_AUDIT_TARGETS)]
    return target, parent_of(c.org.count(target), c.org.count("audit_logs"), c.i)


def _audit_target(c: Ctx) -> tuple[str, str]:
    target, j = audit_target_index(c)
    return _AUDIT_TYPES[_AUDIT_TARGETS.index(target)], c.org.layout(target).id(j)


def _work_item_conv(c: Ctx) -> str:
    org = c.org
    j = parent_of(org.count("conversations"), org.count("routing_work_items"), c.i)
    return org.layout("conversations").id(j)


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
            "updatedAt": _iso_pick(4),
            "modifiedAt": _iso_pick(3),
            "lastActivityAt": _iso_pick(4),
            "lastMessageAt": _iso_pick(4),
        }.get(name, _iso_between())
    if fn is None and typ == "Long":
        fn = lambda c, x: c.updated  # noqa: E731
    palette: tuple[Any, ...] = ()
    if fn is None:
        rng = random.Random(f"{org.seed}:{table}:{name}")
        if documented_only and doc is not None and doc.type in ("object", "array"):
            # nothing but the documented shape to go on (messages' `sentiment`, ...)
            palette = tuple(documented_value(doc, name, rng, org) for _ in range(PALETTE_SIZE))
        else:
            palette = palette_for(table, name, typ, rng, org)
        exact = (table, name) in EXACT
        if doc is not None and (exact or not all(conforms(doc, v) for v in palette)):
            palette = tuple(complete(doc, v, name, rng, org, exact) for v in palette)
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
