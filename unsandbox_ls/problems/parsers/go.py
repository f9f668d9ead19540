r"""Go: build errors, vet findings and panics with goroutine frames.

A real sample (go 1.19.8, built by the local sandbox; `//go:noinline` functions)::

    panic: runtime error: index out of range [2] with length 1

    goroutine 1 [running]:
    main.pick({0xc00006ef58?, 0x60?, 0x529ac0?}, 0xc000068000?)
        /sandbox/main.go:7 +0x31
    main.third({0xc00006ef58?, 0x405359?, 0x60?})
        /sandbox/main.go:12 +0x25
    main.main()
        /sandbox/main.go:16 +0x38

and build errors such as `./main.go:4:14: cannot use "s" (untyped string constant) as int
value in variable declaration`. Only the first goroutine block (the panicking one) is read.
"""

# ruff: noqa: E501
from __future__ import annotations

import re

from ..model import Frame, Problem
from .shapes import severity_of

_BUILD = re.compile(
    r"(?:vet: )?(?P<file>[^\s:][^:]{0,1024}\.go):(?P<line>\d{1,9})(?::(?P<col>\d{1,9}))?: (?P<msg>.*)$"
)
_PANIC = re.compile(r"(?:panic|fatal error): (?P<msg>.*)$")
_GOROUTINE = re.compile(r"goroutine \d+ \[[^\]]{0,200}\]:$")
_FUNC = re.compile(r"(?P<func>\S.{0,1024}?)\((?:[^()]{0,1024})\)$")
_LOCATION = re.compile(r"\t(?P<file>\S.{0,1024}?\.go):(?P<line>\d{1,9})(?: \+0x[0-9a-f]{1,16})?$")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    while i < n:
        line = lines[i]
        build = _BUILD.match(line)
        if build:
            col = int(build["col"]) if build["col"] else None
            frame = Frame(build["file"], int(build["line"]), col, unit="byte")
            severity = severity_of("warning" if line.startswith("vet: ") else "error")
            problems.append(Problem(build["msg"], severity, (frame,), None, line))
            i += 1
            continue
        panic = _PANIC.match(line)
        if panic:
            start = i
            message = line
            frames: list[Frame] = []
            i += 1
            while i < n and not _GOROUTINE.match(lines[i]):
                if lines[i].startswith("panic: ") or lines[i].startswith("\tpanic: "):
                    message = lines[i].strip()  # a re-panic names the final value
                i += 1
                if i - start > 200:
                    break
            i += 1
            function: str | None = None
            while i < n and lines[i].strip():
                location = _LOCATION.match(lines[i])
                if location:
                    frames.append(Frame(location["file"], int(location["line"]), function=function))
                    function = None
                else:
                    func = _FUNC.match(lines[i])
                    function = func["func"] if func else lines[i].strip()
                i += 1
            code = "panic" if line.startswith("panic") else "fatal error"
            text = "\n".join(lines[start:i]).strip("\n")
            problems.append(Problem(message, "error", tuple(frames), code, text))
            continue
        i += 1
    return problems
