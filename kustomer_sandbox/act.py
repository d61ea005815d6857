"""``python -m kustomer_sandbox act ...``: change a running sandbox through its control API.

Between two runs of a connector, for example::

    python -m kustomer_sandbox act --url http://127.0.0.1:8787 delete customers <id> [<id> ...]
    python -m kustomer_sandbox act merge-customers <source> <target>
    python -m kustomer_sandbox act merge-conversations <source> <target>
    python -m kustomer_sandbox act redact <message id> [--preview TEXT] [--attachment ID ...]
    python -m kustomer_sandbox act retention --before 2024-06-01 conversations kobject.ecomm-order
    python -m kustomer_sandbox act expire-audit 2026-08-01
    python -m kustomer_sandbox act behaviour --moves-touch-updated-at yes
    python -m kustomer_sandbox act options --profile unkind --tie-order hash
    python -m kustomer_sandbox act advance-clock 86400

Each prints the control API's JSON answer and exits 0, or prints its error and exits 1.
Standard library only, like the rest of the sandbox.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any

from .unkind import (
    AUDIT_ORDERS,
    ERROR_FORMS,
    LINK_KEYS,
    LIST_ORDERS,
    OPTION_NAMES,
    PAST_ENDS,
    PROFILES,
    TIE_ORDERS,
    UNSUPPORTED_SORTS,
)

DEFAULT_URL = "http://127.0.0.1:8787"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Options of ``act``."""
    p = argparse.ArgumentParser(
        prog="python -m kustomer_sandbox act",
        description="Act on a running sandbox through its control API (/__sandbox/...).",
    )
    p.add_argument(
        "--url", default=DEFAULT_URL, help=f"base URL of the sandbox (default {DEFAULT_URL})"
    )
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    d = sub.add_parser(
        "delete",
        help="hard-delete records with their cascades and audit entries (one id: as "
        "DELETE /v1/<object>/{id}, 404 if missing; several: as a bulk delete)",
    )
    d.add_argument(
        "object", help="customers, conversations, messages, notes, companies or kobject.<klass>"
    )
    d.add_argument("ids", nargs="+", help="record ids")
    for name, what in (("customers", "customer"), ("conversations", "conversation")):
        m = sub.add_parser(f"merge-{name}", help=f"merge one {what} into another")
        m.add_argument("source", help=f"the {what} that goes")
        m.add_argument("target", help=f"the {what} that stays")
    r = sub.add_parser("redact", help="redact a message (POST /v1/messages/{id}/redactions)")
    r.add_argument("message", help="message id")
    r.add_argument("--preview", default=None, help="the new preview (default: a placeholder)")
    r.add_argument(
        "--attachment",
        action="append",
        default=None,
        dest="attachments",
        help="an attachment of the message to redact too (repeatable)",
    )
    t = sub.add_parser(
        "retention",
        help="run a deletion rule: records created before a date (24 months old at least) go",
    )
    t.add_argument("--before", required=True, help="ISO timestamp or YYYY-MM-DD")
    t.add_argument(
        "objects", nargs="+", help="conversations, kobject.<klass> or kobjects (every Klass)"
    )
    e = sub.add_parser("expire-audit", help="drop every audit-log entry created before a date")
    e.add_argument("before", help="ISO timestamp or YYYY-MM-DD")
    b = sub.add_parser(
        "behaviour", help="show or set the merge and redaction switches (updatedAt of moves)"
    )
    for flag in ("--moves-touch-updated-at", "--redaction-touches-updated-at"):
        b.add_argument(flag, choices=("yes", "no"), default=None)
    o = sub.add_parser(
        "options",
        help="show or set the unkind options (tie order, unsupported sorts, capped totals, "
        "list order, recent updates, error form, empty relationships, missing creators, "
        "pages past the end)",
    )
    o.add_argument("--profile", choices=PROFILES, default=None)
    o.add_argument("--tie-order", choices=TIE_ORDERS, default=None)
    o.add_argument("--unsupported-sort", choices=UNSUPPORTED_SORTS, default=None)
    o.add_argument("--total-cap", type=int, default=None)
    o.add_argument("--list-order", choices=LIST_ORDERS, default=None)
    o.add_argument("--recent-update-share", type=float, default=None)
    o.add_argument("--error-form", choices=ERROR_FORMS, default=None)
    o.add_argument("--empty-relationships", type=float, default=None)
    o.add_argument("--no-created-by", type=float, default=None)
    o.add_argument("--audit-order", choices=AUDIT_ORDERS, default=None)
    o.add_argument("--kobject-link-key", choices=LINK_KEYS, default=None)
    o.add_argument("--past-end", choices=PAST_ENDS, default=None)
    c = sub.add_parser("advance-clock", help="move the sandbox clock forward")
    c.add_argument("seconds", type=float)
    return p.parse_args(argv)


def request(args: argparse.Namespace) -> tuple[str, str, dict[str, Any] | None]:
    """(method, control path, JSON body) for the parsed action."""
    a = args.action
    if a == "delete":
        one = len(args.ids) == 1
        body: dict[str, Any] = {"object": args.object}
        body.update({"id": args.ids[0]} if one else {"ids": args.ids})
        return "POST", "/deletes", body
    if a in ("merge-customers", "merge-conversations"):
        return "POST", f"/merges/{a[6:]}", {"source": args.source, "target": args.target}
    if a == "redact":
        body = {"message": args.message}
        if args.preview is not None:
            body["preview"] = args.preview
        if args.attachments:
            body["attachments"] = args.attachments
        return "POST", "/redactions", body
    if a == "retention":
        return "POST", "/retention", {"before": args.before, "objects": args.objects}
    if a == "expire-audit":
        return "POST", "/audit/expire", {"before": args.before}
    if a == "behaviour":
        switches = {
            "moves_touch_updated_at": args.moves_touch_updated_at,
            "redaction_touches_updated_at": args.redaction_touches_updated_at,
        }
        body = {k: v == "yes" for k, v in switches.items() if v is not None}
        return ("POST", "/behaviour", body) if body else ("GET", "/behaviour", None)
    if a == "options":
        body = {
            k: getattr(args, k) for k in ("profile", *OPTION_NAMES) if getattr(args, k) is not None
        }
        return ("POST", "/options", body) if body else ("GET", "/options", None)
    return "POST", "/clock", {"advance_seconds": args.seconds}


def main(argv: list[str]) -> int:
    """Run one action; print the answer (stdout) or the error (stderr)."""
    args = parse_args(argv)
    method, path, body = request(args)
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        args.url.rstrip("/") + "/__sandbox" + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            print(resp.read().decode())
            return 0
    except urllib.error.HTTPError as err:
        print(f"{err.code}: {err.read().decode()}", file=sys.stderr)
        return 1
    except urllib.error.URLError as err:
        print(f"cannot reach the sandbox at {args.url}: {err.reason}", file=sys.stderr)
        return 1
