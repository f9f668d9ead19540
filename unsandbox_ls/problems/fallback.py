"""A problem for a failed run whose output no parser understood."""

from __future__ import annotations

from .cleaning import clean_lines
from .model import Problem

#: Exit codes worth a word: 128 + signal number, as shells and the sandbox report them.
EXIT_MEANINGS: dict[int, str] = {
    134: "aborted (SIGABRT)",
    136: "floating-point exception (SIGFPE)",
    137: "killed (SIGKILL): the memory or time limit was probably reached",
    139: "segmentation fault (SIGSEGV)",
    143: "terminated (SIGTERM)",
}


def fallback_problem(stderr: str, exit_code: int | None) -> Problem | None:
    """One error for a run that failed (non-zero exit) with nothing parsed, else None.

    The message is the last non-blank stderr line and the exit code with its meaning; the
    problem has no frames, so it lands on the first line that was run.
    """
    if not exit_code:
        return None
    lines = [line.strip() for line in clean_lines(stderr) if line.strip()]
    meaning = EXIT_MEANINGS.get(exit_code) or (
        EXIT_MEANINGS.get(128 - exit_code) if exit_code < 0 else None
    )
    status = f"exit code {exit_code}" + (f": {meaning}" if meaning else "")
    message = f"{lines[-1]} ({status})" if lines else f"The program failed ({status})"
    return Problem(message, "error", (), f"exit {exit_code}", "\n".join(lines))
