"""Kustomer CRM source for dlt: one resource per Kustomer object, typed and incremental.

Settings live under `[sources.kustomer]` in `.dlt/config.toml` and `.dlt/secrets.toml`, or in
`SOURCES__KUSTOMER__<NAME>` environment variables; tuning knobs under
`[sources.kustomer.tuning]` (`kustomer_source.settings.Tuning`). The README's settings table
lists them all with their defaults.
"""

from __future__ import annotations

from collections.abc import Iterator

import dlt
from dlt.common.typing import TAnyDateTime
from dlt.extract.resource import DltResource

from .api.client import KustomerClient
from .api.errors import (
    KustomerAuthError,
    KustomerConnectionError,
    KustomerError,
    KustomerPermissionError,
    KustomerResponseError,
    UnsafeNextLinkError,
)
from .api.limits import run_limiter
from .api.times import to_api_time
from .catalog.extras import EXTRA_TABLES, TAGS
from .catalog.kobjects import discover_once, kobject_object
from .catalog.objects import CATALOG, OBJECTS, UnknownObjectError
from .destination import destination_holdings
from .resources import attachments_resource, extra_resource, object_resource
from .schedule import scheduler_interval
from .settings import Settings, Tuning, resolve_base_url
from .state import OrgMismatchError, refuse_if_bound_elsewhere

__all__ = [
    "CATALOG",
    "OBJECTS",
    "KustomerAuthError",
    "KustomerConnectionError",
    "KustomerError",
    "KustomerPermissionError",
    "KustomerResponseError",
    "OrgMismatchError",
    "Tuning",
    "UnknownObjectError",
    "UnsafeNextLinkError",
    "kustomer_source",
    "resolve_base_url",
]


@dlt.source(name="kustomer", section="kustomer")
def kustomer_source(
    api_key: str = dlt.secrets.value,
    org: str | None = None,
    base_url: str | None = None,
    start_date: TAnyDateTime | None = None,
    end_date: TAnyDateTime | None = None,
    hard_delete: bool = False,
    rate_limit_share: float = 0.5,
    lookback: float = 300.0,
    kobjects: bool = True,
    custom_attribute_metadata: bool = True,
    history: bool = False,
    tuning: Tuning | None = None,
    chunk_records: int | None = None,
    chunk_pages: int | None = None,
    chunk_first_page: int = 1,
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
        lookback: Seconds before the cursor that each incremental search re-reads, for changes
            that reach Kustomer's search index after later ones did (0 turns it off).
        kobjects: Ask the org for its Klasses (one `kobject_<klass>` table each).
        custom_attribute_metadata: Type `custom__*` columns from the org's attribute metadata.
        history: Keep every version of the merged objects (dlt's scd2) instead of the latest;
            the runner closes superseded rows after each load. Ignores hard_delete.
        tuning: Page sizes, requests in flight and the first load's split
            (`[sources.kustomer.tuning]`, see `Tuning`).
        chunk_records: With start_date and end_date: read the search-synced objects newest
            first, about this many records each, noting in each resource's state where the next
            chunk ends (the runner's first load in chunks, `kustomer_source.read.chunked`).
        chunk_pages: With start_date and end_date: read this many pages of each search-synced
            object's list from page `chunk_first_page`, keeping the records changed in the
            range and noting where the next chunk starts (the list's part of a first load in
            chunks).
        chunk_first_page: The first page a list chunk reads (with chunk_pages).
    """
    tuning = tuning if tuning is not None else Tuning()
    host = resolve_base_url(org, base_url)
    limiter = run_limiter(host, api_key, rate_limit_share, tuning.search_counts_org)
    client = KustomerClient(host, api_key, limiter)
    start, end = to_api_time(start_date), to_api_time(end_date)
    if start is None and end is None:
        # an external scheduler's interval bounds the run (see kustomer_source/schedule.py)
        start, end = scheduler_interval() or (None, None)
    pages = (chunk_first_page, chunk_pages) if chunk_pages else None
    settings = Settings(start, end, hard_delete, lookback, history, tuning, chunk_records, pages)
    # a host this pipeline's state does not belong to is not asked anything (the resources
    # check again once dlt has restored the state from the destination)
    refuse_if_bound_elsewhere(client.base_url)
    # the org's own data model: its Klasses and how its custom attributes are typed
    schema = discover_once(client, api_key, kobjects, custom_attribute_metadata)
    disabled = {klass.table for klass in schema.disabled}
    objects = [*OBJECTS, TAGS, *(kobject_object(klass) for klass in schema.all_klasses)]
    # what the destination holds, to compare with the org (read here, in the caller's thread)
    held = destination_holdings([obj.table for obj in objects if obj.sync == "search"])
    for obj in objects:
        resource = object_resource(client, obj, settings, schema.hints(obj.table), held)
        # a disabled Klass is loaded only when named (with_resources); its table stays
        resource.selected = obj.table not in disabled
        yield resource
    for extra in EXTRA_TABLES:
        yield extra_resource(client, extra, schema, tuning.page_size)
    yield attachments_resource(client, settings)
