"""Reading the many argument shapes editors send with `workspace/executeCommand`.

Accepted (first argument; further ones ignored): nothing, a URI string, a filesystem path,
`{"uri": …}`, `{"uri": …, "range": …}`, a serialised VS Code `Uri` (`{"scheme", "path", …}`),
or `{"uri": <serialised Uri>, …}`. An object may also carry `"wait": true`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from pygls.uris import from_fs_path


@dataclass(frozen=True)
class CommandTarget:
    """What a command was asked to act on; None fields mean "not given"."""

    uri: str | None = None
    start: tuple[int, int] | None = None
    end: tuple[int, int] | None = None
    wait: bool = False

    @property
    def has_range(self) -> bool:
        return self.start is not None and self.end is not None


def _uri_from_string(value: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    scheme, sep, _ = value.partition(":")
    # "C:\\x" is a Windows path, not a URI with scheme "c"
    if sep and len(scheme) > 1 and scheme.replace("+", "").replace("-", "").isalnum():
        return value
    path = os.path.abspath(os.path.expanduser(value))
    uri: str | None = from_fs_path(path)
    return uri


def _uri_from_vscode(value: dict[str, Any]) -> str | None:
    external = value.get("external")
    if isinstance(external, str) and external:
        return external
    scheme = value.get("scheme")
    path = value.get("path")
    if not isinstance(scheme, str) or not isinstance(path, str):
        fs_path = value.get("fsPath")
        return _uri_from_string(fs_path) if isinstance(fs_path, str) else None
    if scheme == "file":
        uri: str | None = from_fs_path(path)
        return uri
    authority = value.get("authority") or ""
    prefix = f"{scheme}://{authority}" if authority or scheme not in ("untitled",) else f"{scheme}:"
    return prefix + quote(path)


def _uri_from_any(value: Any) -> str | None:
    if isinstance(value, str):
        return _uri_from_string(value)
    if isinstance(value, dict):
        if "uri" in value:
            return _uri_from_any(value["uri"])
        if "textDocument" in value:
            return _uri_from_any(value["textDocument"])
        if "scheme" in value or "fsPath" in value:
            return _uri_from_vscode(value)
    return None


def _position(value: Any) -> tuple[int, int] | None:
    if isinstance(value, dict):
        line, char = value.get("line"), value.get("character")
        if isinstance(line, int) and isinstance(char, int) and line >= 0 and char >= 0:
            return line, char
    return None


def parse_command_args(args: tuple[Any, ...]) -> CommandTarget:
    """The target of a command from its raw arguments (never raises)."""
    if not args:
        return CommandTarget()
    first = args[0]
    uri = _uri_from_any(first)
    start = end = None
    wait = False
    if isinstance(first, dict):
        rng = first.get("range")
        if isinstance(rng, dict):
            start, end = _position(rng.get("start")), _position(rng.get("end"))
            if start is None or end is None:
                start = end = None
        wait = first.get("wait") is True
    for extra in args[1:]:
        if isinstance(extra, dict) and extra.get("wait") is True:
            wait = True
    return CommandTarget(uri, start, end, wait)
