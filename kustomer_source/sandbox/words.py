"""Word lists the data generator draws realistic strings from."""

from __future__ import annotations

FIRST_NAMES = (
    "Ava", "Liam", "Maya", "Noah", "Zoe", "Ethan", "Priya", "Lucas", "Amara", "Mateo",
    "Hana", "Oliver", "Sofia", "Kenji", "Leila", "Jonas", "Chloe", "Diego", "Nadia", "Felix",
    "Ines", "Omar", "Grace", "Tariq", "Elena", "Samuel", "Yuki", "Aaron", "Lena", "Rafael",
    "Mila", "Arjun",
)
LAST_NAMES = (
    "Nguyen", "Smith", "Garcia", "Okafor", "Müller", "Rossi", "Kim", "Johnson", "Silva",
    "Dubois", "Patel", "Cohen", "O'Brien", "Kowalski", "Tanaka", "Haddad", "Andersen",
    "Martinez", "Brown", "Fischer", "Lopez", "Novak", "Reyes", "Schmidt", "Ivanova", "Chen",
    "Walker", "Moreau", "Costa", "Singh", "Larsen", "Ahmed",
)
COMPANY_WORDS = (
    "Acme", "Northwind", "Bluebird", "Summit", "Evergreen", "Lumen", "Harbor", "Pioneer",
    "Juniper", "Redwood", "Vertex", "Cobalt", "Meridian", "Orchard", "Atlas", "Nimbus",
)
COMPANY_SUFFIXES = ("Inc.", "LLC", "Co.", "Group", "Labs", "Outfitters", "Supply", "GmbH")
DOMAINS = ("example.com", "example.org", "mail.example.net", "shop.example.io")
WORDS = (
    "order", "refund", "shipping", "delivery", "account", "billing", "invoice", "return",
    "exchange", "warranty", "subscription", "password", "login", "discount", "promo",
    "tracking", "package", "damaged", "missing", "size", "color", "payment", "card", "address",
    "cancel", "upgrade", "plan", "trial", "feedback", "survey", "loyalty", "points",
)
SUBJECTS = (
    "Where is my order?", "Refund request", "Question about my invoice", "Package arrived damaged",
    "Can't log in to my account", "Change shipping address", "Wrong size delivered",
    "Cancel my subscription", "Promo code not working", "Warranty claim",
    "Upgrade my plan", "Tracking number not updating", "Exchange for a different color",
    "Payment declined", "Missing item in box", "Loyalty points not credited",
)
SENTENCES = (
    "Hi, I ordered last week and the tracking has not moved since Monday.",
    "Thanks for the quick reply, that solved it!",
    "Could you send me a return label please?",
    "The item arrived with a cracked lid, photos attached.",
    "I was charged twice for the same order.",
    "Please update the shipping address to my office.",
    "Customer called back, issue escalated to tier 2.",
    "Refund issued to the original payment method.",
    "Waiting on the warehouse to confirm stock.",
    "Offered a 15% discount code as goodwill.",
    "Verified identity via the last four digits of the card.",
    "Customer prefers contact by SMS after 5pm.",
    "Let us know if there is anything else we can help with.",
    "We've received your request and will get back to you within 24 hours.",
)
STATUSES = ("open", "done", "snoozed")
CHANNELS = ("email", "chat", "sms", "voice", "facebook", "instagram", "whatsapp", "form")
DIRECTIONS = ("in", "out")
LOCALES = ("en_US", "en_GB", "fr_FR", "de_DE", "es_ES", "pt_BR", "ja_JP", "nl_NL")
LANGS = ("en", "fr", "de", "es", "pt", "ja", "nl", "it")
TIMEZONES = (
    "America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Berlin",
    "Asia/Tokyo", "Australia/Sydney", "America/Sao_Paulo", "Asia/Kolkata",
)
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
ICONS = ("account", "star", "flag", "briefcase", "heart", "bell", "inbox", "tag", "truck")
CITIES = (
    ("New York", "NY", "US"), ("Austin", "TX", "US"), ("London", "ENG", "GB"),
    ("Berlin", "BE", "DE"), ("Lyon", "ARA", "FR"), ("Osaka", "27", "JP"),
    ("Toronto", "ON", "CA"), ("Melbourne", "VIC", "AU"),
)
EVENT_NAMES = (
    "kustomer.conversation.create", "kustomer.conversation.update",
    "kustomer.customer.create", "kustomer.customer.update", "kustomer.message.create",
    "kustomer.message.update", "kustomer.note.create", "kustomer.company.update",
    "kustomer.kobject.create", "kustomer.user.update", "kustomer.team.update",
    "kustomer.work-item.update",
)
APPS = ("postmark", "twilio", "shopify", "zendesk-import", "gorgias", "slack", "stripe", "chat")
ROLE_NAMES = (
    "org.permission.customer.read", "org.permission.conversation.read",
    "org.permission.message.read", "org.permission.note.read", "org.user.customer.write",
    "org.admin.settings", "org.permission.search.create", "org.permission.routing.read",
)
