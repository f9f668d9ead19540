"""Mapping problems to the buffer: names, internal frames, offsets, clamping, encodings.

Tracebacks come from running the real interpreter (`sys.executable`) on a small program
written to a temporary directory in the test.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types as lsp

from unsandbox_ls.problems import Target, parse_output, to_diagnostics
from unsandbox_ls.problems.mapping import SentFile, buffer_frames, encode_column, is_internal
from unsandbox_ls.problems.model import Frame


def run_python(tmp_path: Path, code: str, name: str = "main.py") -> str:
    script = tmp_path / name
    script.write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, name], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    return result.stderr


def target(code: str, **kw: object) -> Target:
    return Target(uri="file:///project/script.py", lines=code.split("\n"), **kw)  # type: ignore[arg-type]


def test_error_inside_the_standard_library_lands_on_the_calling_line(tmp_path: Path) -> None:
    code = 'import json\n\n\ndef load():\n    return json.loads("{bad")\n\n\nload()\n'
    stderr = run_python(tmp_path, code)
    (problem,) = parse_output("python", stderr)
    frames = buffer_frames(problem, target(code, submitted_name="main.py"))
    assert [f.spot.line for f in frames] == [4, 7]  # json's own frames are left out
    assert any(is_internal(frame) for frame in problem.frames)
    assert problem.code is not None and problem.code.endswith("JSONDecodeError")


def test_frames_of_other_files_are_not_the_buffer(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("def boom():\n    raise ValueError('x')\n")
    code = "import helper\n\nhelper.boom()\n"
    stderr = run_python(tmp_path, code, name="script.py")
    (problem,) = parse_output("python", stderr)
    frames = buffer_frames(problem, target(code, path="/project/script.py"))
    assert [f.spot.line for f in frames] == [2]


def test_the_only_non_internal_file_is_the_buffer(tmp_path: Path) -> None:
    code = "x = 1\ny = x / 0\n"
    stderr = run_python(tmp_path, code, name="renamed_by_server.py")
    (problem,) = parse_output("python", stderr)
    frames = buffer_frames(problem, Target(uri="untitled:Untitled-1", lines=code.split("\n")))
    assert [f.spot.line for f in frames] == [1]


def test_line_offset_shifts_and_lines_are_clamped(tmp_path: Path) -> None:
    selection = "a = 1\nb = a + undefined_name\n"
    stderr = run_python(tmp_path, selection)
    (problem,) = parse_output("python", stderr)
    document = ["# header"] * 5 + selection.split("\n")
    shifted = buffer_frames(problem, target("\n".join(document), line_offset=5))
    assert shifted[0].spot.line == 6
    short = buffer_frames(problem, target("only one line"))
    assert short[0].spot.line == 0  # line 2 of a one-line document: clamped


def test_marker_span_is_aligned_with_the_buffer_indentation(tmp_path: Path) -> None:
    code = "def f(d):\n        return d['a']['b'] + 1\n\n\nf({'a': None})\n"
    stderr = run_python(tmp_path, code)
    (problem,) = parse_output("python", stderr)
    spot = buffer_frames(problem, target(code))[0].spot
    line = code.split("\n")[1]
    assert (spot.start, spot.end) == (line.index("d['a']"), line.index(" + 1"))


@pytest.mark.parametrize(
    ("encoding", "expected"), [("utf-16", (11, 21)), ("utf-8", (13, 25)), ("utf-32", (10, 19))]
)
def test_columns_in_the_client_encoding(
    tmp_path: Path, encoding: str, expected: tuple[int, int]
) -> None:
    code = 'x = {"😀": [1]}\ny = ("😀", x["😀"][5])\n'
    stderr = run_python(tmp_path, code)
    (problem,) = parse_output("python", stderr)
    line = code.split("\n")[1]
    spot = buffer_frames(problem, target(code))[0].spot
    assert (spot.start, spot.end) == (line.index('x["'), line.index(")"))
    start = encode_column(line, spot.start, encoding)
    end = encode_column(line, spot.end, encoding)
    assert (start, end) == expected


def test_java_launcher_frames_are_internal_even_in_main_java() -> None:
    launcher = "jdk.compiler/com.sun.tools.javac.launcher.Main.execute"
    stderr = (
        'Exception in thread "main" java.lang.IllegalStateException: x\n'
        "\tat Main.main(Main.java:4)\n"
        f"\tat {launcher}(Main.java:419)\n"
    )
    (problem,) = parse_output("java", stderr)
    assert [f.internal for f in problem.frames] == [False, True]


@pytest.mark.skipif(shutil.which("tclsh") is None, reason="tclsh is not installed")
def test_tcl_procedure_lines_count_from_the_proc(tmp_path: Path) -> None:
    code = '# a comment\n\nproc f {x} {\n    set y 1\n    expr {$x + "a"}\n}\nf 1\n'
    script = tmp_path / "main.tcl"
    script.write_text(code)
    result = subprocess.run(
        ["tclsh", "main.tcl"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    (problem,) = parse_output("tcl", result.stderr)
    frames = buffer_frames(problem, target(code))
    assert [f.spot.line for f in frames] == [4, 6]


def test_encode_column_clamps() -> None:
    assert encode_column("abc", 10) == 3
    assert encode_column("abc", -1) == 0
    assert encode_column("a😀b", 2, "utf-16") == 3
    assert Frame("x", 1).column is None


def test_a_problem_in_another_file_lands_on_the_first_line(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text(
        "import warnings\n\n\ndef old():\n    warnings.warn('old', DeprecationWarning)\n"
    )
    code = "import helper\nhelper.old()\nraise SystemExit(1 / 0)\n"
    stderr = run_python(tmp_path, "import warnings\nwarnings.simplefilter('always')\n" + code)
    problems = parse_output("python", stderr)
    assert [p.severity for p in problems] == ["warning", "error"]
    document = "import warnings\nwarnings.simplefilter('always')\n" + code
    by_uri = to_diagnostics(problems, target(document, submitted_name="main.py"))
    spots = {(d.severity, d.range.start.line) for d in by_uri["file:///project/script.py"]}
    # helper.py:5 is not line 5 of the buffer: the warning goes to the first line
    assert spots == {(lsp.DiagnosticSeverity.Warning, 0), (lsp.DiagnosticSeverity.Error, 4)}


@pytest.mark.parametrize(
    ("frame_path", "expected"),
    [
        ("/sandbox/helpers.py", "helpers.py"),
        ("./helpers.py", "helpers.py"),
        ("helpers.py", "helpers.py"),
        ("/sandbox/pkg/util.py", "pkg/util.py"),
        ("pkg/util.py", "pkg/util.py"),
        ("/sandbox/util.py", "util.py"),  # not pkg/util.py: the longer name must match whole
        ("file:///sandbox/pkg/main.py", "pkg/main.py"),
        ("/sandbox/main.py", None),  # the code itself
        ("main.py", None),
        ("/usr/lib/python3.11/helpers.py", "helpers.py"),
        ("/elsewhere/other.py", None),
        ("Helper.java", "lib/Helper.java"),  # a bare name that only one sent file has
        ("Twice.java", None),  # two sent files are called that: no guess
    ],
)
def test_frames_are_matched_to_the_sent_files(frame_path: str, expected: str | None) -> None:
    names = ["helpers.py", "util.py", "pkg/util.py", "pkg/main.py", "lib/Helper.java",
             "a/Twice.java", "b/Twice.java"]  # fmt: skip
    sent = tuple(
        SentFile.from_text(n, "x", path=f"/p/{n}", uri=f"file:///p/{n}", origin="disk")
        for n in names
    )
    target = Target(uri="file:///p/main.py", lines=["x"], submitted_name="main.py", files=sent)
    found = target.sent_file_for(frame_path)
    assert (found.name if found else None) == expected


def test_a_frame_in_a_sent_file_is_not_the_buffer_even_when_it_is_the_only_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "helpers.py").write_text("def boom():\n    raise ValueError('x')\n")
    stderr = run_python(tmp_path, "import helpers\nhelpers.boom()\n")
    (problem,) = parse_output("python", stderr)
    helper = SentFile.from_text(
        "helpers.py", "def boom():\n    raise", path=None, uri="file:///p/helpers.py", origin="disk"
    )
    mapped = buffer_frames(problem, target("import helpers\nhelpers.boom()\n", files=(helper,)))
    assert [(m.document.uri, m.spot.line) for m in mapped] == [
        ("file:///p/helpers.py", 1),
        ("file:///project/script.py", 1),
    ]
