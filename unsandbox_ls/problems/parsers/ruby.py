r"""Ruby: uncaught exceptions with `from` frames, error_highlight spans, syntax errors.

A real sample (Ruby 3.1.2)::

    main.rb:2:in `f': undefined method `[]' for nil:NilClass (NoMethodError)

      x[1]
       ^^^
        from main.rb:5:in `<main>'

and `syn.rb:3: syntax error, unexpected `end'`. Ruby 3.4 quotes with `'…'` and qualifies the
method (`in 'Object#f'`); both quote styles are accepted. Frames are printed innermost first.
"""

# ruff: noqa: E501
from __future__ import annotations

import re

from ..model import Frame, Problem
from .shapes import caret_span, is_marker_line

_FRAME = re.compile(
    r"(?P<from>\s+from )?(?P<file>[^:\s][^:]{0,1024}):(?P<line>\d{1,9}):in [`'](?P<func>[^'`]{0,512})'"
    r"(?:: (?P<msg>.*))?$"
)
_SYNTAX = re.compile(
    r"(?P<file>[^:\s][^:]{0,1024}):(?P<line>\d{1,9}): (?P<msg>(?:syntax errors?\b|.*\(SyntaxError\)$).*)$"
)
_CLASS = re.compile(r"^(?P<msg>.*) \((?P<type>[A-Z][\w:]{0,200})\)$")
_WARNING = re.compile(r"(?P<file>[^:\s][^:]{0,1024}):(?P<line>\d{1,9}): warning: (?P<msg>.*)$")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        head = _FRAME.match(line)
        if head and not head["from"] and head["msg"] is not None:
            start = i
            message = head["msg"]
            kind = _CLASS.match(message)
            first = Frame(head["file"], int(head["line"]), function=head["func"])
            frames = [first]
            i += 1
            while i < n and not lines[i].startswith("\tfrom ") and not _FRAME.match(lines[i]):
                if is_marker_line(lines[i]) and i > 0 and lines[i - 1].strip():
                    span = caret_span(lines[i])
                    if span is not None:
                        frames[0] = Frame(
                            first.path,
                            first.line,
                            span[0] + 1,
                            span[0] + 1 + span[1],
                            first.function,
                            echo=lines[i - 1],
                        )
                i += 1
                if i - start > 12:
                    break
            while i < n:
                more = _FRAME.match(lines[i])
                if not more or not more["from"]:
                    break
                frames.append(Frame(more["file"], int(more["line"]), function=more["func"]))
                i += 1
            if kind:
                message = f"{kind['type']}: {kind['msg']}"
            problems.append(
                Problem(
                    message,
                    "error",
                    tuple(frames),
                    kind["type"] if kind else None,
                    "\n".join(lines[start:i]).strip("\n"),
                )
            )
            continue
        syntax = _SYNTAX.match(line)
        if syntax:
            frame = Frame(syntax["file"], int(syntax["line"]))
            problems.append(Problem(syntax["msg"], "error", (frame,), "SyntaxError", line))
        else:
            warning = _WARNING.match(line)
            if warning:
                frame = Frame(warning["file"], int(warning["line"]))
                problems.append(Problem(warning["msg"], "warning", (frame,), None, line))
        i += 1
    return problems
