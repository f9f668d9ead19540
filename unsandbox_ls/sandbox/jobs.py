"""The job store and scheduler: at most `max_jobs` running, a bounded queue, expiring records.

* A job is admitted only while fewer than `max_jobs + max_queued` jobs are pending or running;
  otherwise the API answers 429 `concurrency_limit_reached`.
* Admitted jobs wait on an `asyncio.Semaphore(max_jobs)`; each runs as an asyncio task, so the
  event loop never waits on a job.
* `cancel` (DELETE) sets the job's cancel event: a queued job never starts, a running one has its
  process tree killed, and either way its slot is freed.
* A record drops the submitted code and input files once the job has started (or was cancelled
  before): only its language, ttl and the like stay.
* A running job's record shows the output printed so far (`stdout`, `stderr` on the job
  object, the first `LIVE_OUTPUT_LIMIT` bytes of each), so a client can show it as it comes;
  the whole output (up to the runner's cap) comes with the result.
* Finished records are kept for `keep_seconds` (one hour by default), at most `max_records` of
  them, and at most `max_record_bytes` of output and artifacts in all (256 MiB; oldest dropped
  first), so memory stays bounded; an expired job answers 404, as on the hosted API after a
  restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

from unsandbox_ls.api.models import TERMINAL_STATUSES
from unsandbox_ls.sandbox.executor import ExecResult, Executor, JobSpec
from unsandbox_ls.sandbox.runner import LiveOutput

KEEP_SECONDS = 3600.0
MAX_RECORDS = 1000
MAX_RECORD_BYTES = 256 * 1024 * 1024
#: bytes of each stream a running job's answer shows (the result carries all of it)
LIVE_OUTPUT_LIMIT = 256 * 1024
#: where a terminal job's result fields sit: under "result" (the API docs) or on the job (the
#: official clients' reading); see `Job.to_wire`
JOB_SHAPES = ("nested", "flat")


@dataclass
class Job:
    """One job record; `to_wire` gives the job object of `GET /jobs/{id}` in either shape."""

    job_id: str
    spec: JobSpec
    created_at: float
    detected_language: str | None = None
    status: str = "pending"
    started_at: float | None = None
    completed_at: float | None = None
    result: ExecResult | None = None
    error: str | None = None
    cancel: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    #: virtual CPUs asked for: validated and echoed, not enforced
    vcpu: int = 1
    #: the output printed so far, while the job runs
    live: LiveOutput = field(default_factory=LiveOutput)

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    def summary(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "job_id": self.job_id,
            "status": self.status,
            "language": self.spec.language,
            "network_mode": self.spec.network_mode,
            "created_at": self.created_at,
        }
        if self.started_at is not None:
            data["started_at"] = self.started_at
        if self.completed_at is not None:
            data["completed_at"] = self.completed_at
        if self.detected_language is not None:
            data["detected_language"] = self.detected_language
        if self.vcpu > 1:
            data["vcpu"] = self.vcpu
        return data

    def result_object(self) -> dict[str, Any]:
        """The result fields of a terminal job, as the API docs' `result` object lists them."""
        outcome = self.result.outcome if self.result else None
        exit_code = outcome.exit_code if outcome else None
        data: dict[str, Any] = {
            "success": self.status == "completed" and exit_code == 0,
            "stdout": outcome.stdout if outcome else "",
            "stderr": outcome.stderr if outcome else "",
            "error": self.error,
            "exit_code": exit_code,
            "language": self.spec.language,
            "artifacts": self.result.artifacts if self.result else [],
            "execution_mode": "pooled",
            "network_mode": self.spec.network_mode,
            "total_time_ms": self._total_ms(),
            # the official clients' duration fields, whole milliseconds: the C library reads
            # `execution_time` (as ms), the Python and JavaScript CLIs `execution_time_ms`
            "execution_time": round(self._total_ms()),
            "execution_time_ms": round(self._total_ms()),
        }
        if self.detected_language is not None:
            data["detected_language"] = self.detected_language
        if outcome and outcome.truncated:
            data["output_truncated"] = True
        return data

    def to_wire(self, shape: str = "flat") -> dict[str, Any]:
        """`{job_id, status, language, created_at, …}`; once terminal, the result fields too:
        under `"result"` in the `nested` shape (the API docs' examples), on the job itself in
        the `flat` shape (what the official clients read). While running, its output so far
        (`stdout`, `stderr`) on the job in either shape."""
        data = self.summary()
        if not self.terminal:
            if self.status == "running":
                data.update(self.live.so_far(LIVE_OUTPUT_LIMIT))
            return data
        if shape == "nested":
            data["result"] = self.result_object()
        else:
            data.update(self.result_object())
        return data

    def size(self) -> int:
        """Roughly the bytes this record holds: its output and artifacts."""
        if self.result is None:
            return 0
        out = self.result.outcome
        artifacts = sum(len(a.get("content_base64", "")) for a in self.result.artifacts)
        return len(out.stdout) + len(out.stderr) + artifacts

    def _total_ms(self) -> float:
        start = self.started_at if self.started_at is not None else self.created_at
        end = self.completed_at if self.completed_at is not None else start
        return round((end - start) * 1000.0, 3)


class QueueFull(Exception):
    def __init__(self, active: int, limit: int) -> None:
        super().__init__(f"{active} jobs are pending or running; the limit is {limit}")
        self.active = active
        self.limit = limit


class JobStore:
    def __init__(
        self,
        executor: Executor,
        *,
        max_jobs: int,
        max_queued: int,
        keep_seconds: float = KEEP_SECONDS,
        max_records: int = MAX_RECORDS,
        max_record_bytes: int = MAX_RECORD_BYTES,
    ) -> None:
        self.executor = executor
        self.max_jobs = max_jobs
        self.max_active = max_jobs + max_queued
        self.keep_seconds = keep_seconds
        self.max_records = max_records
        self.max_record_bytes = max_record_bytes
        self._slots = asyncio.Semaphore(max_jobs)
        self._jobs: OrderedDict[str, Job] = OrderedDict()

    def active_count(self) -> int:
        return sum(1 for j in self._jobs.values() if not j.terminal)

    def submit(self, spec: JobSpec, *, detected_language: str | None = None) -> Job:
        self._expire()
        active = self.active_count()
        if active >= self.max_active:
            raise QueueFull(active, self.max_active)
        job = Job(str(uuid.uuid4()), spec, time.time(), detected_language)
        self._jobs[job.job_id] = job
        job.task = asyncio.create_task(self._run(job), name=f"job-{job.job_id}")
        return job

    def get(self, job_id: str) -> Job | None:
        self._expire()
        return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        self._expire()
        return list(self._jobs.values())

    def cancel(self, job: Job) -> None:
        if not job.terminal:
            job.cancel.set()

    async def _run(self, job: Job) -> None:
        try:
            async with self._slots:
                spec = job.spec
                # the record keeps no code or input files once the job is under way
                job.spec = replace(spec, code="", input_files=())
                if job.cancel.is_set():
                    self._finish(job, "cancelled", None)
                    return
                job.status = "running"
                job.started_at = time.time()
                result = await self.executor.execute(job.job_id, spec, job.cancel, job.live)
                del spec
                out = result.outcome
                if out.cancelled or job.cancel.is_set():
                    status = "cancelled"
                elif out.memory_exceeded:
                    status = "failed"
                    job.error = (
                        f"the job's processes used more than "
                        f"{self.executor.memory_limit // 2**20} MiB of memory and were killed"
                    )
                elif out.timed_out:
                    status = "timeout"
                    job.error = f"the job exceeded its ttl of {job.spec.ttl} s and was killed"
                elif out.error is not None:
                    status = "failed"
                    job.error = out.error
                else:
                    status = "completed"
                self._finish(job, status, result)
        except asyncio.CancelledError:
            self._finish(job, "cancelled", None)
            raise
        except Exception as exc:  # keep the server alive; report the job as failed
            job.error = f"internal error while running the job: {type(exc).__name__}: {exc}"
            self._finish(job, "failed", None)

    def _finish(self, job: Job, status: str, result: ExecResult | None) -> None:
        job.live = LiveOutput()  # the result holds the output now
        job.completed_at = time.time()
        job.result = result
        job.status = status
        job.done.set()

    def _expire(self) -> None:
        now = time.time()
        finished = [j for j in self._jobs.values() if j.terminal]
        excess = len(finished) - self.max_records
        excess_bytes = sum(j.size() for j in finished) - self.max_record_bytes
        for job in finished:
            old = job.completed_at is not None and now - job.completed_at > self.keep_seconds
            if old or excess > 0 or excess_bytes > 0:
                del self._jobs[job.job_id]
                excess -= 1
                excess_bytes -= job.size()

    async def shutdown(self) -> None:
        tasks = [j.task for j in self._jobs.values() if j.task and not j.task.done()]
        for job in self._jobs.values():
            job.cancel.set()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, timeout=5)
