"""The command's one-line errors: sentences end in one full stop, a full disk names the file that
filled (not a file of the code), and dlt's log lines keep no traceback."""

from __future__ import annotations

import logging

from kustomer_runner.failures import NoTracebacks, _full_file, disk_full, sentences


def test_sentences_never_end_in_two_full_stops() -> None:
    text = sentences("Cannot reach Kustomer at x. Check org.", "Nothing was loaded.")
    assert ".." not in text and text.endswith("loaded.")
    assert sentences("Is it a Kustomer API host?", "Next") == "Is it a Kustomer API host? Next."


def test_a_full_disk_names_the_file_that_filled() -> None:
    duckdb = 'IO Error: Could not write file "/data/kustomer.duckdb.wal": No space left on device'
    assert _full_file(duckdb) == "/data/kustomer.duckdb.wal"
    traced = (
        'File "/venv/lib/python3.11/site-packages/dlt/load/load.py", line 3, in run\n'
        'OSError: could not write "/home/u/.dlt/pipelines/kustomer/load/new/x.parquet"'
    )
    assert _full_file(traced) == "/home/u/.dlt/pipelines/kustomer/load/new/x.parquet"
    error = OSError(28, "No space left on device", "/data/file")
    assert disk_full(error, "load") == (
        "The disk is full (No space left on device writing /data/file) during load"
    )


def test_dlt_log_lines_keep_no_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("dlt").makeRecord(
            "dlt", logging.ERROR, __file__, 1, "retrying", None, exc_info=True
        )
    assert record.exc_info
    assert NoTracebacks().filter(record) and record.exc_info is None
