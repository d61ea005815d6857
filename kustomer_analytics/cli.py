"""`kustomer-dlt report` and `python pipelines/kustomer_report.py`: support metrics from a Kustomer
org loaded into DuckDB, as views, a summary and a one-page chart.

Creates (or refreshes) the metric views in the schema `kustomer_reports` of the DuckDB file,
prints a short summary and writes a PNG with the charts. Run it after a load, e.g.:

    python pipelines/kustomer_pipeline.py --demo
    python pipelines/kustomer_report.py   # ./kustomer.duckdb, else ./kustomer_demo.duckdb
    duckdb kustomer_demo.duckdb "select * from kustomer_reports.first_response_by_team"

The views and what each metric means are described in kustomer_analytics/views.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

from .charts import render
from .views import REPORT_SCHEMA, ReportError, collect, create_views, summary_text


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--duckdb",
        help="the DuckDB file (default ./kustomer.duckdb, the org's; else ./kustomer_demo.duckdb, "
        "the demo's)",
    )
    parser.add_argument(
        "--dataset", default="kustomer_data", help="dataset (schema) the pipeline loaded"
    )
    parser.add_argument(
        "--schema", default=REPORT_SCHEMA, help=f"schema for the views (default {REPORT_SCHEMA})"
    )
    parser.add_argument(
        "--out", default="kustomer_report.png", help="PNG to write (default ./kustomer_report.png)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    db = Path(args.duckdb or default_duckdb())
    if not db.is_file():
        return fail(
            f"no DuckDB file at {db}: load one first, e.g. python pipelines/kustomer_pipeline.py "
            "--demo"
        )
    try:
        with duckdb.connect(str(db)) as con:
            views = create_views(con, args.dataset, args.schema)
            data = collect(con, args.schema)
        print(f"Views in {args.schema} of {db}: {', '.join(views)}\n")
        print(summary_text(data))
        out = render(data, args.out)
    except ReportError as exc:
        return fail(str(exc))
    except duckdb.IOException as exc:  # e.g. the file is open in another process
        return fail(f"cannot open {db}: {exc}")
    print(f"\nWrote {out}")
    return 0


def default_duckdb() -> str:
    """The org's file the pipeline writes, or the demo's when only the demo has run here."""
    for name in ("kustomer.duckdb", "kustomer_demo.duckdb"):
        if Path(name).is_file():
            return name
    return "kustomer.duckdb"


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1
