"""Per-run overhead: command → `unsandbox/runFinished` minus a direct HTTP call, same program.

Also: click → result of a trivial re-run in the default (`auto`) mode, as a ratio to the
direct call measured alongside (a re-run of a file known to be short is one `POST /execute`),
and the same in `async` mode (submit, then polls around the learned end) for comparison.

The language server runs in `sync` mode (one `POST /execute`, as the direct call does), so the
difference is what the server adds: reading the buffer, building and signing the request, a new
connection, parsing the output, writing the log, publishing diagnostics and the notification.
The direct call uses an httpx client opened beforehand (the floor of one HTTP round trip). The
editor side is a bare JSON-RPC reader (`rawlsp`), about as cheap as an editor's own. Runs
alternate (server first, then direct first) and the check is the difference of the medians; the
median of the paired differences is noted too.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.rawlsp import raw_language_server
from benchmarks.report import Figure, median
from benchmarks.sandbox import SandboxServer, direct_execute, start_sandbox_server

PROGRAM = 'print("hello")\n'


async def _paired(
    server: SandboxServer, folder: str, options: dict[str, Any], repeats: int
) -> tuple[list[float], list[float]]:
    """command → runFinished of hello world, and a direct POST /execute, alternating."""
    env = {**server.env, "HOME": folder, "XDG_CACHE_HOME": os.path.join(folder, "cache")}
    ours: list[float] = []
    direct: list[float] = []
    async with raw_language_server(env, options) as editor:
        uri = editor.open(Path(folder) / "hello.py", PROGRAM)
        async with httpx.AsyncClient(timeout=120) as http:
            for i in range(repeats + 2):
                if i % 2:
                    seconds = await direct_execute(http, server, PROGRAM)
                started = time.time()
                answer = await editor.request(
                    "workspace/executeCommand",
                    {"command": "unsandbox.runFile", "arguments": [uri]},
                )
                arrived, params = await editor.finished(answer["runId"])
                if params["status"] != "completed" or params["exitCode"] != 0:
                    raise RuntimeError(f"run failed: {params['summary']}")
                if not i % 2:
                    seconds = await direct_execute(http, server, PROGRAM)
                if i >= 2:  # the first runs import httpx and the parsers (and teach the run time)
                    ours.append(arrived - started)
                    direct.append(seconds)
    return ours, direct


async def measure(repeats: int) -> list[Figure]:
    server = start_sandbox_server(max_jobs=4)
    try:
        with tempfile.TemporaryDirectory() as folder:
            ours, direct = await _paired(server, folder, {"unsandbox": {"mode": "sync"}}, repeats)
        with tempfile.TemporaryDirectory() as folder:
            auto, auto_direct = await _paired(server, folder, {"unsandbox": {}}, repeats)
        with tempfile.TemporaryDirectory() as folder:
            polled, polled_direct = await _paired(
                server, folder, {"unsandbox": {"mode": "async"}}, max(4, repeats // 3)
            )
    finally:
        server.stop()
    diffs = [(a - b) * 1000 for a, b in zip(ours, direct, strict=True)]
    return [
        Figure(
            "run overhead (command → runFinished - direct POST /execute)",
            median(ours) * 1000, median(direct) * 1000, "ms", "diff", 5.0,
            f"median of paired differences {median(diffs):+.1f} ms; sync mode, hello world",
            len(diffs),
        ),
        Figure(
            "click → runFinished, trivial re-run (default mode)",
            median(auto) * 1000, median(auto_direct) * 1000, "ms", "ratio", 1.3,
            "baseline: direct POST /execute of the same program; the default (auto) mode "
            "sends a re-run whose recent runs ended within 5 s as one POST /execute",
            len(auto),
        ),
        Figure(
            "  the same, mode async (learned polling)",
            median(polled) * 1000, median(polled_direct) * 1000, "ms", "ratio", None,
            "submit + polls around the learned end (a first run polls at 100 ms: ~3x)",
            len(polled),
        ),
    ]  # fmt: skip
