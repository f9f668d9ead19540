"""`unsandbox-ls run --annotate FILE` against the local sandbox: each source line that wrote
output or failed, with its output and values (results in place); `--no-in-place` and a
program ending through `os._exit` give the ordinary run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.sandbox import SandboxServer

PROGRAMS = Path(__file__).resolve().parent / "programs"
PRINTED = "left apple 3\nleft pear 0\ntaking a plum\n"


def cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", "run", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@pytest.fixture
def env(sandbox_server: SandboxServer, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {**sandbox_server.env, "HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return shutil.copytree(PROGRAMS / "python", tmp_path / "python")


def test_annotate_prints_each_line_with_its_output_and_the_values(
    env: dict[str, str], folder: Path
) -> None:
    done = cli(["orders.py", "--annotate"], env, folder)
    assert done.returncode == 1
    assert done.stdout.split("\n") == [
        'orders.py:5: print("left", name, left)',
        "    output (\N{MULTIPLICATION SIGN}2):",
        "      left apple 3",
        "      left pear 0",
        'orders.py:6: print("taking a plum")',
        "    output:",
        "      taking a plum",
        'orders.py:7: take(stock, "plum")',
        "    locals of <module>:",
        "      stock = {'apple': 3, 'pear': 0}",
        "      name = 'pear'",
        "      left = 0",
        "stock.py:3: left = stock[item] - wanted",
        "    failed: KeyError: 'plum'",
        "    locals of take:",
        "      stock = {'apple': 3, 'pear': 0}",
        "      item = 'plum'",
        "      wanted = 1",
        "",
    ]
    assert "KeyError: 'plum'" in done.stderr and "unsandbox-ls in-place" not in done.stderr


def test_without_annotate_the_output_is_exactly_what_the_program_printed(
    env: dict[str, str], folder: Path
) -> None:
    done = cli(["orders.py"], env, folder)
    off = cli(["orders.py", "--no-in-place", "--annotate"], env, folder)
    assert done.stdout == off.stdout == PRINTED
    assert done.stderr == off.stderr.replace(
        "unsandbox-ls: orders.py: no results in place (turned off, or the language has no "
        "start-up hook); the output as printed follows\n",
        "",
    )
    assert "unsandbox-ls" not in done.stderr


@pytest.mark.parametrize("language", ["python", "ruby", "javascript"])
def test_a_program_ending_through_os_exit_gets_a_normal_result(
    language: str, env: dict[str, str], tmp_path: Path
) -> None:
    """`os._exit`, Ruby's `exit!`, Node's `process.reallyExit`: no exit handler runs."""
    folder = shutil.copytree(PROGRAMS / language, tmp_path / language)
    name = {"python": "quits.py", "ruby": "quits.rb", "javascript": "quits.js"}[language]
    done = cli([name], env, folder)
    off = cli([name, "--no-in-place"], env, folder)
    assert done.returncode == off.returncode == 3
    assert done.stdout == off.stdout == "step 0\nstep 1\nstep 2\n"
    assert done.stderr == off.stderr and "unsandbox-ls" not in done.stderr


ANNOTATED = {
    "ruby": [
        'orders.rb:5: puts "left #{name} #{left}"',
        "    output (\N{MULTIPLICATION SIGN}2):",
        "      left apple 3",
        "      left pear 0",
        "orders.rb:7: puts 'taking a plum'",
        "    output:",
        "      taking a plum",
        "orders.rb:8: take(stock, 'plum')",
        "    in <main>: no values recorded",
        "stock.rb:3: left = stock.fetch(item) - wanted",
        '    failed: KeyError: key not found: "plum"',
        "    locals of take:",
        '      stock = {"apple"=>3, "pear"=>0}',
        '      item = "plum"',
        "      wanted = 1",
        "      left = nil",
        "",
    ],
    "javascript": [
        "orders.js:5: console.log('left', name, left);",
        "    output (\N{MULTIPLICATION SIGN}2):",
        "      left apple 3",
        "      left pear 0",
        "orders.js:7: console.log('taking a plum');",
        "    output:",
        "      taking a plum",
        "orders.js:8: take(stock, 'plum');",
        "    in Object.<anonymous>: no values recorded",
        "stock.js:3: if (!(item in stock)) throw new RangeError(`no ${item} in stock`);",
        "    failed: RangeError: no plum in stock",
        "    in take: no values recorded",
        "",
    ],
}


@pytest.mark.parametrize("language", ANNOTATED)
def test_annotate_in_ruby_and_javascript(
    language: str, env: dict[str, str], tmp_path: Path
) -> None:
    folder = shutil.copytree(PROGRAMS / language, tmp_path / language)
    name = {"ruby": "orders.rb", "javascript": "orders.js"}[language]
    done = cli([name, "--annotate"], env, folder)
    plain = cli([name], env, folder)
    assert done.returncode == plain.returncode == 1
    assert done.stdout.split("\n") == ANNOTATED[language]
    assert plain.stdout == PRINTED and done.stderr == plain.stderr
    assert "unsandbox-ls" not in plain.stderr
