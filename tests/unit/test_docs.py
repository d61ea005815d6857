"""The README stays a guide (at most 300 lines, its settings table what the code says, its links
alive) and docs/layout.md names every module of the project and nothing that is not there."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"
LAYOUT = REPO / "docs" / "layout.md"
LISTED_TREES = ["kustomer_source", "kustomer_runner", "kustomer_analytics", "pipelines", "scripts"]


def test_readme_is_a_guide_of_at_most_300_lines() -> None:
    assert len(README.read_text().splitlines()) <= 300


def test_readme_settings_table_is_what_the_code_says() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "settings_table.py"), "--check"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_relative_link_in_the_readme_and_docs_resolves() -> None:
    pages = [README, *sorted((REPO / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target:
                continue
            if not (page.parent / target).exists():
                broken.append(f"{page.relative_to(REPO)}: {target}")
    assert not broken, broken


def test_layout_names_every_module_and_only_those() -> None:
    text = LAYOUT.read_text()
    named = set(re.findall(r"`([\w/.]+\.(?:py|sh|txt))`", text))
    files = {
        str(path.relative_to(REPO))
        for tree in LISTED_TREES
        for path in (REPO / tree).rglob("*")
        if path.suffix in (".py", ".sh", ".txt") and "__pycache__" not in path.parts
    }
    files.add("sources/kustomer_pipeline.py")
    assert files - named == set(), f"modules docs/layout.md does not name: {sorted(files - named)}"
    missing = {n for n in named if "/" in n and not (REPO / n).exists()}
    assert not missing, f"docs/layout.md names what is not there: {sorted(missing)}"
