"""What a start-up hook recorded in one run for results in place, as plain data.

`runs.in_place` reads the hook's block into these and places them on the local files' lines;
`api.models.RunResult.in_place` carries them from the run to whoever shows it. They live here,
below both, so that the API client names them without importing the run pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LineOutput:
    """What one source line wrote: `count` lines, the `first` and `last` of them, and the
    whole text in order (bounded by the hook)."""

    path: str
    line: int  # 1-based, in the file as it ran
    count: int
    first: str
    last: str
    text: str


@dataclass(frozen=True)
class FrameValues:
    """One frame of an uncaught exception's traceback: where, and its local values (repr)."""

    path: str
    line: int
    function: str
    values: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class InPlace:
    """What the hook recorded in one run."""

    lines: tuple[LineOutput, ...] = ()
    frames: tuple[FrameValues, ...] = ()  # outermost first; the last is where it raised
    error: str | None = None
