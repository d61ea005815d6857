"""Support metrics over a loaded Kustomer dataset: dbt models (kustomer_analytics/dbt), a summary,
a PNG page of charts and an HTML page; without dbt, lighter DuckDB views.

`python pipelines/kustomer_report.py` or `kustomer-dlt report` runs it (`kustomer_analytics.cli`).
"""

from .charts import render
from .dbt_runner import BuildError, DuckDBTarget, PostgresTarget, available, build
from .models import ModelData, read
from .views import REPORT_SCHEMA, ReportData, ReportError, collect, create_views, summary_text

__all__ = [
    "REPORT_SCHEMA",
    "BuildError",
    "DuckDBTarget",
    "ModelData",
    "PostgresTarget",
    "ReportData",
    "ReportError",
    "available",
    "build",
    "collect",
    "create_views",
    "read",
    "render",
    "summary_text",
]
