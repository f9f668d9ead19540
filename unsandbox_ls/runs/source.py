"""`Source`: what runs, the document and the part of it that is sent (the input of a plan).

The language server builds it from a buffer and a region (`server/sources.py`), `unsandbox-ls run`
from the file on its command line; `runs.plan.build_plan` turns it into a `Plan`. Standard library
only.
"""

from __future__ import annotations

import os
from typing import Literal, NamedTuple

RunKind = Literal["file", "shebang", "selection", "cell"]


class Source(NamedTuple):
    """What runs: the document (its URI, local path, lines) and the part of it that is sent.

    `code` is the whole text for a file or shebang run; for a selection or cell it is that
    part, which starts at `line_offset` (0-based) and `column_offset` (code points).
    """

    uri: str
    path: str | None
    lines: tuple[str, ...] | list[str]
    code: str
    kind: RunKind = "file"
    line_offset: int = 0
    column_offset: int = 0
    language_id: str | None = None
    version: int | None = None
    run_id: str | None = None

    @property
    def name(self) -> str:
        """The file's name for messages (`orders.py`), or the URI's last part."""
        if self.path:
            return os.path.basename(self.path)
        return self.uri.rstrip("/").rsplit("/", 1)[-1] or self.uri

    @property
    def text(self) -> str:
        """The whole document (its lines may keep their line ends, as an editor's do)."""
        if any(line.endswith("\n") for line in self.lines):
            return "".join(self.lines)
        return "\n".join(self.lines)
