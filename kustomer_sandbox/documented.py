"""Values built from Kustomer's documented shapes (``shapes.json``).

Used where the AppFlow list has nothing to go on (attributes only Kustomer documents: users'
``mobile``, messages' ``sentiment``, klasses' ``klassSchema``, ...) and where the palette the
sandbox would make from AppFlow's type contradicts the documented shape (conversations'
``sentiment`` is an object, KB templates' ``manifest`` a list, a saved search's ``data`` a
query): the documented shape wins. Every documented key is filled, nested ones too; values
are realistic words, numbers, ids and timestamps by the key's name.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from . import words as W
from .shapes import Shape

if TYPE_CHECKING:
    from .data import Org

#: documented JSON type -> the AppFlow type whose null/empty handling the sandbox applies
APPFLOW_OF = {
    "string": "String",
    "integer": "Integer",
    "number": "Double",
    "boolean": "Boolean",
    "object": "Struct",
    "array": "List",
    "any": "String",
}


def conforms(shape: Shape, value: Any) -> bool:
    """``value`` has the documented type and every documented key, at every level (a map keyed
    by data: values of the documented kind)."""
    if value is None:
        return True
    if shape.problems(value, "v"):
        return False
    if isinstance(value, dict) and shape.properties:
        if shape.keyed_by is not None:
            sample = next(iter(shape.properties.values()))
            return all(conforms(sample, v) for v in value.values())
        return all(k in value and conforms(s, value[k]) for k, s in shape.properties.items())
    if isinstance(value, list) and shape.items is not None:
        return all(conforms(shape.items, v) for v in value)
    return True


#: (table, attribute) whose made-up nested keys contradict the documented ones and go:
#: a saved search's `userVisibilities` has `visibility`, not `visible`; a notification's
#: `event` is an event envelope, not `{objectType, objectId}`
EXACT: frozenset[tuple[str, str]] = frozenset(
    {("customers_searches", "userVisibilities"), ("notifications", "event")}
)


def complete(
    shape: Shape, value: Any, name: str, rng: random.Random, org: Org, exact: bool = False
) -> Any:
    """``value`` made to fit the documented ``shape``: documented keys it lacks are added, a
    value of another type is replaced, one with none of the documented keys is rebuilt; what
    already fits is kept (and, with ``exact``, the keys the documents do not show go)."""
    if value is None:
        return value
    if not _fits_top(shape, value) or (shape.keyed_by is not None and not conforms(shape, value)):
        return documented_value(shape, name, rng, org)
    if isinstance(value, dict) and shape.keyed_by is None and shape.properties:
        if not set(value) & set(shape.properties):  # made-up keys only: the documented ones
            return documented_value(shape, name, rng, org)
        out = {} if exact else dict(value)
        for key, sub in shape.properties.items():
            out[key] = (
                complete(sub, value[key], key, rng, org, exact)
                if key in value
                else documented_value(sub, key, rng, org)
            )
        return out
    if isinstance(value, list) and shape.items is not None:
        return [complete(shape.items, v, name, rng, org, exact) for v in value]
    return value


def _fits_top(shape: Shape, value: Any) -> bool:
    """The value's own type is the documented one (its nested parts may still differ)."""
    return not Shape(shape.type).problems(value, "v")


def documented_value(shape: Shape, name: str, rng: random.Random, org: Org, depth: int = 0) -> Any:
    """One realistic value of the documented ``shape`` of attribute (or key) ``name``."""
    # imported here: values imports this module for its palettes
    from .values import _ts, hexid, int_value, string_value

    typ = shape.type
    if shape.keyed_by is not None:
        return _keyed(shape, name, rng, org, depth)
    if typ == "object":
        if shape.properties:
            return {
                k: documented_value(s, k, rng, org, depth + 1) for k, s in shape.properties.items()
            }
        return _bare_object(name, rng)
    if typ == "array":
        item = shape.items or Shape("string")
        return [documented_value(item, name, rng, org, depth + 1) for _ in range(rng.randint(1, 2))]
    if typ == "integer":
        if name.endswith("At"):  # documented as a number: epoch milliseconds (inferred)
            return 1_730_419_200_000 + rng.randrange(700 * 86_400_000)
        if name.lower().endswith("time"):
            return rng.randint(1_000, 3_600_000)
        return int_value(name, rng)
    if typ == "number":
        return round(rng.uniform(0, 100), 2)
    if typ == "boolean":
        return rng.random() < 0.5
    if name.endswith("At") or name in ("nextRetry", "startDate", "endDate"):
        return _ts(rng)
    if name == "id" or name.endswith(("Id", "By", "Queue")):
        return hexid(rng)
    if name in _NESTED_STRINGS:
        return rng.choice(_NESTED_STRINGS[name])
    if name == "inReplyTo":
        return f"<{rng.getrandbits(128):032x}@mail.example.com>"
    if name == "mailboxHash":
        return ""
    if name in ("phone", "mobile"):
        return f"+1555{rng.randint(1000000, 9999999)}"
    return string_value("", name, rng)


#: nested string keys of documented shapes whose names alone say little
_NESTED_STRINGS: dict[str, tuple[str, ...]] = {
    "type": ("default", "custom", "system"),
    "queryContext": ("conversation", "customer", "message"),
    "visibility": ("visible", "hidden"),
    "sourceType": ("conversation", "customer", "message"),
    "client": ("kustomer-web", "api", "workflow"),
    "partition": ("conversation", "customer"),
    "channel": W.CHANNELS,
    "app": W.APPS,
    "externalQueue": ("", "voice-queue"),
    "username": ("maria.lopez", "j_chen", "sam.okafor"),
    "userid": ("1029384756", "5647382910"),
    "polarity": ("positive", "neutral", "negative"),
}


def _keyed(shape: Shape, name: str, rng: random.Random, org: Org, depth: int) -> Any:
    """A map whose keys are data: languages, weekdays, names, status ids."""
    from .values import _ts

    sample = next(iter(shape.properties.values()), Shape("string"))
    if name == "hours":  # weekday -> [[start minute, end minute]], null when closed
        open_days = {1, 2, 3, 4, 5} | ({6} if rng.random() < 0.3 else set())
        return {str(d): ([[480, 1020]] if d in open_days else None) for d in range(7)}
    if name == "totalTimeByStatus":
        ids = org.small_ids("routing_statuses")
        return {
            s: {"statusAt": _ts(rng), "time": rng.randint(0, 28_800_000)}
            for s in rng.sample(ids, min(len(ids), rng.randint(1, 3)))
        }
    if shape.keyed_by == "language":
        keys = rng.sample(W.LANG_KEYS, rng.randint(1, 3))
    else:
        keys = [f"kustomer.{name}.{w}" for w in rng.sample(W.WORDS, rng.randint(1, 3))]
    return {k: documented_value(sample, k, rng, org, depth + 1) for k in keys}


def _bare_object(name: str, rng: random.Random) -> dict[str, Any]:
    """An object the documents show without keys (its example was `{}`)."""
    if name == "sentiment":  # inferred: as the customer sentiment singer-io's tap reads
        return {"polarity": rng.choice((-1, 0, 1)), "confidence": round(rng.random(), 3)}
    if name in ("hooks", "components", "capacity", "preview", "firstResponse", "lastMessageIn"):
        return {"type": rng.choice(("default", "custom")), "enabled": rng.random() < 0.7}
    return {"enabled": rng.random() < 0.7}
