"""Every way the README and docs/reading.md give to read the data, run as written on a demo
load: the duckdb CLI, the duckdb Python package, the SQL examples, dlt's dataset in Python and
dlt's pipeline CLI."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from helpers.loading import REPO, DemoRun

README = (REPO / "README.md").read_text()
GUIDE = (REPO / "docs" / "reading.md").read_text()
BIN = Path(sys.executable).parent


def section(title: str) -> str:
    """docs/reading.md's text from the heading `## title` to the next `## ` heading."""
    start = GUIDE.index(f"\n## {title}\n")
    end = GUIDE.find("\n## ", start + 1)
    return GUIDE[start : end if end != -1 else None]


def blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


@pytest.fixture(scope="module")
def demo_here(
    demo: DemoRun, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, dict[str, str]]]:
    """The session's demo load, in a directory of this module's own (dlt may open the file for
    writing); the environment to read it with."""
    assert demo.returncode == 0, demo.stderr[-3000:]
    copy = demo.copy(tmp_path_factory.mktemp("demo"))
    here = copy.workdir
    # the project's .dlt/ beside it, as in a checkout where a user follows the README
    shutil.copytree(REPO / ".dlt", here / ".dlt")
    env = {**os.environ, "DLT_DATA_DIR": str(copy.data_dir)}
    yield here, env


def statuses(db: Path) -> dict[str | None, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.sql(
            "select status, count(*) from kustomer_data.conversations group by 1"
        ).fetchall()
    return {status: int(n) for status, n in rows}


def test_readme_duckdb_cli_and_python_commands(demo_here: tuple[Path, dict[str, str]]) -> None:
    here, env = demo_here
    commands = [
        line
        for block in blocks(README, "sh")
        for line in block.splitlines()
        if "kustomer_demo.duckdb" in line and not line.startswith("#")
    ]
    cli = next(line for line in commands if line.startswith("duckdb "))
    python = next(line for line in commands if line.startswith(".venv/bin/python -c"))
    expected = statuses(here / "kustomer_demo.duckdb")
    for command in (cli, python):
        argv = shlex.split(command)
        argv[0] = str(BIN / "duckdb") if argv[0] == "duckdb" else sys.executable
        out = subprocess.run(argv, cwd=here, env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, f"{command}\n{out.stderr}"
        for status, n in expected.items():
            shown = "NULL" if status is None else status
            assert re.search(rf"{shown}\s*[│|]\s*{n}\b", out.stdout), (command, out.stdout)


def test_readme_sql_examples_run(demo_here: tuple[Path, dict[str, str]]) -> None:
    here, _ = demo_here
    (sql,) = blocks(section("Querying the result in DuckDB"), "sql")
    queries = [q.strip() for q in sql.split(";") if q.strip()]
    assert len(queries) >= 3
    with duckdb.connect(str(here / "kustomer_demo.duckdb"), read_only=True) as con:
        for query in queries:
            assert con.sql(query).fetchall(), query


def test_readme_dataset_example(demo_here: tuple[Path, dict[str, str]]) -> None:
    """pipeline.dataset(): row counts, a relation, .arrow() and a query, as the README shows."""
    here, env = demo_here
    (example,) = blocks(section("Reading the data"), "python")
    code = "\n".join(line.removeprefix("  ") for line in example.splitlines())
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=here, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    expected = statuses(here / "kustomer_demo.duckdb")
    assert f"('conversations', {sum(expected.values())}" in out.stdout
    for status, n in expected.items():
        assert f"({status!r}, {n})" in out.stdout


def test_dataset_arrow_equals_the_table(demo_here: tuple[Path, dict[str, str]]) -> None:
    import dlt

    here, env = demo_here
    pipeline = dlt.attach(
        "kustomer_demo", pipelines_dir=str(Path(env["DLT_DATA_DIR"]) / "pipelines")
    )
    cwd = Path.cwd()
    os.chdir(here)  # dlt reopens the DuckDB file named after the pipeline in the current dir
    try:
        dataset = pipeline.dataset()
        table = dataset["messages"].arrow()
        counts = dict(dataset.row_counts(table_names=["messages"]).fetchall())
    finally:
        os.chdir(cwd)
    assert table is not None and table.num_rows == counts["messages"] > 0
    assert "conversation_id" in table.column_names


@pytest.mark.parametrize("command", ["info", "trace", "schema"])
def test_dlt_pipeline_cli(demo_here: tuple[Path, dict[str, str]], command: str) -> None:
    here, env = demo_here
    out = subprocess.run(
        [str(BIN / "dlt"), "pipeline", "kustomer_demo", command],
        cwd=here, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    expect = {"info": "kustomer_data", "trace": "load", "schema": "conversations"}[command]
    assert expect in out.stdout, out.stdout[-3000:]
