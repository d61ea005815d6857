"""Talking to Kustomer's API: one HTTP client (`client`), its errors (`errors`), the shared rate
budget (`limits`), the transport that paces it (`transport`, the one module that touches dlt's
internals) and the API's time formats (`times`)."""

from .client import KustomerClient
from .errors import (
    KustomerAuthError,
    KustomerBadRequestError,
    KustomerConnectionError,
    KustomerError,
    KustomerPermissionError,
    KustomerResponseError,
    UnsafeNextLinkError,
)
from .limits import RateLimiter

__all__ = [
    "KustomerAuthError",
    "KustomerBadRequestError",
    "KustomerClient",
    "KustomerConnectionError",
    "KustomerError",
    "KustomerPermissionError",
    "KustomerResponseError",
    "RateLimiter",
    "UnsafeNextLinkError",
]
