"""Fixtures of the destination tests: moto's S3 server and a bucket on it, and a dataset of the
test's own on the test PostgreSQL server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import postgres
from helpers.readers import PostgresReader
from helpers.s3 import KEY_ID, SECRET, moto_server


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server on 127.0.0.1, a subprocess for the whole session."""
    with moto_server(tmp_path_factory.mktemp("moto") / "moto.log") as url:
        yield url


@pytest.fixture
def bucket(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A new bucket, configured for dlt exactly as `.dlt/` would: [destination.filesystem]."""
    import boto3

    name = f"kustomer-{uuid.uuid4().hex[:10]}"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket=name)
    for key, value in {
        "BUCKET_URL": f"s3://{name}",
        "CREDENTIALS__AWS_ACCESS_KEY_ID": KEY_ID,
        "CREDENTIALS__AWS_SECRET_ACCESS_KEY": SECRET,
        "CREDENTIALS__ENDPOINT_URL": s3_endpoint,
        "CREDENTIALS__REGION_NAME": "us-east-1",
    }.items():
        monkeypatch.setenv(f"DESTINATION__FILESYSTEM__{key}", value)
    # each table is a Delta commit of a few small requests: more of them in flight
    monkeypatch.setenv("LOAD__WORKERS", "12")
    s3.name = name
    return s3


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    return postgres.postgres_dsn()


@pytest.fixture
def warehouse(postgres_dsn: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[PostgresReader]:
    """A dataset (schema) of the test's own, configured as `.dlt/secrets.toml` would, dropped
    afterwards."""
    monkeypatch.setenv("DESTINATION__POSTGRES__CREDENTIALS", postgres_dsn)
    reader = PostgresReader(postgres_dsn, f"kustomer_{uuid.uuid4().hex[:10]}")
    yield reader
    postgres.drop_dataset(postgres_dsn, reader.dataset)
