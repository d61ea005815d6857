"""API tokens: bearer values, their roles and expiry on the sandbox clock."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass

from .api import all_roles
from .clock import Clock


@dataclass(frozen=True)
class Token:
    """One API key."""

    value: str
    token_id: str
    roles: frozenset[str]
    created_ms: int
    expires_ms: int | None

    def expired(self, now_ms: int) -> bool:
        """True once the sandbox clock has reached the expiry."""
        return self.expires_ms is not None and now_ms >= self.expires_ms


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Tokens:
    """The org's API keys. Values look like Kustomer's JWT-style keys."""

    def __init__(self, seed: int, clock: Clock, org_id: str, user_id: str = "") -> None:
        self._seed = seed
        self._clock = clock
        self._org_id = org_id
        #: the user every key belongs to (the one `GET /v1/users/current` answers)
        self._user_id = user_id
        self._by_value: dict[str, Token] = {}
        self._lock = threading.Lock()

    def create(
        self,
        roles: list[str] | None = None,
        expires_in_s: float | None = None,
        value: str | None = None,
    ) -> str:
        """A new token (None roles = every role); ``value`` fixes the bearer string."""
        with self._lock:
            n = len(self._by_value)
            token_id = hashlib.blake2b(
                f"{self._seed}:token:{n}".encode(), digest_size=12
            ).hexdigest()
            if value is None:
                header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
                payload = _b64(
                    json.dumps(
                        {
                            "id": token_id,
                            "user": self._user_id or token_id[::-1],
                            "org": self._org_id,
                            "exp": 0,
                        }
                    ).encode()
                )
                sig = _b64(hashlib.sha256(f"{self._seed}:{n}:{token_id}".encode()).digest())
                value = f"{header}.{payload}.{sig}"
            now = self._clock.now_ms()
            expires = None if expires_in_s is None else now + round(expires_in_s * 1000)
            granted = frozenset(all_roles() if roles is None else roles)
            self._by_value[value] = Token(value, token_id, granted, now, expires)
            return value

    def lookup(self, value: str) -> Token | None:
        """The token with this bearer value."""
        return self._by_value.get(value)
