"""Results in place in the editor: inlay hints and hovers from the last run's `Spot`s.

After a run whose start-up hook recorded results in place (`runs.in_place`), each line of the
program and of the files sent with it that wrote output gets an inlay hint at its end (`→ first
line`, or the count and the last line), and each frame of an uncaught exception the values of
the names its line uses. The hover of such a line shows its whole output and the frame's whole
table of values. A line edited since the run loses its hint (its text is no longer the text that
ran); a new run of the document replaces all of its hints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lsprotocol import types

from unsandbox_ls.server.document_uris import document_key

# at run time: pygls reads the handlers' annotations
from unsandbox_ls.server.server import UnsandboxLanguageServer

if TYPE_CHECKING:
    from unsandbox_ls.runs.in_place import Spot


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def spots_on(ls: UnsandboxLanguageServer, uri: str) -> list[tuple[Spot, str]]:
    """The spots of every document's last run that are on `uri`, with the line's current text,
    leaving out the lines edited since (the text differs from the one that ran)."""
    key = document_key(uri)
    try:
        lines = ls.workspace.get_text_document(ls.uris.client_uri(uri)).lines
    except Exception:
        return []
    found: list[tuple[Spot, str]] = []
    for spots in ls.in_place.values():
        for spot in spots:
            if document_key(spot.uri) != key or spot.line >= len(lines):
                continue
            text = lines[spot.line].rstrip("\r\n")
            if text == spot.source:
                found.append((spot, text))
    return found


def in_place_hints(
    ls: UnsandboxLanguageServer, params: types.InlayHintParams
) -> list[types.InlayHint]:
    uri = params.text_document.uri
    if not ls.settings.in_place or uri in ls.active_runs:
        return []
    encoding = ls.position_encoding()
    hints = []
    for spot, text in spots_on(ls, uri):
        if not params.range.start.line <= spot.line <= params.range.end.line:
            continue
        label = spot.label
        if not label:
            continue
        hints.append(
            types.InlayHint(
                position=types.Position(spot.line, _units(text, encoding)),
                label=label,
                padding_left=True,
                tooltip=types.MarkupContent(types.MarkupKind.Markdown, spot.hover()),
            )
        )
    return sorted(hints, key=lambda h: h.position.line)


def in_place_hover(ls: UnsandboxLanguageServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    if not ls.settings.in_place:
        return None
    parts = [s.hover() for s, _ in spots_on(ls, uri) if s.line == params.position.line]
    parts = [p for p in parts if p]
    if not parts:
        return None
    return types.Hover(types.MarkupContent(types.MarkupKind.Markdown, "\n\n".join(parts)))


def set_spots(ls: UnsandboxLanguageServer, doc_uri: str, spots: list[Spot]) -> None:
    """The spots of the last run of `doc_uri` (a new run replaces them all)."""
    if spots:
        ls.in_place[doc_uri] = spots
    elif doc_uri in ls.in_place:
        del ls.in_place[doc_uri]


def register(server: UnsandboxLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: UnsandboxLanguageServer, params: types.HoverParams) -> types.Hover | None:
        return in_place_hover(ls, params)
