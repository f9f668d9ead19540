"""Figures, their statistics and the printed table (plain text or Markdown)."""

from __future__ import annotations

import os
import platform
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], q: float) -> float:
    """The `q` quantile (0..1) by the nearest-rank method."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
    return float(ordered[rank - 1])


@dataclass(frozen=True)
class Figure:
    """One measured figure, its baseline and whether the target holds.

    `kind` says how the target reads: "ratio" (value / baseline ≤ limit), "diff" (value -
    baseline ≤ limit), "max" (value ≤ limit, the baseline only for context) or "info".
    """

    name: str
    value: float
    baseline: float | None
    unit: str
    kind: str
    limit: float | None
    note: str = ""
    samples: int = 0

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    @property
    def checked(self) -> float | None:
        if self.kind == "ratio":
            return self.ratio
        if self.kind == "diff" and self.baseline is not None:
            return self.value - self.baseline
        if self.kind == "max":
            return self.value
        return None

    @property
    def met(self) -> bool | None:
        checked = self.checked
        if self.limit is None or checked is None:
            return None
        return checked <= self.limit

    def target_text(self) -> str:
        if self.limit is None:
            return "-"
        if self.kind == "ratio":
            return f"≤ {self.limit:g}x"
        if self.kind == "diff":
            return f"≤ +{self.limit:g} {self.unit}"
        return f"≤ {self.limit:g} {self.unit}"


def _num(value: float | None, unit: str = "") -> str:
    if value is None or value != value:
        return "-"
    text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return f"{text} {unit}".strip()


def row(figure: Figure) -> list[str]:
    ratio = figure.ratio
    checked = figure.checked
    if figure.kind == "diff" and checked is not None:
        got = f"+{checked:.3g} {figure.unit}" if checked >= 0 else f"{checked:.3g} {figure.unit}"
    elif figure.kind == "ratio" and ratio is not None:
        got = f"{ratio:.2f}x"
    else:
        got = _num(figure.value, figure.unit)
    met = {True: "met", False: "NOT met", None: ""}[figure.met]
    return [
        figure.name,
        _num(figure.value, figure.unit),
        _num(figure.baseline, figure.unit),
        f"{ratio:.2f}x" if ratio is not None else "-",
        f"{got} ({figure.target_text()})" if figure.limit is not None else got,
        met,
        (f"n={figure.samples}; " if figure.samples else "") + figure.note,
    ]


HEADER = ["figure", "value", "baseline", "ratio", "checked (target)", "", "notes"]


def text_table(figures: Sequence[Figure]) -> str:
    rows = [HEADER] + [row(f) for f in figures]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER) - 1)]
    lines = []
    for r in rows:
        cells = [r[i].ljust(widths[i]) for i in range(len(widths))]
        lines.append("  ".join(cells) + "  " + r[-1])
    return "\n".join(lines)


def markdown_table(figures: Sequence[Figure]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    for figure in figures:
        cells = [c.replace("|", "\\|") for c in row(figure)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> str:
    """Cores, CPU model and Python version of this machine."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    version = sys.version.split()[0]
    return f"{cores} cores, {model}, Python {version} ({platform.system()} {platform.release()})"
