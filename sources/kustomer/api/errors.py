"""The errors the source raises; their messages never contain the API key."""

from __future__ import annotations


class KustomerError(Exception):
    """Base of the errors this source raises; messages never contain the API key."""


class KustomerAuthError(KustomerError):
    """401: the API key is wrong, expired or from another region."""


class KustomerPermissionError(KustomerError):
    """403: the API key lacks the role that an object needs."""


class KustomerConnectionError(KustomerError):
    """The host cannot be reached (wrong org, wrong base_url or no network)."""


class KustomerResponseError(KustomerError):
    """Kustomer answered with something that is not the documented JSON envelope."""


class KustomerNotFoundError(KustomerResponseError):
    """404 for one record or the first page of a list: the record (or the route) is not there."""


class KustomerBadRequestError(KustomerResponseError):
    """400: Kustomer refused the request as asked (a criterion or sort it does not take)."""


class UnsafeNextLinkError(KustomerError):
    """A `links.next` pointed at another origin: the key is only sent to the configured host."""
