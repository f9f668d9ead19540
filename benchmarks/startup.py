"""Spawn → `initialize` result and idle RSS: unsandbox-ls against a minimal pygls server.

Both servers run with a bytecode cache (`PYTHONPYCACHEPREFIX` in a temporary folder, filled by
the warm-up runs), as after `pip install`, which compiles every module. Without one (an editable
install with `PYTHONDONTWRITEBYTECODE=1`) the server's own modules are compiled from source at
every start while pygls's come precompiled: that figure is printed too, for information.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from dataclasses import replace

from benchmarks.lsp import MINIMAL, SERVER, rss_kib, spawn_and_initialize, stop
from benchmarks.report import Figure, median

IDLE_S = 0.5


def cpu_seconds(pid: int) -> float:
    """CPU time the process has run so far, all threads (/proc/<pid>/task/*/schedstat, ns)."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/schedstat", encoding="ascii") as handle:
            total += int(handle.read().split()[0])
    return total / 1e9


async def _one(command: list[str], env: dict[str, str]) -> tuple[float, int, float]:
    editor, elapsed = await spawn_and_initialize(command, env)
    try:
        cpu = cpu_seconds(editor.pid)
        await asyncio.sleep(IDLE_S)
        rss = rss_kib(editor.pid)
    finally:
        await stop(editor)
    return elapsed, rss, cpu


def deferred_modules() -> list[str]:
    """Modules that must not be loaded before the first run, found loaded after start-up."""
    code = (
        "import sys\n"
        "from unsandbox_ls.cli import build_parser\n"
        "from unsandbox_ls.server.app import create_server\n"
        "build_parser(); create_server()\n"
        "heavy = ('httpx', 'httpcore', 'anyio', 'h11', 'httptools', 'platformdirs',\n"
        "         'unsandbox_ls.problems',\n"
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
    with tempfile.TemporaryDirectory() as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        figures = await _measure(env, repeats)
    uncached = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    uncached.pop("PYTHONPYCACHEPREFIX", None)
    more = await _measure(uncached, max(3, repeats // 3))
    figures.insert(
        2,
        replace(
            more[0],
            name="  the same without a bytecode cache",
            kind="info",
            limit=None,
            note="PYTHONDONTWRITEBYTECODE=1: the server's own modules compile at every start",
        ),
    )
    return figures


async def _measure(env: dict[str, str], repeats: int) -> list[Figure]:
    # warm the caches (file system, bytecode) of both before measuring
    for _ in range(2):
        await _one(SERVER, env)
        await _one(MINIMAL, env)
    ours_t: list[float] = []
    base_t: list[float] = []
    ours_rss: list[int] = []
    base_rss: list[int] = []
    ours_cpu: list[float] = []
    base_cpu: list[float] = []
    for _ in range(repeats):
        t, r, c = await _one(MINIMAL, env)
        base_t.append(t)
        base_rss.append(r)
        base_cpu.append(c)
        t, r, c = await _one(SERVER, env)
        ours_t.append(t)
        ours_rss.append(r)
        ours_cpu.append(c)
    loaded = deferred_modules()
    note = "deferred modules loaded at start-up: " + (", ".join(loaded) if loaded else "none")
    return [
        Figure(
            "spawn → initialize result", median(ours_t) * 1000, median(base_t) * 1000, "ms",
            "ratio", 1.05, "baseline: minimal pygls server", repeats,
        ),
        Figure(
            "  CPU time of the server until then", median(ours_cpu) * 1000,
            median(base_cpu) * 1000, "ms", "info", None,
            "less sensitive to other load on the machine than the wall time", repeats,
        ),
        Figure(
            "idle RSS after initialize", median(ours_rss) / 1024, median(base_rss) / 1024, "MiB",
            "ratio", 1.15, note, repeats,
        ),
    ]  # fmt: skip
