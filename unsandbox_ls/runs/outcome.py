"""Result → findings: the problems in a run's output, mapped to each file that was sent.

`read_findings(plan, result)` parses the output once (with the one-line fallback for a failed
run that printed nothing recognisable). The server turns the findings into diagnostics per URI
(`Findings.diagnostics`), the CLI into `PATH:LINE:COL:` lines (`Findings.terminal_lines`), and
both show the output with the sandbox's paths replaced by the local ones (`Findings.shown`).
A parser that fails never hides the program's own output: the findings are then empty and
`error` says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lsprotocol.types import Diagnostic

    from unsandbox_ls.api.models import RunResult
    from unsandbox_ls.problems.mapping import Target
    from unsandbox_ls.problems.model import Problem
    from unsandbox_ls.runs.plan import Plan

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Findings:
    """The problems of one run and the files they map to."""

    target: Target
    problems: tuple[Problem, ...] = ()
    error: str | None = None
    _paths: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def headline(self) -> str | None:
        """The first line of the first problem's message (the summary and the result lens take
        one line; the others are in the hover), or None."""
        return self.problems[0].message.split("\n", 1)[0] if self.problems else None

    @property
    def uris(self) -> tuple[str, ...]:
        """Every file of the run: the buffer's URI, then each sent file's."""
        return (self.target.uri, *(f.uri for f in self.target.files if f.uri))

    def diagnostics(self, encoding: str = "utf-16") -> dict[str, list[Diagnostic]]:
        """LSP diagnostics per URI (the buffer's and the sent files')."""
        from unsandbox_ls.problems.lsp import to_diagnostics

        return to_diagnostics(list(self.problems), self.target, encoding) if self.problems else {}

    def terminal_lines(self) -> list[str]:
        """`PATH:LINE:COL: error: MESSAGE` lines, each naming its own file's path."""
        from unsandbox_ls.problems.text import to_terminal_lines

        return to_terminal_lines(list(self.problems), self.target) if self.problems else []

    def shown(self, text: str) -> str:
        """Output text with the sandbox's paths of the run's files replaced by local paths."""
        from unsandbox_ls.runs.display import localise

        return localise(text, self._paths)


def read_findings(plan: Plan, result: RunResult) -> Findings:
    """Parse the run's output and map it to the run's files."""
    language = result.language or result.detected_language or plan.language
    if not language:
        return Findings(plan.target)
    try:
        from unsandbox_ls.problems.fallback import fallback_problem
        from unsandbox_ls.problems.parse import parse_output
        from unsandbox_ls.runs.display import local_paths

        problems = parse_output(language, result.stderr, result.stdout)
        if not problems and result.exit_code not in (0, None):
            extra = fallback_problem(result.stderr, result.exit_code)
            problems = [extra] if extra is not None else []
        paths = local_paths(problems, plan.target)
    except Exception as exc:  # a parser bug must not hide the program's own output
        logger.exception("reading the problems of %s failed", plan.name)
        return Findings(
            plan.target, error=f"could not read the problems in the output ({type(exc).__name__})"
        )
    return Findings(plan.target, tuple(problems), None, paths)
