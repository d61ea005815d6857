"""Write the README's settings table from the code: the arguments of `kustomer_source()` (their
defaults and the docstring's `Args:` lines) and the fields of `Tuning` (their defaults and
docstrings). Defaults are written once, in the code; this keeps the README in step.

    .venv/bin/python scripts/settings_table.py          # rewrites the table in README.md
    .venv/bin/python scripts/settings_table.py --check  # exit 1 if README.md is stale
"""

from __future__ import annotations

import argparse
import ast
import inspect
import re
import sys
from pathlib import Path
from typing import Any

from kustomer_source import kustomer_source
from kustomer_source.settings import Tuning

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
SETTINGS_PY = REPO / "kustomer_source" / "settings.py"
START, END = "<!-- settings table: start -->", "<!-- settings table: end -->"


def source_arguments() -> list[tuple[str, Any, str]]:
    """(name, default, meaning) of each argument of `kustomer_source()` but `tuning`."""
    function = inspect.unwrap(kustomer_source)  # type: ignore[arg-type]
    doc = inspect.getdoc(function) or ""
    meanings: dict[str, str] = {}
    current = None
    for line in doc.split("Args:", 1)[1].splitlines():
        match = re.match(r"^    (\w+): (.*)$", line)
        if match:
            current = match.group(1)
            meanings[current] = match.group(2).strip()
        elif current and line.startswith("        "):
            meanings[current] += " " + line.strip()
    rows = []
    for name, parameter in inspect.signature(function).parameters.items():
        if name == "tuning":
            continue
        default = parameter.default
        rows.append((name, default, meanings.get(name, "")))
    return rows


def tuning_fields() -> list[tuple[str, Any, str]]:
    """(name, default, meaning) of each `Tuning` field, the meaning from its docstring."""
    tree = ast.parse(SETTINGS_PY.read_text())
    spec = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tuning")
    docs: dict[str, str] = {}
    body = spec.body
    for node, after in zip(body, [*body[1:], None], strict=True):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                docs[node.target.id] = " ".join(str(after.value.value).split())
    defaults = Tuning()
    return [(name, getattr(defaults, name), docs.get(name, "")) for name in docs]


def shown(value: Any) -> str:
    if value is inspect.Parameter.empty or (isinstance(value, str) and "secret" in value):
        return "required"
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    return f"`{value}`"


def table() -> str:
    lines = [
        START,
        "| setting | default | what it does |",
        "|---|---|---|",
    ]
    for name, default, meaning in source_arguments():
        where = "secrets.toml" if name == "api_key" else "config.toml"
        if name == "api_key":
            default = inspect.Parameter.empty
        lines.append(f"| `{name}` ({where}) | {shown(default)} | {meaning} |")
    for name, default, meaning in tuning_fields():
        lines.append(f"| `tuning.{name}` | {shown(default)} | {meaning} |")
    lines.append(END)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if stale")
    args = parser.parse_args(argv)
    readme = README.read_text()
    if START not in readme or END not in readme:
        print(f"README.md has no {START} ... {END} section", file=sys.stderr)
        return 1
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    fresh = before + table() + after
    if args.check:
        if fresh != readme:
            print("README.md's settings table is stale: run scripts/settings_table.py")
            return 1
        return 0
    README.write_text(fresh)
    print("wrote the settings table of README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
