"""The source's settings: where the org is, the tuning knobs, and `Settings`, everything a run's
readers need, built once from the source's arguments.

User-facing settings are arguments of `kustomer_source()` (dlt resolves them from
`[sources.kustomer]` in `.dlt/` and `SOURCES__KUSTOMER__<NAME>`); tuning knobs sit in one nested
section, `[sources.kustomer.tuning]` (`SOURCES__KUSTOMER__TUNING__<NAME>`). Every default is
written once, here or in the source's signature; `scripts/settings_table.py` writes the README's
settings table from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

from dlt.common.configuration import configspec
from dlt.common.configuration.exceptions import ConfigurationException
from dlt.common.configuration.specs import BaseConfiguration

ORG_HOST = "https://{org}.api.kustomerapp.com"
REGIONAL_HOSTS = {
    "us": "https://api.kustomerapp.com",
    "eu": "https://api.prod2.kustomerapp.com",
    "in": "https://api.prod4.kustomerapp.com",
}


@configspec
class Tuning(BaseConfiguration):
    """How the source reads: page sizes, requests in flight and the first load's split."""

    page_size: int = 100
    """Page size of list endpoints (each endpoint's documented maximum caps it)."""
    search_page_size: int = 500
    """Page size of search requests (Kustomer's maximum is 500)."""
    list_concurrency: int = 8
    """Pages of one list endpoint in flight at once (1 follows `links.next` one page at a time);
    the shared limiter keeps the total within the budget whatever this is."""
    search_concurrency: int = 4
    """An incremental run with more than two search pages of changes reads them in this many
    time ranges side by side (the limiter keeps them within the search budget)."""
    first_load_split: bool = True
    """First load: the list reads up from the oldest record and search down from the newest,
    side by side until they meet; false reads the lists whole (for an org with records imported
    with a back-dated `createdAt`)."""
    list_cut_slack_s: int = 3600
    """How far past the point where it met search (seconds of `createdAt`) the list reads on,
    for records out of creation order."""
    big_list_every_s: int = 86400
    """How often the lists read whole that grow with the org (routing work items and work
    sessions) are read in full: at most once per this many seconds (0: every run). In between,
    their tables keep what they hold; the summary says when each was last read in full."""
    reconcile_every_s: int = 0
    """How often an incremental run compares the destination with the org to find records that
    left it (deleted, merged, expired): at most once per this many seconds (0: every run; the
    objects whose comparisons took more than 20 searches wait until a tenth of the search
    budget has paid for them)."""
    comparison_searches: int = 40
    """At most this many searches (plus the last range's pages) of one object's comparison with
    the org in one run: a big object's comparison stops there and the next run goes on from the
    `createdAt` it reached (0: no bound, each comparison in one run)."""
    search_counts_org: Optional[bool] = None  # noqa: UP045 - dlt resolves the typing form
    """Whether a search also takes a slot of the org budget (undocumented): unset, the source
    learns it from the org budget's `x-ratelimit-remaining`; true or false fixes it."""


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


@dataclass(frozen=True)
class Settings:
    """What a run's readers need to know, built once by the source (see `kustomer_source` for
    each setting's meaning); `start`/`end` are API times."""

    start: str | None = None
    end: str | None = None
    hard_delete: bool = False
    lookback_s: float = 0.0
    history: bool = False
    tuning: Tuning = field(default_factory=Tuning)
    chunk_records: int | None = None
    #: a list chunk: (first page, pages) of each object's list (`read.chunked.read_list_chunk`)
    chunk_pages: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.lookback_s < 0:
            raise ConfigurationException(
                f"sources.kustomer.lookback must be 0 or more, not {self.lookback_s}"
            )

    @property
    def bounded(self) -> bool:
        """A run with an end: a stateless range (a backfill chunk, a scheduler's interval)."""
        return self.end is not None
