"""The README's main job: the demo command, end to end, in an empty directory."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
from support import REPO

from kustomer_source import CATALOG


def test_demo_loads_every_object_into_kustomer_duckdb(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, str(REPO / "pipelines" / "kustomer_pipeline.py"), "--demo",
         "--demo-scale", "15", "--pipelines-dir", str(tmp_path / "pipelines")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    db = tmp_path / "kustomer.duckdb"
    assert db.exists()
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'kustomer_data'"
            ).fetchall()
        }
        assert set(CATALOG) <= tables
        for table in CATALOG:
            (count,) = con.execute(f"select count(*) from kustomer_data.{table}").fetchone()  # type: ignore[misc]
            assert count > 0, table
            assert f"\n{table} " in out.stdout, f"{table} missing from the summary"
        created = con.execute(
            "select data_type from information_schema.columns where table_schema='kustomer_data' "
            "and table_name='conversations' and column_name='created_at'"
        ).fetchone()
        assert created == ("TIMESTAMP WITH TIME ZONE",)
    assert "duckdb " in out.stdout and "kustomer.duckdb" in out.stdout
