"""Each object's documented relationships (``shapes.json``), per record as JSON.

The names, kinds (to-one, to-many, links only) and target types come from the documented shapes;
this module only decides which record each one points at, so that values agree across objects:
a message's and a note's ``customer`` is its conversation's, an audit entry's ``user`` is its
``userId`` and its ``customer`` the customer of the object it logs, a KB route's ``article`` is
its ``routableId``, a webhook transaction's ``hook`` its ``webhookId``, a pinned search's
``search`` its ``search``. Targets among the 48 objects are real records; the others (the org,
knowledge bases, KB article versions, satisfaction templates, revisions, kobjects) get stable
made-up ids (*inferred*: their link paths, where the documents show none). The org and its
knowledge base are one record each (every category and KB form names the same knowledge base:
the categories hang below one root); the paths records link to answer (:mod:`.linked`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from .api import BY_OBJECT
from .layout import GOLD, MASK, ORG_SETUP_MS, mix64, parent_of, salt_of
from .shapes import Relationship, load_shapes

if TYPE_CHECKING:
    from .data import Ctx, Org

#: ``(ctx, record id) -> JSON text of one relationship value``, or None to leave it out
RelJson = Callable[["Ctx", str], "str | None"]
#: ``(ctx) -> target id`` (None: a to-one with ``data: null``)
Ref = Callable[["Ctx"], "str | None"]
#: ``(ctx) -> target ids``
Refs = Callable[["Ctx"], list[str]]

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

#: documented target type -> the sandbox object whose records it points at
TARGET_OBJECTS: dict[str, str] = {
    "user": "users",
    "team": "teams",
    "queue": "routing_queues",
    "customer": "customers",
    "conversation": "conversations",
    "company": "companies",
    "brand": "brands",
    "app": "apps",
    "outbound_webhook": "outbound_webhooks",
    "kb_article": "kb_articles",
    "kb_category": "categories",
    "customer_search": "customers_searches",
    "work_session": "routing_work_sessions",
    "team_routing_settings": "routing_settings",
    "user_status": "routing_statuses",
    "message": "messages",
}

#: link paths of targets that are not among the 48 objects (*inferred*, but ``/v1/orgs``,
#: which the examples show)
SYNTHETIC_PATHS: dict[str, str] = {
    "org": "/v1/orgs",
    "kb_knowledge_base": "/v1/kb/knowledge-bases",
    "kb_article_version": "/v1/kb/articles/versions",
    "satisfaction_template": "/v1/satisfaction/templates",
    "work_item_revision": "/v1/routing/work-items/revisions",
}


def pick(seq: list[str], x: int) -> str:
    """The element of ``seq`` that hash bits ``x`` choose (the attribute values' rule too)."""
    return seq[(x >> 24) % len(seq)]


def audit_customer(c: Ctx) -> str | None:
    """The customer of the object an audit-log entry logs (None for a company)."""
    from .values import audit_target_index  # the entry's object, as its attributes give it

    target, j = audit_target_index(c)
    org = c.org
    if target == "customers":
        return org.layout("customers").id(j)
    if target == "conversations":
        return org.conversation_customer(j)
    if target in ("messages", "notes", "routing_work_items"):
        return org.conversation_customer(org.parent_index("conversations", target, j))
    return None


def _small(obj: str, shift: int) -> Ref:
    """A record of a small object made before the record that points at it (a creator, an
    assignee, a team, a queue: none is younger than what it made or works on)."""

    def ref(c: Ctx) -> str:
        org = c.org
        return org.small_ids(obj)[(c.h >> shift) % org.existing(obj, c.created)]

    return ref


def _same_as_attribute(obj: str) -> Ref:
    """The target an attribute computed with ``pick(ids, c.h)`` names (routableId, ...)."""
    return lambda c: pick(c.org.small_ids(obj), c.h)


def _conversation_of(table: str) -> Ref:
    def ref(c: Ctx) -> str:
        conv = c.org.parent_index("conversations", table, c.i)
        return c.org.layout("conversations").id(conv)

    return ref


def _customer_of_conversation(table: str) -> Ref:
    return lambda c: c.org.conversation_customer(c.org.parent_index("conversations", table, c.i))


def _customer_of_own_conversation(c: Ctx) -> str:
    return c.org.conversation_customer(c.i)


def _company_of_customer(c: Ctx) -> str | None:
    return c.org.customer_company(c.i)  # a third of the customers belong to no company


def _conversation_agent(table: str) -> Ref:
    """The agent who works the record's conversation (its work session's user)."""

    def ref(c: Ctx) -> str:
        org = c.org
        p = org.parent_index("conversations", table, c.i)
        return org.small_ids("users")[org.story(p)[0].user]

    return ref


def _conversation_team(table: str) -> Ref:
    def ref(c: Ctx) -> str:
        org = c.org
        p = org.parent_index("conversations", table, c.i)
        return org.small_ids("teams")[org.story(p)[0].team]

    return ref


def _session_user(c: Ctx) -> str:
    return c.org.small_ids("users")[c.org.session_user(c.i)]


def _session_team(c: Ctx) -> str:
    org = c.org
    return org.small_ids("teams")[org.team_of_user(org.session_user(c.i))]


def _audit_user(c: Ctx) -> str | None:
    from .values import audit_user

    return audit_user(c)


def _work_item_conversation(c: Ctx) -> str:
    org = c.org
    j = parent_of(org.count("conversations"), org.count("routing_work_items"), c.i)
    return org.layout("conversations").id(j)


def _work_item_session(c: Ctx) -> str:
    org = c.org
    n = org.count("routing_work_sessions")
    return org.layout("routing_work_sessions").id(
        parent_of(n, org.count("routing_work_items"), c.i)
    )


def _settings_of_team(c: Ctx) -> str:
    # routing settings record k belongs to team k % teams (see SPECIAL["routing_settings"])
    settings = c.org.small_ids("routing_settings")
    return settings[(c.h >> 13) % len(settings)]


def _team_of_settings(c: Ctx) -> str:
    teams = c.org.small_ids("teams")
    return teams[c.i % len(teams)]


def _parent_category(c: Ctx) -> str | None:
    # category 0 is the root; the others hang below an earlier one
    return None if c.i == 0 else c.org.small_ids("categories")[(c.i - 1) // 2]


def _sample(obj: str, most: int, shift: int) -> Refs:
    def refs(c: Ctx) -> list[str]:
        ids = c.org.small_ids(obj)
        k = 1 + (c.h >> shift) % min(most, len(ids))
        start = (c.h >> (shift + 8)) % len(ids)
        return [ids[(start + n) % len(ids)] for n in range(k)]

    return refs


def _kb_categories(c: Ctx) -> list[str]:
    ids = c.org.small_ids("categories")
    return [ids[(c.h >> 24) % len(ids)]]


#: (table, relationship) -> where a to-one points, where that is not a pick among its target's
#: records; a to-many's ids likewise
SPECIAL: dict[tuple[str, str], Ref] = {
    ("messages", "conversation"): _conversation_of("messages"),
    ("messages", "customer"): _customer_of_conversation("messages"),
    ("notes", "conversation"): _conversation_of("notes"),
    ("notes", "customer"): _customer_of_conversation("notes"),
    ("conversations", "customer"): _customer_of_own_conversation,
    ("customers", "company"): _company_of_customer,
    ("audit_logs", "user"): _audit_user,
    ("notes", "createdBy"): _conversation_agent("notes"),
    ("routing_work_items", "assignedTo"): _conversation_agent("routing_work_items"),
    ("routing_work_items", "acceptedBy"): _conversation_agent("routing_work_items"),
    ("routing_work_items", "team"): _conversation_team("routing_work_items"),
    ("routing_work_sessions", "user"): _session_user,
    ("routing_work_sessions", "team"): _session_team,
    ("audit_logs", "customer"): audit_customer,
    ("kb_routes", "article"): _same_as_attribute("kb_articles"),
    ("outbound_webhooks_transactions", "hook"): _same_as_attribute("outbound_webhooks"),
    ("customers_searches_pinned", "search"): _same_as_attribute("customers_searches"),
    ("routing_work_items", "resource"): _work_item_conversation,
    ("routing_work_items", "workSession"): _work_item_session,
    ("routing_work_sessions", "routingSettings"): _settings_of_team,
    ("routing_settings", "team"): _team_of_settings,
    ("categories", "parent"): _parent_category,
}

SPECIAL_MANY: dict[tuple[str, str], Refs] = {
    ("kb_articles", "categories"): _kb_categories,
}


def knowledge_base_id(org: Org) -> str:
    """The id of the org's knowledge base (*inferred*: one, made when the org was set up): an
    ObjectId-like id, its creation seconds first."""
    return f"{ORG_SETUP_MS // 1000:08x}{salt_of(org.seed, 'knowledge base') & MASK:016x}"


def _synthetic(target: str, name: str, table: str) -> Ref:
    """A stable made-up id per record for a target that is not one of the 48 objects (the org
    and its knowledge base: one id for the whole org)."""
    if target == "org":
        return lambda c: c.org.org_id
    if target == "kb_knowledge_base":
        return lambda c: knowledge_base_id(c.org)
    salt = salt_of(table, name) & MASK

    def ref(c: Ctx) -> str:
        x = ((c.h ^ salt) * GOLD) & MASK
        return f"{x:016x}{((x >> 32) ^ c.i) & 0xFFFFFFFF:08x}"

    return ref


def _ref(table: str, rel: Relationship, shift: int) -> Ref:
    special = SPECIAL.get((table, rel.name))
    if special is not None:
        return special
    obj = TARGET_OBJECTS.get(rel.target)
    if obj is not None:
        return _small(obj, shift) if obj not in ("conversations", "customers") else _big(obj)
    return _synthetic(rel.target, rel.name, table)


def _big(obj: str) -> Ref:
    """A record of a big object made before the record that points at it."""

    def ref(c: Ctx) -> str:
        layout = c.org.layout(obj)
        return layout.id((c.h >> 7) % max(1, layout.bisect_time(c.created, 0)))

    return ref


def _path(target: str) -> str:
    obj = TARGET_OBJECTS.get(target)
    return BY_OBJECT[obj].path if obj is not None else SYNTHETIC_PATHS.get(target, "/v1/" + target)


#: to-one relationships that ``empty_relationships`` may send in the documented empty form:
#: those naming a user, team, queue, company, brand, ... (who did or owns something), never the
#: records a record belongs to (its org, conversation, customer, KObject's Klass)
EMPTIABLE_TARGETS = frozenset(
    {
        "user",
        "team",
        "queue",
        "company",
        "brand",
        "work_session",
        "user_status",
        "kb_category",
        "team_routing_settings",
    }
)
#: ... and these by name (the audit example's entry carries a `customer`)
EMPTIABLE_NAMES = frozenset({("audit_logs", "customer")})
_SALTS: dict[tuple[str, str], int] = {}


def _share_draw(c: Ctx, table: str, what: str) -> float:
    salt = _SALTS.get((table, what))
    if salt is None:
        salt = _SALTS[(table, what)] = salt_of("unkind", table, what)
    return (mix64(c.h ^ salt) >> 11) / 9007199254740992.0


def emptiable(table: str, rel: Relationship) -> bool:
    """Whether ``empty_relationships`` applies to this relationship of ``table``."""
    return rel.kind == "one" and (
        rel.target in EMPTIABLE_TARGETS or (table, rel.name) in EMPTIABLE_NAMES
    )


def emptied(c: Ctx, table: str, name: str) -> bool:
    """Whether this record's relationship ``name`` is sent in the documented empty form
    (``empty_relationships``: a share of them, the same ones every time for a seed)."""
    share = c.org.realism.empty_relationships
    return share > 0 and _share_draw(c, table, "empty " + name) < share


def no_creator(c: Ctx, table: str) -> bool:
    """Whether this record comes without ``createdBy`` (``no_created_by``: made by the
    system)."""
    share = c.org.realism.no_created_by
    return share > 0 and _share_draw(c, table, "no creator") < share


def empty_form(target: str, links: bool) -> str:
    """The documented empty to-one: ``{"data": {"type": ..., "id": null}}``, with the
    ``/v1/users/null``-style link where the relationship has links (the audit-log example)."""
    data = f'{{"data":{{"type":{_dumps(target)},"id":null}}'
    return data + (f',"links":{{"self":"{_path(target)}/null"}}}}' if links else "}")


def _one(table: str, rel: Relationship, shift: int) -> RelJson:
    ref = _ref(table, rel, shift)
    head = f'{{"data":{{"type":{_dumps(rel.target)},"id":"'
    link = f'"}},"links":{{"self":"{_path(rel.target)}/' if rel.links else ""
    can_empty = emptiable(table, rel)
    empty = empty_form(rel.target, rel.links)

    def build(c: Ctx, rid: str) -> str | None:
        if can_empty and emptied(c, table, rel.name):
            return empty
        target = ref(c)
        if target is None:
            return None if rel.optional else '{"data":null}'
        return f'{head}{target}"}}}}' if not link else f'{head}{target}{link}{target}"}}}}'

    return build


def _many(table: str, rel: Relationship, shift: int) -> RelJson:
    refs = SPECIAL_MANY.get((table, rel.name))
    if refs is None:
        obj = TARGET_OBJECTS.get(rel.target)
        refs = _sample(obj, 3, shift) if obj is not None else (lambda c: [])
    item = f'{{{{"type":{_dumps(rel.target)},"id":"{{}}"}}}}'

    def build(c: Ctx, rid: str) -> str | None:
        ids = refs(c)
        items = "[" + ",".join(item.format(i) for i in ids) + "]"
        if rel.bare:
            return items
        return f'{{"data":{items}}}'

    return build


def _links(table: str, rel: Relationship) -> RelJson:
    own = BY_OBJECT[table].path
    # klasses' `kobjects` (/v1/klasses/<name>) is put on by kobjects.KlassGen
    return lambda c, rid: f'{{"links":{{"self":"{own}/{rid}/{rel.name}"}}}}'


def compile_relationships(org: Org, table: str) -> Callable[[Ctx, str], str] | None:
    """The builder of ``table``'s ``relationships`` JSON, or None where the documented record
    has no ``relationships`` key. Optional relationships (messages' ``attachments``) are
    built by their own code (see :mod:`.attachments`)."""
    shape = load_shapes()[table]
    if shape.relationships is None:
        return None
    parts: list[tuple[str, RelJson]] = []
    for k, rel in enumerate(shape.relationships.values()):
        if rel.name == "attachments" and table == "messages":
            continue
        shift = 11 + (k * 5) % 40
        if rel.kind == "links":
            fn = _links(table, rel)
        elif rel.kind == "many":
            fn = _many(table, rel, shift)
        else:
            fn = _one(table, rel, shift)
        parts.append((_dumps(rel.name) + ":", fn))

    creator_key = _dumps("createdBy") + ":"

    def build(c: Ctx, rid: str) -> str:
        out = []
        for key, fn in parts:
            if key == creator_key and no_creator(c, table):
                continue
            value = fn(c, rid)
            if value is not None:
                out.append(key + value)
        return "{" + ",".join(out) + "}"

    return build
