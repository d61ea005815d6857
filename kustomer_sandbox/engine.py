"""Everything one running sandbox holds: org, clock, overlay, tokens and traffic policies."""

from __future__ import annotations

from dataclasses import dataclass

from .auth import Tokens
from .clock import Clock
from .data import Org
from .extras import Extras
from .kobjects import KObjects
from .limits import Faults, Latency, PageFaults, RateLimits, ResetHeader, Stats
from .removals import Removals
from .store import Store
from .unkind import OPTION_NAMES, resolve


@dataclass
class Settings:
    """Options of one sandbox (the CLI flags and ``serve()`` arguments)."""

    seed: int = 7
    scale: int = 20
    rate_limit: int = 0
    search_rate_limit: int = 0
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    fault_5xx_rate: float = 0.0
    fault_drop_rate: float = 0.0
    fault_malformed_rate: float = 0.0
    #: page number (0 = off) of every page-numbered list that answers 404, comes without
    #: `links`, or has `data` as an object instead of a list
    fault_404_page: int = 0
    fault_no_links_page: int = 0
    fault_data_not_list_page: int = 0
    #: inferred: the longest a write takes to reach search, in seconds of the sandbox clock;
    #: each write draws its own lag up to it (0 = at once); lists see writes at once
    index_lag_s: float = 0.0
    reset_header: ResetHeader = "epoch"
    token: str | None = None
    #: inferred switch: status for a valid token that lacks the read role (403, or 401
    #: as Kustomer's older docs say)
    missing_role_status: int = 403
    #: inferred switch: search cap as "pages" (page <= 100, whatever pageSize) or
    #: "rows" (at most 10,000 rows reachable, AWS Glue's reading)
    search_limit: str = "pages"
    #: inferred switch: ``included`` of SLA responses as a "list" (MeltanoLabs' reading) or,
    #: when one version is included, as the bare "object" of the OAS example
    sla_included: str = "list"
    #: switch: a search request also spends the org budget (the reading of Kustomer's
    #: rate-limit page, "regardless the endpoint"); False counts it on the search budget only
    search_counts_org: bool = True
    #: inferred switch: which contexts search sorts on ``<ctx>_created_at``: "all" (as on
    #: ``<ctx>_updated_at``, which the taps sort every context on) or "customer" (the
    #: documentation's literal list of sortable attributes: other contexts get a 400)
    created_sort: str = "all"
    #: inferred switch: whether the records a merge moves (a merged customer's conversations,
    #: messages, notes and KObjects; a merged conversation's messages and notes) get a new
    #: updatedAt (and modifiedAt, rev). Kustomer does not say; off keeps their updatedAt, so an
    #: updatedAt cursor never sees them move
    moves_touch_updated_at: bool = False
    #: inferred switch: whether a redaction gives the message a new updatedAt (off: it keeps
    #: its updatedAt, so an updatedAt cursor never sees the redaction)
    redaction_touches_updated_at: bool = False
    #: the unkind options (:mod:`.unkind`; None = the profile's value, else the default)
    tie_order: str | None = None
    unsupported_sort: str | None = None
    total_cap: int | None = None
    list_order: str | None = None
    recent_update_share: float | None = None
    error_form: str | None = None
    empty_relationships: float | None = None
    no_created_by: float | None = None
    audit_order: str | None = None
    kobject_link_key: str | None = None
    past_end: str | None = None
    #: a named set of unkind options ("unkind"), under the ones given one by one
    profile: str | None = None


class Engine:
    """The state behind one sandbox; the API, the control API and the server share it."""

    def __init__(self, settings: Settings) -> None:
        if settings.missing_role_status not in (401, 403):
            raise ValueError("missing_role_status must be 401 or 403")
        if settings.search_limit not in ("pages", "rows"):
            raise ValueError("search_limit must be 'pages' or 'rows'")
        if settings.created_sort not in ("all", "customer"):
            raise ValueError("created_sort must be 'all' or 'customer'")
        self.settings = settings
        #: the unkind options, shared with the org (the ones that change the data)
        self.options = resolve(
            {name: getattr(settings, name) for name in OPTION_NAMES},
            settings.profile,
            settings.scale,
        )
        self.profile = settings.profile
        self.org = Org(settings.seed, settings.scale)
        self.org.realism = self.options
        self.clock = Clock()
        self.store = Store(self.org, self.clock)
        self.tokens = Tokens(
            settings.seed, self.clock, self.org.org_id, self.org.small_ids("users")[0]
        )
        self.token = self.tokens.create(None, None, value=settings.token)
        self.limits = RateLimits(
            settings.rate_limit,
            settings.search_rate_limit,
            settings.reset_header,
            settings.search_counts_org,
        )
        self.faults = Faults(
            settings.seed,
            settings.fault_5xx_rate,
            settings.fault_drop_rate,
            settings.fault_malformed_rate,
        )
        self.page_faults = PageFaults(
            {
                "404": settings.fault_404_page,
                "no_links": settings.fault_no_links_page,
                "data_not_list": settings.fault_data_not_list_page,
            }
        )
        self.latency = Latency(settings.latency_ms, settings.jitter_ms)
        self.store.index.set(settings.index_lag_s)
        self.stats = Stats()
        self.kobjects = KObjects(self)
        self.extras = Extras(self)
        self.removals = Removals(self)

    def set_options(self, values: dict[str, object], profile: str | None = None) -> None:
        """Change the unkind options: the profile's settings (if named), then ``values``
        (None = unchanged); every cached view of the data is dropped."""
        new = resolve(values, profile, self.settings.scale, base=self.options)
        with self.store.lock:
            for name in OPTION_NAMES:
                setattr(self.options, name, getattr(new, name))
            if profile:
                self.profile = profile
            self.store.version += 1
            self.store.query_cache.clear()
