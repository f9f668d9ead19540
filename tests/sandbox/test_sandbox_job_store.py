"""The job store in-process, with a real executor: record expiry and queue bounds.

The executor runs without bubblewrap here (the store does not care how jobs run); the programs
are trivial `bash` one-liners.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from unsandbox_ls.sandbox.executor import Executor, JobSpec
from unsandbox_ls.sandbox.isolation import discover_layout
from unsandbox_ls.sandbox.jobs import JobStore, QueueFull
from unsandbox_ls.sandbox.toolchains import available_toolchains, search_path


@pytest.fixture
def executor() -> Iterator[Executor]:
    layout = discover_layout()
    chains = available_toolchains(search_path(list(layout.path_dirs)))
    made = Executor(toolchains={"bash": chains["bash"]}, layout=layout, sandboxed=False)
    yield made
    made.close()


async def test_finished_records_expire(executor: Executor) -> None:
    store = JobStore(executor, max_jobs=1, max_queued=1, keep_seconds=0.2)
    job = store.submit(JobSpec("bash", "echo hi", ttl=5))
    await asyncio.wait_for(job.done.wait(), timeout=10)
    assert store.get(job.job_id) is job and job.to_wire()["stdout"] == "hi\n"
    await asyncio.sleep(0.3)
    assert store.get(job.job_id) is None
    assert store.list() == []
    await store.shutdown()


async def test_record_count_is_bounded(executor: Executor) -> None:
    store = JobStore(executor, max_jobs=2, max_queued=10, max_records=3)
    jobs = [store.submit(JobSpec("bash", "true", ttl=5)) for _ in range(6)]
    await asyncio.wait_for(asyncio.gather(*(j.done.wait() for j in jobs)), timeout=20)
    last = store.submit(JobSpec("bash", "true", ttl=5))
    kept = [j.job_id for j in store.list() if j.terminal]
    assert kept == [j.job_id for j in jobs[-3:]]
    await asyncio.wait_for(last.done.wait(), timeout=10)
    await store.shutdown()


async def test_queue_bound_and_cancel_of_a_queued_job(executor: Executor) -> None:
    store = JobStore(executor, max_jobs=1, max_queued=1)
    running = store.submit(JobSpec("bash", "sleep 20", ttl=30))
    queued = store.submit(JobSpec("bash", "echo never", ttl=30))
    with pytest.raises(QueueFull):
        store.submit(JobSpec("bash", "true", ttl=5))
    store.cancel(queued)
    store.cancel(running)
    await asyncio.wait_for(asyncio.gather(running.done.wait(), queued.done.wait()), timeout=10)
    assert (running.status, queued.status) == ("cancelled", "cancelled")
    assert queued.started_at is None
    await store.shutdown()


async def test_records_drop_the_code_and_input_files_once_started(executor: Executor) -> None:
    store = JobStore(executor, max_jobs=1, max_queued=2)
    spec = JobSpec("bash", "cat data.txt", ttl=5, input_files=(("data.txt", b"secret-ish"),))
    job = store.submit(spec)
    await asyncio.wait_for(job.done.wait(), timeout=10)
    assert job.to_wire()["stdout"] == "secret-ish"
    assert job.spec.code == "" and job.spec.input_files == ()
    assert job.spec.language == "bash" and job.spec.ttl == 5
    await store.shutdown()


async def test_records_are_bounded_by_bytes(executor: Executor) -> None:
    """Six finished jobs of 40 KB of output each in a 100 KB budget: the oldest are dropped."""
    store = JobStore(executor, max_jobs=1, max_queued=10, max_record_bytes=100_000)
    jobs = []
    for _ in range(6):
        job = store.submit(JobSpec("bash", "head -c 40000 /dev/zero | tr '\\0' x", ttl=5))
        await asyncio.wait_for(job.done.wait(), timeout=10)
        jobs.append(job)
    kept = [j for j in store.list() if j.terminal]
    assert [j.job_id for j in kept] == [j.job_id for j in jobs[-2:]]
    assert all(len(j.to_wire()["stdout"]) == 40000 for j in kept)
    await store.shutdown()
