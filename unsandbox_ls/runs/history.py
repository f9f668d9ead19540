"""The per-workspace record of runs, shared by the language server and `unsandbox-ls run`.

One JSON line per finished run in `<user cache>/history/<hash of the workspace root>.jsonl`,
appended under an exclusive lock (`<same name>.lock`) so the server and the CLI can write at
once; the file keeps the last `KEEP` runs and at most `MAX_STORE_BYTES`. Only its tail (that
many bytes) is ever read, so a store grown huge (or garbage appended to it) costs a bounded
read, and the next append trims it back. A record holds what a user needs to find a run again
(file, kind, language, status, exit code, duration, when, job id, files sent, log path) and
never the environment, the credentials or the output itself: the output stays in the run's log
file, which is where `diff_last_runs` reads it from. A line that does not parse is skipped.
The row itself is made by `runs.report.history_row`, the same for the server and the CLI.
A record's `logPath` is read only if it is a regular file inside the cache's `runs/` folder (where
runs write their logs), of at most `MAX_LOG_BYTES`: a record pointing at a FIFO, a device or any
other file of the user's is refused, and the diff says so.

Reading and writing block (file locks, disk): the language server calls this module from a
worker thread.

The workspace of a file is the nearest folder above it holding `.git`, `.hg`, `.svn`, `.jj` or
`.helix` (what Helix calls the workspace), else the editor's workspace folder holding it (or the
CLI's working directory), else the file's own folder.

Standard library only at import time; platformdirs is imported when the store is first used.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

#: runs kept per workspace
KEEP = 200
#: the most of a store that is read (its tail), and what an append trims it back to
MAX_STORE_BYTES = 1024 * 1024
#: the largest run log read for a diff (two capped outputs and a header fit well within)
MAX_LOG_BYTES = 8 * 1024 * 1024
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
def _tail_lines(store: Path, limit: int = MAX_STORE_BYTES) -> tuple[list[bytes], bool]:
    """The whole lines of the last `limit` bytes of the store (a line cut by the start of the
    tail is dropped), and whether anything before them was left unread. Never blocks on a
    FIFO; ([], False) when there is no regular file."""
    try:
        fd = os.open(store, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return [], False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return [], False
        # one byte more than the tail: it tells whether the tail's first line is whole
        start = max(info.st_size - limit - 1, 0)
        chunks: list[bytes] = []
        offset = start
        while offset < info.st_size:
            chunk = os.pread(fd, min(info.st_size - offset, 1024 * 1024), offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    cut = start > 0
    if cut:
        newline = data.find(b"\n")  # the line the tail cuts ends there
        data = data[newline + 1 :] if newline >= 0 else b""
    return data.splitlines(keepends=True), cut


def append(root: Path, record: Mapping[str, Any], keep: int = KEEP) -> Path:
    """Append one record to the workspace's history, keeping the last `keep` lines and at
    most `MAX_STORE_BYTES` (only that tail is read)."""
    store = store_path(root)
    line = (json.dumps(dict(record), ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    with _locked(store):
        fd = os.open(store, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK, 0o600)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(f"{store} is not a regular file")
            os.write(fd, line)
        finally:
            os.close(fd)
        lines, cut = _tail_lines(store)
        if cut or len(lines) > keep:
            kept = lines[-keep:]
            while kept and sum(map(len, kept)) > MAX_STORE_BYTES:
                kept = kept[1:]
            spare = store.with_suffix(f".{os.getpid()}.tmp")
            spare.write_bytes(b"".join(kept))
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
    """Every readable record of the workspace (in the store's last `MAX_STORE_BYTES`), oldest
    first."""
    records: list[dict[str, Any]] = []
    for line in _tail_lines(store_path(root))[0]:
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


class LogRefused(Exception):
    """A record's log that is not read; the message says why."""


def _runs_folder() -> Path:
    from unsandbox_ls.runs.output import cache_dir

    return cache_dir() / "runs"


def read_log(log_path: str) -> str:
    """The stdout and stderr sections of a run's log (what a diff compares); `LogRefused`
    unless it is a regular file inside the cache's `runs/` folder of at most `MAX_LOG_BYTES`."""
    from unsandbox_ls.runs.safe_read import FileRefused, read_regular_file

    folder = os.path.realpath(_runs_folder())
    real = os.path.realpath(log_path)
    if os.path.dirname(real) != folder:
        raise LogRefused(f"{log_path} is not a run log in {folder}; it was not read")
    try:
        data = read_regular_file(real, limit=MAX_LOG_BYTES, label=log_path)
    except FileRefused as exc:
        raise LogRefused(f"{exc}; it was not read") from None
    text = data.decode("utf-8", errors="replace")
    start = text.find("\n\n" + _STDOUT_MARK)
    return text[start + 2 :] if start >= 0 else text


def read_output(log_path: str | None) -> str | None:
    """`read_log`, or None when the record has no log or it is refused or gone."""
    if not log_path:
        return None
    try:
        return read_log(log_path)
    except LogRefused:
        return None


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
    import difflib  # only here: not on the path of a run

    runs: list[tuple[dict[str, Any], str]] = []
    refused: list[str] = []
    for record in runs_of(file, folders):
        log_path = record.get("logPath")
        if not isinstance(log_path, str) or not log_path:
            continue
        try:
            runs.append((record, read_log(log_path)))
        except LogRefused as exc:
            refused.append(str(exc))
        if len(runs) == 2:
            break
    if len(runs) < 2:
        name = os.path.basename(file)
        why = f" (skipped: {'; '.join(refused[:3])})" if refused else ""
        return (
            f"unsandbox: {name} has {len(runs)} run(s) with output in the history{why}; "
            f"run it twice"
        )
    (latest, new), (previous, old) = runs
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
    """A plain table, newest first: when, file, kind, result, duration, job, log; every cell
    on one line with its control characters visible (`runs.terminal.escape_line`)."""
    from unsandbox_ls.runs.terminal import escape_line

    rows: list[tuple[str, ...]] = [("WHEN", "FILE", "KIND", "RESULT", "TIME", "JOB", "LOG")]
    for r in records:
        file = str(r.get("file", ""))
        if cwd and file.startswith(cwd.rstrip(os.sep) + os.sep):
            file = file[len(cwd.rstrip(os.sep)) + 1 :]
        raw = (
            str(r.get("when", "")).replace("T", " ").rstrip("Z"),
            file,
            str(r.get("kind", "")),
            _exit(r),
            _seconds(r.get("durationMs")),
            str(r.get("jobId") or "-"),
            str(r.get("logPath") or "-"),
        )
        rows.append(tuple(escape_line(cell) for cell in raw))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)]
        lines.append("  ".join([*cells, row[-1]]))
    return "\n".join(lines)
