"""Fixtures of the language-server hardening tests: a sandbox environment with HOME moved away,
and a workspace folder (the same shapes as `tests/lsp/conftest.py`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A HOME of the test's own, holding a recognisable ~/.unsandbox/accounts.csv."""
    root = tmp_path / "home"
    (root / ".unsandbox").mkdir(parents=True)
    (root / ".unsandbox" / "accounts.csv").write_text("unsb-pk-home-row,unsb-sk-home-secret\n")
    return root


@pytest.fixture
def sandbox_env(sandbox_server: Any, home: Path) -> dict[str, str]:
    return {**sandbox_server.env, "HOME": str(home)}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root
