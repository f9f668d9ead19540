"""Problems → LSP diagnostics; the only module of the package that imports lsprotocol.

Each problem gives an Error (or the compiler's own severity) where it lands — in the buffer or
in a file sent with it, on that file's own URI — and one Hint per other frame in any of those
files, each linking back to the primary (across files), because Neovim and Helix don't show
`relatedInformation`. Related problems (compiler notes, the earlier exceptions of a chain) are
listed in the primary's `relatedInformation` and get a Hint each too; a note with no spot of its
own in the run's files (on the error's own spot, in a header, in a file that was not sent) is
appended to the primary's message instead, so every editor's hover shows it.

Folded: diagnostics identical in range, message and severity (a warning printed at each turn of
a loop) become one, whose message ends in the count (`TIMES` and N); and one line of a file
gets at most `MAX_PER_LINE` diagnostics, the last of them saying how many more there were (a
run may print thousands on one line). Diagnostics that differ in column are distinct and kept.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types as lsp

from .mapping import (
    MappedFrame,
    Spot,
    Target,
    buffer_frames,
    encode_column,
    excerpt_location,
    file_spot,
    output_paths,
)
from .model import Problem

SOURCE = "unsandbox"

_SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "info": lsp.DiagnosticSeverity.Information,
    "hint": lsp.DiagnosticSeverity.Hint,
}

#: More hints than this per problem (deep recursion) would only bury the error.
MAX_FRAME_HINTS = 32
#: Lines of a primary message beyond which further notes are left to the output log.
MAX_NOTE_LINES = 12
#: Diagnostics shown on one line of a file; the last says how many more there were.
MAX_PER_LINE = 20
#: the sign of a folded diagnostic's count, as in `(\u00d75)`
TIMES = "\N{MULTIPLICATION SIGN}"


def to_range(spot: Spot, target: Target, encoding: str = "utf-16") -> lsp.Range:
    """An LSP range of a mapped spot in the client's position encoding."""
    text = target.lines[spot.line] if 0 <= spot.line < len(target.lines) else ""
    return lsp.Range(
        lsp.Position(spot.line, encode_column(text, spot.start, encoding)),
        lsp.Position(spot.line, encode_column(text, spot.end, encoding)),
    )


def _function_label(name: str | None) -> str:
    if not name:
        return "top level"
    if name.startswith("<") or name.endswith(")"):
        return name
    return f"{name}()"


def _with_note(message: str, note: str) -> str:
    """The message with one more note line, up to MAX_NOTE_LINES (C++ lists many candidates)."""
    lines = message.count("\n")
    if lines > MAX_NOTE_LINES:
        return message
    if lines == MAX_NOTE_LINES:
        return f"{message}\n…"
    return f"{message}\n{note}"


def _headline(problem: Problem) -> str:
    return problem.message.split("\n", 1)[0]


def primary_location(
    problem: Problem, target: Target, paths: frozenset[str]
) -> tuple[Target, Spot, list[MappedFrame]]:
    """Where a problem is reported (document and spot) and its mapped frames, innermost first:
    its first mapped frame, else its excerpt's line, else the buffer's first line."""
    frames = buffer_frames(problem, target, paths)
    if frames:
        return frames[0].document, frames[0].spot, frames
    found = excerpt_location(problem, target)
    if found is not None:
        return found[0], found[1], []
    return target, file_spot(target), []


def to_diagnostics(
    problems: list[Problem], target: Target, encoding: str = "utf-16"
) -> dict[str, list[lsp.Diagnostic]]:
    """Diagnostics per URI (the buffer's and the sent files'), each problem's primary first then
    its frame and related hints; identical ones folded and each line capped (module docstring)."""
    counts: dict[tuple[str, int, int, int, int, str, int], list[Any]] = {}
    paths = output_paths(problems)
    for number, problem in enumerate(problems):
        for uri, diagnostic in _problem_diagnostics(problem, number, target, encoding, paths):
            rng = diagnostic.range
            key = (
                uri,
                rng.start.line,
                rng.start.character,
                rng.end.line,
                rng.end.character,
                diagnostic.message,
                int(diagnostic.severity or 0),
            )
            if key in counts:
                counts[key][1] += problem.repeats
            else:
                counts[key] = [diagnostic, problem.repeats]
    out: dict[str, list[lsp.Diagnostic]] = {}
    per_line: dict[tuple[str, int], list[lsp.Diagnostic]] = {}
    left_out: dict[tuple[str, int], list[lsp.Diagnostic]] = {}
    for (uri, line, *_), (diagnostic, count) in counts.items():
        if count > 1:
            diagnostic.message = _counted(diagnostic.message, count)
        shown = per_line.setdefault((uri, line), [])
        if len(shown) < MAX_PER_LINE - 1:
            shown.append(diagnostic)
            out.setdefault(uri, []).append(diagnostic)
        else:
            left_out.setdefault((uri, line), []).append(diagnostic)
    for (uri, _line), extra in left_out.items():
        if len(extra) == 1:  # the 20th fits: no summary needed
            out[uri].append(extra[0])
            continue
        severity = min(int(d.severity or lsp.DiagnosticSeverity.Hint) for d in extra)
        out[uri].append(
            lsp.Diagnostic(
                range=extra[0].range,
                message=f"… and {len(extra)} more on this line (all of them are in the output)",
                severity=lsp.DiagnosticSeverity(severity),
                source=SOURCE,
            )
        )
    return out


def _counted(message: str, count: int) -> str:
    """The message with its count at the end of its first line (what editors show inline)."""
    first, newline, rest = message.partition("\n")
    return f"{first} ({TIMES}{count}){newline}{rest}"


def _data(problem: Problem, number: int, frame: int, target: Target) -> dict[str, Any]:
    data: dict[str, Any] = {"problem": number, "frame": frame, "traceback": problem.text}
    if target.run_id:
        data["runId"] = target.run_id
    return data


def _problem_diagnostics(
    problem: Problem, number: int, target: Target, encoding: str, paths: frozenset[str]
) -> list[tuple[str, lsp.Diagnostic]]:
    document, spot, frames = primary_location(problem, target, paths)
    primary_range = to_range(spot, document, encoding)
    primary_at = lsp.Location(document.uri, primary_range)
    headline = _headline(problem)
    total = len(frames)
    related_info: list[lsp.DiagnosticRelatedInformation] = []
    hints: list[tuple[str, lsp.Diagnostic]] = []
    back_link = [lsp.DiagnosticRelatedInformation(primary_at, headline)]

    shown = {(document.uri, spot.line, spot.start, spot.end)}
    for position, mapped in enumerate(frames[1 : MAX_FRAME_HINTS + 1], start=2):
        where_key = (mapped.document.uri, mapped.spot.line, mapped.spot.start, mapped.spot.end)
        if where_key in shown:  # recursion, or PHP's call line of a built-in: said already
            continue
        shown.add(where_key)
        callee = frames[position - 2].frame.function
        where = _function_label(mapped.frame.function)
        message = f"frame {position}/{total}: in {where}"
        if callee:
            message += f", calls {_function_label(callee)}"
        message += f" ({headline})"
        location_range = to_range(mapped.spot, mapped.document, encoding)
        related_info.append(
            lsp.DiagnosticRelatedInformation(
                lsp.Location(mapped.document.uri, location_range),
                f"frame {position}/{total}: {where}",
            )
        )
        hints.append(
            (
                mapped.document.uri,
                lsp.Diagnostic(
                    range=location_range,
                    message=message,
                    severity=lsp.DiagnosticSeverity.Hint,
                    code=problem.code,
                    source=SOURCE,
                    related_information=back_link,
                    data=_data(problem, number, mapped.index, target),
                ),
            )
        )

    message = problem.message
    for other in problem.related:
        other_frames = buffer_frames(other, target, paths)
        is_note = other.severity in ("info", "hint")
        label = "note" if is_note else "related"
        if not other_frames:
            if is_note:  # a note on a header or another file: its words join the message
                message = _with_note(message, f"{label}: {_headline(other)}")
            continue
        other_document = other_frames[0].document
        other_range = to_range(other_frames[0].spot, other_document, encoding)
        related_info.append(
            lsp.DiagnosticRelatedInformation(
                lsp.Location(other_document.uri, other_range), f"{label}: {_headline(other)}"
            )
        )
        if other_range.start == primary_range.start and other_document.uri == document.uri:
            if is_note:  # a note on the error's own spot: said in the message itself
                message = _with_note(message, f"{label}: {_headline(other)}")
            continue
        hints.append(
            (
                other_document.uri,
                lsp.Diagnostic(
                    range=other_range,
                    message=f"{label}: {_headline(other)}",
                    severity=lsp.DiagnosticSeverity.Hint,
                    code=other.code,
                    source=SOURCE,
                    related_information=back_link,
                    data=_data(problem, number, -1, target),
                ),
            )
        )

    primary = lsp.Diagnostic(
        range=primary_range,
        message=message,
        severity=_SEVERITY.get(problem.severity, lsp.DiagnosticSeverity.Error),
        code=problem.code,
        source=SOURCE,
        related_information=related_info or None,
        data=_data(problem, number, frames[0].index if frames else -1, target),
    )
    return [(document.uri, primary), *hints]
