"""Output captured from real runtimes the local sandbox does not offer, checked like live runs.

Each program under `captures/<language>/` sits next to `<program>.stderr`/`.stdout` recorded by
`capture.py` (the runtime version and command are in `<program>.json`): Elixir 1.14, GHC 9.0,
Mono 6.8, tsc, and gcc's AddressSanitizer. No capture here is written by hand.
"""

from __future__ import annotations

import json

import pytest
from problem_checks import check, diagnostics_for
from problem_expectations import CAPTURES, Program, programs

CAPTURED = programs(CAPTURES)


@pytest.mark.parametrize("program", CAPTURED, ids=lambda p: p.id)
def test_captured_diagnostics_land_on_marked_lines(program: Program) -> None:
    stderr = program.path.with_name(program.path.name + ".stderr").read_text(encoding="utf-8")
    stdout = program.path.with_name(program.path.name + ".stdout").read_text(encoding="utf-8")
    meta = json.loads(program.path.with_name(program.path.name + ".json").read_text())
    assert meta["exit_code"] != 0 and meta["runtime"], meta
    diagnostics = diagnostics_for(program, stderr, stdout, meta["exit_code"])
    check(program, diagnostics, f"({meta['runtime']})\nstderr:\n{stderr}\nstdout:\n{stdout}")


def test_every_language_has_three_captures() -> None:
    by_language: dict[str, int] = {}
    for program in CAPTURED:
        by_language[program.language] = by_language.get(program.language, 0) + 1
    assert {lang for lang, count in by_language.items() if count >= 3} >= {
        "elixir", "haskell", "csharp", "kotlin", "typescript",
    }  # fmt: skip
