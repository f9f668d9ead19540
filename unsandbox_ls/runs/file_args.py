"""The arguments remembered for a file ("Run with arguments…"): `<user cache>/unsandbox-ls/
file-args.json`, `{local path: [arg, …]}`, at most 500 files (the oldest set dropped first).

A file's remembered arguments are its `args` setting: the file's magic comment still wins,
except on the run that "Run with arguments…" itself starts.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

MAX_FILES = 500
_lock = threading.Lock()


def _store() -> Path:
    from unsandbox_ls.runs.output import cache_dir

    return cache_dir() / "file-args.json"


def _load() -> dict[str, list[str]]:
    try:
        data = json.loads(_store().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        k: v
        for k, v in data.items()
        if isinstance(k, str) and isinstance(v, list) and all(isinstance(a, str) for a in v)
    }


def remembered(path: str) -> tuple[str, ...] | None:
    """The arguments remembered for the file at `path`, or None."""
    with _lock:
        found = _load().get(os.path.realpath(path))
    return tuple(found) if found is not None else None


def remember(path: str, args: tuple[str, ...] | None) -> None:
    """Remember `args` for the file (None or empty: forget them). Never raises."""
    key = os.path.realpath(path)
    with _lock:
        data = _load()
        data.pop(key, None)
        if args:
            data[key] = list(args)
        while len(data) > MAX_FILES:
            data.pop(next(iter(data)))
        store = _store()
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            partial = store.with_suffix(".tmp")
            partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(partial, store)
        except OSError:
            pass
