"""The server's life: `$/cancelRequest` of a waiting command, the exit status, a vanished client.

- A command called with `"wait": true` answers only when its run ends; a `$/cancelRequest` of
  that request cancels the run (its job is deleted), not only the answer. pygls cancels the
  request's future alone, so `UnsandboxProtocol` also cancels the run waiting on it.
- `exit` after `shutdown` exits 0; `exit` without `shutdown` (and the client vanishing without
  one) exits 1, as the LSP specification asks (pygls's `sys.exit` is swallowed by its stdio loop).
- A client that vanishes without closing our stdin (it crashed and a grandchild holds the pipe)
  is noticed by `watch_client`: the `processId` given in `initialize`, or our parent process,
  is gone, so the server cancels its runs (bounded) and exits.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING, Any

from pygls.protocol import LanguageServerProtocol

if TYPE_CHECKING:
    from unsandbox_ls.server.server import UnsandboxLanguageServer

logger = logging.getLogger(__name__)

#: seconds between two checks that the client process is still there
WATCH_EVERY_S = 1.0


class UnsandboxProtocol(LanguageServerProtocol):
    """pygls's protocol, plus: cancelling a waiting command's request cancels its run."""

    def _handle_cancel_notification(self, msg_id: Any) -> None:
        super()._handle_cancel_notification(msg_id)
        waiting = getattr(self._server, "waiting_requests", {})
        run = waiting.pop(msg_id, None)
        if run is not None:
            logger.info("request %s cancelled: cancelling run %s", msg_id, run.run_id)
            run.cancel()


def process_alive(pid: int) -> bool:
    """The process `pid` exists (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


async def watch_client(ls: UnsandboxLanguageServer, pid: int | None) -> None:
    """Exit (status 1) once the client process `pid`, or our parent process, is gone."""
    parent = os.getppid()
    while True:
        await asyncio.sleep(WATCH_EVERY_S)
        gone = (pid is not None and not process_alive(pid)) or os.getppid() != parent
        if gone:
            logger.warning("the editor (process %s) is gone: cancelling runs and exiting", pid)
            try:
                await asyncio.wait_for(ls.cancel_all_runs(timeout=3.0), timeout=4.0)
            finally:
                logging.shutdown()
                os._exit(1)
