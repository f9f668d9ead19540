"""The editor's side of a run's input: buffers → `runs.Source`, settings → `runs.RunSettings`,
the open buffers for import discovery, and the API client of the current settings.

What a run is (language, magic comment, files, limits) is decided in `unsandbox_ls.runs`; this
module only reads the editor's state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from unsandbox_ls.runs.plan import RunRefused
from unsandbox_ls.server.document_uris import uri_to_path

if TYPE_CHECKING:
    from unsandbox_ls.api.client import UnsandboxClient
    from unsandbox_ls.runs.plan import RunSettings
    from unsandbox_ls.runs.source import Source
    from unsandbox_ls.server.regions import Region
    from unsandbox_ls.server.server import UnsandboxLanguageServer
    from unsandbox_ls.server.settings import Settings


@dataclass(frozen=True)
class Snapshot:
    """The buffer as it was when the command arrived: this text is what runs, in `language`
    (chosen once, when the command arrives: `runStarted`, a cell's markers and the plan read
    it; None when it cannot be told)."""

    text: str
    lines: list[str]
    version: int | None
    language_id: str | None
    language: str | None = None


def snapshot(ls: UnsandboxLanguageServer, uri: str) -> Snapshot:
    """The open buffer (unsaved text included), or the file on disk; `RunRefused` if neither.

    A file that is not open is read only if it is a regular file within the size cap
    (`unsandbox_ls.runs.safe_read`): never a device, a FIFO or a file of /proc.
    """
    from unsandbox_ls.runs.safe_read import FileRefused, read_source_file

    doc = ls.open_document(uri)
    if doc is not None:
        snap = Snapshot(doc.source, list(doc.lines), doc.version, doc.language_id)
        return replace(snap, language=document_language(ls, uri, snap))
    path = uri_to_path(uri)
    if path is None:
        raise RunRefused(f"unsandbox: {uri} is not open and is not a local file")
    try:
        text = read_source_file(path, label=display_name(uri))
    except FileRefused as exc:
        raise RunRefused(f"unsandbox: {exc}; nothing was sent") from None
    snap = Snapshot(text, text.splitlines(keepends=True), None, None)
    return replace(snap, language=document_language(ls, uri, snap))


def display_name(uri: str) -> str:
    path = uri_to_path(uri)
    return os.path.basename(path) if path else uri.rsplit("/", 1)[-1] or uri


def document_language(ls: UnsandboxLanguageServer, uri: str, snap: Snapshot) -> str | None:
    """The API language the buffer runs as, or None (`runs.plan.choose_language` with the
    editor's settings, as `run_settings` gives them)."""
    from unsandbox_ls.runs.plan import RunSettings, choose_language
    from unsandbox_ls.runs.source import Source

    source = Source(
        uri=uri, path=uri_to_path(uri), lines=snap.lines, code=snap.text,
        language_id=snap.language_id,
    )  # fmt: skip
    return choose_language(source, RunSettings(language_map=dict(ls.settings.language_map)))


def source_of(uri: str, snap: Snapshot, region: Region, run_id: str) -> Source:
    """The run's source: the buffer's lines and the region of it that is sent."""
    from unsandbox_ls.runs.source import Source

    return Source(
        uri=uri,
        path=uri_to_path(uri),
        lines=snap.lines,
        code=region.code,
        kind=region.kind,
        line_offset=region.line_offset,
        column_offset=region.column_offset,
        language_id=snap.language_id,
        version=snap.version,
        run_id=run_id,
    )


#: extra roots of the user's environment (os.pathsep-separated), beside unsandbox.extraRoots
EXTRA_ROOTS_ENV = "UNSANDBOX_EXTRA_ROOTS"


def run_settings(settings: Settings, workspace_roots: tuple[str, ...]) -> RunSettings:
    """The editor's settings as the run pipeline reads them (the magic comment may override)."""
    from unsandbox_ls.runs.plan import RunSettings

    from_env = [p for p in os.environ.get(EXTRA_ROOTS_ENV, "").split(os.pathsep) if p]
    return RunSettings(
        ttl=settings.ttl,
        network_mode=settings.network_mode,
        env=dict(settings.env),
        input_files=settings.input_files,
        return_artifact=settings.return_artifact,
        return_wasm_artifact=settings.return_wasm_artifact,
        vcpu=settings.vcpu,
        mode="auto" if settings.mode == "auto" else "sync" if settings.mode == "sync" else "async",
        language_map=dict(settings.language_map),
        discover_imports=settings.discover_imports,
        workspace_roots=workspace_roots,
        extra_roots=(*settings.extra_roots, *from_env),
    )


def workspace_roots(ls: UnsandboxLanguageServer) -> tuple[str, ...]:
    """The local folders of the workspace."""
    roots: list[str] = []
    for folder in ls.workspace.folders.values():
        path = uri_to_path(folder.uri)
        if path:
            roots.append(path)
    root = uri_to_path(ls.workspace.root_uri or "")
    if root and root not in roots:
        roots.append(root)
    return tuple(roots)


def open_buffers(ls: UnsandboxLanguageServer) -> dict[Path, str]:
    """The text of every open local buffer (unsaved changes included), by absolute path.

    A copy taken on the event loop, so discovery may read it from a worker thread.
    """
    buffers: dict[Path, str] = {}
    for uri, doc in list(ls.workspace.text_documents.items()):
        path = uri_to_path(uri)
        if path:
            buffers[Path(os.path.abspath(path))] = doc.source
    return buffers


async def borrow_client(ls: UnsandboxLanguageServer, name: str = "") -> UnsandboxClient:
    """The API client of the chosen backend (`server.backend`: the hosted API with your keys, or
    the local sandbox this server starts); `RunRefused` when none can run.

    Give it back with `ls.api_clients.give_back(client)` when the run ends.
    """
    from unsandbox_ls.server.backend import borrow

    return await borrow(ls, name)
