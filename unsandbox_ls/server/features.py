"""Every LSP handler and workspace command of the server, registered by `register`.

Commands are declared `(ls, *args)`: editors send `"arguments": []` (Helix, Neovim) and pygls
refuses that for a handler with a fixed parameter. They answer at once with
`{"started": true, "runId": …}` and the run goes on in the background; `{"wait": true}` in the
argument object makes them wait and answer with the `unsandbox/runFinished` params instead.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from unsandbox_ls.languages import comment_leader
from unsandbox_ls.server import commands, history_features, in_place_hints, lenses
from unsandbox_ls.server.command_args import CommandTarget, parse_command_args
from unsandbox_ls.server.document_uris import uri_to_path
from unsandbox_ls.server.regions import (
    Region,
    cell_at,
    cell_region,
    is_code_selection,
    selection_region,
)

# at run time: pygls reads the handlers' annotations
from unsandbox_ls.server.server import UnsandboxLanguageServer

if TYPE_CHECKING:
    from unsandbox_ls.runs.source import RunKind
    from unsandbox_ls.server.run_finished import RunFinished

logger = logging.getLogger(__name__)


def _leader(ls: UnsandboxLanguageServer, uri: str, text: str, language_id: str | None) -> str:
    from unsandbox_ls.languages import detect_language

    path = uri_to_path(uri) or uri
    found = detect_language(
        path, text, editor_language_id=language_id, overrides=ls.settings.language_map
    )
    leader: str = comment_leader(found.language if found else "python")
    return leader


def _target_uri(ls: UnsandboxLanguageServer, target: CommandTarget) -> str | None:
    if target.uri:  # the client's spelling when it has used one for this document
        return ls.uris.client_uri(ls.uris.remember(target.uri, replace=False))
    return ls.last_active_uri


def _refuse(ls: UnsandboxLanguageServer, message: str) -> dict[str, Any]:
    ls.error(message)
    return {"started": False, "status": "error", "error": message}


def _why_not(
    ls: UnsandboxLanguageServer, uri: str, text: str, language_id: str | None, kind: str
) -> str | None:
    """Why the document cannot be run (None: it can); see `server/runnable.py`."""
    from unsandbox_ls.server.runnable import why_not

    return why_not(
        uri, text, language_id, ls.settings.language_map, shebang_run=kind in ("file", "shebang")
    )


async def _run_command(
    ls: UnsandboxLanguageServer,
    kind: RunKind,
    args: tuple[Any, ...],
    run_args: tuple[str, ...] | None = None,
) -> RunFinished | dict[str, Any] | None:
    from unsandbox_ls.runs.plan import RunRefused
    from unsandbox_ls.server import run_task, sources

    target = parse_command_args(args)
    uri = _target_uri(ls, target)
    if uri is None:
        return _refuse(
            ls, "unsandbox: no document to run; open a file first or pass its URI or path"
        )
    try:
        snap = sources.snapshot(ls, uri)
    except RunRefused as exc:
        return _refuse(ls, str(exc))
    refused = _why_not(ls, uri, snap.text, snap.language_id, kind)
    if refused is not None:  # one sentence, and no history entry
        return _refuse(ls, refused)
    if kind in ("file", "shebang"):
        region = Region(kind, snap.text)
    elif kind == "selection":
        if (
            target.start is None
            or target.end is None
            or not is_code_selection(snap.lines, target.start, target.end)
        ):
            return _refuse(ls, "unsandbox: select the code to run first (nothing is selected)")
        region = selection_region(
            snap.lines, target.start, target.end, encoding=ls.position_encoding()
        )
    else:
        leader = comment_leader(snap.language or "python")
        line = target.start[0] if target.start is not None else None
        cell = cell_at(snap.lines, leader, line) if line is not None else None
        if cell is None:
            return _refuse(
                ls,
                f"unsandbox: put the cursor in a cell (cells start with a '{leader} %%' line)",
            )
        region = cell_region(snap.lines, cell)
    run = run_task.start_run(ls, uri, region, snap, run_args)
    if target.wait and run.task is not None:
        request_id = ls.protocol.msg_id  # a $/cancelRequest of it cancels the run
        if request_id is not None:
            ls.waiting_requests[request_id] = run
        try:
            await run.task
        finally:
            ls.waiting_requests.pop(request_id, None)
        return run.payload
    return {"started": True, "runId": run.run_id}


async def _run_with_arguments(ls: UnsandboxLanguageServer, args: tuple[Any, ...]) -> Any:
    """`{uri, args: "5 --verbose" | [..]}`: remember the file's arguments and run it with them
    (`""` forgets them). Without `args`, answer `{needsArgs: true, args}` with the file's
    remembered ones, for the client's prompt; a client without one is told how to give them."""
    import asyncio
    import shlex

    from unsandbox_ls.runs import file_args
    from unsandbox_ls.server.settings import SettingError, convert

    target = parse_command_args(args)
    uri = _target_uri(ls, target)
    path = uri_to_path(uri) if uri else None
    if uri is None or path is None:
        return _refuse(ls, "unsandbox: Run with arguments needs a file saved on disk")
    given = args[0].get("args") if args and isinstance(args[0], dict) else None
    if given is None:
        remembered = await asyncio.to_thread(file_args.remembered, path)
        if not ls.asks_for_arguments():  # Helix: no prompt of its own
            ls.show(
                f"unsandbox: {os.path.basename(path)}: give the program's arguments with "
                f'args="…" in the magic comment or the unsandbox.args setting'
            )
        return {"needsArgs": True, "args": shlex.join(remembered or ())}
    try:
        parsed = convert("args", given) or ()
    except SettingError as exc:
        return _refuse(ls, str(exc))
    await asyncio.to_thread(file_args.remember, path, parsed or None)
    return await _run_command(ls, "file", args, run_args=parsed)


def _stop_local_sandbox(ls: UnsandboxLanguageServer) -> None:
    if ls.local_sandbox is not None:  # started at a run, so its module is loaded already
        ls.local_sandbox.stop()


async def _stop_local_sandbox_off_loop(ls: UnsandboxLanguageServer) -> None:
    """Stopping waits for the process (up to seconds): in a thread, so requests still answer."""
    if ls.local_sandbox is not None:
        await asyncio.to_thread(_stop_local_sandbox, ls)


def register(server: UnsandboxLanguageServer) -> None:
    """Register every handler on `server` (the composition root)."""
    history_features.register(server)
    in_place_hints.register(server)

    @server.feature(types.INITIALIZE)
    def on_initialize(ls: UnsandboxLanguageServer, params: types.InitializeParams) -> None:
        ls.client_name = params.client_info.name if params.client_info else ""
        if params.initialization_options is not None:
            ls.merge_settings(params.initialization_options, user=True)

    @server.feature(types.INITIALIZED)
    async def on_initialized(ls: UnsandboxLanguageServer, params: types.InitializedParams) -> None:
        from unsandbox_ls.server.lifecycle import watch_client

        ls.spawn(watch_client(ls, ls.process_id))
        await ls.pull_configuration()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def on_configuration(
        ls: UnsandboxLanguageServer, params: types.DidChangeConfigurationParams
    ) -> None:
        if isinstance(params.settings, dict) and params.settings:
            ls.merge_settings(params.settings)
        await ls.pull_configuration()
        ls.refresh_code_lenses()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def on_open(ls: UnsandboxLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.uris.opened(params.text_document.uri)
        ls.last_active_uri = params.text_document.uri

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def on_close(ls: UnsandboxLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.uris.closed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def on_change(ls: UnsandboxLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.uris.remember(uri)
        ls.last_active_uri = uri
        if ls.settings.clear_on_change and ls.has_run_diagnostics(uri):
            ls.clear_diagnostics_on(uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    async def on_save(ls: UnsandboxLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.last_active_uri = uri
        doc = ls.open_document(uri)
        if doc is not None and _why_not(ls, uri, doc.source, doc.language_id, "file"):
            return  # saving a settings file or a log runs nothing, and says nothing
        if ls.settings.run_on_save:
            await _run_command(ls, "file", ({"uri": uri},))

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    def on_code_lens(
        ls: UnsandboxLanguageServer, params: types.CodeLensParams
    ) -> list[types.CodeLens]:
        uri = params.text_document.uri
        doc = ls.open_document(uri)
        if doc is None:  # lenses are for open buffers; a file on disk is not read here
            return []
        if _why_not(ls, uri, doc.source, doc.language_id, "file") is not None:
            return []  # nothing to run: no ▶
        lines = list(doc.lines)
        last = ls.last_runs.get(uri)
        title = None
        files = 1
        if last is not None and last.payload is not None:
            title = last.lens_title or f"✗ {last.payload['status']}"
            files = max(len(last.payload["files"]), 1)
        return lenses.code_lenses(
            uri,
            lines,
            _leader(ls, uri, doc.source, doc.language_id),
            uri in ls.active_runs,
            title,
            files,
            codicons=ls.draws_codicons(),
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=list(commands.ACTION_KINDS)),
    )
    def on_code_action(
        ls: UnsandboxLanguageServer, params: types.CodeActionParams
    ) -> list[types.CodeAction]:
        uri = params.text_document.uri
        doc = ls.open_document(uri)
        if doc is None or _why_not(ls, uri, doc.source, doc.language_id, "file") is not None:
            return []
        ls.last_active_uri = uri
        only = list(params.context.only) if params.context.only else None
        return lenses.code_actions(
            uri,
            list(doc.lines),
            _leader(ls, uri, doc.source, doc.language_id),
            params.range,
            uri in ls.active_runs,
            only,
        )

    @server.feature(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
    def on_progress_cancel(
        ls: UnsandboxLanguageServer, params: types.WorkDoneProgressCancelParams
    ) -> None:
        run = ls.progress_runs.get(str(params.token))
        if run is not None:
            run.cancel()

    @server.feature(types.SHUTDOWN)
    async def on_shutdown(ls: UnsandboxLanguageServer, params: None) -> None:
        ls.exit_status = 0
        if ls.local_sandbox is not None:  # a run waiting on its start: "shutting down"
            ls.local_sandbox.abort_start()
        await ls.cancel_all_runs()
        await ls.api_clients.close_all()
        await _stop_local_sandbox_off_loop(ls)

    @server.feature(types.EXIT)
    def on_exit(ls: UnsandboxLanguageServer, params: None) -> None:
        for run in list(ls.active_runs.values()):
            run.cancel()
        _stop_local_sandbox(ls)

    @server.command(commands.RUN_FILE)
    async def run_file(ls: UnsandboxLanguageServer, *args: Any) -> Any:
        return await _run_command(ls, "file", args)

    @server.command(commands.RUN_SHEBANG)
    async def run_shebang(ls: UnsandboxLanguageServer, *args: Any) -> Any:
        return await _run_command(ls, "shebang", args)

    @server.command(commands.RUN_SELECTION)
    async def run_selection(ls: UnsandboxLanguageServer, *args: Any) -> Any:
        return await _run_command(ls, "selection", args)

    @server.command(commands.RUN_CELL)
    async def run_cell(ls: UnsandboxLanguageServer, *args: Any) -> Any:
        return await _run_command(ls, "cell", args)

    @server.command(commands.RUN_WITH_ARGUMENTS)
    async def run_with_arguments(ls: UnsandboxLanguageServer, *args: Any) -> Any:
        return await _run_with_arguments(ls, args)

    @server.command(commands.CANCEL)
    async def cancel(ls: UnsandboxLanguageServer, *args: Any) -> Any:
        target = parse_command_args(args)
        if target.uri:
            run = ls.active_runs.get(target.uri)
        else:
            run = ls.active_runs.get(ls.last_active_uri or "") or next(
                reversed(list(ls.active_runs.values())), None
            )
        if run is None:
            ls.show("unsandbox: nothing is running")
            return {"cancelled": False}
        run.cancel()
        if target.wait and run.task is not None:
            await run.task
        return {"cancelled": True, "runId": run.run_id}

    @server.command(commands.LIST_JOBS)
    async def list_jobs(ls: UnsandboxLanguageServer, *args: Any) -> Any:
        from unsandbox_ls.server.jobs import list_jobs_summary

        return await list_jobs_summary(ls)

    @server.command(commands.SHOW_OUTPUT)
    async def show_output(ls: UnsandboxLanguageServer, *args: Any) -> Any:
        from unsandbox_ls.server import run_task

        target = parse_command_args(args)
        uri = _target_uri(ls, target)
        run = ls.last_runs.get(uri or "")
        if run is None and not target.uri and ls.last_runs:
            run = list(ls.last_runs.values())[-1]
        if run is None or run.payload is None:
            ls.show("unsandbox: no finished run to show yet")
            return None
        payload: RunFinished = run.payload
        log_path = payload["logPath"]
        shown = False
        if log_path is not None and ls.supports_show_document():
            shown = await run_task.show_log(ls, log_path)
        if not shown:
            ls.log(
                run_task.log_text(
                    payload["summary"], payload["stdout"], payload["stderr"], log_path
                )
            )
            ls.show(
                payload["summary"] + (f" (full output: {log_path})" if log_path is not None else "")
            )
        return payload
