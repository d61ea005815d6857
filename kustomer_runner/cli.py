"""Load a Kustomer org with dlt: `kustomer-dlt --demo` (or `python pipelines/kustomer_pipeline.py
--demo`) to try it on the local sandbox, or without `--demo` to load a real org with the settings
in `.dlt/`; `kustomer-dlt report` for the support metrics of what was loaded.

Examples:
    kustomer-dlt --demo
    kustomer-dlt --objects conversations,messages,customers
    kustomer-dlt --destination postgres
    kustomer-dlt --destination filesystem   # Delta tables on S3
    # backfill a big org in bounded, stateless monthly chunks:
    kustomer-dlt --objects messages --backfill-from 2025-01-01 --backfill-to 2025-07-01 \\
        --chunk-days 30
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from dlt.common.configuration.exceptions import (
    ConfigFieldMissingException,
    ConfigurationException,
)
from dlt.common.pipeline import get_dlt_pipelines_dir
from dlt.pipeline.exceptions import PipelineStepFailed

from kustomer_analytics.cli import main as report_main
from kustomer_source import KustomerError, UnknownObjectError
from kustomer_source.catalog import select
from kustomer_source.catalog.extras import EXTRA_TABLES, TAGS
from kustomer_source.read.attachments import TABLE as ATTACHMENTS_TABLE

from . import chunks
from .demo import list_objects, run_demo
from .failures import (
    disk_full,
    fail,
    missing_setting_message,
    out_of_memory,
    quiet_tracebacks,
    root_cause_message,
    sentences,
    step_outcome,
    stopped_in,
)
from .load import load_org
from .pipeline import (
    DEFAULT_DATASET,
    DEMO_DATASET_ELSEWHERE,
    DEMO_PIPELINE,
    ORG_DUCKDB,
    ORG_PIPELINE,
    PipelineFactory,
    make_pipeline,
    open_destination,
    org_pipeline,
)
from .runlock import PipelineBusyError, run_lock
from .tuning import DUCKDB_SETTINGS, tune_garbage_collector

STATIC_EXTRAS = (TAGS.table, *(extra.table for extra in EXTRA_TABLES), ATTACHMENTS_TABLE)
"""Tables of the source beyond the catalog: --objects may name them before the source is made."""


def chunk_records(text: str) -> int | None:
    """--first-load-chunk-records: `auto` (None) or a number of records, 0 for one load."""
    if text.strip().lower() == "auto":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither auto nor a number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("records a chunk cannot be negative")
    return value


def memory_size(text: str) -> str:
    """--duckdb-memory-limit: a size DuckDB reads, as 512MB, 1GB or 2GiB."""
    if not re.fullmatch(r"\d+(\.\d+)?\s*([KMGT]i?B)", text.strip(), re.IGNORECASE):
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 512MB or 2GB")
    return text.strip()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="kustomer-dlt", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add = parser.add_argument
    add(
        "--demo",
        action="store_true",
        help="load the local sandbox org into ./kustomer_demo.duckdb (its own pipeline and state)",
    )
    add("--demo-scale", type=int, default=200, help="sandbox records per big object (demo only)")
    add(
        "--objects",
        help="comma-separated objects to load, e.g. "
        "conversations,kobject_ecomm_order (default: all; see --list-objects)",
    )
    add(
        "--list-objects",
        action="store_true",
        help="list the objects of the org (its Klasses included) and exit",
    )
    add("--destination", default="duckdb", help="any dlt destination (default: duckdb)")
    add("--dataset", help=f"dataset (schema) name (default {DEFAULT_DATASET})")
    add("--start-date", help="only records changed from this date/time on")
    add("--end-date", help="only records changed before this date/time")
    add("--backfill-from", help="backfill in chunks from this date (with --backfill-to)")
    add("--backfill-to", help="end of the chunked backfill")
    add("--chunk-days", type=int, default=30, help="days per backfill chunk")
    add(
        "--first-load-chunk-records",
        type=chunk_records,
        default="auto",
        metavar="N",
        help="a first load in chunks, each loaded and committed on its own: the lists' part, "
        "then each object's last two years newest first, N records a chunk; a killed first "
        "load goes on with the chunks not loaded. 0: one load; auto (the default): chunks of "
        f"{chunks.AUTO_CHUNK_RECORDS:,} when search sees at least --first-load-chunks-from "
        "records of the objects to load, else one load",
    )
    add(
        "--first-load-chunks-from",
        type=int,
        default=chunks.AUTO_CHUNKS_FROM,
        metavar="RECORDS",
        help="with --first-load-chunk-records auto: the records search must see for a first "
        f"load in chunks (default {chunks.AUTO_CHUNKS_FROM:,})",
    )
    add("--full-refresh", action="store_true", help="drop state and tables, reload all")
    add(
        "--hard-delete",
        action="store_true",
        help="delete soft-deleted records instead of flagging them",
    )
    add(
        "--summary-json",
        metavar="PATH",
        help="also write the run's summary as JSON to PATH (- for stdout), on failure too",
    )
    add(
        "--history",
        action="store_true",
        help="keep every version of the merged objects (dlt's scd2), not only the latest",
    )
    add(
        "--progress",
        choices=["auto", "bar", "log", "off"],
        default="auto",
        help="a live bar on a terminal, a line per step every 15 s otherwise (default: auto)",
    )
    add("--pipelines-dir", help="where dlt keeps pipeline state (default ~/.dlt/pipelines)")
    add(
        "--duckdb-memory-limit",
        type=memory_size,
        default=DUCKDB_SETTINGS["memory_limit"],
        metavar="SIZE",
        help="the memory DuckDB may use while it loads (default %(default)s); raise it (1GB) "
        "if a load stops with DuckDB's out of memory error",
    )
    args = parser.parse_args(argv)
    if args.dataset is None:
        on_duckdb = args.destination == "duckdb"
        args.dataset = DEMO_DATASET_ELSEWHERE if args.demo and not on_duckdb else DEFAULT_DATASET
    return args


def run(new_pipeline: PipelineFactory = org_pipeline, argv: list[str] | None = None) -> int:
    """The command: exit status 0 when every selected object loaded or was skipped for a missing
    role (a warning), 1 when the run failed (bad settings, an unreachable API, any object that
    failed), 2 for a bad command line. `new_pipeline` makes the org's pipeline; `argv` is the
    command line without the program (default: the process's)."""
    args = parse_args(argv)
    started = datetime.now(timezone.utc)
    tune_garbage_collector()
    quiet_tracebacks()
    try:
        if args.objects:
            select(args.objects.split(","), STATIC_EXTRAS)
        if args.list_objects:
            return list_objects(args)
        # one run at a time: taken before the DuckDB file is opened (DuckDB allows one writer)
        lock_name = DEMO_PIPELINE if args.demo else ORG_PIPELINE
        with run_lock(args.pipelines_dir or get_dlt_pipelines_dir(), lock_name):
            if args.demo:
                return run_demo(args)
            duckdb_path = str(Path.cwd() / ORG_DUCKDB)
            with open_destination(args, duckdb_path) as destination:
                pipeline = make_pipeline(args, destination, new_pipeline)
                return load_org(args, pipeline, duckdb_path)
    except (UnknownObjectError, KustomerError, PipelineBusyError) as exc:
        return fail(str(exc), args, started)
    except ConfigFieldMissingException as exc:
        return fail(missing_setting_message(exc), args, started)
    except ConfigurationException as exc:
        return fail(str(exc), args, started)
    except PipelineStepFailed as exc:
        stopped = (
            disk_full(exc, exc.step)
            or out_of_memory(exc, exc.step, args.duckdb_memory_limit)
            or root_cause_message(exc)
        )
        return fail(sentences(stopped, step_outcome(exc.step)), args, started, exc)
    except Exception as exc:
        # a full disk can also break dlt's own bookkeeping after the step failed
        step = stopped_in(args)
        if (message := disk_full(exc, step)) is None:
            raise
        return fail(sentences(message, step_outcome(step)), args, started)


def main(argv: list[str] | None = None) -> int:
    """`run` with the org's pipeline made by this package (see `run`)."""
    return run(org_pipeline, argv)


def entry() -> int:
    """The `kustomer-dlt` console script: `kustomer-dlt report ...` runs the report command,
    anything else is a load (see `run`)."""
    argv = sys.argv[1:]
    if argv[:1] == ["report"]:
        return report_main(argv[1:])
    return run(org_pipeline, argv)
