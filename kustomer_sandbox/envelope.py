"""Response bodies: list envelopes, paging links and Kustomer's ``errors`` array."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

_TITLES = {
    400: ("bad_request", "Bad Request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not Found"),
    405: ("method_not_allowed", "Method Not Allowed"),
    413: ("payload_too_large", "Payload Too Large"),
    429: ("too_many_requests", "Too Many Requests"),
    500: ("internal_server_error", "Internal Server Error"),
    502: ("bad_gateway", "Bad Gateway"),
    503: ("service_unavailable", "Service Unavailable"),
}


def error_body(status: int, detail: str, parameter: str | None = None) -> dict[str, Any]:
    """``{"errors": [{"status", "code", "title", "detail"[, "source"]}]}``.

    inferred: ``status`` is the HTTP status as a number (the OAS error type leaves it open).
    """
    code, title = _TITLES.get(status, ("error", "Error"))
    err: dict[str, Any] = {"status": status, "code": code, "title": title, "detail": detail}
    if parameter:
        err["source"] = {"parameter": parameter}
    return {"errors": [err]}


def page_link(path: str, page: int, page_size: int, extra: list[tuple[str, str]]) -> str:
    """Relative link to a page: ``/v1/customers?page=3&pageSize=100`` plus the other params."""
    query = [("page", str(page)), ("pageSize", str(page_size))] + extra
    return f"{path}?{urlencode(query)}"


def cursor_link(path: str, params: list[tuple[str, str]]) -> str:
    """Relative link with the given query params."""
    return f"{path}?{urlencode(params)}" if params else path


def paged_links(
    path: str,
    page: int,
    page_size: int,
    last_page: int,
    extra: list[tuple[str, str]],
    with_last: bool = False,
) -> dict[str, str | None]:
    """``links`` of page ``page`` when ``last_page`` is the last non-empty page (0 = none)."""
    links: dict[str, str | None] = {
        "self": page_link(path, page, page_size, extra),
        "first": page_link(path, 1, page_size, extra),
        "prev": page_link(path, page - 1, page_size, extra) if page > 1 else None,
        "next": page_link(path, page + 1, page_size, extra) if page < last_page else None,
    }
    if with_last:
        links["last"] = page_link(path, last_page, page_size, extra) if last_page else None
    return links


def list_body(
    meta: dict[str, Any] | None,
    links: dict[str, Any] | None,
    records_json: list[str],
    included_json: list[str] | None = None,
) -> bytes:
    """Serialize a list envelope around already-serialized records (``meta``/``links`` left
    out when None; ``included`` added when given)."""
    head: dict[str, Any] = {}
    if meta is not None:
        head["meta"] = meta
    if links is not None:
        head["links"] = links
    text = _dumps(head)[:-1]
    sep = "," if head else ""
    tail = f',"included":[{",".join(included_json)}]' if included_json is not None else ""
    return f'{text}{sep}"data":[{",".join(records_json)}]{tail}}}'.encode()


def single_body(record_json: str, self_path: str, included_json: list[str] | None = None) -> bytes:
    """``{"data": {record}, "links": {"self": ...}[, "included": [...]]}``."""
    tail = f',"included":[{",".join(included_json)}]' if included_json is not None else ""
    return f'{{"data":{record_json},"links":{{"self":{_dumps(self_path)}}}{tail}}}'.encode()


def data_body(record_json: str, included_json: list[str] | None = None) -> bytes:
    """``{"data": {record}[, "included": [...]]}``: a single record's body (by id, a single
    object), as documented: no top-level ``links``."""
    tail = f',"included":[{",".join(included_json)}]' if included_json is not None else ""
    return f'{{"data":{record_json}{tail}}}'.encode()


def json_body(payload: Any) -> bytes:
    """Any JSON payload as bytes."""
    return _dumps(payload).encode()
