"""Small helpers shared by the parsers: caret spans, compiler-style notes, text blocks."""

from __future__ import annotations

from dataclasses import replace

from ..model import Problem, Severity


def caret_span(marker: str, start: int = 0) -> tuple[int, int] | None:
    """The first run of `^`/`~` at or after index `start` of a marker line, as (index, length)."""
    position = marker.find("^", start)
    tilde = marker.find("~", start)
    if position < 0 and tilde < 0:
        return None
    first = min(p for p in (position, tilde) if p >= 0)
    end = first
    while end < len(marker) and marker[end] in "^~":
        end += 1
    return first, end - first


def is_marker_line(text: str) -> bool:
    """A line holding only carets, tildes and blanks, with at least one caret."""
    stripped = text.strip()
    return bool(stripped) and "^" in stripped and all(c in "^~ \t" for c in stripped)


def attach_notes(problems: list[Problem]) -> list[Problem]:
    """Fold `note`-severity problems (`info`) into the error or warning printed before them."""
    out: list[Problem] = []
    for problem in problems:
        if problem.severity == "info" and out:
            last = out[-1]
            out[-1] = replace(
                last, related=(*last.related, problem), text=f"{last.text}\n{problem.text}"
            )
        else:
            out.append(problem)
    return out


def severity_of(word: str) -> Severity:
    """A compiler's severity word (`fatal error`, `warning`, `note`, `w`, `ERROR` …)."""
    word = word.strip().lower()
    if word.startswith("warn") or word in ("w", "deprecated", "notice"):
        return "warning"
    if word in ("note", "info", "help", "message", "i", "remark"):
        return "info"
    return "error"
