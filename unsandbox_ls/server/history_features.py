"""The history commands and the result inlay hint, registered by `register`.

`unsandbox.history [uri]` answers the recorded runs (newest first) of the document, or of the
workspace without an argument; `unsandbox.diffLastRun [uri]` answers
`{uri, change, diff, previous, latest}` for the document's last two runs (each with its `logPath`,
`output`, `stdout` and `stderr`) and opens nothing itself. Both read the store and the logs in a
worker thread, after the records being written, so a huge store or a log that is a FIFO cannot
hold up the server (`runs.history` bounds what it reads). Clients without code lenses (Helix) get
the last result as an inlay hint at the end of the run's first line instead of the result lens.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.uris import from_fs_path, to_fs_path

from unsandbox_ls.server.command_args import parse_command_args
from unsandbox_ls.server.commands import DIFF_LAST_RUN, HISTORY
from unsandbox_ls.server.server import UnsandboxLanguageServer


def _folders(ls: UnsandboxLanguageServer) -> list[str]:
    folders = [to_fs_path(f.uri) or "" for f in ls.workspace.folders.values()]
    if ls.workspace.root_path:
        folders.append(ls.workspace.root_path)
    return [f for f in folders if f]


def _target_path(ls: UnsandboxLanguageServer, args: tuple[Any, ...]) -> str | None:
    target = parse_command_args(args)
    return to_fs_path(target.uri) if target.uri else None


def _with_uri(record: dict[str, Any]) -> dict[str, Any]:
    return {**record, "uri": from_fs_path(str(record["file"]))}


async def _written(ls: UnsandboxLanguageServer) -> None:
    """Wait for the history records being written."""
    if ls.history_writes:
        await asyncio.wait(list(ls.history_writes))


async def history_list(ls: UnsandboxLanguageServer, args: tuple[Any, ...]) -> list[dict[str, Any]]:
    from unsandbox_ls.runs import history

    folders = _folders(ls)
    path = _target_path(ls, args)
    last = to_fs_path(ls.last_active_uri) if ls.last_active_uri else None
    await _written(ls)

    def read() -> list[dict[str, Any]]:
        if path:
            return [_with_uri(r) for r in history.runs_of(path, folders)]
        roots = [history.folder_root(folder, folders) for folder in folders]
        if not roots and last is not None:
            roots = [history.workspace_root(last or ".", folders)]
        return [_with_uri(r) for r in history.runs_of(None, roots=roots)]

    return await asyncio.to_thread(read)


async def diff_last_run(ls: UnsandboxLanguageServer, args: tuple[Any, ...]) -> dict[str, Any]:
    from unsandbox_ls.runs import history

    target = parse_command_args(args)
    uri = target.uri or ls.last_active_uri
    path = to_fs_path(uri) if uri else None
    if not uri or not path:
        message = "unsandbox: no file to compare; open one or pass its URI"
        ls.show(message, types.MessageType.Warning)
        return {"uri": uri, "error": message}
    await _written(ls)
    found = await asyncio.to_thread(history.diff_last_runs, path, _folders(ls))
    if isinstance(found, str):
        ls.show(found, types.MessageType.Warning)
        return {"uri": uri, "error": found}
    return {
        "uri": uri,
        "change": found.header,
        "diff": "".join(found.diff),
        "previous": _with_uri(found.previous),
        "latest": _with_uri(found.latest),
    }


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def result_hints(
    ls: UnsandboxLanguageServer, params: types.InlayHintParams
) -> list[types.InlayHint]:
    """The last result at the end of the run's first line, for clients without code lenses."""
    if get_capability(ls.client_capabilities, "text_document.code_lens", None) is not None:
        return []  # the result lens shows it
    uri = params.text_document.uri
    run = ls.last_runs.get(uri)
    if run is None or run.payload is None or uri in ls.active_runs:
        return []
    lines = ls.workspace.get_text_document(uri).lines
    line = min(run.line, max(len(lines) - 1, 0))
    if not params.range.start.line <= line <= params.range.end.line:
        return []
    text = lines[line].rstrip("\r\n") if lines else ""
    title = run.lens_title or f"✗ {run.payload.get('status')}"
    return [
        types.InlayHint(
            position=types.Position(line, _units(text, ls.position_encoding())),
            label=title,
            padding_left=True,
            tooltip=str(run.payload.get("summary") or title),
        )
    ]


def register(server: UnsandboxLanguageServer) -> None:
    @server.command(HISTORY)
    async def history_command(ls: UnsandboxLanguageServer, *args: Any) -> Any:
        return await history_list(ls, args)

    @server.command(DIFF_LAST_RUN)
    async def diff_command(ls: UnsandboxLanguageServer, *args: Any) -> Any:
        return await diff_last_run(ls, args)

    @server.feature(types.TEXT_DOCUMENT_INLAY_HINT, types.InlayHintOptions(resolve_provider=False))
    def inlay_hint(
        ls: UnsandboxLanguageServer, params: types.InlayHintParams
    ) -> list[types.InlayHint]:
        from unsandbox_ls.server.in_place_hints import in_place_hints

        return result_hints(ls, params) + in_place_hints(ls, params)
