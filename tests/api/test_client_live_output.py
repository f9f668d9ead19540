"""A running job's output while it runs: the local sandbox shows it in each poll's answer and the
client passes each new piece to `on_update` (every sandbox variant)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from support.sandbox import SandboxServer

from unsandbox_ls.api import Credentials, ExecuteRequest, JobUpdate, RunOptions, UnsandboxClient

TIMEOUT = 90

PRINTER = """\
import sys, time
for i in range(12):
    print(f"line {i}", flush=True)
    print(f"warn {i}", file=sys.stderr, flush=True)
    time.sleep(0.25)
print("é" * 3)
"""


@pytest.fixture
def sandbox_server(sandbox_variant: SandboxServer) -> SandboxServer:
    return sandbox_variant


@pytest.fixture
async def client(sandbox_server: SandboxServer) -> AsyncIterator[UnsandboxClient]:
    credentials = Credentials(
        public_key=sandbox_server.public_key, secret_key=sandbox_server.secret_key, source="t"
    )
    async with UnsandboxClient(sandbox_server.base_url, credentials) as c:
        yield c


@pytest.mark.parametrize("mode", ["async", "sync"])
async def test_each_new_piece_of_output_reaches_on_update_while_the_job_runs(
    client: UnsandboxClient, sandbox_server: SandboxServer, mode: str
) -> None:
    updates: list[JobUpdate] = []
    result = await asyncio.wait_for(
        client.run_request(
            ExecuteRequest("python", PRINTER, RunOptions(ttl=60)),
            mode=mode,  # type: ignore[arg-type]
            on_update=updates.append,
        ),
        TIMEOUT,
    )
    assert result.status == "completed"
    pieces = [u for u in updates if u.stdout or u.stderr]
    if mode == "sync" and sandbox_server.variant != "pending":
        assert pieces == []  # one request, answered once the job has ended
        return
    # the first line arrives in an answer about a job still running, before the last is printed
    first = next(u for u in pieces if "line 0" in u.stdout)
    assert first.status == "running" and first.streams
    assert "line 11" not in first.stdout
    # the pieces, put together, are the output as printed, in order, each part once
    shown_out = "".join(u.stdout for u in pieces)
    shown_err = "".join(u.stderr for u in pieces)
    assert result.stdout.startswith(shown_out) and shown_out.startswith("line 0\nline 1\n")
    assert result.stderr.startswith(shown_err) and shown_err.startswith("warn 0\n")
    assert len(pieces) >= 3  # several polls while it printed for 3 s
