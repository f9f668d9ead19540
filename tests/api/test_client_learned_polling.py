"""Polling that learns a file's run time, against the local sandbox (every variant).

The client is given the recent run times a caller keeps (`runs/timing.py`); polls are counted
with `on_update` and `RunObservation`, job states read back from the sandbox.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from support.sandbox import SandboxServer

from unsandbox_ls.api import (
    Credentials,
    ExecuteRequest,
    JobCancelled,
    JobUpdate,
    RunOptions,
    UnsandboxClient,
)
from unsandbox_ls.api.run_mode import RunObservation

TIMEOUT = 120


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


def sleeper(seconds: float) -> ExecuteRequest:
    code = f"import time\nprint('started', flush=True)\ntime.sleep({seconds})\nprint('done')\n"
    return ExecuteRequest("python", code, RunOptions(ttl=120))


async def test_a_rerun_polls_fewer_times_than_a_first_run(client: UnsandboxClient) -> None:
    first = RunObservation()
    polls: list[JobUpdate] = []
    result = await asyncio.wait_for(
        client.run_request(sleeper(1.5), mode="async", observed=first, on_update=polls.append),
        TIMEOUT,
    )
    assert result.stdout == "started\ndone\n"
    assert first.plan == "first run" and first.run_s is not None and first.run_s >= 1.5
    assert first.polls == sum(1 for u in polls if u.polls)
    again = RunObservation()
    result = await asyncio.wait_for(
        client.run_request(sleeper(1.5), mode="async", recent=(first.run_s,), observed=again),
        TIMEOUT,
    )
    assert result.stdout == "started\ndone\n"
    assert again.plan.startswith("learned from 1 run")
    assert 1 <= again.polls < first.polls


async def test_a_job_running_much_longer_than_predicted_completes_polled_at_a_bounded_rate(
    client: UnsandboxClient,
) -> None:
    seen: list[JobUpdate] = []
    observed = RunObservation()
    result = await asyncio.wait_for(
        client.run_request(
            sleeper(9), mode="async", recent=(0.4,), observed=observed, on_update=seen.append
        ),
        TIMEOUT,
    )
    assert result.status == "completed" and result.stdout == "started\ndone\n"
    polls = [u.elapsed for u in seen if u.polls]
    assert polls[-1] >= 9
    # past the predicted end and its backoff (0.1 … 1.6 s), one poll per 2 s at most
    late = [t for t in polls if t >= 4.0]
    assert len(late) <= (polls[-1] - 4.0) / 2.0 + 1


async def test_auto_mode_runs_a_short_rerun_in_one_request(
    client: UnsandboxClient, sandbox_server: SandboxServer
) -> None:
    observed = RunObservation()
    result = await asyncio.wait_for(
        client.run_request(
            ExecuteRequest("python", "print(7)"), mode="auto", recent=(0.1,), observed=observed
        ),
        TIMEOUT,
    )
    assert result.stdout == "7\n" and observed.mode == "sync"
    if sandbox_server.variant == "pending":  # answered pending at once: polled with the plan
        assert observed.polls >= 1 and observed.plan.startswith("learned")
    else:
        assert observed.polls == 0
    assert observed.run_s is not None
    longer = RunObservation()
    await client.run_request(
        ExecuteRequest("python", "print(8)"), mode="auto", recent=(0.1, 8.0), observed=longer
    )
    assert longer.mode == "async" and longer.polls >= 1


async def test_cancelling_a_sync_run_predicted_short_cancels_its_job(
    client: UnsandboxClient, sandbox_server: SandboxServer
) -> None:
    """A re-run predicted short goes out as one POST /execute; when it runs long after all and
    is cancelled before any answer, the request is closed and the sandbox cancels the job (a
    pending answer is cancelled with DELETE as soon as its job id is known)."""
    before = {j.job_id for j in await client.list_jobs()}
    observed = RunObservation()
    task = asyncio.create_task(
        client.run_request(sleeper(60), mode="auto", recent=(0.2,), observed=observed)
    )
    job_id = None
    deadline = time.monotonic() + 30
    while job_id is None and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        running = [j for j in await client.list_jobs() if j.job_id not in before]
        job_id = next((j.job_id for j in running if j.status == "running"), None)
    assert job_id is not None, "the job never started"
    assert observed.mode == "sync"
    task.cancel()
    if sandbox_server.variant == "pending":
        with pytest.raises(JobCancelled) as cancelled:
            await asyncio.wait_for(task, 15)
        assert cancelled.value.job_id == job_id
    else:
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(task, 15)
    status = ""
    deadline = time.monotonic() + 15
    while status != "cancelled" and time.monotonic() < deadline:
        status = (await client.get_job(job_id)).status
        await asyncio.sleep(0.1)
    assert status == "cancelled"
