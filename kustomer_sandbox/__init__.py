"""A local, faithful Kustomer API for tests, the demo and benchmarks.

A real HTTP server on 127.0.0.1 that serves a synthetic org, deterministic for
``(seed, scale)``, through Kustomer's documented endpoints: the 48 AppFlow objects'
list paths (``page``/``pageSize``, ``links.next``), the single-object endpoints, audit
logs (``count``/``after``/``before``, ``filter[start]``/``filter[end]``), and
``POST /v1/customers/search``; with bearer auth and roles (401/403), rate limits
(``x-ratelimit-*``, 429), added latency and injected faults. It never imports the dlt
source: it is an independent model of the API. See ``README.md`` for the behaviours
inferred where Kustomer's documentation is silent.

Python::

    from kustomer_sandbox import serve
    with serve(seed=7, scale=20) as sb:
        sb.base_url   # "http://127.0.0.1:<port>"
        sb.token      # full-access API token
        sb.control    # Control: create/update/soft_delete/hard_delete/bulk_import records,
                      # advance_clock, create_token, set_limits/faults/latency, counters;
                      # delete/bulk_delete (cascades + audit), merge_customers,
                      # merge_conversations, redact, retention, expire_audit, set_behaviour

Command line::

    python -m kustomer_sandbox --port 8787 [--seed 7 --scale 1000 ...]
    python -m kustomer_sandbox act [--url http://127.0.0.1:8787] delete customers <id> ...
                                  (also merge-customers, merge-conversations, redact,
                                  retention, expire-audit, behaviour, advance-clock)

API writes served as documented (the roles of the OAS): ``DELETE /v1/customers/{id}``,
``/v1/conversations/{id}``, ``/v1/notes/{id}``, ``/v1/klasses/{name}/{id}`` (204);
``DELETE /v1/customers/bulk?ids=a,b`` and ``/v1/klasses/{name}/bulk?ids=a,b`` (201, a ``bulk``
job); ``POST /v1/customers/merges`` ``{source, target}`` (201), ``GET /v1/customers/merges/{id}``,
``GET /v1/customers/{id}/merges``; ``POST /v1/messages/{id}/redactions`` (201);
``POST /v1/customers/archive/search``; ``idsOnly=true`` on both searches.

HTTP control API (JSON; no auth; loopback only; never counted, throttled or faulted)::

    GET    /__sandbox                         token, clock, objects, seed, scale
    GET    /__sandbox/objects                 {"objects": [48 names]}
    GET    /__sandbox/objects/{obj}?include_deleted=true&offset=0&limit=100
                                              {"count": n, "data": [records]}
    GET    /__sandbox/objects/{obj}/count?include_deleted=true   {"count": n}
    POST   /__sandbox/objects/{obj}           {"attributes": {...},
                                               "relationships": {"customer": id}}
                                              -> 201 {"data": record}
    POST   /__sandbox/objects/{obj}/bulk      {"count": 5000,
                                               "updated_at": "2026-10-01T00:00:00.000Z"}
                                              -> 201 {"ids": [...]}
    GET    /__sandbox/objects/{obj}/{id}      {"data": record}  (404 if hard-deleted)
    PATCH  /__sandbox/objects/{obj}/{id}      {"attributes": {...}} -> {"data": record}
    DELETE /__sandbox/objects/{obj}/{id}      soft delete; ?hard=true removes it
    GET    /__sandbox/clock                   {"now": iso}
    POST   /__sandbox/clock                   {"advance_seconds": 60} -> {"now": iso}
    POST   /__sandbox/tokens                  {"roles": [...] | null, "expires_in_s": 3600}
                                              -> 201 {"token": "..."}
    GET    /__sandbox/stats?method=GET&path_prefix=/v1/customers&status=404
                                              {"requests": n, "throttled": n,
                                               "peak_in_flight": n, "first_request_at": epoch s,
                                               "last_request_at": epoch s}
    POST   /__sandbox/stats/reset
    POST   /__sandbox/limits                  {"rate_limit": 1000, "search_rate_limit": 100,
                                               "search_counts_org": true}
    POST   /__sandbox/faults                  {"fault_5xx_rate": 0.1, "fault_drop_rate": 0,
                                               "fault_malformed_rate": 0, "fault_404_page": 3,
                                               "fault_no_links_page": 0,
                                               "fault_data_not_list_page": 0}
                                              (page faults: that page of every list; 0 = off)
    POST   /__sandbox/index-lag               {"max_seconds": 120} -> {"max_seconds": 120}
                                              (a write reaches search up to this long after
                                              it is made, on the sandbox clock; 0 = at once)
    POST   /__sandbox/latency                 {"latency_ms": 50, "jitter_ms": 20}
    GET    /__sandbox/roles                   {"all": [...], "search": [...], "objects": {...}}
    GET    /__sandbox/klasses                 {"data": [Klass records]}
    POST   /__sandbox/klasses                 {"name": "device", "attributes": [{"key":
                                               "serialStr"}], "count": 2} -> 201 {"data": klass}
    PATCH  /__sandbox/klasses/{name}          {"status": "disabled" | "enabled"}
    GET    /__sandbox/kobjects/{klass}        {"data": [KObjects, soft-deleted ones too]}
    POST   /__sandbox/kobjects/{klass}        {"custom": {...}, "relationships": {"customer":
                                               id}, "attributes": {...}} -> 201 {"data": ...}
    PATCH  /__sandbox/kobjects/{klass}/{id}   {"custom": {...}, "attributes": {...}}
    DELETE /__sandbox/kobjects/{klass}/{id}   soft delete
    POST   /__sandbox/deletes                 {"object": "customers", "id": id} (404 if missing)
                                              or {"object": ..., "ids": [...]} (missing skipped)
                                              object: customers, conversations, messages, notes,
                                              companies, kobject.<klass>; hard delete with the
                                              cascade and audit entries of the API's DELETE
                                              -> 200 {"deleted": {"customers": [ids],
                                              "conversations": [...], "messages": [...],
                                              "notes": [...], "attachments": [...]}}
    POST   /__sandbox/merges/customers        {"source": id, "target": id}
                                              -> 201 {"data": customer_merge}
    GET    /__sandbox/merges/customers        {"data": [every customer_merge]}
    POST   /__sandbox/merges/conversations    {"source": id, "target": id}
                                              -> 200 {"data": target conversation}
    POST   /__sandbox/redactions              {"message": id, "preview": "...",
                                               "attachments": [ids], "meta": {...}}
                                              -> 201 {"data": message}
    POST   /__sandbox/retention               {"before": "2024-06-01", "objects":
                                               ["conversations", "kobject.ecomm-order"]}
                                              -> 200 {"deleted": {"conversations": n, ...}}
                                              (400 for a before within 24 months of the clock;
                                              "kobjects" = every Klass)
    POST   /__sandbox/audit/expire            {"before": iso} -> 200 {"dropped": n}
    GET    /__sandbox/behaviour               {"moves_touch_updated_at": false,
                                               "redaction_touches_updated_at": false}
    POST   /__sandbox/behaviour               the same keys (either or both) -> both

Control errors use the same ``{"errors": [...]}`` body: 404 unknown object or id, 400 bad
input, 405 wrong method.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from .control import Control
from .engine import Engine, Settings
from .limits import ResetHeader
from .server import Running, start

__all__ = ["Control", "Sandbox", "Settings", "serve"]


@dataclass
class Sandbox:
    """A running sandbox."""

    base_url: str
    token: str
    control: Control
    engine: Engine
    running: Running

    def close(self) -> None:
        """Stop the server."""
        self.running.stop()


@contextmanager
def serve(
    seed: int = 7,
    scale: int = 20,
    rate_limit: int = 0,
    search_rate_limit: int = 0,
    latency_ms: float = 0,
    jitter_ms: float = 0,
    fault_5xx_rate: float = 0.0,
    fault_drop_rate: float = 0.0,
    fault_malformed_rate: float = 0.0,
    fault_404_page: int = 0,
    fault_no_links_page: int = 0,
    fault_data_not_list_page: int = 0,
    index_lag_s: float = 0.0,
    reset_header: ResetHeader = "epoch",
    token: str | None = None,
    port: int = 0,
    missing_role_status: int = 403,
    search_limit: str = "pages",
    sla_included: str = "list",
    search_counts_org: bool = True,
    created_sort: str = "all",
    moves_touch_updated_at: bool = False,
    redaction_touches_updated_at: bool = False,
    tie_order: str | None = None,
    unsupported_sort: str | None = None,
    total_cap: int | None = None,
    list_order: str | None = None,
    recent_update_share: float | None = None,
    error_form: str | None = None,
    empty_relationships: float | None = None,
    no_created_by: float | None = None,
    audit_order: str | None = None,
    kobject_link_key: str | None = None,
    past_end: str | None = None,
    profile: str | None = None,
    verbose: bool = False,
) -> Iterator[Sandbox]:
    """Serve a sandbox on 127.0.0.1 (``port=0``: a free port) until the block exits.

    Rate limits default to off here so tests are fast; the CLI defaults to Kustomer's
    1000 org / 100 search requests per minute. The unkind options (None: the ``profile``'s
    value, else today's kind default) are described in :mod:`kustomer_sandbox.unkind`.
    """
    settings = Settings(
        seed=seed,
        scale=scale,
        rate_limit=rate_limit,
        search_rate_limit=search_rate_limit,
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        fault_5xx_rate=fault_5xx_rate,
        fault_drop_rate=fault_drop_rate,
        fault_malformed_rate=fault_malformed_rate,
        fault_404_page=fault_404_page,
        fault_no_links_page=fault_no_links_page,
        fault_data_not_list_page=fault_data_not_list_page,
        index_lag_s=index_lag_s,
        reset_header=reset_header,
        token=token,
        missing_role_status=missing_role_status,
        search_limit=search_limit,
        sla_included=sla_included,
        search_counts_org=search_counts_org,
        created_sort=created_sort,
        moves_touch_updated_at=moves_touch_updated_at,
        redaction_touches_updated_at=redaction_touches_updated_at,
        tie_order=tie_order,
        unsupported_sort=unsupported_sort,
        total_cap=total_cap,
        list_order=list_order,
        recent_update_share=recent_update_share,
        error_form=error_form,
        empty_relationships=empty_relationships,
        no_created_by=no_created_by,
        audit_order=audit_order,
        kobject_link_key=kobject_link_key,
        past_end=past_end,
        profile=profile,
    )
    engine, running = start(settings, port=port, verbose=verbose)
    sb = Sandbox(running.base_url, engine.token, running.server.control, engine, running)
    try:
        yield sb
    finally:
        sb.close()
