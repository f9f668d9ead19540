r"""Perl: `die`/`warn` messages and compile errors, `… at FILE line N.`.

A real sample (Perl 5.36)::

    syntax error at syn.pl line 2, near "+;"
    Execution of syn.pl aborted due to compilation errors.
    bad value: 3 at main.pl line 4.

The last located message is the error (the run died there); earlier ones are warnings, except
compile errors (`syntax error`, `Global symbol …`), which are errors. `near "…"` may continue on
the next line. `die "msg\n"` prints no location and gives nothing here.
"""

from __future__ import annotations

import re

from ..model import Frame, Problem, Severity

_AT = re.compile(
    r"(?P<msg>.*) at (?P<file>\S{1,1024}) line (?P<line>\d{1,9})"
    r"(?P<rest>, (?:near|at) .*|, <[^>]{0,200}> (?:line|chunk) \d{1,9})?\.?$"
)
_CALLED = re.compile(r"\s+(?P<func>\S.*?) called at (?P<file>\S{1,1024}) line (?P<line>\d{1,9})$")
_COMPILE = ("syntax error", "Global symbol", "Can't locate", "BEGIN failed", "Missing right")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for i, line in enumerate(lines):
        if " line " not in line or line.startswith("Execution of "):
            continue
        if _CALLED.match(line):
            continue
        match = _AT.match(line)
        if match is None:
            continue
        frames = [Frame(match["file"], int(match["line"]))]
        j = i + 1
        while j < len(lines) and (called := _CALLED.match(lines[j])) is not None:
            frames.append(Frame(called["file"], int(called["line"]), function=called["func"]))
            j += 1
        message = match["msg"]
        if match["rest"]:
            message += match["rest"]
        compile_error = message.startswith(_COMPILE)
        severity: Severity = "error" if compile_error else "warning"
        problems.append(Problem(message, severity, tuple(frames), None, "\n".join(lines[i:j])))
    if problems and problems[-1].severity == "warning":
        last = problems[-1]
        problems[-1] = Problem(last.message, "error", last.frames, last.code, last.text)
    return problems
