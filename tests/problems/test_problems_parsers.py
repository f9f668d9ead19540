"""Parser details checked on output of runtimes run here (skipped when one is missing)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from unsandbox_ls.problems import parse_output
from unsandbox_ls.problems.parsers import PARSERS


def run(tmp_path: Path, name: str, code: str, *command: str) -> subprocess.CompletedProcess[str]:
    if shutil.which(command[0]) is None:
        pytest.skip(f"{command[0]} is not installed")
    (tmp_path / name).write_text(code)
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)


def test_dash_and_bash_shapes(tmp_path: Path) -> None:
    code = "echo start\nnosuchcommand_xyz\nif then\n"
    for shell in ("sh", "bash"):
        result = run(tmp_path, "main.sh", code, shell, "main.sh")
        problems = parse_output("bash", result.stderr)
        assert problems, (shell, result.stderr)
        assert problems[0].frames[0].line in (2, 3)
        assert all(not p.message.startswith("`") for p in problems)


def test_generic_fallback_reads_compiler_lines(tmp_path: Path) -> None:
    result = run(tmp_path, "main.c", "int main(void) {\n  return nope;\n}\n", "gcc", "-c", "main.c")
    assert "nim" not in PARSERS
    problems = parse_output("nim", result.stderr)
    first = problems[0]
    assert (first.frames[0].path, first.frames[0].line, first.frames[0].column) == ("main.c", 2, 10)
    assert first.severity == "error" and "nope" in first.message


def test_perl_warnings_before_the_fatal_error(tmp_path: Path) -> None:
    code = 'use warnings;\nmy $x;\nprint "v=$x\\n";\ndie "stop here";\n'
    result = run(tmp_path, "main.pl", code, "perl", "main.pl")
    problems = parse_output("perl", result.stderr)
    assert [(p.severity, p.frames[0].line) for p in problems] == [("warning", 3), ("error", 4)]


def test_go_vet_style_build_errors_keep_byte_columns(tmp_path: Path) -> None:
    code = 'package main\n\nfunc main() {\n\ts := "é"; var n int = "x"\n\t_ = s\n\t_ = n\n}\n'
    result = run(tmp_path, "main.go", code, "go", "build", "-o", "prog", "main.go")
    (problem,) = parse_output("go", result.stderr)
    frame = problem.frames[0]
    assert frame.unit == "byte" and frame.line == 4
    line = code.split("\n")[3]
    assert line.encode()[: frame.column - 1].decode().endswith("int = ")


def test_rust_compile_error_span(tmp_path: Path) -> None:
    code = 'fn main() {\n    let n: u8 = "many";\n}\n'
    result = run(tmp_path, "main.rs", code, "rustc", "--edition", "2021", "main.rs")
    (problem,) = parse_output("rust", result.stderr)
    frame = problem.frames[0]
    assert problem.code == "E0308"
    assert (frame.line, frame.column, frame.end_column) == (2, 17, 23)


def test_rust_backtrace_keeps_user_frames_only(tmp_path: Path) -> None:
    code = (
        "#[inline(never)]\nfn pick(v: &[i32], i: usize) -> i32 {\n    v[i]\n}\n\n"
        "#[inline(never)]\nfn third(v: &[i32]) -> i32 {\n    pick(v, 2)\n}\n\n"
        'fn main() {\n    println!("{}", third(&[1]));\n}\n'
    )
    build = run(tmp_path, "main.rs", code, "rustc", "-g", "-o", "prog", "main.rs")
    assert build.returncode == 0, build.stderr
    result = subprocess.run(
        ["./prog"], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={"RUST_BACKTRACE": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    (problem,) = parse_output("rust", result.stderr)
    assert problem.message.startswith("panicked: index out of bounds")
    user = [(f.line, f.function) for f in problem.frames if not f.path.startswith("/rustc/")]
    assert [line for line, _ in user[:3]] == [3, 8, 12]
    assert user[0][1] is not None and user[0][1].endswith("pick")
