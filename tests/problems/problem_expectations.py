"""Test programs with their expected diagnostics declared in marker comments.

A program under `programs/<language>/` (or `captures/<language>/`) marks the lines where the
diagnostics must land, in a comment on that line::

    return d["a"]["b"] + 1  # expect: error `not subscriptable` at `d["a"]["b"]`
    f({"a": None})          # expect: hint

`expect: error|warning|hint`, then optionally a backquoted substring of the message (in
double backquotes and spaces, as in Markdown, when it holds backquotes itself:
``` `` expected `i32`, found `&str` `` ```) and `at` a backquoted token whose first
occurrence on the line is where the range must start. A line may carry several markers, one per
diagnostic expected there: the second marker naming the same `at` token starts at its second
occurrence, and so on.
Lines between a `select-start` and a `select-end` marker line form a selection: only they are
sent, and the diagnostics must still land on these file lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from unsandbox_ls.languages import MAIN_FILE_NAMES, language_from_extension

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
CAPTURES = HERE / "captures"

_EXPECT = re.compile(
    r"expect: (?P<kind>error|warning|hint)"
    r"(?: (?:`` (?P<quoted>.+?) ``|`(?P<message>[^`]*)`))?(?: at `(?P<at>[^`]*)`)?"
)
_EXT_LANGUAGE = {"exs": "elixir", "hs": "haskell", "cs": "csharp", "ts": "typescript"}


@dataclass(frozen=True)
class Expected:
    """One expected diagnostic: 0-based line, severity word, message part, start column."""

    line: int
    kind: str
    message: str | None
    column: int | None  # 0-based code points


@dataclass(frozen=True)
class Program:
    path: Path
    language: str
    lines: list[str]
    code: str  # what is sent: the whole file or the selection
    line_offset: int
    expected: list[Expected]

    @property
    def id(self) -> str:
        return f"{self.language}/{self.path.name}"

    @property
    def submitted_name(self) -> str:
        ext = self.path.suffix.lstrip(".")
        return MAIN_FILE_NAMES.get(self.language, f"main.{ext}")


def language_of(path: Path) -> str:
    ext = path.suffix.lstrip(".").lower()
    language = _EXT_LANGUAGE.get(ext) or language_from_extension(path.name)
    assert language, f"no language for {path}"
    return language


def load_program(path: Path) -> Program:
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if "select-start" in line), None)
    if start is not None:
        end = next(i for i, line in enumerate(lines) if "select-end" in line)
        code = "\n".join(lines[start + 1 : end]) + "\n"
        offset = start + 1
    else:
        code, offset = text, 0
    expected: list[Expected] = []
    for number, line in enumerate(lines):
        after: dict[str, int] = {}  # where the next search for each `at` token starts
        for match in _EXPECT.finditer(line):
            column = None
            if match["at"] is not None:
                column = line.find(match["at"], after.get(match["at"], 0))
                assert column >= 0, f"{path}:{number + 1}: `{match['at']}` is not on the line"
                after[match["at"]] = column + 1
            message = match["quoted"] if match["quoted"] is not None else match["message"]
            expected.append(Expected(number, match["kind"], message, column))
    assert expected, f"{path} declares no expectation"
    return Program(path, language_of(path), lines, code, offset, expected)


def programs(root: Path = PROGRAMS, suffixes: tuple[str, ...] = ()) -> list[Program]:
    """Every program file under `root`, skipping captured output files."""
    found = []
    for path in sorted(root.glob("*/*")):
        if path.suffix in (".stderr", ".stdout", ".json", ".md") or path.name.startswith("."):
            continue
        if suffixes and path.suffix not in suffixes:
            continue
        found.append(load_program(path))
    return found
