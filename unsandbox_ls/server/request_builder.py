"""Buffer → request: what a run sends, built from the buffer snapshot, the settings and the
file's magic comment. Nothing here sends anything; `RunRefused` says why a run cannot be sent.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from unsandbox_ls.languages import EXTENSIONS, MAIN_FILE_NAMES, comment_leader, detect_language
from unsandbox_ls.runs.source import FileRefused
from unsandbox_ls.server.diagnostics import RunTarget
from unsandbox_ls.server.document_uris import uri_to_path
from unsandbox_ls.server.magic_comment import MagicCommentError, MagicOptions, parse_magic_comment
from unsandbox_ls.server.regions import Region
from unsandbox_ls.server.server import UnsandboxLanguageServer
from unsandbox_ls.server.state import Run

logger = logging.getLogger(__name__)


class RunRefused(Exception):
    """The run cannot be sent (nothing was sent); the message is for the user."""


@dataclass(frozen=True)
class Snapshot:
    """The buffer as it was when the command arrived: this text is what runs."""

    text: str
    lines: list[str]
    version: int | None
    language_id: str | None


def snapshot(ls: UnsandboxLanguageServer, uri: str) -> Snapshot:
    """The open buffer (unsaved text included), or the file on disk; `RunRefused` if neither.

    A file that is not open is read only if it is a regular file within the size cap
    (`unsandbox_ls.runs.source`): never a device, a FIFO or a file of /proc.
    """
    from unsandbox_ls.runs.source import read_source_file

    doc = ls.open_document(uri)
    if doc is not None:
        return Snapshot(doc.source, list(doc.lines), doc.version, doc.language_id)
    path = uri_to_path(uri)
    if path is None:
        raise RunRefused(f"unsandbox: {uri} is not open and is not a local file")
    try:
        text = read_source_file(path, label=display_name(uri))
    except FileRefused as exc:
        raise RunRefused(f"unsandbox: {exc}; nothing was sent") from None
    return Snapshot(text, text.splitlines(keepends=True), None, None)


@dataclass(frozen=True)
class Prepared:
    """Everything needed to send the run."""

    language: str | None
    name: str
    path: str | None
    region: Region
    target: RunTarget
    request: Any
    mode: str
    version: int | None


def display_name(uri: str) -> str:
    path = uri_to_path(uri)
    return os.path.basename(path) if path else uri.rsplit("/", 1)[-1] or uri


def submitted_name(language: str | None) -> str:
    if language is None:
        return "main"
    if language in MAIN_FILE_NAMES:
        return MAIN_FILE_NAMES[language]
    ext = next((e for e, lang in EXTENSIONS.items() if lang == language), language)
    return f"main.{ext}"


#: extra roots of the user's environment (os.pathsep-separated), beside unsandbox.extraRoots
EXTRA_ROOTS_ENV = "UNSANDBOX_EXTRA_ROOTS"


def file_scope(ls: UnsandboxLanguageServer, path: str | None) -> Any:
    """Where the run of `path` may take files from (`unsandbox_ls.runs.files.file_scope`)."""
    from unsandbox_ls.runs.files import file_scope as scope_of

    workspace_roots = [
        p
        for p in (
            uri_to_path(ls.workspace.root_uri or ""),
            *(uri_to_path(f.uri) for f in ls.workspace.folders.values()),
        )
        if p
    ]
    from_env = [p for p in os.environ.get(EXTRA_ROOTS_ENV, "").split(os.pathsep) if p]
    return scope_of(
        path,
        workspace_roots=workspace_roots,
        extra_roots=(*ls.settings.extra_roots, *from_env),
    )


async def _input_files(
    ls: UnsandboxLanguageServer, path: str | None, magic: MagicOptions
) -> list[Any]:
    """The settings' and the magic comment's files, contained and read off the event loop."""
    from unsandbox_ls.runs.files import gather_input_files

    base = os.path.dirname(path) if path else None
    try:
        return await gather_input_files(
            ls.settings.input_files, magic.files, base, file_scope(ls, path)
        )
    except FileRefused as exc:
        raise RunRefused(f"unsandbox: {exc}; nothing was sent") from None


def document_language(ls: UnsandboxLanguageServer, uri: str, snap: Snapshot) -> str | None:
    path = uri_to_path(uri) or display_name(uri)
    detection = detect_language(
        path, snap.text, editor_language_id=snap.language_id, overrides=ls.settings.language_map
    )
    return detection.language if detection else None


async def prepare(
    ls: UnsandboxLanguageServer, run: Run, region: Region, snap: Snapshot
) -> Prepared:
    """Build the request from the buffer and the settings; `RunRefused` if it cannot be sent."""
    from unsandbox_ls.api.errors import ValidationError
    from unsandbox_ls.api.models import ExecuteRequest, RawRunRequest, RunOptions

    path = uri_to_path(run.uri)
    lines = snap.lines
    name = display_name(run.uri)
    settings = ls.settings
    language = document_language(ls, run.uri, snap)
    if language is None and run.kind != "shebang":
        raise RunRefused(
            f"unsandbox: cannot tell the language of {name}; map its extension or language id "
            f'in the unsandbox.languageMap setting, e.g. {{"{_map_key(name, snap.language_id)}": '
            f'"python"}}'
        )
    try:
        magic = parse_magic_comment(lines, comment_leader(language or "python"))
    except MagicCommentError as exc:
        raise RunRefused(f"unsandbox: {name}: {exc}; nothing was sent") from None
    files = await _input_files(ls, path, magic)
    options = RunOptions(
        ttl=magic.ttl or settings.ttl,
        network_mode=magic.network_mode or settings.network_mode,
        env={**settings.env, **magic.env},
        input_files=tuple(files),
        return_artifact=(
            magic.return_artifact if magic.return_artifact is not None else settings.return_artifact
        ),
        return_wasm_artifact=(
            magic.return_wasm_artifact
            if magic.return_wasm_artifact is not None
            else settings.return_wasm_artifact
        ),
        vcpu=magic.vcpu or settings.vcpu,
    )
    request: Any
    if run.kind == "shebang":
        request = RawRunRequest(region.code, options)
    else:
        assert language is not None
        request = ExecuteRequest(language, region.code, options)
    try:
        request.validate()
    except ValidationError as exc:
        raise RunRefused(f"unsandbox: {name}: {exc}; nothing was sent") from None
    target = RunTarget(
        uri=run.uri,
        path=path,
        lines=lines,
        line_offset=region.line_offset,
        column_offset=region.column_offset,
        submitted_name=submitted_name(language),
        run_id=run.run_id,
    )
    return Prepared(
        language, name, path, region, target, request, _mode(magic, settings.mode), snap.version
    )


def _mode(magic: MagicOptions, default: str) -> str:
    return magic.mode or default


def _map_key(name: str, language_id: str | None) -> str:
    return name.rsplit(".", 1)[1] if "." in name.lstrip(".") else (language_id or "myLanguage")


async def borrow_client(ls: UnsandboxLanguageServer, name: str = "") -> Any:
    """The API client of the chosen backend (`server.backend`); `RunRefused` when none can run.

    Give it back with `ls.api_clients.give_back(client)` when the run ends.
    """
    from unsandbox_ls.server.backend import borrow

    return await borrow(ls, name)
