"""Code lenses and code actions of a document (pure builders over the server's state)."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from unsandbox_ls.runs.output import visible
from unsandbox_ls.server.commands import (
    CANCEL,
    KIND_ARGS,
    KIND_CANCEL,
    KIND_CELL,
    KIND_FILE,
    KIND_SELECTION,
    KIND_SHEBANG,
    RUN_CELL,
    RUN_FILE,
    RUN_SELECTION,
    RUN_SHEBANG,
    RUN_WITH_ARGUMENTS,
    SHOW_OUTPUT,
)
from unsandbox_ls.server.regions import cell_at, find_cells, has_shebang, is_code_selection

#: Lens glyphs as VS Code codicons; other editors get the characters themselves (▶ ■ ✓ ✗,
#: which Debian's Chromium fonts draw, unlike ⏹).
CODICONS = {"▶": "$(play)", "■": "$(debug-stop)", "✓": "$(check)", "✗": "$(error)"}


def with_glyph(title: str, codicons: bool) -> str:
    """`▶ Run remotely`, or `$(play) Run remotely` for a client that draws codicons."""
    glyph, _, rest = title.partition(" ")
    if codicons and glyph in CODICONS:
        return f"{CODICONS[glyph]} {rest}"
    return title


def _range(start: tuple[int, int], end: tuple[int, int]) -> types.Range:
    return types.Range(types.Position(*start), types.Position(*end))


def _wire_range(rng: types.Range) -> dict[str, Any]:
    return {
        "start": {"line": rng.start.line, "character": rng.start.character},
        "end": {"line": rng.end.line, "character": rng.end.character},
    }


def code_lenses(
    uri: str,
    lines: list[str],
    leader: str,
    running: bool,
    result_title: str | None,
    files: int = 1,
    codicons: bool = False,
) -> list[types.CodeLens]:
    """▶ Run remotely / ▶ Run via shebang / ■ Cancel / the last result on line 0; ▶ Run cell.

    `files` is how many files the last run of the document sent (the code and its imports):
    more than one shows as `▶ Run remotely (3 files)`. With `codicons` the glyphs are VS Code's
    `$(play)`, `$(debug-stop)`, `$(check)`, `$(error)`.
    """
    top = _range((0, 0), (0, 0))
    arg: list[Any] = [{"uri": uri}]

    def lens(rng: types.Range, title: str, command: str, args: list[Any]) -> types.CodeLens:
        shown = with_glyph(visible(title), codicons)
        return types.CodeLens(rng, types.Command(shown, command, arguments=args))

    run_title = "▶ Run remotely" + (f" ({files} files)" if files > 1 else "")
    lenses = [lens(top, run_title, RUN_FILE, arg)]
    if has_shebang("".join(lines[:1])):
        lenses.append(lens(top, "▶ Run via shebang", RUN_SHEBANG, arg))
    if running:
        lenses.append(lens(top, "■ Cancel", CANCEL, arg))
    elif result_title:
        lenses.append(lens(top, result_title, SHOW_OUTPUT, arg))
    for cell in find_cells(lines, leader):
        rng = _range((cell.start, 0), (cell.start, 0))
        lenses.append(lens(rng, "▶ Run cell", RUN_CELL, [{"uri": uri, "range": _wire_range(rng)}]))
    return lenses


def _wanted(kind: str, only: list[str] | None) -> bool:
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def code_actions(
    uri: str,
    lines: list[str],
    leader: str,
    rng: types.Range,
    running: bool,
    only: list[str] | None,
) -> list[types.CodeAction]:
    """Run file, via shebang, selection (more than a cursor), cell (cursor in one), cancel."""
    args = [{"uri": uri, "range": _wire_range(rng)}]
    offers: list[tuple[str, str, str]] = [
        ("Run file remotely (unsandbox)", KIND_FILE, RUN_FILE),
        ("Run with arguments… (unsandbox)", KIND_ARGS, RUN_WITH_ARGUMENTS),
    ]
    if has_shebang("".join(lines[:1])):
        offers.append(("Run file via its shebang (unsandbox)", KIND_SHEBANG, RUN_SHEBANG))
    start, end = (rng.start.line, rng.start.character), (rng.end.line, rng.end.character)
    if is_code_selection(lines, start, end):
        offers.append(("Run selection remotely (unsandbox)", KIND_SELECTION, RUN_SELECTION))
    if cell_at(lines, leader, rng.start.line) is not None:
        offers.append(("Run cell remotely (unsandbox)", KIND_CELL, RUN_CELL))
    if running:
        offers.append(("Cancel the unsandbox run", KIND_CANCEL, CANCEL))
    return [
        types.CodeAction(title, kind=kind, command=types.Command(title, command, arguments=args))
        for title, kind, command in offers
        if _wanted(kind, only)
    ]
