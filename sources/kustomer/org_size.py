"""How many records an org's search sees: the runner's automatic choice of a first load in
chunks for a big org. One search request of one record per object, biggest objects first,
stopping once the count reaches what the caller asks about."""

from __future__ import annotations

from collections.abc import Sequence

import dlt
from dlt.common.configuration import with_config

from .api.client import KustomerClient
from .api.errors import KustomerError
from .api.limits import RateLimiter
from .catalog.objects import CATALOG
from .read.search import KeysetScan
from .settings import resolve_base_url

#: the standard search-synced objects, largest first in a typical org (*inferred*: several
#: messages a conversation, a conversation or more a customer, fewer notes, fewest companies);
#: Klasses of custom objects are not counted
SIZED = ("messages", "conversations", "customers", "notes", "companies")


@with_config(sections=("sources", "kustomer"))
def searchable_records(
    tables: Sequence[str] | None,
    enough: int,
    api_key: str = dlt.secrets.value,
    org: str | None = None,
    base_url: str | None = None,
) -> int:
    """The records of `tables` (all when None) that search sees (changed in its two years,
    deleted ones included), from each search's `meta.total`, counted until the sum reaches
    `enough`. A total search may cap (`TOTAL_CAP`) counts as what it says: the sum is then a
    floor. An object the key may not search counts nothing."""
    client = KustomerClient(resolve_base_url(org, base_url), api_key, RateLimiter())
    counted = 0
    for table in SIZED:
        if counted >= enough:
            break
        if tables is not None and table not in tables:
            continue
        try:
            found, _ = KeysetScan(client, CATALOG[table], None, None).first([], "desc")
        except KustomerError as exc:
            if client.is_missing_role(exc):
                continue
            raise
        total = (found.get("meta") or {}).get("total") if isinstance(found, dict) else None
        counted += total if isinstance(total, int) and total > 0 else 0
    return counted
