r"""The fallback for languages without their own parser: `file:line[:col]: message`.

It accepts the shape most compilers share, for example (gcc 12, real)::

    main.c:4:9: warning: unused variable ‘x’ [-Wunused-variable]

and the variants `file(line,col): message`, `file, line N: message` and `file: line N: message`
(mawk 1.3.4, real: `awk: main.awk: line 2: syntax error at or near {`). The file must
look like one (an extension, a slash, or `<stdin>`), so that `Error: 12: …` is not taken for a
location.
"""

# ruff: noqa: RUF002
from __future__ import annotations

import re

from ..model import Frame, Problem
from .shapes import severity_of

_COLON = re.compile(
    r"(?:\S{1,64}: )?(?P<file>[^\s:(][^:(]{0,1024}):(?P<line>\d{1,9})(?:[:.](?P<col>\d{1,9}))?"
    r"(?:-\d{1,9})?:? (?P<msg>.*)$"
)
_PAREN = re.compile(
    r"(?P<file>[^\s(][^(]{0,1024})\((?P<line>\d{1,9})(?:,(?P<col>\d{1,9}))?\)\s?:? (?P<msg>.*)$"
)
_WORDY = re.compile(
    r"(?:\S{1,64}: )?(?P<file>[^\s,:][^,:]{0,1024})(?:,|:) line (?P<line>\d{1,9}):? (?P<msg>.*)$"
)
#: a line without a digit cannot hold a location (one regex scan, far cheaper than per character)
_DIGIT = re.compile(r"\d")
_SEVERITY = re.compile(r"\s*(?P<sev>fatal error|error|warning|note|info|Error|Warning)\b:?\s*")


def _looks_like_file(path: str) -> bool:
    name = path.strip()
    if name.startswith("<") and name.endswith(">"):
        return True
    return "/" in name or ("." in name.rsplit("/", 1)[-1] and " " not in name)


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for line in lines:
        if _DIGIT.search(line) is None:
            continue
        match = _COLON.match(line) or _PAREN.match(line) or _WORDY.match(line)
        if match is None or not _looks_like_file(match["file"]):
            continue
        message = match["msg"].strip()
        word = _SEVERITY.match(message)
        severity = severity_of(word["sev"] if word else "error")
        if word:
            message = message[word.end() :] or message
        col = int(match["col"]) if match.re.groupindex.get("col") and match["col"] else None
        frame = Frame(match["file"].strip(), int(match["line"]), col)
        problems.append(Problem(message, severity, (frame,), None, line))
    return problems
