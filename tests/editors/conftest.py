"""Fixtures of the editor tests; the helpers they share are in `editor_env.py`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from editor_env import EDITORS, Workspace, make_workspace, require  # noqa: E402


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A folder holding `failing.py` and `long.py`."""
    return make_workspace(tmp_path / "workspace")


@pytest.fixture(scope="session")
def vsix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The extension packaged by `npm run package` (vsce), as a user or a release builds it."""
    extension = EDITORS / "vscode"
    require(shutil.which("npm"), "npm")
    require(
        (extension / "node_modules" / "vscode-languageclient").exists(),
        "the extension's node_modules (npm ci in editors/vscode)",
    )
    built = extension / "unsandbox.vsix"
    built.unlink(missing_ok=True)
    proc = subprocess.run(
        ["npm", "run", "package"], cwd=extension, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0 and built.is_file(), proc.stdout + proc.stderr
    target = tmp_path_factory.mktemp("vsix") / built.name
    shutil.move(built, target)
    return target
