"""Support metrics from a Kustomer org loaded into DuckDB: views, a summary and a one-page chart.

    python pipelines/kustomer_pipeline.py --demo
    python pipelines/kustomer_report.py   # ./kustomer.duckdb, else ./kustomer_demo.duckdb

The command lives in `kustomer_analytics.cli` (also `kustomer-dlt report`); `--help` lists options.
"""

import sys

from kustomer_analytics.cli import main

if __name__ == "__main__":
    sys.exit(main())
