"""Proof that the language server keeps answering: a code-lens request every 0.1 s while a
reproduction runs, each timed; `check` fails if any took a second or more, or none was made."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from support.lsp_session import LspSession

EVERY_S = 0.1
LIMIT_S = 1.0


@dataclass
class Probe:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def check(self, minimum: int = 5) -> None:
        assert not self.failures, self.failures[:3]
        assert len(self.latencies) >= minimum, f"only {len(self.latencies)} probes: proves nothing"
        worst = max(self.latencies)
        assert worst < LIMIT_S, f"a code lens request took {worst:.2f} s"


@contextlib.asynccontextmanager
async def keeps_answering(session: LspSession, uri: str) -> AsyncIterator[Probe]:
    """Time code-lens requests on `uri` for as long as the block runs."""
    probe = Probe()
    stop = asyncio.Event()

    async def loop() -> None:
        # one probe at least, and never one cut off half-way
        while not stop.is_set() or not probe.latencies:
            started = time.monotonic()
            try:
                await asyncio.wait_for(session.code_lenses(uri), timeout=LIMIT_S * 5)
            except TimeoutError:
                probe.failures.append("no answer within 5 s")
            probe.latencies.append(time.monotonic() - started)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), EVERY_S)

    task = asyncio.ensure_future(loop())
    try:
        yield probe
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=LIMIT_S * 10)
