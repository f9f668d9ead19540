"""Saving a run's artifacts (a compiled binary, a .jar …): one set of rules for every caller.

- **Only when asked**: a run saves artifacts only when its request asked for them (`--artifact`,
  the `returnArtifact`/`returnWasmArtifact` settings, the magic comment's `artifact=true` or
  `wasm=true`: `asked_for(plan)`); artifacts an answer carries otherwise are ignored, and the
  caller says so.
- **Where**: the folder the user named (`--artifact-dir`, `artifactDirectory`; relative: to the
  file's folder), else `<user cache>/unsandbox-ls/artifacts/<run id>/`, of which the newest
  `KEEP_ARTIFACT_RUNS` are kept (`artifact_folder`, `prune_artifact_runs`).
- **Names**: the last part of the name the API gave (`/` and `\\` both separate), keeping
  letters and digits of any script, `.`, `_` and `-`; an empty name, `.` or `..` becomes
  `artifact`. An executable (ELF, PE or Mach-O bytes) is named after the program's own file
  (`orders` for `orders.c`), not the sandbox's `main`, and is made executable. A name starting
  with a dot (`.bashrc`) loses its leading dots (`bashrc`), and the note says so. A name is cut
  to 255 bytes of UTF-8, its extension kept.
- **Never over a file**: an existing file (or symlink, or anything) at the name is left alone,
  and the artifact is saved as `NAME (2).EXT`, `NAME (3).EXT` …, with a note. Each file is
  written to a temporary name and then hard-linked to its name, which fails if the name exists,
  so nothing is replaced, nothing is followed, and a reader never sees half a file.
- One artifact that cannot be saved does not stop the others: `ArtifactsSaved.problems`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from unsandbox_ls.runs.plan import Plan

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
#: the longest file name most file systems take, in bytes
MAX_NAME_BYTES = 255
#: run folders kept in `<cache>/artifacts/`; older ones are removed when a new one is written
KEEP_ARTIFACT_RUNS = 50
#: `NAME (2).EXT` … tried before giving up on an artifact
_MAX_NUMBER = 1000


def safe_name(name: str) -> str:
    """`café (1).py` → `café_1_.py`: a name that is safe as one path component."""
    return _UNSAFE.sub("_", unicodedata.normalize("NFC", name))


@dataclass(frozen=True)
class SavedArtifact:
    """One artifact written to disk: the name it was saved as, its path and size, and why it
    was renamed (a dot-name, a name taken), if it was."""

    filename: str
    path: str
    size: int
    note: str | None = None


@dataclass
class ArtifactsSaved:
    """What `save_artifacts` did: the files written, and one sentence per artifact it could
    not write."""

    saved: list[SavedArtifact] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def asked_for(plan: Plan) -> bool:
    """Whether the run's request asked for artifacts (a flag, a setting or the magic comment)."""
    options = plan.request.options
    return bool(options.return_artifact or options.return_wasm_artifact)


def _cap(name: str, limit: int = MAX_NAME_BYTES) -> str:
    """`name` cut to `limit` bytes of UTF-8 on a character boundary, its extension kept."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext.encode("utf-8")) > 16:
        stem, ext = name, ""
    room = limit - len(ext.encode("utf-8")) - (1 if ext else 0)
    cut = stem.encode("utf-8")[:room].decode("utf-8", "ignore")
    return f"{cut}.{ext}" if ext else cut


def artifact_name(filename: str, content: bytes, source: str | None) -> str:
    """The file name an artifact is saved under (see the module's rules)."""
    return _named(filename, content, source)[0]


def _named(filename: str, content: bytes, source: str | None) -> tuple[str, str | None]:
    plain = safe_name(filename.replace("\\", "/").rsplit("/", 1)[-1])
    note = None
    if plain in ("", ".", ".."):
        plain = "artifact"
    if content.startswith(EXECUTABLE_MAGIC) and source:
        stem = safe_name(Path(source).stem).lstrip(".")
        if stem:
            plain = stem
    if plain.startswith("."):
        kept = plain.lstrip(".") or "artifact"
        note = f"renamed from {_cap(plain)!r}: a name starting with a dot is not kept"
        plain = kept
    return _cap(plain), note


def _numbered(name: str, number: int) -> str:
    """`orders` → `orders (2)`, `a.bin` → `a (2).bin`, within 255 bytes."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    suffix = f" ({number})" + (f".{ext}" if ext else "")
    room = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    return stem.encode("utf-8")[:room].decode("utf-8", "ignore") + suffix


def _write_new(path: Path, content: bytes, executable: bool) -> bool:
    """Write `content` at `path` unless anything is there; False when the name is taken."""
    import tempfile  # here: the module is imported by every run for `safe_name`

    handle, temporary = tempfile.mkstemp(prefix=".artifact-", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        if executable:
            mode = os.stat(temporary).st_mode
            os.chmod(temporary, mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        try:
            os.link(temporary, path, follow_symlinks=False)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV):
                raise
            return _write_exclusive(path, temporary)  # a file system without hard links
        return True
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _write_exclusive(path: Path, temporary: str) -> bool:
    import shutil

    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as out, open(temporary, "rb") as source:
        shutil.copyfileobj(source, out)
    shutil.copymode(temporary, path)
    return True


def save_artifacts(
    artifacts: Iterable[tuple[str, bytes]],
    directory: Path,
    *,
    source: str | None = None,
    protected: Iterable[str] = (),
) -> ArtifactsSaved:
    """Save each (filename, content) in `directory` (created when missing), never over an
    existing file.

    `source` is the program's local file (its stem names an executable); `protected` are the
    local paths of every file of the run, which are never written even if they do not exist
    any more. `OSError` when the folder cannot be made.
    """
    keep = {os.path.realpath(p) for p in protected if p}
    if source:
        keep.add(os.path.realpath(source))
    directory.mkdir(parents=True, exist_ok=True)
    report = ArtifactsSaved()
    for filename, content in artifacts:
        name, note = _named(filename, content, source)
        try:
            saved = _save_one(directory, name, content, keep)
        except OSError as exc:
            report.problems.append(
                f"could not save the artifact {name!r} in {directory}: {exc.strerror or exc}"
            )
            continue
        if saved is None:
            report.problems.append(
                f"could not save the artifact {name!r}: {directory} already holds "
                f"{_MAX_NUMBER} files of that name"
            )
            continue
        if saved != name:
            taken = f"{name!r} exists, saved as {saved!r}"
            note = f"{note}; {taken}" if note else taken
        path = directory / saved
        report.saved.append(SavedArtifact(saved, str(path), len(content), note))
    return report


def _save_one(directory: Path, name: str, content: bytes, keep: set[str]) -> str | None:
    executable = content.startswith(EXECUTABLE_MAGIC)
    for number in range(1, _MAX_NUMBER + 1):
        candidate = name if number == 1 else _numbered(name, number)
        target = directory / candidate
        if os.path.realpath(target) in keep:
            continue
        if _write_new(target, content, executable):
            return candidate
    return None


def artifact_folder(directory: str | None, base_dir: str | None, run_id: str) -> Path:
    """Where a run's artifacts go: the folder the user named (relative: to the file's folder),
    else `<cache>/artifacts/<run id>/`."""
    if directory:
        target = Path(os.path.expanduser(directory))
        if not target.is_absolute() and base_dir:
            target = Path(base_dir) / target
        return target
    return cache_artifacts() / safe_name(run_id)


def cache_artifacts() -> Path:
    from unsandbox_ls.runs.output import cache_dir

    return cache_dir() / "artifacts"


def prune_artifact_runs(root: Path | None = None, keep: int = KEEP_ARTIFACT_RUNS) -> None:
    """Keep the newest `keep` run folders of `<cache>/artifacts/` (never a symlink followed)."""
    import shutil

    root = root if root is not None else cache_artifacts()
    try:
        entries = [e for e in os.scandir(root) if e.is_dir(follow_symlinks=False)]
        entries.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns, reverse=True)
    except OSError:
        return
    for old in entries[keep:]:
        shutil.rmtree(old.path, ignore_errors=True)


def not_asked_message(count: int) -> str:
    """What is said when an answer carries artifacts the run did not ask for."""
    what = "an artifact" if count == 1 else f"{count} artifacts"
    return (
        f"the sandbox returned {what} that this run did not ask for; ignored, nothing was "
        "saved (ask with --artifact or the returnArtifact setting)"
    )
