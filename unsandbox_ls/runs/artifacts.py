"""Saving a run's artifacts (a compiled binary, a .jar …): one set of rules for every caller.

- A name is reduced to one safe path component: the last part of the name the API gave
  (`/` and `\\` both separate), keeping letters and digits of any script, `.`, `_` and `-`; an
  empty name, `.` or `..` becomes `artifact`.
- An executable (ELF, PE or Mach-O bytes) is named after the program's own file (`orders`
  for `orders.c`), not the sandbox's `main`, and is made executable.
- A file of the run itself (the program, a file sent with it) is never overwritten: the
  artifact is saved as `NAME.artifact` instead.
- Each file is written to a temporary name in the folder and then renamed over the target,
  so a symlink at the target is replaced, never followed, and a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: leading bytes of executables: ELF, PE, Mach-O (32/64, both byte orders, fat)
EXECUTABLE_MAGIC = (
    b"\x7fELF",
    b"MZ",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)
#: what a file name keeps: letters and digits of any script, `.`, `_`, `-`
_UNSAFE = re.compile(r"[^\w.-]+")


def safe_name(name: str) -> str:
    """`café (1).py` → `café_1_.py`: a name that is safe as one path component."""
    return _UNSAFE.sub("_", unicodedata.normalize("NFC", name))


@dataclass(frozen=True)
class SavedArtifact:
    """One artifact written to disk: the name it was saved as, its path and size."""

    filename: str
    path: str
    size: int


def artifact_name(filename: str, content: bytes, source: str | None) -> str:
    """The file name an artifact is saved under (see the module's rules)."""
    plain = safe_name(filename.replace("\\", "/").rsplit("/", 1)[-1])
    if plain in ("", ".", ".."):
        plain = "artifact"
    if content.startswith(EXECUTABLE_MAGIC) and source:
        stem = safe_name(Path(source).stem)
        if stem not in ("", ".", ".."):
            plain = stem
    return plain


def _write_replacing(path: Path, content: bytes, executable: bool) -> None:
    handle, temporary = tempfile.mkstemp(prefix=".artifact-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        if executable:
            mode = os.stat(temporary).st_mode
            os.chmod(temporary, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def save_artifacts(
    artifacts: Iterable[tuple[str, bytes]],
    directory: Path,
    *,
    source: str | None = None,
    protected: Iterable[str] = (),
) -> list[SavedArtifact]:
    """Save each (filename, content) in `directory` (created when missing).

    `source` is the program's local file (its stem names an executable); `protected` are the
    local paths of every file of the run, which are never overwritten. `OSError` when the
    folder cannot be made or written.
    """
    keep = {os.path.realpath(p) for p in protected if p}
    if source:
        keep.add(os.path.realpath(source))
    directory.mkdir(parents=True, exist_ok=True)
    saved: list[SavedArtifact] = []
    used: set[str] = set()
    for filename, content in artifacts:
        name = artifact_name(filename, content, source)
        target = directory / name
        while os.path.realpath(target) in keep or name in used:
            name += ".artifact"
            target = directory / name
        used.add(name)
        _write_replacing(target, content, content.startswith(EXECUTABLE_MAGIC))
        saved.append(SavedArtifact(name, str(target), len(content)))
    return saved
