"""A chunked first load's chunks (see `chunks` for the plan), several read at once while the ones
already read are normalized and loaded.

dlt runs a pipeline's steps in turn: a chunk loaded with `pipeline.run` leaves the org's budgets
idle while it is normalized and loaded. A chunk is a bounded range that keeps no cursor, so it
may instead go through a pipeline of its own, dlt's way to run bounded backfills side by side
(one pipeline per range, one dataset): up to `READING` chunks are extracted at once in worker
threads, each through its own source and pipeline `<pipeline>_chunk_<n>`, and this thread
normalizes and loads each as soon as its extract ends, one at a time, while the others read on.
So the org's budgets stay busy through the local work, and the destination sees one load at a
time. The oldest range (read from the lists) starts first, beside the newest (read through
search): both budgets are spent, as in a first load in one package.

The chunk sources pace their requests with one rate limiter (`shared_rate_budget`). A chunk
pipeline's working directory goes once its chunk is loaded; one left by a killed run is settled
before the chunks start (`settle_leftovers`).
"""

from __future__ import annotations

import os
import shutil
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dlt
from dlt.common.storages.load_package import PackageStorage

from kustomer_source.api.limits import shared_rate_budget
from kustomer_source.removals import apply_removals

from . import chunks, history
from .pipeline import loader_format
from .resume import delete_appended_rows

#: chunks extracted at once (the lists' part beside one search range, whose keyset scan keeps
#: the search budget busy); this thread normalizes and loads a third meanwhile
READING = 2

SourceMaker = Callable[[str, str], Any]
"""Makes the source of the range [lo, hi), narrowed to the objects the run loads."""


def chunk_dir(main: dlt.Pipeline, index: int) -> Path:
    """The working directory of chunk `index`'s pipeline."""
    return Path(main.pipelines_dir) / f"{main.pipeline_name}_chunk_{index}"


def chunk_pipeline(main: dlt.Pipeline, index: int) -> dlt.Pipeline:
    """The pipeline of chunk `index`: the main pipeline's destination and dataset, its own
    working directory, and no state of its own to restore (a bounded range keeps none)."""
    pipeline = dlt.pipeline(
        pipeline_name=chunk_dir(main, index).name,
        destination=main.destination,
        dataset_name=main.dataset_name,
        pipelines_dir=main.pipelines_dir,
    )
    pipeline.config.restore_from_destination = False
    return pipeline


def settle_leftovers(main: dlt.Pipeline, plan: chunks.ChunkPlan) -> list[Any]:
    """What a killed run left of its chunk pipelines, settled before the chunks start: a chunk
    whose load completed is marked done; one read whole but not loaded (its extract committed)
    is loaded now and marked done; rows a partly loaded chunk appended are deleted, and it is
    read again. Each directory goes. Returns the traces of the loads done here."""
    traces: list[Any] = []
    prefix = f"{main.pipeline_name}_chunk_"
    for path in sorted(Path(main.pipelines_dir).glob(f"{prefix}*")):
        index = path.name[len(prefix) :]
        if not index.isdigit() or int(index) >= len(plan.ranges):
            shutil.rmtree(path, ignore_errors=True)
            continue
        pipeline = chunk_pipeline(main, int(index))
        partial = [
            load_id
            for load_id in pipeline.list_normalized_load_packages()
            if PackageStorage.is_package_partially_loaded(pipeline.get_load_package_info(load_id))
        ]
        for load_id in partial:
            package = pipeline.get_load_package_info(load_id)
            delete_appended_rows(pipeline, package.schema, load_id)
        if pipeline.list_completed_load_packages():
            plan.mark_done(int(index))
        elif not partial and pipeline.has_pending_data and int(index) not in plan.done:
            print(f"first load chunk {int(index) + 1}/{len(plan.ranges)}: loading what was read")
            traces += load_extracted(pipeline, bool(history.history_tables(pipeline)))
            plan.mark_done(int(index))
        shutil.rmtree(pipeline.working_dir, ignore_errors=True)
    main.activate()
    return traces


def load_chunks_side_by_side(
    main: dlt.Pipeline, plan: chunks.ChunkPlan, make_source: SourceMaker
) -> tuple[list[Any], list[Any]]:
    """Loads the plan's chunks not done yet (see the module docstring); returns their sources
    and traces for the summary. `make_source(lo, hi)` makes a chunk's source."""
    sources: list[Any] = []
    traces: list[Any] = settle_leftovers(main, plan)
    import_writers()
    waiting = deque(plan.remaining())
    reading: dict[Future[tuple[dlt.Pipeline, Any]], int] = {}
    pool = ThreadPoolExecutor(READING, thread_name_prefix="kustomer-chunk")

    def read_more() -> None:
        while waiting and len(reading) < READING:
            index, (lo, hi) = waiting.popleft()
            what = "the beginning" if lo == chunks.BEGINNING else lo
            print(f"first load chunk {index + 1}/{len(plan.ranges)}: {what} .. {hi}", flush=True)
            reading[pool.submit(extract_chunk, main, index, make_source, (lo, hi))] = index

    with shared_rate_budget(), spawned_normalize_workers():
        try:
            read_more()
            while reading:
                finished, _ = wait(reading, return_when=FIRST_COMPLETED)
                for future in finished:
                    index = reading.pop(future)
                    read_more()  # the next chunk reads while this one is loaded
                    pipeline, source = future.result()
                    traces += load_extracted(pipeline, history.keeps_history(source))
                    plan.mark_done(index)
                    shutil.rmtree(pipeline.working_dir, ignore_errors=True)
                    sources.append(source)
        finally:
            # on an error, the chunks still reading stop at their next request (the shared
            # limiter is closed as the block ends) and their partial extracts are left behind
            pool.shutdown(wait=False, cancel_futures=True)
    main.activate()
    return sources, traces


def extract_chunk(
    main: dlt.Pipeline, index: int, make_source: SourceMaker, bounds: chunks.Range
) -> tuple[dlt.Pipeline, Any]:
    """Chunk `index` extracted through its own pipeline, in a worker thread, where that pipeline
    is the active one while the chunk's source is made."""
    shutil.rmtree(chunk_dir(main, index), ignore_errors=True)  # nothing of an earlier try
    pipeline = chunk_pipeline(main, index)
    source = chunks.incremental_only(make_source(*bounds))
    pipeline.extract(source, loader_file_format=loader_format(pipeline))
    return pipeline, source


def load_extracted(pipeline: dlt.Pipeline, with_history: bool) -> list[Any]:
    """Normalizes and loads what `pipeline` extracted, then closes superseded versions (history
    mode) and applies the records found gone; returns the two steps' traces."""
    pipeline.normalize()
    normalized = pipeline.last_trace
    pipeline.load()
    loaded = pipeline.last_trace
    if with_history:
        history.close_superseded(pipeline)
    apply_removals(pipeline)
    return [normalized, loaded]


def import_writers() -> None:
    """Imports what dlt's file writers import on first use, here in one thread: two chunks'
    extracts starting at once would import pyarrow in two threads, and one of them finds it
    half initialised ("partially initialized module 'pyarrow'")."""
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:  # no pyarrow: dlt writes JSONL files instead
        pass


@contextmanager
def spawned_normalize_workers() -> Iterator[None]:
    """dlt's normalize workers started fresh (`spawn`) rather than forked while chunks are read:
    a fork copies the reading threads' locks in whatever state they are, and a worker that needs
    one held at that instant would wait forever."""
    key = "NORMALIZE__START_METHOD"
    previous = os.environ.get(key)
    os.environ[key] = previous or "spawn"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(key, None)
