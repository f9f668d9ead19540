r"""CPython tracebacks, syntax errors, exception groups and warnings.

A real sample (CPython 3.11, through the local sandbox), chained, with 3.11 column markers
(the echoed lines' trailing comments cut here)::

    Traceback (most recent call last):
      File "/sandbox/main.py", line 7, in load_config
        return parse_port(values["port"])
               ^^^^^^^^^^^^^^^^^^^^^^^^^^
      File "/sandbox/main.py", line 2, in parse_port
        return int(text)
               ^^^^^^^^^
    ValueError: invalid literal for int() with base 10: 'eighty'

    The above exception was the direct cause of the following exception:

    Traceback (most recent call last):
      File "/sandbox/main.py", line 12, in <module>
        load_config({"port": "eighty"})
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
      File "/sandbox/main.py", line 9, in load_config
        raise RuntimeError("bad configuration") from error
        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
    RuntimeError: bad configuration

and a syntax error, which has no `Traceback` header and no `, in`::

      File "/sandbox/main.py", line 8
        print(total([1, 2, 3])
             ^
    SyntaxError: '(' was never closed

Exception groups box their lines (`  | `, `  +-+---- 1 ----`); the boxes are stripped and the
sub-exceptions become related problems of the group. Python prints the most recent call last, so
frames are reversed here. Columns count within the echoed (re-indented) source line, in
display cells (a wide character takes two marker characters). A frame printed without markers
(3.10; 3.13 where they would mark the whole line) covers the call it made or its statement
without the comment (`python_spans`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..model import Frame, Problem
from .python_spans import statement_span

_HEADER = re.compile(r"(?:Exception Group )?Traceback \(most recent call last\):$")
_FRAME = re.compile(
    r'\s*File "(?P<file>[^"]{1,1024})", line (?P<line>\d{1,9})(?:, in (?P<func>.+))?$'
)
_MARKERS = re.compile(r"(?P<lead>\s*)(?P<marks>[~^]*\^[~^]*)\s*$")
_EXCEPTION = re.compile(r"(?P<type>[A-Za-z_][\w.]{0,200})(?:: (?P<msg>.*))?$")
_WARNING = re.compile(
    r"(?P<file>\S[^:]{0,1024}):(?P<line>\d{1,9}): (?P<cat>\w{0,100}Warning): (?P<msg>.*)$"
)
_BOX = re.compile(r"\s*[+|][-+]*\s?")
_BOX_RULE = re.compile(r"\s*\+?-[-+]*( \d+ -+| and \d+ more exceptions -+)?\s*$")
_CHAIN = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)


@dataclass
class _Record:
    """One exception's block while it is being read."""

    frames: list[Frame] = field(default_factory=list)
    start: int = 0
    depth: int = 0  # exception-group nesting level (box depth)
    linked: bool = False  # printed after "The above exception was the direct cause …"


@dataclass(frozen=True)
class _Done:
    """A finished exception block: its problem, where it sits and whether it continues a chain."""

    depth: int
    problem: Problem
    linked: bool
    start: int
    end: int


def _box_depth(line: str) -> tuple[int, str]:
    """How deep in an exception group's boxes a line sits, and the line without the box."""
    stripped = line.lstrip()
    if not stripped.startswith(("|", "+")):
        return 0, line
    match = _BOX.match(line)
    assert match is not None
    return (len(line) - len(stripped)) // 2, line[match.end() :]


def parse(lines: list[str]) -> list[Problem]:
    grouped = "+ Exception Group Traceback" in "\n".join(lines)
    problems: list[Problem] = []
    records: list[_Done] = []  # in printed order
    current: _Record | None = None
    linked = False
    i = 0
    n = len(lines)
    while i < n:
        raw = lines[i]
        depth, line = _box_depth(raw) if grouped else (0, raw)
        if grouped and _BOX_RULE.match(raw) and raw.strip().startswith("+"):
            i += 1
            continue
        if line.strip() in _CHAIN:
            linked = True
            i += 1
            continue
        if _HEADER.match(line.strip()) and (line.startswith("Traceback") or grouped):
            current = _Record(start=i, depth=depth, linked=linked)
            linked = False
            i += 1
            continue
        frame_match = _FRAME.match(line)
        if frame_match and line.startswith("  File "):
            if current is None:
                current = _Record(start=i, depth=depth, linked=linked)
                linked = False
            i, frame = _read_frame(lines, i, frame_match, grouped)
            current.frames.append(frame)
            continue
        if current is not None and line and not line[0].isspace():
            exc = _EXCEPTION.match(line)
            if exc:
                message = line if exc["msg"] is not None else exc["type"]
                text = "\n".join(lines[current.start : i + 1])
                frames = tuple(reversed(_without_markers_spanned(current.frames)))
                problem = Problem(message, "error", frames, exc["type"], text)
                records.append(_Done(current.depth, problem, current.linked, current.start, i))
                current = None
                i += 1
                continue
        if current is None:
            warning = _WARNING.match(line)
            if warning:
                echo = lines[i + 1] if i + 1 < n and lines[i + 1].startswith("  ") else None
                frame = Frame(warning["file"], int(warning["line"]), echo=echo)
                message = f"{warning['cat']}: {warning['msg']}"
                text = raw if echo is None else f"{raw}\n{echo}"
                problems.append(Problem(message, "warning", (frame,), warning["cat"], text))
        i += 1
    return problems + _combine(records, lines)


def _read_frame(lines: list[str], i: int, match: re.Match[str], grouped: bool) -> tuple[int, Frame]:
    """Read a `File …` line, its echoed source line and an optional marker line."""
    path, line_no, func = match["file"], int(match["line"]), match["func"]
    i += 1
    echo: str | None = None
    start = end = None
    if i < len(lines):
        _, candidate = _box_depth(lines[i]) if grouped else (0, lines[i])
        if candidate.startswith("    ") and not ("^" in candidate and _MARKERS.match(candidate)):
            echo = candidate
            i += 1
            if i < len(lines):
                _, marker = _box_depth(lines[i]) if grouped else (0, lines[i])
                found = _MARKERS.match(marker) if "^" in marker else None
                if found:
                    start = len(found["lead"]) + 1
                    end = start + len(found["marks"])
                    i += 1
    return i, Frame(path, line_no, start, end, func, echo, unit="display")


def _without_markers_spanned(frames: list[Frame]) -> list[Frame]:
    """Frames (in printed order) whose line came without markers get the span of the call
    they made (the next frame's function) or of their statement (`python_spans`)."""
    out: list[Frame] = []
    for index, frame in enumerate(frames):
        if frame.column is None and frame.echo is not None:
            callee = frames[index + 1].function if index + 1 < len(frames) else None
            span = statement_span(frame.echo, callee)
            if span is not None:
                frame = replace(frame, column=span[0] + 1, end_column=span[1] + 1, unit="char")
        out.append(frame)
    return out


def _combine(records: list[_Done], lines: list[str]) -> list[Problem]:
    """Each chain becomes one problem: its last exception, the earlier ones related. The
    deeper records that follow an exception group are its sub-exceptions, related to it."""
    if not records:
        return []
    top_depth = min(record.depth for record in records)
    chains: list[list[tuple[_Done, list[Problem]]]] = []
    for record in records:
        if record.depth > top_depth and chains:
            chains[-1][-1][1].append(record.problem)
        elif record.linked and chains:
            chains[-1].append((record, []))
        else:
            chains.append([(record, [])])
    problems: list[Problem] = []
    for chain in chains:
        *earlier, last = [_with_group(record.problem, members) for record, members in chain]
        text = "\n".join(lines[chain[0][0].start : chain[-1][0].end + 1]).strip("\n")
        related = tuple(p for e in earlier for p in (*e.related, _without_related(e)))
        problems.append(
            Problem(
                last.message, last.severity, last.frames, last.code, text, (*related, *last.related)
            )
        )
    return problems


def _without_related(problem: Problem) -> Problem:
    return Problem(problem.message, problem.severity, problem.frames, problem.code, problem.text)


def _with_group(group: Problem, members: list[Problem]) -> Problem:
    if not members:
        return group
    summary = "; ".join(member.message for member in members)
    message = f"{group.message}: {summary}" if summary else group.message
    return Problem(
        message, group.severity, group.frames, group.code, group.text, (*group.related, *members)
    )
