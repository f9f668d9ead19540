r"""Julia: `ERROR:` messages with `Stacktrace:` frames and `in expression starting at`.

No Julia runtime is installable on the project's machines; the shapes follow Julia 1.6+ as
documented in the project's stderr notes (`   @ Main /src/main.jl:2`, the frame's location line
under `[1] f(x::Int64)`; `in expression starting at /src/main.jl:9`).
"""

from __future__ import annotations

import re

from ..model import Frame, Problem

_ERROR = re.compile(r"ERROR: (?:LoadError: )?(?P<msg>.*)$")
_FUNC = re.compile(r"\s*\[\d{1,5}\] (?P<func>.*)$")
_AT = re.compile(
    r"\s+@ (?:(?P<mod>\S{1,200}) )?(?P<file>\S{1,1024}?):(?P<line>\d{1,9})(?: \[inlined\])?$"
)
_OLD_AT = re.compile(r"\s*\[\d{1,5}\] (?P<func>.*) at (?P<file>\S{1,1024}?):(?P<line>\d{1,9})$")
_STARTING = re.compile(r"in expression starting at (?P<file>.{1,1024}?):(?P<line>\d{1,9})$")
_INTERNAL_MODULES = ("Base", "Core", "Base.Broadcast", "Base.Iterators")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    while i < n:
        error = _ERROR.match(lines[i])
        if error is None:
            i += 1
            continue
        start = i
        frames: list[Frame] = []
        function: str | None = None
        i += 1
        while i < n and not _ERROR.match(lines[i]):
            line = lines[i]
            at = _AT.match(line)
            old = _OLD_AT.match(line) if at is None else None
            starting = _STARTING.match(line.strip())
            if at:
                internal = (at["mod"] or "") in _INTERNAL_MODULES or at["file"].startswith(".")
                frames.append(
                    Frame(at["file"], int(at["line"]), function=function, internal=internal)
                )
            elif old:
                frames.append(Frame(old["file"], int(old["line"]), function=old["func"]))
            elif starting:
                frames.append(Frame(starting["file"], int(starting["line"]), function="top level"))
            elif (func := _FUNC.match(line)) is not None:
                function = func["func"]
            i += 1
        text = "\n".join(lines[start:i]).strip("\n")
        problems.append(Problem(error["msg"], "error", tuple(frames), None, text))
    return problems
