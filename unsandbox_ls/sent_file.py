"""One file that goes with a run, from the moment it is found until its diagnostics and record.

A `SentFile` is built once (by import discovery, the file patterns, `-f`, or the plan for the
program itself) and carried unchanged: the API request's input files (`api.models.InputFile`),
the files the diagnostics may land in (`problems.mapping.Target.files`), the `files` of
`unsandbox/runFinished`, the run log's `# sent:` lines and the history's names are all read
from it. Its bytes are decoded once, when it is made.

It lives at the top of the package, beside `languages`, because both `runs/` (which builds it)
and `problems/` (which maps frames into it) read it, and `problems/` never imports `runs/`. It
imports nothing but the standard library.

Two names, because they may differ: `name` is the file's path in the program's tree, relative to
the program's folder (`helpers.py`, `shop/cart.py`), which is what the program imports and what
its frames print; `wire_name` is the name the file travels under in the request (today the same;
a sandbox that takes flat names only gets another one, and the program's tree is rebuilt there).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, NamedTuple

#: where the file came from and why it went:
#: - `program`: the code that runs (the buffer or the file on the command line)
#: - `buffer` / `disk`: a file the program imports, read from the editor's open buffer or the disk
#: - `named`: a file named by the `inputFiles` setting, `files=` of the magic comment or `-f`
#: - `bootstrap`: a file the run adds for the sandbox (sent, never shown, never a diagnostic's)
#: - `stdin`: the file given to the program as its standard input
Origin = Literal["program", "buffer", "disk", "named", "bootstrap", "stdin"]

#: origins of files the user did not write as part of the program: no diagnostic lands in them
_NOT_TARGETS = frozenset({"bootstrap", "stdin"})
#: origins of files a user is not shown among the files that went
_HIDDEN = frozenset({"bootstrap"})


class SentFile(NamedTuple):
    """A file of a run: its names (in the program's tree and on the wire), its local path and
    URI (None for a file with no local home, such as an untitled buffer's), its bytes and, when
    they are UTF-8 text, its text, where it came from and, in words, why it went."""

    name: str
    path: str | None
    uri: str | None
    content: bytes
    origin: Origin
    why: str = ""
    text: str | None = None
    #: the name on the wire when it is not `name` (`_replace(travels_as=…)`); see `wire_name`
    travels_as: str = ""

    @property
    def wire_name(self) -> str:
        """The name the file travels under in the request."""
        return self.travels_as or self.name

    @classmethod
    def from_bytes(
        cls,
        name: str,
        content: bytes,
        *,
        path: str | None,
        origin: Origin,
        why: str = "",
        uri: str | None = None,
    ) -> SentFile:
        """A file read as bytes (from the disk): decoded here, once; `text` is None when it is
        not UTF-8 (a data file). `uri` defaults to the local path's."""
        try:
            text: str | None = content.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        return cls(name, path, uri or file_uri(path), content, origin, why, text)

    @classmethod
    def from_text(
        cls,
        name: str,
        text: str,
        *,
        path: str | None,
        origin: Origin,
        why: str = "",
        uri: str | None = None,
    ) -> SentFile:
        """A file whose text is known (an editor's buffer): encoded here, once."""
        content = text.encode("utf-8", "surrogateescape")
        return cls(name, path, uri or file_uri(path), content, origin, why, text)

    def __repr__(self) -> str:
        return f"SentFile({self.name!r}, {len(self.content)} bytes, {self.origin})"

    @property
    def lines(self) -> list[str]:
        """The text's lines as sent (no line ends); empty for a file that is not text. Split at
        each call: the diagnostics read them once per file (`problems.mapping.Target`)."""
        return self.text.split("\n") if self.text is not None else []

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def shown(self) -> bool:
        """Listed among the files that went (`runFinished.files`, the log, the history)."""
        return self.origin not in _HIDDEN

    @property
    def is_target(self) -> bool:
        """A file a frame may land in: text the user wrote, with a local URI."""
        return self.text is not None and self.uri is not None and self.origin not in _NOT_TARGETS


def file_uri(path: str | None) -> str | None:
    """The `file:` URI of a local path (relative: to the working directory), or None."""
    return Path(os.path.abspath(path)).as_uri() if path else None
