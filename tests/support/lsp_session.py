"""Language-server sessions for tests: the server over stdio, driven by a pytest-lsp client.

`start_session` starts one server with a client profile (VS Code, Neovim or Helix), an
environment and initialization options; `LspSession` wraps the pytest-lsp client with helpers
to open documents and wait (always with a timeout) for the server's notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union, cast

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from support.helix_capabilities import CLIENT_INFO as HELIX_INFO
from support.helix_capabilities import helix_capabilities

PROFILES = ("visual-studio-code", "neovim", "helix")
#: clientInfo as each editor sends it (vscode-languageclient: vscode.env.appName)
CLIENT_INFO = {
    "visual-studio-code": types.ClientInfo(name="Visual Studio Code", version="1.100.3"),
    "neovim": types.ClientInfo(name="Neovim", version="0.11.4"),
    "helix": HELIX_INFO,
}
WAIT_S = 60.0


def capabilities_of(profile: str) -> types.ClientCapabilities:
    if profile == "helix":
        return helix_capabilities()
    return client_capabilities(profile)


@dataclass
class LspSession:
    """A started server and the pytest-lsp client talking to it."""

    client: LanguageClient
    profile: str
    workspace: Path
    lens_refreshes: list[float] = field(default_factory=list)
    started: list[Any] = field(default_factory=list)
    finished: list[Any] = field(default_factory=list)
    #: unsandbox/runOutput params, each with how many runFinished had arrived before it
    outputs: list[tuple[Any, int]] = field(default_factory=list)
    shut_down: bool = False
    #: window/showMessageRequest params received, and the title the "user" clicks (None: dismiss)
    message_requests: list[types.ShowMessageRequestParams] = field(default_factory=list)
    answer: str | None = None
    opened_settings: list[Any] = field(default_factory=list)

    async def shutdown(self) -> None:
        """Send `shutdown` (the context manager then only sends `exit`)."""
        self.shut_down = True
        await asyncio.wait_for(self.client.shutdown_async(None), timeout=15)

    def open(
        self, name: str, text: str, *, language_id: str = "python", disk: str | None = None
    ) -> str:
        """Open a buffer; the file on disk holds `disk` (default: the same text)."""
        path = self.workspace / name
        path.write_text(text if disk is None else disk, encoding="utf-8")
        uri = path.as_uri()
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri, language_id=language_id, version=1, text=text
                )
            )
        )
        return uri

    async def execute(self, command: str, *arguments: Any) -> Any:
        return await asyncio.wait_for(
            self.client.workspace_execute_command_async(
                types.ExecuteCommandParams(command=command, arguments=list(arguments))
            ),
            timeout=WAIT_S,
        )

    async def wait_finished(self, count: int = 1, timeout: float = WAIT_S) -> Any:
        """The `count`-th `unsandbox/runFinished` received in this session."""

        async def poll() -> Any:
            while len(self.finished) < count:
                await asyncio.sleep(0.02)
            return self.finished[count - 1]

        return await asyncio.wait_for(poll(), timeout)

    async def wait_for(self, predicate: Any, timeout: float = WAIT_S) -> None:
        async def poll() -> None:
            while not predicate():
                await asyncio.sleep(0.02)

        await asyncio.wait_for(poll(), timeout)

    async def code_lenses(self, uri: str) -> list[types.CodeLens]:
        lenses = await asyncio.wait_for(
            self.client.text_document_code_lens_async(
                types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
            ),
            timeout=WAIT_S,
        )
        return list(lenses or [])

    def title(self, portable: str) -> str:
        """A lens title as this client gets it: VS Code's codicons, the glyphs elsewhere."""
        from unsandbox_ls.server.lenses import with_glyph

        return with_glyph(portable, self.profile == "visual-studio-code")

    async def lens_titles(self, uri: str) -> list[str]:
        return [lens.command.title for lens in await self.code_lenses(uri) if lens.command]

    async def code_actions(
        self, uri: str, start: tuple[int, int], end: tuple[int, int], only: list[str] | None = None
    ) -> dict[str, types.Command]:
        """The offered code actions: kind → its command."""
        answer = await asyncio.wait_for(
            self.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri),
                    range=types.Range(types.Position(*start), types.Position(*end)),
                    context=types.CodeActionContext(diagnostics=[], only=only),
                )
            ),
            timeout=WAIT_S,
        )
        found: dict[str, types.Command] = {}
        for action in answer or []:
            assert isinstance(action, types.CodeAction), action
            assert action.kind is not None and action.command is not None
            found[str(action.kind)] = action.command
        return found

    async def run(self, command: types.Command | None) -> Any:
        """Execute a lens's or an action's command with its own arguments."""
        assert command is not None
        return await self.execute(command.command, *(command.arguments or []))

    def progress_messages(self) -> list[str]:
        return [
            r.message or "" for r in self.progress() if isinstance(r, types.WorkDoneProgressReport)
        ]

    def progress(self, token: Any = None) -> list[Any]:
        """Every progress value received (Begin, Report, End), of one token or of all."""
        reports = self.client.progress_reports
        chosen = [reports[token]] if token is not None else list(reports.values())
        return [value for values in chosen for value in cast(list[Any], values)]

    def messages(self) -> list[str]:
        return [m.message for m in self.client.messages]

    def error_messages(self) -> list[str]:
        """Error messages shown, as plain messages or as messages with buttons."""
        plain = [m.message for m in self.client.messages if m.type == types.MessageType.Error]
        asked = [r.message for r in self.message_requests if r.type == types.MessageType.Error]
        return plain + asked

    def actions_offered(self) -> list[list[str]]:
        return [[a.title for a in r.actions or []] for r in self.message_requests]


def read_code_actions_faithfully(client: LanguageClient) -> None:
    """Read a code action that carries a `command` as a CodeAction, not as a Command.

    lsprotocol's structure hook for `Command | CodeAction` picks `Command` whenever the object has
    a `command` key, which drops the action's `kind`; editors read the JSON correctly.
    """
    converter = client.protocol._converter

    def hook(obj: Any, _: Any) -> types.Command | types.CodeAction:
        if isinstance(obj.get("command"), str):
            return converter.structure(obj, types.Command)
        return converter.structure(obj, types.CodeAction)

    converter.register_structure_hook(types.Command | types.CodeAction, hook)
    converter.register_structure_hook(Union[types.Command, types.CodeAction], hook)  # noqa: UP007


@contextlib.asynccontextmanager
async def start_session(
    profile: str,
    env: dict[str, str],
    workspace: Path,
    *,
    init_options: Any = None,
    capabilities: types.ClientCapabilities | None = None,
    server_args: tuple[str, ...] = (),
) -> AsyncIterator[LspSession]:
    """Start `python -m unsandbox_ls [server_args]`, initialize it as `profile`, shut it down
    afterwards."""
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "unsandbox_ls", *server_args],
        server_env={**env, "XDG_CACHE_HOME": str(workspace / ".cache")},
    )
    client = cast(LanguageClient, await config.start())
    read_code_actions_faithfully(client)
    session = LspSession(client, profile, workspace)

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)  # type: ignore[untyped-decorator]
    def _lens_refresh(params: Any) -> None:
        session.lens_refreshes.append(asyncio.get_running_loop().time())

    @client.feature("unsandbox/runStarted")  # type: ignore[untyped-decorator]
    def _started(params: Any) -> None:
        session.started.append(params)

    @client.feature("unsandbox/runFinished")  # type: ignore[untyped-decorator]
    def _finished(params: Any) -> None:
        session.finished.append(params)

    @client.feature("unsandbox/runOutput")  # type: ignore[untyped-decorator]
    def _output(params: Any) -> None:
        session.outputs.append((params, len(session.finished)))

    @client.feature("unsandbox/openSettings")  # type: ignore[untyped-decorator]
    def _open_settings(params: Any) -> None:
        session.opened_settings.append(params)

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)  # type: ignore[untyped-decorator]
    def _message_request(params: types.ShowMessageRequestParams) -> Any:
        session.message_requests.append(params)
        titles = [a.title for a in params.actions or []]
        return types.MessageActionItem(title=session.answer) if session.answer in titles else None

    try:
        await asyncio.wait_for(
            client.initialize_session(
                types.InitializeParams(
                    capabilities=capabilities or capabilities_of(profile),
                    client_info=CLIENT_INFO[profile],
                    root_uri=workspace.as_uri(),
                    initialization_options=init_options,
                )
            ),
            timeout=WAIT_S,
        )
        yield session
    finally:
        if session.shut_down:
            client.protocol.notify(types.EXIT, None)
        else:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.shutdown_session(), timeout=15)
        await asyncio.wait_for(client.stop(), timeout=15)  # type: ignore[no-untyped-call]
