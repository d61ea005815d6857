"""docs/tables.md, the data dictionary, is what its generator makes of the code today: a change to
the tables or columns that did not regenerate it fails here."""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

from helpers.loading import REPO

from kustomer_source import CATALOG

DICTIONARY = REPO / "docs" / "tables.md"


def test_data_dictionary_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "tables.md"
    out = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "data_dictionary.py"), "--output", str(fresh)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    committed = DICTIONARY.read_text()
    generated = fresh.read_text()
    if committed != generated:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    generated.splitlines(keepends=True),
                    "docs/tables.md",
                    "generated",
                )
            )[:60]
        )
        raise AssertionError(
            f"docs/tables.md is out of date: run python scripts/data_dictionary.py\n{diff}"
        )
    # every object has its section, and the diagram is a Mermaid block
    for table in CATALOG:
        assert f"\n### `{table}`\n" in generated, table
    assert "```mermaid\nerDiagram\n" in generated
