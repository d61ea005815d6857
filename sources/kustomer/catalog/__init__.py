"""What there is to read, as data: the 48 objects (`objects`), Kustomer's documented record
shapes (`shapes`, `shapes.json`), the org's own Klasses and custom-attribute hints (`kobjects`)
and the tables beyond the catalog (`extras`)."""

from .objects import CATALOG, CURSORS, OBJECTS, KustomerObject, UnknownObjectError, fields, select

__all__ = [
    "CATALOG",
    "CURSORS",
    "OBJECTS",
    "KustomerObject",
    "UnknownObjectError",
    "fields",
    "select",
]
