"""The per-workspace record of runs, shared by the language server and `unsandbox-ls run`.

One JSON line per finished run in `<user cache>/history/<hash of the workspace root>.jsonl`,
appended under an exclusive lock (`<same name>.lock`) so the server and the CLI can write at
once; the file keeps the last `KEEP` runs. A record holds what a user needs to find a run again
(file, kind, language, status, exit code, duration, when, job id, files sent, log path) and
never the environment, the credentials or the output itself: the output stays in the run's log
file, which is where `diff_last_runs` reads it from. A line that does not parse is skipped.
The row itself is made by `runs.report.history_row`, the same for the server and the CLI.

The workspace of a file is the nearest folder above it holding `.git`, `.hg`, `.svn`, `.jj` or
`.helix` (what Helix calls the workspace), else the editor's workspace folder holding it (or the
CLI's working directory), else the file's own folder.

Standard library only at import time; platformdirs is imported when the store is first used.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: runs kept per workspace
KEEP = 200
MARKERS = (".git", ".hg", ".svn", ".jj", ".helix")
#: the fields of a record, in the order a table shows them
FIELDS = (
    "when", "file", "kind", "language", "status", "exitCode", "durationMs", "jobId",
    "files", "logPath", "summary", "source", "runId",
)  # fmt: skip
_CODE_MARK = "=== code ===\n"
_STDOUT_MARK = "=== stdout ===\n"
_STDERR_MARK = "\n=== stderr ===\n"


# -- where -------------------------------------------------------------------------------------
def workspace_root(file: str | os.PathLike[str], folders: Iterable[str] = ()) -> Path:
    """The workspace a file's runs are recorded under (see the module docstring)."""
    path = Path(os.path.realpath(file))
    for parent in path.parents:
        if any((parent / marker).exists() for marker in MARKERS):
            return parent
    inside = [
        Path(os.path.realpath(f)) for f in folders if path.is_relative_to(os.path.realpath(f))
    ]
    if inside:
        return max(inside, key=lambda p: len(p.parts))
    return path.parent


def folder_root(folder: str | os.PathLike[str], folders: Iterable[str] = ()) -> Path:
    """The workspace of the files directly in `folder` (for listing a whole workspace)."""
    return workspace_root(Path(folder, "-"), folders)


def store_path(root: Path) -> Path:
    import platformdirs

    digest = hashlib.sha256(str(root).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("unsandbox-ls")) / "history" / f"{digest}.jsonl"


@contextlib.contextmanager
def _locked(store: Path) -> Iterator[None]:
    store.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(store.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            import fcntl
        except ImportError:  # Windows: appends stay whole lines; trimming may race
            yield
            return
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


# -- writing -----------------------------------------------------------------------------------
def append(root: Path, record: Mapping[str, Any], keep: int = KEEP) -> Path:
    """Append one record to the workspace's history, keeping the last `keep` lines."""
    store = store_path(root)
    line = (json.dumps(dict(record), ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    with _locked(store):
        fd = os.open(store, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
        lines = store.read_bytes().splitlines(keepends=True)
        if len(lines) > keep:
            spare = store.with_suffix(f".{os.getpid()}.tmp")
            spare.write_bytes(b"".join(lines[-keep:]))
            os.replace(spare, store)
    return store


def record(row: Mapping[str, Any], *, path: str, folders: Iterable[str] = ()) -> None:
    """Append a run's row (`runs.report.history_row`) to the history of `path`'s workspace;
    never raises (a run must not fail because its history could not be written)."""
    try:
        append(workspace_root(path, folders), row)
    except Exception as exc:  # the history is a convenience: log and go on
        logger.warning("could not record the run in the history: %s", exc)


# -- reading -----------------------------------------------------------------------------------
def load(root: Path) -> list[dict[str, Any]]:
    """Every readable record of the workspace, oldest first."""
    try:
        raw = store_path(root).read_bytes()
    except FileNotFoundError:
        return []
    records: list[dict[str, Any]] = []
    for line in raw.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn or foreign line: skip it, keep the rest
        if isinstance(record, dict) and isinstance(record.get("file"), str):
            records.append(record)
    return records


def runs_of(
    file: str | None, folders: Iterable[str] = (), roots: Iterable[Path] = ()
) -> list[dict[str, Any]]:
    """The runs of `file` (or, without a file, of the workspaces `roots`), newest first."""
    if file:
        real = os.path.realpath(file)
        records = [r for r in load(workspace_root(real, folders)) if r["file"] == real]
    else:
        records = [r for root in dict.fromkeys(roots) for r in load(root)]
        records.sort(key=lambda r: str(r.get("when", "")))
    return records[::-1]


def read_output(log_path: str | None) -> str | None:
    """The stdout and stderr sections of a run's log (what a diff compares), or None."""
    if not log_path:
        return None
    try:
        text = Path(log_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    start = text.find("\n\n" + _STDOUT_MARK)
    return text[start + 2 :] if start >= 0 else text


def read_code(log_path: str | None) -> str | None:
    """The file's text as it ran, kept in the run's log (None for a log without it)."""
    if not log_path:
        return None
    try:
        text = Path(log_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    start = text.find("\n\n" + _CODE_MARK)
    end = text.find("\n\n" + _STDOUT_MARK, start + 1)
    if start < 0 or end < 0:
        return None
    return text[start + 2 + len(_CODE_MARK) : end]


def split_output(output: str) -> tuple[str, str]:
    """(stdout, stderr) of a log's output sections (stdout ends at the last stderr marker)."""
    body = output.removeprefix(_STDOUT_MARK)
    stdout, _, stderr = body.rpartition(_STDERR_MARK)
    return (stdout, stderr) if _ else (body, "")


# -- comparing ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class RunDiff:
    previous: dict[str, Any]
    latest: dict[str, Any]
    header: str
    diff: list[str]


def diff_last_runs(file: str, folders: Iterable[str] = ()) -> RunDiff | str:
    """The last two runs of `file` that left a log, compared; or why they cannot be."""
    runs = [r for r in runs_of(file, folders) if read_output(r.get("logPath")) is not None]
    if len(runs) < 2:
        name = os.path.basename(file)
        return f"unsandbox: {name} has {len(runs)} run(s) with output in the history; run it twice"
    latest, previous = runs[0], runs[1]
    old = read_output(previous.get("logPath")) or ""
    new = read_output(latest.get("logPath")) or ""
    for record, text in ((previous, old), (latest, new)):
        record["stdout"], record["stderr"] = split_output(text)
        code = read_code(record.get("logPath"))
        record["code"] = code
        # the code's lines first, so that the diff opens on what changed in the program
        record["output"] = (_CODE_MARK + code + "\n" if code is not None else "") + text
    old, new = previous["output"], latest["output"]
    diff = list(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"previous {previous.get('when', '?')}",
            tofile=f"latest {latest.get('when', '?')}",
        )
    )
    return RunDiff(previous, latest, change_line(previous, latest), diff)


def _seconds(ms: Any) -> str:
    return f"{ms / 1000:.2f} s" if isinstance(ms, (int, float)) else "? s"


def _exit(record: Mapping[str, Any]) -> str:
    code = record.get("exitCode")
    return f"exit {code}" if code is not None else str(record.get("status", "?"))


def change_line(previous: Mapping[str, Any], latest: Mapping[str, Any]) -> str:
    """`exit 0 → exit 1 · 0.31 s → 0.42 s (+0.11 s)`."""
    old_ms, new_ms = previous.get("durationMs"), latest.get("durationMs")
    delta = ""
    if isinstance(old_ms, (int, float)) and isinstance(new_ms, (int, float)):
        delta = f" ({(new_ms - old_ms) / 1000:+.2f} s)"
    exits = (
        f"{_exit(previous)} → {_exit(latest)}"
        if _exit(previous) != _exit(latest)
        else f"{_exit(latest)} (unchanged)"
    )
    return f"{exits} · {_seconds(old_ms)} → {_seconds(new_ms)}{delta}"


def table(records: Sequence[Mapping[str, Any]], cwd: str | None = None) -> str:
    """A plain table, newest first: when, file, kind, result, duration, job, log."""
    rows = [("WHEN", "FILE", "KIND", "RESULT", "TIME", "JOB", "LOG")]
    for r in records:
        file = str(r.get("file", ""))
        if cwd and file.startswith(cwd.rstrip(os.sep) + os.sep):
            file = file[len(cwd.rstrip(os.sep)) + 1 :]
        rows.append(
            (
                str(r.get("when", "")).replace("T", " ").rstrip("Z"),
                file,
                str(r.get("kind", "")),
                _exit(r),
                _seconds(r.get("durationMs")),
                str(r.get("jobId") or "-"),
                str(r.get("logPath") or "-"),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]))
    return "\n".join(lines)
