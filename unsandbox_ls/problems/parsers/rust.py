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

A diagnostic's message keeps rustc's words: the label under the primary `^^^` span, then
the `= note:`/`= help:` lines and spanless `help:` suggestions; the labels of `---` spans
(`expected due to this`, `value moved here`) become related notes at their own spots.

The thread id `(15902)` is new in recent versions; the older `panicked at 'msg', file:L:C` form
is accepted too. Backtrace frames under `/rustc/<hash>/` are the standard library.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..model import Frame, Problem
from .shapes import severity_of

_HEAD = re.compile(r"(?P<sev>error|warning|note|help)(?:\[(?P<code>E\d{1,5})\])?: (?P<msg>.*)$")
_ARROW = re.compile(r"\s*(?:-->|::: ) ?(?P<file>.{1,1024}?):(?P<line>\d{1,9}):(?P<col>\d{1,9})$")
_GUTTER_SOURCE = re.compile(r"(?P<num>\d{1,9}) +\| ")
_GUTTER_MARK = re.compile(r"\s*\|(?: |$)")
_NOTE = re.compile(r"\s*= (?P<kind>note|help): (?P<msg>.*)$")
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
    block_end = -1  # where the last diagnostic block ended: a `help:` right there belongs to it
    while i < n:
        line = lines[i]
        head = _HEAD.match(line)
        if head and i + 1 < n and _ARROW.match(lines[i + 1]):
            if any(word in head["msg"] for word in _SKIP):
                i += 1
                continue
            i, problem, notes = _diagnostic(lines, i, head)
            if head["sev"] in ("note", "help") and problems:
                last = problems[-1]
                problems[-1] = replace(
                    last,
                    message="\n".join([last.message, *notes]),
                    related=(*last.related, problem),
                )
            else:
                problems.append(replace(problem, message="\n".join([problem.message, *notes])))
            block_end = i
            continue
        if head and head["sev"] in ("note", "help") and problems and i == block_end:
            # a spanless `help:` (a suggestion shown as a diff): its words join the message
            words = [f"{head['sev']}: {head['msg']}"]
            i += 1
            while i < n and lines[i].strip() and not _HEAD.match(lines[i]):
                note = _NOTE.match(lines[i])
                if note:
                    words.append(f"{note['kind']}: {note['msg']}")
                i += 1
            last = problems[-1]
            problems[-1] = replace(last, message="\n".join([last.message, *words]))
            block_end = i
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


def _diagnostic(lines: list[str], i: int, head: re.Match[str]) -> tuple[int, Problem, list[str]]:
    """One `error[E…]: msg` block: the problem, the index after it, its `= note:` lines.

    The message keeps the head and the label of the primary `^^^` span (`expected `i32`,
    found `&str``); the `= note:`/`= help:` lines come back apart, because those printed under
    a sub-diagnostic (`help: … --> file`) belong to the whole diagnostic. Labels of secondary
    `---` spans become related problems at their own spots.
    """
    start = i
    arrow = _ARROW.match(lines[i + 1])
    assert arrow is not None
    path, line_no, col = arrow["file"], int(arrow["line"]), int(arrow["col"])
    end_col: int | None = None
    i += 2
    source_prefix: int | None = None
    primary_labels: list[str] = []
    notes: list[str] = []
    secondary: list[Problem] = []
    current_path, current_line = path, 0
    runs: dict[int, tuple[str, int]] = {}  # column of a mark run → (its kind, its source line)
    while i < len(lines) and lines[i].strip() and not _HEAD.match(lines[i]):
        text = lines[i]
        source = _GUTTER_SOURCE.match(text)
        other_file = _ARROW.match(text)
        note = _NOTE.match(text)
        if other_file:
            current_path = other_file["file"]
        elif note:
            i = _note(lines, i, note, notes)
            continue
        elif source:
            current_line = int(source["num"])
            source_prefix = source.end()
            runs = {}
        elif source_prefix is not None and _GUTTER_MARK.match(text):
            body = text[source_prefix:] if len(text) > source_prefix else ""
            for column, kind, label in _labels(body, runs, current_line):
                if not label:
                    continue
                where_line = runs[column][1] if column in runs else current_line
                if kind == "^" and current_path == path:
                    primary_labels.append(label)
                elif kind in "^-":
                    frame = Frame(current_path, where_line, column + 1)
                    secondary.append(Problem(label, "info", (frame,), None, label))
            if (
                end_col is None
                and current_line == line_no
                and current_path == path
                and col - 1 < len(body)
                and body[col - 1] in "^-~"
            ):
                stop = col - 1
                while stop < len(body) and body[stop] == body[col - 1]:
                    stop += 1
                end_col = col + (stop - (col - 1))
        i += 1
    severity = severity_of(head["sev"])
    frame = Frame(path, line_no, col, end_col)
    text = "\n".join(lines[start:i])
    message = "\n".join([head["msg"], *primary_labels])
    return i, Problem(message, severity, (frame,), head["code"], text, tuple(secondary)), notes


def _labels(
    body: str, runs: dict[int, tuple[str, int]], source_line: int
) -> list[tuple[int, str, str]]:
    """The label on one mark line after the gutter: [(0-based column, `^` or `-`, label)].

    The first mark line under a source line holds the runs (`---   ^^^ label`); the text after
    the last run is that run's label. Later lines hold `|` connectors and the labels of the
    other runs, each starting at its run's column.
    """
    position = 0
    last: tuple[int, str] | None = None
    while position < len(body):
        char = body[position]
        if char in " |_":
            position += 1
        elif char in "^-":
            stop = position
            while stop < len(body) and body[stop] == char:
                stop += 1
            runs.setdefault(position, (char, source_line))
            last = (position, char)
            position = stop
        else:
            break
    label = body[position:].strip()
    if last is not None:
        return [(last[0], last[1], label)]
    if label and position in runs:
        return [(position, runs[position][0], label)]
    return []


def _note(lines: list[str], i: int, note: re.Match[str], notes: list[str]) -> int:
    """A `= note: …`/`= help: …` line and its indented continuation lines."""
    text = [f"{note['kind']}: {note['msg']}"]
    indent = note.start("msg")
    i += 1
    while i < len(lines) and lines[i][:indent].isspace() and lines[i][indent : indent + 1].strip():
        if _GUTTER_MARK.match(lines[i]) or _NOTE.match(lines[i]):
            break
        text.append(lines[i].strip())
        i += 1
    notes.append("\n".join(text))
    return i
