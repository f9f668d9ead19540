"""`unsandbox-ls run FILE --stdin FILE -- ARGS` as a subprocess against the local sandbox: the
program of several files gets its standard input (a file, or this command's own with `-`) and
its arguments, with its own file name as argv[0]; languages without a hook are refused."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.sandbox import SandboxServer

PROGRAMS = Path(__file__).resolve().parent / "programs"
EXPECTED = "argv: {name} 5 --verbose\ntotal: 5\ndata: hello data\n"


def cli(
    args: list[str], env: dict[str, str], cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", "run", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120, input=stdin,
    )  # fmt: skip


@pytest.fixture
def env(sandbox_server: SandboxServer, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {**sandbox_server.env, "HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}


@pytest.mark.parametrize(
    ("language", "name"),
    [("python", "app.py"), ("javascript", "app.js"), ("ruby", "app.rb"), ("bash", "app.sh")],
)
def test_stdin_file_and_arguments(
    language: str, name: str, env: dict[str, str], tmp_path: Path
) -> None:
    folder = shutil.copytree(PROGRAMS / language, tmp_path / language)
    done = cli(
        [name, "-f", "data.txt", "--stdin", "input.txt", "--", "5", "--verbose"], env, folder
    )
    assert done.stdout == EXPECTED.format(name=name) + "stdin: line one\nstdin: line two\n"
    assert done.returncode != 0 and "cart" in done.stderr  # the error in the imported file
    assert "unsandbox-ls boot" not in done.stderr


def test_stdin_dash_is_this_commands_own(env: dict[str, str], tmp_path: Path) -> None:
    folder = shutil.copytree(PROGRAMS / "python", tmp_path / "python")
    args = ["app.py", "-f", "data.txt", "--stdin", "-", "--", "5", "--verbose"]
    done = cli(args, env, folder, stdin="piped in\n")
    assert done.stdout == EXPECTED.format(name="app.py") + "stdin: piped in\n"
    assert "\nshop/cart.py:6:5: error: ValueError: cart is empty\n" in done.stderr


def test_no_stdin_reads_end_of_file_and_says_how(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "ask.py").write_text("name = input()\n")
    done = cli(["ask.py"], env, tmp_path)
    assert "EOFError" in done.stderr
    assert "give it a file with stdin=FILE" in done.stderr


def test_a_language_without_a_hook_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "main.tcl").write_text("puts $argv\n")
    done = cli(["main.tcl", "--", "5"], env, tmp_path)
    assert done.returncode == 2
    assert "arguments cannot be given to a tcl program" in done.stderr
    assert "nothing was sent" in done.stderr
