"""Problems → compiler-style terminal lines (`PATH:LINE:COL: error: MESSAGE`), 1-based.

Each line names the local file the location is in: the buffer's path, or a sent file's own path
(`helpers.py:2:5: error: …` for an error raised in a file the program imported).
"""

from __future__ import annotations

from .mapping import Spot, Target, buffer_frames, excerpt_location, file_spot, output_paths
from .model import Problem

_WORD = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}


def _location(document: Target, spot: Spot) -> str:
    path = document.path or document.uri
    return f"{path}:{spot.line + 1}:{spot.start + 1}"


def to_terminal_lines(problems: list[Problem], target: Target) -> list[str]:
    """One line per problem at its primary location (the message's other lines indented below
    it), then one `note:` line per other frame."""
    out: list[str] = []
    paths = output_paths(problems)
    for problem in problems:
        frames = buffer_frames(problem, target, paths)
        headline = problem.message.split("\n", 1)[0]
        if frames:
            document, spot = frames[0].document, frames[0].spot
        else:
            document, spot = excerpt_location(problem, target) or (target, file_spot(target))
        out.append(f"{_location(document, spot)}: {_WORD[problem.severity]}: {headline}")
        # the rest of what the compiler said (rustc's label, `= note:` lines), indented
        out.extend(f"    {rest}" for rest in problem.message.split("\n")[1:] if rest.strip())
        total = len(frames)
        for position, mapped in enumerate(frames[1:], start=2):
            where = mapped.frame.function or "top level"
            out.append(
                f"{_location(mapped.document, mapped.spot)}: note: frame {position}/{total}: "
                f"in {where}"
            )
        for other in problem.related:
            other_frames = buffer_frames(other, target, paths)
            if other_frames:
                note = other.message.split("\n", 1)[0]
                first = other_frames[0]
                out.append(f"{_location(first.document, first.spot)}: note: {note}")
    return out
