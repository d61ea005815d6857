"""The one module that reaches into dlt's internals: dlt's retrying requests `Client` on a
transport that takes a slot of the run's rate budget for every attempt.

dlt's `Client` keeps its transport in the private `_adapter` (dlt 1.31); dlt offers no hook to
pace requests before they are sent, only retries after a 429, so the adapter is replaced here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from dlt.sources.helpers.requests import Client
from requests.adapters import HTTPAdapter
from requests.exceptions import ChunkedEncodingError, Timeout

from .errors import KustomerConnectionError
from .limits import BudgetKind, RateLimiter


class MalformedResponse(requests.RequestException):
    """A 2xx response whose body is not valid JSON (retried like a dropped connection)."""


class LimitedAdapter(HTTPAdapter):
    """Transport that takes a slot of the run's rate budget for every attempt, retries too.

    Until the host has answered once, a connection that cannot be made raises
    `KustomerConnectionError`, which dlt's retry does not retry: a wrong org or an unreachable
    host fails at once instead of after every backoff. Once the host has answered, a dropped
    connection is a passing fault and is retried as usual."""

    def __init__(self, limiter: RateLimiter, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limiter = limiter
        self.reached = False

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        kind: BudgetKind = (
            "search" if urlsplit(request.url or "").path.endswith("/search") else "org"
        )
        self.limiter.acquire(kind)
        try:
            response = super().send(request, *args, **kwargs)
        except requests.ConnectionError as exc:
            if self.reached:
                raise
            parts = urlsplit(request.url or "")
            raise KustomerConnectionError(
                f"Cannot reach Kustomer at {parts.scheme}://{parts.netloc} "
                f"({_reason(exc)}). Check sources.kustomer.org (your subdomain) or "
                "sources.kustomer.base_url"
            ) from None
        self.reached = True
        self.limiter.observe(response, kind)
        return response


def _reason(exc: BaseException) -> str:
    """`connection refused`, `name not resolved`, ...: the gist of a connection error."""
    text = str(exc).lower()
    for needle, reason in (
        ("name or service not known", "the host name does not resolve"),
        ("nodename nor servname", "the host name does not resolve"),
        ("temporary failure in name resolution", "the host name does not resolve"),
        ("connection refused", "connection refused"),
        ("timed out", "the connection timed out"),
        ("network is unreachable", "the network is unreachable"),
    ):
        if needle in text:
            return reason
    return type(exc).__name__


class RetryingSession(Client):
    """dlt's retrying requests client on a rate-limited transport; also retries malformed bodies."""

    def __init__(self, limiter: RateLimiter, max_connections: int = 32) -> None:
        super().__init__(
            raise_for_status=False,
            max_connections=max_connections,
            exceptions=(requests.ConnectionError, Timeout, ChunkedEncodingError, MalformedResponse),
        )
        self.configure()  # [runtime] request_timeout, request_max_attempts, ... from dlt config
        self._adapter = LimitedAdapter(limiter, pool_maxsize=max_connections)
