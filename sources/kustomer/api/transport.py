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

from .limits import BudgetKind, RateLimiter


class MalformedResponse(requests.RequestException):
    """A 2xx response whose body is not valid JSON (retried like a dropped connection)."""


class LimitedAdapter(HTTPAdapter):
    """Transport that takes a slot of the run's rate budget for every attempt, retries too."""

    def __init__(self, limiter: RateLimiter, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limiter = limiter

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        kind: BudgetKind = (
            "search" if urlsplit(request.url or "").path.endswith("/search") else "org"
        )
        self.limiter.acquire(kind)
        response = super().send(request, *args, **kwargs)
        self.limiter.observe(response, kind)
        return response


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
