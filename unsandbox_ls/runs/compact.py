"""`unsandbox-ls run --compact`: one block of plain text for an editor popup (Helix `:sh`).

The program's stdout, then its stderr, then the located problems as `PATH:LINE:COL: …` lines,
then one summary line (`orders.py: exit 1 in 0.3 s: KeyError: 'price'`). Everything goes to
stdout and terminal escapes are removed (other control characters are made visible,
`runs.terminal`): Helix shows a command's stderr instead of its stdout
whenever there is any, and shows no popup at all when the command exits non-zero, so the
caller exits 0 whenever the program ran and the program's exit code is in the summary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

#: CSI sequences (colours, cursor moves), OSC sequences (titles, links) and lone escapes
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


def plain(text: str) -> str:
    """`text` without terminal escape sequences (and without carriage returns)."""
    return _ANSI.sub("", text).replace("\r\n", "\n").replace("\r", "\n")


def compact_text(
    name: str,
    result: Any,
    problem_lines: Sequence[str],
    notes: Sequence[str],
    duration_ms: float,
) -> str:
    """The popup text of one finished run."""
    from unsandbox_ls.runs import output
    from unsandbox_ls.runs.terminal import escape_line, escape_output

    parts: list[str] = []
    for stream in (result.stdout, result.stderr):
        if stream:
            parts.append(escape_output(plain(stream), terminal=False).rstrip("\n"))
    if problem_lines:
        parts.append("\n".join(escape_line(line) for line in problem_lines))
    failed = not (result.status == "completed" and result.exit_code == 0)
    error_line = output.first_error_line(plain(result.stderr)) or result.error if failed else None
    summary = output.summary_line(name, result.status, result.exit_code, duration_ms, error_line)
    summary = escape_line(summary)
    parts.append(
        "\n".join([*(escape_line(n) for n in notes), ("✗ " if failed else "✓ ") + summary])
    )
    return "\n\n".join(parts) + "\n"
