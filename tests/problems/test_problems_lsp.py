"""Problems → LSP diagnostics and terminal lines, on output produced by real runtimes here."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from unsandbox_ls.problems import (
    Target,
    fallback_problem,
    parse_output,
    to_diagnostics,
    to_terminal_lines,
)
from unsandbox_ls.problems.cleaning import clean

DEEP = """def inner(d):
    return d["a"]["b"] + 1


def middle(d):
    return inner(d)


middle({"a": None})
"""


def python_stderr(tmp_path: Path, code: str) -> str:
    (tmp_path / "main.py").write_text(code)
    result = subprocess.run(
        [sys.executable, "main.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    return result.stderr


def make_target(code: str) -> Target:
    return Target(
        uri="file:///project/deep.py",
        lines=code.split("\n"),
        path="/project/deep.py",
        submitted_name="main.py",
        run_id="run-1",
    )


def test_primary_error_and_one_hint_per_other_frame(tmp_path: Path) -> None:
    stderr = python_stderr(tmp_path, DEEP)
    diagnostics = to_diagnostics(parse_output("python", stderr), make_target(DEEP))
    (uri,) = diagnostics
    assert uri == "file:///project/deep.py"
    primary, *hints = diagnostics[uri]
    assert primary.severity == lsp.DiagnosticSeverity.Error
    assert primary.message == "TypeError: 'NoneType' object is not subscriptable"
    assert primary.code == "TypeError"
    assert primary.source == "unsandbox"
    line = DEEP.split("\n")[1]
    assert primary.range == lsp.Range(
        lsp.Position(1, line.index("d[")), lsp.Position(1, line.index(" + 1"))
    )
    assert [h.severity for h in hints] == [lsp.DiagnosticSeverity.Hint] * 2
    assert [h.range.start.line for h in hints] == [5, 8]
    assert hints[0].message.startswith("frame 2/3: in middle(), calls inner()")
    for hint in hints:
        assert hint.related_information is not None
        assert hint.related_information[0].location.range == primary.range
    assert primary.related_information is not None
    assert [r.location.range.start.line for r in primary.related_information] == [5, 8]
    assert isinstance(primary.data, dict)
    assert "Traceback (most recent call last)" in primary.data["traceback"]
    assert primary.data["runId"] == "run-1"


def test_whole_line_when_the_runtime_marks_no_span(tmp_path: Path) -> None:
    code = "def f():\n    raise ValueError('no span here')\n\nf()\n"
    stderr = python_stderr(tmp_path, code)
    (primary, _) = to_diagnostics(parse_output("python", stderr), make_target(code))[
        "file:///project/deep.py"
    ]
    assert (primary.range.start.character, primary.range.end.character) == (
        4,
        len(code.split("\n")[1]),
    )


def test_terminal_lines(tmp_path: Path) -> None:
    stderr = python_stderr(tmp_path, DEEP)
    lines = to_terminal_lines(parse_output("python", stderr), make_target(DEEP))
    column = DEEP.split("\n")[1].index("d[") + 1
    assert lines[0] == (
        f"/project/deep.py:2:{column}: error: TypeError: 'NoneType' object is not subscriptable"
    )
    assert lines[1] == "/project/deep.py:6:12: note: frame 2/3: in middle"
    assert lines[2] == "/project/deep.py:9:1: note: frame 3/3: in <module>"


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_compile_errors_one_diagnostic_each_with_colours_stripped(tmp_path: Path) -> None:
    code = "int main(void) {\n    int x = y;\n    return z;\n}\n"
    (tmp_path / "main.c").write_text(code)
    result = subprocess.run(
        ["gcc", "-fdiagnostics-color=always", "-c", "main.c"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "\x1b[" in result.stderr
    target = Target(uri="file:///p/main.c", lines=code.split("\n"), submitted_name="main.c")
    diagnostics = to_diagnostics(parse_output("c", result.stderr), target)["file:///p/main.c"]
    errors = [d for d in diagnostics if d.severity == lsp.DiagnosticSeverity.Error]
    assert [(d.range.start.line, d.range.start.character) for d in errors] == [(1, 12), (2, 11)]
    assert all("\x1b" not in d.message for d in diagnostics)


def test_crlf_output_parses_like_lf(tmp_path: Path) -> None:
    stderr = python_stderr(tmp_path, DEEP)
    crlf = stderr.replace("\n", "\r\n")
    assert clean(crlf) == stderr
    assert parse_output("python", crlf) == parse_output("python", stderr)


@pytest.mark.parametrize(
    ("code", "exit_code", "meaning"),
    [
        ("import os\nos.kill(os.getpid(), 11)\n", 139, "segmentation fault"),
        ("import os\nos.kill(os.getpid(), 9)\n", 137, "memory or time limit"),
    ],
)
def test_fallback_problem_names_the_signal(
    tmp_path: Path, code: str, exit_code: int, meaning: str
) -> None:
    (tmp_path / "main.py").write_text(code)
    result = subprocess.run(
        ["bash", "-c", f"{sys.executable} main.py; exit $?"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == exit_code
    assert parse_output("python", result.stderr) == []
    problem = fallback_problem(result.stderr, result.returncode)
    assert problem is not None and meaning in problem.message
    target = Target(uri="untitled:1", lines=["", "  x = 1"], line_offset=1)
    (diagnostic,) = to_diagnostics([problem], target)["untitled:1"]
    assert diagnostic.range.start == lsp.Position(1, 2)
    assert fallback_problem("", 0) is None


def test_fallback_uses_the_last_stderr_line() -> None:
    problem = fallback_problem("warming up\nfatal: could not open data.csv\n\n", 2)
    assert problem is not None
    assert problem.message == "fatal: could not open data.csv (exit code 2)"


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_compiler_notes_are_related_information(tmp_path: Path) -> None:
    code = "int twice(int x);\nint main(void) {\n    return twice(1, 2);\n}\n"
    (tmp_path / "main.c").write_text(code)
    result = subprocess.run(
        ["gcc", "-c", "main.c"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    target = Target(uri="file:///p/main.c", lines=code.split("\n"), submitted_name="main.c")
    diagnostics = to_diagnostics(parse_output("c", result.stderr), target)["file:///p/main.c"]
    (error,) = [d for d in diagnostics if d.severity == lsp.DiagnosticSeverity.Error]
    assert error.range.start.line == 2 and "too many arguments" in error.message
    assert error.related_information is not None
    (note,) = error.related_information
    assert note.message.startswith("note: declared here") and note.location.range.start.line == 0
    (hint,) = [d for d in diagnostics if d.severity == lsp.DiagnosticSeverity.Hint]
    assert hint.range.start.line == 0 and hint.related_information is not None
