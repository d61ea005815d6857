"""Load a Kustomer org with dlt: `python pipelines/kustomer_pipeline.py --demo` to try it on the
local sandbox, or without `--demo` to load a real org with the settings in `.dlt/`.

Examples:
    python pipelines/kustomer_pipeline.py --demo
    python pipelines/kustomer_pipeline.py --objects conversations,messages,customers
    python pipelines/kustomer_pipeline.py --destination postgres
    python pipelines/kustomer_pipeline.py --destination filesystem   # Delta tables on S3
    # backfill a big org in bounded, stateless monthly chunks:
    python pipelines/kustomer_pipeline.py --objects messages --backfill-from 2025-01-01 \
        --backfill-to 2025-07-01 --chunk-days 30
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

# `dlt deploy` runs this script from pipelines/: read the project's .dlt/ from the repo root then.
_ROOT = Path(__file__).resolve().parent.parent
if not Path(".dlt").is_dir() and (_ROOT / ".dlt").is_dir():
    os.environ.setdefault("DLT_PROJECT_DIR", str(_ROOT))
sys.path.insert(0, str(_ROOT))

import dlt  # noqa: E402
import duckdb  # noqa: E402
from dlt.common.configuration.exceptions import (  # noqa: E402
    ConfigFieldMissingException,
    ConfigurationException,
)
from dlt.common.pipeline import TRefreshMode, get_dlt_pipelines_dir  # noqa: E402
from dlt.pipeline.exceptions import PipelineStepFailed  # noqa: E402

from kustomer_source import KustomerError, history, kustomer_source, lake  # noqa: E402
from kustomer_source.attachments import TABLE as ATTACHMENTS_TABLE  # noqa: E402
from kustomer_source.catalog import UnknownObjectError, select  # noqa: E402
from kustomer_source.extras import EXTRA_TABLES, TAGS  # noqa: E402
from kustomer_source.progress import progress_for  # noqa: E402
from kustomer_source.resume import finish_pending  # noqa: E402
from kustomer_source.runlock import PipelineBusyError, run_lock  # noqa: E402
from kustomer_source.summary import RunSummary, failed, summarize  # noqa: E402
from kustomer_source.tuning import DUCKDB_SETTINGS, tune_garbage_collector  # noqa: E402

ORG_DUCKDB = "kustomer.duckdb"
DEMO_DUCKDB = "kustomer_demo.duckdb"
DEFAULT_DATASET = "kustomer_data"
DEMO_DATASET_ELSEWHERE = "kustomer_demo"  # the demo's dataset on a destination other than DuckDB
# `dlt deploy` schedules the pipeline of the one literal `dlt.pipeline(...)` call in this script;
# the demo's own pipeline is made through this alias so that deploy does not offer it as a choice.
_new_demo_pipeline = dlt.pipeline


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="load the local sandbox org into ./kustomer_demo.duckdb (its own pipeline and state)",
    )
    parser.add_argument(
        "--demo-scale", type=int, default=200, help="sandbox records per big object (demo only)"
    )
    parser.add_argument(
        "--objects",
        help="comma-separated objects to load, e.g. conversations,kobject_ecomm_order "
        "(default: all; see --list-objects)",
    )
    parser.add_argument(
        "--list-objects",
        action="store_true",
        help="list the objects of the org (its Klasses included) and exit",
    )
    parser.add_argument(
        "--destination", default="duckdb", help="any dlt destination (default: duckdb)"
    )
    parser.add_argument("--dataset", help=f"dataset (schema) name (default {DEFAULT_DATASET})")
    parser.add_argument("--start-date", help="only records changed from this date/time on")
    parser.add_argument("--end-date", help="only records changed before this date/time")
    parser.add_argument(
        "--backfill-from", help="backfill in chunks from this date (with --backfill-to)"
    )
    parser.add_argument("--backfill-to", help="end of the chunked backfill")
    parser.add_argument("--chunk-days", type=int, default=30, help="days per backfill chunk")
    parser.add_argument(
        "--full-refresh", action="store_true", help="drop state and tables, reload all"
    )
    parser.add_argument(
        "--hard-delete",
        action="store_true",
        help="delete soft-deleted records instead of flagging them",
    )
    parser.add_argument(
        "--summary-json",
        metavar="PATH",
        help="also write the run's summary as JSON to PATH (- for stdout), on failure too",
    )
    parser.add_argument(
        "--history",
        action="store_true",
        help="keep every version of the merged objects (dlt's scd2), not only the latest",
    )
    parser.add_argument(
        "--progress",
        choices=["auto", "bar", "log", "off"],
        default="auto",
        help="a live bar on a terminal, a line per step every 15 s otherwise (default: auto)",
    )
    parser.add_argument(
        "--pipelines-dir", help="where dlt keeps pipeline state (default ~/.dlt/pipelines)"
    )
    args = parser.parse_args(argv)
    if args.dataset is None:
        on_duckdb = args.destination == "duckdb"
        args.dataset = DEMO_DATASET_ELSEWHERE if args.demo and not on_duckdb else DEFAULT_DATASET
    return args


def make_pipeline(args: argparse.Namespace, destination: Any = None) -> dlt.Pipeline:
    """The `kustomer` pipeline. `dlt deploy` reads this call from the source: it needs a literal
    pipeline_name and refuses a non-literal pipelines_dir, so --pipelines-dir goes in as config."""
    if destination is None:
        destination = args.destination
        if args.destination == "duckdb":
            destination = dlt.destinations.duckdb(str(Path.cwd() / ORG_DUCKDB))
    with pipelines_dir_setting(args.pipelines_dir):
        stale = local_state_of_other_dataset("kustomer", args)
        pipeline = dlt.pipeline(
            pipeline_name="kustomer",
            destination=destination,
            dataset_name=args.dataset,
            progress=progress_for(args.progress),
        )
    return pipeline.drop() if stale else pipeline


def make_demo_pipeline(args: argparse.Namespace, destination: Any = None) -> dlt.Pipeline:
    """The demo's `kustomer_demo` pipeline: its own state, never shared with a real org's."""
    with pipelines_dir_setting(args.pipelines_dir, "kustomer_demo"):
        stale = local_state_of_other_dataset("kustomer_demo", args)
        pipeline = _new_demo_pipeline(
            pipeline_name="kustomer_demo",
            destination=destination or args.destination,
            dataset_name=args.dataset,
            progress=progress_for(args.progress),
        )
    return pipeline.drop() if stale else pipeline


def local_state_of_other_dataset(name: str, args: argparse.Namespace) -> bool:
    """Whether the pipeline's local state was last used for another dataset.

    dlt keeps one local state per pipeline name and prefers it to the dataset's own (restored
    from the destination) whenever its version is higher, so after a run with `--dataset B` the
    next run into dataset A would start from B's cursors. Dropping the local state first makes
    dlt restore A's own state from the destination.
    """
    pipelines_dir = args.pipelines_dir or get_dlt_pipelines_dir()
    try:
        state = json.loads((Path(pipelines_dir) / name / "state.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(state, dict) and state.get("dataset_name") not in (None, args.dataset)


@contextmanager
def open_destination(args: argparse.Namespace, duckdb_path: str) -> Iterator[Any]:
    """The destination to load into. A DuckDB file is opened here and dlt gets the connection:
    dlt then keeps it open through the load instead of closing and reopening the file (with a
    checkpoint each time) between jobs, which took 40% of the load step."""
    if args.destination != "duckdb":
        yield None
        return
    created = not Path(duckdb_path).exists()
    connection = duckdb.connect(duckdb_path, config=DUCKDB_SETTINGS)
    try:
        yield dlt.destinations.duckdb(connection)
    finally:
        (tables,) = connection.execute("select count(*) from duckdb_tables()").fetchone() or (0,)
        connection.close()
        if created and not tables:  # a run that failed before loading leaves no empty file
            for leftover in (duckdb_path, duckdb_path + ".wal"):
                Path(leftover).unlink(missing_ok=True)


@contextmanager
def pipelines_dir_setting(path: str | None, name: str = "kustomer") -> Iterator[None]:
    """`path` as dlt's `pipelines.<name>.pipelines_dir` setting while the pipeline is made."""
    key = f"PIPELINES__{name.upper()}__PIPELINES_DIR"
    previous = os.environ.get(key)
    if path:
        os.environ[key] = path
    try:
        yield
    finally:
        if path:
            if previous is None:
                del os.environ[key]
            else:
                os.environ[key] = previous


def loader_format(pipeline: dlt.Pipeline) -> Any:
    """Parquet where the destination takes it: dlt's default for DuckDB is far slower. Not on
    BigQuery, which loads JSON columns (maps keyed by data) from parquet only with schema
    autodetection: there the destination's own format (JSONL) applies."""
    if pipeline.destination.destination_type.endswith(".bigquery"):
        return None
    caps = pipeline.destination.capabilities()
    formats = caps.supported_loader_file_formats
    if caps.loader_file_format_selector is not None:
        # e.g. PostgreSQL takes parquet only with its ADBC driver installed
        _, formats = caps.loader_file_format_selector(
            caps.preferred_loader_file_format, formats, table_schema={"name": "_", "columns": {}}
        )
    return "parquet" if "parquet" in formats else None


def run(pipeline: dlt.Pipeline, source: Any, args: argparse.Namespace) -> Any:
    """One load of the selected objects."""
    return load_selected(pipeline, selected(source, args), args)


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


def load_selected(pipeline: dlt.Pipeline, source: Any, args: argparse.Namespace) -> Any:
    """One load of a source already narrowed by `selected()`."""
    refresh: TRefreshMode | None = "drop_sources" if args.full_refresh else None
    keeps_history = any(
        isinstance(r.write_disposition, dict) and r.write_disposition.get("strategy") == "scd2"
        for r in source.selected_resources.values()
    )
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
    if keeps_history:
        history.close_superseded(pipeline)
    return info


class HistoryNotSupported(KustomerError):
    """--history on a destination without dlt's scd2 merge."""


def history_setting(args: argparse.Namespace) -> dict[str, Any]:
    """`history=True` with --history; otherwise the `history` setting of .dlt/ applies."""
    return {"history": True} if args.history else {}


def backfill_chunks(start: str, end: str, days: int) -> Iterator[tuple[str, str]]:
    """[start, end) in chunks of `days`: each chunk is a bounded load that keeps no state."""
    lo, hi = date.fromisoformat(start), date.fromisoformat(end)
    while lo < hi:
        nxt = min(lo + timedelta(days=days), hi)
        yield lo.isoformat(), nxt.isoformat()
        lo = nxt


def report(
    args: argparse.Namespace,
    pipeline: dlt.Pipeline,
    sources: list[Any],
    traces: list[Any],
    started: datetime,
    duckdb_path: str | None,
) -> RunSummary:
    """Prints what the run did (and writes it as JSON with --summary-json), and how to open a
    DuckDB file."""
    summary = summarize(pipeline, sources, started, traces)
    print("\n" + summary.text())
    if args.summary_json:
        summary.write_json(args.summary_json)
    if duckdb_path and args.destination == "duckdb":
        query = f"select status, count(*) from {pipeline.dataset_name}.conversations group by 1"
        print(f'\nOpen it with the duckdb CLI:  duckdb {duckdb_path} "{query}"')
        print(
            f'or in Python:  python -c "import duckdb; '
            f"duckdb.connect('{duckdb_path}').sql('{query}').show()\""
        )
    return summary


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 when every selected object loaded or was skipped for a missing role (a
    warning), 1 when the run failed (bad settings, an unreachable API, any object that failed)."""
    args = parse_args(argv)
    started = datetime.now(timezone.utc)
    tune_garbage_collector()
    try:
        if args.objects:
            select(args.objects.split(","), STATIC_EXTRAS)
        if args.list_objects:
            return list_objects(args)
        # one run at a time: taken before the DuckDB file is opened (DuckDB allows one writer)
        lock_name = "kustomer_demo" if args.demo else "kustomer"
        with run_lock(args.pipelines_dir or get_dlt_pipelines_dir(), lock_name):
            if args.demo:
                return run_demo(args)
            duckdb_path = str(Path.cwd() / ORG_DUCKDB)
            with open_destination(args, duckdb_path) as destination:
                return load_org(args, make_pipeline(args, destination), duckdb_path)
    except (UnknownObjectError, KustomerError, PipelineBusyError) as exc:
        return fail(str(exc), args, started)
    except ConfigFieldMissingException as exc:
        return fail(missing_setting_message(exc), args, started)
    except ConfigurationException as exc:
        return fail(str(exc), args, started)
    except PipelineStepFailed as exc:
        stopped = disk_full(exc, exc.step) or root_cause_message(exc)
        return fail(f"{stopped}. {step_outcome(exc.step)}", args, started, exc)
    except Exception as exc:
        # a full disk can also break dlt's own bookkeeping after the step failed
        step = stopped_in(args)
        if (message := disk_full(exc, step)) is None:
            raise
        return fail(f"{message}. {step_outcome(step)}", args, started)


def load_org(args: argparse.Namespace, pipeline: dlt.Pipeline, duckdb_path: str) -> int:
    """Loads the org set up in .dlt/ (or in bounded backfill chunks) and prints what landed."""
    started = datetime.now(timezone.utc)
    sources, traces = [], []
    if args.full_refresh:
        pipeline = pipeline.drop()  # the state about to be dropped says nothing of the org
    else:
        # the dataset's own state before the source is made, so that on a fresh machine too the
        # org check runs before the source asks the org anything (its Klasses, its metadata)
        pipeline.sync_destination()
    if args.backfill_from and args.backfill_to:
        for lo, hi in backfill_chunks(args.backfill_from, args.backfill_to, args.chunk_days):
            print(f"backfill {lo} .. {hi}")
            source = kustomer_source(
                start_date=lo, end_date=hi, hard_delete=args.hard_delete, **history_setting(args)
            )
            sources.append(selected(source, args))
            load_selected(pipeline, sources[-1], args)
            traces.append(pipeline.last_trace)
    else:
        source = kustomer_source(
            start_date=args.start_date,
            end_date=args.end_date,
            hard_delete=args.hard_delete,
            **history_setting(args),
        )
        sources.append(selected(source, args))
        load_selected(pipeline, sources[-1], args)
        traces.append(pipeline.last_trace)
    report(args, pipeline, sources, traces, started, duckdb_path)
    return 0


def run_demo(args: argparse.Namespace) -> int:
    """Starts the sandbox in-process and loads it into ./kustomer_demo.duckdb, from scratch each
    time (each demo is a new sandbox org on a new port, so its state would not carry over)."""
    from kustomer_sandbox import serve

    duckdb_path = str(Path.cwd() / DEMO_DUCKDB)
    with (
        serve(seed=7, scale=args.demo_scale) as sandbox,
        open_destination(args, duckdb_path) as destination,
    ):
        print(f"Sandbox Kustomer API at {sandbox.base_url}")
        # the last demo's state names the last demo's sandbox (another port): dropped before
        # the source is made, which asks this sandbox for its Klasses and attribute metadata
        pipeline = make_demo_pipeline(args, destination).drop()
        source = kustomer_source(
            api_key=sandbox.token,
            base_url=sandbox.base_url,
            hard_delete=args.hard_delete,
            **history_setting(args),
        )
        args.full_refresh = True
        started = datetime.now(timezone.utc)
        source = selected(source, args)
        load_selected(pipeline, source, args)
        report(args, pipeline, [source], [pipeline.last_trace], started, duckdb_path)
    return 0


STATIC_EXTRAS = (TAGS.table, *(extra.table for extra in EXTRA_TABLES), ATTACHMENTS_TABLE)


def list_objects(args: argparse.Namespace) -> int:
    """Prints every object the org offers (with its Klasses) and how each is loaded."""
    if args.demo:
        from kustomer_sandbox import serve

        with serve(seed=7, scale=args.demo_scale) as sandbox:
            print_objects(kustomer_source(api_key=sandbox.token, base_url=sandbox.base_url))
    else:
        print_objects(kustomer_source())
    return 0


def print_objects(source: Any) -> None:
    print(f"{'object':34} {'sync':8} loaded by default")
    for name, resource in source.resources.items():
        disposition = resource.write_disposition
        kind = disposition if isinstance(disposition, str) else disposition["disposition"]
        note = "yes" if resource.selected else "no: a disabled Klass (name it to load it)"
        print(f"{name:34} {kind:8} {note}")


def missing_setting_message(exc: ConfigFieldMissingException) -> str:
    fields = ", ".join(exc.fields)
    if "api_key" in exc.fields:
        return (
            "Missing the Kustomer API key: set api_key under [sources.kustomer] in "
            ".dlt/secrets.toml or the environment variable SOURCES__KUSTOMER__API_KEY "
            "(or run with --demo)."
        )
    return f"Missing setting(s) {fields} under [sources.kustomer] in .dlt/config.toml"


def root_cause_message(exc: BaseException) -> str:
    """The first KustomerError (or the innermost error) behind a failed pipeline step."""
    seen: BaseException | None = exc
    innermost = exc
    while seen is not None:
        if isinstance(seen, KustomerError):
            return str(seen)
        if isinstance(seen, ConfigFieldMissingException):
            return missing_setting_message(seen)
        innermost = seen
        seen = seen.__cause__ or seen.__context__
    return f"{type(innermost).__name__}: {innermost}"


def step_outcome(step: str) -> str:
    """What a run that failed in `step` left behind, and what the next run does."""
    if step == "extract":
        return (
            "Nothing was loaded and no state was saved: the next run starts where the last "
            "complete one ended"
        )
    return (
        "What this run read is kept in the pipeline's working dir: the next run loads it first "
        "(or, if it was partly loaded, undoes it and reads those changes again)"
    )


def stopped_in(args: argparse.Namespace) -> str:
    """The step a failed run stopped in, from the packages it left in the working dir."""
    name = "kustomer_demo" if args.demo else "kustomer"
    working_dir = Path(args.pipelines_dir or get_dlt_pipelines_dir()) / name
    if any((working_dir / "load" / "normalized").glob("*/schema.json")):
        return "load"
    if any((working_dir / "normalize" / "extracted").glob("*/schema.json")):
        return "normalize"
    return "extract"


def disk_full(exc: BaseException, step: str) -> str | None:
    """One line for a run that a full disk stopped (ENOSPC anywhere behind `exc`), else None."""
    seen: BaseException | None = exc
    while seen is not None:
        if (isinstance(seen, OSError) and seen.errno == errno.ENOSPC) or (
            "No space left on device" in str(seen)
        ):
            quoted = re.search(r'"(/[^"]+)"', str(seen))
            where = getattr(seen, "filename", None) or (quoted.group(1) if quoted else None)
            at = f" writing {where}" if where else ""
            return f"The disk is full (No space left on device{at}) during {step}"
        seen = seen.__cause__ or seen.__context__
    return None


def fail(
    message: str,
    args: argparse.Namespace,
    started: datetime,
    exc: PipelineStepFailed | None = None,
) -> int:
    """Prints the error; with --summary-json also writes a failed run's summary."""
    print(f"error: {message}", file=sys.stderr)
    if args.summary_json:
        pipeline = exc.pipeline if exc is not None else None
        step = exc.step if exc is not None else None
        summary = failed(pipeline, started, message, step, failed_object(exc))
        summary.write_json(args.summary_json)
    return 1


def failed_object(exc: BaseException | None) -> str | None:
    """The resource (object) whose reader raised behind a failed step, if one did."""
    while exc is not None:
        name = getattr(exc, "resource_name", None)
        if isinstance(name, str):
            return name
        exc = exc.__cause__ or exc.__context__
    return None


if __name__ == "__main__":
    sys.exit(main())
