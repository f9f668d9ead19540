"""The main job: run a program in the local sandbox through the language server, as an editor would.

1. Start the language server (`python -m unsandbox_ls`) over stdio with `UNSANDBOX_BACKEND=local`
   and no key: at the first run it starts the local sandbox itself (a free loopback port, fresh
   random keys that live for this run only), as it does for a user who has no keys yet, and stops
   it when it exits.
2. Act as an editor: initialize, open the file, ask for code lenses, click `▶ Run remotely`.
3. Print what an editor would show: lenses, progress, the summary message, the program's output and
   the diagnostics in `PATH:LINE:COL: severity: message` form.

Usage: python scripts/main_job.py [FILE]   (default: examples/orders.py)
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parent.parent
SEVERITY = {1: "error", 2: "warning", 3: "info", 4: "hint"}


def say(label: str, text: str) -> None:
    print(f"\033[1m{label}\033[0m {text}" if sys.stdout.isatty() else f"{label} {text}")


async def drive(path: Path, env: dict[str, str]) -> int:
    client = LanguageClient("main-job", "1")
    finished: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    diagnostics: dict[str, list[types.Diagnostic]] = {}

    @client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
    def _create(params: types.WorkDoneProgressCreateParams) -> None:
        return None

    @client.feature(types.PROGRESS)
    def _progress(params: types.ProgressParams) -> None:
        value = params.value
        kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", "")
        message = value.get("message") if isinstance(value, dict) else getattr(value, "message", "")
        title = value.get("title") if isinstance(value, dict) else getattr(value, "title", "")
        say("[progress]", " ".join(str(x) for x in (kind, title, message) if x))

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def _show(params: types.ShowMessageParams) -> None:
        say("[message]", params.message)

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def _log(params: types.LogMessageParams) -> None:
        return None

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _diagnostics(params: types.PublishDiagnosticsParams) -> None:
        diagnostics[params.uri] = list(params.diagnostics)

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def _refresh(params: None) -> None:
        return None

    @client.feature(types.WORKSPACE_CONFIGURATION)
    def _configuration(params: types.ConfigurationParams) -> list[Any]:
        return [{} for _ in params.items]

    @client.feature("unsandbox/runStarted")
    def _started(params: Any) -> None:
        say("[started]", f"run {params.runId} ({params.kind})")

    @client.feature("unsandbox/runFinished")
    def _finished(params: Any) -> None:
        if not finished.done():
            finished.set_result(params)

    await client.start_io(sys.executable, "-m", "unsandbox_ls", env=env)
    uri = path.as_uri()
    await client.initialize_async(
        types.InitializeParams(
            process_id=os.getpid(),
            root_uri=path.parent.as_uri(),
            client_info=types.ClientInfo(name="main-job"),
            capabilities=types.ClientCapabilities(
                window=types.WindowClientCapabilities(work_done_progress=True),
                workspace=types.WorkspaceClientCapabilities(
                    configuration=True,
                    code_lens=types.CodeLensWorkspaceClientCapabilities(refresh_support=True),
                ),
                text_document=types.TextDocumentClientCapabilities(
                    code_lens=types.CodeLensClientCapabilities(),
                    publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                        related_information=True
                    ),
                ),
            ),
        )
    )
    client.initialized(types.InitializedParams())
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=1, text=path.read_text()
            )
        )
    )
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    for lens in lenses or []:
        if lens.command:
            say("[lens]", f"line {lens.range.start.line + 1}: {lens.command.title}")
    run_lens = next(
        (lens for lens in lenses or [] if lens.command and "Run remotely" in lens.command.title),
        None,
    )
    if run_lens is None or run_lens.command is None:
        raise SystemExit("the server offered no '▶ Run remotely' lens")
    say("[click]", run_lens.command.title)
    started = time.monotonic()
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command=run_lens.command.command, arguments=run_lens.command.arguments
        )
    )
    result = await asyncio.wait_for(finished, timeout=120)
    await asyncio.sleep(0.2)  # diagnostics are published with the result; let them arrive
    elapsed = time.monotonic() - started
    say("[finished]", f"{result.summary} (command → result {elapsed:.2f} s)")
    if result.stdout:
        say("[stdout]", "\n" + result.stdout.rstrip("\n"))
    if result.stderr:
        say("[stderr]", "\n" + result.stderr.rstrip("\n"))
    shown = diagnostics.get(uri, [])
    say("[diagnostics]", f"{len(shown)} on {path.name}")
    rel = os.path.relpath(path)
    for d in sorted(shown, key=lambda d: (d.severity or 1, d.range.start.line)):
        severity = SEVERITY.get(int(d.severity or 1), "error")
        start = d.range.start
        print(f"{rel}:{start.line + 1}:{start.character + 1}: {severity}: {d.message}")
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    exit_code = getattr(result, "exitCode", None)
    return 0 if exit_code is not None and shown else 1


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "examples" / "orders.py").resolve()
    # no keys of the user's: the run must stay on this machine
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSANDBOX_")}
    env["UNSANDBOX_BACKEND"] = "local"
    return asyncio.run(drive(path, env))


if __name__ == "__main__":
    raise SystemExit(main())
