"""The test PostgreSQL server: its DSN (from `scripts/start_postgres.sh`, which `.ci/run` calls)
and dropping a dataset a test made there."""

from __future__ import annotations

import os

import pytest

DSN_VARIABLE = "KUSTOMER_TEST_POSTGRES"


def postgres_dsn() -> str:
    """The server's DSN from KUSTOMER_TEST_POSTGRES. Without it the test skips on a developer's
    machine, and fails under CI."""
    dsn = os.environ.get(DSN_VARIABLE)
    if not dsn:
        message = (
            f"{DSN_VARIABLE} is not set: start a server with "
            '`eval "$(scripts/start_postgres.sh)"` (.ci/run does)'
        )
        if os.environ.get("CI"):
            pytest.fail(f"under CI PostgreSQL must run: {message}")
        pytest.skip(message)
    return dsn


def drop_dataset(dsn: str, dataset: str) -> None:
    """Drops the dataset's schema and its staging schema."""
    import psycopg2

    with psycopg2.connect(dsn) as con, con.cursor() as cur:
        for schema in (dataset, f"{dataset}_staging"):
            cur.execute(f"drop schema if exists {schema} cascade")
    con.close()
