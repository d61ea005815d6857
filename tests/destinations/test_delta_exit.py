"""Reading a Delta table must not abort the process when it exits.

`DeltaTable.to_pyarrow_table()` (and any scan of `to_pyarrow_dataset()`) reads the files through
a Python filesystem handler, so pyarrow holds the bytes as Python objects; its worker threads
tear the scan down just after the read returns, and a worker that releases such a buffer while
the interpreter has started to exit is ended by CPython (< 3.14) inside a C++ destructor: the
process aborts with status 134, "terminate called without an active exception", after reading
the data right. The project reads Delta tables with `read_delta` (delta-rs / DataFusion), which
leaves no Python object to pyarrow's threads.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# the loop of processes: 8 runs a variant in CI (about one in three aborted before the fix);
# DELTA_EXIT_RUNS=40 for a closer look. The spy test below fails every time without the fix.
RUNS = int(os.environ.get("DELTA_EXIT_RUNS", "8"))

# Exits right after the read, as a user's script does. The long switch interval only widens the
# race's window (a thread waiting for the GIL asks for it after that long, so a pyarrow worker
# that starts waiting just before the exit gets it only once finalization has begun); a read that
# leaves no Python object to pyarrow's threads passes with any interval.
READER = textwrap.dedent(
    """
    import sys
    sys.setswitchinterval(0.5)
    for name in sys.argv[2:]:
        __import__(name)
    from deltalake import DeltaTable
    from kustomer_source.destination import read_delta

    table = read_delta(DeltaTable(sys.argv[1]), columns=["id", "s"])
    assert table.num_rows == 8000, table.num_rows
    assert str(table.schema.field("s").type) == "string", table.schema
    print(table.num_rows)
    """
)


@pytest.fixture(scope="module")
def delta_table(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Delta table of 8 files (more files, more buffers torn down after the read)."""
    import pyarrow as pa
    from deltalake import write_deltalake

    path = str(tmp_path_factory.mktemp("delta_exit") / "t")
    for part in range(8):
        ids = list(range(part * 1000, (part + 1) * 1000))
        write_deltalake(path, pa.table({"id": ids, "s": ["x"] * 1000}), mode="append")
    return path


@pytest.mark.parametrize("first", [[], ["dlt"], ["duckdb"]], ids=["plain", "dlt", "duckdb"])
def test_a_process_that_reads_a_delta_table_exits_cleanly(
    delta_table: str, first: list[str], tmp_path: Path
) -> None:
    script = tmp_path / "read_delta.py"
    script.write_text(READER)
    failed = []
    for _ in range(RUNS):
        run = subprocess.run(
            [sys.executable, str(script), delta_table, *first],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if run.returncode != 0:
            failed.append((run.returncode, run.stderr.strip()[-300:]))
    assert not failed, f"{len(failed)} of {RUNS} runs failed: {failed[:3]}"


def test_read_delta_does_not_read_through_a_python_filesystem(
    delta_table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cause itself, without the race: files opened through deltalake's Python handler for
    pyarrow (`deltalake.fs.DeltaStorageHandler`) become Python buffers in pyarrow's threads."""
    from deltalake import DeltaTable
    from deltalake.fs import DeltaStorageHandler

    from kustomer_source.destination import read_delta

    opened: list[str] = []
    for name in ("open_input_file", "open_input_stream"):
        original = getattr(DeltaStorageHandler, name)

        def spy(self: object, path: str, _original: object = original) -> object:
            opened.append(path)
            return _original(self, path)  # type: ignore[operator]

        monkeypatch.setattr(DeltaStorageHandler, name, spy)
    table = read_delta(DeltaTable(delta_table), columns=["id", "s"])
    assert table.num_rows == 8000
    assert opened == [], f"read through pyarrow's Python filesystem: {opened[:3]}"
