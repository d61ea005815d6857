"""Reading through search (`POST /v1/customers/search`): a probe of what changed, and keyset
scans of the records of one search context changed in a time range.

Search sees records updated in the last two years (`search_floor`), pages up to 100 pages deep,
and sorts on `<context>_updated_at`; a scan never pages past page 1 (see `KeysetScan`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from dlt.common import logger

from ..api.client import KustomerClient, list_data, more_pages
from ..api.errors import KustomerError, KustomerResponseError
from ..api.times import api_time, server_time
from ..catalog.objects import KustomerObject
from ..rows import TPage, rows_of

SEARCH_PATH = "/v1/customers/search"
SEARCH_PAGE_SIZE = 500  # documented maximum for search
SEARCH_MAX_PAGES = 100  # documented hard limit of search paging
SEARCH_REACH_DAYS = 2 * 365  # standard search covers records updated in the last two years
TOTAL_CAP = 10_000
"""A search total this high may be capped (AWS Glue reports 10,000 records a query): not
trusted as a count (*inferred*: search engines commonly cap totals)."""
TIE_PASSES = 25
"""How often an instant whose records come back in a new order on every request is paged
through again until every record of it was seen."""


class SortNotHonoured(KustomerResponseError):
    """Search answered a page out of the order it was asked for: it ignores that sort."""


def exact_total(value: Any) -> int | None:
    """A `meta.total` that can be trusted as a count, else None (absent, or possibly capped)."""
    return value if isinstance(value, int) and value < TOTAL_CAP else None


def check_order(obj: KustomerObject, field: str, values: list[Any], descending: bool) -> None:
    """Raises `SortNotHonoured` when a page's values of the sort field are out of order."""
    present = [v for v in values if isinstance(v, str)]
    for before, after in zip(present, present[1:], strict=False):
        if (after > before) if descending else (after < before):
            raise SortNotHonoured(
                f"{obj.table}: Kustomer answered a search sorted on {field} "
                f"{'descending' if descending else 'ascending'} with {before} before {after}: "
                "it ignores that sort"
            )


@dataclass(frozen=True)
class Probe:
    """What one search request tells before a search-synced object is read."""

    newest: str | None  # updatedAt of the most recently changed record in range (None: none)
    total: int | None  # records changed in range, from the response's `meta.total`
    server_now: datetime  # the server's time (`Date` header), the local clock if it sends none


def probe_changes(
    client: KustomerClient, obj: KustomerObject, start: str | None, end: str | None
) -> Probe:
    """One search page of one record, newest first, over the records changed in [start, end)."""
    scan = KeysetScan(client, obj, None, end)
    found, response = scan.first([("gte", start)] if start else [], "desc")
    records = found.get("data") or []
    total = (found.get("meta") or {}).get("total")
    return Probe(
        newest=_updated(records[0]) if records else None,
        total=exact_total(total),
        server_now=server_time(response),
    )


def oldest_change_after(
    client: KustomerClient, obj: KustomerObject, start: str, end: str | None
) -> str | None:
    """The updatedAt of the oldest record changed after `start` (and before `end`)."""
    found, _ = KeysetScan(client, obj, None, end).first([("gt", start)], "asc")
    records = found.get("data") or []
    return _updated(records[0]) if records else None


def search_floor(server_now: datetime) -> str:
    """The oldest updatedAt that standard search surely covers: it sees the last two years
    (Kustomer's search docs); a day of margin absorbs clock skew."""
    return api_time(server_now - timedelta(days=SEARCH_REACH_DAYS - 1))


class KeysetScan:
    """Reads the records of one search context changed in [start, end), oldest first.

    Keyset paging: every request is page 1 of `updated_at >= cursor`, so the 100-page cap never
    applies and records updated mid-run move ahead of the cursor instead of shifting pages. When a
    whole page shares one updatedAt (a bulk import), that instant is paged apart on its own and the
    scan resumes with `updated_at > instant`. Records already seen at the cursor instant are
    skipped, so the only state is the set of ids at one instant.
    """

    def __init__(
        self,
        client: KustomerClient,
        obj: KustomerObject,
        start: str | None,
        end: str | None,
        page_size: int = SEARCH_PAGE_SIZE,
        start_op: str = "gte",
    ) -> None:
        self.client, self.obj = client, obj
        self.start, self.end = start, end
        self.start_op = start_op  # "gt": the range starts just after `start`
        self.page_size = min(page_size, SEARCH_PAGE_SIZE)
        self.field = f"{obj.search_prefix}_updated_at"
        self.last_total: int | None = None

    def body(self, criteria: list[dict[str, Any]]) -> dict[str, Any]:
        if self.end:
            criteria = [*criteria, {self.field: {"lt": self.end}}]
        return {
            "queryContext": self.obj.search_context,
            "and": criteria,
            "sort": [{self.field: "asc"}],
            "includeDeleted": True,
        }

    def first(self, bounds: list[tuple[str, str]], order: str) -> tuple[Any, Any]:
        """One record, sorted `order` on updatedAt, of those within `bounds` (`(op, time)`
        pairs) and this scan's end: the parsed body and the response."""
        body = self.body([{self.field: {op: at}} for op, at in bounds])
        body["sort"] = [{self.field: order}]
        return self.client.post(
            SEARCH_PATH, body, {"page": 1, "pageSize": 1}, f"{self.obj.table} search"
        )

    def query(self, criteria: list[dict[str, Any]], page: int = 1) -> tuple[list[Any], bool]:
        """One search page: its records and whether `links.next` says more follow."""
        records, has_next, _ = self.answer(criteria, page)
        return records, has_next

    def answer(self, criteria: list[dict[str, Any]], page: int = 1) -> tuple[list[Any], bool, Any]:
        """`query`, and the response it came in."""
        params = {"page": page, "pageSize": self.page_size}
        body, response = self.client.post(
            SEARCH_PATH, self.body(criteria), params, f"{self.obj.table} search"
        )
        records = list_data(body, f"a {self.obj.table} search page")
        self.last_total = exact_total((body.get("meta") or {}).get("total"))
        said = more_pages(body)
        if said is None:  # no `links` (undocumented): a full page may be followed by more
            return records, len(records) >= self.page_size, response
        return records, said, response

    def __iter__(self) -> Iterator[TPage]:
        cursor, op = self.start, self.start_op
        seen_at_cursor: set[str] = set()
        while True:
            criteria = [{self.field: {op: cursor}}] if cursor else []
            records, has_next = self.query(criteria)
            check_order(self.obj, self.field, [_updated(r) for r in records], descending=False)
            fresh = [
                r for r in records if not (_updated(r) == cursor and r.get("id") in seen_at_cursor)
            ]
            if fresh:
                yield rows_of(self.obj, fresh)
            if not has_next or len(records) < self.page_size:
                return
            first, last = _updated(records[0]), _updated(records[-1])
            if first == last and last is not None:
                yield from self.instant(last, already=seen_at_cursor | _ids(records))
                cursor, op, seen_at_cursor = last, "gt", set()
            else:
                if last != cursor:
                    seen_at_cursor = set()
                seen_at_cursor |= {r["id"] for r in records if _updated(r) == last}
                cursor, op = last, "gte"

    def instant(self, at: str, already: set[str]) -> Iterator[TPage]:
        """All records whose updatedAt is exactly `at` (see `paged`)."""
        criteria = [{self.field: {"gte": at}}, {self.field: {"lte": at}}]
        yield from self.paged(criteria, already, f"at updatedAt {at}")

    def unsorted(self) -> Iterator[TPage]:
        """Every record of this scan's range paged by number, whatever order search answers in
        (see `paged`): for a search that ignores its sort."""
        criteria = [{self.field: {self.start_op: self.start}}] if self.start else []
        yield from self.paged(criteria, set(), f"changed since {self.start}")

    def paged(
        self, criteria: list[dict[str, Any]], already: set[str], what: str
    ) -> Iterator[TPage]:
        """The records that match `criteria` (and this scan's end), paged by number (at most
        100 pages), `already` left out.

        Paging by number needs the same order on every request, which nothing documents for
        records that share the sort value. A page that repeats a record of an earlier page
        shows the order changes: the records are then paged through again, up to `TIE_PASSES`
        times, until as many were seen as search counts."""
        at = what
        seen = set(already)
        returned: set[str] = set()  # every id the instant's own queries sent
        unstable, total = False, None
        for _ in range(TIE_PASSES):
            this_pass: set[str] = set()
            page = 1
            while True:
                records, has_next = self.query(criteria, page)
                total = self.last_total if page == 1 else total
                ids = _ids(records)
                unstable = unstable or bool(ids & this_pass)
                this_pass |= ids
                returned |= ids
                fresh = [r for r in records if r.get("id") not in seen]
                seen |= ids
                if fresh:
                    yield rows_of(self.obj, fresh)
                if not has_next:
                    break
                if page >= SEARCH_MAX_PAGES:
                    raise KustomerError(
                        f"More than {SEARCH_MAX_PAGES * self.page_size} {self.obj.table} "
                        f"{at}; Kustomer search cannot page past {SEARCH_MAX_PAGES} pages"
                    )
                page += 1
            if not unstable:
                return
            if total is None:
                raise KustomerError(
                    f"{self.obj.table}: the records {at} come back in a new order "
                    "on every request and search gives no exact count of them, so there is no "
                    "way to know when all were read"
                )
            if len(returned) >= total:
                logger.warning(
                    f"{self.obj.table}: the records {at} came back in a new order "
                    f"on every request; read all {total} by paging through them again"
                )
                return
        raise KustomerError(
            f"{self.obj.table}: {TIE_PASSES} passes over the records {at} "
            f"(in a new order on every request) did not find all {total} of them"
        )


def _updated(record: dict[str, Any]) -> str | None:
    return (record.get("attributes") or {}).get("updatedAt")


def _ids(records: list[dict[str, Any]]) -> set[str]:
    return {r["id"] for r in records if r.get("id")}


def probe_unless_refused(
    client: KustomerClient, obj: KustomerObject, start: str | None, end: str | None
) -> Probe | None:
    """The run's first search (`probe_changes`), or None when the key may not search (a missing
    role, `KustomerClient.is_missing_role`)."""
    try:
        return probe_changes(client, obj, start, end)
    except KustomerError as exc:
        if client.is_missing_role(exc):
            return None
        raise


def reaches_past_search(start: str | None, probe: Probe | None) -> bool:
    """Whether a run from `start` needs records older than search sees (a first load, or a
    backfill from further back); without a probe the local clock stands in for the server's."""
    if start is None:
        return True
    now = probe.server_now if probe else datetime.now(timezone.utc)
    return start < search_floor(now)
