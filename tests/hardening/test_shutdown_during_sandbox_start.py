"""Shutdown while the language server's local sandbox is still starting ends quietly, and the
run waiting on that start says the server is shutting down (not "cancelled", not a traceback).

The start is made slow for real: `bwrap` on PATH is a script that waits before it runs the real
bubblewrap, so the sandbox's self-check (a first bwrap job) takes seconds.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from support.keyless import keyless_env, sandbox_children
from support.lsp_session import start_session


@pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap (bwrap)")
async def test_shutdown_while_the_sandbox_starts(tmp_path: Path) -> None:
    real = shutil.which("bwrap")
    slow = tmp_path / "slow-bin"
    slow.mkdir()
    (slow / "bwrap").write_text(f'#!/bin/sh\nsleep 4\nexec {real} "$@"\n')
    os.chmod(slow / "bwrap", 0o755)
    env = {**keyless_env(tmp_path), "PATH": f"{slow}:{os.environ['PATH']}"}
    workspace = tmp_path / "ws"
    workspace.mkdir()
    log = tmp_path / "server.log"
    args = ("--log-file", str(log))
    async with start_session("neovim", env, workspace, server_args=args) as nvim:
        nvim.open("hello.py", "print(1)\n")
        await nvim.execute("unsandbox.runFile")
        process = nvim.client._server
        assert process is not None
        await nvim.wait_for(lambda: sandbox_children(process.pid))  # it is starting
        assert nvim.finished == []
        await nvim.shutdown()
        note = await nvim.wait_finished()
    assert note.status == "error"
    said = "unsandbox: hello.py: The language server is shutting down; nothing was sent."
    assert note.summary == said
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in text and "AttributeError" not in text, text
