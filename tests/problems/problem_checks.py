"""Turning a run's output into diagnostics for a test program, and checking the markers."""

from __future__ import annotations

from lsprotocol import types as lsp
from problem_expectations import Expected, Program

from unsandbox_ls.problems import Target, fallback_problem, parse_output, to_diagnostics
from unsandbox_ls.problems.mapping import encode_column

_SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "hint": lsp.DiagnosticSeverity.Hint,
}


def target_for(program: Program) -> Target:
    return Target(
        uri=program.path.as_uri(),
        lines=program.lines,
        path=str(program.path),
        line_offset=program.line_offset,
        submitted_name=program.submitted_name,
    )


def diagnostics_for(
    program: Program, stderr: str, stdout: str, exit_code: int | None, encoding: str = "utf-16"
) -> list[lsp.Diagnostic]:
    problems = parse_output(program.language, stderr, stdout)
    if not problems:
        extra = fallback_problem(stderr, exit_code)
        problems = [extra] if extra else []
    by_uri = to_diagnostics(problems, target_for(program), encoding)
    assert set(by_uri) <= {program.path.as_uri()}
    return by_uri.get(program.path.as_uri(), [])


def describe(diagnostics: list[lsp.Diagnostic]) -> str:
    return "\n".join(
        f"  {d.severity.name if d.severity else '?'} {d.range.start.line + 1}:"
        f"{d.range.start.character + 1}-{d.range.end.character + 1} {d.message!r}"
        for d in diagnostics
    )


def check(program: Program, diagnostics: list[lsp.Diagnostic], output: str) -> None:
    """Errors and warnings exactly on the marked lines; every marked hint present."""
    context = f"{program.id}: diagnostics\n{describe(diagnostics)}\noutput:\n{output}"
    primary_kinds = {lsp.DiagnosticSeverity.Error, lsp.DiagnosticSeverity.Warning}
    got_primary = sorted(
        (d.range.start.line, int(d.severity or 0))
        for d in diagnostics
        if d.severity in primary_kinds
    )
    want_primary = sorted(
        (e.line, int(_SEVERITY[e.kind])) for e in program.expected if e.kind != "hint"
    )
    assert got_primary == want_primary, context
    for expected in program.expected:
        _check_one(program, expected, diagnostics, context)
    for diagnostic in diagnostics:
        assert diagnostic.source == "unsandbox", context
        assert 0 <= diagnostic.range.start.line < len(program.lines), context


def _check_one(
    program: Program, expected: Expected, diagnostics: list[lsp.Diagnostic], context: str
) -> None:
    matching = [
        d
        for d in diagnostics
        if d.range.start.line == expected.line and d.severity == _SEVERITY[expected.kind]
    ]
    assert matching, f"nothing at line {expected.line + 1} ({expected.kind})\n{context}"
    if expected.message is not None:
        assert any(expected.message in d.message for d in matching), context
    if expected.column is not None:
        text = program.lines[expected.line]
        column = encode_column(text, expected.column)
        assert any(d.range.start.character == column for d in matching), (
            f"line {expected.line + 1}: expected column {expected.column + 1}\n{context}"
        )
