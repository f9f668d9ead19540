"""Code lens latency with 20 runs in flight, against the same server idle.

20 documents each start a run of a program sleeping a few seconds (the sandbox runs 4 at a time;
the others wait in its queue, and the server polls every one of them), then code lenses are
requested one after another, round-robin over the running documents. The baseline is the same
requests before any run started.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from benchmarks.lsp import Editor, language_server
from benchmarks.report import Figure, percentile
from benchmarks.sandbox import start_sandbox_server

IN_FLIGHT = 20
SLEEP_S = 6.0
PROGRAM = (
    "# %% setup\nimport time\n"
    f"time.sleep({SLEEP_S})\n"
    "# %% report\nprint('done')\n"
)  # fmt: skip


async def _lens_latencies(editor: Editor, uris: list[str], count: int) -> list[float]:
    samples = []
    for i in range(count):
        started = time.perf_counter()
        lenses = await editor.code_lens(uris[i % len(uris)])
        samples.append((time.perf_counter() - started) * 1000)
        if not lenses:
            raise RuntimeError("no code lens returned")
    return samples


async def measure(requests: int) -> list[Figure]:
    server = start_sandbox_server(max_jobs=4)
    try:
        with tempfile.TemporaryDirectory() as folder:
            env = {**server.env, "HOME": folder, "XDG_CACHE_HOME": os.path.join(folder, "cache")}
            async with language_server(env) as editor:
                uris = [
                    editor.open(Path(folder) / f"busy_{i}.py", PROGRAM) for i in range(IN_FLIGHT)
                ]
                await _lens_latencies(editor, uris, 20)  # warm up
                idle = await _lens_latencies(editor, uris, requests)
                run_ids = [
                    (await editor.command("unsandbox.runFile", uri))["runId"] for uri in uris
                ]
                deadline = time.monotonic() + 30
                while len([r for r in run_ids if r in editor.started]) < IN_FLIGHT:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the runs did not all start")
                    await asyncio.sleep(0.01)
                loaded = await _lens_latencies(editor, uris, requests)
                still = IN_FLIGHT - len([r for r in run_ids if r in editor.finished])
                running = 0
                for uri in uris:
                    titles = [lens.command.title for lens in await editor.code_lens(uri)
                              if lens.command]  # fmt: skip
                    running += "⏹ Cancel" in titles
                for uri in uris:
                    await editor.command("unsandbox.cancel", uri)
    finally:
        server.stop()
    return [
        Figure(
            f"code lens p99, {IN_FLIGHT} runs in flight", percentile(loaded, 0.99),
            percentile(idle, 0.99), "ms", "max", 20.0,
            f"baseline: idle server; median {percentile(loaded, 0.5):.1f} ms loaded; "
            f"{still} runs still in flight after sampling, {running} showing Cancel",
            len(loaded),
        )
    ]  # fmt: skip
