"""The Python start-up hook's recording of results in place, run by this machine's Python on
the programs in `programs/python` (the hook file itself, as the sandbox loads it through
PYTHONPATH), read back by the client's `take_in_place` and `place`."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from unsandbox_ls.hooks.startup import hook_file
from unsandbox_ls.problems.mapping import Target
from unsandbox_ls.runs.in_place import BLOCK_MAX_CHARS, TIMES, take_in_place
from unsandbox_ls.runs.in_place import place as place_spots
from unsandbox_ls.sent_file import SentFile

PROGRAMS = Path(__file__).resolve().parent / "programs" / "python"
NONCE = "0123abcd4567ef89"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    work = shutil.copytree(PROGRAMS, tmp_path / "program")
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    (hooks / "sitecustomize.py").write_bytes(hook_file("sitecustomize.py"))
    return work


def run(folder: Path, name: str, *, in_place: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "UNSANDBOX"))}
    env["PYTHONPATH"] = str(folder.parent / "hooks")
    if in_place:
        env["UNSANDBOX_LS_IN_PLACE"] = NONCE
    return subprocess.run(
        [sys.executable, name], cwd=folder, env=env, capture_output=True, text=True, timeout=60
    )


def target(folder: Path) -> Target:
    stock = folder / "stock.py"
    sent = SentFile.from_text("stock.py", stock.read_text(), path=str(stock), origin="disk")
    orders = folder / "orders.py"
    return Target(orders.as_uri(), orders.read_text().split("\n"), str(orders), files=(sent,))


def test_lines_output_and_the_frames_values_come_back_and_leave_the_output(folder: Path) -> None:
    done = run(folder, "orders.py")
    plain = run(folder, "orders.py", in_place=False)
    stderr, found = take_in_place(done.stderr, NONCE)
    assert done.stdout == plain.stdout == "left apple 3\nleft pear 0\ntaking a plum\n"
    assert stderr == plain.stderr and "KeyError: 'plum'" in stderr
    assert "unsandbox-ls" not in stderr and found is not None
    assert [(o.path, o.line, o.count, o.first, o.last) for o in found.lines] == [
        ("orders.py", 5, 2, "left apple 3", "left pear 0"),
        ("orders.py", 6, 1, "taking a plum", "taking a plum"),
    ]
    assert found.lines[0].text == "left apple 3\nleft pear 0\n"
    assert found.error == "KeyError: 'plum'"
    assert [(f.path, f.line, f.function) for f in found.frames] == [
        ("orders.py", 7, "<module>"),
        ("stock.py", 3, "take"),
    ]
    assert dict(found.frames[1].values) == {
        "stock": "{'apple': 3, 'pear': 0}", "item": "'plum'", "wanted": "1",
    }  # fmt: skip
    assert dict(found.frames[0].values)["stock"] == "{'apple': 3, 'pear': 0}"
    assert "take" not in dict(found.frames[0].values)  # functions and modules are left out

    spots = {
        (s.uri.rsplit("/", 1)[1], s.line): s
        for s in place_spots(found, target(folder), "orders.py")
    }
    assert spots[("orders.py", 4)].label == f"{TIMES}2 left pear 0"
    assert spots[("orders.py", 5)].label == "→ taking a plum"
    assert spots[("orders.py", 6)].label == "stock={'apple': 3, 'pear': 0}"
    failing = spots[("stock.py", 2)]
    assert (
        failing.failing and failing.label == "stock={'apple': 3, 'pear': 0}, item='plum', wanted=1"
    )
    assert "KeyError: 'plum'" in failing.hover() and "| `item` | `'plum'` |" in failing.hover()


def test_a_flood_of_output_gives_a_bounded_block_and_the_whole_output(folder: Path) -> None:
    done = run(folder, "flood.py")
    stderr, found = take_in_place(done.stderr, NONCE)
    assert done.returncode == 0 and stderr == "" and found is not None
    assert done.stdout.count("\n") == 20000 and done.stdout.startswith("line 0 \nline 1 x\n")
    assert len(done.stderr) < BLOCK_MAX_CHARS
    (line,) = found.lines
    assert (line.line, line.count, line.first) == (2, 20000, "line 0 ")
    assert line.last == "line 19999 " + "x" * 49 and len(line.text) == 2000


def test_os_exit_leaves_no_block_and_the_output_as_printed(folder: Path) -> None:
    done = run(folder, "quits.py")
    assert done.returncode == 3
    assert done.stdout == "step 0\nstep 1\nstep 2\n" and done.stderr == ""
    assert take_in_place(done.stderr, NONCE) == ("", None)


def test_without_the_variable_nothing_is_recorded(folder: Path) -> None:
    done = run(folder, "orders.py", in_place=False)
    assert "unsandbox-ls" not in done.stderr
    assert take_in_place(done.stderr, NONCE)[1] is None


def test_a_block_of_another_run_stays_in_the_output(folder: Path) -> None:
    done = run(folder, "orders.py")
    text, found = take_in_place(done.stderr, "ffffffffffffffff")
    assert found is None and text == done.stderr


def test_each_write_goes_to_its_own_line_when_the_lines_take_turns(folder: Path) -> None:
    (folder / "turns.py").write_text(
        "import pprint\n"
        "def shout(word):\n"
        '    print("shout", word)\n'
        "for i in range(3):\n"
        "    shout(i)\n"
        '    print("loop", i, end="!\\n")\n'
        "    pprint.pprint([i])\n"
    )
    done = run(folder, "turns.py")
    stderr, found = take_in_place(done.stderr, NONCE)
    assert done.returncode == 0 and stderr == "" and found is not None
    assert [(o.path, o.line, o.count, o.first, o.last, o.text) for o in found.lines] == [
        ("turns.py", 3, 3, "shout 0", "shout 2", "shout 0\nshout 1\nshout 2\n"),
        ("turns.py", 6, 3, "loop 0!", "loop 2!", "loop 0!\nloop 1!\nloop 2!\n"),
        ("turns.py", 7, 3, "[0]", "[2]", "[0]\n[1]\n[2]\n"),  # pprint's frames are not the user's
    ]


def test_print_writes_and_raises_as_the_built_in_does(folder: Path) -> None:
    """The hook's `print` (one write and one record for a line of plain words) against the
    built-in: the same bytes on both streams, in the same order, the same errors, and the
    traceback of an error raised inside print without a frame of the hook's."""
    done = run(folder, "prints.py")
    plain = run(folder, "prints.py", in_place=False)
    stderr, found = take_in_place(done.stderr, NONCE)
    assert (done.returncode, done.stdout, stderr) == (plain.returncode, plain.stdout, plain.stderr)
    assert plain.returncode == 1 and "ValueError: no words" in stderr
    assert "sitecustomize" not in stderr
    frames = re.findall(r'File ".*?([^/]+)", line (\d+), in (\S+)', stderr)
    assert frames == [("prints.py", "50", "<module>"), ("prints.py", "15", "__str__")]
    assert "a inside\nnoisy [1, 2]\n" in done.stdout  # Noisy's __str__ prints between the words
    assert "before \nValueError: no words" in done.stdout
    assert "True print\n" in done.stdout and "nowhere" not in done.stdout
    assert found is not None
    lines = {o.line: (o.count, o.text) for o in found.lines}
    assert lines[18] == (1, "a 1 2.5 True None\n")
    assert lines[19] == (1, "ab!\n")
    assert lines[21] == (1, "\n")
    assert lines[23] == (1, "to err\n")
    assert lines[9] == (1, "inside\n") and lines[24] == (1, "a noisy [1, 2]\n")
    assert 26 not in lines and 28 not in lines  # to a file of the program's own: not shown
    assert lines[50] == (1, "last ")  # what the built-in wrote before the error


def test_the_message_of_sys_exit_is_written_as_without_the_hook(folder: Path) -> None:
    (folder / "leaves.py").write_text('import sys\nprint("a")\nsys.exit("failed at the end")\n')
    done = run(folder, "leaves.py")
    plain = run(folder, "leaves.py", in_place=False)
    stderr, _ = take_in_place(done.stderr, NONCE)
    assert (done.returncode, done.stdout, stderr) == (1, "a\n", "failed at the end\n")
    assert stderr == plain.stderr
