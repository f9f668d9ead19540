"""The server's per-run and per-document state (plain data, no LSP calls)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from unsandbox_ls.server.run_finished import RunFinished


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(eq=False)
class Run:
    """One run of (part of) a document, from the command until `unsandbox/runFinished`."""

    uri: str
    kind: str
    line: int = 0  # the run's first line (0-based): where an inlay hint shows the result
    run_id: str = field(default_factory=new_run_id)
    started: float = field(default_factory=time.monotonic)
    status: str = "starting"
    job_id: str | None = None
    token: str | None = None
    task: asyncio.Task[None] | None = None
    payload: RunFinished | None = None  # the runFinished params once finished
    lens_title: str | None = None  # the result lens once finished
    #: set by `cancel`: stops import discovery, which runs in a worker thread
    stop: threading.Event = field(default_factory=threading.Event)
    #: the arguments "Run with arguments…" gave this run (they win over the magic comment)
    args: tuple[str, ...] | None = None
    #: the output shown while the job ran (unsandbox/runOutput), as the API gave it
    streamed_stdout: str = ""
    streamed_stderr: str = ""
    #: whether the API shows a running job's output (None: not known yet)
    live: bool | None = None

    def elapsed_ms(self) -> float:
        return (time.monotonic() - self.started) * 1000

    def cancel(self) -> bool:
        """Cancel the run's task (the API client then deletes the job) and its discovery."""
        self.stop.set()
        if self.task is not None and not self.task.done():
            self.status = "cancelling"
            self.task.cancel()
            return True
        return False
