"""Derive `kustomer_source/catalog/shapes.json` from Kustomer's documentation.

Reads `../shared/research/documented/` (the Core Resources OpenAPI document and the per-endpoint
`data` item schemas of the developer site) and the AppFlow list packaged with the sandbox, and
writes one shape per AppFlow object: attributes with types, relationships (name, target type,
kind), whether the record carries `links`, and the list envelope.

    python scripts/derive_shapes.py [--documented DIR] [--check]

`--check` exits 1 when the committed file differs from what the documentation gives (the file is
derived, not edited by hand; corrections go in the tables below, each with its reason).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DOCUMENTED = REPO.parent / "shared" / "research" / "documented"
APPFLOW = REPO / "kustomer_sandbox" / "appflow_objects.json"
OUT = REPO / "kustomer_source" / "catalog" / "shapes.json"
OAS_NAME = "kustomer_core_resources_openapi.json"

#: table -> per-endpoint schema file under schemas/ (developer-site pages)
SCHEMA_FILES: dict[str, str] = {
    "apps": "apps_platform/apps.json",
    "audit_logs": "core_resources/audit_logs.json",
    "auth_roles": "access_management/auth_roles.json",
    "brands": "core_resources/brands.json",
    "cards": "apps_platform/cards.json",
    "categories": "knowledge_base/kb_categories.json",
    "companies": "core_resources/companies.json",
    "conversations": "core_resources/conversations.json",
    "customers": "core_resources/customers.json",
    "customers_searches": "settings_and_configurations/customers_searches.json",
    "customers_searches_pinned": "settings_and_configurations/customers_searches_pinned.json",
    "customers_searches_positions": "settings_and_configurations/customers_searches_positions.json",
    "hooks_email": "apps_platform/hooks_email.json",
    "hooks_web": "apps_platform/hooks_web.json",
    "kb_articles": "knowledge_base/kb_articles.json",
    "kb_forms": "knowledge_base/kb_forms.json",
    "kb_routes": "knowledge_base/kb_routes.json",
    "kb_tags": "knowledge_base/kb_tags.json",
    "kb_templates": "knowledge_base/kb_templates.json",
    "kb_themes": "knowledge_base/kb_themes.json",
    "klasses": "core_resources/klasses.json",
    "kviews": "apps_platform/kviews.json",
    "messages": "core_resources/messages.json",
    "notes": "core_resources/notes.json",
    "notifications": "settings_and_configurations/notifications.json",
    "outbound_webhooks": "apps_platform/outbound_webhooks.json",
    "outbound_webhooks_transactions": "apps_platform/outbound_webhooks_transactions.json",
    "routing_queue_rules": "queues_and_routing/routing_queue_rules.json",
    "routing_queues": "queues_and_routing/routing_queues.json",
    "routing_settings": "queues_and_routing/routing_settings.json",
    "routing_statuses": "queues_and_routing/routing_statuses.json",
    "routing_work_items": "queues_and_routing/routing_work_items.json",
    "routing_work_sessions": "queues_and_routing/routing_work_sessions.json",
    "satisfaction": "core_resources/satisfaction.json",
    "schedules": "core_resources/schedules.json",
    "settings": "settings_and_configurations/settings.json",
    "shortcuts": "settings_and_configurations/shortcuts.json",
    "shortcuts_categories": "settings_and_configurations/shortcuts_categories.json",
    "snippets": "settings_and_configurations/snippets.json",
    "snoozes": "settings_and_configurations/snoozes.json",
    "spam_senders": "core_resources/spam_senders.json",
    "teams": "access_management/teams.json",
    "users": "access_management/users.json",
}

#: table -> `GET` path of the Core Resources OpenAPI document (its schema and example)
OAS_PATHS: dict[str, str] = {
    "audit_logs": "/audit-logs",
    "brands": "/brands",
    "companies": "/companies",
    "conversations": "/conversations",
    "customers": "/customers",
    "klasses": "/klasses",
    "messages": "/messages",
    "notes": "/notes",
    "outbound_accounts": "/outboundAccounts",
    "satisfaction": "/satisfaction",
    "schedules": "/schedules",
    "spam_senders": "/spam/senders",
}

_ONE = {"kind": "one", "links": True}
_EVT = "event payloads (kustomer_api.md EVT), not the list page"
_TYPES = "LarisLab/kustomer-client@cc885c9 src/api/types.gen.ts"

#: Objects whose response shape documented/ does not hold but Kustomer's full OpenAPI does, as
#: kept in LarisLab/kustomer-client@cc885c9 src/api/types.gen.ts (generated from it): transcribed
#: here, field by field. Types only (that file keeps no examples), so targets are inferred.
TRANSCRIBED: dict[str, dict[str, Any]] = {
    "auth_tokens": {
        "source": "LarisLab/kustomer-client@cc885c9 src/api/types.gen.ts GetAuthTokensResponses",
        "attributes": {
            "lastTokenChars": "string",
            "name": "string",
            "ipAddress": "string",
            "userAgent": "string",
            "roles": ["string"],
            "updatedAt": "string",
            "createdAt": "string",
            "lastAccessedAt": "string",
        },
        "relationships": ["org", "user"],
        "record_links": ["self"],
        "envelope": {
            "top": ["data", "links", "meta"],
            "meta": ["pageSize", "page"],
            "links": ["self", "first", "prev", "next"],
        },
    },
    "auth_customer_settings": {
        "source": (
            "LarisLab/kustomer-client@cc885c9 src/api/types.gen.ts GetAuthCustomerSettingsResponses"
        ),
        "attributes": {
            "secret": "string",
            "corsWhitelist": ["any"],
            "updatedAt": "string",
            "createdAt": "string",
        },
        "relationships": ["org"],
        "record_links": ["self"],
        "envelope": {"single": True, "top": ["data"]},
    },
}

#: the one documented single object (auth_customer_settings) answers `{data}` alone
_SINGLE_INFERRED = {
    "single": True,
    "top": ["data"],
    "from": "inferred: as the one documented single object, auth_customer_settings",
}

#: `GET /v1/users/current` (not one of the 48; a client's first call), same source
CURRENT_USER: dict[str, Any] = {
    "source": "LarisLab/kustomer-client@cc885c9 src/api/types.gen.ts GetCurrentUserResponses",
    "attributes": {
        "displayName": "string?",
        "avatarUrl": "string",
        "name": "string",
        "userType": "string",
        "email": "string",
        "emailVerifiedAt": "string",
        "mobile": "string?",
        "password": {"allowNew": "boolean", "forceNew": "boolean", "updatedAt": "string"},
        "roles": ["string"],
        "updatedAt": "string",
        "createdAt": "string",
    },
    "relationships": ["org"],
    "record_links": ["self"],
}

#: records side-loaded in `included` (type -> shape), same source: attachments of messages
#: (`GET /v1/messages?include=attachments`, GetMessagesByConversationResponses `included`)
INCLUDED: dict[str, dict[str, Any]] = {
    "attachment": {
        "source": "LarisLab/kustomer-client@cc885c9 src/api/types.gen.ts "
        "GetMessagesByConversationResponses included",
        "attributes": {
            "name": "string",
            "contentType": "string",
            "contentLength": "number",
            "redacted": "boolean",
        },
        "relationships": ["org", "message"],
        "record_links": ["self"],
    }
}

#: Objects no documented response shape covers: what the sandbox serves is inferred.
UNDOCUMENTED: dict[str, str] = {
    "chat_settings": (
        "no response schema found (kustomer_api.md: developer-site page get-chat-settings has "
        "text only, 'one settings record per brand'); attributes from the AppFlow list, "
        "relationships.org inferred from every other settings object"
    ),
    "outbound_webhooks_events": (
        "no response schema found (developer-site page list-subscribable-events); attributes "
        "from the AppFlow list (one field, `events`); relationships.org inferred"
    ),
}

#: relationship name -> target record type, where no example shows one (*inferred* from the
#: name and the object it sits on; `org`, `user`, `customer`, ... are confirmed by examples)
INFERRED_TARGETS: dict[str, str] = {
    "org": "org",
    "createdBy": "user",
    "modifiedBy": "user",
    "publishedBy": "user",
    "deletedBy": "user",
    "user": "user",
    "assignedTo": "user",
    "acceptedBy": "user",
    "accessUsers": "user",
    "team": "team",
    "accessTeams": "team",
    "queue": "queue",
    "queues": "queue",
    "customer": "customer",
    "conversation": "conversation",
    "messages": "message",
    "company": "company",
    "brand": "brand",
    "kobjects": "kobject",
    "app": "app",
    "hook": "outbound_webhook",
    "message": "message",
    "article": "kb_article",
    "categories": "kb_category",
    "parent": "kb_category",
    "knowledgeBase": "kb_knowledge_base",
    "published_en_us": "kb_article_version",
    "unpublished_en_us": "kb_article_version",
    "search": "customer_search",
    "template": "satisfaction_template",
    "workSession": "work_session",
    "routingSettings": "team_routing_settings",
    "status": "user_status",
    "resource": "conversation",
    "lastRevision": "work_item_revision",
}

#: Objects whose keys are data, not field names (a language, a weekday, an app's action or
#: workflow name, a routing status id): (table, attribute) -> what the keys are. The documented
#: keys of such a map are one org's example, so a record may carry any others.
MAPS: dict[tuple[str, str], str] = {
    ("apps", "actions"): "action name",
    ("apps", "cards"): "card name",
    ("apps", "klasses"): "klass name",
    ("apps", "triggers"): "event name",
    ("apps", "workflows"): "workflow name",
    ("categories", "langs"): "language",
    ("snippets", "langs"): "language",
    ("kb_articles", "latestLangs"): "language",
    ("kb_articles", "langVersions"): "language",
    ("schedules", "hours"): "weekday 0-6 (0 = Sunday)",
    ("routing_work_sessions", "totalTimeByStatus"): "routing status id",
}

#: corrections to what the documents give, each with its reason
CORRECTIONS: dict[str, dict[str, Any]] = {
    # The OAS schema nests the cursor links inside each entry (`data[].links` = self, first,
    # previous, next); its own example puts them at the top level with `prev`, next to
    # `meta: {count, total, cursorCount}`. The example is what the API answered.
    "audit_logs": {
        "envelope": {
            "top": ["data", "links", "meta"],
            "meta": ["count", "total", "cursorCount"],
            "links": ["self", "first", "prev", "next"],
            "from": "OAS GET /audit-logs example (the schema nests links in data: an artefact)",
        },
        "record_links": [],
        # the example logs a conversation and names its customer; an entry about a company
        # has none (inferred), so `customer` is on the entries whose object belongs to one
        "optional_relationships": ["customer"],
    },
    # documented/ keeps only the item (`{type, id}`); Kustomer's full OpenAPI gives the body
    "auth_roles": {
        "envelope": {
            "top": ["data"],
            "from": "LarisLab/kustomer-client@cc885c9 src/api/types.gen.ts GetAuthRolesResponses",
        },
    },
    # the research notes (AWS Glue's connector) read it as one object, not a list
    "customers_searches_positions": {"envelope": dict(_SINGLE_INFERRED)},
    # The company examples spell it `extenalId`; the create-company request body (same
    # document) and every other object spell it `externalId`: read as a typo.
    "companies": {"rename_attributes": {"extenalId": "externalId"}},
    # Real payloads (conversation.create webhook, kustomer_api.md EVT) carry `brand`; the OAS
    # example predates brands. Documented by event payloads, not by the list page.
    "conversations": {"add_relationships": {"brand": dict(_ONE, **{"from": _EVT})}},
    # Real payloads (EVT) and the OAS search example carry `company` on customers.
    # A customer without a company has no `company` (inferred).
    "customers": {"add_relationships": {"company": dict(_ONE, optional=True, **{"from": _EVT})}},
    # Kustomer's full OpenAPI (GetMessagesByConversationResponses) gives messages an optional
    # to-many `attachments`, whose records come in `included` with `include=attachments`.
    "messages": {
        "add_relationships": {
            "attachments": {
                "kind": "many",
                "links": True,
                "optional": True,
                "target": "attachment",
                "target_from": "OAS examples",
                "from": _TYPES + " GetMessagesByConversationResponses",
            }
        }
    },
}


# ------------------------------------------------------------------------------- schema reading


def unwrap(node: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """`{"oneOf": [{"type": "null"}, X]}` -> (X, nullable).

    The per-endpoint schemas wrap every node in such a `oneOf` (the extracting tap's habit, not
    the documentation's), so only an explicit `"nullable": true` counts as documented.
    """
    if "oneOf" in node:
        options = [o for o in node["oneOf"] if o.get("type") != "null"]
        return unwrap(options[0]) if options else ({}, False)
    return node, bool(node.get("nullable"))


def shape_of(node: dict[str, Any]) -> dict[str, Any]:
    """A JSON-schema node as a compact shape: type, nullable, properties or items."""
    inner, nullable = unwrap(node)
    typ = inner.get("type") or "any"
    if isinstance(typ, list):
        typ = next((t for t in typ if t != "null"), "any")
    out: dict[str, Any] = {"type": typ}
    if nullable:
        out["nullable"] = True
    if typ == "object" and inner.get("properties"):
        out["properties"] = {k: shape_of(v) for k, v in inner["properties"].items()}
    if typ == "array" and inner.get("items"):
        items = shape_of(inner["items"])
        if items != {"type": "any"}:
            out["items"] = items
    return out


def richer(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Merge two shapes of one attribute: the union of object keys, the known item type."""
    if a["type"] == "any":
        return b
    if b["type"] == "any" or a["type"] != b["type"]:
        return a
    out = dict(a)
    if a.get("nullable") or b.get("nullable"):
        out["nullable"] = True
    if "properties" in a or "properties" in b:
        props = dict(a.get("properties", {}))
        for k, v in b.get("properties", {}).items():
            props[k] = richer(props[k], v) if k in props else v
        out["properties"] = props
    if "items" in b and "items" not in a:
        out["items"] = b["items"]
    elif "items" in a and "items" in b:
        out["items"] = richer(a["items"], b["items"])
    return out


def relationship_of(name: str, node: dict[str, Any]) -> dict[str, Any]:
    """One relationship's kind from its schema: data object, data list, links only."""
    inner, _ = unwrap(node)
    if inner.get("type") == "array":
        # the relationship value is itself a list (documented empty in the example)
        return {"kind": "many", "bare": True, "links": False}
    props = inner.get("properties", {})
    links = "links" in props
    if "data" not in props:
        return {"kind": "links", "links": True}
    data, _ = unwrap(props["data"])
    kind = "many" if data.get("type") == "array" else "one"
    return {"kind": kind, "links": links}


def item_schema(op: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """(response schema, data item schema, example) of an OAS GET operation."""
    content = op["responses"]["200"]["content"]["application/json"]
    schema = content["schema"]
    data = schema.get("properties", {}).get("data", {})
    item = data.get("items", data)
    return schema, item, content.get("example")


def example_targets(oas: dict[str, Any]) -> dict[str, Counter[str]]:
    """Every relationship name in the OAS examples -> the record types its data points at."""
    seen: dict[str, Counter[str]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            rels = node.get("relationships")
            if isinstance(rels, dict):
                for name, rel in rels.items():
                    data = rel.get("data") if isinstance(rel, dict) else None
                    for d in data if isinstance(data, list) else [data]:
                        if isinstance(d, dict) and isinstance(d.get("type"), str):
                            seen.setdefault(name, Counter())[d["type"]] += 1
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for methods in oas["paths"].values():
        for op in methods.values():
            if isinstance(op, dict):
                for resp in op.get("responses", {}).values():
                    for content in resp.get("content", {}).values():
                        walk(content.get("example"))
                        walk(content.get("examples"))
    return seen


# ------------------------------------------------------------------------------- transcription


def compact(spec: Any) -> dict[str, Any]:
    """Transcribed type notation -> shape: "string", "string?", [item], {key: ...}."""
    if isinstance(spec, str):
        nullable = spec.endswith("?")
        out: dict[str, Any] = {"type": spec.rstrip("?")}
        if nullable:
            out["nullable"] = True
        return out
    if isinstance(spec, list):
        items = compact(spec[0])
        return {"type": "array"} if items == {"type": "any"} else {"type": "array", "items": items}
    return {"type": "object", "properties": {k: compact(v) for k, v in spec.items()}}


def transcribed(entry: dict[str, Any]) -> dict[str, Any]:
    """A TRANSCRIBED entry in the file's format."""
    return {
        "attributes": {k: compact(v) for k, v in entry["attributes"].items()},
        "relationships": {
            name: {
                "kind": "one",
                "links": True,
                "target": INFERRED_TARGETS[name],
                "target_from": "inferred from the name",
            }
            for name in entry["relationships"]
        },
        "record_links": entry["record_links"],
    }


# ------------------------------------------------------------------------------- derivation

#: AppFlow field type -> the JSON type its values have
APPFLOW_JSON = {
    "String": "string",
    "DateTime": "string",
    "Boolean": "boolean",
    "Integer": "integer",
    "Long": "integer",
    "Double": "number",
    "Struct": "object",
    "List": "array",
}

_PAGE_ENVELOPE = {
    "top": ["data", "links", "meta"],
    "meta": ["pageSize", "page"],
    "links": ["self", "first", "prev", "next"],
    "from": "developer-site pagination page (kustomer_api.md): meta {pageSize, page}, links",
}


def derive(documented: Path) -> dict[str, Any]:
    """The whole description."""
    oas = json.loads((documented / OAS_NAME).read_text(encoding="utf-8"))
    appflow = json.loads(APPFLOW.read_text(encoding="utf-8"))
    targets = example_targets(oas)
    objects: dict[str, Any] = {}
    for obj in appflow["objects"]:
        table = obj["table"]
        af_types = {_camel(f["column"]): f["type"] for f in obj["fields"] if f["column"] != "id"}
        entry = derive_object(table, documented, oas, targets)
        conflicts = []
        for name, shape in entry["attributes"].items():
            if name in af_types:
                shape["appflow"] = af_types[name]
                if shape["type"] not in ("any", APPFLOW_JSON[af_types[name]]):
                    conflicts.append(name)
        entry["conflicts"] = conflicts
        entry["appflow_only"] = sorted(set(af_types) - set(entry["attributes"]))
        objects[table] = entry
    current = transcribed(CURRENT_USER)
    current["sources"] = [CURRENT_USER["source"]]
    current["envelope"] = {"single": True, "top": ["data"]}
    schema, _item, _example = item_schema(oas["paths"]["/customers/search"]["post"])
    top = schema.get("properties", {})
    search = {
        "top": sorted(top),
        "meta": list(top.get("meta", {}).get("properties", {})),
        "links": list(top.get("links", {}).get("properties", {})),
        "from": f"documented/{OAS_NAME} POST /customers/search response schema",
    }
    included = {}
    for typ, entry in INCLUDED.items():
        inc = transcribed(entry)
        inc["sources"] = [entry["source"]]
        inc["record_type"] = typ
        inc["envelope"] = {"top": [], "from": "side-loaded in `included`"}
        included[typ] = inc
    return {
        "about": ABOUT,
        "kinds": KINDS,
        "objects": objects,
        "current_user": current,
        "included": included,
        "search_envelope": search,
    }


def _camel(column: str) -> str:
    head, *rest = column.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def derive_object(
    table: str, documented: Path, oas: dict[str, Any], targets: dict[str, Counter[str]]
) -> dict[str, Any]:
    """One object's shape from its schema file, its OAS operation, or a transcription."""
    sources: list[str] = []
    attributes: dict[str, Any] = {}
    relationships: dict[str, Any] = {}
    record_links: list[str] | None = None
    record_type: str | None = None
    envelope: dict[str, Any] | None = None
    has_rels = False
    documented_flag = True
    if table in SCHEMA_FILES:
        path = SCHEMA_FILES[table]
        sources.append(f"documented/schemas/{path}")
        item = json.loads((documented / "schemas" / path).read_text(encoding="utf-8"))
        _read_item(item, attributes, relationships)
        has_rels = "relationships" in item.get("properties", {})
        record_links = _link_keys(item)
    if table in OAS_PATHS:
        path = OAS_PATHS[table]
        sources.append(f"documented/{OAS_NAME} GET {path}")
        schema, item, example = item_schema(oas["paths"][path]["get"])
        _read_item(item, attributes, relationships)
        has_rels = has_rels or "relationships" in item.get("properties", {})
        if record_links is None or not record_links:
            record_links = _link_keys(item)
        top = schema.get("properties", {})
        envelope = {
            "top": sorted(top),
            "meta": list(top.get("meta", {}).get("properties", {})),
            "links": list(top.get("links", {}).get("properties", {})),
            "from": f"OAS GET {path} response schema",
        }
        if "meta" in top and not envelope["meta"]:
            envelope["meta_free_form"] = True
        if isinstance(example, dict) and isinstance(example.get("data"), list) and example["data"]:
            first = example["data"][0]
            record_type = first.get("type")
            if "id" not in first:
                envelope["records_have_id"] = False
            for name in first.get("relationships") or {}:
                if name not in relationships:
                    relationships[name] = dict(_ONE, from_example=True)
    if table in TRANSCRIBED:
        entry = TRANSCRIBED[table]
        sources.append(entry["source"])
        t = transcribed(entry)
        attributes, relationships, record_links = (
            t["attributes"],
            t["relationships"],
            t["record_links"],
        )
        has_rels = True
        envelope = dict(entry["envelope"], **{"from": entry["source"]})
    if table in UNDOCUMENTED:
        documented_flag = False
        sources.append("none: " + UNDOCUMENTED[table])
        relationships = {"org": {"kind": "one", "links": True}}
        has_rels = True
        record_links = ["self"]
        envelope = dict(_SINGLE_INFERRED)
    if not sources:
        raise SystemExit(f"{table}: no documented source mapped")
    for name, rel in relationships.items():
        _target(name, rel, targets)
    fix = CORRECTIONS.get(table, {})
    for name, rel in fix.get("add_relationships", {}).items():
        rel = dict(rel)
        _target(name, rel, targets)
        relationships[name] = rel
    if envelope is None:
        envelope = dict(_PAGE_ENVELOPE)
    envelope = fix.get("envelope", envelope)
    record_links = fix.get("record_links", record_links)
    for name in fix.get("optional_relationships", ()):
        relationships[name]["optional"] = True
    for old_name, new_name in fix.get("rename_attributes", {}).items():
        shape = attributes.pop(old_name)
        shape["documented_as"] = old_name
        attributes[new_name] = shape
    maps = {attr: keys for (t, attr), keys in MAPS.items() if t == table}
    for attr, keys in maps.items():
        if attr in attributes:
            attributes[attr]["keyed_by"] = keys
    out: dict[str, Any] = {"documented": documented_flag, "sources": sources}
    if record_type:
        out["record_type"] = record_type
    out["attributes"] = dict(sorted(attributes.items()))
    out["relationships"] = relationships if has_rels else None
    out["record_links"] = record_links or []
    out["envelope"] = envelope
    out["maps"] = maps
    return out


def _read_item(item: dict[str, Any], attributes: dict[str, Any], rels: dict[str, Any]) -> None:
    props = item.get("properties", {})
    attrs, _ = unwrap(props.get("attributes", {}))
    for name, node in attrs.get("properties", {}).items():
        shape = shape_of(node)
        attributes[name] = richer(attributes[name], shape) if name in attributes else shape
    rel_node, _ = unwrap(props.get("relationships", {}))
    for name, node in rel_node.get("properties", {}).items():
        new = relationship_of(name, node)
        if name in rels and rels[name] != new:
            # the two documents disagree: keep links when either shows them
            new["links"] = new["links"] or rels[name]["links"]
        rels[name] = new


def _link_keys(item: dict[str, Any]) -> list[str]:
    links, _ = unwrap(item.get("properties", {}).get("links", {}))
    return list(links.get("properties", {}))


def _target(name: str, rel: dict[str, Any], targets: dict[str, Counter[str]]) -> None:
    """Fill a relationship's target type: the most common one in the examples, else inferred."""
    if rel.get("target"):
        rel.setdefault("target_from", "inferred from the name")
        return
    if name in targets:
        rel["target"] = targets[name].most_common(1)[0][0]
        rel["target_from"] = "OAS examples"
    else:
        rel["target"] = INFERRED_TARGETS[name]
        rel["target_from"] = "inferred from the name"


ABOUT = [
    "Kustomer's documented record shapes, derived by scripts/derive_shapes.py from "
    "../shared/research/documented/ (the Core Resources OpenAPI document and the developer "
    "site's per-endpoint data item schemas); do not edit by hand.",
    "Conflict rule: the real API sends what Kustomer documents. Where the AppFlow field list "
    "(kustomer_sandbox/appflow_objects.json) gives another type, the documented shape wins and the "
    "AppFlow type (`appflow`) is a second opinion. The documents come from examples: a field "
    "they list is documented; a field they omit proves nothing (`appflow_only` lists the "
    "AppFlow fields the documents do not show; a real org may send them).",
    "`keyed_by` (and each object's `maps`) marks objects whose keys are data (a language, a "
    "weekday, a name, an id): their documented keys are an example, not a closed set. "
    "`documented_as` gives the spelling of a documented name the project reads as a typo.",
    "`conflicts` lists the attributes whose documented JSON type differs from AppFlow's.",
    "`documented: false` marks objects no documented shape covers; `sources` says what the "
    "entry rests on. `target_from` says whether a relationship's target type comes from an "
    "example or is inferred from its name.",
]

KINDS = {
    "one": "to-one: relationships.<name>.data is {type, id} (links.self when `links`)",
    "many": "to-many: relationships.<name>.data is a list of {type, id} "
    "(`bare`: the relationship value is itself the list)",
    "links": "links only: relationships.<name>.links.self, no data",
    "optional": "the relationship is on the records that have such a link only",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documented", type=Path, default=DEFAULT_DOCUMENTED)
    parser.add_argument("--check", action="store_true", help="fail when the file is stale")
    args = parser.parse_args(argv)
    text = json.dumps(derive(args.documented), indent=1, ensure_ascii=False) + "\n"
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT.name} is stale: run scripts/derive_shapes.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
