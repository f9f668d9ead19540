"""Whether a document is something to run: ▶, the run code actions and the run commands are
offered only for a document whose language resolves to one the API runs.

Never for the server's own files (the run logs and history under the user's cache), for what is
not a file or an unsaved buffer (an editor's output view), nor for data such as JSON settings,
logs and lock files, unless the `languageMap` setting maps them. A run asked for anyway (from
the command palette) is refused in one sentence saying why, before anything is recorded.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from unsandbox_ls.server.document_uris import uri_to_path
from unsandbox_ls.server.regions import has_shebang

if TYPE_CHECKING:
    from collections.abc import Mapping

#: extensions and editor language ids of files that hold data, not programs
DATA = frozenset(
    (
        "json", "jsonc", "jsonl", "json5", "yaml", "yml", "toml", "ini", "cfg", "conf", "log",
        "lock", "csv", "tsv", "xml", "md", "markdown", "code-workspace",
        "properties", "env", "dotenv",
    )
)  # fmt: skip
#: the URI schemes of documents that can be run: files and unsaved buffers
RUNNABLE_SCHEMES = ("file", "untitled")
APP_DIR = "unsandbox-ls"


def why_not(
    uri: str,
    text: str,
    language_id: str | None,
    language_map: Mapping[str, str],
    *,
    shebang_run: bool = False,
) -> str | None:
    """None when the document can run; else the sentence that says why it cannot."""
    from unsandbox_ls.languages import detect_language

    path = uri_to_path(uri)
    name = os.path.basename(path) if path else uri.rsplit("/", 1)[-1] or uri
    scheme = uri.split(":", 1)[0].lower()
    if scheme not in RUNNABLE_SCHEMES:
        return f"unsandbox: {name} is not a file; nothing was sent"
    if path is not None and _own_file(path):
        return f"unsandbox: {name} is one of unsandbox-ls's own records, not a program"
    if shebang_run and has_shebang(text.split("\n", 1)[0]):
        return None
    found = detect_language(
        path or name, text, editor_language_id=language_id, overrides=dict(language_map)
    )
    if found is not None:
        return None
    ext = name.rsplit(".", 1)[1].lower() if "." in name.lstrip(".") else ""
    if ext in DATA or (language_id or "").lower() in DATA:
        what = (ext or language_id or "data").upper()
        return f"unsandbox: {name} holds data ({what}), not a program; nothing was sent"
    key = ext or language_id or "myLanguage"
    return (
        f"unsandbox: cannot tell the language of {name}; map its extension or language id in "
        f'the unsandbox.languageMap setting (e.g. {{"{key}": "python"}}); nothing was sent'
    )


def _own_file(path: str) -> bool:
    """Whether `path` lies in unsandbox-ls's folder of the user's cache (logs, history)."""
    if APP_DIR not in path:  # the cache's location is looked up only when it may matter
        return False
    from unsandbox_ls.runs.output import cache_dir

    own = os.path.realpath(cache_dir())
    real = os.path.realpath(path)
    return real == own or real.startswith(own + os.sep)
