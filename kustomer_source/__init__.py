"""Kustomer CRM source for dlt: one resource per Kustomer object, typed and incremental.

Settings live under `[sources.kustomer]` in `.dlt/config.toml` and `.dlt/secrets.toml`, or in
`SOURCES__KUSTOMER__<KEY>` environment variables: `api_key` (secret), `org` or `base_url`,
`start_date`, `end_date`, `hard_delete`, `rate_limit_share`, `page_size`, `search_page_size`,
`list_concurrency`, `search_concurrency`, `first_load_split`, `list_cut_slack_s`,
`search_counts_org`, `lookback`, `kobjects`, `custom_attribute_metadata`, `history`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dlt
from dlt.common import logger
from dlt.common.configuration.exceptions import ConfigurationException
from dlt.common.time import ensure_pendulum_datetime
from dlt.common.typing import TAnyDateTime
from dlt.extract.resource import DltResource

from kustomer_source.attachments import COLUMNS as ATTACHMENT_COLUMNS
from kustomer_source.attachments import MESSAGE_LIST, read_attachments
from kustomer_source.attachments import TABLE as ATTACHMENTS_TABLE
from kustomer_source.binding import OrgMismatchError, bind_to_host, refuse_if_bound_elsewhere
from kustomer_source.catalog import (
    CATALOG,
    CURSORS,
    OBJECTS,
    KustomerObject,
    UnknownObjectError,
)
from kustomer_source.client import (
    KustomerAuthError,
    KustomerClient,
    KustomerConnectionError,
    KustomerError,
    KustomerPermissionError,
    KustomerResponseError,
    UnsafeNextLinkError,
)
from kustomer_source.extras import EXTRA_TABLES, TAGS, ExtraTable
from kustomer_source.first_load import FirstLoadOptions
from kustomer_source.history import SCD2, RepeatedVersions
from kustomer_source.kobjects import OrgSchema, discover, kobject_object
from kustomer_source.limits import RateLimiter
from kustomer_source.metrics import SKIP_METRIC
from kustomer_source.schedule import scheduler_interval
from kustomer_source.seen import STATE_KEY as SEEN_KEY
from kustomer_source.seen import SeenSpan, SpanTracker
from kustomer_source.sync import (
    TPage,
    api_time,
    read_audit_logs,
    read_list,
    read_search_object,
    read_single,
)

__all__ = [
    "CATALOG",
    "OBJECTS",
    "KustomerAuthError",
    "KustomerConnectionError",
    "KustomerError",
    "KustomerPermissionError",
    "KustomerResponseError",
    "OrgMismatchError",
    "UnknownObjectError",
    "UnsafeNextLinkError",
    "kustomer_source",
    "resolve_base_url",
]

DEFAULT_LOOKBACK_S = 300.0
"""How far before the cursor an incremental search re-reads by default: five minutes."""
ORG_HOST = "https://{org}.api.kustomerapp.com"
REGIONAL_HOSTS = {
    "us": "https://api.kustomerapp.com",
    "eu": "https://api.prod2.kustomerapp.com",
    "in": "https://api.prod4.kustomerapp.com",
}


class MissingHostError(ConfigurationException):
    """Neither `org` nor `base_url` is configured."""


def resolve_base_url(org: str | None, base_url: str | None) -> str:
    """The API host: `base_url` (or a region name us/eu/in) wins, else the org's own host."""
    if base_url:
        return REGIONAL_HOSTS.get(base_url.lower(), base_url).rstrip("/")
    if org:
        match = re.match(r"^(?:https?://)?([a-z0-9][a-z0-9-]*)(?:\.|$)", org.strip().lower())
        if not match:
            raise MissingHostError(f"sources.kustomer.org {org!r} is not a Kustomer subdomain")
        return ORG_HOST.format(org=match.group(1))
    raise MissingHostError(
        "Set sources.kustomer.org to your Kustomer subdomain (acme for acme.kustomerapp.com) in "
        ".dlt/config.toml or SOURCES__KUSTOMER__ORG, or sources.kustomer.base_url to a regional "
        "host (us, eu, in or a URL)."
    )


def to_api_time(value: TAnyDateTime | None) -> str | None:
    """Any date or datetime as Kustomer's ISO 8601 UTC with milliseconds (None stays None)."""
    if value is None or value == "":
        return None
    return api_time(ensure_pendulum_datetime(value))


@dlt.source(name="kustomer", section="kustomer")
def kustomer_source(
    api_key: str = dlt.secrets.value,
    org: str | None = None,
    base_url: str | None = None,
    start_date: TAnyDateTime | None = None,
    end_date: TAnyDateTime | None = None,
    hard_delete: bool = False,
    rate_limit_share: float = 0.5,
    page_size: int = 100,
    search_page_size: int = 500,
    list_concurrency: int = 8,
    search_concurrency: int = 4,
    first_load_split: bool = True,
    list_cut_slack_s: int = 3600,
    search_counts_org: bool | None = None,
    lookback: float = DEFAULT_LOOKBACK_S,
    kobjects: bool = True,
    custom_attribute_metadata: bool = True,
    history: bool = False,
) -> Iterator[DltResource]:
    """All 48 Kustomer objects, one table per Klass of custom objects, tags, SLAs, holidays and
    custom-attribute definitions as dlt resources; pick some with `.with_resources(...)`.

    Args:
        api_key: A Kustomer API key with read roles for the objects to load.
        org: The org's subdomain; the API host is then `https://<org>.api.kustomerapp.com`.
        base_url: Another API host instead: `us`, `eu`, `in` or a URL (the sandbox's, say).
        start_date: Load only records changed (or audit entries created) from this time on.
        end_date: Load only up to this time; with start_date a bounded, stateless range.
        hard_delete: Delete soft-deleted records from the destination instead of flagging them.
        rate_limit_share: The share of the org's request budget this pipeline may use.
        page_size: Page size for list endpoints (each endpoint's maximum caps it).
        search_page_size: Page size for search requests (at most 500).
        list_concurrency: Pages of one list endpoint in flight at once (1 follows links.next).
        search_concurrency: Time windows of one object's changes searched side by side.
        first_load_split: On a first load, read the list up from the oldest record and search
            down from the newest (search sees records created in its two-year window), side by
            side until they meet (False: lists whole).
        list_cut_slack_s: How far past the point where it met search (in createdAt) the list
            reads on, for records out of creation order.
        search_counts_org: Whether a search request also takes a slot of the org budget
            (Kustomer does not document it); None learns it from the org budget's
            `x-ratelimit-remaining`, counting searches there until it knows.
        lookback: Seconds before the cursor that each incremental search re-reads, for changes
            that reach Kustomer's search index after later ones did (0 turns it off).
        kobjects: Ask the org for its Klasses (one `kobject_<klass>` table each).
        custom_attribute_metadata: Type `custom__*` columns from the org's attribute metadata.
        history: Keep every version of the merged objects (dlt's scd2) instead of the latest;
            the runner closes superseded rows after each load. Ignores hard_delete.
    """
    limiter = RateLimiter(share=rate_limit_share, search_counts_org=search_counts_org)
    client = KustomerClient(resolve_base_url(org, base_url), api_key, limiter)
    start, end = to_api_time(start_date), to_api_time(end_date)
    if start is None and end is None:
        # an external scheduler's interval bounds the run (see kustomer_source/schedule.py)
        start, end = scheduler_interval() or (None, None)
    settings = dict(
        page_size=page_size,
        search_page_size=search_page_size,
        list_concurrency=list_concurrency,
        search_concurrency=search_concurrency,
    )
    first_load = FirstLoadOptions(
        split=first_load_split,
        list_cut_slack_s=list_cut_slack_s,
        list_page_size=page_size,
        search_page_size=search_page_size,
        list_concurrency=list_concurrency,
    )
    if lookback < 0:
        raise ConfigurationException(f"sources.kustomer.lookback must be 0 or more, not {lookback}")
    # a host this pipeline's state does not belong to is not asked anything (the resources
    # check again once dlt has restored the state from the destination)
    refuse_if_bound_elsewhere(client.base_url)
    # the org's own data model: its Klasses and how its custom attributes are typed
    schema = discover(client, kobjects, custom_attribute_metadata)
    objects = [*OBJECTS, TAGS, *(kobject_object(klass) for klass in schema.all_klasses)]
    disabled = {klass.table for klass in schema.disabled}
    for obj in objects:
        resource = object_resource(
            client,
            obj,
            start,
            end,
            hard_delete,
            settings,
            first_load,
            lookback,
            custom_columns=schema.hints(obj.table),
            history=history,
        )
        # a disabled Klass is loaded only when named (with_resources); its table stays
        resource.selected = obj.table not in disabled
        yield resource
    for extra in EXTRA_TABLES:
        yield extra_resource(client, extra, schema, settings["page_size"])
    yield attachments_resource(client, settings, lookback)


def object_resource(
    client: KustomerClient,
    obj: KustomerObject,
    start: str | None,
    end: str | None,
    hard_delete: bool,
    settings: dict[str, int],
    first_load: FirstLoadOptions | None = None,
    lookback: float = 0.0,
    custom_columns: dict[str, Any] | None = None,
    history: bool = False,
) -> DltResource:
    """The dlt resource of one catalog entry: its reader, cursor, disposition and column hints
    (`custom_columns`: the custom attributes' types from the org's metadata; `history`: merged
    objects keep every version, see `kustomer_source.history`)."""
    columns: dict[str, Any] = {**obj.column_hints(), **(custom_columns or {})}
    history = history and obj.sync == "search"
    if obj.sync == "search":
        if history:
            columns["deleted"] = {"data_type": "bool"}  # a deletion is one more version
        else:
            columns["deleted"] = {"data_type": "bool", "hard_delete": hard_delete}
            # a record changed mid-run can arrive twice in one load: keep its newest version
            columns[CURSORS["search"]] = {**columns[CURSORS["search"]], "dedup_sort": "desc"}

        def read_changes(
            updated_at: dlt.sources.incremental[str] = dlt.sources.incremental(
                CURSORS["search"],
                initial_value=start,
                end_value=end,
                range_start="closed",
                primary_key=(),  # ties at the cursor are re-read and merged on id, not hashed
                allow_external_schedulers=False,  # string cursors: the source joins the interval
                # dlt's lag: each run starts `lookback` seconds before the cursor and lets the
                # re-read rows through (the merge on id absorbs them); it keeps the cursor itself
                # (not on a bounded range: it keeps no cursor, and dlt's lag would widen it)
                lag=(lookback or None) if end is None else None,
            ),
        ) -> Iterator[TPage]:
            bind_to_host(client.base_url)
            start = to_api_time(updated_at.last_value)  # lagged: microseconds -> API format
            stateful = updated_at.end_value is None  # a bounded range keeps no state
            state = dlt.current.resource_state() if stateful else {}
            seen = SeenSpan.from_state(state.get(SEEN_KEY)) if stateful else None
            tracker = SpanTracker(lookback, seen.cursor if seen else None)
            unchanged: list[bool] = []
            with skip_on_missing_role(client, obj):
                for page in read_search_object(
                    client,
                    obj,
                    start,
                    updated_at.end_value,
                    settings["page_size"],
                    settings["search_page_size"],
                    settings["list_concurrency"],
                    settings["search_concurrency"],
                    first_load,
                    seen,
                    unchanged,
                ):
                    tracker.observe(page)
                    yield page
                span = tracker.span()
                if stateful and not unchanged and span is not None:
                    state[SEEN_KEY] = span.to_state()

        reader: Any = read_changes
    elif obj.sync == "append":

        def read_new_entries(
            created_at: dlt.sources.incremental[str] = dlt.sources.incremental(
                CURSORS["append"],
                initial_value=start,
                end_value=end,
                range_start="closed",
                allow_external_schedulers=False,  # string cursors: the source joins the interval
            ),
        ) -> Iterator[TPage]:
            bind_to_host(client.base_url)
            with skip_on_missing_role(client, obj):
                yield from read_audit_logs(client, obj, created_at.last_value, created_at.end_value)

        reader = read_new_entries
    else:

        def read_all() -> Iterator[TPage]:
            bind_to_host(client.base_url)
            with skip_on_missing_role(client, obj):
                if obj.read == "single":
                    yield from read_single(client, obj)
                else:
                    yield from read_list(
                        client, obj, settings["page_size"], settings["list_concurrency"]
                    )

        reader = read_all

    if history:
        resource = dlt.resource(
            reader,
            name=obj.table,
            write_disposition=SCD2,
            merge_key="id",
            columns=columns,
            parallelized=True,
        )
        return resource.add_filter(RepeatedVersions())
    return dlt.resource(
        reader,
        name=obj.table,
        write_disposition=obj.write_disposition,
        primary_key=obj.primary_key,
        columns=columns,
        parallelized=True,
    )


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


def attachments_resource(
    client: KustomerClient, settings: dict[str, int], lookback: float
) -> DltResource:
    """`message_attachments`: the attachments side-loaded by the message list, merged on id."""
    columns: dict[str, Any] = dict(ATTACHMENT_COLUMNS)

    def read_new_attachments() -> Iterator[TPage]:
        bind_to_host(client.base_url)
        with skip_on_missing_role(client, MESSAGE_LIST):
            yield from read_attachments(
                client, settings["page_size"], settings["list_concurrency"], lookback
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
    """A missing role ends this object's reader with a warning that names the role: a 403, or a
    401 while the key itself is still accepted. A 401 for the key itself stops the run."""
    try:
        yield
    except KustomerPermissionError as exc:
        _skip(obj, str(exc))
    except KustomerAuthError:
        if not client.key_is_valid():
            raise
        _skip(obj, "401 for this object while the key itself is accepted")


def _skip(obj: KustomerObject | ExtraTable, reason: str) -> None:
    resource = dlt.current.source().resources[obj.table]
    # A replace table that received nothing would be truncated: keep what it holds instead.
    resource.apply_hints(write_disposition="skip")
    why = f"the API key lacks the role {obj.role or 'to read it'} ({reason})"
    resource.custom_metrics[SKIP_METRIC] = why  # in the trace, and in the run's summary
    logger.warning(f"Skipping {obj.table}: {why}. Use a key with that role to load it.")
