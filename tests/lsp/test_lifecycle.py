"""Start-up stays light, runOnSave is opt-in, and shutting down cancels the runs in flight."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from support.lsp_session import start_session

#: what must wait for the first run; `unsandbox_ls.api.models` and `.errors` are plain dataclasses
#: (the settings validate against their limits) and may load at start-up.
HEAVY = (
    "httpx",
    "httpcore",
    "anyio",
    "platformdirs",
    "unsandbox_ls.api.client",
    "unsandbox_ls.api.credentials",
    "unsandbox_ls.api.auth",
    "unsandbox_ls.problems",
)


def test_start_up_imports_only_pygls_and_the_server_package() -> None:
    probe = (
        "import sys\n"
        "from unsandbox_ls.server.app import create_server\n"
        "create_server()\n"
        f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


async def test_run_on_save_is_opt_in(sandbox_env: dict[str, str], workspace: Path) -> None:
    async with start_session("neovim", sandbox_env, workspace) as nvim:
        uri = nvim.open("saved.py", 'print("saved")\n')
        nvim.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        await asyncio.sleep(1.0)
        assert nvim.finished == []

        nvim.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"unsandbox": {"runOnSave": True}})
        )
        nvim.client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        note = await nvim.wait_finished()
        assert note.kind == "file"
        assert note.stdout == "saved\n"


async def test_shutdown_cancels_runs_in_flight(
    sandbox_env: dict[str, str], workspace: Path, sandbox_server: Any
) -> None:
    async with start_session("visual-studio-code", sandbox_env, workspace) as vscode:
        uri = vscode.open("long.py", "import time\ntime.sleep(60)\n")
        await vscode.execute("unsandbox.runFile", uri)

        await vscode.wait_for(
            lambda: any(m.startswith("running") for m in vscode.progress_messages())
        )
        await vscode.shutdown()
        note = await vscode.wait_finished(timeout=10)
        assert note.status == "cancelled"
        job = sandbox_server.request("GET", f"/jobs/{note.jobId}", timeout=10).json()
        assert job["status"] == "cancelled"
