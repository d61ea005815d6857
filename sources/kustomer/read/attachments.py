"""Message attachments' metadata, table `message_attachments`: name, content type, size,
redacted, message and conversation ids. Never file contents, nor their short-lived signed URLs.

Kustomer side-loads attachments only on message lists (`GET /v1/messages?include=attachments`,
OAS `GetMessages`). Search, through which the messages table syncs, documents no `include`, and
the one endpoint that lists attachments by itself is per conversation (one request each). So the
table has its own reader of the message list, newest message first (`sort=desc`, the one sort
the OAS offers), keeping only the side-loaded attachments. It stops after the first page that
reaches a message older than the newest message of the last run, less the lookback. A first run
reads the whole list (one request per 100 messages, on the org budget); a rerun with no new
message reads one page.

Inferred (Kustomer documents neither): a message's attachments are set when it is created, so
new messages bring every new attachment (a later change to an old attachment, such as
`redacted`, is not re-read); `sort=desc` orders by id, and ids are ObjectIds whose first eight
hex digits are the creation second (`read/first_load.py` rests on the same reading).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import dlt
from dlt.common import logger

from ..api.client import KustomerClient
from ..api.times import epoch_time
from ..catalog.extras import included_records
from ..catalog.objects import KustomerObject
from ..metrics import NOTE_METRIC
from ..rows import TPage, TRow, to_row
from ..state import NEWEST_MESSAGE_SECOND
from .lists import list_pages

TABLE = "message_attachments"

#: the message list, read for its side-loaded attachments (rows come from `attachment_rows`)
MESSAGE_LIST = KustomerObject(
    TABLE,
    "/v1/messages",
    role="org.permission.message.read",  # inferred: the OAS names no role for `include`
    fields={},
    why=(
        "Side-loaded by GET /v1/messages?include=attachments, newest message first; each run "
        "reads the messages created since the last one (less the lookback), merged on id."
    ),
)

COLUMNS: dict[str, dict[str, Any]] = {
    "id": {"data_type": "text", "nullable": False},
    "message_id": {"data_type": "text"},
    "conversation_id": {"data_type": "text"},
    "name": {"data_type": "text"},
    "contentType": {"data_type": "text"},
    "contentLength": {"data_type": "bigint"},
    "redacted": {"data_type": "bool"},
    # a message that moves to a later page while the list is read comes twice, its copies
    # alike: the merge keeps one per id (on Delta tables, `lake.dedupe_package` does)
    "message_created_at": {"data_type": "timestamp"},
}


def id_second(record_id: Any) -> int | None:
    """The creation second an ObjectId starts with (None for any other id)."""
    if isinstance(record_id, str) and len(record_id) == 24:
        try:
            return int(record_id[:8], 16)
        except ValueError:
            return None
    return None


def read_attachments(
    client: KustomerClient, page_size: int, concurrency: int, lookback: float
) -> Iterator[TPage]:
    """The attachments of the messages created since the last run (all of them the first time)."""
    state = dlt.current.resource_state()
    since = state.get(NEWEST_MESSAGE_SECOND)
    stop_below = None if since is None else int(since) - math.ceil(lookback)
    newest: int | None = None
    # a rerun cannot tell how many pages the new messages fill: it doubles the pages in flight
    # after each page that does not reach the stop (1, 2, 4, ...), so a short list of new
    # messages costs a page or two and a long one soon runs at full concurrency
    pages_left = concurrency if stop_below is None else 1

    def in_flight() -> int:
        return pages_left

    note = "every message (first load)"
    if since is not None:
        note = f"messages created since {epoch_time(int(since))}, less the lookback"
    dlt.current.resource().custom_metrics[NOTE_METRIC] = note
    params = {"sort": "desc", "include": "attachments"}
    previous = "~"  # above every id
    for data, body in list_pages(client, MESSAGE_LIST, page_size, concurrency, in_flight, params):
        yield attachment_rows(data, body)
        seconds = [s for s in (id_second(m.get("id")) for m in data if isinstance(m, dict)) if s]
        if seconds:
            newest = max(newest or 0, *seconds)
        ids = [str(m.get("id") or "") for m in data if isinstance(m, dict)]
        if stop_below is not None and any(
            b > a for a, b in zip([previous, *ids], ids, strict=False)
        ):
            # `sort=desc` is inferred to order by id: out of that order there is no page after
            # which every message is older, so the list is read to its end
            logger.warning(
                f"{TABLE}: GET /v1/messages?sort=desc is not in descending id order; reading "
                "every message for its attachments"
            )
            stop_below, pages_left = None, concurrency
        previous = min([previous, *ids])
        if stop_below is None:
            continue
        if seconds and min(seconds) < stop_below:
            break  # the list is newest first: every later page is older still
        pages_left = min(concurrency, pages_left * 2)
    if newest is not None:
        state[NEWEST_MESSAGE_SECOND] = max(newest, int(since or 0))


def attachment_rows(messages: list[Any], body: Any) -> TPage:
    """The page's side-loaded attachments as rows, with their message's conversation and time."""
    by_id = {m.get("id"): m for m in messages if isinstance(m, dict)}
    rows: TPage = []
    for record in included_records(body):
        if record.get("type", "attachment") != "attachment":
            continue
        row = _without_urls(to_row(record, MESSAGE_LIST))
        row["id"] = record.get("id") or _id_from_link(record)
        message = by_id.get(row.get("message_id")) or {}
        conversation = ((message.get("relationships") or {}).get("conversation") or {}).get("data")
        if isinstance(conversation, dict):
            row["conversation_id"] = conversation.get("id")
        created = (message.get("attributes") or {}).get("createdAt")
        if created is not None:
            row["message_created_at"] = created
        rows.append(row)
    return rows


def _id_from_link(record: dict[str, Any]) -> str | None:
    """The id at the end of `links.self` (the OAS example of conversation attachments has no
    top-level `id`; inferred to hold for side-loads too)."""
    link = (record.get("links") or {}).get("self")
    return link.rstrip("/").rsplit("/", 1)[-1] if isinstance(link, str) and link else None


def _without_urls(row: TRow) -> TRow:
    """Drops any attribute holding a URL with a query string: a signed link to the file."""
    return {
        key: value
        for key, value in row.items()
        if not (isinstance(value, str) and value.startswith("http") and "?" in value)
    }
