"""Helix 25.07 at protocol level, with the configuration shipped in editors/helix.

No Helix binary is packaged for Debian, PyPI or npm, so these tests send what Helix 25.07.1 sends
(helix-term/src/commands/lsp.rs `code_action`, helix-term/src/commands/typed.rs
`lsp_workspace_command`, helix-lsp/src/client.rs `initialize` and `command`) and check only what
Helix shows: diagnostics, `window/showMessage` and `$/progress`. Helix ignores the result of
`workspace/executeCommand`, has no code lenses and drops `relatedInformation`.

The capabilities are the shared ones of tests/support/helix_capabilities.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest_asyncio
from editor_env import (
    CALL_LINE,
    EDITORS,
    RAISE_LINE,
    SERVER_COMMAND,
    Workspace,
    load_toml,
    make_workspace,
)
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from support.helix_capabilities import CLIENT_INFO, helix_capabilities
from support.lsp_session import read_code_actions_faithfully

HELIX_TIMEOUT_S = 20  # Helix's default per-request timeout (`timeout` of [language-server.*])
WAIT_S = 60.0
LANGUAGES_TOML = load_toml(EDITORS / "helix" / "languages.toml")
CONFIG_TOML = load_toml(EDITORS / "helix" / "config.toml")
SERVER_TABLE: dict[str, Any] = LANGUAGES_TOML["language-server"]["unsandbox"]


@dataclass
class Helix:
    """A server started and initialized the way Helix 25.07.1 does it, with what Helix shows."""

    client: LanguageClient
    workspace: Workspace
    commands: list[str] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)
    finished: list[Any] = field(default_factory=list)

    def open(self, path: Path) -> str:
        uri = path.as_uri()
        self.versions[uri] = 0
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri, "python", 0, path.read_text(encoding="utf-8"))
            )
        )
        return uri

    async def space_a(self, uri: str, cursor: tuple[int, int] = (0, 0)) -> list[types.CodeAction]:
        """`Space a`: Helix's cursor is a one-character selection; `only` is never set."""
        line, character = cursor
        diagnostics = [
            d
            for d in self.client.diagnostics.get(uri, ())
            if d.range.start.line <= line <= d.range.end.line
        ]
        answer = await self.request(
            self.client.text_document_code_action_async(
                types.CodeActionParams(
                    types.TextDocumentIdentifier(uri),
                    types.Range(
                        types.Position(line, character), types.Position(line, character + 1)
                    ),
                    types.CodeActionContext(
                        diagnostics=diagnostics,
                        only=None,
                        trigger_kind=types.CodeActionTriggerKind.Invoked,
                    ),
                )
            )
        )
        actions = []
        for item in answer or []:
            # Helix drops disabled actions and runs `command` as sent (it only resolves an action
            # lacking `edit` or `command`, and then still runs the unresolved `command`).
            assert isinstance(item, types.CodeAction), item
            if item.disabled is None:
                actions.append(item)
        return actions

    async def pick(self, action: types.CodeAction) -> float:
        """Pick an action from the `Space a` menu; returns how long the request took."""
        assert action.command is not None, f"Helix cannot run an action without a command: {action}"
        return await self.execute(action.command.command, action.command.arguments)

    async def execute(self, command: str, arguments: Any) -> float:
        """`workspace/executeCommand` as Helix sends it: `arguments` is always a list."""
        assert command in self.commands, f"{command} is not in executeCommandProvider"
        started = time.monotonic()
        await self.request(
            self.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command, list(arguments or []))
            )
        )
        return time.monotonic() - started

    async def typed_command(self, line: str, buffer: Path) -> float:
        """A `:lsp-workspace-command NAME JSON…` line after Helix's expansions.

        `%{buffer_name}` becomes the buffer's path and `%sh{realpath …}` its absolute path; the
        rest of the line is read as a stream of JSON values, as Helix does with serde_json.
        """
        assert line.startswith(":lsp-workspace-command")
        rest = line.removeprefix(":lsp-workspace-command").strip()
        rest = rest.replace("%sh{realpath %{buffer_name}}", str(buffer.resolve()))
        name, _, raw = rest.partition(" ")
        decoder = json.JSONDecoder()
        values: list[Any] = []
        raw = raw.strip()
        while raw:
            value, end = decoder.raw_decode(raw)
            values.append(value)
            raw = raw[end:].strip()
        return await self.execute(name, values)

    async def request(self, awaitable: Any) -> Any:
        return await asyncio.wait_for(awaitable, timeout=HELIX_TIMEOUT_S)

    def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        return list(self.client.diagnostics.get(uri, ()))

    def messages(self) -> list[str]:
        return [m.message for m in self.client.messages]

    def progress(self) -> list[Any]:
        return [v for values in self.client.progress_reports.values() for v in values]

    async def wait_for(self, what: str, predicate: Any, timeout: float = WAIT_S) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            await asyncio.sleep(0.02)


@pytest_asyncio.fixture
async def helix(sandbox_server: Any, tmp_path: Path) -> AsyncIterator[Helix]:
    workspace = make_workspace(tmp_path / "project")
    home = tmp_path / "home"
    home.mkdir()
    env = {**sandbox_server.env, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache")}
    env.update(SERVER_TABLE.get("environment", {}))
    started = ClientServerConfig(server_command=SERVER_COMMAND, server_env=env)
    client = cast(LanguageClient, await started.start())
    read_code_actions_faithfully(client)  # as Helix reads them: by the type of `command`
    helix = Helix(client, workspace)

    @client.feature("unsandbox/runStarted")  # type: ignore[untyped-decorator]
    def _started(params: Any) -> None:  # Helix ignores it
        pass

    @client.feature("unsandbox/runFinished")  # type: ignore[untyped-decorator]
    def _finished(params: Any) -> None:  # Helix ignores it; recorded only to know when to look
        helix.finished.append(params)

    config = SERVER_TABLE.get("config")
    client.set_configuration(config)  # Helix answers workspace/configuration from `config`
    try:
        result = await asyncio.wait_for(
            client.initialize_session(
                types.InitializeParams(
                    capabilities=helix_capabilities(),
                    client_info=CLIENT_INFO,
                    root_uri=workspace.root.as_uri(),
                    root_path=str(workspace.root),
                    workspace_folders=[types.WorkspaceFolder(workspace.root.as_uri(), "project")],
                    initialization_options=config,
                )
            ),
            timeout=WAIT_S,
        )
        provider = result.capabilities.execute_command_provider
        helix.commands = list(provider.commands) if provider else []
        yield helix
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_session(), timeout=15)
        await asyncio.wait_for(client.stop(), timeout=15)  # type: ignore[no-untyped-call]


def _titles(actions: list[types.CodeAction]) -> list[str]:
    return [a.title for a in actions]


def _action(actions: list[types.CodeAction], kind: str) -> types.CodeAction:
    for action in actions:
        if action.kind == kind:
            return action
    raise AssertionError(f"no {kind} action among {_titles(actions)}")


async def test_space_a_runs_the_file_and_helix_sees_the_outcome(helix: Helix) -> None:
    uri = helix.open(helix.workspace.failing)
    actions = await helix.space_a(uri)
    assert all(str(a.kind).startswith("source.unsandbox.run") for a in actions), actions
    run = _action(actions, "source.unsandbox.run.file")

    took = await helix.pick(run)
    assert took < 5, f"executeCommand took {took:.1f} s; Helix gives up after 20 s"

    await helix.wait_for("diagnostics", lambda: bool(helix.diagnostics(uri)))
    diagnostics = helix.diagnostics(uri)
    errors = [d for d in diagnostics if d.severity == types.DiagnosticSeverity.Error]
    assert [d.range.start.line for d in errors] == [RAISE_LINE], diagnostics
    assert errors[0].source == "unsandbox" and "KeyError" in errors[0].message
    # Helix drops relatedInformation: each calling frame must be a diagnostic of its own.
    hints = [d.range.start.line for d in diagnostics if d.severity == types.DiagnosticSeverity.Hint]
    assert CALL_LINE in hints, diagnostics

    # The outcome on the status line (window/showMessage) …
    await helix.wait_for("showMessage", lambda: any("exit 1" in m for m in helix.messages()))
    summary = next(m for m in helix.messages() if "exit 1" in m)
    assert "KeyError" in summary and "failing.py" in summary, summary
    # … and the spinner ($/progress on a server-created token) began and ended.
    await helix.wait_for(
        "progress end",
        lambda: any(isinstance(v, types.WorkDoneProgressEnd) for v in helix.progress()),
    )
    kinds = [type(v).__name__ for v in helix.progress()]
    assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd", kinds
    # Helix 25.07.1 advertises no showDocument and answers showMessageRequest with an error.
    assert helix.client.shown_documents == []


async def test_picker_sends_empty_arguments_and_runs_the_last_document(helix: Helix) -> None:
    """`:lsp-workspace-command` with no argument opens a picker; the pick sends `arguments: []`."""
    assert set(helix.commands) >= {
        "unsandbox.runFile", "unsandbox.runShebang", "unsandbox.runSelection",
        "unsandbox.runCell", "unsandbox.cancel", "unsandbox.listJobs", "unsandbox.showOutput",
    }  # fmt: skip
    uri = helix.open(helix.workspace.failing)
    took = await helix.execute("unsandbox.runFile", [])
    assert took < 5
    await helix.wait_for("diagnostics", lambda: bool(helix.diagnostics(uri)))
    assert RAISE_LINE in [d.range.start.line for d in helix.diagnostics(uri)]
    # listJobs and showOutput from the picker answer too (Helix shows nothing of the result,
    # but an error reply would only reach its log file).
    assert await helix.execute("unsandbox.listJobs", []) < 5
    assert await helix.execute("unsandbox.showOutput", []) < 5


async def test_key_binding_runs_the_file_by_path(helix: Helix) -> None:
    """config.toml's `+ R`: `:lsp-workspace-command unsandbox.runFile "%sh{realpath …}"`."""
    binding = CONFIG_TOML["keys"]["normal"]["+"]["R"]
    helix.open(helix.workspace.failing)
    other = helix.open(helix.workspace.long)  # the most recent document is another one
    uri = helix.workspace.failing.as_uri()
    await helix.typed_command(binding, helix.workspace.failing)
    await helix.wait_for("diagnostics", lambda: bool(helix.diagnostics(uri)))
    assert RAISE_LINE in [d.range.start.line for d in helix.diagnostics(uri)]
    await helix.wait_for("runFinished", lambda: bool(helix.finished))
    assert not helix.diagnostics(other), "the path argument must run that file, not the last one"
    assert [f.uri for f in helix.finished] == [uri]


async def test_cancel_a_long_run_from_space_a(helix: Helix) -> None:
    uri = helix.open(helix.workspace.long)
    took = await helix.pick(_action(await helix.space_a(uri), "source.unsandbox.run.file"))
    assert took < 5, "the run must not hold the request: Helix times it out after 20 s"
    await helix.wait_for(
        "the run to start",
        lambda: any(isinstance(v, types.WorkDoneProgressReport) for v in helix.progress()),
    )
    actions = await helix.space_a(uri)
    cancel = _action(actions, "source.unsandbox.run.cancel")
    started = time.monotonic()
    await helix.pick(cancel)
    await helix.wait_for("the cancelled run", lambda: bool(helix.finished), timeout=20)
    assert helix.finished[0].status == "cancelled"
    assert time.monotonic() - started < 15
    await helix.wait_for(
        "a message saying so", lambda: any("cancelled" in m for m in helix.messages())
    )
    assert "source.unsandbox.run.cancel" not in [a.kind for a in await helix.space_a(uri)]
