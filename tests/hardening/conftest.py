"""Fixtures of the language-server hardening tests: a sandbox environment with HOME moved away,
a workspace folder (the same shapes as `tests/lsp/conftest.py`), and the fault matrix.

The fault matrix (`matrix_runner`) waits out the client's real retry delays, about 40 s in all.
When a selected test needs it, it starts in a thread of its own as soon as collection ends, and
its tests run last, so the rest of the session runs meanwhile and they find it done.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from matrix_runner import MATRIX, Observed

_MATRIX_ROOT = Path(tempfile.mkdtemp(prefix="unsandbox-fault-matrix-"))
_MATRIX_ENV = dict(os.environ)


def _needs_matrix(item: pytest.Item) -> bool:
    return "matrix" in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The matrix's tests go last, so that the matrix has the whole session to finish."""
    items[:] = [i for i in items if not _needs_matrix(i)] + [i for i in items if _needs_matrix(i)]


def pytest_collection_finish(session: pytest.Session) -> None:
    if any(_needs_matrix(item) for item in session.items):
        MATRIX.start(_MATRIX_ROOT, _MATRIX_ENV)


def pytest_sessionfinish(session: pytest.Session) -> None:
    shutil.rmtree(_MATRIX_ROOT, ignore_errors=True)


@pytest.fixture(scope="session")
def matrix() -> dict[str, Observed]:
    """Every fault kind's `Observed`, by name (see `matrix_runner`)."""
    return MATRIX.results(_MATRIX_ROOT, _MATRIX_ENV)


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
