r"""C, C++, Objective-C and Swift compilers (gcc, clang, swiftc), linkers and sanitizers.

A real sample (gcc 12)::

    main.c: In function ‘main’:
    main.c:5:20: error: ‘y’ undeclared (first use in this function)
        5 |     printf("%d\n", y);
          |                    ^
    main.c:5:20: note: each undeclared identifier is reported only once for each function it appears in
    main.c:4:9: warning: unused variable ‘x’ [-Wunused-variable]

and AddressSanitizer reports, whose first block of `#N 0x… in func file:line` frames is the
faulting stack::

    ==11203==ERROR: AddressSanitizer: heap-use-after-free on address 0x602000000018 at pc …
        #0 0x55558f94d203 in read_at /sandbox/main.c:5
        #1 0x55558f94d23a in main /sandbox/main.c:11

Notes attach to the error before them. Errors located in system headers are attributed to the
last user location printed before them (`main.cpp:6:14:   required from here`, or the
`In file included from`/`from main.cpp:1:` chain).
"""

# ruff: noqa: RUF002, E501
from __future__ import annotations

import re

from ..model import Frame, Problem
from .shapes import attach_notes, severity_of

_DIAG = re.compile(
    r"(?P<file>[^\s:][^:]{0,1024}):(?P<line>\d{1,9}):(?:(?P<col>\d{1,9}):)? "
    r"(?P<sev>(?:fatal )?error|warning|note|remark): (?P<msg>.*)$"
)
_LINKER = re.compile(
    r"(?P<file>[^\s:][^:]{0,1024}):\((?P<section>\.[\w.]{1,100})\+0x[0-9a-f]{1,16}\): (?P<msg>.*)$"
)
_GUTTER = re.compile(r"\s{0,12}(?P<num>\d{1,9})? \| ")
_SANITIZER = re.compile(r"==\d{1,12}==ERROR: (?P<msg>\w{1,64}Sanitizer: .*)$")
_RUNTIME_ERROR = re.compile(
    r"(?P<file>[^\s:][^:]{0,1024}):(?P<line>\d{1,9}):(?P<col>\d{1,9}): runtime error: (?P<msg>.*)$"
)
_SAN_FRAME = re.compile(
    r"\s+#\d{1,5} 0x[0-9a-f]{1,16} in (?P<func>\S{1,512}) "
    r"(?P<file>[^:\s][^:]{0,1024}):(?P<line>\d{1,9})(?::(?P<col>\d{1,9}))?$"
)
_SWIFT_RUNTIME = re.compile(
    r"(?P<file>[^\s:][^:]{0,1024}\.swift):(?P<line>\d{1,9}): "
    r"(?P<msg>(?:Fatal error|Precondition failed|Assertion failed).*)$"
)
_CONTEXT = re.compile(
    r"(?:In file included from |\s+from )?(?P<file>[^\s:][^:]{0,1024}):(?P<line>\d{1,9})"
    r"(?::(?P<col>\d{1,9}))?(?::\s+required from .*|[:,])$"
)
_SYSTEM = ("/usr/include/", "/usr/lib/gcc/", "/usr/local/include/", "/Library/Developer/")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    last_user: Frame | None = None
    while i < n:
        line = lines[i]
        if ":" not in line:
            i += 1
            continue
        diag = _DIAG.match(line)
        if diag:
            col = int(diag["col"]) if diag["col"] else None
            frame = Frame(diag["file"], int(diag["line"]), col, unit="display")
            start = i
            i += 1
            while i < n and _GUTTER.match(lines[i]):
                if frame.end_column is None and col is not None and "^" in lines[i]:
                    frame = _with_span(frame, lines[i - 1], lines[i])
                i += 1
            frames = [frame]
            if frame.path.startswith(_SYSTEM) and last_user is not None:
                frames.append(last_user)
            elif not frame.path.startswith(_SYSTEM):
                last_user = frame
            problems.append(
                Problem(
                    diag["msg"],
                    severity_of(diag["sev"]),
                    tuple(frames),
                    _flag(diag["msg"]),
                    "\n".join(lines[start:i]),
                )
            )
            continue
        context = _CONTEXT.match(line)
        if context and not context["file"].startswith(_SYSTEM):
            # `main.cpp:6:14:   required from here`, `In file included from main.cpp:1:`
            col = int(context["col"]) if context["col"] else None
            last_user = Frame(context["file"], int(context["line"]), col)
            i += 1
            continue
        linker = _LINKER.match(line)
        if linker:
            frame = Frame(linker["file"], 0)
            problems.append(Problem(linker["msg"], "error", (frame,), "linker", line))
        elif (sanitizer := _SANITIZER.match(line)) is not None:
            i = _sanitizer(lines, i, sanitizer["msg"], problems)
            continue
        elif (ub := _RUNTIME_ERROR.match(line)) is not None:
            frame = Frame(ub["file"], int(ub["line"]), int(ub["col"]))
            problems.append(Problem(f"runtime error: {ub['msg']}", "error", (frame,), None, line))
        elif (swift := _SWIFT_RUNTIME.match(line)) is not None:
            frame = Frame(swift["file"], int(swift["line"]))
            problems.append(Problem(swift["msg"], "error", (frame,), None, line))
        i += 1
    return attach_notes(problems)


def _with_span(frame: Frame, source: str, marker: str) -> Frame:
    """The `^~~~` under the column in gcc's `  5 | code` / `    |   ^~~` excerpt."""
    source_bar = source.find("| ")
    marker_bar = marker.find("| ")
    if source_bar < 0 or marker_bar < 0 or frame.column is None:
        return frame
    index = marker_bar + 2 + frame.column - 1
    if index >= len(marker) or marker[index] not in "^~":
        return frame
    stop = index + 1
    while stop < len(marker) and marker[stop] == "~":
        stop += 1
    end = frame.column + (stop - index)
    return Frame(frame.path, frame.line, frame.column, end, unit=frame.unit)


def _flag(message: str) -> str | None:
    """gcc's `[-Wunused-variable]` suffix as the diagnostic code."""
    if message.endswith("]") and " [-W" in message:
        return message[message.rindex(" [-W") + 2 : -1]
    return None


def _sanitizer(lines: list[str], i: int, message: str, problems: list[Problem]) -> int:
    start = i
    frames: list[Frame] = []
    i += 1
    seen_frame = False
    while i < len(lines):
        match = _SAN_FRAME.match(lines[i])
        if match:
            seen_frame = True
            col = int(match["col"]) if match["col"] else None
            frames.append(Frame(match["file"], int(match["line"]), col, function=match["func"]))
        elif seen_frame and not lines[i].strip():
            break
        i += 1
        if i - start > 400:
            break
    problems.append(
        Problem(
            message, "error", tuple(frames), message.split(":", 1)[0], "\n".join(lines[start:i])
        )
    )
    return i
