"""A first load in committed chunks (`--first-load-chunk-records N`): a kill loses a chunk or two.

By default (`auto`) the runner chooses: a first load is chunked, `AUTO_CHUNK_RECORDS` a chunk,
when search sees at least `AUTO_CHUNKS_FROM` records of the objects to load
(`kustomer_source.org_size`, one search request an object); a smaller org is one load.

dlt commits a resource's state with its load package, so a first load run as one `pipeline.run`
is lost whole when the process dies. Here the objects with a cursor are loaded as bounded ranges
that keep no state, each chunk its own load, committed on its own:

- *each object's lists' part*: the search-synced object's records last changed before a boundary
  a week inside search's two-year reach, read from its list in chunks of N / 500 pages (as many
  requests as a window chunk) up to the page whose records were created past the boundary
  (`kustomer_source.read.chunked.read_list_chunk`): a chunk notes the page the next one starts
  at;
- *each search-synced object's window*, [boundary, the instant the plan began), in chunks of about
  N records read newest first (`kustomer_source.read.chunked`): a chunk notes where the next one
  ends, so each object goes on from where its loaded data stops, and the newest records land
  first;
- *the entries*: the audit logs up to the instant the plan began, one chunk;
- *the objects read whole* (configuration lists, the big routing lists, attachments), one chunk
  beside the others; the state they keep (when a big list was read in full, the newest message
  whose attachments are read) goes into the pipeline's state, committed with the final run;
- then one ordinary run of the objects with a cursor from an hour before the plan began (clock
  skew and index lag), which sets the cursors, picks up every change made while the chunks were
  read and compares the destination with the org.

Chunks are read two at a time and loaded while the next ones read (`chunk_loads`). The plan and
its progress are kept in `first_load_chunks.json` in the pipeline's working directory, written
after each chunk's load: a rerun goes on with the chunks not loaded. The file goes when the last
run has set the cursors (or with `--full-refresh`, which drops the working directory). The
boundary stays inside search's reach for a week of loading: a plan found older than that (its
window's oldest records no longer searchable) is dropped, with a message, and the first load
starts over (what the chunks loaded is merged on id, nothing is lost).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import dlt

from kustomer_source.read.search import search_floor

PROGRESS_FILE = "first_load_chunks.json"
#: how far inside search's reach the window starts: the reach moves on while the load runs
BOUNDARY_INSIDE_REACH = timedelta(days=7)
#: the final run starts this long before the plan began (clock skew, search's index lag)
FINAL_OVERLAP = timedelta(hours=1)
#: the source's name: its schema's and its state's
SOURCE_NAME = "kustomer"
#: the key of the plan's basis (began, boundary, records) in the pipeline's source state,
#: committed to the destination when the plan is made; and of the plan a chunk pipeline's state
#: says its chunk belongs to (its `plan_id`)
PLAN_STATE = "first_load_plan"
#: the start of the lists' part and of the entries: before any Kustomer org (dlt's bounded range
#: needs a start)
BEGINNING = "2000-01-01T00:00:00.000Z"
#: the chunks that are not an object's window
LISTS, ENTRIES, WHOLE = "lists", "entries", "whole"
#: records on a search page: a list chunk reads `records / SEARCH_PAGE` pages, as many requests as
#: a window chunk (at 100 records a page, a fifth of its records): a kill loses about as many
#: requests whichever budget the chunks in flight spend
SEARCH_PAGE = 500
#: the records a chunk reads when the runner chooses chunks itself (`--first-load-chunk-records
#: auto`): about 40 search pages, a minute or less of the lowest plan's budgets; measured fastest
#: of those tried at 140,000 and 420,000 records (docs/performance.md)
AUTO_CHUNK_RECORDS = 20_000
#: the records search must see in the org for the runner to choose chunks itself: below it a first
#: load is a few minutes of requests, a kill costs little and one load is quicker
AUTO_CHUNKS_FROM = 50_000


def _iso(at: datetime) -> str:
    return at.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class ChunkPlan:
    """One chunked first load: when it began, where the window starts, the records per chunk,
    the chunks done (`lists-<object>`, `ENTRIES` and objects whose window is read) and where each
    object's next chunk ends (absent: at `began`), and the page each object's next list chunk
    starts at (absent: page 1)."""

    began: str
    boundary: str
    records: int
    done: set[str] = field(default_factory=set)
    ends: dict[str, str] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    #: names the plan in the chunks' states (two plans may begin at one instant of a test's
    #: stopped clock)
    plan_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    path: Path | None = field(default=None, repr=False, compare=False)
    resumed: bool = field(default=False, compare=False)  # an earlier run's plan
    restored: bool = field(default=False, compare=False)  # ... found in the destination's state
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @classmethod
    def make(cls, now: datetime, records: int) -> ChunkPlan:
        floor = datetime.fromisoformat(search_floor(now).replace("Z", "+00:00"))
        return cls(_iso(now), _iso(floor + BOUNDARY_INSIDE_REACH), records)

    @property
    def final_start(self) -> str:
        began = datetime.fromisoformat(self.began.replace("Z", "+00:00"))
        return _iso(began - FINAL_OVERLAP)

    def end_of(self, name: str) -> str:
        """Where object `name`'s next chunk ends (exclusive)."""
        return self.ends.get(name, self.began)

    def mark_done(self, key: str) -> None:
        with self._lock:
            self.done.add(key)
            self.save()

    def move_end(self, name: str, end: str) -> None:
        """Object `name`'s chunks are loaded down to `end`."""
        with self._lock:
            self.ends[name] = end
            self.save()

    def move_page(self, name: str, page: int) -> None:
        """Object `name`'s list is loaded up to page `page` (exclusive)."""
        with self._lock:
            self.pages[name] = page
            self.save()

    @property
    def list_pages(self) -> int:
        """The pages a list chunk reads."""
        return max(1, self.records // SEARCH_PAGE)

    def save(self) -> None:
        if self.path is not None:
            data = {
                "began": self.began,
                "boundary": self.boundary,
                "records": self.records,
                "done": sorted(self.done),
                "ends": self.ends,
                "pages": self.pages,
                "id": self.plan_id,
            }
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1))
            tmp.replace(self.path)  # a kill leaves the old file or the new one, never half

    def remove(self) -> None:
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    @property
    def basis(self) -> dict[str, Any]:
        """What a rerun on a machine without the progress file starts from (`restored_plan`)."""
        return {
            "began": self.began,
            "boundary": self.boundary,
            "records": self.records,
            "id": self.plan_id,
        }


def progress_path(pipeline: dlt.Pipeline) -> Path:
    return Path(pipeline.working_dir) / PROGRESS_FILE


def saved_plan(pipeline: dlt.Pipeline) -> ChunkPlan | None:
    """The plan an earlier run left unfinished, None without one (or an unreadable one)."""
    path = progress_path(pipeline)
    try:
        data: dict[str, Any] = json.loads(path.read_text())
        plan = ChunkPlan(
            str(data["began"]),
            str(data["boundary"]),
            int(data["records"]),
            {str(key) for key in data["done"]},
            {str(name): str(end) for name, end in dict(data["ends"]).items()},
            {str(name): int(page) for name, page in dict(data.get("pages") or {}).items()},
            str(data.get("id") or data["began"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    plan.path, plan.resumed = path, True
    return plan


def restored_plan(pipeline: dlt.Pipeline, source_name: str) -> ChunkPlan | None:
    """The plan of an unfinished chunked first load from the pipeline's state as the destination
    keeps it (a runner that keeps no working directory between runs, as GitHub Actions): its
    basis only, the chunks it loaded are found in their pipelines' states
    (`chunk_loads.recover_progress`). None without one."""
    basis: Any = pipeline.state.get("sources", {}).get(source_name, {}).get(PLAN_STATE)
    try:
        plan = ChunkPlan(str(basis["began"]), str(basis["boundary"]), int(basis["records"]))
        plan.plan_id = str(basis["id"])
    except (KeyError, TypeError, ValueError):
        return None
    plan.path, plan.resumed, plan.restored = progress_path(pipeline), True, True
    plan.save()
    return plan


def remember_basis(pipeline: dlt.Pipeline, source_name: str, plan: ChunkPlan) -> None:
    """The plan's basis in the pipeline's source state (the caller commits it)."""
    with pipeline.managed_state() as state:
        source = state.setdefault("sources", {}).setdefault(source_name, {})
        source[PLAN_STATE] = plan.basis


def has_cursors(pipeline: dlt.Pipeline, source_name: str) -> bool:
    """Whether an earlier run committed a cursor (an incremental resource's state)."""
    resources = pipeline.state.get("sources", {}).get(source_name, {}).get("resources", {})
    return any(isinstance(s, dict) and "incremental" in s for s in resources.values())


def chosen_records(records: int | None, chunks_from: int, size: Callable[[int], int]) -> int:
    """The records a chunk of a new first load reads: `records` as the user set it (0: one
    load), or with `records` None (auto) `AUTO_CHUNK_RECORDS` when the org holds at least
    `chunks_from` records (`size(enough)`: the records search sees, counted up to `enough`),
    else 0."""
    if records is not None:
        return records
    seen = size(chunks_from)
    if seen < chunks_from:
        return 0
    print(
        f"first load: search sees at least {seen:,} records of the objects to load: loading "
        f"them in committed chunks of {AUTO_CHUNK_RECORDS:,} records (--first-load-chunk-records "
        "0 makes it one load)",
        flush=True,
    )
    return AUTO_CHUNK_RECORDS


def plan_first_load(
    pipeline: dlt.Pipeline,
    source_name: str,
    records: int | None,
    now: Callable[[], datetime],
    size: Callable[[int], int],
    chunks_from: int = AUTO_CHUNKS_FROM,
) -> ChunkPlan | None:
    """The chunks this run loads: an unfinished plan (from the progress file, else from the
    state the destination keeps), a new one on a first load (`now`: the org's clock, which
    stamps `updatedAt`; `records` and `size`: see `chosen_records`), or None when the pipeline
    already has cursors or the first load is one load."""
    if has_cursors(pipeline, source_name):
        progress_path(pipeline).unlink(missing_ok=True)  # the last run finished the plan
        return None
    if records == 0:
        return None
    plan = saved_plan(pipeline) or restored_plan(pipeline, source_name)
    if plan is not None and plan.boundary <= search_floor(now()):
        print(
            f"first load: the chunked first load begun at {plan.began} is older than a week, "
            "and search no longer reaches where its window starts: starting it over"
        )
        plan = None
    if plan is None:
        records = chosen_records(records, chunks_from, size)
        if not records:
            return None
        plan = ChunkPlan.make(now(), records)
        plan.path = progress_path(pipeline)
        plan.save()
    return plan


def incremental_only(source: Any) -> Any:
    """The source narrowed to its selected resources with a cursor (the chunks' objects)."""
    names = [n for n, r in source.selected_resources.items() if r.incremental is not None]
    return source.with_resources(*names)


def entries_only(source: Any) -> list[str]:
    """The names of the source's selected resources appended on a cursor (audit logs)."""
    return [
        name
        for name, r in source.selected_resources.items()
        if r.incremental is not None and r.write_disposition == "append"
    ]


def whole_only(source: Any) -> list[str]:
    """The names of the source's selected resources without a cursor (read whole every run)."""
    return [name for name, r in source.selected_resources.items() if r.incremental is None]
