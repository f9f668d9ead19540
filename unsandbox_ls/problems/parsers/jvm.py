r"""Java, Kotlin, Groovy and Scala: javac/kotlinc diagnostics and JVM exception stacks.

A real sample (OpenJDK 17, `java Main.java`)::

    Exception in thread "main" java.lang.IllegalStateException: wrap
        at Main.main(Main.java:9)
    Caused by: java.lang.NumberFormatException: For input string: "x"
        at java.base/java.lang.Integer.parseInt(Integer.java:668)
        at Main.parse(Main.java:3)
        at Main.main(Main.java:7)
        at jdk.compiler/com.sun.tools.javac.launcher.Main.execute(Main.java:419)

and javac's `Main.java:3: error: incompatible types: String cannot be converted to int`, whose
column comes from the caret line two lines below (a verbatim echo). Frames with a `java.*` or
`jdk.*` module prefix are internal: the source launcher's own frames are also in `Main.java`.
The root cause (the last `Caused by:`) is the problem; the outer exceptions are related.
"""

from __future__ import annotations

import re

from ..model import Frame, Problem
from .shapes import caret_span, is_marker_line, severity_of

_JAVAC = re.compile(
    r"(?P<file>[^\s:][^:]{0,1024}\.(?:java|groovy|scala)):(?P<line>\d{1,9}): "
    r"(?P<sev>error|warning): (?P<msg>.*)$"
)
_KOTLIN = re.compile(
    r"(?:(?P<k2>[ew]): (?:file://)?(?P<file2>[^:\s][^:]{0,1024}\.kts?):(?P<line2>\d{1,9}):"
    r"(?P<col2>\d{1,9}) (?P<msg2>.*)"
    r"|(?P<file>[^:\s][^:]{0,1024}\.kts?):(?P<line>\d{1,9}):(?P<col>\d{1,9}): "
    r"(?P<sev>error|warning): (?P<msg>.*))$"
)
_EXCEPTION = re.compile(
    r"(?:Exception in thread \"[^\"]{0,200}\" |Caused by: |Suppressed: )?"
    r"(?P<type>[a-zA-Z_$][\w$]{0,200}(?:\.[\w$]{1,200}){0,40})(?:: (?P<msg>.*))?$"
)
_AT = re.compile(
    r"\s+at (?:(?P<prefix>[\w.$@-]{1,200})/)?(?P<func>[\w$.<>/-]{1,1024})"
    r"\((?P<where>[^()]{0,1024})\)$"
)
_MORE = re.compile(r"\s+\.\.\. (?P<count>\d{1,6}) more$")
_WHERE = re.compile(r"(?P<file>[^:]{1,1024}):(?P<line>\d{1,9})$")
_INTERNAL_MODULE = re.compile(r"(?:java|jdk|javax|sun|kotlin|org\.jetbrains\.kotlin)\.")


def parse(lines: list[str]) -> list[Problem]:
    problems = _compile_errors(lines)
    problems.extend(_exceptions(lines))
    return problems


def _compile_errors(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for i, line in enumerate(lines):
        javac = _JAVAC.match(line)
        if javac:
            column = end = None
            echo = None
            j = i + 1
            details = []
            while j < len(lines) and j <= i + 8:
                if is_marker_line(lines[j]):
                    span = caret_span(lines[j])
                    if span is not None and j > i + 1:
                        column, end = span[0] + 1, span[0] + 1 + span[1]
                        echo = lines[j - 1]
                    j += 1
                    break
                j += 1
            while j < len(lines) and lines[j].startswith("  ") and ":" in lines[j]:
                details.append(lines[j].strip())  # `symbol:` / `location:` continue the message
                j += 1
            message = "\n".join([javac["msg"], *details])
            frame = Frame(javac["file"], int(javac["line"]), column, end, echo=echo)
            text = "\n".join(lines[i:j])
            problems.append(Problem(message, severity_of(javac["sev"]), (frame,), None, text))
            continue
        kotlin = _KOTLIN.match(line)
        if kotlin:
            if kotlin["k2"]:
                path, row, col = kotlin["file2"], kotlin["line2"], kotlin["col2"]
                sev, msg = kotlin["k2"], kotlin["msg2"]
            else:
                path, row, col = kotlin["file"], kotlin["line"], kotlin["col"]
                sev, msg = kotlin["sev"], kotlin["msg"]
            frame = Frame(path, int(row), int(col))
            problems.append(Problem(msg, severity_of(sev), (frame,), None, line))
    return problems


def _exceptions(lines: list[str]) -> list[Problem]:
    """Each `Exception in thread` block with its `Caused by:` chain becomes one problem."""
    problems: list[Problem] = []
    chain: list[Problem] = []
    start = 0
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        head = _EXCEPTION.match(line) if not line[:1].isspace() else None
        is_cause = line.startswith("Caused by: ")
        if head and i + 1 < n and _AT.match(lines[i + 1]) and _looks_like_exception(head, line):
            if not is_cause and chain:
                problems.append(_finish(chain, lines, start, i))
                chain = []
            if not chain:
                start = i
            frames, i, more = _frames(lines, i + 1)
            if more and chain:  # `... N more`: the last N frames of the enclosing trace
                frames = (*frames, *chain[-1].frames[-more:])
            message = (
                f"{head['type'].rsplit('.', 1)[-1]}: {head['msg']}"
                if head["msg"]
                else (head["type"].rsplit(".", 1)[-1])
            )
            chain.append(Problem(message, "error", frames, head["type"], line))
            continue
        i += 1
    if chain:
        problems.append(_finish(chain, lines, start, n))
    return problems


def _looks_like_exception(head: re.Match[str], line: str) -> bool:
    return (
        line.startswith(("Exception in thread", "Caused by: "))
        or "." in head["type"]
        or (head["type"].endswith(("Exception", "Error")))
    )


def _frames(lines: list[str], i: int) -> tuple[tuple[Frame, ...], int, int]:
    """The `at` frames from line i, the index after them, and the `... N more` count."""
    frames: list[Frame] = []
    more = 0
    while i < len(lines):
        at = _AT.match(lines[i])
        if at is None:
            elided = _MORE.match(lines[i])
            if elided:
                more = int(elided["count"])
                i += 1
                continue
            break
        where = _WHERE.match(at["where"])
        prefix = at["prefix"] or ""
        internal = bool(prefix and _INTERNAL_MODULE.match(prefix)) or bool(
            _INTERNAL_MODULE.match(at["func"])
        )
        if where:
            frames.append(
                Frame(where["file"], int(where["line"]), function=at["func"], internal=internal)
            )
        else:  # `(Native Method)`, `(Unknown Source)`: kept so `... N more` counts match
            frames.append(Frame(at["where"], 0, function=at["func"], internal=True))
        i += 1
    return tuple(frames), i, more


def _finish(chain: list[Problem], lines: list[str], start: int, end: int) -> Problem:
    *outer, root = chain
    text = "\n".join(lines[start:end]).strip("\n")
    return Problem(root.message, "error", root.frames, root.code, text, tuple(outer))
