"""`kustomer-dlt report` and `python pipelines/kustomer_report.py`: support metrics of a Kustomer
org loaded by the pipeline, as dbt models, a summary, a PNG page of charts and an HTML page.

With dbt installed (pip install -e '.[analytics]') it runs `dbt build` of the project in
kustomer_analytics/dbt on the dataset - the models with their tests, business hours from the org's
default schedule - into the schema kustomer_reports, then prints the headline numbers and writes
kustomer_report.png and kustomer_report.html. On DuckDB without dbt it makes the lighter metric
views instead (calendar time only) and says how to install dbt. Run it after a load, e.g.:

    python pipelines/kustomer_pipeline.py --demo
    python pipelines/kustomer_report.py      # ./kustomer.duckdb, else ./kustomer_demo.duckdb
    python pipelines/kustomer_report.py --postgres postgresql://user:password@host:5432/db
    duckdb kustomer_demo.duckdb "select * from kustomer_reports.kustomer__team_summary"

docs/report.md lists the models, one line each.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from . import charts, dbt_runner, models, page
from .views import REPORT_SCHEMA, ReportError, collect, create_views, duration, summary_text


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
        "--postgres",
        nargs="?",
        const="",
        metavar="DSN",
        help="build on PostgreSQL instead: a DSN (postgresql://user:password@host:5432/db), or "
        "none to use dlt's DESTINATION__POSTGRES__CREDENTIALS",
    )
    parser.add_argument(
        "--dataset", default="kustomer_data", help="dataset (schema) the pipeline loaded"
    )
    parser.add_argument(
        "--schema",
        default=REPORT_SCHEMA,
        help=f"schema for the models (default {REPORT_SCHEMA})",
    )
    parser.add_argument(
        "--out", default="kustomer_report.png", help="PNG to write (default ./kustomer_report.png)"
    )
    parser.add_argument(
        "--html",
        default="kustomer_report.html",
        help="HTML page to write (default ./kustomer_report.html)",
    )
    parser.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental conversation model whole (after changing the schedule)",
    )
    parser.add_argument(
        "--views",
        action="store_true",
        help="DuckDB only: make the light metric views, without dbt",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        target = choose_target(args)
        use_dbt = dbt_runner.available() and not args.views
        if isinstance(target, dbt_runner.PostgresTarget) and not use_dbt:
            return fail(f"the report on PostgreSQL is the dbt models, which need dbt: "
                        f"{dbt_runner.INSTALL_HINT}")  # fmt: skip
        if use_dbt:
            board, data = report_with_dbt(target, args)
        else:
            assert isinstance(target, dbt_runner.DuckDBTarget)
            board, data = report_with_views(target.path, args), None
        png = Path(args.out)
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(charts.draw(board).png())
        html = page.write(board, args.html, data)
    except (ReportError, dbt_runner.BuildError) as exc:
        return fail(str(exc))
    except Exception as exc:  # a database that cannot be opened (locked, refused)
        if type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb", "psycopg2"):
            return fail(f"cannot open {getattr(args, 'duckdb', None) or 'the database'}: {exc}")
        raise
    print(f"\nWrote {png} and {html}")
    return 0


def choose_target(args: argparse.Namespace) -> dbt_runner.Target:
    if args.postgres is not None:
        dsn = args.postgres or postgres_dsn_from_dlt()
        if not dsn:
            raise ReportError(
                "no PostgreSQL DSN: --postgres postgresql://user:password@host:5432/db, or set "
                "DESTINATION__POSTGRES__CREDENTIALS"
            )
        return dbt_runner.PostgresTarget(dsn)
    db = Path(args.duckdb or default_duckdb())
    if not db.is_file():
        raise ReportError(
            f"no DuckDB file at {db}: load one first, e.g. python pipelines/kustomer_pipeline.py "
            "--demo"
        )
    return dbt_runner.DuckDBTarget(db)


def open_warehouse(target: dbt_runner.Target, read_only: bool = True) -> models.Warehouse:
    if isinstance(target, dbt_runner.DuckDBTarget):
        return models.DuckDBWarehouse(target.path, read_only=read_only)
    return models.PostgresWarehouse(target.dsn)


def report_with_dbt(
    target: dbt_runner.Target, args: argparse.Namespace
) -> tuple[charts.Dashboard, models.ModelData]:
    wh = open_warehouse(target)
    try:
        found = wh.query(
            "select count(*) as n from information_schema.tables "
            f"where table_schema = '{models.ident(args.dataset)}' and table_name = 'conversations'"
        )
    finally:
        wh.close()
    if not found[0]["n"]:
        raise ReportError(
            f"no table {args.dataset}.conversations: load conversations first, e.g. "
            "python pipelines/kustomer_pipeline.py --demo"
        )
    print(f"Building the dbt models in {args.schema} of {target.describe()} ...", flush=True)
    result = dbt_runner.build(target, args.dataset, args.schema, full_refresh=args.full_refresh)
    print(result.line() + "\n")
    wh = open_warehouse(target)
    try:
        data = models.read(wh, args.schema)
    finally:
        wh.close()
    print(models_summary_text(data))
    return charts.from_models(data), data


def report_with_views(db: Path, args: argparse.Namespace) -> charts.Dashboard:
    import duckdb

    with duckdb.connect(str(db)) as con:
        views = create_views(con, args.dataset, args.schema)
        data = collect(con, args.schema)
    print(
        f"note: without dbt, the light report: views in {args.schema} of {db}: "
        f"{', '.join(views)}.\n      The dbt models (business hours, SLAs, agents, teams) need "
        f"dbt: {dbt_runner.INSTALL_HINT}\n"
    )
    print(summary_text(data))
    return charts.from_views(data)


def models_summary_text(data: models.ModelData) -> str:
    s = data.summary
    lines = [
        f"conversations {s['conversations']} ({s['open_now']} open), "
        f"created {s['first_day']} .. {s['last_day']} (UTC)",
        f"first response: median {duration(s['median_first_reply_calendar_minutes'])} "
        f"({duration(s['median_first_reply_business_minutes'])} in business hours)"
        f"   full resolution: median {duration(s['median_full_resolution_calendar_minutes'])} "
        f"({duration(s['median_full_resolution_business_minutes'])} in business hours)",
        f"CSAT {_pct(s['csat_pct'])} ({s['rated']} rated)"
        f"   first contact resolution {_pct(s['fcr_pct'])} ({s['fcr_eligible']} eligible)"
        f"   SLA breached {s['sla_breached']} (of {s['sla_conversations']} tracked)",
        "",
        f"{'team':22} {'convs':>5} {'1st reply biz':>13} {'cal.':>8} {'resol. biz':>10} "
        f"{'cal.':>8} {'rated':>5} {'CSAT':>5} {'FCR':>5}",
    ]
    for r in data.teams:
        lines.append(
            f"{str(r['team_name'])[:22]:22} {r['conversations']:>5} "
            f"{duration(r['median_first_reply_business_minutes']):>13} "
            f"{duration(r['median_first_reply_calendar_minutes']):>8} "
            f"{duration(r['median_full_resolution_business_minutes']):>10} "
            f"{duration(r['median_full_resolution_calendar_minutes']):>8} "
            f"{r['rated']:>5} {_pct(r['csat_pct']):>5} {_pct(r['fcr_pct']):>5}"
        )
    return "\n".join(lines)


def _pct(value: Any) -> str:
    return "-" if value is None else f"{value:.0f}%"


def postgres_dsn_from_dlt() -> str:
    """dlt's PostgreSQL credentials: DESTINATION__POSTGRES__CREDENTIALS, else .dlt/secrets.toml."""
    dsn = os.environ.get("DESTINATION__POSTGRES__CREDENTIALS", "")
    if dsn:
        return dsn
    try:
        import dlt

        value: Any = dlt.secrets.get("destination.postgres.credentials")
    except Exception:  # no secrets file, or one dlt cannot read
        return ""
    return value if isinstance(value, str) else ""


def default_duckdb() -> str:
    """The org's file the pipeline writes, or the demo's when only the demo has run here."""
    for name in ("kustomer.duckdb", "kustomer_demo.duckdb"):
        if Path(name).is_file():
            return name
    return "kustomer.duckdb"


def fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 1
