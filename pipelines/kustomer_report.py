"""Support metrics of a Kustomer org the pipeline loaded: dbt models (with their tests), a summary,
a PNG page of charts and an HTML page.

    python pipelines/kustomer_pipeline.py --demo
    pip install -e '.[analytics]'           # dbt; without it, lighter DuckDB views
    python pipelines/kustomer_report.py     # ./kustomer.duckdb, else ./kustomer_demo.duckdb
    python pipelines/kustomer_report.py --postgres postgresql://user:password@host:5432/db

The command lives in `kustomer_analytics.cli` (also `kustomer-dlt report`); `--help` lists options.
"""

import sys

from kustomer_analytics.cli import main

if __name__ == "__main__":
    sys.exit(main())
