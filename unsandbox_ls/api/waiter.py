"""Waiting for a job: poll `GET /jobs/{id}` along a `PollPlan` until it ends, one way or another.

`JobWaiter.wait()` polls; each way a poll or the wait can end has its method:

- `_answered`: the job as the API reported it (given to `on_update`); terminal → its result;
- `_rate_limited`: 429: not an end; the next poll waits the backoff (or `Retry-After`);
- `_not_found`: 404: retried a few times right after submission; after failed polls it means
  the API restarted and lost the job; otherwise it ends the wait;
- `_failed_poll`: a 5xx or network failure that outlived the request's own retries: polled
  again a few times in a row (the API may be restarting);
- `_timed_out`: the wait's own timeout passed: the job is cancelled, `JobTimeoutError`;
- a cancel of the awaiting task: `raise_cancelled` deletes the job and raises `JobCancelled`
  (with the output the cancel answer carried) or `CancelNotConfirmed`;
- an `on_update` callback that fails: the job is deleted, the callback's error goes on.

`cancel_quietly` and `raise_cancelled` are the one cancel helper, also used by the client for
a cancel that comes while a just-submitted job is announced.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, Protocol

from unsandbox_ls.api.cancelled import CancelNotConfirmed, JobCancelled
from unsandbox_ls.api.errors import (
    JobNotFoundError,
    JobTimeoutError,
    NetworkError,
    RateLimitedError,
    ServerError,
    UnsandboxError,
)
from unsandbox_ls.api.live_output import LIVE_POLL_GAP, OutputSoFar
from unsandbox_ls.api.models import Job, JobUpdate, RunResult
from unsandbox_ls.api.policy import PollPlan, RetryPolicy
from unsandbox_ls.api.run_mode import RunObservation

log = logging.getLogger("unsandbox_ls.api")

OnUpdate = Callable[[JobUpdate], "Awaitable[object] | object"]


class JobApi(Protocol):
    """What waiting needs of the client."""

    retry: RetryPolicy
    cancel_timeout: float

    async def get_job(self, job_id: str, *, rate_limit_retries: int | None = None) -> Job: ...

    async def cancel_job(self, job_id: str) -> Job | None: ...


async def report(on_update: OnUpdate | None, update: JobUpdate) -> None:
    """Give `on_update` one update, awaiting it when it is a coroutine function."""
    if on_update is not None:
        outcome = on_update(update)
        if inspect.isawaitable(outcome):
            await outcome


class JobWaiter:
    """One wait for one job (see the module's docstring)."""

    def __init__(
        self,
        api: JobApi,
        job_id: str,
        plan: PollPlan,
        *,
        on_update: OnUpdate | None = None,
        timeout: float | None = None,
        observed: RunObservation | None = None,
    ) -> None:
        self.api = api
        self.job_id = job_id
        self.plan = plan
        self.on_update = on_update
        self.timeout = timeout
        self.observed = observed
        self.started = time.monotonic()
        self.submitted = observed.started if observed is not None else self.started
        self.polls = self.not_found = self.failed_polls = self.rate_limited = 0
        self.seen = self.failed_before = False
        self.backoff = 0.0
        #: what the job has printed so far, and whether the last poll showed new output
        self.output = OutputSoFar()
        self.printing = False

    async def wait(self) -> RunResult:
        try:
            while True:
                await self._sleep_until_next_poll()
                result = await self._poll()
                if result is not None:
                    return result
        except asyncio.CancelledError:
            await raise_cancelled(self.api, self.job_id)
        except UnsandboxError:
            raise
        except Exception:  # an `on_update` callback failed: do not leave the job running
            await cancel_quietly(self.api, self.job_id)
            raise

    async def _sleep_until_next_poll(self) -> None:
        delay = self.plan.next_delay(time.monotonic() - self.submitted, at_least=self.backoff)
        if self.printing and not self.backoff:  # the program is printing: show it soon
            delay = min(delay, LIVE_POLL_GAP)
        self.backoff = 0.0
        if self.timeout is not None:
            remaining = self.timeout - (time.monotonic() - self.started)
            if remaining <= 0:
                await self._timed_out()
            delay = min(delay, remaining)
        await asyncio.sleep(delay)

    async def _poll(self) -> RunResult | None:
        try:
            current = await self.api.get_job(self.job_id, rate_limit_retries=0)
        except RateLimitedError as exc:
            self._rate_limited(exc)
            return None
        except JobNotFoundError as exc:
            await self._not_found(exc)
            return None
        except (ServerError, NetworkError) as exc:
            await self._failed_poll(exc)
            return None
        return await self._answered(current)

    async def _answered(self, current: Job) -> RunResult | None:
        self.failed_polls = self.rate_limited = 0
        self.seen = True
        self.polls += 1
        now = time.monotonic()
        if self.observed is not None:
            self.observed.saw(current.done, now)
        update = self.output.update(current, now - self.started, self.polls)
        self.printing = bool(update.stdout or update.stderr)
        await report(self.on_update, update)
        if not current.done:
            return None
        assert current.result is not None
        return current.result

    def _rate_limited(self, exc: RateLimitedError) -> None:
        # the job runs on: keep waiting, backing off, until it ends or time is up
        self.backoff = self.api.retry.rate_limit_delay(self.rate_limited, exc.retry_after)
        self.rate_limited += 1
        log.info(
            "polling job %s: rate limited (429); polling again in %.1f s",
            self.job_id,
            self.backoff,
        )

    async def _not_found(self, exc: JobNotFoundError) -> None:
        if self.failed_before:
            raise JobNotFoundError(
                f"job {self.job_id} is gone: the API answered 404 after failing, "
                f"so it probably restarted and lost the result; run it again",
                status=404,
            ) from exc
        if self.seen or self.not_found >= self.api.retry.not_found_retries:
            raise exc
        self.not_found += 1
        await asyncio.sleep(self.api.retry.not_found_delay)

    async def _failed_poll(self, exc: ServerError | NetworkError) -> None:
        # get_job already retried; keep polling a while in case the API restarts
        self.failed_polls += 1
        self.failed_before = True
        if self.failed_polls > self.api.retry.max_failed_polls:
            raise exc
        log.info("polling job %s failed (%s); polling on", self.job_id, exc.kind)
        await asyncio.sleep(self.api.retry.failed_poll_delay)

    async def _timed_out(self) -> NoReturn:
        """Cancel a job waited on for too long; say so (and whether the cancel worked)."""
        confirmed, _ = await cancel_quietly(self.api, self.job_id)
        why = " while the API kept answering 429 (rate limited)" if self.rate_limited else ""
        fate = (
            "it was cancelled"
            if confirmed
            else "the API did not confirm the cancel, so it may run until its time limit"
        )
        assert self.timeout is not None
        raise JobTimeoutError(
            f"gave up waiting for job {self.job_id} after {self.timeout:.0f} s{why}; {fate}"
        )


async def cancel_quietly(api: JobApi, job_id: str) -> tuple[bool, Job | None]:
    """`DELETE /jobs/{id}`, shielded from cancellation and bounded by `cancel_timeout`.

    (confirmed, the job as the answer reported it): confirmed when the API answered 2xx
    (or no longer knows the job); the job is None without an answer body.
    """
    delete = asyncio.ensure_future(api.cancel_job(job_id))
    # a DELETE that outlives `cancel_timeout` still ends on its own: retrieve its outcome
    # then, so asyncio does not log "Task exception was never retrieved"
    delete.add_done_callback(_retrieve)
    try:
        answer = await asyncio.wait_for(asyncio.shield(delete), api.cancel_timeout)
    except JobNotFoundError:
        return True, None
    except (TimeoutError, asyncio.CancelledError, UnsandboxError) as exc:
        log.warning("could not cancel job %s: %s", job_id, exc.__class__.__name__)
        return False, None
    log.info("cancelled job %s", job_id)
    return True, answer


async def raise_cancelled(api: JobApi, job_id: str) -> NoReturn:
    """After the awaiting task was cancelled: delete the job, then end as a cancel does."""
    confirmed, answer = await cancel_quietly(api, job_id)
    if not confirmed:
        raise CancelNotConfirmed(job_id) from None
    raise JobCancelled(job_id, answer.result if answer else None) from None


def _retrieve(task: asyncio.Future[Any]) -> None:
    if not task.cancelled():
        task.exception()
