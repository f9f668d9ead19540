"""Results in place in every layout of the local sandbox (`sandbox_layout`): the hook records
them wherever the code and the input files land, and `run --annotate` names the local files."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.sandbox import SandboxServer

PROGRAMS = Path(__file__).resolve().parent / "programs"
TIMES = "\N{MULTIPLICATION SIGN}"
#: language → (program, the lines --annotate must print among its others)
EXPECTED = {
    "python": ("orders.py", [
        'orders.py:5: print("left", name, left)', f"    output ({TIMES}2):",
        "stock.py:3: left = stock[item] - wanted", "    failed: KeyError: 'plum'",
        "      item = 'plum'",
    ]),
    "ruby": ("orders.rb", [
        'orders.rb:5: puts "left #{name} #{left}"', f"    output ({TIMES}2):",
        "stock.rb:3: left = stock.fetch(item) - wanted",
        '    failed: KeyError: key not found: "plum"', '      item = "plum"',
    ]),
    "javascript": ("orders.js", [
        "orders.js:5: console.log('left', name, left);", f"    output ({TIMES}2):",
        "    failed: RangeError: no plum in stock",
    ]),
}  # fmt: skip


@pytest.mark.parametrize("language", EXPECTED)
def test_annotate_in_every_layout(
    language: str, sandbox_layout: SandboxServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {**sandbox_layout.env, "HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    folder = shutil.copytree(PROGRAMS / language, tmp_path / language)
    name, lines = EXPECTED[language]
    done = subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", "run", name, "--annotate"],
        env=env, cwd=folder, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    shown = done.stdout.split("\n")
    assert [line for line in lines if line not in shown] == [], done.stdout
    assert "unsandbox-ls in-place" not in done.stderr and "plum" in done.stderr
