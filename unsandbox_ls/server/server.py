"""The language server class: typed state and the small services every feature uses.

The handlers are registered in `unsandbox_ls.server.features` (`create_server` in
`unsandbox_ls.server.app` puts the two together); a run itself is carried out by
`unsandbox_ls.server.run_task`. Only pygls, lsprotocol and the standard library are imported here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.lsp.server import LanguageServer

from unsandbox_ls.server.api_clients import ApiClients
from unsandbox_ls.server.document_uris import ByDocument, DocumentUris, document_key
from unsandbox_ls.server.settings import WIRE_NAMES, Settings, apply, problems_message
from unsandbox_ls.server.state import Run

if TYPE_CHECKING:
    from unsandbox_ls.local_backend import LocalSandbox
    from unsandbox_ls.runs.in_place import Spot

logger = logging.getLogger(__name__)

#: clientInfo.name of VS Code and its builds (vscode-languageclient sends vscode.env.appName)
VSCODE_NAMES = frozenset(
    {"visual studio code", "visual studio code - insiders", "code - oss", "vscodium", "code-server"}
)


class UnsandboxLanguageServer(LanguageServer):
    """pygls server with the state of runs, results, diagnostics and settings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings = Settings()
        #: the client's spelling of each document's URI; the dicts below accept any spelling
        self.uris = DocumentUris()
        #: the run in progress per document
        self.active_runs: ByDocument[Run] = ByDocument()
        #: the last finished run per document (for the result lens and showOutput)
        self.last_runs: ByDocument[Run] = ByDocument()
        #: the diagnostics the last run of each document published, by the document (`document_key`)
        #: they are on: the document's own and every file sent with it
        self.run_diagnostics: ByDocument[dict[str, list[types.Diagnostic]]] = ByDocument()
        #: results in place: the spots of the last run of each document (on its files)
        self.in_place: ByDocument[list[Spot]] = ByDocument()
        #: progress token → run, for window/workDoneProgress/cancel
        self.progress_runs: dict[str, Run] = {}
        #: strong references to background tasks
        self.tasks: set[asyncio.Task[Any]] = set()
        #: history records being written (in worker threads); history commands wait for them
        self.history_writes: set[asyncio.Task[Any]] = set()
        #: API clients reused across runs (one per base URL and credentials)
        self.api_clients = ApiClients()
        self.last_active_uri: str | None = None
        self.client_name: str = ""
        #: the backend chosen for this session with a failure message's action, if any
        self.backend_override: str | None = None
        #: the embedded local sandbox (a `local_backend.LocalSandbox`), started at its first run
        self.local_sandbox: LocalSandbox | None = None
        self.local_notice_given = False
        #: the notice the next runFinished carries (for clients that show it themselves)
        self.pending_notice: str | None = None
        #: request id → the run a `"wait": true` command waits for (see `lifecycle`)
        self.waiting_requests: dict[Any, Run] = {}
        #: the process exit status: 0 once `shutdown` was received (LSP: `exit` alone is 1)
        self.exit_status = 1

    # -- client capabilities -------------------------------------------------------------
    def supports_progress(self) -> bool:
        return bool(get_capability(self.client_capabilities, "window.work_done_progress", False))

    def supports_configuration(self) -> bool:
        return bool(get_capability(self.client_capabilities, "workspace.configuration", False))

    def supports_show_document(self) -> bool:
        if self.client_name.lower() == "helix":
            return True
        show = get_capability(self.client_capabilities, "window.show_document", None)
        return bool(show is not None and show.support)

    def draws_codicons(self) -> bool:
        """VS Code and its builds draw `$(play)`-style icons in lens titles; others show text."""
        return self.client_name.lower() in VSCODE_NAMES

    def supports_message_actions(self) -> bool:
        """window/showMessageRequest (buttons): VS Code and Neovim, not Helix 25.07."""
        return get_capability(self.client_capabilities, "window.show_message", None) is not None

    def _announces(self, flag: str) -> bool:
        """The client's experimental capability `{"unsandbox": {flag: true}}` (the VS Code
        extension's and the Neovim plugin's way of saying what they do themselves)."""
        experimental = getattr(self.client_capabilities, "experimental", None)
        ours = experimental.get("unsandbox") if isinstance(experimental, dict) else None
        return isinstance(ours, dict) and ours.get(flag) is True

    def supports_open_settings(self) -> bool:
        """The client opens its settings on `unsandbox/openSettings` (the VS Code extension)."""
        return self._announces("openSettings")

    def shows_notices(self) -> bool:
        """The client shows runFinished's `notice` in its output and status bar (the VS Code
        extension and the Neovim plugin), so the server sends no message of its own for it."""
        return self._announces("notices")

    def asks_for_arguments(self) -> bool:
        """The client asks for "Run with arguments…"'s arguments itself (the VS Code extension's
        input box, the Neovim plugin's `vim.ui.input`), so the server need not say how."""
        return self._announces("arguments")

    def take_notice(self) -> str | None:
        """The notice not yet given to the client, once."""
        notice, self.pending_notice = self.pending_notice, None
        return notice

    def supports_lens_refresh(self) -> bool:
        return bool(
            get_capability(self.client_capabilities, "workspace.code_lens.refresh_support", False)
        )

    def position_encoding(self) -> str:
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        return str(getattr(encoding, "value", encoding))

    # -- messages ------------------------------------------------------------------------
    def show(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        from unsandbox_ls.runs.output import visible

        self.window_show_message(types.ShowMessageParams(type=kind, message=visible(message)))

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def error(self, message: str) -> None:
        logger.warning("%s", message)
        self.show(message, types.MessageType.Error)

    # -- settings ------------------------------------------------------------------------
    def merge_settings(self, raw: Any, *, user: bool = False) -> None:
        """Merge one settings object; report every invalid value in one message.

        `user`: the object is the user's own configuration (initializationOptions), which alone
        may set the `USER_ONLY` settings.
        """
        before = self.settings
        self.settings, problems = apply(self.settings, raw, user=user)
        changed = [
            name
            for name, attr in WIRE_NAMES.items()
            if getattr(before, attr) != getattr(self.settings, attr)
        ]
        if changed:  # names only: some settings hold keys
            logger.info("settings changed: %s", ", ".join(changed))
        if problems:
            self.error(problems_message(problems))

    async def pull_configuration(self) -> None:
        """Ask the client for the `unsandbox` section when it supports workspace/configuration."""
        if not self.supports_configuration():
            return
        try:
            items = await asyncio.wait_for(
                self.workspace_configuration_async(
                    types.ConfigurationParams(items=[types.ConfigurationItem(section="unsandbox")])
                ),
                timeout=10,
            )
        except Exception as exc:  # the client may refuse or not answer
            logger.info("workspace/configuration failed: %s", exc)
            return
        if items and isinstance(items[0], dict):
            self.merge_settings({"unsandbox": items[0]})

    # -- lenses and diagnostics ----------------------------------------------------------
    def refresh_code_lenses(self) -> None:
        shutting_down = bool(getattr(self.protocol, "_shutdown", False))
        if self.supports_lens_refresh() and not shutting_down:
            self.spawn(self._refresh_lenses())

    async def _refresh_lenses(self) -> None:
        try:
            await asyncio.wait_for(self.workspace_code_lens_refresh_async(None), timeout=10)
        except Exception as exc:
            logger.info("codeLens/refresh failed: %s", exc)

    def refresh_inlay_hints(self) -> None:
        """Ask for inlay hints again (the result hint) when the client supports it."""
        refresh = get_capability(self.client_capabilities, "workspace.inlay_hint.refresh_support")
        if refresh and not getattr(self.protocol, "_shutdown", False):
            self.spawn(self._refresh_hints())

    async def _refresh_hints(self) -> None:
        try:
            await asyncio.wait_for(self.workspace_inlay_hint_refresh_async(None), timeout=10)
        except Exception as exc:
            logger.info("inlayHint/refresh failed: %s", exc)

    def open_document(self, uri: str) -> Any:
        """The open buffer of `uri` (any spelling), or None when the client has not opened it."""
        if not self.uris.is_open(uri):
            return None
        return self.workspace.get_text_document(self.uris.client_uri(uri))

    def publish(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        """Publish under the client's own spelling of the document's URI."""
        uri = self.uris.client_uri(uri)
        doc = self.open_document(uri)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, diagnostics=diagnostics, version=doc.version if doc else None
            )
        )

    def _republish(self, uri: str) -> None:
        """Publish what every document's last run says about `uri` (several runs may)."""
        merged: list[types.Diagnostic] = []
        for by_uri in self.run_diagnostics.values():
            merged.extend(by_uri.get(uri, ()))
        self.publish(uri, merged)

    def publish_run(self, doc_uri: str, by_uri: dict[str, list[types.Diagnostic]]) -> None:
        """Publish the diagnostics of a run of `doc_uri` on every file they are in."""
        self.clear_run_diagnostics(doc_uri)
        keyed: dict[str, list[types.Diagnostic]] = {}
        for uri, diagnostics in by_uri.items():
            keyed.setdefault(document_key(uri), []).extend(diagnostics)
        if keyed:
            self.run_diagnostics[doc_uri] = keyed
        for key in sorted(keyed):
            self._republish(key)

    def clear_run_diagnostics(self, doc_uri: str) -> None:
        """Clear what the last run of `doc_uri` published, in every file it published to."""
        for uri in sorted(self.run_diagnostics.pop(doc_uri, {})):
            self._republish(uri)

    def clear_diagnostics_on(self, uri: str) -> None:
        """An edit of `uri`: clear its own run's diagnostics everywhere, and what other runs
        said about it."""
        self.clear_run_diagnostics(uri)
        key = document_key(uri)
        others = [d for d, by_uri in self.run_diagnostics.items() if key in by_uri]
        for doc_uri in others:
            del self.run_diagnostics[doc_uri][key]
        if others:
            self._republish(key)

    def has_run_diagnostics(self, uri: str) -> bool:
        key = document_key(uri)
        return uri in self.run_diagnostics or any(
            key in by_uri for by_uri in self.run_diagnostics.values()
        )

    # -- tasks ---------------------------------------------------------------------------
    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Start a background task, keep it referenced and log (never raise) its failure."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("background task failed", exc_info=task.exception())

    async def cancel_all_runs(self, timeout: float = 5.0) -> None:
        """Cancel every run in flight and wait (bounded) for their jobs to be deleted and for
        the history records being written."""
        runs = list(self.active_runs.values())
        for run in runs:
            run.cancel()
        pending = [r.task for r in runs if r.task is not None and not r.task.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        if self.history_writes:  # the records of the runs just ended, written in threads
            await asyncio.wait(list(self.history_writes), timeout=timeout)

    # -- errors outside requests ---------------------------------------------------------
    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log errors outside requests instead of popping up a traceback in the editor."""
        logger.error("server error (%s): %s", getattr(source, "__name__", source), error)
