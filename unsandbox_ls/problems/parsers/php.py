r"""PHP: parse errors, fatal errors with stack traces, warnings and notices (both streams).

A real sample (PHP 8.2, stderr with `log_errors`, through the local sandbox)::

    PHP Fatal error:  Uncaught Error: Call to a member function name() on null in /sandbox/main.php:3
    Stack trace:
    #0 /sandbox/main.php(7): owner_name()
    #1 /sandbox/main.php(10): describe()
    #2 {main}
      thrown in /sandbox/main.php on line 3

With `display_errors` the same text goes to stdout without the `PHP ` prefix; `parse_output`
reads both streams and drops duplicates. `#N file(L): call()` means line L made that call, so
each frame's function is the call printed one frame further out.
"""

# ruff: noqa: E501
from __future__ import annotations

import re

from ..model import Frame, Problem
from .shapes import severity_of

_HEAD = re.compile(
    r"(?:PHP )?(?P<sev>Parse error|Fatal error|Warning|Notice|Deprecated|Recoverable fatal error"
    r"|Catchable fatal error|Strict Standards):\s+(?P<msg>.*) in (?P<file>.{1,1024}?)"
    r"(?: on line |:)(?P<line>\d{1,9})$"
)
_FRAME = re.compile(r"#\d{1,5} (?P<file>.{1,1024}?)\((?P<line>\d{1,9})\): (?P<call>.*)$")
_UNCAUGHT = re.compile(r"Uncaught (?P<type>[\w\\]{1,200})(?:: (?P<msg>.*))?$")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    while i < n:
        head = _HEAD.match(lines[i].strip())
        if head is None:
            i += 1
            continue
        start = i
        word = head["sev"]
        severity = "error" if "error" in word.lower() else severity_of(word)
        message = head["msg"]
        code = word
        uncaught = _UNCAUGHT.match(message)
        if uncaught:
            code = uncaught["type"]
            message = f"{uncaught['type']}: {uncaught['msg']}" if uncaught["msg"] else code
        calls: list[tuple[str, int, str]] = []
        i += 1
        if i < n and lines[i].strip() == "Stack trace:":
            i += 1
            while i < n:
                frame = _FRAME.match(lines[i].strip())
                if frame is None:
                    if lines[i].strip().startswith("#"):
                        i += 1
                        continue
                    break
                calls.append((frame["file"], int(frame["line"]), frame["call"]))
                i += 1
            if i < n and lines[i].strip().startswith("thrown in "):
                i += 1
        functions = [call.split("(", 1)[0] for _, _, call in calls] + ["{main}"]
        frames = [Frame(head["file"], int(head["line"]), function=functions[0])]
        for index, (path, line, _) in enumerate(calls):
            frames.append(Frame(path, line, function=functions[index + 1]))
        text = "\n".join(lines[start:i])
        problems.append(Problem(message, severity, tuple(frames), code, text))
    return problems
