"""What a stderr parser produces: problems with their stack frames, before any buffer mapping.

Positions here are as the runtime printed them: 1-based lines, 1-based columns counted in code
points (None when the runtime gives none). Mapping to a buffer, line offsets and the client's
position encoding happen later (`unsandbox_ls.problems.mapping`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "info", "hint"]

#: What a runtime's columns count: code points, UTF-8 bytes (Go), UTF-16 units (V8, tsc), or
#: terminal display cells (CPython's markers, gcc: wide characters count 2, tabs go to 8).
ColumnUnit = Literal["char", "byte", "utf-16", "display"]


@dataclass(frozen=True)
class Frame:
    """One location of a problem: a compiler position or one stack frame.

    `column`/`end_column` are 1-based, `end_column` exclusive, counted in `unit` (code points
    unless the runtime counts otherwise; the mapping converts with the line's text). When
    `echo` is set the columns count within that echoed source text (Python re-indents the line
    it shows), and the mapping re-aligns them with the buffer's line. `relative_to` names a
    definition the line counts from (Tcl: line 1 is the line of `proc NAME`). `internal` marks
    runtime or library frames the parser recognised itself (such as Java's `java.base/` module
    prefix).
    """

    path: str
    line: int
    column: int | None = None
    end_column: int | None = None
    function: str | None = None
    echo: str | None = None
    relative_to: str | None = None
    internal: bool = False
    unit: ColumnUnit = "char"


@dataclass(frozen=True)
class Problem:
    """One compile error, warning or runtime failure.

    `frames` are ordered innermost first (where it was raised or reported, then its callers),
    whatever order the runtime printed them in. `text` is the whole block of output the problem
    was read from (the full traceback), for hovers and the output log. `related` holds the
    problems that explain this one: compiler notes, or the earlier exceptions of a chain.
    `excerpt` is source text to look for in the buffer when the runtime names no line (R).
    `repeats` is how many times the output printed this very problem (it is listed once).
    """

    message: str
    severity: Severity = "error"
    frames: tuple[Frame, ...] = ()
    code: str | None = None
    text: str = ""
    related: tuple[Problem, ...] = ()
    excerpt: str | None = None
    repeats: int = 1
