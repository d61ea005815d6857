"""Message attachments: the optional to-many ``relationships.attachments`` and the attachment
records ``GET /v1/messages?include=attachments`` side-loads in ``included``.

Shapes follow Kustomer's OpenAPI (``GetMessagesByConversationResponses``: ``attachments``
``{links.self, data: [{type: "attachment", id}]}`` on the message, ``included`` records
``{type, id, attributes: {name, contentType, contentLength, redacted}, relationships: {org,
message}, links: {self}}``). About a quarter of the messages have one or two attachments
(*inferred*); messages 0-2 always have one. An attachment is a pure function of its id and its
message's id, so it can be rebuilt from any served message, generated or changed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .layout import GOLD, MASK, mix64

if TYPE_CHECKING:
    from .data import Ctx, Org

INCLUDE_PARAM = "include"
#: what ``include`` accepts on messages (the OAS: "Supports the `attachments` resource")
INCLUDABLE = frozenset({"attachments"})

_KINDS = (
    ("image/png", "png", "screenshot"),
    ("image/jpeg", "jpg", "photo"),
    ("application/pdf", "pdf", "invoice"),
    ("text/plain", "txt", "log"),
)
#: middle six hex digits of attachment ids (message ids carry their object tag there)
_TAG = "a77ac4"


def attachment_count(c: Ctx) -> int:
    """How many attachments message ``c.i`` has."""
    if c.i < 3:
        return 1
    r = (c.h >> 45) % 8
    return 1 if r == 0 else 2 if r == 1 else 0


def attachment_ids(c: Ctx, rid: str) -> list[str]:
    """Ids of message ``c.i``'s attachments: the message's creation seconds, a tag, a counter."""
    return [f"{rid[:8]}{_TAG}{c.i * 2 + k:010x}" for k in range(attachment_count(c))]


def new_attachments(rid: str, serial: int, count: int) -> dict[str, Any]:
    """The ``attachments`` relationship of message ``rid`` created through the control API
    with ``count`` attachments (``serial``: the store's counter, which keeps ids unique)."""
    ids = [f"{rid[:8]}{_TAG}{0xF000000000 + serial * 4 + k:010x}" for k in range(count)]
    return {
        "links": {"self": f"/v1/messages/{rid}/attachments"},
        "data": [{"type": "attachment", "id": a} for a in ids],
    }


def with_attachments(rels_json: str, c: Ctx, rid: str) -> str:
    """A message's relationships JSON plus ``attachments`` when it has any."""
    ids = attachment_ids(c, rid)
    if not ids:
        return rels_json
    data = ",".join(f'{{"type":"attachment","id":"{a}"}}' for a in ids)
    rel = f'"attachments":{{"links":{{"self":"/v1/messages/{rid}/attachments"}},"data":[{data}]}}'
    return rels_json[:-1] + ("," if len(rels_json) > 2 else "") + rel + "}"


def attachment_record(
    org: Org, message_id: str, attachment_id: str, redacted: bool = False
) -> dict[str, Any]:
    """The attachment record ``included`` carries (``redacted`` once a redaction named it)."""
    x = mix64((int(attachment_id, 16) * GOLD) & MASK)
    content_type, ext, stem = _KINDS[x % len(_KINDS)]
    return {
        "type": "attachment",
        "id": attachment_id,
        "attributes": {
            "name": f"{stem}-{(x >> 8) % 1000}.{ext}",
            "contentType": content_type,
            "contentLength": 1_000 + (x >> 20) % 2_000_000,
            "redacted": redacted,
        },
        "relationships": {
            "org": {
                "links": {"self": f"/v1/orgs/{org.org_id}"},
                "data": {"type": "org", "id": org.org_id},
            },
            "message": {
                "links": {"self": f"/v1/messages/{message_id}"},
                "data": {"type": "message", "id": message_id},
            },
        },
        "links": {"self": f"/v1/messages/{message_id}/attachments/{attachment_id}"},
    }


def included_json(
    org: Org, records_json: list[str], redacted: set[str] | frozenset[str] = frozenset()
) -> list[str]:
    """JSON texts of the attachments of the given message records, in their order
    (``redacted``: the ids of redacted attachments)."""
    out: list[str] = []
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    for text in records_json:
        if '"attachments"' not in text:
            continue
        rec = json.loads(text)
        rel = (rec.get("relationships") or {}).get("attachments") or {}
        for item in rel.get("data") or []:
            aid = item["id"]
            out.append(dumps(attachment_record(org, rec["id"], aid, aid in redacted)))
    return out


def parse_include(value: str | None) -> frozenset[str]:
    """The resources an ``include`` parameter names; ValueError for one messages lack."""
    if not value:
        return frozenset()
    names = frozenset(v.strip() for v in value.split(",") if v.strip())
    unknown = names - INCLUDABLE
    if unknown:
        raise ValueError(
            f"include: {', '.join(sorted(unknown))} cannot be included "
            f"(supported: {', '.join(sorted(INCLUDABLE))})"
        )
    return names
