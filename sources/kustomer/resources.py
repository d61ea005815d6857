"""One dlt resource per object: its reader, cursor, write disposition and column hints; the tables
beyond the catalog; and what a missing role does (the object is skipped, its table kept)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

import dlt
from dlt.common import logger
from dlt.extract.resource import DltResource

from .api.client import KustomerClient
from .api.errors import KustomerError, KustomerPermissionError
from .api.times import to_api_time
from .catalog.extras import ExtraTable
from .catalog.kobjects import OrgSchema
from .catalog.objects import CURSORS, KustomerObject
from .destination import REMOVED_AT, Holdings
from .history import SCD2, RepeatedVersions
from .metrics import NOTE_METRIC, SKIP_METRIC
from .read.attachments import COLUMNS as ATTACHMENT_COLUMNS
from .read.attachments import MESSAGE_LIST, read_attachments
from .read.attachments import TABLE as ATTACHMENTS_TABLE
from .read.chunked import read_chunk, read_list_chunk
from .read.incremental import read_incrementally, read_what_left
from .read.lists import read_audit_logs, read_list, read_single
from .removals import MERGED_INTO, MOVES, add_removals_table
from .rows import TPage
from .settings import Settings
from .state import READ_IN_FULL_AT, bind_to_host

Reader = Callable[..., Iterator[TPage]]


def object_resource(
    client: KustomerClient,
    obj: KustomerObject,
    settings: Settings,
    custom_columns: dict[str, Any] | None = None,
    held: Mapping[str, Holdings] | None = None,
) -> DltResource:
    """The dlt resource of one catalog entry (`custom_columns`: the custom attributes' types from
    the org's metadata; `held`: what the destination holds, by table, to compare with the org).
    In history mode the merged objects keep every version (dlt's scd2, see
    `kustomer_source.history`)."""
    columns = object_columns(obj, settings, custom_columns or {})
    if obj.sync == "search":
        reader = changes_reader(client, obj, settings, held or {})
    elif obj.sync == "append":
        reader = entries_reader(client, obj, settings)
    else:
        reader = whole_reader(client, obj, settings)
    if settings.history and obj.sync == "search":
        resource = dlt.resource(
            reader,
            name=obj.table,
            write_disposition=SCD2,
            merge_key="id",
            columns=columns,
            parallelized=True,
        )
        return add_removals_table(resource.add_filter(RepeatedVersions()))
    resource = dlt.resource(
        reader,
        name=obj.table,
        write_disposition=obj.write_disposition,
        primary_key=obj.primary_key,
        columns=columns,
        parallelized=True,
    )
    return add_removals_table(resource) if obj.sync == "search" else resource


def object_columns(
    obj: KustomerObject, settings: Settings, custom_columns: dict[str, Any]
) -> dict[str, Any]:
    """Column hints of an object's table: its typed fields, its custom attributes and, for a
    merged object, `deleted` (a hard delete with `hard_delete`; one more version in history
    mode) and the cursor that picks a record's newest version within one load."""
    columns: dict[str, Any] = {**obj.column_hints(), **custom_columns}
    if obj.sync != "search":
        return columns
    # set on records that left the org (`removals.py`); merges name their target
    columns[REMOVED_AT] = {"data_type": "timestamp", "nullable": True}
    if obj.table in MOVES:
        columns[MERGED_INTO] = {"data_type": "text", "nullable": True}
    if settings.history:
        columns["deleted"] = {"data_type": "bool"}  # a deletion is one more version
        return columns
    columns["deleted"] = {"data_type": "bool", "hard_delete": settings.hard_delete}
    # a record changed mid-run can arrive twice in one load: keep its newest version
    columns[CURSORS["search"]] = {**columns[CURSORS["search"]], "dedup_sort": "desc"}
    return columns


def changes_reader(
    client: KustomerClient, obj: KustomerObject, settings: Settings, held: Mapping[str, Holdings]
) -> Reader:
    """The reader of a search-synced object: the records changed since dlt's cursor."""
    lookback = settings.lookback_s

    def read_changes(
        updated_at: dlt.sources.incremental[str] = dlt.sources.incremental(
            CURSORS["search"],
            initial_value=settings.start,
            end_value=settings.end,
            range_start="closed",
            primary_key=(),  # ties at the cursor are re-read and merged on id, not hashed
            allow_external_schedulers=False,  # string cursors: the source joins the interval
            # dlt's lag: each run starts `lookback` seconds before the cursor and lets the
            # re-read rows through (the merge on id absorbs them); it keeps the cursor itself
            # (not on a bounded range: it keeps no cursor, and dlt's lag would widen it)
            lag=(lookback or None) if not settings.bounded else None,
        ),
    ) -> Iterator[Any]:
        bind_to_host(client.base_url)
        start = to_api_time(updated_at.last_value)  # lagged: microseconds -> API format
        bounds = (start, updated_at.end_value)
        if settings.chunk_records and updated_at.end_value is not None:
            with skip_on_missing_role(client, obj):
                chunk_state = dlt.current.resource_state()
                yield from read_chunk(
                    client, obj, settings.tuning, bounds, settings.chunk_records, chunk_state
                )
            return
        if settings.chunk_pages and updated_at.end_value is not None:
            with skip_on_missing_role(client, obj):
                chunk_state = dlt.current.resource_state()
                end, pages = updated_at.end_value, settings.chunk_pages
                yield from read_list_chunk(client, obj, settings.tuning, end, pages, chunk_state)
            return
        # a bounded range keeps no state
        state = dlt.current.resource_state() if updated_at.end_value is None else None
        with skip_on_missing_role(client, obj):
            tuning = settings.tuning
            newest, changes = yield from read_incrementally(
                client, obj, tuning, lookback, bounds, state
            )
            if state is not None and start is not None and newest is not None:
                # what follows is not a change after the cursor (records loaded again, rows of
                # kustomer_removals): the cursor is pinned where the changes ended, and dlt's
                # incremental lets the rest through unfiltered
                updated_at.advance(newest)
                read = (start, newest)
                yield from read_what_left(client, obj, tuning, read, state, held, changes)

    return read_changes


def entries_reader(client: KustomerClient, obj: KustomerObject, settings: Settings) -> Reader:
    """The reader of an append-only object (the audit log): the entries created since the cursor."""

    def read_new_entries(
        created_at: dlt.sources.incremental[str] = dlt.sources.incremental(
            CURSORS["append"],
            initial_value=settings.start,
            end_value=settings.end,
            range_start="closed",
            allow_external_schedulers=False,  # string cursors: the source joins the interval
        ),
    ) -> Iterator[TPage]:
        bind_to_host(client.base_url)
        with skip_on_missing_role(client, obj):
            yield from read_audit_logs(client, obj, created_at.last_value, created_at.end_value)

    return read_new_entries


def whole_reader(client: KustomerClient, obj: KustomerObject, settings: Settings) -> Reader:
    """The reader of a list read whole on every run (or of a one-record endpoint)."""
    tuning = settings.tuning

    def read_all() -> Iterator[TPage]:
        bind_to_host(client.base_url)
        if obj.big and not _due(obj, tuning.big_list_every_s):
            return
        with skip_on_missing_role(client, obj):
            if obj.read == "single":
                yield from read_single(client, obj)
            else:
                yield from read_list(client, obj, tuning.page_size, tuning.list_concurrency)

    return read_all


def _due(obj: KustomerObject, every_s: int) -> bool:
    """Whether a big list is due to be read in full; if not, its table is kept as it is this
    run (`skip`) and the run's summary says when it was last read."""
    # in the source state: dlt resets a replace resource's own state on every run
    state = dlt.current.source_state().setdefault(READ_IN_FULL_AT, {})
    last = state.get(obj.table)
    resource = dlt.current.source().resources[obj.table]
    now = time.time()
    if isinstance(last, int | float) and now - last < every_s:
        resource.apply_hints(write_disposition="skip")
        when = datetime.fromtimestamp(last, timezone.utc).isoformat(timespec="seconds")
        resource.custom_metrics[NOTE_METRIC] = (
            f"kept as read in full at {when} (read in full every {every_s} s)"
        )
        return False
    state[obj.table] = now
    resource.custom_metrics[NOTE_METRIC] = f"read in full (every {every_s} s)"
    return True


def extra_resource(
    client: KustomerClient, extra: ExtraTable, schema: OrgSchema, page_size: int
) -> DltResource:
    """The dlt resource of a list beyond the catalog (SLAs, holidays, ...): read whole, replaced."""

    columns: dict[str, Any] = dict(extra.columns)

    def read_all() -> Iterator[TPage]:
        bind_to_host(client.base_url)
        if extra.table == "custom_attributes" and not schema.metadata_read:
            _skip(extra, "the custom-attribute metadata could not be read")
            return
        with skip_on_missing_role(client, extra):
            yield from extra.read(client, schema, page_size)

    return dlt.resource(
        read_all,
        name=extra.table,
        write_disposition="replace",
        primary_key=list(extra.primary_key),
        columns=columns,
        parallelized=True,
    )


def attachments_resource(client: KustomerClient, settings: Settings) -> DltResource:
    """`message_attachments`: the attachments side-loaded by the message list, merged on id."""
    columns: dict[str, Any] = dict(ATTACHMENT_COLUMNS)
    tuning = settings.tuning

    def read_new_attachments() -> Iterator[TPage]:
        bind_to_host(client.base_url)
        with skip_on_missing_role(client, MESSAGE_LIST):
            yield from read_attachments(
                client, tuning.page_size, tuning.list_concurrency, settings.lookback_s
            )

    return dlt.resource(
        read_new_attachments,
        name=ATTACHMENTS_TABLE,
        write_disposition="merge",
        primary_key="id",
        columns=columns,
        parallelized=True,
    )


@contextmanager
def skip_on_missing_role(
    client: KustomerClient, obj: KustomerObject | ExtraTable
) -> Iterator[None]:
    """A missing role (`KustomerClient.is_missing_role`) ends this object's reader with a
    warning that names the role. A 401 for the key itself stops the run."""
    try:
        yield
    except KustomerError as exc:
        if not client.is_missing_role(exc):
            raise
        if isinstance(exc, KustomerPermissionError):
            _skip(obj, str(exc))
        else:
            _skip(obj, "401 for this object while the key itself is accepted")


def _skip(obj: KustomerObject | ExtraTable, reason: str) -> None:
    resource = dlt.current.source().resources[obj.table]
    # A replace table that received nothing would be truncated: keep what it holds instead.
    resource.apply_hints(write_disposition="skip")
    why = f"the API key lacks the role {obj.role or 'to read it'} ({reason})"
    resource.custom_metrics[SKIP_METRIC] = why  # in the trace, and in the run's summary
    logger.warning(f"Skipping {obj.table}: {why}. Use a key with that role to load it.")
