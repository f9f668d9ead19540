"""File work of a finishing run (logs, history, artifacts): in a worker thread, off the loop.

`finish_off_loop(fn, *args, **kwargs)` runs `fn` in a thread and returns its result. The run it
belongs to has ended by then, so a cancel that arrives meanwhile (the user's, a new run of the
document, or shutdown) does not stop it halfway: it waits for the thread and then goes on, so the
run still reports what it did (its log, its artifacts, `runFinished`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

_T = TypeVar("_T")


async def finish_off_loop(fn: Callable[..., _T], *args: object, **kwargs: object) -> _T:
    work = asyncio.ensure_future(asyncio.to_thread(fn, *args, **kwargs))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        return await work
