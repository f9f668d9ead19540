"""The same failing program under each CPython from 3.10 to 3.13, run here directly.

3.10 prints no column markers, 3.11 marks every frame, 3.12 and 3.13 leave the markers out in
more places (a `return f(...)` or `name = f(...)` line, a whole-line statement). Whatever the
version, a frame covers the call it made or its statement, never the trailing comment
(`problems/parsers/python_spans.py`). An interpreter missing here is skipped, saying which.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from unsandbox_ls.problems import Target, parse_output, to_diagnostics

VERSIONS = ("3.10", "3.11", "3.12", "3.13")

CALLS = """def parse_port(text):
    return int(text)  # the range leaves this comment out


def load_config(values):
    port = parse_port(values["port"])  # a call assigned to a name
    return port


class Loader:
    def load(self, values):
        return {"port": load_config(values)}["port"]  # a call inside an expression


loader = Loader()
loader.load({"port": "eighty"})  # a method call
"""

STATEMENT = """def check(value):
    assert value >= 0, "negative"  # an assertion that fails


check(-1)  # the call
"""


def interpreter(version: str) -> str | None:
    """`python<version>` on PATH if it runs, else pyenv's build of that version."""
    found = shutil.which(f"python{version}")
    if found and subprocess.run([found, "-c", ""], capture_output=True).returncode == 0:
        return found
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv") / "versions"
    builds = sorted(root.glob(f"{version}.*/bin/python{version}")) if root.is_dir() else []
    return str(builds[-1]) if builds else None


def covered(version: str, code: str, tmp_path: Path) -> list[tuple[int, str]]:
    """(line, covered text) of each diagnostic of `code` run by that version."""
    python = interpreter(version)
    if python is None:
        pytest.skip(f"no Python {version} on this machine (PATH or pyenv)")
    (tmp_path / "main.py").write_text(code)
    run = subprocess.run(
        [python, "main.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 1 and "Traceback" in run.stderr, run.stderr
    lines = code.split("\n")
    target = Target(uri="file:///project/main.py", lines=lines, path="/project/main.py")
    diagnostics = to_diagnostics(parse_output("python", run.stderr), target)
    out = []
    for diagnostic in diagnostics["file:///project/main.py"]:
        start, end = diagnostic.range.start, diagnostic.range.end
        assert start.line == end.line, run.stderr
        out.append((start.line + 1, lines[start.line][start.character : end.character]))
    return sorted(out)


@pytest.mark.parametrize("version", VERSIONS)
def test_each_frame_covers_the_call_it_made(version: str, tmp_path: Path) -> None:
    assert covered(version, CALLS, tmp_path) == [
        (2, "int(text)"),
        (6, 'parse_port(values["port"])'),
        (12, "load_config(values)"),
        (16, 'loader.load({"port": "eighty"})'),
    ]


@pytest.mark.parametrize("version", VERSIONS)
def test_an_unmarked_statement_is_covered_without_its_comment(version: str, tmp_path: Path) -> None:
    lines = covered(version, STATEMENT, tmp_path)
    assert lines[1] == (5, "check(-1)")
    # 3.11 and 3.13 mark the condition; 3.10 and 3.12 print no markers: the whole statement
    assert lines[0] in ((2, "value >= 0"), (2, 'assert value >= 0, "negative"'))
    if version in ("3.10", "3.12"):
        assert lines[0] == (2, 'assert value >= 0, "negative"')
