"""Fixtures of the editor tests; the helpers they share are in `editor_env.py`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from editor_env import Workspace, make_workspace  # noqa: E402


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A folder holding `failing.py` and `long.py`."""
    return make_workspace(tmp_path / "workspace")
