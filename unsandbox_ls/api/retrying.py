"""The retry loop of one request: send, classify, wait, send again, within the budgets.

`transient` failures (network, 5xx) share `RetryPolicy.max_retries` retries with doubling
delays; 429s have their own budget (`max_rate_limit_retries`, or the caller's: polls pass 0 and
back off on their own), waiting `Retry-After` (capped) when the API says how long. Errors are
scrubbed of secrets before they leave.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

import httpx

from unsandbox_ls.api.classify import Outcome, Submission, Verdict, classify
from unsandbox_ls.api.policy import RetryPolicy
from unsandbox_ls.api.transport import Answer, Scrubber

log = logging.getLogger("unsandbox_ls.api")


async def send_with_retries(
    send: Callable[[], Awaitable[Answer]],
    submission: Submission,
    policy: RetryPolicy,
    scrubber: Scrubber,
    *,
    rate_limit_retries: int | None = None,
    first: Outcome | None = None,
) -> Answer:
    """The accepted answer of `send()`, retried as `classify` and the budgets allow. `first`:
    the outcome of a first attempt made elsewhere (judged as if `send()` had returned it)."""
    rate_budget = rate_limit_retries
    if rate_budget is None:
        rate_budget = policy.max_rate_limit_retries
    retries = rate_retries = 0
    while True:
        outcome = first if first is not None else await _attempt(send)
        first = None
        verdict = classify(outcome, submission)
        if verdict.answer is not None:
            log.debug("%s -> %d (%d bytes)", submission.what, verdict.answer.status,
                      len(verdict.answer.body))  # fmt: skip
            return verdict.answer
        assert verdict.error is not None
        delay: float | None = None
        if verdict.action == "rate_limited" and rate_retries < rate_budget:
            delay = policy.rate_limit_delay(rate_retries, verdict.retry_after)
            rate_retries += 1
        elif verdict.action == "transient" and retries < policy.max_retries:
            delay = policy.backoff_delay(retries)
            retries += 1
        if delay is None:
            raise scrubber.error(verdict.error)
        if verdict.failed:
            submission = replace(submission, after_failure=True)
        log.info("%s failed (%s); retrying in %.2f s", submission.what, verdict.error.kind, delay)
        await asyncio.sleep(delay)


async def _attempt(send: Callable[[], Awaitable[Answer]]) -> Outcome:
    try:
        return await send()
    except httpx.HTTPError as exc:
        return exc


__all__ = ["Verdict", "send_with_retries"]
