"""Each file's recent run times, to poll around the expected end (`api/run_mode.py`).

Keyed by file + language + kind (a SHA-256 digest of the three: the store holds no path and
nothing of the program, its environment or credentials), the last `KEEP_RUNS` run times in
seconds (submission to the job's end) per key, for at most `KEEP_FILES` keys (the least
recently run dropped first). Kept in memory and in `<user cache>/run-times.json`, so they
survive a restart and are shared by the language server and `unsandbox-ls run`. The file is
rewritten whole (a temporary file renamed over it) after each run, merged with what another
process wrote meanwhile; a file that does not parse, or is no regular file (a FIFO would block
the read), is ignored (and replaced at the next run). The server and the CLI read and write the
store on one thread of its own (`recent_off_loop`, `learn_off_loop`), in order, never on the
event loop.

Standard library only at import time; platformdirs is imported when the store is first used.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from unsandbox_ls.lazy_logger import lazy_logger

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

from unsandbox_ls.runs.safe_read import FileRefused, read_regular_file

logger = lazy_logger(__name__)

KEEP_RUNS = 5
KEEP_FILES = 500
#: run times outside this range are not remembered (seconds)
LONGEST = 24 * 3600.0
#: only runs whose program ran to its end teach anything about the next one
LEARN_FROM = ("completed", "failed")
#: the file holds at most KEEP_FILES keys of a few dozen bytes each; more is not ours
MAX_FILE_BYTES = 4 * 1024 * 1024


def key_for(file: str, language: str | None, kind: str) -> str:
    text = f"{file}\0{language or ''}\0{kind}"
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def default_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("unsandbox-ls")) / "run-times.json"


class RunTimes:
    """The store; `path=None` keeps it in memory only."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, dict[str, Any]] = {}
        self._loaded = False
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict[str, Any]]:
        if self.path is None:
            return {}
        if not self.path.exists():
            return {}
        try:
            data = json.loads(read_regular_file(self.path, limit=MAX_FILE_BYTES))
        except FileRefused as exc:
            logger.info("ignoring the run-time cache: %s", exc)
            return {}
        except ValueError as exc:
            logger.info("ignoring the run-time cache %s: %s", self.path, exc.__class__.__name__)
            return {}
        entries = data.get("runs") if isinstance(data, dict) else None
        if not isinstance(entries, dict):
            return {}
        clean: dict[str, dict[str, Any]] = {}
        for key, entry in entries.items():
            times = entry.get("t") if isinstance(entry, dict) else None
            used = entry.get("u", 0) if isinstance(entry, dict) else 0
            if not isinstance(key, str) or not isinstance(times, list):
                continue
            kept = [float(t) for t in times if _valid(t)][-KEEP_RUNS:]
            if kept:
                clean[key] = {"t": kept, "u": used if isinstance(used, (int, float)) else 0}
        return clean

    def _load(self) -> None:
        if not self._loaded:
            self._entries = self._read()
            self._loaded = True

    def recent(self, key: str) -> tuple[float, ...]:
        """The key's recent run times, oldest first (empty when none is known)."""
        with self._lock:
            self._load()
            entry = self._entries.get(key)
            return tuple(entry["t"]) if entry else ()

    def record(self, key: str, seconds: float) -> None:
        if not _valid(seconds):
            return
        with self._lock:
            self._record(key, seconds)

    def _record(self, key: str, seconds: float) -> None:
        self._load()
        merged = {**self._read(), **self._entries} if self.path is not None else self._entries
        entry = merged.get(key) or {"t": []}
        merged[key] = {"t": [*entry["t"], round(float(seconds), 4)][-KEEP_RUNS:], "u": time.time()}
        if len(merged) > KEEP_FILES:
            newest = sorted(merged, key=lambda k: merged[k].get("u", 0), reverse=True)
            merged = {k: merged[k] for k in newest[:KEEP_FILES]}
        self._entries = merged
        self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # a fresh name of its own, written then renamed (tempfile would load shutil, bz2 and
            # lzma on every run of the command line)
            temp = self.path.parent / f".run-times.{os.urandom(6).hex()}"
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"version": 1, "runs": self._entries}, handle, separators=(",", ":"))
            os.replace(temp, self.path)
        except OSError as exc:
            logger.info("could not save run times to %s: %s", self.path, exc)


def _valid(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= LONGEST


_store: RunTimes | None = None


def store() -> RunTimes:
    """The process's store, in the user cache directory."""
    global _store
    if _store is None:
        _store = RunTimes(default_path())
    return _store


def recent(file: str, language: str | None, kind: str) -> tuple[float, ...]:
    return store().recent(key_for(file, language, kind))


def learn(file: str, language: str | None, kind: str, status: str, run_s: float | None) -> None:
    """Remember a run's time when its program ran to its end."""
    if run_s is None or status not in LEARN_FROM:
        return
    store().record(key_for(file, language, kind), run_s)


_thread: ThreadPoolExecutor | None = None


def _store_thread() -> ThreadPoolExecutor:
    """The store's one thread (made at the first use: the command line's quick path has none)."""
    global _thread
    if _thread is None:
        from concurrent.futures import ThreadPoolExecutor

        _thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="unsandbox-run-times")
    return _thread


async def recent_off_loop(file: str, language: str | None, kind: str) -> tuple[float, ...]:
    """`recent`, on the store's thread (after any run time still being recorded)."""
    import asyncio

    return await asyncio.wrap_future(_store_thread().submit(recent, file, language, kind))


def learn_off_loop(
    file: str, language: str | None, kind: str, status: str, run_s: float | None
) -> Future[None]:
    """`learn`, queued on the store's thread."""
    return _store_thread().submit(learn, file, language, kind, status, run_s)


__all__ = [
    "KEEP_FILES",
    "KEEP_RUNS",
    "RunTimes",
    "key_for",
    "learn",
    "learn_off_loop",
    "recent",
    "recent_off_loop",
    "store",
]
