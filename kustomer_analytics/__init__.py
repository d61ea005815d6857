"""Support metrics over a loaded Kustomer dataset: views, a summary and charts.

`python pipelines/kustomer_report.py` or `kustomer-dlt report` runs it (`kustomer_analytics.cli`).
"""

from .charts import render
from .views import REPORT_SCHEMA, ReportData, ReportError, collect, create_views, summary_text

__all__ = [
    "REPORT_SCHEMA",
    "ReportData",
    "ReportError",
    "collect",
    "create_views",
    "render",
    "summary_text",
]
