r"""Rust: rustc/cargo diagnostics and panics (with or without `RUST_BACKTRACE`).

A real sample (rustc 1.95)::

    error[E0308]: mismatched types
     --> bad.rs:2:18
      |
    2 |     let x: i32 = "a";
      |            ---   ^^^ expected `i32`, found `&str`

    thread 'main' (15902) panicked at main.rs:2:5:
    index out of bounds: the len is 1 but the index is 3
    stack backtrace:
       3: main::get
                 at ./main.rs:2:5
       4: main::main
                 at ./main.rs:7:20

The thread id `(15902)` is new in recent versions; the older `panicked at 'msg', file:L:C` form
is accepted too. Backtrace frames under `/rustc/<hash>/` are the standard library.
"""

from __future__ import annotations

import re

from ..model import Frame, Problem
from .shapes import severity_of

_HEAD = re.compile(r"(?P<sev>error|warning|note|help)(?:\[(?P<code>E\d{1,5})\])?: (?P<msg>.*)$")
_ARROW = re.compile(r"\s*(?:-->|::: ) ?(?P<file>.{1,1024}?):(?P<line>\d{1,9}):(?P<col>\d{1,9})$")
_GUTTER_SOURCE = re.compile(r"(?P<num>\d{1,9}) +\| ")
_GUTTER_MARK = re.compile(r"\s*\| ")
_PANIC = re.compile(
    r"thread '(?P<thread>[^']{0,200})'(?: \(\d{1,12}\))? panicked at "
    r"(?P<file>.{1,1024}?):(?P<line>\d{1,9}):(?P<col>\d{1,9}):$"
)
_OLD_PANIC = re.compile(
    r"thread '(?P<thread>[^']{0,200})' panicked at '(?P<msg>.*)', "
    r"(?P<file>[^,]{1,1024}?):(?P<line>\d{1,9}):(?P<col>\d{1,9})$"
)
_BT_FUNC = re.compile(r"\s+\d{1,5}: (?P<func>.+)$")
_BT_AT = re.compile(r"\s+at (?P<file>.{1,1024}?):(?P<line>\d{1,9})(?::(?P<col>\d{1,9}))?$")
_SKIP = ("aborting due to", "could not compile")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        head = _HEAD.match(line)
        if head and i + 1 < n and _ARROW.match(lines[i + 1]):
            if any(word in head["msg"] for word in _SKIP):
                i += 1
                continue
            i, problem = _diagnostic(lines, i, head)
            if head["sev"] in ("note", "help") and problems:
                last = problems[-1]
                problems[-1] = Problem(
                    last.message,
                    last.severity,
                    last.frames,
                    last.code,
                    last.text,
                    (*last.related, problem),
                )
            else:
                problems.append(problem)
            continue
        panic = _PANIC.match(line)
        old = _OLD_PANIC.match(line) if panic is None else None
        if panic or old:
            match = panic or old
            assert match is not None
            start = i
            message = old["msg"] if old else (lines[i + 1] if i + 1 < n else "panic")
            where = Frame(match["file"], int(match["line"]), int(match["col"]))
            i += 1 if old else 2
            backtrace: list[Frame] = []
            function: str | None = None
            while i < n and (lines[i].startswith(" ") or lines[i].startswith("stack backtrace")):
                func = _BT_FUNC.match(lines[i])
                at = _BT_AT.match(lines[i])
                if at:
                    col = int(at["col"]) if at["col"] else None
                    backtrace.append(Frame(at["file"], int(at["line"]), col, function=function))
                elif func:
                    function = func["func"]
                i += 1
            frames = [where]
            for frame in backtrace:
                if (frame.line, frame.column) == (where.line, where.column) and frames[0] is where:
                    frames[0] = Frame(where.path, where.line, where.column, function=frame.function)
                elif not frame.path.startswith("/rustc/"):
                    frames.append(frame)
            text = "\n".join(lines[start:i]).strip("\n")
            problems.append(Problem(f"panicked: {message}", "error", tuple(frames), "panic", text))
            continue
        i += 1
    return problems


def _diagnostic(lines: list[str], i: int, head: re.Match[str]) -> tuple[int, Problem]:
    start = i
    arrow = _ARROW.match(lines[i + 1])
    assert arrow is not None
    line_no, col = int(arrow["line"]), int(arrow["col"])
    end_col: int | None = None
    i += 2
    source_prefix: int | None = None
    while i < len(lines) and lines[i].strip() and not _HEAD.match(lines[i]):
        source = _GUTTER_SOURCE.match(lines[i])
        if source and int(source["num"]) == line_no:
            source_prefix = source.end()
        elif source_prefix is not None and end_col is None and _GUTTER_MARK.match(lines[i]):
            marks = lines[i]
            index = source_prefix + col - 1
            if index < len(marks) and marks[index] in "^-~":
                stop = index
                while stop < len(marks) and marks[stop] == marks[index]:
                    stop += 1
                end_col = col + (stop - index)
        i += 1
    severity = severity_of(head["sev"])
    frame = Frame(arrow["file"], line_no, col, end_col)
    text = "\n".join(lines[start:i])
    return i, Problem(head["msg"], severity, (frame,), head["code"], text)
