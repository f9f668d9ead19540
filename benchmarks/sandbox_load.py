"""The local sandbox: hello world through HTTP + bubblewrap against bare `python3`, and 20 at once.

The sandbox's figure is one signed `POST /execute` (an httpx client opened beforehand) until the
decoded answer; the baseline is `python3 file.py` started directly by `subprocess.run` with the
same interpreter as the sandbox (which reports its `sys.executable`). Runs alternate. Then 20
runs are sent at once (the sandbox runs 4 at a time) and every one must succeed.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.report import Figure, median
from benchmarks.sandbox import direct_execute, start_sandbox_server

HELLO = 'print("hello")\n'
CONCURRENT = 20


def bare_python(python: str, path: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run([python, str(path)], capture_output=True, timeout=60, check=True)
    elapsed = time.perf_counter() - started
    if done.stdout != b"hello\n":
        raise RuntimeError(f"unexpected output {done.stdout!r}")
    return elapsed


async def measure(repeats: int) -> list[Figure]:
    server = start_sandbox_server(max_jobs=4)
    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "hello.py"
            path.write_text(HELLO, encoding="utf-8")
            async with httpx.AsyncClient(timeout=120) as http:
                await direct_execute(http, server, HELLO)
                # the interpreter the sandbox runs (bound at the same path inside it)
                found = server.execute("python", "import sys\nprint(sys.executable)")
                python = found["stdout"].strip()
                bare_python(python, path)
                sandboxed: list[float] = []
                bare: list[float] = []
                for i in range(repeats):
                    if i % 2:
                        bare.append(bare_python(python, path))
                    sandboxed.append(await direct_execute(http, server, HELLO))
                    if not i % 2:
                        bare.append(bare_python(python, path))

                async def one(i: int) -> bool:
                    code = f"print({i})\n"
                    try:
                        await direct_execute(http, server, code)
                    except Exception:
                        return False
                    return True

                started = time.perf_counter()
                outcomes = await asyncio.gather(*(one(i) for i in range(CONCURRENT)))
                wall = time.perf_counter() - started
    finally:
        server.stop()
    failures = outcomes.count(False)
    return [
        Figure(
            "sandbox hello world (HTTP + bubblewrap)", median(sandboxed) * 1000,
            median(bare) * 1000, "ms", "ratio", 1.5,
            f"baseline: bare {os.path.basename(python)} file.py", repeats,
        ),
        Figure(
            f"sandbox: failures among {CONCURRENT} concurrent runs", float(failures), None, "",
            "max", 0.0, f"all {CONCURRENT} done in {wall * 1000:.0f} ms (4 slots)", CONCURRENT,
        ),
    ]  # fmt: skip
