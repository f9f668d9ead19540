"""Run output → diagnostics, and the bookkeeping of which URIs a run touched.

The conversion itself belongs to `unsandbox_ls.problems`; `fallback_python_diagnostics` is a
minimal stand-in (Python tracebacks only) used while that package does not provide
`parse_output`/`to_diagnostics`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

SOURCE = "unsandbox"


@dataclass(frozen=True)
class RunTarget:
    """Where the submitted program came from, for mapping its stderr back to the buffer."""

    uri: str
    path: str | None
    lines: list[str]
    line_offset: int
    column_offset: int
    submitted_name: str
    run_id: str


@dataclass(frozen=True)
class Findings:
    """Diagnostics per URI and the headline of the first problem (for the summary)."""

    by_uri: dict[str, list[types.Diagnostic]]
    headline: str | None


def problems_to_findings(
    language: str,
    stdout: str,
    stderr: str,
    exit_code: int | None,
    target: RunTarget,
    encoding: str,
) -> Findings:
    """Parse the output with `unsandbox_ls.problems` (imported here, at the first run)."""
    try:
        from unsandbox_ls import problems
    except ImportError:  # pragma: no cover - the package always exists
        problems = None  # type: ignore[assignment]
    parse = getattr(problems, "parse_output", None)
    convert = getattr(problems, "to_diagnostics", None)
    make_target = getattr(problems, "Target", None)
    if parse is None or convert is None or make_target is None:
        return (
            fallback_python_diagnostics(stderr, target)
            if language == "python"
            else Findings({}, None)
        )
    found = parse(language, stderr, stdout)
    if not found:
        fallback = getattr(problems, "fallback_problem", None)
        if fallback is not None and exit_code not in (0, None):
            extra = fallback(stderr, exit_code)
            found = [extra] if extra is not None else []
    headline = found[0].message if found else None
    real_target = _build_target(make_target, target)
    by_uri = convert(found, real_target, encoding)
    for diagnostics in by_uri.values():
        for diagnostic in diagnostics:
            data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
            diagnostic.data = {**data, "runId": target.run_id}
    return Findings(dict(by_uri), headline)


def _build_target(make_target: Any, target: RunTarget) -> Any:
    """Build `problems.Target` from our fields, by keyword where the names match."""
    import dataclasses
    import inspect

    available = {
        "uri": target.uri,
        "path": target.path,
        "local_path": target.path,
        "lines": target.lines,
        "document_lines": target.lines,
        "line_offset": target.line_offset,
        "column_offset": target.column_offset,
        "submitted_name": target.submitted_name,
    }
    if dataclasses.is_dataclass(make_target):
        names = [f.name for f in dataclasses.fields(make_target)]
    else:
        names = list(inspect.signature(make_target).parameters)
    return make_target(**{n: available[n] for n in names if n in available})


_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?$')


def fallback_python_diagnostics(stderr: str, target: RunTarget) -> Findings:
    """Python tracebacks only: an Error at the innermost frame in the buffer, Hints at callers."""
    lines = stderr.splitlines()
    frames: list[tuple[str, int, str | None]] = []
    message: str | None = None
    for line in lines:
        match = _FRAME.match(line)
        if match:
            frames.append((match["path"], int(match["line"]), match["func"]))
        elif line and not line[0].isspace() and not line.startswith("Traceback"):
            message = line.strip()
    if message is None:
        return Findings({}, None)
    local = [
        (line_no, func)
        for path, line_no, func in frames
        if os.path.basename(path) == target.submitted_name
    ]
    if not local:
        return Findings({}, message)
    diagnostics: list[types.Diagnostic] = []
    inner_line, _ = local[-1]
    primary_line = max(0, inner_line - 1 + target.line_offset)
    for n, (line_no, func) in enumerate(reversed(local)):
        buffer_line = max(0, line_no - 1 + target.line_offset)
        text = target.lines[buffer_line] if buffer_line < len(target.lines) else ""
        stripped = text.rstrip("\r\n")
        start = len(stripped) - len(stripped.lstrip())
        rng = types.Range(
            types.Position(buffer_line, start), types.Position(buffer_line, len(stripped))
        )
        if n == 0:
            diagnostics.append(
                types.Diagnostic(
                    rng,
                    message,
                    severity=types.DiagnosticSeverity.Error,
                    source=SOURCE,
                    data={"runId": target.run_id, "frame": 0},
                )
            )
        else:
            diagnostics.append(
                types.Diagnostic(
                    rng,
                    f"frame {n + 1}/{len(local)}: called from {func or '?'}()",
                    severity=types.DiagnosticSeverity.Hint,
                    source=SOURCE,
                    data={"runId": target.run_id, "frame": n},
                    related_information=[
                        types.DiagnosticRelatedInformation(
                            types.Location(
                                target.uri,
                                types.Range(
                                    types.Position(primary_line, 0),
                                    types.Position(primary_line, 0),
                                ),
                            ),
                            message,
                        )
                    ],
                )
            )
    return Findings({target.uri: diagnostics}, message)


def same_file(uri_a: str, uri_b: str) -> bool:
    """Two URIs name the same file (client and server may encode a path differently)."""
    if uri_a == uri_b:
        return True
    path_a, path_b = to_fs_path(uri_a), to_fs_path(uri_b)
    return path_a is not None and path_a == path_b


def path_uri(path: str) -> str:
    uri = from_fs_path(path)
    return uri if uri is not None else path
