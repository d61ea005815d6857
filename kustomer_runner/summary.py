"""What one run of the pipeline did, per object: rows loaded by this run, rows now held, the
cursor it started from and where it ended, skipped objects and why, time taken.

Built after a run from dlt's own records of it: the trace's normalize row counts (rows per table
that this run loaded), each incremental resource's bound cursor (`start_value` is where the run
started, `last_value` where it ended), the resources' custom metrics (the source writes the
reason there when it skips an object) and the load packages. Rows held are counted in the
destination. `RunSummary.text()` is what the pipeline script prints, `as_dict()` the same as
JSON for schedulers and alerts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

import dlt
from dlt.extract.source import DltSource

from kustomer_source.api.times import api_time, parse_api_time
from kustomer_source.catalog import CATALOG
from kustomer_source.metrics import (
    COMPARED_TO_METRIC,
    NOTE_METRIC,
    RELOADED_METRIC,
    REMOVED_METRIC,
    SKIP_METRIC,
)

from .lake import is_filesystem

__all__ = ["ObjectResult", "RunSummary", "failed", "summarize"]


ObjectStatus = Literal["loaded", "unchanged", "empty", "skipped"]


@dataclass
class ObjectResult:
    """One object in one run."""

    name: str
    sync: str
    """replace, merge or append: how the table takes the rows."""
    status: ObjectStatus
    rows_loaded: int
    """Records of this object loaded by the run (for an incremental object: new or changed since
    its cursor, plus those it reads again at and just before the cursor, merged on id)."""
    child_rows_loaded: int
    rows_held: int | None
    """Records the table holds after the run (None where they could not be counted)."""
    cursor_field: str | None = None
    cursor_from: str | None = None
    """The cursor the run started from (None on a first load)."""
    cursor_to: str | None = None
    range_end: str | None = None
    """The end of a bounded, stateless range (`end_date`, a backfill chunk)."""
    skip_reason: str | None = None
    note: str | None = None
    """What a reader with a cursor of its own (not dlt's) read: `NOTE_METRIC`."""
    removed: int | None = None
    """Records found gone from the org this run (deleted, merged, expired), None when the
    destination was not compared with the org (`kustomer_source.read.reconcile`)."""
    reloaded: int | None = None
    """Records the comparison found missing or stale in the destination and loaded again."""
    compared_to: str | None = None
    """Where a comparison that spent the run's searches got (`createdAt`); the next run goes on."""

    @property
    def incremental(self) -> bool:
        return self.cursor_field is not None

    def change_text(self) -> str:
        """The object's line in the summary's last column."""
        if self.status == "skipped":
            return f"skipped: {self.skip_reason}"
        if not self.incremental:
            return self.note or "read in full"
        if self.range_end is not None:
            return f"range {self.cursor_from or 'start'} .. {self.range_end}"
        if self.cursor_from is None:
            return f"first load, cursor now {self.cursor_to}" if self.cursor_to else "first load"
        if self.status == "unchanged":
            again = ""
            if self.rows_loaded:
                again = f" ({self.rows_loaded:,} read again to be sure none was missed)"
            return f"no changes since {self.cursor_from}{again}"
        return f"{self.cursor_from} -> {self.cursor_to}"

    def removal_text(self) -> str:
        """What the comparison with the org found, as a suffix of the summary line."""
        if self.removed is None:
            return ""
        checked = "checked against the org"
        if self.compared_to:
            checked += f" up to created {self.compared_to} (the next run goes on)"
        if not self.removed and not self.reloaded:
            return f"; {checked}: nothing gone"
        return f"; {checked}: {self.removed} gone, {self.reloaded} loaded again"


@dataclass
class RunSummary:
    """One run (or the chunks of one backfill) of the pipeline."""

    pipeline: str
    destination: str
    dataset: str
    started_at: str
    finished_at: str
    duration_s: float
    status: Literal["ok", "failed"] = "ok"
    exit_code: int = 0
    error: str | None = None
    failed_step: str | None = None
    failed_object: str | None = None
    steps_s: dict[str, float] = field(default_factory=dict)
    load_ids: list[str] = field(default_factory=list)
    objects: list[ObjectResult] = field(default_factory=list)

    @property
    def skipped(self) -> list[ObjectResult]:
        return [obj for obj in self.objects if obj.status == "skipped"]

    @property
    def nothing_changed(self) -> bool:
        """True when every incremental object of the run found nothing after its cursor (and
        the run had at least one; replace objects are read in full whatever changed), and the
        comparison with the org found no record gone or missing."""
        tracked = [obj for obj in self.objects if obj.incremental and obj.status != "skipped"]
        return (
            self.status == "ok"
            and bool(tracked)
            and all(obj.status == "unchanged" for obj in tracked)
            and not any(obj.removed or obj.reloaded for obj in tracked)
        )

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["nothing_changed"] = self.nothing_changed
        out["skipped"] = [obj.name for obj in self.skipped]
        return out

    def write_json(self, path: str) -> None:
        """The summary as JSON into `path` (`-` for stdout)."""
        text = json.dumps(self.as_dict(), indent=2, default=str)
        if path == "-":
            print(text)
        else:
            Path(path).write_text(text + "\n")

    def text(self) -> str:
        """The summary as the pipeline script prints it."""
        if self.status == "failed":
            where = f" in {self.failed_step}" if self.failed_step else ""
            what = f" (object {self.failed_object})" if self.failed_object else ""
            return f"Run FAILED{where}{what} after {self.duration_s:.1f} s: {self.error}"
        width = max([len("object")] + [len(obj.name) for obj in self.objects]) + 2
        lines = [f"{'object':{width}}{'sync':8}{'loaded':>9}{'child rows':>12}{'held':>9}  changes"]
        for obj in self.objects:
            held = "?" if obj.rows_held is None else f"{obj.rows_held:,}"
            lines.append(
                f"{obj.name:{width}}{obj.sync:8}{obj.rows_loaded:>9,}"
                f"{obj.child_rows_loaded:>12,}{held:>9}  {obj.change_text()}{obj.removal_text()}"
            )
        loaded = sum(obj.rows_loaded for obj in self.objects)
        children = sum(obj.child_rows_loaded for obj in self.objects)
        held_total = sum(obj.rows_held or 0 for obj in self.objects)
        lines.append(f"{'total':{width}}{'':8}{loaded:>9,}{children:>12,}{held_total:>9,}")
        lines.append("")
        packages = f"{len(self.load_ids)} load package{'s' * (len(self.load_ids) != 1)}"
        steps = ", ".join(f"{step} {secs:.1f} s" for step, secs in self.steps_s.items())
        lines.append(
            f"{packages} into {self.destination} dataset {self.dataset} in "
            f"{self.duration_s:.1f} s" + (f" ({steps})" if steps else "")
        )
        if self.nothing_changed:
            cursors = ", ".join(
                f"{obj.name} {obj.cursor_field} {obj.cursor_from}"
                for obj in self.objects
                if obj.incremental and obj.status == "unchanged"
            )
            full = any(not obj.incremental for obj in self.objects)
            lines.append(
                f"Nothing changed since the last run: no records after {cursors}"
                + ("; the other objects were read again in full." if full else ".")
            )
        for obj in self.skipped:
            lines.append(f"warning: {obj.name} skipped: {obj.skip_reason}")
        return "\n".join(lines)


def summarize(
    pipeline: dlt.Pipeline,
    sources: Sequence[DltSource],
    started: datetime,
    traces: Sequence[Any],
) -> RunSummary:
    """The summary of a run that loaded `sources` (one, or a backfill's chunks in order);
    `traces` are the pipeline's traces of those runs (`pipeline.last_trace` after each)."""
    finished = datetime.now(timezone.utc)
    row_counts: dict[str, int] = {}
    steps: dict[str, float] = {}
    load_ids: list[str] = []
    for trace in traces:
        normalized = trace.last_normalize_info if trace else None
        for table, count in (normalized.row_counts if normalized else {}).items():
            row_counts[table] = row_counts.get(table, 0) + count
        for step in trace.steps if trace else []:
            if step.step in ("extract", "normalize", "load") and step.finished_at:
                took = (step.finished_at - step.started_at).total_seconds()
                steps[step.step] = steps.get(step.step, 0.0) + took
        loaded = trace.last_load_info if trace else None
        load_ids += [i for i in (loaded.loads_ids if loaded else []) if i not in load_ids]
    # every object a source loaded (a chunked first load's final run leaves out those read whole)
    names = sorted({name for source in sources for name in source.selected_resources})
    held = rows_held(pipeline, names)
    if not any(trace and trace.last_normalize_info for trace in traces):
        row_counts = rows_of_loads(pipeline, names, load_ids)
    # the catalog's objects and the org's own beyond them (KObject tables, tags, SLAs, ...)
    objects = [object_result(name, sources, row_counts, held.get(name)) for name in names]
    return RunSummary(
        pipeline=pipeline.pipeline_name,
        destination=destination_name(pipeline),
        dataset=pipeline.dataset_name,
        started_at=started.isoformat(),
        finished_at=finished.isoformat(),
        duration_s=round((finished - started).total_seconds(), 3),
        steps_s={step: round(secs, 3) for step, secs in steps.items()},
        load_ids=load_ids,
        objects=objects,
    )


def failed(
    pipeline: Any,
    started: datetime,
    error: str,
    step: str | None = None,
    object_name: str | None = None,
) -> RunSummary:
    """The summary of a run that stopped with `error`."""
    finished = datetime.now(timezone.utc)
    return RunSummary(
        pipeline=pipeline.pipeline_name if pipeline else "",
        destination=destination_name(pipeline) if pipeline else "",
        dataset=(pipeline.dataset_name if pipeline else "") or "",
        started_at=started.isoformat(),
        finished_at=finished.isoformat(),
        duration_s=round((finished - started).total_seconds(), 3),
        status="failed",
        exit_code=1,
        error=error,
        failed_step=step,
        failed_object=object_name,
    )


def object_result(
    name: str, sources: Sequence[DltSource], row_counts: dict[str, int], held: int | None
) -> ObjectResult:
    """One object's line: its rows from the trace, its cursor from the bound incremental."""
    obj = CATALOG.get(name)
    resources = [source.resources[name] for source in sources if name in source.resources]
    hint: Any = resources[0].write_disposition if resources else "replace"
    disposition = str(hint.get("disposition", "merge") if isinstance(hint, dict) else hint)
    skip = next((r.custom_metrics.get(SKIP_METRIC) for r in resources if r.custom_metrics), None)
    note = next((r.custom_metrics.get(NOTE_METRIC) for r in resources if r.custom_metrics), None)
    removed = [
        r.custom_metrics[REMOVED_METRIC] for r in resources if REMOVED_METRIC in r.custom_metrics
    ]
    reloaded = [
        r.custom_metrics[RELOADED_METRIC] for r in resources if RELOADED_METRIC in r.custom_metrics
    ]
    loaded = row_counts.get(name, 0)
    children = sum(n for table, n in row_counts.items() if table.startswith(name + "__"))
    result = ObjectResult(
        name=name,
        sync=obj.write_disposition if obj else disposition,
        status="skipped" if skip else ("loaded" if loaded else "empty"),
        rows_loaded=loaded,
        child_rows_loaded=children,
        rows_held=held,
        skip_reason=skip,
        note=note,
        removed=sum(removed) if removed else None,
        reloaded=sum(reloaded) if reloaded else None,
        compared_to=next(
            (
                r.custom_metrics[COMPARED_TO_METRIC]
                for r in resources
                if COMPARED_TO_METRIC in r.custom_metrics
            ),
            None,
        ),
    )
    bound = [
        r.incremental.incremental
        for r in resources
        if r.incremental and r.incremental.incremental is not None
    ]
    cursor = obj.cursor if obj else (bound[0].cursor_path if bound else None)
    if cursor and bound:
        result.cursor_field = cursor
        result.cursor_from = _unlagged(bound[0])
        result.cursor_to = _text(bound[-1].last_value)
        result.range_end = _text(bound[-1].end_value)
        if not skip and result.cursor_from is not None and result.range_end is None:
            result.status = "unchanged" if result.cursor_to == result.cursor_from else "loaded"
    return result


def _unlagged(incremental: Any) -> str | None:
    """The cursor a run started from: the incremental's start value, less dlt's `lag` (the
    lookback every run re-reads before the cursor), in the API's time format."""
    start = incremental.start_value
    lag = getattr(incremental, "lag", None)
    if start is None or not lag or incremental.end_value is not None:
        return _text(start)
    return api_time(parse_api_time(str(start)) + timedelta(seconds=float(lag)))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def destination_name(pipeline: dlt.Pipeline) -> str:
    destination = pipeline.destination
    return destination.destination_name if destination is not None else ""


def rows_held(pipeline: dlt.Pipeline, tables: Iterable[str]) -> dict[str, int]:
    """How many rows each of these tables holds in the destination (those it has)."""
    tables = [t for t in tables if t in pipeline.default_schema.tables]
    try:
        if is_filesystem(pipeline):
            return {name: count for name, count in _delta_counts(pipeline, tables, None).items()}
        return _sql_counts(pipeline, tables, None)
    except Exception:  # noqa: BLE001 - a summary never fails a run that loaded
        return {}


def rows_of_loads(
    pipeline: dlt.Pipeline, tables: Iterable[str], load_ids: list[str]
) -> dict[str, int]:
    """Rows of these load packages in each table, counted in the destination: for runs whose
    trace has no normalize step (the Delta path runs dlt's steps one by one)."""
    tables = [t for t in tables if t in pipeline.default_schema.tables]
    if not load_ids:
        return {}
    try:
        if is_filesystem(pipeline):
            return _delta_counts(pipeline, tables, load_ids)
        return _sql_counts(pipeline, tables, load_ids)
    except Exception:  # noqa: BLE001 - a summary never fails a run that loaded
        return {}


def _sql_counts(
    pipeline: dlt.Pipeline, tables: list[str], load_ids: list[str] | None
) -> dict[str, int]:
    counts: dict[str, int] = {}
    with pipeline.sql_client() as client:
        for table in tables:
            where = ""
            if load_ids:
                where = " where _dlt_load_id in (" + ", ".join("%s" for _ in load_ids) + ")"
            try:
                found = client.execute_sql(
                    f"select count(*) from {client.make_qualified_table_name(table)}{where}",
                    *(load_ids or []),
                )
            except Exception:  # noqa: BLE001 - a table dlt knows of but never created
                continue
            counts[table] = int(found[0][0]) if found else 0
    return counts


def _delta_counts(
    pipeline: dlt.Pipeline, tables: list[str], load_ids: list[str] | None
) -> dict[str, int]:
    import pyarrow.compute as pc
    import pyarrow.dataset as ds
    from dlt.common.libs.deltalake import get_delta_tables

    counts: dict[str, int] = {}
    for name, table in get_delta_tables(pipeline, *tables).items():
        dataset = table.to_pyarrow_dataset()
        condition = None
        if load_ids:
            condition = pc.is_in(ds.field("_dlt_load_id"), value_set=pc.array(load_ids))
        counts[name] = int(dataset.count_rows(filter=condition))
    return counts


def report(
    args: Any,
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
