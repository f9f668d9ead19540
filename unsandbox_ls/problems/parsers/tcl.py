r"""Tcl: `errorInfo` traces, whose procedure lines count from the `proc` line.

A real sample (Tcl 8.6.13)::

    can't use non-numeric string as operand of "+"
        while executing
    "expr {$x + "a"}"
        (procedure "f" line 3)
        invoked from within
    "f 1"
        (procedure "g" line 2)
        invoked from within
    "g"
        (file "main.tcl" line 9)

`(procedure "f" line 3)` is line 3 of f's definition: the mapping finds `proc f` in the buffer.
"""

from __future__ import annotations

import re

from ..model import Frame, Problem

_PROC = re.compile(
    r"\s+\((?:procedure|method) \"(?P<proc>[^\"]{1,512})\" line (?P<line>\d{1,9})\)$"
)
_FILE = re.compile(r"\s+\(file \"(?P<file>[^\"]{1,1024})\" line (?P<line>\d{1,9})\)$")
_WHILE = re.compile(r"\s+(?:while executing|while compiling|invoked from within)$")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    while i < n:
        if not (i + 1 < n and lines[i].strip() and _WHILE.match(lines[i + 1])):
            i += 1
            continue
        start = i
        message = lines[i].strip()
        procs: list[tuple[str, int]] = []
        path: str | None = None
        file_line = 0
        i += 1
        while i < n and (lines[i][:1].isspace() or lines[i].startswith('"')):
            proc = _PROC.match(lines[i])
            where = _FILE.match(lines[i])
            if proc:
                procs.append((proc["proc"], int(proc["line"])))
            elif where:
                path, file_line = where["file"], int(where["line"])
            i += 1
            if lines[i - 1].startswith('"') and not lines[i - 1].rstrip().endswith('"'):
                # a quoted command spanning lines: keep reading until its closing quote
                while i < n and not lines[i].rstrip().endswith('"'):
                    i += 1
                i += 1
        if path is None:
            continue
        frames = [
            Frame(path, line, function=name, relative_to=name.lstrip(":")) for name, line in procs
        ]
        frames.append(Frame(path, file_line))
        problems.append(Problem(message, "error", tuple(frames), None, "\n".join(lines[start:i])))
    return problems
