r"""Haskell (GHC): compile errors and warnings with indented messages; `error` call stacks.

A real sample (GHC 9.0.2)::

    Main.hs:4:11: error:
        • Couldn't match type ‘[Char]’ with ‘Int’
          Expected: Int
            Actual: String
      |
    4 | f x = x + "a"
      |           ^^^

and at run time::

    E.hs: negative: -1
    CallStack (from HasCallStack):
      error, called at E.hs:5:13 in main:Main

GHC 9.6+ adds codes such as `[GHC-83865]`; ranges also appear as `3:11-18`.
"""

# ruff: noqa: RUF002
from __future__ import annotations

import re

from ..model import Frame, Problem
from .shapes import caret_span, severity_of

_HEAD = re.compile(
    r"(?P<file>[^\s:][^:]{0,1024}\.l?hs):(?:(?P<line>\d{1,9}):(?P<col>\d{1,9})(?:-(?P<end>\d{1,9}))?"
    r"|\((?P<line2>\d{1,9}),(?P<col2>\d{1,9})\)-\(\d{1,9},\d{1,9}\)): "
    r"(?P<sev>error|warning)(?::? ?\[(?P<code>[^\]]{1,200})\])?:? ?(?P<msg>.*)$"
)
_CALLED = re.compile(
    r"\s+(?P<func>\S{1,512}), called at (?P<file>[^:\s]{1,1024}):(?P<line>\d{1,9}):"
    r"(?P<col>\d{1,9}) in (?P<pkg>\S{1,512})$"
)
_GUTTER = re.compile(r"\s{0,12}(?:\d{1,9} )?\|")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    while i < n:
        head = _HEAD.match(lines[i])
        if head:
            start = i
            details: list[str] = [head["msg"]] if head["msg"] else []
            i += 1
            while i < n and lines[i].startswith(" ") and not _GUTTER.match(lines[i]):
                details.append(lines[i].strip().lstrip("• "))
                i += 1
            line = int(head["line"] or head["line2"])
            col = int(head["col"] or head["col2"])
            end = int(head["end"]) + 1 if head["end"] else None
            prefix: int | None = None
            while i < n and _GUTTER.match(lines[i]):
                bar = lines[i].find("| ")
                if lines[i].lstrip().startswith(f"{line} |"):
                    prefix = bar + 2
                elif prefix is not None and end is None and "^" in lines[i]:
                    span = caret_span(lines[i], prefix + col - 1)
                    if span is not None and span[0] == prefix + col - 1:
                        end = col + span[1]
                i += 1
            frame = Frame(head["file"], line, col, end)
            message = "\n".join(d for d in details if d)
            text = "\n".join(lines[start:i])
            problems.append(
                Problem(message, severity_of(head["sev"]), (frame,), head["code"], text)
            )
            continue
        if lines[i].startswith("CallStack (from HasCallStack):"):
            start = max(i - 1, 0)
            message = lines[i - 1].strip() if i > 0 else "error"
            frames: list[Frame] = []
            i += 1
            while i < n and (called := _CALLED.match(lines[i])) is not None:
                frames.append(
                    Frame(
                        called["file"],
                        int(called["line"]),
                        int(called["col"]),
                        None,
                        called["func"],
                    )
                )
                i += 1
            text = "\n".join(lines[start:i])
            problems.append(Problem(message, "error", tuple(frames), None, text))
            continue
        i += 1
    return problems
