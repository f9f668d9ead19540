"""`$/progress` of one run, with a server-created token the client may cancel."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import TYPE_CHECKING

from lsprotocol import types

from unsandbox_ls.server.live_output import LATER

if TYPE_CHECKING:
    from unsandbox_ls.server.server import UnsandboxLanguageServer
    from unsandbox_ls.server.state import Run

logger = logging.getLogger(__name__)


class Progress:
    """`$/progress` of one run: a fresh server-created token; reports status and elapsed time."""

    TICK_S = 1.0

    def __init__(self, ls: UnsandboxLanguageServer, run: Run) -> None:
        self.ls = ls
        self.run = run
        self.token: str | None = None
        self.end_message = "done"
        self._ticker: asyncio.Task[None] | None = None
        self._ended = False

    async def begin(self, title: str) -> None:
        if not self.ls.supports_progress():
            return
        token = f"unsandbox-{uuid.uuid4()}"
        try:
            await asyncio.wait_for(self.ls.work_done_progress.create_async(token), timeout=10)
        except Exception as exc:  # refused, or no answer
            logger.info("window/workDoneProgress/create refused: %s", exc)
            return
        self.token = token
        self.run.token = token
        self.ls.progress_runs[token] = self.run
        self.ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(title=title, cancellable=True, message="submitting"),
        )
        self._ticker = asyncio.ensure_future(self._tick())

    def report(self) -> None:
        if self.token is None or self._ended:
            return
        elapsed = self.run.elapsed_ms() / 1000
        message = f"{self.run.status} · {elapsed:.0f} s"
        if self.run.live is False and self.run.status == "running":
            message += f" · {LATER}"
        self.ls.work_done_progress.report(self.token, types.WorkDoneProgressReport(message=message))

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.TICK_S)
            self.report()

    def end(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        if self.token is None or self._ended:
            return
        self._ended = True
        self.ls.progress_runs.pop(self.token, None)
        self.ls.work_done_progress.end(
            self.token, types.WorkDoneProgressEnd(message=self.end_message)
        )
