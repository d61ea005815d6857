"""Load a Kustomer org into DuckDB with the `kustomer` source (what `dlt init kustomer duckdb
--location <this repository>` copies into a project of your own).

Set `api_key` in .dlt/secrets.toml and `org` (your subdomain) in .dlt/config.toml under
[sources.kustomer], then run `python kustomer_pipeline.py`.
"""

import dlt
from kustomer import kustomer_source


def load_kustomer() -> None:
    """Every object of the org, incrementally merged, into the `kustomer_data` dataset."""
    pipeline = dlt.pipeline(
        pipeline_name="kustomer", destination="duckdb", dataset_name="kustomer_data"
    )
    info = pipeline.run(kustomer_source(), loader_file_format="parquet")
    print(info)


def load_some_objects() -> None:
    """Only conversations, their messages and the customers, from 2025 on."""
    pipeline = dlt.pipeline(
        pipeline_name="kustomer", destination="duckdb", dataset_name="kustomer_data"
    )
    source = kustomer_source(start_date="2025-01-01").with_resources(
        "conversations", "messages", "customers"
    )
    print(pipeline.run(source, loader_file_format="parquet"))


if __name__ == "__main__":
    load_kustomer()
