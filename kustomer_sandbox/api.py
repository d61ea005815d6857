"""The endpoint table: which path serves which object, how it pages, which roles read it.

Paths and roles follow the research notes (``kustomer_api.md`` §1 and §8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["page", "single", "cursor"]

PERM = "org.permission."


@dataclass(frozen=True)
class Endpoint:
    """How one object is served."""

    obj: str
    path: str
    kind: Kind
    type_name: str
    #: any one of these roles grants read access; empty = any valid token
    roles: tuple[str, ...]
    max_page_size: int = 100
    #: meta carries total/totalPages (only customers, per the OAS response types)
    totals: bool = False
    #: accepts ``sort=asc|desc`` (by id), documented for conversations and messages
    id_sort: bool = False


def _r(*names: str) -> tuple[str, ...]:
    return tuple(n if n.startswith("org.") else PERM + n for n in names)


# inferred: read roles that the sources did not capture (kb, users, teams, apps, kviews,
# notifications, routing settings/statuses/sessions, auth roles) follow the
# ``org.permission.<thing>.read`` pattern.
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("apps", "/v1/apps", "page", "app", _r("apps.read")),
    Endpoint(
        "audit_logs",
        "/v1/audit-logs",
        "cursor",
        "audit_log",
        _r("audit_logs.read", "org.user.audit_logs.read", "org.admin.audit_logs.read"),
        max_page_size=1000,
    ),
    Endpoint(
        "auth_customer_settings",
        "/v1/auth/customer/settings",
        "single",
        "auth_customer_settings",
        ("org.admin",),
    ),
    Endpoint("auth_roles", "/v1/auth/roles", "page", "role", _r("security", "org.admin.security")),
    Endpoint(
        "auth_tokens", "/v1/auth/tokens", "page", "auth_token", _r("security", "org.admin.security")
    ),
    Endpoint("brands", "/v1/brands", "page", "brand", _r("brand.read")),
    Endpoint("cards", "/v1/cards", "page", "card", _r("apps.read")),
    Endpoint(
        "categories", "/v1/kb/categories", "page", "kb_category", _r("kb.read", "org.admin.kb")
    ),
    Endpoint("chat_settings", "/v1/chat/settings", "single", "chat_settings", ()),
    Endpoint("companies", "/v1/companies", "page", "company", _r("company.read")),
    Endpoint(
        "conversations",
        "/v1/conversations",
        "page",
        "conversation",
        _r("conversation.read"),
        id_sort=True,
    ),
    Endpoint(
        "customers",
        "/v1/customers",
        "page",
        "customer",
        _r("customer.read", "org.user.customer.read"),
        totals=True,
    ),
    Endpoint(
        "customers_searches", "/v1/customers/searches", "page", "customer_search", _r("search.read")
    ),
    Endpoint(
        "customers_searches_pinned",
        "/v1/customers/searches/pinned",
        "page",
        "customer_search_pinned",
        _r("search_pinned.read"),
    ),
    Endpoint(
        "customers_searches_positions",
        "/v1/customers/searches/positions",
        "single",
        "customer_search_positions",
        _r("search.read"),
    ),
    Endpoint("hooks_email", "/v1/hooks/email", "page", "email_hook", ("org.hooks",)),
    Endpoint("hooks_web", "/v1/hooks/web", "page", "web_hook", ("org.hooks",)),
    Endpoint("kb_articles", "/v1/kb/articles", "page", "kb_article", _r("kb.read", "org.admin.kb")),
    Endpoint("kb_forms", "/v1/kb/forms", "page", "kb_form", _r("kb.read", "org.admin.kb")),
    Endpoint("kb_routes", "/v1/kb/routes", "page", "kb_route", _r("kb.read", "org.admin.kb")),
    Endpoint("kb_tags", "/v3/kb/tags", "page", "kb_tag", _r("kb.read", "org.admin.kb")),
    Endpoint(
        "kb_templates", "/v3/kb/templates", "page", "kb_template", _r("kb.read", "org.admin.kb")
    ),
    Endpoint("kb_themes", "/v3/kb/themes", "page", "kb_theme", _r("kb.read", "org.admin.kb")),
    Endpoint("kviews", "/v1/kviews", "page", "kview", _r("kview.read")),
    Endpoint("messages", "/v1/messages", "page", "message", _r("message.read"), id_sort=True),
    Endpoint("notes", "/v1/notes", "page", "note", _r("note.read")),
    Endpoint("notifications", "/v1/notifications", "page", "notification", _r("notification.read")),
    Endpoint(
        "outbound_accounts", "/v1/outboundAccounts", "page", "outbound_account", _r("apps.read")
    ),
    Endpoint(
        "outbound_webhooks",
        "/v1/outbound-webhooks",
        "page",
        "outbound_webhook",
        _r("outbound_webhook.read", "org.outbound_webhooks"),
    ),
    Endpoint(
        "outbound_webhooks_events",
        "/v1/outbound-webhooks/events",
        "single",
        "outbound_webhook_events",
        _r("outbound_webhook.read", "org.outbound_webhooks"),
    ),
    Endpoint(
        "outbound_webhooks_transactions",
        "/v1/outbound-webhooks/transactions",
        "page",
        "outbound_webhook_transaction",
        _r("outbound_webhook.read", "org.outbound_webhooks"),
    ),
    Endpoint(
        "routing_queue_rules",
        "/v1/routing/queue-rules",
        "page",
        "queue_rule",
        _r("queue_rule.read"),
    ),
    Endpoint(
        "routing_queues",
        "/v1/routing/queues",
        "page",
        "queue",
        _r("queue.read", "routing.read", "org.user.routing.read"),
    ),
    Endpoint(
        "routing_settings",
        "/v1/routing/settings",
        "page",
        "team_routing_settings",
        _r("routing.read"),
    ),
    Endpoint("routing_statuses", "/v1/routing/statuses", "page", "user_status", _r("routing.read")),
    Endpoint(
        "routing_work_items", "/v1/routing/work-items", "page", "work_item", _r("routing.read")
    ),
    Endpoint(
        "routing_work_sessions",
        "/v1/routing/work-sessions",
        "page",
        "work_session",
        _r("routing.read"),
    ),
    Endpoint("satisfaction", "/v1/satisfaction", "page", "satisfaction", _r("satisfaction.read")),
    Endpoint("schedules", "/v1/schedules", "page", "schedule", _r("schedule.read")),
    Endpoint("settings", "/v1/settings", "page", "setting", _r("setting.read")),
    Endpoint("shortcuts", "/v1/shortcuts", "page", "shortcut", _r("shortcut.read")),
    Endpoint(
        "shortcuts_categories",
        "/v1/shortcuts/categories",
        "page",
        "shortcut_category",
        _r("shortcut.read"),
    ),
    Endpoint("snippets", "/v1/snippets", "page", "snippet", _r("snippet.read")),
    Endpoint("snoozes", "/v1/snoozes", "page", "snooze", _r("snooze.read")),
    Endpoint("spam_senders", "/v1/spam/senders", "page", "sender", _r("spam.read")),
    Endpoint("teams", "/v1/teams", "page", "team", _r("team.read"), max_page_size=500),
    Endpoint("users", "/v1/users", "page", "user", _r("user.read"), max_page_size=500),
    Endpoint(
        "klasses",
        "/v1/klasses",
        "page",
        "klass",
        _r("klass.read", "org.user.klass.read", "org.admin.klass.read"),
    ),
)

BY_OBJECT: dict[str, Endpoint] = {e.obj: e for e in ENDPOINTS}
BY_PATH: dict[str, Endpoint] = {e.path: e for e in ENDPOINTS}

SEARCH_PATH = "/v1/customers/search"
#: OAS customerArchiveSearch: records older than standard search's 2-year reach
ARCHIVE_SEARCH_PATH = "/v1/customers/archive/search"
SEARCH_ROLES: tuple[str, ...] = _r(
    "search.create",
    "search.update",
    "search_global.create",
    "search_preview.create",
    "org.user.search.read",
    "org.admin.search.read",
)
SEARCH_MAX_PAGE_SIZE = 500
#: OAS customerSearch: "There is a hard limit of 100 for the maximum number of pages."
SEARCH_MAX_PAGES = 100
#: GLUE: "a maximum of 10K records ... irrespective of a filtered or a non-filtered request"
SEARCH_MAX_ROWS = 10_000
DEFAULT_PAGE_SIZE = 100
AUDIT_DEFAULT_COUNT = 100

#: search queryContext -> object; ``kobject`` and ``kobject_<klass>`` search KObjects
#: (``extras.search_kobjects``)
SEARCH_CONTEXTS: dict[str, str | None] = {
    "customer": "customers",
    "conversation": "conversations",
    "message": "messages",
    "note": "notes",
    "company": "companies",
    "kobject": None,
}


#: read roles of the routes beyond the AppFlow objects (``extras.ROUTES``; tag inferred)
EXTRA_ROLES: tuple[str, ...] = _r(
    "tag.read", "sla.read", "metadata.read", "kobject.read", "attachment.read"
)


#: roles of the documented writes the sandbox serves (OAS: "Any one of the following roles is
#: required"), by operation
WRITE_ROLES: dict[str, tuple[str, ...]] = {
    "delete customers": ("org.user.customer.delete", PERM + "customer.delete"),
    "delete conversations": ("org.user.conversation.delete", PERM + "conversation.delete"),
    "delete notes": ("org.user.note.write", PERM + "note.delete"),
    # plus org.permission.kobject.kobject_<klass>.delete for one Klass (the OAS writes `*`)
    "delete kobjects": (
        "org.user.kobject.delete",
        PERM + "kobject.delete",
        PERM + "kobject.kobject_*.delete",
    ),
    "merge customers": (
        "org.user.customer.write",
        PERM + "customer_merge.create",
        "org.admin.customer.merge.write",
    ),
    # as documented: the create role also reads a merge by id
    "read merge": (
        "org.user.customer.read",
        PERM + "customer_merge.create",
        "org.admin.customer.merge.read",
    ),
    "read customer merges": (
        "org.user.customer.read",
        PERM + "customer_merge.read",
        "org.admin.customer.merge.read",
    ),
    "redact messages": ("org.admin.message.write", PERM + "message_redaction.create"),
}


def all_roles() -> list[str]:
    """Every role any endpoint accepts (what a full-access token carries)."""
    roles: set[str] = set(SEARCH_ROLES) | set(EXTRA_ROLES)
    for write in WRITE_ROLES.values():
        roles.update(write)
    for e in ENDPOINTS:
        roles.update(e.roles)
    return sorted(roles)


def self_link(obj: str, record_id: str) -> str:
    """``links.self`` of a record: the object's list path plus the id."""
    return f"{BY_OBJECT[obj].path}/{record_id}"
