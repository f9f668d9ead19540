"""Where the time of one `unsandbox-ls run` goes (`run --timing`, `doctor --timing`).

The phases, in the order they happen:

- `start-up`: the interpreter's own start, until `unsandbox-ls` begins (read from the kernel's
  record of when the process started, to its clock tick: 10 ms on most Linux systems; absent
  elsewhere);
- `import`: loading the modules a run needs (the run pipeline and the quick exchange; a run
  that goes through the API client loads it and httpx later, in `request`);
- `plan`: reading the file, finding the local files it imports, building the request;
- `backend`: finding the credentials and base URL, or reaching (starting, when none runs) the
  local sandbox;
- `request`: building the client, connecting, sending, and everything the API adds around
  the job (the sandbox's own set-up, polling latency): the exchange's time minus `wait`;
- `wait`: the job's own run time, as the API reports it (`execution_time`);
- `output`: reading the problems from the output, printing, recording the run.

The `--timing` line goes to stderr after everything else (to stdout with `--compact`, where
everything goes), so nothing else the command prints changes:
`unsandbox-ls: timing: start-up 21 ms, import 120 ms, … (total 250 ms)`.
"""

from __future__ import annotations

import os
import re
import sys
import time

PHASES = ("start-up", "import", "plan", "backend", "request", "wait", "output")
PREFIX = "unsandbox-ls: timing: "
_PHASE = re.compile(r"([a-z-]+) (\d+(?:\.\d+)?) ms")


def process_age() -> float | None:
    """Seconds since this process started (Linux: /proc/self/stat against CLOCK_BOOTTIME, to
    the clock tick); None where that cannot be read."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        with open("/proc/self/stat", "rb") as handle:
            stat = handle.read().decode("ascii", "replace")
        ticks = int(stat.rsplit(")", 1)[1].split()[19])  # field 22, starttime
        now = time.clock_gettime(time.CLOCK_BOOTTIME)
        return max(0.0, now - ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class RunClock:
    """Marks the end of each phase; `line()` says how long each took."""

    def __init__(self, began: float | None = None) -> None:
        """`began`: when `unsandbox-ls` began (`time.perf_counter()`), else now."""
        now = time.perf_counter()
        self.began = began if began is not None else now
        age = process_age()
        self.started = now - age if age is not None else None
        self.marks: list[tuple[str, float]] = []
        self.split: tuple[str, str, float] | None = None

    def mark(self, phase: str) -> None:
        """`phase` ended now (it began when the previous one ended)."""
        self.marks.append((phase, time.perf_counter()))

    def carve(self, phase: str, part: str, seconds: float | None) -> None:
        """Of `phase`, `seconds` (when known) were `part`: e.g. of the exchange, the job's
        own run time was `wait`."""
        if seconds is not None and seconds >= 0:
            self.split = (phase, part, seconds)

    def durations(self) -> dict[str, float]:
        """Seconds per phase, in the order of `PHASES` (phases never marked are absent)."""
        spans: dict[str, float] = {}
        if self.started is not None:
            spans["start-up"] = max(0.0, self.began - self.started)
        previous = self.began
        for phase, at in self.marks:
            spans[phase] = spans.get(phase, 0.0) + at - previous
            previous = at
        if self.split is not None:
            phase, part, seconds = self.split
            whole = spans.get(phase, 0.0)
            spans[part] = min(seconds, whole)
            spans[phase] = whole - spans[part]
        return {name: spans[name] for name in PHASES if name in spans}

    def line(self) -> str:
        spans = self.durations()
        total = sum(spans.values())
        parts = ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in spans.items())
        return f"{PREFIX}{parts} (total {total * 1000:.0f} ms)"


def parse_line(text: str) -> dict[str, float] | None:
    """The phases (milliseconds) of the last timing line in `text`, with `total`; None if
    there is none."""
    found = [line for line in text.splitlines() if line.startswith(PREFIX)]
    if not found:
        return None
    return {name: float(ms) for name, ms in _PHASE.findall(found[-1])}
