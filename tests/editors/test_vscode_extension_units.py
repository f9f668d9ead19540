"""The VS Code extension's pure helpers (output text, server command lookup, the arguments
prompt) under `node --test`.

The extension as a whole runs in code-server in test_vscode_e2e.py; these need only node.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from editor_env import EDITORS


def test_extension_helpers_with_node_test_runner() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: run scripts/install-editor-test-deps.sh")
    extension = EDITORS / "vscode"
    proc = subprocess.run(
        [node, "--test", "test/"],
        cwd=extension,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "# fail 0" in proc.stdout
    for source in (
        "extension.js",
        "lib/format.js",
        "lib/run-progress.js",
        "lib/server-command.js",
        "lib/history.js",
        "lib/history-format.js",
        "lib/links.js",
        "lib/arguments.js",
    ):
        check = subprocess.run([node, "--check", source], cwd=extension, capture_output=True)
        assert check.returncode == 0, check.stderr
