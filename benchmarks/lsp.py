"""Drive a language server over stdio as an editor would (pygls client), for the benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parent.parent
SERVER = [sys.executable, "-m", "unsandbox_ls"]
MINIMAL = [sys.executable, "-m", "benchmarks.minimal_server"]
WAIT_S = 120.0


def capabilities() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(
            configuration=False,
            code_lens=types.CodeLensWorkspaceClientCapabilities(refresh_support=True),
        ),
        text_document=types.TextDocumentClientCapabilities(
            code_lens=types.CodeLensClientCapabilities(),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(),
        ),
    )


def rss_kib(pid: int) -> int:
    """Resident set size of a process, from /proc."""
    with open(f"/proc/{pid}/status", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class Editor:
    """A started server and what it told us; `finished` maps runId → (arrival time, params)."""

    client: LanguageClient
    pid: int
    finished: dict[str, tuple[float, Any]] = field(default_factory=dict)
    started: dict[str, float] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def open(self, path: Path, text: str, language_id: str = "python") -> str:
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id=language_id, version=1, text=text)
            )
        )
        return uri

    async def command(self, name: str, *arguments: Any) -> Any:
        return await asyncio.wait_for(
            self.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=name, arguments=list(arguments))
            ),
            WAIT_S,
        )

    async def finished_run(self, run_id: str, timeout: float = WAIT_S) -> tuple[float, Any]:
        deadline = time.monotonic() + timeout
        while run_id not in self.finished:
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} did not finish in {timeout} s")
            await asyncio.sleep(0.001)
        return self.finished[run_id]

    async def code_lens(self, uri: str) -> list[types.CodeLens]:
        lenses = await asyncio.wait_for(
            self.client.text_document_code_lens_async(
                types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
            ),
            WAIT_S,
        )
        return list(lenses or [])


def _register(editor: Editor) -> None:
    client = editor.client

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def _create(params: Any) -> None:
        return None

    @client.feature(types.PROGRESS)
    def _progress(params: Any) -> None:
        return None

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def _show(params: types.ShowMessageParams) -> None:
        editor.messages.append(params.message)

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def _log(params: Any) -> None:
        return None

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _diagnostics(params: Any) -> None:
        return None

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def _refresh(params: Any) -> None:
        return None

    @client.feature("unsandbox/runStarted")
    def _started(params: Any) -> None:
        editor.started[params.runId] = time.time()

    @client.feature("unsandbox/runFinished")
    def _finished(params: Any) -> None:
        editor.finished[params.runId] = (time.time(), params)


async def spawn_and_initialize(
    command: list[str], env: dict[str, str], init_options: Any = None
) -> tuple[Editor, float]:
    """Start `command`, send `initialize`; the editor and the seconds until its result."""
    client = LanguageClient("benchmarks", "1")
    started = time.perf_counter()
    await client.start_io(command[0], *command[1:], env=env, cwd=str(ROOT))
    await asyncio.wait_for(
        client.initialize_async(
            types.InitializeParams(
                process_id=os.getpid(),
                capabilities=capabilities(),
                root_uri=ROOT.as_uri(),
                initialization_options=init_options,
            )
        ),
        WAIT_S,
    )
    elapsed = time.perf_counter() - started
    process = getattr(client, "_server", None)
    pid = int(process.pid) if process is not None else -1
    editor = Editor(client, pid)
    _register(editor)
    client.initialized(types.InitializedParams())
    return editor, elapsed


async def stop(editor: Editor) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(editor.client.shutdown_async(None), 15)
        editor.client.exit(None)
    with contextlib.suppress(Exception):
        await asyncio.wait_for(editor.client.stop(), 15)


@contextlib.asynccontextmanager
async def language_server(
    env: dict[str, str], init_options: Any = None, extra_args: tuple[str, ...] = ()
) -> AsyncIterator[Editor]:
    editor, _ = await spawn_and_initialize([*SERVER, *extra_args], env, init_options)
    try:
        yield editor
    finally:
        await stop(editor)
