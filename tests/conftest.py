"""Shared fixtures: `sandbox_server`, one local sandbox server for the whole test session.

The server is the project's own (`python -m unsandbox_ls sandbox`), started on a free loopback
port with fresh random keys; see `support/sandbox.py` for what the yielded object offers and for
`start_sandbox_server`, which starts additional servers with other options.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from support.sandbox import SandboxServer, start_sandbox_server  # noqa: E402


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """A running local sandbox server (4 concurrent jobs), stopped at the end of the session."""
    server = start_sandbox_server(max_jobs=4)
    try:
        yield server
    finally:
        server.stop()
