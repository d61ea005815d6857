"""One load of the selected objects: into Delta tables, or through dlt's `run` with what an
earlier run left half done finished first; a real org's load and a chunked backfill."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any

import dlt
from dlt.common.pipeline import TRefreshMode
from dlt.pipeline.helpers import pipeline_drop

from kustomer_source import KustomerError, UnknownObjectError, kustomer_source
from kustomer_source.catalog.kobjects import reused_discovery
from kustomer_source.clock import org_time
from kustomer_source.org_size import searchable_records
from kustomer_source.schedule import scheduler_interval

from . import backfill, chunk_loads, chunks, history, lake
from .pipeline import loader_format
from .resume import finish_pending, undo_unrecorded_loads
from .summary import report


class HistoryNotSupported(KustomerError):
    """--history on a destination without dlt's scd2 merge."""


def selected(source: Any, args: argparse.Namespace) -> Any:
    """The source narrowed to --objects (all its selected resources without): dlt's copy of
    it, whose resources then hold the run's cursors and skips (the summary reads them there).
    Names are checked against the source, which knows the org's Klasses."""
    if not args.objects:
        return source.with_resources(*source.selected_resources)
    names = args.objects.split(",")
    unknown = [name for name in names if name not in source.resources]
    if unknown:
        raise UnknownObjectError(unknown, list(source.resources))
    return source.with_resources(*names)


def objects_to_load(args: argparse.Namespace) -> list[str] | None:
    """The tables --objects names, None for all."""
    return args.objects.split(",") if args.objects else None


def load_source(pipeline: dlt.Pipeline, source: Any, args: argparse.Namespace) -> Any:
    """One load of the objects --objects selects from `source`."""
    return load_selected(pipeline, selected(source, args), args)


def load_selected(pipeline: dlt.Pipeline, source: Any, args: argparse.Namespace) -> Any:
    """One load of a source already narrowed by `selected()`."""
    refresh: TRefreshMode | None = "drop_sources" if args.full_refresh else None
    keeps_history = history.keeps_history(source)
    if lake.is_filesystem(pipeline) and keeps_history:
        raise HistoryNotSupported(
            "History mode needs a SQL destination (DuckDB, PostgreSQL, a warehouse): dlt's "
            "scd2 merge does not exist for Delta tables on the filesystem destination."
        )
    if lake.is_filesystem(pipeline):
        # parquet files on S3/GCS/Azure/local: Delta tables, merged without duplicates
        return lake.load(pipeline, source, refresh=refresh)
    finish_pending(pipeline)
    # dlt's signature says TRefreshMode, yet None (its own default) means no refresh
    info = pipeline.run(
        source,
        loader_file_format=loader_format(pipeline),
        refresh=refresh,  # type: ignore[arg-type]
    )
    chunk_loads.after_load(pipeline, keeps_history)
    # --full-refresh drops the tables before the command's first load, not before each of its
    # runs (chunks, backfill ranges), which would drop what the runs before it loaded
    args.full_refresh = False
    return info


def source_settings(args: argparse.Namespace, **bounds: Any) -> dict[str, Any]:
    """The source's arguments the command line sets: the bounds, --hard-delete, and
    `history=True` with --history (otherwise the `history` setting of .dlt/ applies)."""
    settings = {**bounds, "hard_delete": args.hard_delete}
    return {**settings, "history": True} if args.history else settings


def load_org(args: argparse.Namespace, pipeline: dlt.Pipeline, duckdb_path: str) -> int:
    """Loads the org set up in .dlt/ (or in bounded backfill chunks, or a first load in
    committed chunks) and prints what landed."""
    started = datetime.now(timezone.utc)
    sources: list[Any] = []
    traces: list[Any] = []
    if args.full_refresh:
        pipeline = pipeline.drop()  # the state about to be dropped says nothing of the org
    else:
        fresh = not pipeline.schema_names  # a working directory that never extracted
        # the dataset's own state before the source is made, so that on a fresh machine too the
        # org check runs before the source asks the org anything (its Klasses, its metadata)
        pipeline.sync_destination()
        if fresh and not lake.is_filesystem(pipeline):
            undo_unrecorded_loads(pipeline, chunks.SOURCE_NAME)
    plan = None
    ranges: list[tuple[str | None, str | None]]
    if args.backfill_from and args.backfill_to:
        if not lake.is_filesystem(pipeline):
            finish_pending(pipeline)  # the chunk a killed run left half done, before its note
        ranges = list(backfill.ranges_left(pipeline, chunks.SOURCE_NAME, args))
    else:
        ranges = [(args.start_date, args.end_date)]
        # a run bounded by dates or by an external scheduler's interval keeps no cursors: it is
        # never a first load
        if not (args.start_date or args.end_date or scheduler_interval()):
            plan = chunks.plan_first_load(
                pipeline,
                chunks.SOURCE_NAME,
                args.first_load_chunk_records,
                now=org_time,
                size=lambda enough: searchable_records(objects_to_load(args), enough),
                chunks_from=args.first_load_chunks_from,
            )
    # chunks, the run after them and a backfill's chunks read the org's Klasses and metadata once
    with reused_discovery():
        if plan is not None:
            sources, traces = load_first_chunks(args, pipeline, plan)
            ranges = [(plan.final_start, None)]
            pipeline.activate()
        for lo, hi in ranges:
            if args.backfill_from and args.backfill_to:
                print(f"backfill {lo} .. {hi}")
            bounds = source_settings(args, start_date=lo, end_date=hi)
            source = selected(kustomer_source(**bounds), args)
            if plan is not None and chunks.WHOLE in plan.done:  # the chunks loaded them
                source = chunks.incremental_only(source)
            sources.append(source)
            load_selected(pipeline, sources[-1], args)
            traces.append(pipeline.last_trace)
            if args.backfill_from and args.backfill_to:
                backfill.note_chunk(pipeline, chunks.SOURCE_NAME, args, str(hi))
    if plan is not None:
        plan.remove()  # the cursors are set: the next run is incremental
    report(args, pipeline, sources, traces, started, duckdb_path)
    return 0


def drop_everything(pipeline: dlt.Pipeline) -> None:
    """--full-refresh before chunks that load through pipelines of their own: dlt's drop of
    every table and all state of the dataset's schema (restored from the destination; the
    chunks of an earlier chunked load are in it, `chunk_loads.adopt_schema`)."""
    pipeline.sync_destination()
    if pipeline.default_schema_name:  # None: nothing was ever loaded into the dataset
        pipeline_drop(pipeline, drop_all=True, state_paths="*")()


def commit_basis(pipeline: dlt.Pipeline, plan: chunks.ChunkPlan) -> None:
    """A new plan's basis committed to the destination in the pipeline's state (a load of the
    state alone), so that a rerun on a machine without the progress file goes on with it
    (`chunks.restored_plan`)."""
    finish_pending(pipeline)  # a package left pending would go first in dlt's steps
    name = chunks.SOURCE_NAME
    chunks.remember_basis(pipeline, name, plan)
    schema = pipeline.schemas[name] if name in pipeline.schemas else dlt.Schema(name)
    # no rows: the package holds the pipeline's state, and no table is made; step by step, as
    # `run` would first restore the destination's state over the one just changed
    pipeline.extract([], table_name=chunks.PLAN_STATE, schema=schema)
    pipeline.normalize()
    pipeline.load()


def load_first_chunks(
    args: argparse.Namespace, pipeline: dlt.Pipeline, plan: chunks.ChunkPlan
) -> tuple[list[Any], list[Any]]:
    """The chunks of a first load still to load, each committed on its own (see `chunks`);
    returns their sources and traces for the summary. They load two at a time, each through a
    pipeline of its own (`chunk_loads`); in turn through this pipeline on the filesystem
    destination (its Delta tables take one writer)."""
    if plan.resumed:
        print(f"first load: continuing a chunked first load begun at {plan.began}")

    def make_source(chunk: chunk_loads.Chunk) -> Any:
        first, pages = chunk.pages or (1, None)
        bounds = {
            "start_date": chunk.lo,
            "end_date": chunk.hi,
            "chunk_records": chunk.records,
            "chunk_pages": pages,
            "chunk_first_page": first,
        }
        source = selected(kustomer_source(**source_settings(args, **bounds)), args)
        return source.with_resources(*chunk.names)

    bounds = {"start_date": chunks.BEGINNING, "end_date": plan.began}
    everything = selected(kustomer_source(**source_settings(args, **bounds)), args)
    whole = chunks.whole_only(everything)
    entries = chunks.entries_only(everything)
    cursors = chunks.incremental_only(everything).selected_resources
    search = [name for name in cursors if name not in entries]
    sources: list[Any] = []
    traces: list[Any] = []
    if args.full_refresh and not lake.is_filesystem(pipeline):
        drop_everything(pipeline)  # on the filesystem the first chunk's run refreshes
        args.full_refresh = False
    if not lake.is_filesystem(pipeline):  # there the chunks load in turn through this pipeline
        if plan.restored:
            keys = [*search, *(f"{chunks.LISTS}-{name}" for name in search), chunks.ENTRIES]
            chunk_loads.recover_progress(pipeline, plan, keys, whole)
        elif not plan.resumed:
            commit_basis(pipeline, plan)
    queue = chunk_loads.ChunkQueue(plan, search, entries, whole)
    while queue and lake.is_filesystem(pipeline):
        chunk = queue.waiting.popleft()
        print(f"first load chunk: {chunk}")
        sources.append(make_source(chunk))
        load_selected(pipeline, sources[-1], args)
        traces.append(pipeline.last_trace)
        queue.loaded(chunk, pipeline)
    if queue:
        more_sources, more_traces = chunk_loads.load_side_by_side(pipeline, queue, make_source)
        sources += more_sources
        traces += more_traces
    return sources, traces
