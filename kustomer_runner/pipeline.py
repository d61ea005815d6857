"""The run's dlt pipeline and destination: the org's (`kustomer`) or the demo's (`kustomer_demo`),
each with its own state, a DuckDB file opened once, and the loader file format."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.common.pipeline import get_dlt_pipelines_dir

from .progress import progress_for
from .tuning import DUCKDB_SETTINGS

ORG_PIPELINE = "kustomer"
DEMO_PIPELINE = "kustomer_demo"
ORG_DUCKDB = "kustomer.duckdb"
DEMO_DUCKDB = "kustomer_demo.duckdb"
DEFAULT_DATASET = "kustomer_data"
DEMO_DATASET_ELSEWHERE = "kustomer_demo"  # the demo's dataset on a destination other than DuckDB

PipelineFactory = Callable[..., dlt.Pipeline]
"""Makes the org's pipeline from `destination`, `dataset_name` and `progress` (keywords)."""


def org_pipeline(destination: Any, dataset_name: str, progress: Any) -> dlt.Pipeline:
    """The org's pipeline when no script supplies its own factory (the `kustomer-dlt` command)."""
    return dlt.pipeline(
        pipeline_name=ORG_PIPELINE,
        destination=destination,
        dataset_name=dataset_name,
        progress=progress,
    )


def make_pipeline(
    args: argparse.Namespace, destination: Any = None, new_pipeline: PipelineFactory = org_pipeline
) -> dlt.Pipeline:
    """The `kustomer` pipeline (`new_pipeline` makes it: `pipelines/kustomer_pipeline.py` passes
    one whose name `dlt deploy` can read). --pipelines-dir goes in as config, as `dlt deploy`
    refuses a non-literal `pipelines_dir`."""
    if destination is None:
        destination = args.destination
        if args.destination == "duckdb":
            destination = dlt.destinations.duckdb(str(Path.cwd() / ORG_DUCKDB))
    with pipelines_dir_setting(args.pipelines_dir):
        stale = local_state_of_other_dataset(ORG_PIPELINE, args)
        pipeline = new_pipeline(
            destination=destination,
            dataset_name=args.dataset,
            progress=progress_for(args.progress),
        )
    return pipeline.drop() if stale else pipeline


def make_demo_pipeline(args: argparse.Namespace, destination: Any = None) -> dlt.Pipeline:
    """The demo's `kustomer_demo` pipeline: its own state, never shared with a real org's."""
    with pipelines_dir_setting(args.pipelines_dir, DEMO_PIPELINE):
        stale = local_state_of_other_dataset(DEMO_PIPELINE, args)
        pipeline = dlt.pipeline(
            pipeline_name=DEMO_PIPELINE,
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
    limit = getattr(args, "duckdb_memory_limit", None) or DUCKDB_SETTINGS["memory_limit"]
    connection = duckdb.connect(duckdb_path, config={**DUCKDB_SETTINGS, "memory_limit": limit})
    try:
        yield dlt.destinations.duckdb(connection)
    finally:
        (tables,) = connection.execute("select count(*) from duckdb_tables()").fetchone() or (0,)
        connection.close()
        if created and not tables:  # a run that failed before loading leaves no empty file
            for leftover in (duckdb_path, duckdb_path + ".wal"):
                Path(leftover).unlink(missing_ok=True)


@contextmanager
def pipelines_dir_setting(path: str | None, name: str = ORG_PIPELINE) -> Iterator[None]:
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
