"""pytest-lsp fixtures: the server over stdio, pointed at the session's local sandbox server.

The session helpers themselves live in `support/lsp_session.py`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from support.lsp_session import PROFILES, LspSession, start_session


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    root.mkdir()
    return root


@pytest.fixture
def sandbox_env(sandbox_server: Any, tmp_path: Path) -> dict[str, str]:
    """The sandbox's UNSANDBOX_* variables, with HOME moved so no real accounts.csv is read."""
    home = tmp_path / "home"
    home.mkdir()
    return {**sandbox_server.env, "HOME": str(home)}


@pytest.fixture
def layout_env(sandbox_layout: Any, tmp_path: Path) -> dict[str, str]:
    """As `sandbox_env`, for each job layout's server in turn (the test runs once per layout)."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {**sandbox_layout.env, "HOME": str(home)}


@pytest_asyncio.fixture(params=PROFILES)
async def session(
    request: pytest.FixtureRequest, sandbox_env: dict[str, str], workspace: Path
) -> AsyncIterator[LspSession]:
    """A server for each client profile (VS Code, Neovim, Helix)."""
    async with start_session(request.param, sandbox_env, workspace) as started:
        yield started


@pytest_asyncio.fixture
async def vscode(sandbox_env: dict[str, str], workspace: Path) -> AsyncIterator[LspSession]:
    """A server initialized with the VS Code profile."""
    async with start_session("visual-studio-code", sandbox_env, workspace) as started:
        yield started
