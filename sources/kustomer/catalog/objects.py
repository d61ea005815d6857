"""The 48 Kustomer objects as data: where each is read, how it syncs, and its typed fields.

One `KustomerObject` per object of Amazon AppFlow's Kustomer connector. Field names are the API's
own camelCase attribute names; dlt's snake_case naming turns them into the destination columns
(`displayColor` -> `display_color`). Scalar fields carry a column hint so a null or an empty
first page never changes a column's type; `struct` fields become `field__key` columns and `list`
fields become child tables `<table>__<field>`, both left to dlt's normalizer.

String fields that hold timestamps (`importedAt` on conversations, `createdAt` on routing queue
rules, `modifiedAt` on KB forms) stay `text`, as the API documents them as strings.

The fields are AppFlow's list plus the attributes Kustomer documents beyond it, typed by the
documented shape where the two disagree (`appflow` keeps AppFlow's own type of those fields).
`json` fields land as one JSON column each: key-value maps keyed by data (weekdays, languages, app
component names, status ids, changed attributes, search fields), which dlt would otherwise unnest
into a column or a table per key, and the KB `manifest`, a documented list where AppFlow says
Struct, so either lands. Where Kustomer documents an object and AppFlow a String (conversations'
`sentiment`), the field keeps AppFlow's text hint: a string lands in that column and an object's
keys unnest beside it (`sentiment__polarity`), neither as a variant column.
Relationships are the documented ones (`shapes.json`, read through `catalog.shapes`). A
to-one relationship (`data` is one `{type, id}`) lands as the text column `<name>_id`; a to-many
one (`data` is a list of them, or the relationship is the list itself) as the child table
`<table>__<name>_ids` (one `value` per id); a links-only one (no `data`) lands nothing, as its
records come from their own endpoint. A relationship per language (`by_language`: KB articles'
`published_<lang>`/`unpublished_<lang>` versions) lands as one child table `<table>__<name>_ids`
of `lang` and `id` instead of a column per language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dlt.common.schema.typing import TWriteDisposition

from .shapes import Relationship, load_shapes

ReadKind = Literal["pages", "single", "audit_log"]
"""pages: `page`/`pageSize` lists that follow `links.next`; single: one record per org;
audit_log: the cursor-paged audit log, filtered by `filter[start]`/`filter[end]`."""

SyncKind = Literal["replace", "search", "append"]
"""replace: every run reads the whole list and replaces the table (also drops deleted records);
search: incremental on `updatedAt` through `POST /v1/customers/search`, merged on `id`;
append: incremental on `createdAt` through the endpoint's own date filter, appended."""

FieldType = Literal["timestamp", "text", "bool", "bigint", "double", "struct", "list", "json"]


SYNC_REASONS: dict[SyncKind, str] = {
    "replace": (
        "The list endpoint has no time filter, so each run reads it whole; replacing the table "
        "also removes records deleted in Kustomer."
    ),
    "search": (
        "Search filters and sorts on updatedAt, so each run reads only what changed since the "
        "last one and merges it on id."
    ),
    "append": (
        "Entries never change once written; the createdAt range filter reads only new ones."
    ),
}

CURSORS: dict[SyncKind, str] = {"search": "updatedAt", "append": "createdAt"}
"""The field an incremental sync kind tracks (replace keeps no cursor)."""


def fields(**groups: str) -> dict[str, FieldType]:
    """Turns space-separated field names grouped by type into a name -> type map."""
    return {name: kind for kind, names in groups.items() for name in names.split()}  # type: ignore[misc]


@dataclass(frozen=True)
class KustomerObject:
    """How one Kustomer object is read, synced and typed."""

    table: str
    path: str
    role: str | None
    fields: dict[str, FieldType]
    appflow: dict[str, FieldType] = field(default_factory=dict)
    by_language: tuple[str, ...] = ()
    read: ReadKind = "pages"
    sync: SyncKind = "replace"
    page_size: int = 100
    search_context: str | None = None
    #: the prefix of search fields when it is not the context (KObjects: `kobject_updated_at`
    #: in the context `kobject_<klass>`)
    search_field: str | None = None
    secrets: tuple[str, ...] = ()
    why: str = ""
    #: a list read whole that grows with the org (one work item per routed conversation): read
    #: in full at most once per `tuning.big_list_every_s`, kept as it is in between
    big: bool = False
    cursor: str | None = field(init=False)
    integer_times: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cursor", CURSORS.get(self.sync))
        shape = load_shapes().get(self.table)
        documented = shape.attributes if shape else {}
        integer_times = tuple(
            name
            for name, kind in self.fields.items()
            if kind == "timestamp" and name in documented and documented[name].type == "integer"
        )
        object.__setattr__(self, "integer_times", integer_times)
        if not self.why:
            object.__setattr__(self, "why", SYNC_REASONS[self.sync])

    @property
    def search_prefix(self) -> str:
        """The prefix of the object's search fields (`<prefix>_updated_at`)."""
        return self.search_field or self.search_context or self.table

    @property
    def write_disposition(self) -> TWriteDisposition:
        """dlt write disposition that matches the sync kind."""
        dispositions: dict[SyncKind, TWriteDisposition] = {
            "replace": "replace",
            "search": "merge",
            "append": "append",
        }
        return dispositions[self.sync]

    @property
    def relationships(self) -> dict[str, Relationship]:
        """The object's documented relationships (`shapes.json`), by name."""
        shape = load_shapes().get(self.table)
        return dict(shape.relationships or {}) if shape else {}

    @property
    def primary_key(self) -> str | tuple[str, ...]:
        """`id`, except where the documented records carry none (outbound accounts)."""
        shape = load_shapes().get(self.table)
        return "id" if shape is None or shape.envelope.records_have_id else ()

    def language_prefix(self, relationship: str) -> str | None:
        """The `by_language` name of a `<name>_<lang>` relationship, else None."""
        return next((p for p in self.by_language if relationship.startswith(p + "_")), None)

    def column_hints(self) -> dict[str, dict[str, str]]:
        """dlt column hints for the scalar and JSON fields and the to-one relationship ids
        (nested fields are left to the normalizer), by the API's names: dlt names the columns,
        and the incremental cursor's own hint (`updatedAt`) lands on the same column instead of
        a colliding one."""
        hints = {"id": {"data_type": "text"}}
        for name, kind in self.fields.items():
            if kind not in ("struct", "list"):
                hints[name] = {"data_type": kind}
        for name, rel in self.relationships.items():
            # an attribute `<name>Id` (audit logs' userId) is the same column, already hinted
            if rel.kind == "one" and not self.language_prefix(name) and f"{name}Id" not in hints:
                hints[f"{name}_id"] = {"data_type": "text"}
        return hints


OBJECTS: tuple[KustomerObject, ...] = (
    KustomerObject(
        "apps",
        "/v1/apps",
        role="org.permission.apps.read",
        fields=fields(
            timestamp="createdAt modifiedAt statusAt updatedAt",
            text="current installing name settingsPageConfig status version",
            bool="autoUpdate disabled",
            struct="meta remote",
            # the app's components and settings, each a map keyed by its name
            json=(
                "actions cards commands events hooks klasses kviews outboundWebhooks settings "
                "shortcuts templates triggers workflows"
            ),
            list="dataSubscriptions inboundHookUris roles widgets",
        ),
        appflow=fields(
            struct=(
                "actions cards commands events hooks klasses kviews outboundWebhooks settings "
                "shortcuts templates triggers workflows"
            )
        ),
    ),
    KustomerObject(
        "audit_logs",
        "/v1/audit-logs",
        read="audit_log",
        page_size=1000,
        role="org.permission.audit_logs.read",
        sync="append",
        fields=fields(
            timestamp="createdAt expiresAt publishedAt",
            text="client eventName eventVerb ip objectId objectType org userId userType",
            json="changes",  # keyed by the changed attributes' names
        ),
        appflow=fields(struct="changes"),
    ),
    KustomerObject(
        "auth_customer_settings",
        "/v1/auth/customer/settings",
        read="single",
        role="org.admin",
        secrets=("secret",),
        fields=fields(
            timestamp="createdAt updatedAt",
            text="secret",
            list="corsWhitelist",
        ),
    ),
    KustomerObject(
        "auth_roles",
        "/v1/auth/roles",
        role="org.permission.security",
        fields=fields(),
    ),
    KustomerObject(
        "auth_tokens",
        "/v1/auth/tokens",
        role="org.permission.security",
        fields=fields(
            timestamp="createdAt updatedAt expireAt lastAccessedAt",
            text="ipAddress lastTokenChars name userAgent",
            list="cidr roles",
        ),
    ),
    KustomerObject(
        "brands",
        "/v1/brands",
        role="org.permission.brand.read",
        fields=fields(
            timestamp="createdAt updatedAt modifiedAt",
            text="iconUrl name",
            bool="default",
        ),
    ),
    KustomerObject(
        "cards",
        "/v1/cards",
        role="org.permission.apps.read",
        fields=fields(
            timestamp="createdAt updatedAt modifiedAt",
            text="description name url",
            list="contexts",
        ),
    ),
    KustomerObject(
        "categories",
        "/v1/kb/categories",
        role="org.permission.kb.read",
        fields=fields(
            timestamp="createdAt updatedAt modifiedAt",
            text="hash",
            bool="published root",
            json="langs",  # keyed by language
            list="categoryPositions positions",
        ),
        appflow=fields(struct="langs"),
    ),
    KustomerObject(
        "chat_settings",
        "/v1/chat/settings",
        read="single",
        role=None,
        fields=fields(
            timestamp="modifiedAt updatedAt",
            text=(
                "autoreply embedIconColor embedIconUrl fallbackEmailIntroduction "
                "fallbackEmailSubject greeting offhoursImageUrl offhoursMessage teamName "
                "widgetType"
            ),
            bool=(
                "closableChat default disableAttachments enabled noHistory outboundChatEnabled "
                "showBrandingIdentifier showEmailInputBanner showTypingIndicatorCustomerWeb "
                "showTypingIndicatorWeb singleSessionChat suppressConversationReopen"
            ),
            bigint="settingsVersion version",
            struct="colors pushSettings volumeControl",
        ),
    ),
    KustomerObject(
        "companies",
        "/v1/companies",
        role="org.permission.company.read",
        sync="search",
        search_context="company",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="externalId name",
            bigint="rev",
            list="domains emails locations phones roleGroupVersions socials tags urls whatsapps",
        ),
    ),
    KustomerObject(
        "conversations",
        "/v1/conversations",
        role="org.permission.conversation.read",
        sync="search",
        search_context="conversation",
        fields=fields(
            timestamp="createdAt endedAt lastActivityAt lastMessageAt modifiedAt updatedAt",
            text=(
                "direction endedByType endedReason importedAt lastMessageDirection name phase "
                "preview sentiment status"
            ),
            bool="ended spam",
            bigint=(
                "inboundMessageCount messageCount noteCount outboundMessageCount priority rev "
                "satisfaction"
            ),
            struct=(
                "assistant firstDone firstMessageIn firstMessageOut firstResponse "
                "firstResponseSinceLastDone lastDone lastMessageIn lastMessageOut "
                "lastMessageUnrespondedTo lastMessageUnrespondedToSinceLastDone lastResponse "
                "satisfactionLevel"
            ),
            list=(
                "accessOverride assignedTeams assignedUsers channels matchedTimeBasedRules "
                "predictions roleGroupVersions skills suggestedShortcuts suggestedTags tags"
            ),
        ),
    ),
    KustomerObject(
        "customers",
        "/v1/customers",
        role="org.permission.customer.read",
        sync="search",
        search_context="customer",
        fields=fields(
            timestamp="createdAt lastActivityAt modifiedAt updatedAt",
            text=(
                "displayColor displayIcon displayName externalId locale name companyName "
                "defaultLang firstName gender lastName progressiveStatus timeZone"
            ),
            bool="deleted verified",
            bigint="rev",
            struct=(
                "conversationCounts lastConversation lastMessageIn preview recentLocation "
                "satisfactionLevel"
            ),
            list=(
                "externalIds accessOverride activeUsers emails facebookIds instagramIds "
                "locations phones recentItems roleGroupVersions sharedEmails sharedExternalIds "
                "sharedPhones sharedSocials socials tags urls watchers whatsapps"
            ),
        ),
    ),
    KustomerObject(
        "customers_searches",
        "/v1/customers/searches",
        role="org.permission.search.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="badgeColor dataHash defaultVisibility icon name",
            bool="cacheable private showBadge",
            bigint="position",
            json="data",  # a saved query, keyed by search field names
            list="accessTeams accessUsers teamVisibilities userVisibilities",
        ),
        appflow=fields(struct="data"),
    ),
    KustomerObject(
        "customers_searches_pinned",
        "/v1/customers/searches/pinned",
        role="org.permission.search_pinned.read",
        fields=fields(
            timestamp="createdAt",
            text="search",
        ),
    ),
    KustomerObject(
        "customers_searches_positions",
        "/v1/customers/searches/positions",
        read="single",
        role="org.permission.search.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            bigint="rev",
            list="children positions",
        ),
    ),
    KustomerObject(
        "hooks_email",
        "/v1/hooks/email",
        role="org.hooks",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="description email eventName hash key title",
            bool="debug",
        ),
    ),
    KustomerObject(
        "hooks_web",
        "/v1/hooks/web",
        role="org.hooks",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="description eventName hash title url",
            bool="debug",
            bigint="version",
        ),
    ),
    KustomerObject(
        "kb_articles",
        "/v1/kb/articles",
        role="org.permission.kb.read",
        fields=fields(
            timestamp="createdAt deletedAt modifiedAt publishedAt updatedAt",
            text="hash metaDescription metaTitle scope source status title",
            bool="deleted",
            json="langVersions latestLangs",  # keyed by language
            list="categories knowledgeBases metaKeywords tags",
        ),
        appflow=fields(struct="langVersions latestLangs"),
        by_language=("published", "unpublished"),
    ),
    KustomerObject(
        "kb_forms",
        "/v1/kb/forms",
        role="org.permission.kb.read",
        fields=fields(
            timestamp="createdAt publishedAt updatedAt",
            text="body channel hash klass modifiedAt name replyFrom slug",
            bool="advanced deflection formHookEnabled published recaptcha wcag",
            struct="componentsV2 conditions",
            list="layout layoutV2 snippets",
        ),
    ),
    KustomerObject(
        "kb_routes",
        "/v1/kb/routes",
        role="org.permission.kb.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="routableId routableType url",
        ),
    ),
    KustomerObject(
        "kb_tags",
        "/v3/kb/tags",
        role="org.permission.kb.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="name",
        ),
    ),
    KustomerObject(
        "kb_templates",
        "/v3/kb/templates",
        role="org.permission.kb.read",
        fields=fields(
            timestamp="createdAt updatedAt",
            text="description title version",
            bool="beta",
            json="manifest",  # a list of sections (AppFlow: Struct)
            list="images jsxSnippets",
        ),
        appflow=fields(struct="manifest"),
    ),
    KustomerObject(
        "kb_themes",
        "/v3/kb/themes",
        role="org.permission.kb.read",
        fields=fields(
            timestamp="createdAt lastFileUpdatedAt modifiedAt updatedAt",
            text="name status templateTitle templateVersion templateVersionId",
            bool="active custom default",
            bigint="rev",
            json="manifest",  # a list of sections (AppFlow: Struct)
            list="configSnippets jsxSnippets",
        ),
        appflow=fields(struct="manifest"),
    ),
    KustomerObject(
        "kviews",
        "/v1/kviews",
        role="org.permission.kview.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="context resource template",
            bool="advanced appDisabled enabled",
            bigint="rev",
            struct="components conditions meta",
            list="layout",
        ),
    ),
    KustomerObject(
        "messages",
        "/v1/messages",
        role="org.permission.message.read",
        sync="search",
        search_context="message",
        fields=fields(
            timestamp="createdAt errorAt modifiedAt sentAt updatedAt",
            text="app channel direction directionType externalId preview status subject",
            bool="auto redacted",
            bigint="rev size",
            struct="meta sentiment",
            list="assignedTeams assignedUsers createdByTeams intentDetections reactions",
        ),
    ),
    KustomerObject(
        "notes",
        "/v1/notes",
        role="org.permission.note.read",
        sync="search",
        search_context="note",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="body",
            list="createdByTeams",
        ),
    ),
    KustomerObject(
        "notifications",
        "/v1/notifications",
        role="org.permission.notification.read",
        fields=fields(
            timestamp="createdAt updatedAt",
            text="name status",
            json="event",  # an event envelope: a whole record and its changes
        ),
        appflow=fields(struct="event"),
    ),
    KustomerObject(
        "outbound_accounts",
        "/v1/outboundAccounts",
        role="org.permission.apps.read",
        fields=fields(
            text="account app channel name",
            bool="aliasUsername",
        ),
    ),
    KustomerObject(
        "outbound_webhooks",
        "/v1/outbound-webhooks",
        role="org.permission.outbound_webhook.read",
        secrets=("token",),
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="name token url",
            bool="appDisabled enabled isError",
            bigint="consecutiveErrorsCount",
            list="events headers",
        ),
    ),
    KustomerObject(
        "outbound_webhooks_events",
        "/v1/outbound-webhooks/events",
        read="single",
        role="org.permission.outbound_webhook.read",
        fields=fields(
            list="events",
        ),
    ),
    KustomerObject(
        "outbound_webhooks_transactions",
        "/v1/outbound-webhooks/transactions",
        role="org.permission.outbound_webhook.read",
        fields=fields(
            text="eventName nextRetry status webhookId",
            bigint="sentAt",
        ),
    ),
    KustomerObject(
        "routing_queue_rules",
        "/v1/routing/queue-rules",
        role="org.permission.queue_rule.read",
        fields=fields(
            text="createdAt description modifiedAt name updatedAt",
            bool="enabled",
            json="criteria",  # a condition tree keyed by field names
        ),
        appflow=fields(struct="criteria"),
    ),
    KustomerObject(
        "routing_queues",
        "/v1/routing/queues",
        role="org.permission.queue.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="description displayName name",
            bool="deleted restrictTransfersByUsers system",
            bigint="itemSize priority",
            struct="settings",
        ),
    ),
    KustomerObject(
        "routing_settings",
        "/v1/routing/settings",
        role="org.permission.routing.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            bool="enabled",
            bigint="workItemCapacity",
            struct="capacity",
            list="externalQueues",
        ),
    ),
    KustomerObject(
        "routing_statuses",
        "/v1/routing/statuses",
        role="org.permission.routing.read",
        fields=fields(
            timestamp="createdAt updatedAt",
            text="description name statusType",
            bool="enabled routable selectable system",
        ),
    ),
    KustomerObject(
        "routing_work_items",
        "/v1/routing/work-items",
        role="org.permission.routing.read",
        big=True,
        fields=fields(
            timestamp=(
                "completedAt createdAt firstEnterQueueAt modifiedAt resourceCreatedAt updatedAt"
            ),
            text="channel resourceDirection resourceType status",
            bool="hasSkills paused",
            bigint=(
                "itemSize priority queuedCount resourceFirstQueueTime resourceRev rev "
                "workItemNumber"
            ),
            struct="handle ivr lastRevision resource",
            list="skills",
        ),
    ),
    KustomerObject(
        "routing_work_sessions",
        "/v1/routing/work-sessions",
        role="org.permission.routing.read",
        big=True,
        fields=fields(
            timestamp="createdAt idleSince modifiedAt signedInAt signedOutAt updatedAt",
            text="capacityStatus statusType totalAvailableIdleCapacity",
            bool="hasPendingItem hasSkills routable",
            bigint=(
                "capacityRemaining handledConversationCount handledItemCount pausedWorkItemCount "
                "rev totalCapacity workItemCount"
            ),
            struct=(
                "lastRevision totalAvailable totalAvailableAtCapacity totalUnavailable "
                "totalUnavailableAtCapacity"
            ),
            json="totalTimeByStatus",  # keyed by status id
            list="capacity skills",
        ),
        appflow=fields(struct="totalTimeByStatus"),
    ),
    KustomerObject(
        "satisfaction",
        "/v1/satisfaction",
        role="org.permission.satisfaction.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text=(
                "channel description followUpType formType introduction metaDescription "
                "metaTitle name ratingPrompt"
            ),
            bool="enabled",
            double="delayTime",
            struct="from scale",
            json="criteria",  # a condition tree keyed by field names
            list="allQuestions negativeQuestions positiveQuestions questions",
        ),
        appflow=fields(struct="criteria"),
    ),
    KustomerObject(
        "schedules",
        "/v1/schedules",
        role="org.permission.schedule.read",
        fields=fields(
            timestamp="createdAt updatedAt modifiedAt",
            text="name timezone",
            bool="default",
            json="hours",  # keyed by weekday, 0 (Sunday) to 6
        ),
        appflow=fields(struct="hours"),
    ),
    KustomerObject(
        "settings",
        "/v1/settings",
        role="org.permission.setting.read",
        fields=fields(
            timestamp="createdAt modifiedAt",
            text="app category name type value",
        ),
    ),
    KustomerObject(
        "shortcuts",
        "/v1/shortcuts",
        role="org.permission.shortcut.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="name",
            bool="appDisabled deleted isPrivate",
            bigint="rev",
            struct="conversation draft payload",
        ),
    ),
    KustomerObject(
        "shortcuts_categories",
        "/v1/shortcuts/categories",
        role="org.permission.shortcut.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="name",
            bool="root",
            list="categoryPositions shortcutPositions",
        ),
    ),
    KustomerObject(
        "snippets",
        "/v1/snippets",
        role="org.permission.snippet.read",
        fields=fields(
            timestamp="createdAt updatedAt",
            text="app category description key name source",
            json="langs",  # keyed by language
        ),
        appflow=fields(struct="langs"),
    ),
    KustomerObject(
        "snoozes",
        "/v1/snoozes",
        role="org.permission.snooze.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="name type value",
            bool="enabled",
        ),
    ),
    KustomerObject(
        "spam_senders",
        "/v1/spam/senders",
        role="org.permission.spam.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="channel list sender",
        ),
    ),
    KustomerObject(
        "teams",
        "/v1/teams",
        page_size=500,
        role="org.permission.team.read",
        fields=fields(
            timestamp="createdAt modifiedAt updatedAt",
            text="displayName icon name",
            bool="deleted",
            list="members roleGroups",
        ),
    ),
    KustomerObject(
        "users",
        "/v1/users",
        page_size=500,
        role="org.permission.user.read",
        secrets=("password",),
        fields=fields(
            timestamp=(
                "createdAt emailVerifiedAt firstEmailVerifiedAt modifiedAt updatedAt firstLoginAt"
            ),
            text="displayName email mobile name userType",
            bool="isEmailValid",
            struct="password",
            list="roleGroups roles",
        ),
    ),
    KustomerObject(
        "klasses",
        "/v1/klasses",
        role="org.permission.klass.read",
        fields=fields(
            timestamp="createdAt updatedAt",
            text="appVersion color displayName icon klassSchema name s3DataUrl status",
            bool="appDisabled",
            list="mixins",
        ),
    ),
)

CATALOG: dict[str, KustomerObject] = {obj.table: obj for obj in OBJECTS}


def select(names: list[str] | None, more: tuple[str, ...] = ()) -> list[KustomerObject]:
    """The catalog entries for `names` (all when None); an unknown name lists the valid ones.
    `more` names other tables of the source (tags, SLAs, ...), and any `kobject_` name passes
    (an org's Klasses are known only once its source is made)."""
    if not names:
        return list(OBJECTS)
    unknown = [
        name
        for name in names
        if name not in CATALOG and name not in more and not name.startswith("kobject_")
    ]
    if unknown:
        raise UnknownObjectError(unknown, [*CATALOG, *more])
    return [CATALOG[name] for name in names if name in CATALOG]


class UnknownObjectError(ValueError):
    """Raised for object names that are not in the catalog."""

    def __init__(self, unknown: list[str], valid: list[str] | None = None) -> None:
        self.unknown = unknown
        super().__init__(
            f"Unknown Kustomer object(s): {', '.join(unknown)}. "
            f"Valid objects: {', '.join(sorted(valid or CATALOG))}"
        )
