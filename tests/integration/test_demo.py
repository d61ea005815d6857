"""The README's main job: the demo command, end to end, in an empty directory."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
from helpers.loading import REPO, DemoRun, snake

from kustomer_source import CATALOG


def test_demo_loads_every_object_into_kustomer_demo_duckdb(demo: DemoRun) -> None:
    assert demo.returncode == 0, demo.stderr[-3000:]
    db = demo.workdir / "kustomer_demo.duckdb"
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
            assert f"\n{table} " in demo.stdout, f"{table} missing from the summary"
        created = con.execute(
            "select data_type from information_schema.columns where table_schema='kustomer_data' "
            "and table_name='conversations' and column_name='created_at'"
        ).fetchone()
        assert created == ("TIMESTAMP WITH TIME ZONE",)
        assert_relationship_columns_filled(con)
    assert "duckdb " in demo.stdout and "kustomer_demo.duckdb" in demo.stdout
    assert not (demo.workdir / "kustomer.duckdb").exists()  # the real org's file is not touched


def assert_relationship_columns_filled(con: duckdb.DuckDBPyConnection) -> None:
    """Every object that documents a to-one relationship holds its `<name>_id` column, filled on
    some rows (`org_id` on all), and every to-many one its child table of ids."""
    for table, obj in CATALOG.items():
        (rows,) = con.execute(f"select count(*) from kustomer_data.{table}").fetchone()  # type: ignore[misc]
        for name, rel in obj.relationships.items():
            if rel.kind == "one" and not obj.language_prefix(name):
                column = f"{snake(name)}_id"
                (filled,) = con.execute(
                    f"select count({column}) from kustomer_data.{table}"
                ).fetchone()  # type: ignore[misc]
                wanted = rows if name == "org" else 1
                assert filled >= wanted, f"{table}.{column}: {filled} of {rows} rows filled"
            elif rel.kind == "many" or obj.language_prefix(name):
                child = f"{table}__{snake(obj.language_prefix(name) or name)}_ids"
                (ids,) = con.execute(f"select count(*) from kustomer_data.{child}").fetchone()  # type: ignore[misc]
                assert ids > 0, f"{child} holds no ids"


def test_demo_output_is_short_without_a_terminal(demo: DemoRun) -> None:
    assert demo.returncode == 0, demo.stderr[-3000:]
    lines = demo.stdout.splitlines()
    assert len(lines) < 100, demo.stdout
    assert "warning" not in (demo.stdout + demo.stderr).lower()
    # one progress line per step, not one per table
    # 48 objects, a table per Klass, tags, SLAs, ...: every resource extracted
    assert any(re.match(r"Extract kustomer: (\d+)/\1 resources", line) for line in lines)
    assert any(line.startswith("Load kustomer") and " jobs" in line for line in lines)
    assert "\r" not in demo.stdout  # no bar redrawn into a file
    # --pipelines-dir holds the demo's state, and dlt's default pipelines dir nothing
    assert (demo.pipelines_dir / "kustomer_demo" / "state.json").exists()
    assert not (demo.root / "dlt_data" / "pipelines" / "kustomer_demo").exists()


def test_demo_draws_a_live_bar_on_a_terminal(tmp_path: Path) -> None:
    """stdout is a pseudo-terminal: the progress is a bar redrawn in place (\\r)."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # rows, cols
    try:
        proc = subprocess.Popen(
            [sys.executable, str(REPO / "pipelines" / "kustomer_pipeline.py"), "--demo",
             "--demo-scale", "15", "--objects", "brands,notes",
             "--pipelines-dir", str(tmp_path / "pipelines")],
            cwd=tmp_path, stdout=follower, stderr=subprocess.PIPE,
        )  # fmt: skip
        os.close(follower)
        screen = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process is done
                break
            if not chunk:
                break
            screen += chunk
        assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        os.close(leader)
    text = screen.decode(errors="replace")
    assert "\r" in text and "Extract kustomer: Resources" in text
    assert "Extract kustomer: 2/2 resources" in text  # the line the bar leaves behind


def test_a_second_demo_asks_its_own_sandbox_for_klasses_and_metadata(
    demo: DemoRun, tmp_path: Path
) -> None:
    """Each demo is a new sandbox on a new port: the last demo's state, which names the last
    sandbox, must not stop this one from reading its Klasses and attribute metadata."""
    again = demo.copy(tmp_path)
    out = subprocess.run(
        [sys.executable, str(REPO / "pipelines" / "kustomer_pipeline.py"), "--demo",
         "--demo-scale", "15", "--objects", "kobject_ecomm_order,custom_attributes,brands",
         "--pipelines-dir", str(again.pipelines_dir)],
        cwd=again.workdir, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-3000:]
    assert "skipped" not in out.stdout + out.stderr, out.stdout[-3000:]
    with duckdb.connect(str(again.workdir / "kustomer_demo.duckdb"), read_only=True) as con:
        for table in ("kobject_ecomm_order", "custom_attributes"):
            (rows,) = con.execute(f"select count(*) from kustomer_data.{table}").fetchone() or (0,)
            assert rows > 0, table
