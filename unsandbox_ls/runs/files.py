"""Which files go along with a run, and the rule for what a file may reach.

Input files are named by the `inputFiles` setting, by `files=` in the magic comment and (later)
by import discovery. Whoever wrote them — a repository someone cloned, say — must not be able to
send the user's own files out, so every file is *contained*:

- A name is resolved after expanding `~` and following `..` and every symlink; the real path
  must lie inside one of the run's roots (a `FileScope`): the folder of the file being run, the
  workspace folder that holds that file, and the extra roots the user named in their *own*
  settings (never a workspace's: see `unsandbox_ls.server.settings`). Anything else is refused
  with a message naming the entry. `~/.unsandbox` (the API keys) is refused even inside a root.
- Globs are matched by walking the directories (never by `glob.glob`): a symlinked directory is
  not descended into (no escape, no loop), names starting with `.` match only a pattern that
  starts with `.`, and a walk that looks at more than `MAX_WALK_ENTRIES` entries or takes more
  than `MAX_WALK_SECONDS` is stopped and refused. the language server builds a run in a
  worker thread, so it keeps answering meanwhile.
- Only regular files are read, each checked against the API's limits (10 files, 5 MiB each,
  10 MiB in all) before any byte is read (`unsandbox_ls.runs.safe_read.read_regular_file`).
"""

from __future__ import annotations

import fnmatch
import os
import stat
import time
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from unsandbox_ls.api.limits import MAX_INPUT_FILE_BYTES, MAX_INPUT_FILES, MAX_INPUT_TOTAL_BYTES
from unsandbox_ls.runs.safe_read import FileRefused, in_pseudo_file_system, read_regular_file
from unsandbox_ls.sent_file import SentFile

#: directory entries one pattern may look at before the walk is stopped
MAX_WALK_ENTRIES = 20_000
#: seconds one pattern's walk may take before it is stopped
MAX_WALK_SECONDS = 2.0
_MAGIC = frozenset("*?[")


class FileScope(NamedTuple):
    """The real directories the files of one run may come from."""

    roots: tuple[str, ...]

    def contains(self, real_path: str) -> bool:
        return any(_inside(real_path, root) for root in self.roots)

    def describe(self) -> str:
        return " or ".join(self.roots) if self.roots else "nowhere (the buffer has no folder)"


class Match(NamedTuple):
    """One file found for a pattern: the entry as named, its real path, and which pattern
    named it (for the run's log)."""

    entry: str
    path: str
    why: str = ""


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _credentials_dir() -> str:
    return os.path.realpath(os.path.join(os.path.expanduser("~"), ".unsandbox"))


def file_scope(
    file_path: str | None,
    *,
    workspace_roots: Iterable[str] = (),
    extra_roots: Iterable[str] = (),
) -> FileScope:
    """The roots of a run of `file_path`: its folder, the workspace folders holding it, extras.

    A workspace folder counts only when the file lies in it; extra roots must be absolute
    (after `~`) and are the user's own choice. A buffer with no file (`None`) gets the extra
    roots only.
    """
    roots: list[str] = []
    if file_path:
        folder = os.path.realpath(os.path.dirname(os.path.abspath(file_path)))
        roots.append(folder)
        for workspace in workspace_roots:
            real = os.path.realpath(workspace)
            if _inside(folder, real) and real not in roots:
                roots.append(real)
    for extra in extra_roots:
        expanded = os.path.expanduser(extra)
        if os.path.isabs(expanded):
            real = os.path.realpath(expanded)
            if real not in roots:
                roots.append(real)
    return FileScope(tuple(roots))


def _contained(label: str, real: str, scope: FileScope) -> str:
    """`real` if a run may read it; else `FileRefused` naming `label`."""
    if in_pseudo_file_system(real):
        raise FileRefused(f"{label} is in /proc, /sys or /dev; only regular files are sent")
    if _inside(real, _credentials_dir()):
        raise FileRefused(
            f"{label} is in ~/.unsandbox, which holds your API keys; it is never sent"
        )
    if not scope.contains(real):
        raise FileRefused(
            f"{label} resolves to {real}, outside the folders a run may read ({scope.describe()}); "
            f"move the file there, or add its folder to unsandbox.extraRoots in your user "
            f"settings"
        )
    return real


def resolve_entry(entry: str, base: str, scope: FileScope, *, what: str = "input file") -> str:
    """The real path of `entry` (relative to `base`, `~` expanded); `FileRefused` if outside."""
    real = os.path.realpath(os.path.join(base, os.path.expanduser(entry)))
    return _contained(f"{what} {entry!r}", real, scope)


class _Budget:
    """Counts the entries a walk looks at and its time; `FileRefused` past either limit."""

    def __init__(self, pattern: str, where: str, entries: int, seconds: float) -> None:
        self.pattern, self.where = pattern, where
        self.left = entries
        self.limit = entries
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def tick(self) -> None:
        self.left -= 1
        if self.left < 0 or time.monotonic() > self.deadline:
            raise FileRefused(
                f"the file pattern {self.pattern!r} looked at more than {self.limit} entries "
                f"under {self.where} or took over {self.seconds:g} s; name the files more "
                f"precisely (for example data/*.csv instead of **/*.csv)"
            )


def _hidden_ok(name: str, segment: str) -> bool:
    return not name.startswith(".") or segment.startswith(".")


def _is_real_dir(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _entries(directory: str, budget: _Budget) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as listing:
            found = []
            for entry in listing:
                budget.tick()
                found.append(entry)
            return found
    except OSError:
        return []


def _walk(
    directory: str, shown: str, segments: list[str], out: list[tuple[str, str]], budget: _Budget
) -> None:
    """Append (shown name, path) of every entry matching `segments` below `directory`."""
    segment, rest = segments[0], segments[1:]
    if segment == "**":
        if rest:
            _walk(directory, shown, rest, out, budget)
        for entry in _entries(directory, budget):
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                _walk(entry.path, shown + entry.name + "/", segments, out, budget)
            elif not rest:
                out.append((shown + entry.name, entry.path))
        return
    if not _MAGIC.intersection(segment):
        path = os.path.join(directory, segment)
        if not rest:
            if os.path.lexists(path):
                out.append((shown + segment, path))
        elif _is_real_dir(path):
            _walk(path, shown + segment + "/", rest, out, budget)
        return
    for entry in _entries(directory, budget):
        if not _hidden_ok(entry.name, segment) or not fnmatch.fnmatchcase(entry.name, segment):
            continue
        if not rest:
            if not entry.is_dir(follow_symlinks=False):
                out.append((shown + entry.name, entry.path))
        elif entry.is_dir(follow_symlinks=False):
            _walk(entry.path, shown + entry.name + "/", rest, out, budget)


def find_files(
    pattern: str,
    base: str,
    scope: FileScope,
    *,
    max_entries: int = MAX_WALK_ENTRIES,
    max_seconds: float = MAX_WALK_SECONDS,
) -> list[Match]:
    """The files `pattern` names (a path or a glob relative to `base`), each one contained.

    Blocking (it walks directories): call it from a worker thread, as the language server
    does. `FileRefused` when the pattern, or a file it matches, lies outside `scope`, or when
    the walk passes its limits.
    """
    expanded = os.path.expanduser(pattern.strip())
    segments = [s for s in expanded.split("/") if s not in ("", ".")]
    split = next((i for i, s in enumerate(segments) if _MAGIC.intersection(s)), len(segments))
    prefix = "/".join(segments[:split])
    start = ("/" + prefix) if os.path.isabs(expanded) else prefix
    if split == len(segments):  # a plain path
        real = resolve_entry(pattern, base, scope)
        return [Match(pattern, real)] if os.path.lexists(real) else []
    # the directory the walk starts from must itself be contained
    root = resolve_entry(start or ".", base, scope, what=f"the folder of the pattern {pattern!r},")
    found: list[tuple[str, str]] = []
    if os.path.isdir(root):
        budget = _Budget(pattern, root, max_entries, max_seconds)
        _walk(root, prefix + "/" if prefix else "", segments[split:], found, budget)
    return [
        Match(entry, _contained(f"input file {entry!r}", os.path.realpath(path), scope))
        for entry, path in sorted(found)
    ]


def read_input_files(matches: Sequence[Match], base: str = ".") -> list[SentFile]:
    """Read the matched files (regular files only), checking the API's limits before reading.

    Files are placed side by side in the sandbox under their plain names, so two different
    files of one name are refused rather than one silently replacing the other. Each file's
    local path is its entry joined to `base` (the form it was named in).
    """
    unique: dict[str, Match] = {}
    for match in matches:
        unique.setdefault(match.path, match)
    by_name: dict[str, Match] = {}
    for match in unique.values():
        name = os.path.basename(match.entry.rstrip("/"))
        other = by_name.get(name)
        if other is not None:
            raise FileRefused(
                f"input files {other.entry!r} and {match.entry!r} would both be placed as "
                f"{name!r} beside the program; rename one or name only one of them"
            )
        by_name[name] = match
    if len(by_name) > MAX_INPUT_FILES:
        names = ", ".join(list(by_name)[:12])
        raise FileRefused(
            f"{len(by_name)} input files matched ({names}…), over the API's limit of "
            f"{MAX_INPUT_FILES}; name fewer files"
        )
    total = 0
    for match in by_name.values():
        try:
            total += os.stat(match.path).st_size
        except OSError:
            continue
    if total > MAX_INPUT_TOTAL_BYTES:
        raise FileRefused(
            f"the input files hold {total / (1024 * 1024):.1f} MiB in all, over the API's limit "
            f"of {MAX_INPUT_TOTAL_BYTES // (1024 * 1024)} MiB; send fewer or smaller files"
        )
    return [
        SentFile.from_bytes(
            name,
            read_regular_file(m.path, limit=MAX_INPUT_FILE_BYTES, label=f"input file {m.entry!r}"),
            path=os.path.normpath(os.path.join(base, m.entry)),
            origin="named",
            why=m.why,
        )
        for name, m in by_name.items()
    ]


def named_matches(
    optional: Sequence[str], required: Sequence[str], base: str | None, scope: FileScope
) -> list[Match]:
    """The files the patterns name, contained (blocking: the language server builds a run in a
    worker thread, `unsandbox_ls.runs.plan.build_plan`).

    `optional` patterns (the settings) may match nothing; each `required` one (the magic
    comment) must match a file. A buffer with no folder (`base` None) may not name files.
    """
    if not optional and not required:
        return []
    if base is None:
        if required:
            raise FileRefused("files= needs a file saved on disk (this buffer has no folder)")
        return []
    matches: list[Match] = []
    for pattern in optional:
        why = f"named by the inputFiles setting {pattern!r}"
        matches += [m._replace(why=why) for m in find_files(pattern, base, scope)]
    for pattern in required:
        found = find_files(pattern, base, scope)
        if not found:
            raise FileRefused(f"the file pattern {pattern!r} matched no file in {base}")
        why = f"named by files={pattern} in the magic comment"
        matches += [m._replace(why=why) for m in found]
    return matches


def input_files(
    optional: Sequence[str], required: Sequence[str], base: str | None, scope: FileScope
) -> list[SentFile]:
    """`named_matches`, read within the API's limits (`read_input_files`)."""
    return read_input_files(named_matches(optional, required, base, scope), base or ".")
