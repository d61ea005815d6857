"""The layout's rules, read from the code: the source has no import cycle and no function over 80
lines, imports its own modules relatively (so it also works as `dlt init`'s `kustomer`), and the
source, the sandbox, the runner and the report import each other only the allowed way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ["kustomer_source", "kustomer_sandbox", "kustomer_runner", "kustomer_analytics"]
MAX_FUNCTION_LINES = 80


def modules(package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every module of a package."""
    root = REPO / package
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imported(module: str, path: Path) -> set[str]:
    """Every module `module` imports, anywhere in the file (inside functions and
    TYPE_CHECKING blocks too), as dotted names resolved against the module's package."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
    return names


def test_the_source_has_no_import_cycle() -> None:
    mods = modules("kustomer_source")
    graph = {
        name: {dep for dep in imported(name, path) if dep in mods and dep != name}
        for name, path in mods.items()
    }
    # a package's __init__ importing its own modules is how packages re-export, not a cycle
    # unless a module of it imports the package back; edges into a package stand for its modules
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in graph[node]:
            if state.get(dep) == 1:
                if not (node.startswith(dep + ".") or dep == "kustomer_source"):
                    cycles.append([*trail[trail.index(dep) :], dep] if dep in trail else [dep])
            elif dep not in state:
                visit(dep, [*trail, dep])
        state[node] = 2

    for name in graph:
        if name not in state:
            visit(name, [name])
    assert not cycles, f"import cycles in kustomer_source: {cycles}"


def test_the_source_imports_itself_only_relatively() -> None:
    """`dlt init` copies the source as `sources/kustomer/`: an absolute `kustomer_source` import
    would break there (and importing the package from one of its modules runs its __init__
    first, a cycle in disguise)."""
    for name, path in modules("kustomer_source").items():
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                tops = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level:
                tops = {(node.module or "").split(".")[0]}
            else:
                continue
            assert "kustomer_source" not in tops, f"{name} line {node.lineno}"


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("kustomer_source", {"kustomer_sandbox", "kustomer_runner", "kustomer_analytics"}),
        ("kustomer_sandbox", {"kustomer_source", "kustomer_runner", "kustomer_analytics"}),
        ("kustomer_analytics", {"kustomer_sandbox", "kustomer_runner"}),
    ],
)
def test_packages_import_only_what_they_may(package: str, forbidden: set[str]) -> None:
    for name, path in modules(package).items():
        tops = {dep.split(".")[0] for dep in imported(name, path)}
        assert not tops & forbidden, f"{name} imports {tops & forbidden}"


def test_no_function_of_the_source_is_over_80_lines() -> None:
    long = []
    for name, path in modules("kustomer_source").items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert not long, long
