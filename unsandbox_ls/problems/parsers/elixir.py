r"""Elixir: `** (Type) …` errors with stack frames; 1.15+ `error:`/`warning:` with `└─`.

A real sample (Elixir 1.14.0)::

    ** (ArithmeticError) bad argument in arithmetic expression
        main.exs:3: M.f/1
        (elixir 1.14.0) lib/code.ex:1245: Code.require_file/2

and `** (TokenMissingError) syn.exs:3:1: missing terminator: ] (for "[" starting at line 1)`.
Frames with an `(app x.y.z)` prefix are the runtime's. Warnings (1.14) name their place on the
next line::

    warning: variable "y" is unused (if the variable is not meant to be used, prefix it with …
      w.exs:3: W.f/0

and Elixir 1.15+ prints a location line `└─ c.exs:2:16: M.f/0` under `error:`/`warning:`
messages (that shape is from the project's notes; no 1.15 runtime was available to record it).
"""

from __future__ import annotations

import re

from ..model import Frame, Problem
from .shapes import severity_of

_HEAD = re.compile(
    r"\*\* \((?P<type>[\w.]{1,200})\) (?:(?P<file>[^:\s]{1,1024}\.exs?):(?P<line>\d{1,9})"
    r"(?::(?P<col>\d{1,9}))?: )?(?P<msg>.*)$"
)
_FRAME = re.compile(
    r"\s+(?P<app>\([\w .-]{1,200}\) )?(?P<file>[^\s:()][^:]{0,1024}\.(?:exs?|erl)):"
    r"(?P<line>\d{1,9}): (?P<func>.*)$"
)
_STARTING = re.compile(r"starting at line (?P<line>\d{1,9})\)")
_OLD_WHERE = re.compile(
    r"  (?P<file>[^:\s]{1,1024}\.exs?):(?P<line>\d{1,9})(?::(?P<col>\d{1,9}))?(?::|$)"
)
_NEW_HEAD = re.compile(r"(?P<sev>error|warning): (?P<msg>.*)$")
_TREE = re.compile(r"\s*└─ (?P<file>[^:\s]{1,1024}):(?P<line>\d{1,9})(?::(?P<col>\d{1,9}))?(?::|$)")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        head = _HEAD.match(line)
        if head:
            start = i
            frames: list[Frame] = []
            if head["file"]:
                col = int(head["col"]) if head["col"] else None
                line_no = int(head["line"])
                opened = _STARTING.search(head["msg"])
                if opened:  # a missing terminator is reported at the end of the input
                    line_no, col = int(opened["line"]), None
                frames.append(Frame(head["file"], line_no, col))
            i += 1
            while i < n and lines[i][:1].isspace():
                frame = _FRAME.match(lines[i])
                if frame:
                    frames.append(
                        Frame(
                            frame["file"],
                            int(frame["line"]),
                            function=frame["func"],
                            internal=bool(frame["app"]),
                        )
                    )
                i += 1
            message = f"{head['type']}: {head['msg']}"
            text = "\n".join(lines[start:i])
            problems.append(Problem(message, "error", tuple(frames), head["type"], text))
            continue
        new = _NEW_HEAD.match(line)
        if new:
            for j in range(i + 1, min(i + 40, n)):
                tree = _TREE.match(lines[j]) or _OLD_WHERE.match(lines[j])
                if tree:
                    col = int(tree["col"]) if tree["col"] else None
                    located = Frame(tree["file"], int(tree["line"]), col)
                    text = "\n".join(lines[i : j + 1])
                    problems.append(
                        Problem(new["msg"], severity_of(new["sev"]), (located,), None, text)
                    )
                    i = j
                    break
                if not lines[j].strip():
                    break
        i += 1
    return problems
