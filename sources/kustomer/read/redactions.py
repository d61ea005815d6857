"""Messages redacted since the last run, from the audit log, read again.

A redaction (`POST /v1/messages/{id}/redactions`) rewrites a message; whether it moves the
message's `updatedAt` is not documented (*inferred* unkind: it does not), so the incremental
search would never bring the redacted version. The audit log records it as an update of the
message whose `changes.attributes.redacted` goes to true (*inferred* shape); each such message
is fetched by id and loaded again. The audit log keeps message updates 90 days: a pipeline that
does not run for longer misses the redactions in between, and a key without the audit-log role
misses them all (one warning).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from dlt.common import logger

from ..api.client import KustomerClient
from ..api.errors import KustomerError
from ..catalog.objects import KustomerObject
from ..rows import TPage, rows_of

AUDIT_PATH = "/v1/audit-logs"
AUDIT_PAGE = 1000  # documented maximum of `count`


def redacted_since(client: KustomerClient, since: str) -> tuple[list[str], str | None]:
    """The ids of messages redacted since `since` and the newest audit entry's `createdAt`."""
    params = {"filter[objectType]": "message", "filter[start]": since, "count": AUDIT_PAGE}
    ids: list[str] = []
    newest: str | None = None
    for page in client.pages(AUDIT_PATH, params=params, what="message audit entries"):
        for entry in page:
            attributes = entry.get("attributes") or {}
            created = attributes.get("createdAt")
            if isinstance(created, str) and (newest is None or created > newest):
                newest = created
            changed = ((attributes.get("changes") or {}).get("attributes") or {}).get("redacted")
            if isinstance(changed, dict) and changed.get("after") is True:
                if (
                    isinstance(attributes.get("objectId"), str)
                    and attributes["objectId"] not in ids
                ):
                    ids.append(attributes["objectId"])
    return ids, newest


def read_redacted(
    client: KustomerClient, obj: KustomerObject, state: dict[str, Any], key: str, since: str
) -> Iterator[TPage]:
    """The messages redacted since the last run (`state[key]`; from `since` on a first run),
    fetched by id; moves `state[key]` on."""
    start = state.get(key) or since
    try:
        ids, newest = redacted_since(client, start)
    except KustomerError as exc:
        if not client.is_missing_role(exc):
            raise
        logger.warning(
            f"{obj.table}: the API key may not read the audit log "
            "(org.permission.audit_logs.read), so redacted messages are not loaded again"
        )
        return
    records = [
        record
        for record_id in ids
        if (record := client.record(f"{obj.path}/{quote(record_id, safe='')}", obj.table))
    ]
    if records:
        logger.info(f"{obj.table}: {len(records)} redacted messages loaded again")
        yield rows_of(obj, records)
    state[key] = max(start, newest) if newest else start
