"""One identity per document, whatever way its URI is spelled.

Clients percent-encode file URIs differently: VS Code encodes everything but letters, digits,
`-._~` and `/` (`sp%20ace.py`, `a%3Bb.py`, `%5Bx%5D.py`); Neovim keeps RFC 3986's sub-delimiters
and writes lower-case hex (`a;b.py`, `%5bx%5d.py`); Helix 25.07 uses the `url` crate, which keeps
`[`, `]` and `;` as they are. pygls keys its open documents by the percent-decoded URI, and a
command argument may arrive as a path or a VS Code `Uri` object rebuilt here.

So the server keys every per-document state by `document_key(uri)` (the decoded path of a
`file:` URI re-encoded one fixed way; other schemes decoded), and remembers the spelling the client
itself used for each document (`DocumentUris`): every lens, notification and diagnostic goes back
under that spelling, and a lookup works with any spelling. `uri_to_path` is the one URI → path
conversion: pygls's `to_fs_path` parses `;` as the start of URL parameters and drops the rest.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import TypeVar
from urllib.parse import quote, unquote, urlsplit

V = TypeVar("V")


def uri_to_path(uri: str) -> str | None:
    """The local path of a `file:` URI (None for any other scheme or a remote host)."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    path = unquote(parts.path)
    return path or None


def path_to_uri(path: str) -> str:
    """The `file:` URI of an absolute path, encoded the way `document_key` encodes it."""
    return "file://" + quote(path, safe="/")


def document_key(uri: str) -> str:
    """The same string for every spelling of one document's URI."""
    path = uri_to_path(uri)
    if path is not None:
        return path_to_uri(path)
    scheme, sep, rest = uri.partition(":")
    return f"{scheme.lower()}{sep}{unquote(rest)}"


class DocumentUris:
    """The client's own spelling of each document's URI, by `document_key`."""

    def __init__(self) -> None:
        self._spellings: dict[str, str] = {}
        self._open: set[str] = set()

    def opened(self, uri: str) -> None:
        """`textDocument/didOpen`: this spelling is the client's from now on."""
        self._open.add(self.remember(uri))

    def closed(self, uri: str) -> None:
        """`textDocument/didClose` (the spelling is kept for a run that is still going)."""
        self._open.discard(document_key(uri))

    def is_open(self, uri: str) -> bool:
        return document_key(uri) in self._open

    def remember(self, uri: str, *, replace: bool = True) -> str:
        """Note the client's spelling (`replace=False`: only if none is known); the key."""
        key = document_key(uri)
        if replace or key not in self._spellings:
            self._spellings[key] = uri
        return key

    def client_uri(self, uri: str) -> str:
        """The spelling the client used for this document (`uri` itself when unknown)."""
        return self._spellings.get(document_key(uri), uri)


class ByDocument(MutableMapping[str, V]):
    """A dict keyed by document: any spelling of a URI finds the same entry."""

    def __init__(self) -> None:
        self._data: dict[str, V] = {}

    def __getitem__(self, uri: str) -> V:
        return self._data[document_key(uri)]

    def __setitem__(self, uri: str, value: V) -> None:
        self._data[document_key(uri)] = value

    def __delitem__(self, uri: str) -> None:
        del self._data[document_key(uri)]

    def __contains__(self, uri: object) -> bool:
        return isinstance(uri, str) and document_key(uri) in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)
