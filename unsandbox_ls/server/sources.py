"""The editor's side of a run's input: buffers → `runs.Source`, settings → `runs.RunSettings`,
the open buffers for import discovery, and the API client of the current settings.

What a run is (language, magic comment, files, limits) is decided in `unsandbox_ls.runs`; this
module only reads the editor's state.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pygls.uris import to_fs_path

from unsandbox_ls.runs.request import RunRefused

if TYPE_CHECKING:
    from unsandbox_ls.api.client import UnsandboxClient
    from unsandbox_ls.runs.request import RunSettings, Source
    from unsandbox_ls.server.regions import Region
    from unsandbox_ls.server.server import UnsandboxLanguageServer
    from unsandbox_ls.server.settings import Settings


@dataclass(frozen=True)
class Snapshot:
    """The buffer as it was when the command arrived: this text is what runs."""

    text: str
    lines: list[str]
    version: int | None
    language_id: str | None


def snapshot(ls: UnsandboxLanguageServer, uri: str) -> Snapshot:
    """The open buffer (unsaved text included), or the file on disk; `RunRefused` if neither."""
    doc = ls.workspace.get_text_document(uri)
    try:
        text = doc.source
    except OSError as exc:
        raise RunRefused(f"unsandbox: cannot read {display_name(uri)}: {exc.strerror}") from None
    except (TypeError, ValueError):  # a URI that is neither open nor a local file
        raise RunRefused(f"unsandbox: {uri} is not open and is not a local file") from None
    return Snapshot(text, list(doc.lines), doc.version, doc.language_id)


def client_uri(ls: UnsandboxLanguageServer, uri: str) -> str:
    """The client's own spelling of `uri` when that file is open (paths may be encoded apart)."""
    if uri in ls.workspace.text_documents:
        return uri
    for open_uri in ls.workspace.text_documents:
        if same_file(open_uri, uri):
            return str(open_uri)
    return uri


def same_file(uri_a: str, uri_b: str) -> bool:
    """Two URIs name the same file (client and server may encode a path differently)."""
    if uri_a == uri_b:
        return True
    path_a, path_b = to_fs_path(uri_a), to_fs_path(uri_b)
    return path_a is not None and path_a == path_b


def display_name(uri: str) -> str:
    path = to_fs_path(uri)
    return os.path.basename(path) if path else uri.rsplit("/", 1)[-1] or uri


def document_language(ls: UnsandboxLanguageServer, uri: str, snap: Snapshot) -> str | None:
    """The API language the buffer would run as (for `runStarted`), or None."""
    from unsandbox_ls.runs.request import RunSettings, Source, choose_language

    source = Source(
        uri=uri, path=to_fs_path(uri), lines=snap.lines, code=snap.text,
        language_id=snap.language_id,
    )  # fmt: skip
    return choose_language(source, RunSettings(language_map=dict(ls.settings.language_map)))


def source_of(uri: str, snap: Snapshot, region: Region, run_id: str) -> Source:
    """The run's source: the buffer's lines and the region of it that is sent."""
    from unsandbox_ls.runs.request import Source

    return Source(
        uri=uri,
        path=to_fs_path(uri),
        lines=snap.lines,
        code=region.code,
        kind=region.kind,
        line_offset=region.line_offset,
        column_offset=region.column_offset,
        language_id=snap.language_id,
        version=snap.version,
        run_id=run_id,
    )


def run_settings(settings: Settings, workspace_roots: tuple[str, ...]) -> RunSettings:
    """The editor's settings as the run pipeline reads them (the magic comment may override)."""
    from unsandbox_ls.runs.request import RunSettings

    return RunSettings(
        ttl=settings.ttl,
        network_mode=settings.network_mode,
        env=dict(settings.env),
        input_files=settings.input_files,
        return_artifact=settings.return_artifact,
        return_wasm_artifact=settings.return_wasm_artifact,
        vcpu=settings.vcpu,
        mode="sync" if settings.mode == "sync" else "async",
        language_map=dict(settings.language_map),
        discover_imports=settings.discover_imports,
        workspace_roots=workspace_roots,
    )


def workspace_roots(ls: UnsandboxLanguageServer) -> tuple[str, ...]:
    """The local folders of the workspace."""
    roots: list[str] = []
    for folder in ls.workspace.folders.values():
        path = to_fs_path(folder.uri)
        if path:
            roots.append(path)
    root = ls.workspace.root_path
    if root and root not in roots:
        roots.append(root)
    return tuple(roots)


def open_buffers(ls: UnsandboxLanguageServer) -> dict[Path, str]:
    """The text of every open local buffer (unsaved changes included), by absolute path.

    A copy taken on the event loop, so discovery may read it from a worker thread.
    """
    buffers: dict[Path, str] = {}
    for uri, doc in list(ls.workspace.text_documents.items()):
        path = to_fs_path(uri)
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
