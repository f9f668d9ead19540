"""The `:sh` bindings of editors/helix/config.toml, run as Helix runs them.

Helix (25.01+) expands `%{buffer_name}` (the buffer's path relative to its working directory),
leaves the double quotes to the shell, and runs the line with `sh -c`. It shows the command's
stdout in a popup only when the command exits 0 and printed nothing on stderr (otherwise it shows
stderr, or "Shell command failed"), so that is what these tests hold the commands to.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from editor_env import CALL_LINE, EDITORS, FAILING_PY, RAISE_LINE, Workspace, load_toml

KEYS = load_toml(EDITORS / "helix" / "config.toml")["keys"]["normal"]["+"]


def helix_sh(binding: Any, buffer_name: str, cwd: Path, env: dict[str, str]) -> str:
    """Run the binding's `:sh` command line through `sh -c`; its popup text."""
    commands = binding if isinstance(binding, list) else [binding]
    (line,) = [c for c in commands if c.startswith(":sh ")]
    expanded = line.removeprefix(":sh ").replace("%{buffer_name}", buffer_name)
    assert "%" not in expanded, f"an expansion the test does not know: {expanded}"
    done = subprocess.run(
        ["sh", "-c", expanded], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stderr == "", (done.returncode, done.stderr)
    return done.stdout


@pytest.fixture
def env(sandbox_server: Any, tmp_path: Path) -> dict[str, str]:
    """The sandbox's variables, a scratch cache, and `unsandbox-ls` of this checkout on PATH."""
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "unsandbox-ls").exists()
    return {
        **sandbox_server.env,
        "HOME": str(tmp_path / "home"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
    }


def test_the_run_key_writes_then_shows_output_errors_and_summary(
    workspace: Workspace, env: dict[str, str]
) -> None:
    binding = KEYS["x"]
    assert binding[0] == ":write"  # the buffer is saved before the run reads the file
    popup = helix_sh(binding, "failing.py", workspace.root, env)
    blocks = popup.rstrip("\n").split("\n\n")
    assert blocks[0] == "looking up pear"  # the program's stdout
    assert blocks[1].startswith("Traceback (most recent call last):")  # its stderr
    assert blocks[1].endswith("KeyError: 'pear'")
    errors = blocks[2].splitlines()
    assert errors[0].startswith(f"failing.py:{RAISE_LINE + 1}:") and "KeyError" in errors[0]
    assert any(e.startswith(f"failing.py:{CALL_LINE + 1}:") for e in errors[1:]), errors
    (summary,) = blocks[3].splitlines()
    assert summary.startswith("✗ failing.py: exit 1 in ") and summary.endswith("KeyError: 'pear'")
    assert "\x1b" not in popup


def test_history_and_diff_keys_after_two_runs(workspace: Workspace, env: dict[str, str]) -> None:
    (workspace.root / ".helix").mkdir()  # Helix's workspace marker
    helix_sh(KEYS["x"], "failing.py", workspace.root, env)
    workspace.failing.write_text(FAILING_PY.replace('"pear"', '"apple"'), encoding="utf-8")
    assert helix_sh(KEYS["x"], "failing.py", workspace.root, env).startswith("looking up pear\n3\n")

    table = helix_sh(KEYS["h"], "failing.py", workspace.root, env).splitlines()
    assert len(table) == 3 and "exit 0" in table[1] and "exit 1" in table[2]
    diff = helix_sh(KEYS["d"], "failing.py", workspace.root, env).splitlines()
    assert diff[0].startswith("failing.py: exit 1 → exit 0 · ")
    assert "+3" in diff and "-KeyError: 'pear'" in diff
