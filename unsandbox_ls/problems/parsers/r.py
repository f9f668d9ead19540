r"""R: `Error in call : message`, parse errors, warnings.

A real sample (R 4.2.2, `Rscript main.R`)::

    Error in f(3) : bad value: 3
    Calls: g -> f
    Execution halted

R prints no line for run-time errors, nor for parse errors under `Rscript file.R`
(`Error: unexpected ')' in "z <- )"`); the problem then carries an excerpt (the call, or the
quoted source) for the mapping to look for in the buffer. `source()` parse errors do have
`file:line:col`.
"""

from __future__ import annotations

import re

from ..model import Frame, Problem

_SOURCED = re.compile(
    r"Error in (?:source|parse)\(.*\) : (?P<file>[^:]{1,1024}):(?P<line>\d{1,9}):(?P<col>\d{1,9}): "
    r"(?P<msg>.*)$"
)
_ERROR = re.compile(r"Error(?: in (?P<call>.{1,1024}?))? ?: (?P<msg>.*)$")
_UNEXPECTED = re.compile(r"(?P<msg>unexpected .*) in \"(?P<excerpt>.*)\"$")
_WARNING_IN = re.compile(r"In (?P<call>.{1,1024}?) : (?P<msg>.*)$")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    for i, line in enumerate(lines):
        sourced = _SOURCED.match(line)
        if sourced:
            frame = Frame(sourced["file"], int(sourced["line"]), int(sourced["col"]))
            problems.append(Problem(sourced["msg"], "error", (frame,), None, line))
            continue
        error = _ERROR.match(line)
        if error:
            message = error["msg"]
            text = [line]
            if i + 1 < n and lines[i + 1].startswith("Calls: "):
                text.append(lines[i + 1])
            unexpected = _UNEXPECTED.match(message)
            excerpt = error["call"]
            if unexpected:
                excerpt = unexpected["excerpt"].split("\n")[-1]
            label = f"Error in {error['call']}: {message}" if error["call"] else f"Error: {message}"
            problems.append(Problem(label, "error", (), None, "\n".join(text), (), excerpt))
            continue
        if line.startswith("Warning message") and i + 1 < n:
            warning = _WARNING_IN.match(lines[i + 1].strip())
            if warning:
                problems.append(
                    Problem(
                        f"Warning in {warning['call']}: {warning['msg']}",
                        "warning",
                        (),
                        None,
                        f"{line}\n{lines[i + 1]}",
                        (),
                        warning["call"],
                    )
                )
    return problems
