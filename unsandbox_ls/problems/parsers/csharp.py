r"""C# and F#: mcs/csc/dotnet build diagnostics and Mono/.NET exception stacks.

A real sample (Mono 6.8, `mcs -debug` then `mono --debug`; see tests/problems/captures)::

    Unhandled Exception:
    System.IndexOutOfRangeException: Index was outside the bounds of the array.
      at Program.Pick (System.Int32[] values, System.Int32 index) [0x00001] in /sandbox/main.cs:7
      at Program.Third (System.Int32[] values) [0x00003] in /sandbox/main.cs:12
      at Program.Main () [0x0000b] in /sandbox/main.cs:16
    [ERROR] FATAL UNHANDLED EXCEPTION: System.IndexOutOfRangeException: Index was outside the …

and `p.cs(1,40): error CS0029: Cannot implicitly convert type `string' to `int'`. .NET frames
read `at App.Run() in /src/Program.cs:line 156`. Mono prints the exception twice; the
duplicates are dropped by `parse_output`.
"""

from __future__ import annotations

import re

from ..model import Frame, Problem
from .shapes import severity_of

_BUILD = re.compile(
    r"\s*(?:\d{1,4}>)?(?P<file>[^(\s][^(]{0,1024})\((?P<line>\d{1,9}),(?P<col>\d{1,9})"
    r"(?:,\d{1,9},\d{1,9})?\): (?P<sev>error|warning) (?P<code>(?:CS|FS)\d{1,5}): "
    r"(?P<msg>.*?)(?: \[[^\]]{1,1024}\])?$"
)
_HEAD = re.compile(
    r"(?:Unhandled [Ee]xception[.:] ?|\[ERROR\] FATAL UNHANDLED EXCEPTION: )?"
    r"(?P<type>[A-Za-z_][\w]{0,200}(?:\.[\w`]{1,200}){0,40}(?:Exception|Error))(?:: (?P<msg>.*))?$"
)
_AT = re.compile(
    r"\s+at (?P<func>.{1,1024}?)(?: \[0x[0-9a-f]{1,16}\])? in (?P<file>.{1,1024}?):"
    r"(?:line )?(?P<line>\d{1,9})\s*$"
)


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        build = _BUILD.match(line)
        if build:
            frame = Frame(build["file"].strip(), int(build["line"]), int(build["col"]))
            severity = severity_of(build["sev"])
            problems.append(Problem(build["msg"], severity, (frame,), build["code"], line))
            i += 1
            continue
        head = _HEAD.match(line.strip()) if not line[:1].isspace() else None
        if head and i + 1 < n and lines[i + 1].lstrip().startswith("at "):
            start = i
            frames: list[Frame] = []
            i += 1
            while i < n and lines[i].lstrip().startswith(("at ", "---", "--- End")):
                at = _AT.match(lines[i])
                if at and not at["file"].startswith("<"):
                    frames.append(Frame(at["file"], int(at["line"]), function=at["func"].strip()))
                i += 1
            short = head["type"].rsplit(".", 1)[-1]
            message = f"{short}: {head['msg']}" if head["msg"] else short
            text = "\n".join(lines[start:i])
            problems.append(Problem(message, "error", tuple(frames), head["type"], text))
            continue
        i += 1
    return problems
