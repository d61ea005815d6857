"""A chunked first load's chunks (see `chunks` for the plan): which chunk comes next, and loading
them two at a time while the ones already read are normalized and loaded.

dlt runs a pipeline's steps in turn: a chunk loaded with `pipeline.run` leaves the org's budgets
idle while it is normalized and loaded. A chunk is a bounded range that keeps no cursor, so it
may instead go through a pipeline of its own, dlt's way to run bounded backfills side by side
(one pipeline per range, one dataset): up to `READING` chunks are extracted at once in worker
threads, each through its own source and pipeline `<pipeline>_chunk_<key>`. As soon as a chunk's
extract ends, its reader takes the next chunk and the chunk goes to a process of its own to be
normalized (`normalizer`: the normalize does not share a core with the readers); this thread
loads each normalized chunk, one at a time.
So the org's budgets stay busy through the local work, and the destination sees one load at a
time. A chunk that reads lists goes beside one that reads search, so both budgets are spent, as
in a first load in one package.

The chunk sources pace their requests with one rate limiter (`shared_rate_budget`). A chunk
pipeline's working directory goes once its chunk is loaded; one left by a killed run is settled
before the chunks start (`settle_leftovers`).
"""

from __future__ import annotations

import shutil
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import dlt
from dlt.common.storages.load_package import PackageStorage

from kustomer_source.api.limits import shared_rate_budget
from kustomer_source.read.chunked import CHUNK_STATE, NEXT_END, NEXT_PAGE
from kustomer_source.removals import apply_removals
from kustomer_source.state import READ_IN_FULL_AT

from . import history
from .chunks import BEGINNING, ENTRIES, LISTS, PLAN_STATE, SOURCE_NAME, WHOLE, ChunkPlan
from .normalizer import Normalizer
from .pipeline import loader_format
from .resume import delete_appended_rows, stored_state

#: chunks extracted at once (the lists' part beside an object's window, whose keyset scan keeps
#: the search budget busy); this thread normalizes and loads a third meanwhile
READING = 2


@dataclass(frozen=True)
class Chunk:
    """One chunk: its key (`lists-<object>`, `ENTRIES` or the object whose window it reads), its
    range of `updatedAt`, its objects, for an object's window the records it reads, and for an
    object's lists' part the pages (first, how many)."""

    key: str
    lo: str
    hi: str
    names: tuple[str, ...]
    records: int | None = None
    pages: tuple[int, int] | None = None

    @property
    def reads_lists(self) -> bool:
        """Whether the chunk spends the org budget (lists, audit logs) rather than search's."""
        return self.records is None

    def __str__(self) -> str:
        kind, _, name = self.key.partition("-")
        what = {
            LISTS: f"{name}, the lists' part",
            ENTRIES: "the audit logs",
            WHOLE: "the objects read whole",
        }.get(kind, self.key)
        if self.pages:
            first, count = self.pages
            what = f"{what} (pages {first} to {first + count - 1})"
        return f"{what}, {'the beginning' if self.lo == BEGINNING else self.lo} .. {self.hi}"


SourceMaker = Callable[[Chunk], Any]
"""Makes a chunk's source, narrowed to its objects."""


class ChunkQueue:
    """The chunks of a plan still to load, in order: each object's lists' part, the audit logs,
    then each object's window, one chunk of each object's lists' part and window at a time,
    round the objects."""

    def __init__(
        self, plan: ChunkPlan, search: list[str], entries: list[str], whole: list[str]
    ) -> None:
        self.plan = plan
        self.waiting: deque[Chunk] = deque()
        for name in search:
            self._list(name)
        if entries and ENTRIES not in plan.done:
            self.waiting.append(Chunk(ENTRIES, BEGINNING, plan.began, tuple(entries)))
        if whole and WHOLE not in plan.done:
            self.waiting.append(Chunk(WHOLE, BEGINNING, plan.began, tuple(whole)))
        for name in search:
            self._window(name)

    def _list(self, name: str) -> None:
        """Queues object `name`'s next list chunk, unless its lists' part is read."""
        key = f"{LISTS}-{name}"
        if key not in self.plan.done:
            pages = (self.plan.pages.get(name, 1), self.plan.list_pages)
            self.waiting.append(Chunk(key, BEGINNING, self.plan.boundary, (name,), pages=pages))

    def _window(self, name: str) -> None:
        """Queues object `name`'s next chunk, or marks its window read."""
        end = self.plan.end_of(name)
        if name in self.plan.done:
            return
        if end <= self.plan.boundary:
            self.plan.mark_done(name)
            return
        self.waiting.append(Chunk(name, self.plan.boundary, end, (name,), self.plan.records))

    def loaded(self, chunk: Chunk, pipeline: dlt.Pipeline) -> None:
        """Chunk `chunk`, loaded through `pipeline`: marked done, or its object's next chunk
        queued where the chunk's own state says it stopped."""
        name = chunk.names[0]
        outcome = chunk_outcome(pipeline.state, name) if chunk.records or chunk.pages else {}
        note_outcome(self.plan, chunk.key, name, outcome)
        if chunk.records:
            self._window(name)
        elif chunk.pages:
            self._list(name)

    def __bool__(self) -> bool:
        return bool(self.waiting)


def note_outcome(plan: ChunkPlan, key: str, name: str, outcome: dict[str, Any]) -> None:
    """Notes in `plan` that chunk `key` of object `name` is loaded: where the object's next
    chunk ends or starts, as the chunk's `outcome` says, else the chunk's part as done."""
    if NEXT_END in outcome:
        plan.move_end(name, str(outcome[NEXT_END]))
    elif NEXT_PAGE in outcome:
        plan.move_page(name, int(outcome[NEXT_PAGE]))
    else:
        plan.mark_done(key)


def chunk_outcome(state: Any, name: str) -> dict[str, Any]:
    """What object `name`'s chunk noted in its resource state (`kustomer_source.read.chunked`)
    in a chunk pipeline's `state`; empty when it noted nothing (an object skipped for a missing
    role: nothing more to read)."""
    for source in state.get("sources", {}).values():
        resource = (source.get("resources") or {}).get(name) or {}
        if CHUNK_STATE in resource:
            return dict(resource[CHUNK_STATE])
    return {}


def chunk_dir(main: dlt.Pipeline, key: str) -> Path:
    """The working directory of the pipeline of chunk `key`."""
    return Path(main.pipelines_dir) / f"{main.pipeline_name}_chunk_{key}"


def chunk_pipeline(main: dlt.Pipeline, key: str) -> dlt.Pipeline:
    """The pipeline of chunk `key`: the main pipeline's destination and dataset, its own working
    directory. Its state (where the chunk's object got, the plan it belongs to) is committed
    with the chunk's load (dlt commits a state only with `restore_from_destination`, which
    restores one only in `run`: a chunk is extracted, normalized and loaded step by step, so
    nothing is restored)."""
    return dlt.pipeline(
        pipeline_name=chunk_dir(main, key).name,
        destination=main.destination,
        dataset_name=main.dataset_name,
        pipelines_dir=main.pipelines_dir,
    )


def settle_leftovers(main: dlt.Pipeline, queue: ChunkQueue, normalizer: Normalizer) -> list[Any]:
    """What a killed run left of its chunk pipelines, settled before the chunks start: a chunk
    whose load completed counts as loaded; one read whole but not loaded (its extract committed)
    is loaded now; rows a partly loaded chunk appended are deleted, and it is read again, as is
    one whose extract was cut before its state was saved. Each directory goes. Returns the
    traces of the loads done here."""
    traces: list[Any] = []
    chunks = {chunk.key: chunk for chunk in queue.waiting}
    prefix = f"{main.pipeline_name}_chunk_"
    for path in sorted(Path(main.pipelines_dir).glob(f"{prefix}*")):
        chunk = chunks.get(path.name[len(prefix) :])
        if chunk is None:
            shutil.rmtree(path, ignore_errors=True)
            continue
        pipeline = chunk_pipeline(main, chunk.key)
        if pipeline.has_pending_data and not pipeline.default_schema_name:
            # killed between dlt committing the chunk's extracted package and saving the state
            # that goes with it (the pipeline's first schema and the chunk's note of where its
            # object got): nothing of it was loaded, and without that note it cannot be, so the
            # chunk is read again
            shutil.rmtree(pipeline.working_dir, ignore_errors=True)
            continue
        partial = [
            load_id
            for load_id in pipeline.list_normalized_load_packages()
            if PackageStorage.is_package_partially_loaded(pipeline.get_load_package_info(load_id))
        ]
        for load_id in partial:
            package = pipeline.get_load_package_info(load_id)
            delete_appended_rows(pipeline, package.schema, load_id)
        done = bool(pipeline.list_completed_load_packages())
        if not done and not partial and pipeline.has_pending_data:
            print(f"first load chunk ({chunk}): loading what the last run read", flush=True)
            traces.append(normalizer.trace(normalizer.submit(pipeline).result()))
            pipeline = chunk_pipeline(main, chunk.key)  # the schema normalize changed
            traces += load_normalized(pipeline, bool(history.history_tables(pipeline)))
            done = True
        if done:
            queue.waiting.remove(chunk)
            chunk_loaded(main, queue, chunk, pipeline)
        shutil.rmtree(pipeline.working_dir, ignore_errors=True)
    main.activate()
    return traces


def load_side_by_side(
    main: dlt.Pipeline, queue: ChunkQueue, make_source: SourceMaker
) -> tuple[list[Any], list[Any]]:
    """Loads the queue's chunks (see the module docstring); returns their sources and traces for
    the summary. A chunk whose extract ends goes to the normalize process and its reader takes
    the next chunk at once; a chunk whose normalize ends is loaded here."""
    normalizer = Normalizer()
    traces: list[Any] = []
    import_writers()
    reading: dict[Future[tuple[dlt.Pipeline, Any]], Chunk] = {}
    normalizing: dict[Future[Any], tuple[Chunk, Any]] = {}
    kept: dict[tuple[str, ...], Any] = {}
    pool = ThreadPoolExecutor(READING, thread_name_prefix="kustomer-chunk")

    def read_more() -> None:
        while len(reading) < READING:
            # an object's next chunk is queued once its last is loaded (`ChunkQueue.loaded`)
            in_flight = [*reading.values(), *(chunk for chunk, _ in normalizing.values())]
            chunk = next_chunk(queue, list(reading.values()), in_flight)
            if chunk is None:
                return
            queue.waiting.remove(chunk)
            print(f"first load chunk: {chunk}", flush=True)
            plan_id = queue.plan.plan_id
            reading[pool.submit(extract_chunk, main, chunk, make_source, plan_id)] = chunk

    with shared_rate_budget():
        try:
            traces += settle_leftovers(main, queue, normalizer)
            read_more()
            while reading or normalizing:
                finished, _ = wait([*reading, *normalizing], return_when=FIRST_COMPLETED)
                for future in finished:
                    if future in reading:
                        chunk = reading.pop(future)
                        pipeline, source = future.result()
                        normalizing[normalizer.submit(pipeline)] = (chunk, source)
                        continue
                    chunk, source = normalizing.pop(future)
                    traces.append(normalizer.trace(future.result()))
                    pipeline = chunk_pipeline(main, chunk.key)  # the schema normalize changed
                    traces += load_normalized(pipeline, history.keeps_history(source))
                    chunk_loaded(main, queue, chunk, pipeline)
                    shutil.rmtree(pipeline.working_dir, ignore_errors=True)
                    # the summary needs one source of each object, not one of each chunk
                    kept[tuple(source.selected_resources)] = source
                read_more()
        finally:
            # on an error, the chunks still reading stop at their next request (the shared
            # limiter is closed as the block ends) and their partial extracts are left behind
            pool.shutdown(wait=False, cancel_futures=True)
            normalizer.close()
    main.activate()
    return list(kept.values()), traces


def chunk_loaded(
    main: dlt.Pipeline, queue: ChunkQueue, chunk: Chunk, pipeline: dlt.Pipeline
) -> None:
    """What follows a chunk's load: the main pipeline takes in its schema (and the state of the
    objects read whole), and the plan notes it (`ChunkQueue.loaded`)."""
    adopt_schema(main, pipeline)
    if chunk.key == WHOLE:
        adopt_state(main, pipeline.state, chunk.names)
    queue.loaded(chunk, pipeline)


def adopt_schema(main: dlt.Pipeline, pipeline: dlt.Pipeline) -> None:
    """The main pipeline's schema takes in what chunk `pipeline` loaded (its tables, marked as
    holding data): dlt's refresh and drop act on the tables the pipeline's schema knows, so a
    later `--full-refresh` drops the chunks' tables too. Saved at once, so a killed run keeps
    what its loaded chunks added."""
    loaded = pipeline.default_schema
    if loaded.name in main.schemas:
        schema = main.schemas[loaded.name]
        schema.update_schema(loaded)
    else:
        schema = loaded.clone()
    main.schemas.save_schema(schema)


def adopt_state(main: dlt.Pipeline, chunk_state: Any, names: tuple[str, ...]) -> None:
    """The main pipeline's state takes in what the chunk of objects read whole keeps in its
    pipeline's `chunk_state` (each object's resource state, as the attachments' newest message;
    when a big list was read in full), saved at once and committed with the final run's load, so
    the next runs go on from it."""
    with main.managed_state() as state:
        for source_name, loaded in (chunk_state.get("sources") or {}).items():
            target = state.setdefault("sources", {}).setdefault(source_name, {})
            resources = loaded.get("resources") or {}
            for name in names:
                if name in resources:
                    target.setdefault("resources", {})[name] = deepcopy(resources[name])
            if READ_IN_FULL_AT in loaded:
                target.setdefault(READ_IN_FULL_AT, {}).update(loaded[READ_IN_FULL_AT])


def recover_progress(
    main: dlt.Pipeline, plan: ChunkPlan, keys: list[str], whole: list[str]
) -> None:
    """The chunks of `plan` (restored from the destination, without its progress file) that
    loaded, found in their pipelines' states as the destination keeps them (each committed with
    its chunk's load, `extract_chunk`): the latest state of each chunk key of `keys` (and of the
    objects read `whole`) that names this plan is noted in `plan` as its chunk was
    (`note_outcome`)."""
    parts = 0
    for key in [*keys, *([WHOLE] if whole else [])]:
        state = stored_state(main, chunk_dir(main, key).name)
        source = (state or {}).get("sources", {}).get(SOURCE_NAME, {})
        if (source.get(PLAN_STATE) or {}).get("plan") != plan.plan_id:
            continue
        parts += 1
        kind, _, listed = key.partition("-")
        name = listed if kind == LISTS else key
        outcome = {} if key in (WHOLE, ENTRIES) else chunk_outcome(state, name)
        note_outcome(plan, key, name, outcome)
        if key == WHOLE:
            adopt_state(main, state, tuple(whole))
    print(
        f"first load: no progress file here; the destination says the chunked first load begun "
        f"at {plan.began} loaded {parts} of its parts' chunks so far",
        flush=True,
    )


def next_chunk(
    queue: ChunkQueue, reading: list[Chunk], in_flight: list[Chunk] | None = None
) -> Chunk | None:
    """The next chunk to read beside those `reading`: one that spends the budget they leave idle
    (lists beside search, search beside lists) where one waits, else the first; not one whose
    key is `in_flight` (read, not yet loaded: a key has one working directory)."""
    busy = {chunk.key for chunk in [*reading, *(in_flight or [])]}
    ready = [chunk for chunk in queue.waiting if chunk.key not in busy]
    spent = {chunk.reads_lists for chunk in reading}
    other = [chunk for chunk in ready if chunk.reads_lists not in spent]
    choice = other or ready
    return choice[0] if choice else None


def extract_chunk(
    main: dlt.Pipeline, chunk: Chunk, make_source: SourceMaker, plan_id: str
) -> tuple[dlt.Pipeline, Any]:
    """The chunk extracted through its own pipeline, in a worker thread, where that pipeline is
    the active one while the chunk's source is made. The pipeline's state, committed with the
    chunk's load, names the plan (`plan_id`) the chunk belongs to (`recover_progress`)."""
    shutil.rmtree(chunk_dir(main, chunk.key), ignore_errors=True)  # nothing of an earlier try
    pipeline = chunk_pipeline(main, chunk.key)
    with pipeline.managed_state() as state:
        state.setdefault("sources", {}).setdefault(SOURCE_NAME, {})[PLAN_STATE] = {"plan": plan_id}
    source = make_source(chunk)
    pipeline.extract(source, loader_file_format=loader_format(pipeline))
    return pipeline, source


def light(trace: Any) -> SimpleNamespace:
    """What the summary reads of a step's trace (row counts, step times, load ids), without
    the schema and package details a trace holds: a load of many chunks keeps one per chunk."""
    normalized = trace.last_normalize_info if trace else None
    loaded = trace.last_load_info if trace else None
    return SimpleNamespace(
        last_normalize_info=SimpleNamespace(row_counts=dict(normalized.row_counts))
        if normalized
        else None,
        last_load_info=SimpleNamespace(loads_ids=list(loaded.loads_ids)) if loaded else None,
        steps=[
            SimpleNamespace(step=s.step, started_at=s.started_at, finished_at=s.finished_at)
            for s in (trace.steps if trace else [])
        ],
    )


def load_normalized(pipeline: dlt.Pipeline, with_history: bool) -> list[Any]:
    """Loads what `pipeline` normalized, then closes superseded versions (history mode) and
    applies the records found gone; returns the step's trace (`light`)."""
    pipeline.load()
    loaded = light(pipeline.last_trace)
    after_load(pipeline, with_history)
    return [loaded]


def after_load(pipeline: dlt.Pipeline, with_history: bool) -> None:
    """What follows each load: superseded versions closed (history mode), then the records
    that left the org marked (or deleted) now that the run's findings are loaded."""
    if with_history:
        history.close_superseded(pipeline)
    apply_removals(pipeline)


def import_writers() -> None:
    """Imports what dlt's file writers import on first use, here in one thread: two chunks'
    extracts starting at once would import pyarrow in two threads, and one of them finds it
    half initialised ("partially initialized module 'pyarrow'")."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:  # no pyarrow: dlt writes JSONL files instead
        pass
