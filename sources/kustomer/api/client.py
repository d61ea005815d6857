"""One HTTP client for a run: dlt's RESTClient with bearer auth, the shared rate budget, retries,
same-origin paging and errors that say what went wrong without ever showing the API key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal
from urllib.parse import parse_qs, urljoin, urlsplit

import orjson
import requests
from dlt.common import logger
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.auth import BearerTokenAuth
from dlt.sources.helpers.rest_client.paginators import BaseNextUrlPaginator
from requests.exceptions import HTTPError, Timeout

from .errors import (
    KustomerAuthError,
    KustomerBadRequestError,
    KustomerConnectionError,
    KustomerError,
    KustomerNotFoundError,
    KustomerPermissionError,
    KustomerResponseError,
    UnsafeNextLinkError,
)
from .limits import RateLimiter
from .transport import MalformedResponse, RetryingSession

_JSON_ATTR = "_kustomer_json"
USER_AGENT = "kustomer-dlt/0.1 (+dlt)"
TOKEN_CHECK_PATH = "/v1/auth/tokens/current"


def response_json(response: requests.Response) -> Any:
    """The response body parsed once by `_check_json` and kept on the response."""
    if not hasattr(response, _JSON_ATTR):
        setattr(response, _JSON_ATTR, response.json())
    return getattr(response, _JSON_ATTR)


def _check_json(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Response hook: parse 2xx bodies once; a malformed one raises a retryable error."""
    if response.status_code < 300:
        try:
            setattr(response, _JSON_ATTR, orjson.loads(response.content))
        except orjson.JSONDecodeError as exc:
            raise MalformedResponse(
                f"Malformed JSON from {_safe_url(response.url)}", response=response
            ) from exc


def _raise_for_status(response: requests.Response, *args: Any, **kwargs: Any) -> None:
    """Response hook: error statuses raise HTTPError (dlt's retry decides what to retry)."""
    if response.status_code >= 400:
        raise HTTPError(
            f"{response.status_code} for {_safe_url(response.url)}: {error_detail(response)}",
            response=response,
        )


def _hooks() -> dict[str, Any]:
    return {"response": [_raise_for_status, _check_json]}


def _safe_url(url: str | None) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def error_detail(response: requests.Response) -> str:
    """The message of Kustomer's `errors` array (either documented shape), else the status text."""
    try:
        errors = response.json().get("errors") or []
        first = errors[0]
        return str(first.get("detail") or first.get("title") or first.get("message") or first)
    except Exception:
        return response.reason or str(response.status_code)


def list_data(body: Any, what: str) -> list[Any]:
    """The `data` list of a list or search page; any other shape raises one clear error."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        shape = "no `data`" if data is None else f"`data` as {type(data).__name__}"
        raise KustomerResponseError(
            f"Kustomer sent {what} with {shape}, not a list of records; the source does not "
            "guess what such a page holds"
        )
    return data


def page_label(url: str | None) -> str:
    """`/v1/customers page 3`: the path and page number of a request, for error messages."""
    parts = urlsplit(url or "")
    page = parse_qs(parts.query).get("page")
    return f"{parts.path} page {page[0]}" if page else parts.path


def more_pages(body: Any) -> bool | None:
    """The one "more pages?" rule: whether a page's `links.next` says another page follows one
    that held records (an empty page ends a list whatever its link says); None when the body has
    no `links`, which says nothing (each reader says what it does then)."""
    if not isinstance(body, dict) or "links" not in body:
        return None
    return bool(body.get("data")) and bool((body.get("links") or {}).get("next"))


def checked_next_link(origin: str, page_url: str, body: Any) -> str | None:
    """The absolute `links.next` of a page, or None at the end (`more_pages`); a link to another
    origin than `origin` (the configured host) raises instead of being followed."""
    if not more_pages(body):
        return None
    absolute = urljoin(page_url, body["links"]["next"])
    if urlsplit(absolute)[:2] != urlsplit(origin)[:2]:
        raise UnsafeNextLinkError(
            f"links.next of {_safe_url(page_url)} points at another host "
            f"({urlsplit(absolute).netloc}); refusing to send the API key there"
        )
    return absolute


class SameOriginLinkPaginator(BaseNextUrlPaginator):
    """Follows `links.next` (relative or absolute) while it stays on the configured origin; stops on
    a null link or an empty page."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def update_state(self, response: requests.Response, data: list[Any] | None = None) -> None:
        body = response_json(response)
        if isinstance(body, dict) and "links" not in body and body.get("data"):
            # the documented envelope always has `links`; without it this reader, which follows
            # links.next, cannot tell the last page from a cut-off list
            raise KustomerResponseError(
                f"Kustomer sent {page_label(response.url)} without `links`, so there is no way "
                "to tell whether more pages follow"
            )
        self._next_reference = checked_next_link(self.base_url, response.url, body)


class _RESTClient(RESTClient):
    """RESTClient that reads the body parsed by the JSON check instead of parsing it again."""

    def extract_response(self, response: requests.Response, data_selector: Any) -> list[Any]:
        return list_data(response_json(response), page_label(response.url))


class KustomerClient:
    """The run's HTTP client: every request of every resource goes through it."""

    def __init__(self, base_url: str, api_key: str, limiter: RateLimiter) -> None:
        self.base_url = base_url.rstrip("/")
        self.limiter = limiter
        http = RetryingSession(limiter)
        self.rest = _RESTClient(
            base_url=self.base_url,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            auth=BearerTokenAuth(api_key),
            data_selector="data",
            session=http.session,
        )
        self._key_valid: bool | None = None

    def pages(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        method: str = "GET",
        body: dict[str, Any] | None = None,
        what: str = "",
    ) -> Iterator[list[dict[str, Any]]]:
        """Yields the `data` of each page, following `links.next` on this host until it ends."""
        pages = self.rest.paginate(
            path,
            method=method,  # type: ignore[arg-type]
            params=params,
            json=body,
            paginator=SameOriginLinkPaginator(self.base_url),
            hooks=_hooks(),
        )
        errors = self.translate_errors(what or path, page=1)
        with errors:
            for page in pages:
                yield page
                errors.page += 1

    def get_json(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        what: str = "",
        page: int | None = None,
    ) -> Any:
        """One GET (page `page` of a list, if given); returns the parsed body."""
        with self.translate_errors(what or path, page):
            return response_json(self.rest.get(path, params=params, hooks=_hooks()))

    def key_is_valid(self) -> bool:
        """Whether the API key itself is accepted: `GET /v1/auth/tokens/current` works with any
        valid key, whatever its roles (Kustomer's quickstart), so a 401 elsewhere with this
        answering 200 means a missing role (older docs: "401 can be the result of a missing
        role"), not a bad key."""
        if self._key_valid is None:
            try:
                self.get_json(TOKEN_CHECK_PATH, what="the API key check")
                self._key_valid = True
            except KustomerAuthError:
                self._key_valid = False
        return self._key_valid

    def record(self, path: str, what: str = "") -> dict[str, Any] | None:
        """One record by its path (`/v1/customers/<id>`), or None when Kustomer answers 404."""
        try:
            body = self.get_json(path, what=what or path)
        except KustomerNotFoundError:
            return None
        data = body.get("data") if isinstance(body, dict) else None
        return data if isinstance(data, dict) else None

    def is_missing_role(self, exc: BaseException) -> bool:
        """Whether an error means the key lacks a role: a 403, or a 401 while the key itself is
        accepted (`key_is_valid`). The one missing-role check of the source."""
        if isinstance(exc, KustomerPermissionError):
            return True
        return isinstance(exc, KustomerAuthError) and self.key_is_valid()

    def next_link(self, path: str, body: Any) -> str | None:
        """The page's checked `links.next` (see `checked_next_link`)."""
        return checked_next_link(self.base_url, self.base_url + path, body)

    def post(
        self, path: str, body: dict[str, Any], params: dict[str, Any], what: str = ""
    ) -> tuple[Any, requests.Response]:
        """One POST with a JSON body; returns the parsed body and the response."""
        with self.translate_errors(what or path):
            response = self.rest.post(path, json=body, params=params, hooks=_hooks())
            return response_json(response), response

    def translate_errors(self, what: str, page: int | None = None) -> _ErrorTranslator:
        return _ErrorTranslator(self.base_url, what, page)


class _ErrorTranslator:
    """Turns transport and HTTP errors into KustomerErrors with one clear line each; `page` is
    the page of a list being read (a 404 after page 1 is not a wrong host)."""

    def __init__(self, base_url: str, what: str, page: int | None = None) -> None:
        self.base_url = base_url
        self.what = what
        self.page = page or 0

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> Literal[False]:
        if exc is None or isinstance(exc, KustomerError | GeneratorExit):
            return False
        if isinstance(exc, HTTPError) and exc.response is not None:
            if exc.response.status_code == 404 and self.page > 1:
                found = "page 1" if self.page == 2 else f"pages 1-{self.page - 1}"
                raise KustomerResponseError(
                    f"Kustomer answered 404 for page {self.page} of {self.what} after {found} "
                    "answered: the list broke off, so the source cannot tell which records the "
                    "rest of it holds"
                ) from None
            raise _from_status(exc.response, self.base_url, self.what) from None
        if isinstance(exc, MalformedResponse):
            raise KustomerResponseError(
                f"Kustomer sent a malformed (not JSON) response for {self.what} several times "
                f"in a row; nothing from this page was loaded"
            ) from None
        if isinstance(exc, requests.ConnectionError | Timeout):
            raise KustomerConnectionError(
                f"Cannot reach Kustomer at {self.base_url} ({type(exc).__name__}). Check "
                "sources.kustomer.org (your subdomain) or sources.kustomer.base_url"
            ) from None
        if isinstance(exc, ValueError | AttributeError) and not isinstance(exc, KustomerError):
            raise KustomerResponseError(
                f"Unexpected response shape for {self.what}: {type(exc).__name__}"
            ) from None
        return False


def _from_status(response: requests.Response, base_url: str, what: str) -> KustomerError:
    status, detail = response.status_code, error_detail(response)
    if status == 401:
        return KustomerAuthError(
            f"Kustomer rejected the API key (401: {detail}). It is wrong, expired or belongs to "
            f"another region than {base_url}; set a valid key in sources.kustomer.api_key "
            "(.dlt/secrets.toml or SOURCES__KUSTOMER__API_KEY)."
        )
    if status == 403:
        return KustomerPermissionError(f"403 on {what}: {detail}")
    if status == 404:
        return KustomerNotFoundError(
            f"404 for {what} at {base_url}: {detail}. Is sources.kustomer.org / base_url a "
            "Kustomer API host?"
        )
    logger.warning(f"Kustomer answered {status} for {what}")
    if status == 400:
        return KustomerBadRequestError(f"Kustomer answered 400 for {what}: {detail}")
    return KustomerResponseError(f"Kustomer answered {status} for {what}: {detail}")
