"""The destination against the org: records gone from the org (deleted, merged, expired by
retention) and records the destination lacks, found by counts over `createdAt` ranges.

An incremental run reads what changed; a record that was hard-deleted does not change, it
disappears, and neither search nor the lists say so. So after its incremental pages an object's
reader compares, for records created before its cursor (all of them loaded by earlier runs), how
many the org holds and how many the destination holds live:

- the org's count is search's `meta.total` with `includeDeleted: false` over a `<ctx>_created_at`
  range, plus archive search's for the part of the range that can hold records search no longer
  sees (updated more than two years ago; records created in the last two years never are);
- equal counts end it: two searches when nothing was deleted (one for an org younger than two
  years). Unequal ones split the range in two (one more count each), down to ranges of at most
  one search page, whose ids are compared;
- a total of 10,000 or more is not trusted (search engines cap totals): such a range is split
  without comparing;
- an id the destination holds and the org does not is asked for by id: a 404 means it is gone
  (a customer's merges, a conversation's audit entries tell whether it was merged, and into
  what), a record that answers (soft-deleted, or updated in a way search missed) is loaded again;
- an id the org holds and the destination does not is loaded.

A deletion and a missing record in the same range cancel out in the counts; the next run whose
ranges differ finds them. Records created after the cursor are the incremental read's.

A big object (a million conversations' messages: by estimate a few thousand searches, since
capped totals split down to ranges under 10,000 records) is not compared in one run: a run
spends at most its `budget` of searches (and the pages of the range it is comparing id by id),
comparing the ranges in `createdAt` order, and stops before the next search once one range is
settled; the next run goes on from the `createdAt` it reached (`Findings.stopped_at`). Each
range before that point was compared whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from dlt.common import logger

from ..api.client import KustomerClient
from ..api.errors import KustomerBadRequestError, KustomerError, KustomerNotFoundError
from ..api.times import api_time, parse_api_time
from ..catalog.objects import KustomerObject
from ..destination import Holdings
from ..removals import removal, removal_rows
from ..rows import TPage, rows_of
from .search import SEARCH_PAGE_SIZE, SEARCH_PATH, exact_total, search_floor

ARCHIVE_SEARCH_PATH = "/v1/customers/archive/search"
ARCHIVED_CONTEXTS = ("customer", "conversation", "message", "company", "kobject")
"""The contexts archive search documents (notes are not among them)."""
BEGINNING = "2010-01-01T00:00:00.000Z"
"""Before any Kustomer record (Kustomer was founded in 2015)."""


@dataclass
class Findings:
    """What one reconciliation found, for the run's summary."""

    searches: int = 0
    removed: list[str] = field(default_factory=list)
    reloaded: int = 0
    warned: set[str] = field(default_factory=set)
    stopped_at: str | None = None
    """Where a comparison that spent its searches stopped (the next run goes on from there)."""


class OutOfSearches(Exception):
    """The comparison spent its searches for this run; the records created from `at` on are
    left to the next run."""

    def __init__(self, at: str) -> None:
        super().__init__(at)
        self.at = at


class OrgRecords:
    """The org's live records of one object by `createdAt` range, through search and archive
    search."""

    def __init__(
        self, client: KustomerClient, obj: KustomerObject, floor: str, budget: int | None = None
    ) -> None:
        self.client, self.obj, self.floor, self.budget = client, obj, floor, budget
        self.field = f"{obj.search_prefix}_created_at"
        self.searches = 0
        self.archive = (obj.search_context or "").startswith(ARCHIVED_CONTEXTS)
        self.settled = False  # a range compared to the end in this run (so it moves on)

    def may_search(self, lo: str) -> None:
        """Raises `OutOfSearches` at `lo` (the start of the range about to be counted, nothing
        of it compared yet) once the searches reach the budget, unless no range is settled yet:
        each run goes at least one range further, however deep the ranges it splits."""
        if self.budget is not None and self.searches >= self.budget and self.settled:
            raise OutOfSearches(lo)

    def _body(self, lo: str, hi: str) -> dict[str, Any]:
        return {
            "queryContext": self.obj.search_context,
            "and": [{self.field: {"gte": lo}}, {self.field: {"lt": hi}}],
            "includeDeleted": False,
        }

    def _paths(self, lo: str) -> list[str]:
        # a record created in search's reach was updated there too: archive search has none
        older = self.archive and lo < self.floor
        return [SEARCH_PATH, ARCHIVE_SEARCH_PATH] if older else [SEARCH_PATH]

    def count(self, lo: str, hi: str) -> int | None:
        """How many live records were created in [lo, hi); None when a total may be capped."""
        total = 0
        for path in self._paths(lo):
            found, _ = self.client.post(
                path, self._body(lo, hi), {"page": 1, "pageSize": 1}, f"{self.obj.table} count"
            )
            self.searches += 1
            meta = (found.get("meta") or {}) if isinstance(found, dict) else {}
            value = exact_total(meta.get("total"))
            if value is None:
                return None
            total += value
        return total

    def records(self, lo: str, hi: str) -> dict[str, tuple[str, dict[str, Any]]]:
        """Every live record created in [lo, hi): id -> (the search it came from, record)."""
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        for path in self._paths(lo):
            page = 1
            while True:
                body, _ = self.client.post(
                    path,
                    self._body(lo, hi),
                    {"page": page, "pageSize": SEARCH_PAGE_SIZE},
                    f"{self.obj.table} reconciliation",
                )
                self.searches += 1
                data = body.get("data") if isinstance(body, dict) else None
                records = [r for r in data or [] if isinstance(r, dict) and r.get("id")]
                found.update({str(r["id"]): (path, r) for r in records})
                if len(records) < SEARCH_PAGE_SIZE or page >= 100:
                    break
                page += 1
        return found


def reconcile(
    client: KustomerClient,
    obj: KustomerObject,
    held: Holdings,
    until: str,
    findings: Findings,
    notes: Holdings | None = None,
    since: str | None = None,
    resume_from: str | None = None,
    budget: int | None = None,
) -> Iterator[TPage | Any]:
    """Compares the records created before `until` (see the module docstring): yields rows of
    records to load again and `kustomer_removals` rows of records gone. `notes`, what the
    destination holds of notes, lets a gone customer's or conversation's notes be checked too
    (archive search has no notes, so notes search no longer sees are not counted). `since`: the
    start of the run that began the last comparison to end (merges since then are looked up in
    one audit read). `resume_from`: where an unfinished comparison stopped; `budget`: the
    searches this run may spend (None: no bound); where it stopped goes to `findings`."""
    org = OrgRecords(client, obj, search_floor(datetime.now(timezone.utc)), budget)
    try:
        try:
            # archive search has no notes: only notes search still sees can be compared
            start = BEGINNING if org.archive else max(org.floor, BEGINNING)
            start = max(start, resume_from or start)
            known = org.count(start, until)
        except (KustomerNotFoundError, KustomerBadRequestError) as exc:
            # no archive search (it is documented, so this is a proxy or an old host):
            # only the records search itself sees can be compared
            _warn_once(
                findings,
                "archive",
                f"{obj.table}: archive search is not available ({exc}); only records updated "
                "in the last two years are checked against the org",
            )
            org.archive = False
            start = max(org.floor, BEGINNING, resume_from or BEGINNING)
            known = None
        try:
            yield from _compare(client, obj, held, org, (start, until), known, findings)
        except OutOfSearches as out:
            findings.stopped_at = out.at
        targets = merge_targets(client, obj, findings, since or until)
        for at in range(0, len(findings.removed), 1000):
            batch = findings.removed[at : at + 1000]
            yield removal_rows(
                [
                    removal(obj.table, i, "merged" if targets.get(i) else "deleted",
                            targets.get(i), "reconciliation")
                    for i in batch
                ]
            )  # fmt: skip
        if notes is not None and findings.removed and obj.table in ("customers", "conversations"):
            yield from _gone_notes(client, obj, notes, findings)
    except KustomerError as exc:
        if not client.is_missing_role(exc):
            raise
        _warn_once(
            findings,
            "search",
            f"{obj.table}: the API key may not search (org.permission.search.create), so "
            "records deleted in Kustomer are not detected for this object",
        )
    findings.searches += org.searches


def _compare(
    client: KustomerClient,
    obj: KustomerObject,
    held: Holdings,
    org: OrgRecords,
    span: tuple[str, str],
    known: int | None,
    findings: Findings,
) -> Iterator[TPage | Any]:
    lo, hi = span
    if known is None:
        org.may_search(lo)
    org_count = known if known is not None else org.count(lo, hi)
    held_count = held.count(lo, hi)
    if org_count is not None and org_count == held_count:
        org.settled = True
        return
    one_page = org_count is not None and org_count <= SEARCH_PAGE_SIZE
    mid = _middle(lo, hi)
    if one_page or mid is None:
        yield from _compare_ids(client, obj, held, org, span, findings)
        org.settled = True
        return
    org.may_search(lo)
    left = org.count(lo, mid)
    right = None if org_count is None or left is None else org_count - left
    yield from _compare(client, obj, held, org, (lo, mid), left, findings)
    yield from _compare(client, obj, held, org, (mid, hi), right, findings)


def _middle(lo: str, hi: str) -> str | None:
    start, end = parse_api_time(lo), parse_api_time(hi)
    mid = api_time(start + (end - start) / 2)
    return mid if lo < mid < hi else None


def _compare_ids(
    client: KustomerClient,
    obj: KustomerObject,
    held: Holdings,
    org: OrgRecords,
    span: tuple[str, str],
    findings: Findings,
) -> Iterator[TPage | Any]:
    in_org = org.records(*span)
    in_destination = held.ids(*span)
    full: list[dict[str, Any]] = []
    for record_id, (path, record) in in_org.items():
        if record_id in in_destination:
            continue
        if path == SEARCH_PATH:
            full.append(record)  # search sends whole records, archive search a few attributes
        elif (fetched := client.record(_record_path(obj, record_id), obj.table)) is not None:
            full.append(fetched)
    gone: list[str] = []
    for record_id in sorted(in_destination - set(in_org)):
        answer = client.record(_record_path(obj, record_id), obj.table)
        if answer is None:
            gone.append(record_id)
        else:
            full.append(answer)  # soft-deleted, or changed where search did not see it
    if full:
        findings.reloaded += len(full)
        yield rows_of(obj, full)
    findings.removed += gone


def _gone_notes(
    client: KustomerClient, obj: KustomerObject, notes: Holdings, findings: Findings
) -> Iterator[Any]:
    """The notes of the customers or conversations just found gone, asked for by id: those
    that answer 404 went with them (a cascade the counts cannot see for notes search no longer
    sees)."""
    column = "customer_id" if obj.table == "customers" else "conversation_id"
    gone = [
        note_id
        for note_id in sorted(notes.ids_with(column, findings.removed))
        if client.record(f"/v1/notes/{quote(note_id, safe='')}", "notes") is None
    ]
    if gone:
        yield removal_rows(
            [removal("notes", note_id, "deleted", None, obj.table) for note_id in gone]
        )


def _record_path(obj: KustomerObject, record_id: str) -> str:
    return f"{obj.path}/{quote(record_id, safe='')}"


MANY = 20
"""More gone conversations than this are looked up in one audit read, not one each."""


def merge_targets(
    client: KustomerClient, obj: KustomerObject, findings: Findings, since: str | None
) -> dict[str, str]:
    """The records the gone customers or conversations were merged into (the others were
    deleted): a customer's merges one by one; a conversation's audit entries one by one, or,
    for many, the conversation merges of the audit log since the last comparison at once."""
    gone = findings.removed
    if obj.table == "conversations" and len(gone) > MANY and since is not None:
        try:
            return _conversation_merges_since(client, since, set(gone))
        except KustomerError as exc:
            if not client.is_missing_role(exc):
                raise
            _warn_once(findings, obj.table, _NO_MERGES.format(table=obj.table))
            return {}
    targets = {}
    for record_id in gone:
        target = merged_into(client, obj, record_id, findings)
        if target:
            targets[record_id] = target
    return targets


def _conversation_merges_since(
    client: KustomerClient, since: str, gone: set[str]
) -> dict[str, str]:
    params = {"filter[objectType]": "conversation", "filter[start]": since, "count": 1000}
    targets = {}
    for page in client.pages("/v1/audit-logs", params=params, what="conversation audit entries"):
        for entry in page:
            target = _merge_target(entry)
            source = (entry.get("attributes") or {}).get("objectId")
            if target and source in gone:
                targets[str(source)] = target
    return targets


def _merge_target(entry: dict[str, Any]) -> str | None:
    """The target of an audit entry of a merge (*inferred* shape), else None."""
    attributes = entry.get("attributes") or {}
    if attributes.get("eventVerb") != "merge":
        return None
    change = ((attributes.get("changes") or {}).get("relationships") or {}).get("target") or {}
    return str(change["after"]) if change.get("after") else None


_NO_MERGES = (
    "{table}: the API key may not read merges (customer merges or audit logs); gone records "
    "are recorded as deleted, and records that moved with a merge keep their old parent"
)


def merged_into(
    client: KustomerClient, obj: KustomerObject, record_id: str, findings: Findings
) -> str | None:
    """The record a gone customer or conversation was merged into, None when it was deleted:
    a customer's merges (`GET /v1/customers/{id}/merges`), a conversation's audit entries."""
    try:
        if obj.table == "customers":
            body = client.get_json(
                f"/v1/customers/{quote(record_id, safe='')}/merges", what="customer merges"
            )
            for merge in (body.get("data") or []) if isinstance(body, dict) else []:
                links = merge.get("relationships") or {}
                source = ((links.get("source") or {}).get("data") or {}).get("id")
                target = ((links.get("target") or {}).get("data") or {}).get("id")
                if source == record_id and target:
                    return str(target)
        elif obj.table == "conversations":
            params = {"filter[objectType]": "conversation", "filter[objectId]": record_id}
            for page in client.pages("/v1/audit-logs", params=params, what="audit logs"):
                for entry in page:
                    if target := _merge_target(entry):
                        return target
    except KustomerNotFoundError:
        return None  # a deleted customer has no merges to show (*inferred*: 404)
    except KustomerError as exc:
        if not client.is_missing_role(exc):
            raise
        _warn_once(findings, obj.table, _NO_MERGES.format(table=obj.table))
    return None


def _warn_once(findings: Findings, key: str, message: str) -> None:
    if key not in findings.warned:
        findings.warned.add(key)
        logger.warning(message)
