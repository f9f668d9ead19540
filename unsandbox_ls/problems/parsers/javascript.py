r"""JavaScript and TypeScript: Node.js, Deno and Bun runtime errors; tsc and `deno check`.

A real sample (Node.js 20, through the local sandbox; the echoed line's comment cut here)::

    /sandbox/main.js:2
      return settings.config.name;
                             ^

    TypeError: Cannot read properties of undefined (reading 'name')
        at readName (/sandbox/main.js:2:26)
        at describe (/sandbox/main.js:6:21)
        at Object.<anonymous> (/sandbox/main.js:9:13)
        at Module._compile (node:internal/modules/cjs/loader:1521:14)

    Node.js v20.20.2

A SyntaxError has only the `file:line` header and the caret (0-based column, verbatim echo).
tsc (5.x, no TTY) prints `main.ts(1,5): error TS2322: Type 'string' is not assignable to type
'number'.`, or `main.ts:1:5 - error TS2322: …` with `--pretty`. Deno prefixes `error: Uncaught`
and uses `file://` URLs; `deno check` prints `TS2322 [ERROR]: …` and a later `at file://…:L:C`.
Real samples (Deno 2.9.6 `deno run`, then Bun 1.4.5; see tests/problems/captures)::

    error: Uncaught (in promise) TypeError: Cannot read properties of undefined (reading 'name')
      return settings.config!.name;
                              ^
        at readName (file:///sandbox/main.ts:6:27)
        at describe (file:///sandbox/main.ts:10:21)
        at file:///sandbox/main.ts:13:13

    6 |   return settings.config!.name;
                          ^
    TypeError: undefined is not an object (evaluating 'settings.config.name')
          at readName (/sandbox/main.ts:6:19)
          at describe (/sandbox/main.ts:10:21)
          at /sandbox/main.ts:13:13

    Bun v1.4.5 (Linux x64)
"""

from __future__ import annotations

import re

from ..model import Frame, Problem
from .shapes import caret_span, is_marker_line, severity_of

_HEADER = re.compile(r"(?P<file>(?:file://)?[^\s:][^:]{0,1024}):(?P<line>\d{1,9})$")
_AT = re.compile(
    r"\s+at (?:async )?(?:(?P<func>[^()]{1,512}?) \()?"
    r"(?P<file>(?:file://)?[^()\s][^()]{0,1024}?):(?P<line>\d{1,9}):(?P<col>\d{1,9})\)?$"
)
_AT_ANY = re.compile(r"\s+at \S")
_TSC = re.compile(
    r"(?P<file>[^\s(][^(:]{0,1024}?)(?:\((?P<line>\d{1,9}),(?P<col>\d{1,9})\): "
    r"|:(?P<line2>\d{1,9}):(?P<col2>\d{1,9}) - )"
    r"(?P<sev>error|warning|info|message) TS(?P<code>\d{1,6}): (?P<msg>.*)$"
)
_DENO_CHECK = re.compile(r"(?P<code>TS\d{1,6}) \[(?P<sev>ERROR|WARN)\]: (?P<msg>.*)$")
_DENO_AT = re.compile(r"\s*at (?P<file>file://\S{1,1024}?):(?P<line>\d{1,9}):(?P<col>\d{1,9})$")
_MESSAGE_PREFIX = re.compile(r"(?:error: )?(?:Uncaught (?:\(in promise\) )?)?")
_TYPE = re.compile(r"(?P<type>[\w$.]{0,200}(?:Error|Exception|Rejection))\b")
_GUTTER = re.compile(r"\s*\d{1,9} \| ")


def parse(lines: list[str]) -> list[Problem]:
    problems = _compile_errors(lines)
    problems.extend(_runtime_errors(lines))
    return problems


def _compile_errors(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    for index, line in enumerate(lines):
        if " TS" not in line and "TS" not in line[:8]:
            continue
        tsc = _TSC.match(line)
        if tsc:
            row = int(tsc["line"] or tsc["line2"])
            col = int(tsc["col"] or tsc["col2"])
            sev = severity_of(tsc["sev"])
            frame = Frame(tsc["file"].strip(), row, col, unit="utf-16")
            problems.append(Problem(tsc["msg"], sev, (frame,), f"TS{tsc['code']}", line))
            continue
        deno = _DENO_CHECK.match(line)
        if deno:
            for offset in range(index + 1, min(index + 12, len(lines))):
                at = _DENO_AT.match(lines[offset])
                if at:
                    frame = Frame(at["file"], int(at["line"]), int(at["col"]), unit="utf-16")
                    severity = severity_of(deno["sev"])
                    notes, end = _deno_notes(lines, offset + 1)
                    text = "\n".join(lines[index:end])
                    problems.append(
                        Problem(deno["msg"], severity, (frame,), deno["code"], text, notes)
                    )
                    break
    return problems


def _deno_notes(lines: list[str], i: int) -> tuple[tuple[Problem, ...], int]:
    """`deno check`'s indented related information (`'y' is declared here.` + `at …`)."""
    notes: list[Problem] = []
    message: str | None = None
    stop = min(len(lines), i + 40)
    while i < stop and not _DENO_CHECK.match(lines[i]) and not lines[i].startswith("error: "):
        at = _DENO_AT.match(lines[i])
        if at and message is not None:
            frame = Frame(at["file"], int(at["line"]), int(at["col"]), unit="utf-16")
            notes.append(Problem(message, "info", (frame,), None, message))
            message = None
        elif lines[i].startswith("    ") and lines[i].strip() and message is None:
            message = lines[i].strip()
        i += 1
    return tuple(notes), i


def _runtime_errors(lines: list[str]) -> list[Problem]:
    """Node/Deno/Bun: an optional `file:line` + echo + caret header, a message, `at` frames."""
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    done = 0  # lines before this index belong to an earlier problem
    while i < n:
        if not lines[i]:
            i += 1
            continue
        header = _HEADER.match(lines[i])
        caret_frame: Frame | None = None
        if header and i + 2 < n and is_marker_line(lines[i + 2]):
            span = caret_span(lines[i + 2])
            assert span is not None
            caret_frame = Frame(
                header["file"],
                int(header["line"]),
                span[0] + 1,
                span[0] + 1 + span[1],
                echo=lines[i + 1],
                unit="utf-16",
            )
            start = i
            i += 3
            while i < n and not lines[i].strip():
                i += 1
            first_message = i
        elif (
            i + 1 < n
            and lines[i].strip()
            and not _AT_ANY.match(lines[i])
            and _AT_ANY.match(lines[i + 1])
        ):
            first_message = i
            while (
                first_message - 1 >= done
                and lines[first_message - 1].strip()
                and not _AT_ANY.match(lines[first_message - 1])
            ):
                first_message -= 1
            start = first_message
        else:
            i += 1
            continue
        message_lines: list[str] = []
        j = first_message
        while j < n and lines[j].strip() and not _AT_ANY.match(lines[j]):
            message_lines.append(lines[j])
            j += 1
        frames: list[Frame] = []
        while j < n and _AT_ANY.match(lines[j]):
            at = _AT.match(lines[j])
            if at:
                frames.append(
                    Frame(
                        at["file"],
                        int(at["line"]),
                        int(at["col"]),
                        function=at["func"],
                        unit="utf-16",
                    )
                )
            j += 1
        i = done = max(j, i + 1)
        if caret_frame is None and not frames:
            continue
        if message_lines and message_lines[0][:1].isspace() and caret_frame is None:
            continue  # indented: related information of `deno check`, read with its error
        if any(_DENO_CHECK.match(line) for line in message_lines):
            continue  # `deno check` output, read by _compile_errors
        if caret_frame is not None:
            frames = _merge_caret(caret_frame, frames)
        message = _message(message_lines)
        kind = _TYPE.match(message)
        text = "\n".join(lines[start:j]).strip("\n")
        problems.append(
            Problem(message, "error", tuple(frames), kind["type"] if kind else None, text)
        )
    return problems


def _message(candidates: list[str]) -> str:
    """The error line among the lines before the frames (Bun puts a source excerpt first)."""
    for line in candidates:
        cleaned = _MESSAGE_PREFIX.sub("", line.strip(), count=1)
        if _TYPE.match(cleaned) or line.startswith("error: "):
            return cleaned
    for line in candidates:
        if not _GUTTER.match(line) and not is_marker_line(line):
            return _MESSAGE_PREFIX.sub("", line.strip(), count=1)
    return "Uncaught exception"


def _merge_caret(caret: Frame, frames: list[Frame]) -> list[Frame]:
    """Put the header's caret position first; a frame on the same line lends its function."""
    rest = list(frames)
    function = None
    if rest and rest[0].line == caret.line and _same_file(rest[0].path, caret.path):
        function = rest.pop(0).function
    merged = Frame(
        caret.path, caret.line, caret.column, caret.end_column, function, caret.echo,
        unit="utf-16",
    )  # fmt: skip
    return [merged, *rest]


def _same_file(a: str, b: str) -> bool:
    return a.removeprefix("file://") == b.removeprefix("file://")
