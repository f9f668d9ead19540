"""No output can break the parsers: random and adversarial text never raises, every diagnostic
stays inside the document, and parsing stays linear (long lines, megabytes of tracebacks).

The building blocks are real: lines of output captured from real runtimes (tests/problems/
captures) and a traceback produced here by the running interpreter.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unsandbox_ls.problems import Target, parse_output, to_diagnostics, to_terminal_lines
from unsandbox_ls.problems.cleaning import KEEP_LINES, MAX_LINE, clean, clean_lines
from unsandbox_ls.problems.parsers import PARSERS, python

CAPTURES = Path(__file__).resolve().parent.parent / "problems" / "captures"
LANGUAGES = [*sorted(PARSERS), "unknown-language"]


def _real_python_traceback() -> str:
    code = "import json\ndef f(s):\n    return json.loads(s)['k']\nf('{\"a\": 1}')\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    return result.stderr


REAL_LINES: list[str] = sorted(
    {
        line
        for path in CAPTURES.glob("*/*.std*")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    | set(_real_python_traceback().splitlines())
)

ADVERSARIAL = [
    "a:" * 3000,
    "1:" * 3000,
    'File "' * 2000,
    '  File "' + "x" * 5000 + '", line 1',
    " " * 5000 + "^" * 5000,
    "at " + "(" * 4000 + "x:1:1",
    "main.go:" + "9" * 5000 + ":1: x",
    "\x1b[" + "1;" * 3000 + "m",
    "thread 'main' panicked at " + "a:" * 2000,
    "#0 " + "(" * 3000,
    "** (" + "E" * 3000,
    "    at " + "a." * 3000 + "(Main.java:1)",
    "\t" * 4000 + "from x.rb:1:in `f'",
    "Error in " + "(" * 4000 + " : x",
]

document_lines = st.lists(st.text(max_size=40), min_size=1, max_size=12)
output_text = st.lists(
    st.one_of(st.sampled_from(REAL_LINES), st.sampled_from(ADVERSARIAL), st.text(max_size=80)),
    max_size=30,
).map("\n".join)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    language=st.sampled_from(LANGUAGES),
    stderr=output_text,
    stdout=output_text,
    lines=document_lines,
    offset=st.integers(min_value=-3, max_value=20),
    encoding=st.sampled_from(["utf-16", "utf-8", "utf-32"]),
)
def test_any_output_gives_diagnostics_inside_the_document(
    language: str, stderr: str, stdout: str, lines: list[str], offset: int, encoding: str
) -> None:
    problems = parse_output(language, stderr, stdout)
    target = Target(
        uri="file:///p/main.x", lines=lines, path="/p/main.x", line_offset=offset,
        submitted_name="main.x",
    )  # fmt: skip
    for uri, diagnostics in to_diagnostics(problems, target, encoding).items():
        assert uri == "file:///p/main.x"
        for diagnostic in diagnostics:
            start, end = diagnostic.range.start, diagnostic.range.end
            assert 0 <= start.line == end.line < len(lines)
            text = lines[start.line]
            limit = {
                "utf-16": len(text.encode("utf-16-le", "surrogatepass")) // 2,
                "utf-8": len(text.encode("utf-8", "surrogatepass")),
                "utf-32": len(text),
            }[encoding]
            assert 0 <= start.character <= end.character <= limit
    assert len(to_terminal_lines(problems, target)) >= len(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_adversarial_lines_parse_in_linear_time(language: str) -> None:
    text = "\n".join(ADVERSARIAL * 20)  # about 2.5 MB of worst-case lines
    started = time.perf_counter()
    parse_output(language, text, text)
    assert time.perf_counter() - started < 5.0


def test_megabytes_of_real_tracebacks_each_parsed_and_the_capped_read_agrees() -> None:
    # how fast: `python -m benchmarks --only parsing` (10 MB per language, against splitlines)
    traceback = _real_python_traceback()
    big = traceback * (3_000_000 // len(traceback) + 1)
    lines = [line[:MAX_LINE] for line in clean(big).split("\n")]
    every = python.parse(lines)  # the parser alone, over all 3 MB
    assert every and every[0].code is not None
    problems = parse_output("python", big)  # reads the first and last KEEP_LINES lines
    assert len(every) == big.count(traceback)  # one problem per traceback
    assert len(lines) > 2 * KEEP_LINES  # so the capped read below does leave lines out
    assert [(p.message, p.frames) for p in problems[-1:]] == [
        (p.message, p.frames) for p in every[-1:]
    ]


def test_a_long_output_keeps_its_first_and_last_lines(tmp_path: Path) -> None:
    code = "for i in range(25000):\n    print('noise', i)\nraise SystemExit('x' + 1)\n"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    output = result.stdout + result.stderr
    assert output.count("\n") > 2 * KEEP_LINES
    (problem,) = parse_output("python", output)
    assert problem.code == "TypeError"
    assert len(clean_lines(output)) == 2 * KEEP_LINES + 1
