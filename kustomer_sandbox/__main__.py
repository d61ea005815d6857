"""``python -m kustomer_sandbox``: serve the sandbox until Ctrl-C;
``python -m kustomer_sandbox act ...``: change a running one (see :mod:`.act`)."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from .engine import Settings
from .server import start
from .unkind import (
    AUDIT_ORDERS,
    ERROR_FORMS,
    LINK_KEYS,
    LIST_ORDERS,
    PAST_ENDS,
    PROFILES,
    TIE_ORDERS,
    UNSUPPORTED_SORTS,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    p = argparse.ArgumentParser(
        prog="python -m kustomer_sandbox",
        description="Serve a local, faithful Kustomer API on 127.0.0.1 with a synthetic org.",
    )
    p.add_argument("--port", type=int, default=8787, help="port to listen on (0 = any free port)")
    p.add_argument(
        "--token",
        default=None,
        help="bearer value of the full-access API token (default: generated)",
    )
    p.add_argument("--seed", type=int, default=7, help="seed of the synthetic org (default 7)")
    p.add_argument(
        "--scale",
        type=int,
        default=1000,
        help="size of the big objects: customers, conversations and notes = scale, "
        "messages = 4 x scale, audit logs = 2 x scale (default 1000)",
    )
    p.add_argument(
        "--latency-ms", type=float, default=0.0, help="delay added to every API response, in ms"
    )
    p.add_argument(
        "--jitter-ms",
        type=float,
        default=0.0,
        help="random extra delay of up to this many ms per response",
    )
    p.add_argument(
        "--rate-limit",
        type=int,
        default=1000,
        help="org-wide requests per minute, fixed 60 s windows (default 1000, 0 = off)",
    )
    p.add_argument(
        "--search-rate-limit",
        type=int,
        default=100,
        help="search requests per minute (default 100, 0 = off); searches also "
        "count against --rate-limit unless --search-counts-org no",
    )
    p.add_argument(
        "--search-counts-org",
        choices=("yes", "no"),
        default="yes",
        help="whether a search request also spends the org budget (default yes)",
    )
    p.add_argument(
        "--reset-header",
        choices=("epoch", "seconds"),
        default="epoch",
        help="x-ratelimit-reset as epoch seconds of the window's end (default) "
        "or as seconds until it",
    )
    p.add_argument(
        "--missing-role-status",
        type=int,
        choices=(401, 403),
        default=403,
        help="status for a valid token without the object's read role",
    )
    p.add_argument(
        "--search-limit",
        choices=("pages", "rows"),
        default="pages",
        help="search cap: 100 pages of any size (default) or 10,000 rows",
    )
    p.add_argument(
        "--fault-5xx-rate",
        type=float,
        default=0.0,
        help="probability (0..1) of answering a request with a 500/502/503",
    )
    p.add_argument(
        "--fault-drop-rate",
        type=float,
        default=0.0,
        help="probability (0..1) of closing the connection without a response",
    )
    p.add_argument(
        "--fault-malformed-rate",
        type=float,
        default=0.0,
        help="probability (0..1) of a 200 whose JSON body is cut in half",
    )
    for name, what in (
        ("404", "answers 404"),
        ("no-links", "comes without its `links` key"),
        ("data-not-list", "has `data` as an object instead of a list"),
    ):
        p.add_argument(
            f"--fault-{name}-page",
            type=int,
            default=0,
            metavar="N",
            help=f"page N of every page-numbered list {what} (default 0 = off)",
        )
    p.add_argument(
        "--index-lag",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="a write reaches search a random time up to SECONDS (sandbox clock) after it is "
        "made; lists see it at once (default 0 = at once)",
    )
    for flag, what in (
        ("--moves-touch-updated-at", "the records a merge moves get a new updatedAt"),
        ("--redaction-touches-updated-at", "a redacted message gets a new updatedAt"),
    ):
        p.add_argument(
            flag,
            choices=("yes", "no"),
            default="no",
            help=f"whether {what} (default no: Kustomer does not say; they keep theirs)",
        )
    unkind = p.add_argument_group(
        "unkind options",
        "readings the documentation leaves open, played the unkind way (default: the kind "
        "one; --profile unkind turns them all on, and a flag given beside it wins)",
    )
    unkind.add_argument(
        "--profile",
        choices=PROFILES,
        default=None,
        help="a named set of the options below: unkind = --tie-order shuffle "
        "--unsupported-sort ignore --total-cap 10000 (half the scale when that is smaller) "
        "--list-order newest --recent-update-share 0.3 --error-form kustomer "
        "--empty-relationships 0.03 --no-created-by 0.03 --audit-order newest "
        "--kobject-link-key link --past-end 404",
    )
    unkind.add_argument(
        "--tie-order",
        choices=TIE_ORDERS,
        default=None,
        help="order of records sharing the sort value in search and lists: by id (default), "
        "by a stable hash of the id, or shuffled afresh on every request",
    )
    unkind.add_argument(
        "--unsupported-sort",
        choices=UNSUPPORTED_SORTS,
        default=None,
        help="what search does with a sort the documentation calls unavailable (any "
        "<ctx>_* sort outside the customer attributes): accept it (default), ignore it "
        "(the engine's own order, a hash of the id) or reject it with a 400",
    )
    unkind.add_argument(
        "--total-cap",
        type=int,
        default=None,
        metavar="N",
        help="search's meta.total and totalPages capped at N (default 0 = exact)",
    )
    unkind.add_argument(
        "--list-order",
        choices=LIST_ORDERS,
        default=None,
        help="order of the lists without a documented order: ascending id (default), newest "
        "created first, or most recently updated first",
    )
    unkind.add_argument(
        "--recent-update-share",
        type=float,
        default=None,
        metavar="SHARE",
        help="share (0..1) of old records whose updatedAt falls in the last 8 weeks (default 0)",
    )
    unkind.add_argument(
        "--error-form",
        choices=ERROR_FORMS,
        default=None,
        help="error bodies: jsonapi {status, code, title, detail} (default) or kustomer "
        "{code, message, meta}",
    )
    unkind.add_argument(
        "--empty-relationships",
        type=float,
        default=None,
        metavar="SHARE",
        help='share (0..1) of to-one relationships sent as {"data": {"type": ..., '
        '"id": null}} (default 0)',
    )
    unkind.add_argument(
        "--no-created-by",
        type=float,
        default=None,
        metavar="SHARE",
        help="share (0..1) of records without createdBy (default 0)",
    )
    unkind.add_argument(
        "--audit-order",
        choices=AUDIT_ORDERS,
        default=None,
        help="the audit log's order: oldest first (default) or newest first with the OAS "
        "example's links (next = before=<last id>, prev = after=<first id>)",
    )
    unkind.add_argument(
        "--kobject-link-key",
        choices=LINK_KEYS,
        default=None,
        help="link key of KObjects' klass and queue relationships: links (default) or link "
        "(as the OAS KObject examples spell it)",
    )
    unkind.add_argument(
        "--past-end",
        choices=PAST_ENDS,
        default=None,
        help="a numbered list page past the end of a non-empty list: an empty page (default) "
        "or a 404 (page 1 of an empty list stays an empty page)",
    )
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    p.epilog = (
        "To change a running sandbox (deletes, merges, redactions, retention, audit expiry): "
        "python -m kustomer_sandbox act --help"
    )
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the server and block until interrupted (or run ``act``)."""
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["act"]:
        from .act import main as act

        return act(args[1:])
    a = parse_args(args)
    settings = Settings(
        seed=a.seed,
        scale=a.scale,
        rate_limit=a.rate_limit,
        search_rate_limit=a.search_rate_limit,
        latency_ms=a.latency_ms,
        jitter_ms=a.jitter_ms,
        fault_5xx_rate=a.fault_5xx_rate,
        fault_drop_rate=a.fault_drop_rate,
        fault_malformed_rate=a.fault_malformed_rate,
        fault_404_page=a.fault_404_page,
        fault_no_links_page=a.fault_no_links_page,
        fault_data_not_list_page=a.fault_data_not_list_page,
        index_lag_s=a.index_lag,
        reset_header=a.reset_header,
        token=a.token,
        missing_role_status=a.missing_role_status,
        search_limit=a.search_limit,
        search_counts_org=a.search_counts_org == "yes",
        moves_touch_updated_at=a.moves_touch_updated_at == "yes",
        redaction_touches_updated_at=a.redaction_touches_updated_at == "yes",
        tie_order=a.tie_order,
        unsupported_sort=a.unsupported_sort,
        total_cap=a.total_cap,
        list_order=a.list_order,
        recent_update_share=a.recent_update_share,
        error_form=a.error_form,
        empty_relationships=a.empty_relationships,
        no_created_by=a.no_created_by,
        audit_order=a.audit_order,
        kobject_link_key=a.kobject_link_key,
        past_end=a.past_end,
        profile=a.profile,
    )
    try:
        engine, running = start(settings, port=a.port, verbose=a.verbose)
    except ValueError as exc:
        print(f"python -m kustomer_sandbox: {exc}", file=sys.stderr)
        return 2
    print(f"Kustomer sandbox serving at {running.base_url}", flush=True)
    print(f"API token: {engine.token}", flush=True)
    print(
        f"Control API: {running.base_url}/__sandbox  (seed={a.seed}, scale={a.scale}; "
        "Ctrl-C to stop)",
        flush=True,
    )
    # Ctrl-C and SIGTERM stop it, also when started in the background, where a shell leaves
    # SIGINT ignored and Python then installs no handler of its own
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
