"""`python -m benchmarks [--quick] [--only NAME …] [--markdown]`: every figure with its baseline.

Exit status 0 when every target holds, 1 when one does not (the table says which), 2 when a
benchmark could not run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

from benchmarks import (
    cli,
    in_place,
    learned_polling,
    lens_latency,
    parsing,
    result_latency,
    run_overhead,
    sandbox_load,
    startup,
)
from benchmarks.report import Figure, machine, markdown_table, text_table

Bench = Callable[[bool], Coroutine[Any, Any, list[Figure]]]

#: name → (what it measures, how to run it: quick → figures); repetitions full / quick
BENCHMARKS: dict[str, tuple[str, Bench]] = {
    "startup": (
        "spawn → initialize, idle RSS",
        lambda quick: startup.measure(5 if quick else 15),
    ),
    "run_overhead": (
        "command → runFinished vs direct HTTP",
        lambda quick: run_overhead.measure(8 if quick else 30),
    ),
    "result_latency": (
        "job completion → result, polls",
        lambda quick: result_latency.measure(1 if quick else 2, quick),
    ),
    "learned_polling": (
        "learned polling vs today's and the official schedule, jobs 0.1-30 s",
        lambda quick: learned_polling.measure(quick),
    ),
    "parsing": (
        "10 MB tracebacks, 1 MB adversarial lines",
        lambda quick: parsing.measure(1 if quick else 3, quick),
    ),
    "lens_latency": (
        "code lens p99 with 20 runs in flight",
        lambda quick: lens_latency.measure(100 if quick else 400),
    ),
    "cli_hello": (
        "unsandbox-ls run hello.py (running local sandbox) vs bare python3",
        lambda quick: cli.measure("hello", 6 if quick else 20),
    ),
    "cli_compact": (
        "unsandbox-ls run --compact hello.py (the Helix form) vs bare python3",
        lambda quick: cli.measure("compact", 6 if quick else 20),
    ),
    "cli_keyless": (
        "unsandbox-ls run hello.py with no keys: first and later runs vs bare python3",
        lambda quick: cli.measure("keyless", 3 if quick else 8),
    ),
    "in_place": (
        "results in place: print-heavy, CPU loop, hello world with and without the hook",
        lambda quick: in_place.measure(3 if quick else 9),
    ),
    "sandbox_load": (
        "hello world vs bare python3, 20 concurrent",
        lambda quick: sandbox_load.measure(6 if quick else 20),
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a fast pass)")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only these (repeatable)"
    )
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    names = args.only or list(BENCHMARKS)
    print(f"machine: {machine()}", flush=True)
    figures: list[Figure] = []
    failed: list[str] = []
    for name in names:
        what, bench = BENCHMARKS[name]
        started = time.monotonic()
        print(f"… {name}: {what}", file=sys.stderr, flush=True)
        try:
            got = asyncio.run(bench(args.quick))
        except Exception as exc:
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
            print(f"  {name} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            continue
        figures.extend(got)
        print(f"  {name} took {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    print(markdown_table(figures) if args.markdown else text_table(figures))
    for line in failed:
        print(f"could not run {line}")
    if failed:
        return 2
    return 1 if any(f.met is False for f in figures) else 0


if __name__ == "__main__":
    raise SystemExit(main())
