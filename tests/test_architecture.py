"""`docs/architecture.md` against the tree: its module table, its import edges, its run path.

The table has one row per package or top-level module of `unsandbox_ls`. A package row names
each of its modules (`` `name` ``) and sub-folders (`` `name/` ``) in its *Holds* cell and nothing
that is not there; its *Imports* cell names every other part of `unsandbox_ls` that the package's
modules import (type-only imports included) and every third-party library, and no part they do
not import. The layering the document states is checked on the real imports. Every
`` `path.py:name` `` in the path of one run names a function or class defined in that file.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "unsandbox_ls"
DOC = ROOT / "docs" / "architecture.md"
TICKED = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Row:
    path: str  # as written: `unsandbox_ls/api/`, `unsandbox_ls/cli.py`, `editors/`
    holds: str
    imports: str


def _rows() -> list[Row]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Packages", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows.append(Row(cells[0].strip("`"), cells[1], cells[2]))
    return rows


ROWS = _rows()
CODE_ROWS = [r for r in ROWS if r.path.startswith("unsandbox_ls/")]


def _unit_of(path: Path) -> str:
    """The table's unit of a module file: its top-level package or module name."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _modules() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if "data" not in path.relative_to(PACKAGE).parts:  # the hooks run in the sandbox
            yield path


def _imported(path: Path) -> Iterator[str]:
    """Every module name an import statement of `path` names (absolute, type-only included)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{a.name}" for a in node.names)


def _internal_unit(name: str) -> str | None:
    """`unsandbox_ls.api.models.X` → `api`; the package root itself (`__version__`) → None."""
    parts = name.split(".")
    if parts[0] != "unsandbox_ls" or len(parts) < 2:
        return None
    head = PACKAGE / parts[1]
    return parts[1] if head.is_dir() or head.with_suffix(".py").is_file() else None


def _edges() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per unit: the other units it imports, and the third-party libraries."""
    internal: dict[str, set[str]] = {}
    external: dict[str, set[str]] = {}
    for path in _modules():
        me = _unit_of(path)
        if me in ("__init__", "__main__"):
            continue
        for name in _imported(path):
            top = name.split(".")[0]
            unit = _internal_unit(name)
            if unit is not None and unit != me:
                internal.setdefault(me, set()).add(unit)
            elif top != "unsandbox_ls" and top not in sys.stdlib_module_names:
                external.setdefault(me, set()).add(top)
    return internal, external


INTERNAL, EXTERNAL = _edges()


def _row_unit(row: Row) -> str:
    return row.path.removeprefix("unsandbox_ls/").rstrip("/").removesuffix(".py")


def test_every_package_and_module_has_one_row() -> None:
    units = {_unit_of(p) for p in _modules()} - {"__init__", "__main__"}
    documented = [_row_unit(r) for r in CODE_ROWS]
    assert sorted(documented) == sorted(set(documented)), "a part has two rows"
    assert set(documented) == units


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.path)
def test_the_row_names_a_path_that_exists(row: Row) -> None:
    assert (ROOT / row.path).exists()


@pytest.mark.parametrize(
    "row", [r for r in CODE_ROWS if r.path.endswith("/")], ids=lambda r: r.path
)
def test_a_package_row_names_exactly_its_modules(row: Row) -> None:
    folder = ROOT / row.path
    present = {p.stem for p in folder.glob("*.py")} - {"__init__"}
    present |= {f"{p.name}/" for p in folder.iterdir() if p.is_dir() and p.name != "__pycache__"}
    ticked = set(TICKED.findall(row.holds))
    missing = present - ticked
    assert not missing, f"{row.path}: the table does not name {sorted(missing)}"
    # a `name` (…) is a module described in its parentheses: it must be there
    described = set(re.findall(r"`([a-z_]+/?)` \(", row.holds))
    invented = {n for n in described if n not in present}
    assert not invented, f"{row.path}: the table names modules that do not exist: {invented}"


@pytest.mark.parametrize("row", CODE_ROWS, ids=lambda r: r.path)
def test_the_imports_cell_is_true(row: Row) -> None:
    me = _row_unit(row)
    named = {t.split(".")[0] for t in TICKED.findall(row.imports)}
    named_internal = {n for n in named if _internal_unit(f"unsandbox_ls.{n}") is not None}
    assert named_internal == INTERNAL.get(me, set()), (
        f"{row.path}: imports {sorted(INTERNAL.get(me, set()))}, the table says "
        f"{sorted(named_internal)}"
    )
    words = set(re.findall(r"[a-z_][a-z0-9_]*", row.imports))
    unnamed = EXTERNAL.get(me, set()) - words
    assert not unnamed, f"{row.path}: the table does not name the libraries {sorted(unnamed)}"


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("runs", {"server", "run_command", "cli", "doctor", "history_command"}),
        ("problems", {"runs", "server", "api", "sandbox", "run_command", "cli"}),
        ("api", {"runs", "server", "problems", "sandbox", "run_command", "cli"}),
        ("sandbox", {"runs", "server", "problems", "run_command", "cli"}),
        ("hooks", {"runs", "server", "problems", "api", "sandbox", "run_command", "cli"}),
        ("sent_file", {"runs", "server", "problems", "api", "run_command", "cli"}),
    ],
)
def test_nothing_below_imports_from_above(lower: str, upper: set[str]) -> None:
    assert not INTERNAL.get(lower, set()) & upper


def test_the_path_of_one_run_names_real_functions() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## The path of one run", 1)[1].split("\n## ", 1)[0]
    steps = [line for line in section.splitlines() if re.match(r"\d+\. ", line)]
    assert 6 <= len(steps) <= 12
    references = re.findall(r"`([\w/]+\.py):(\w+)`", section)
    assert len(references) >= len(steps)
    for file, name in references:
        tree = ast.parse((PACKAGE / file).read_text(encoding="utf-8"))
        defined = {
            n.name
            for n in tree.body
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
        assert name in defined, f"{file} defines no {name}"
