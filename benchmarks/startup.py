"""Spawn → `initialize` result and idle RSS: unsandbox-ls against a minimal pygls server."""

from __future__ import annotations

import asyncio
import os
import sys

from benchmarks.lsp import MINIMAL, SERVER, rss_kib, spawn_and_initialize, stop
from benchmarks.report import Figure, median

IDLE_S = 0.5


async def _one(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    editor, elapsed = await spawn_and_initialize(command, env)
    try:
        await asyncio.sleep(IDLE_S)
        rss = rss_kib(editor.pid)
    finally:
        await stop(editor)
    return elapsed, rss


def deferred_modules() -> list[str]:
    """Modules that must not be loaded before the first run, found loaded after start-up."""
    code = (
        "import sys\n"
        "from unsandbox_ls.cli import build_parser\n"
        "from unsandbox_ls.server.server import create_server\n"
        "build_parser(); create_server()\n"
        "heavy = ('httpx', 'httpcore', 'anyio', 'h11', 'platformdirs', 'unsandbox_ls.problems',\n"
        "         'unsandbox_ls.api.client', 'unsandbox_ls.api.models', 'starlette', 'uvicorn')\n"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in heavy\n"
        "      or m.startswith(heavy))))\n"
    )
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return out.stdout.split()


async def measure(repeats: int) -> list[Figure]:
    env = dict(os.environ)
    # warm the file system cache of both before measuring
    await _one(SERVER, env)
    await _one(MINIMAL, env)
    ours_t: list[float] = []
    base_t: list[float] = []
    ours_rss: list[int] = []
    base_rss: list[int] = []
    for _ in range(repeats):
        t, r = await _one(MINIMAL, env)
        base_t.append(t)
        base_rss.append(r)
        t, r = await _one(SERVER, env)
        ours_t.append(t)
        ours_rss.append(r)
    loaded = deferred_modules()
    note = "deferred modules loaded at start-up: " + (", ".join(loaded) if loaded else "none")
    return [
        Figure(
            "spawn → initialize result", median(ours_t) * 1000, median(base_t) * 1000, "ms",
            "ratio", 1.05, "baseline: minimal pygls server", repeats,
        ),
        Figure(
            "idle RSS after initialize", median(ours_rss) / 1024, median(base_rss) / 1024, "MiB",
            "ratio", 1.15, note, repeats,
        ),
    ]  # fmt: skip
