"""The analytics models built once per test session on the session sandbox's full load."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from kustomer_analytics import dbt_runner

from .loading import LoadedDataset, made_once


def built_full_load(full_load: LoadedDataset, factory: pytest.TempPathFactory) -> Path:
    """The session sandbox's full load with the models built on it, once per session."""

    def make(here: Path) -> None:
        shutil.copyfile(full_load.db_path, here / "kustomer.duckdb")
        result = dbt_runner.build(dbt_runner.DuckDBTarget(here / "kustomer.duckdb"))
        (here / "build.json").write_text(json.dumps(result.statuses))

    return made_once(factory, "analytics-full-load", make) / "kustomer.duckdb"
