"""Run output → diagnostics (through `unsandbox_ls.problems`)."""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types


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
    """Parse the output and map it to the buffer (the parsers are imported at the first run)."""
    from unsandbox_ls.problems import Target, fallback_problem, parse_output, to_diagnostics

    found = parse_output(language, stderr, stdout)
    if not found and exit_code not in (0, None):
        extra = fallback_problem(stderr, exit_code)
        found = [extra] if extra is not None else []
    if not found:
        return Findings({}, None)
    mapped = Target(
        uri=target.uri,
        lines=target.lines,
        path=target.path,
        line_offset=target.line_offset,
        column_offset=target.column_offset,
        submitted_name=target.submitted_name,
        run_id=target.run_id,
    )
    # the summary and the result lens take one line: the message's others are in the hover
    headline = found[0].message.split("\n", 1)[0]
    return Findings(dict(to_diagnostics(found, mapped, encoding)), headline)
