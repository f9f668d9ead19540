r"""Bash and POSIX sh (dash): `FILE: line N: message` and `FILE: N: message`.

A real sample (bash 5.2, then dash)::

    main.sh: line 2: nosuchcmd: command not found
    syn.sh: line 1: syntax error near unexpected token `then'
    syn.sh: line 1: `if then'
    main.sh: 2: nosuchcmd: not found
    syn.sh: 1: Syntax error: "then" unexpected

The backtick echo of the offending line after a bash syntax error is skipped.
"""

from __future__ import annotations

import re

from ..model import Frame, Problem

_LINE = re.compile(r"(?P<file>[^:\s][^:]{0,1024}): (?:line )?(?P<line>\d{1,9}): (?P<msg>.*)$")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for line in lines:
        match = _LINE.match(line)
        if match is None or (match["msg"].startswith("`") and match["msg"].endswith("'")):
            continue
        frame = Frame(match["file"], int(match["line"]))
        problems.append(Problem(match["msg"], "error", (frame,), None, line))
    return problems
