"""`message_attachments` as the sandbox org holds it."""

from __future__ import annotations

from typing import Any

from kustomer_sandbox import Sandbox
from kustomer_sandbox.attachments import attachment_record

TABLE = "message_attachments"


def org_attachments(sb: Sandbox) -> dict[str, tuple[Any, ...]]:
    """Every attachment the org's messages point at: id -> (message, conversation, name, type,
    size), from the messages' relationships and the sandbox's own attachment records."""
    org = sb.engine.store.org
    out: dict[str, tuple[Any, ...]] = {}
    for message in sb.control.records("messages"):
        rels = message.get("relationships") or {}
        conversation = ((rels.get("conversation") or {}).get("data") or {}).get("id")
        for item in (rels.get("attachments") or {}).get("data") or []:
            attrs = attachment_record(org, message["id"], item["id"])["attributes"]
            out[item["id"]] = (
                message["id"],
                conversation,
                attrs["name"],
                attrs["contentType"],
                attrs["contentLength"],
            )
    return out
