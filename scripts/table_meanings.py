"""What the tables and columns of a Kustomer load mean, for `scripts/data_dictionary.py`.

Plain data: a line per object, a line per field where the name alone does not say it. A field
missing here gets a meaning phrased from its name by the generator (shown in italics), so a new
field never breaks the dictionary; add a line here when the name is not enough. Meanings follow
Kustomer's API documentation (`../shared/research/documented/`); lines marked *inferred* are read
from the field's use in the API, not from its documentation.
"""

from __future__ import annotations

TABLES: dict[str, str] = {
    "apps": "Apps installed in the org (Kustomer's app platform) and what each provides.",
    "audit_logs": "The org's audit trail: who did what to which object, when (Kustomer expires "
    "old entries).",
    "auth_customer_settings": "The org's customer-authentication settings (one record).",
    "auth_roles": "Roles an API key or user can be granted.",
    "auth_tokens": "API keys of the org (never the secret itself).",
    "brands": "Brands the org supports customers under.",
    "cards": "Klass cards: the widgets apps show on the customer timeline.",
    "categories": "Knowledge-base categories articles are filed under.",
    "chat_settings": "The chat widget's settings (one record).",
    "companies": "Companies customers belong to.",
    "conversations": "Conversations with customers, across every channel: status, assignment, "
    "timing and satisfaction.",
    "customers": "The org's customers (people it supports).",
    "customers_searches": "Saved customer searches (queues and views of agents).",
    "customers_searches_pinned": "Saved searches pinned by users.",
    "customers_searches_positions": "The order of saved searches in the sidebar (one record).",
    "hooks_email": "Inbound email hooks (addresses that create Kustomer events).",
    "hooks_web": "Inbound web hooks (URLs that create Kustomer events).",
    "kb_articles": "Knowledge-base articles.",
    "kb_forms": "Knowledge-base contact forms.",
    "kb_routes": "Knowledge-base URL routes (redirects to articles).",
    "kb_tags": "Tags of knowledge-base articles.",
    "kb_templates": "Templates that render the knowledge base's pages.",
    "kb_themes": "Themes (look and feel) of the knowledge base.",
    "klasses": "Klasses: the custom object types (KObjects) defined in the org.",
    "kviews": "KViews: custom views of objects in the agent interface.",
    "messages": "Messages of conversations, inbound and outbound, on every channel.",
    "notes": "Internal notes agents write on conversations.",
    "notifications": "Notifications sent to users.",
    "outbound_accounts": "Accounts messages are sent from (email addresses, numbers, pages).",
    "outbound_webhooks": "Webhooks Kustomer calls when events happen.",
    "outbound_webhooks_events": "The event names outbound webhooks can subscribe to (one record).",
    "outbound_webhooks_transactions": "Calls Kustomer made to outbound webhooks, with results.",
    "routing_queue_rules": "Rules that route work items into routing queues.",
    "routing_queues": "Routing queues work items wait in until assigned.",
    "routing_settings": "Routing settings per team.",
    "routing_statuses": "Agent statuses for routing (available, busy, ...).",
    "routing_work_items": "Work items routed to agents (one per conversation routed).",
    "routing_work_sessions": "Agents' routing work sessions (time available for work).",
    "satisfaction": "Customer-satisfaction (CSAT) survey configurations.",
    "schedules": "Business-hours schedules (used for business-time metrics and SLAs).",
    "settings": "Org settings, one record per settings group.",
    "shortcuts": "Shortcuts: canned replies and actions agents insert.",
    "shortcuts_categories": "Categories shortcuts are filed under.",
    "snippets": "Snippets: translated text blocks used in replies and templates.",
    "snoozes": "Snooze options offered to agents.",
    "spam_senders": "Senders marked as spam.",
    "teams": "Teams of users.",
    "users": "Users of the org (agents, admins, API users).",
}

FIELDS: dict[str, str] = {
    # any object
    "id": "The record's Kustomer id (primary key).",
    "createdAt": "When the record was created.",
    "updatedAt": "When the record last changed (any change, including system updates); the "
    "incremental cursor of the search-synced objects.",
    "modifiedAt": "When a user last modified the record.",
    "deleted": "True when the record is soft-deleted in Kustomer.",
    "deletedAt": "When the record was deleted.",
    "rev": "Revision number, raised on each change.",
    "name": "Name.",
    "displayName": "Name shown in the interface.",
    "description": "Description.",
    "enabled": "Whether it is enabled.",
    "default": "Whether it is the default one.",
    "externalId": "The record's id in an external system.",
    "importedAt": "When the record was imported from another system (a string, as documented).",
    "tags": "Ids of the tags on the record.",
    "version": "Version.",
    # conversations
    "conversations.status": "open, snoozed or done.",
    "conversations.priority": "Priority from 1 (lowest) to 5 (highest).",
    "conversations.direction": "in (started by the customer) or out (started by the org).",
    "conversations.channels": "Channels the conversation used (email, chat, sms, ...).",
    "conversations.messageCount": "Number of messages.",
    "conversations.noteCount": "Number of notes.",
    "conversations.satisfaction": "The customer's satisfaction rating, when given.",
    "conversations.sentiment": "Sentiment of the conversation.",
    "conversations.preview": "Preview of the latest message.",
    "conversations.phase": "Lifecycle phase of the conversation (*inferred*).",
    "conversations.spam": "Whether the conversation is marked as spam.",
    "conversations.ended": "Whether the conversation ended (a chat or call closed).",
    "conversations.assignedUsers": "Ids of the users assigned.",
    "conversations.assignedTeams": "Ids of the teams assigned.",
    "conversations.firstResponse": "The first reply to the customer: when, by whom, and how long "
    "after creation.",
    "conversations.firstDone": "When the conversation was first marked done, and how long after "
    "creation.",
    "conversations.lastDone": "When the conversation was last marked done.",
    "conversations.satisfactionLevel": "The satisfaction survey's status and answers.",
    "responseTime": "Time to respond, in milliseconds.",
    "businessTime": "The same span in business hours only, in milliseconds.",
    "time": "Time span, in milliseconds.",
    "sentAt": "When it was sent.",
    "createdBy": "Id of the user who created it.",
    "channel": "Channel (email, chat, sms, ...).",
    # messages
    "messages.channel": "Channel of the message (email, chat, sms, ...).",
    "messages.direction": "in (from the customer) or out (to the customer).",
    "messages.directionType": "How the message arrived or left (initial, response, ...).",
    "messages.preview": "The start of the message's text.",
    "messages.subject": "Subject (email).",
    "messages.status": "Delivery status (sent, received, error, ...).",
    "messages.sentAt": "When the message was sent.",
    "messages.auto": "True when a workflow or auto-response sent it.",
    "messages.size": "Size of the message in bytes.",
    "messages.lang": "Language of the message.",
    # customers
    "customers.firstName": "First name.",
    "customers.lastName": "Last name.",
    "customers.emails": "Email addresses of the customer.",
    "customers.phones": "Phone numbers of the customer.",
    "customers.locale": "Locale (language and region), e.g. en_US.",
    "customers.timeZone": "The customer's time zone.",
    "customers.verified": "Whether the customer's identity is verified.",
    "customers.lastActivityAt": "When the customer was last active.",
    "customers.conversationCounts": "Number of conversations by status.",
    # notes
    "notes.body": "Text of the note.",
    # companies
    "companies.domains": "Web domains of the company.",
    # users
    "users.email": "Email address the user logs in with.",
    "users.userType": "user (a person) or machine (an API or app user).",
    "users.roles": "Roles granted to the user.",
    "users.password": "Password metadata, each value hashed (sha256:...) before landing.",
    # teams
    "teams.members": "Ids of the users in the team.",
}
"""Meanings by `<table>.<field path>` (camelCase, as the API names it) or by field name alone,
for any table; the longest match wins."""
