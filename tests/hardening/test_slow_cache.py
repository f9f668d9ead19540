"""The cache directory can stall (a slow disk, a FIFO where a file should be): the run-time
store is read and written on a thread of its own, logs and artifacts in worker threads, so the
event loop goes on answering code lenses throughout, and the run still ends.

Here `run-times.json` is a FIFO nobody writes: opening it to read would wait for good. Before
the store moved off the loop, the first run froze the whole server at that open.
"""

from __future__ import annotations

import asyncio
import errno
import os
import statistics
import time
from pathlib import Path

from support.lsp_session import LspSession, start_session

SLEEPER = "import time\ntime.sleep(1.5)\nprint('slept')\n"
#: only a hang detector: the server answers a code lens in milliseconds
HANG_S = 5.0


async def lens_latency(session: LspSession, uri: str) -> float:
    started = time.monotonic()
    await session.code_lenses(uri)
    return time.monotonic() - started


def release(fifo: Path) -> None:
    """Give any reader still waiting on the FIFO an end of file (so no server hangs here)."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:  # ENXIO: nobody is reading; the path may be a file by now
        assert exc.errno in (errno.ENXIO, errno.ENOENT, errno.ENOTDIR, errno.EISDIR), exc
        return
    os.close(fd)


async def test_code_lenses_answer_while_the_run_time_store_is_a_fifo(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    store = workspace / ".cache" / "unsandbox-ls" / "run-times.json"
    store.parent.mkdir(parents=True)
    os.mkfifo(store)
    try:
        async with start_session("visual-studio-code", sandbox_env, workspace) as session:
            uri = session.open("sleeper.py", SLEEPER)
            baseline = [await lens_latency(session, uri) for _ in range(5)]
            await session.execute("unsandbox.runFile", uri)
            during: list[float] = []
            while not session.finished:
                during.append(await _probe(session, uri))
            note = await session.wait_finished(1)
    finally:
        release(store)
    assert note.status == "completed" and note.stdout == "slept\n", note.summary
    assert len(during) >= 3, f"only {len(during)} lens requests during the run: proves nothing"
    # as quick during the run as before it (a loop frozen at the FIFO never answers at all)
    assert statistics.median(during) < 20 * statistics.median(baseline) + 0.5, (baseline, during)
    # the run time was written all the same: the store replaced the FIFO with a file
    assert store.is_file() and not store.is_fifo()


async def _probe(session: LspSession, uri: str) -> float:
    try:
        latency = await asyncio.wait_for(lens_latency(session, uri), HANG_S)
    except TimeoutError:
        raise AssertionError(f"no code lens within {HANG_S} s: the event loop is blocked") from None
    await asyncio.sleep(0.1)
    return latency
