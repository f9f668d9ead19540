"""What one attempt at a request came to: accept the answer, retry, or fail. Pure.

`classify(outcome, submission)` reads the `Answer` or the httpx exception of one attempt:

- a 2xx answer (or one of `submission.ok_statuses`) is accepted;
- 429 is `rate_limited` (with the `Retry-After` seconds): retried on the rate-limit budget;
- a connection that could not be opened (`ConnectError`, connect timeout, no free pooled
  connection) is `transient`: retried on the backoff budget, for every request;
- a read or write timeout, or a connection broken once the request was on its way, is
  `transient` for reads and `DELETE`, and final for a submission (`POST /execute`,
  `/execute/async`, `/run`, `/run/async`): the job may already be running;
- a 5xx is `transient`, except 500 and 504 to a submission (the job may be running);
  502 and 503 mean the API did not take the request;
- anything else is final.

The budgets themselves (how many retries, which delays) are `retrying.py`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import httpx

from unsandbox_ls.api.credentials import is_loopback_host
from unsandbox_ls.api.errors import (
    NetworkError,
    RateLimitedError,
    ServerError,
    UnsandboxError,
)
from unsandbox_ls.api.policy import parse_retry_after
from unsandbox_ls.api.responses import error_for_status
from unsandbox_ls.api.transport import Answer

SUBMISSIONS = frozenset(("/execute", "/execute/async", "/run", "/run/async"))

Action = Literal["accept", "transient", "rate_limited", "final"]
Outcome = Answer | httpx.HTTPError


@dataclass(frozen=True)
class Submission:
    """What a request is, as far as judging its outcome goes."""

    method: str
    path: str
    base_url: str
    job_id: str | None = None
    ok_statuses: tuple[int, ...] = ()
    credentials_source: str | None = None
    #: an earlier attempt of this request failed (a 404 then says the API lost the job)
    after_failure: bool = False

    @property
    def what(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def starts_a_job(self) -> bool:
        """Not idempotent: a repeat could start the program twice."""
        return self.method == "POST" and self.path in SUBMISSIONS


@dataclass(frozen=True)
class Verdict:
    action: Action
    answer: Answer | None = None
    error: UnsandboxError | None = field(default=None)
    retry_after: float | None = None

    @property
    def failed(self) -> bool:
        """A network or server failure (whether retried or not)."""
        return isinstance(self.error, (NetworkError, ServerError))


def classify(outcome: Outcome, submission: Submission) -> Verdict:
    if isinstance(outcome, httpx.HTTPError):
        return _exception_verdict(outcome, submission)
    if 200 <= outcome.status < 300 or outcome.status in submission.ok_statuses:
        return Verdict("accept", answer=outcome)
    retry_after = parse_retry_after(outcome.headers.get("retry-after"))
    error = error_for_status(
        outcome.status,
        outcome.body,
        outcome.headers,
        what=submission.what,
        job_id=submission.job_id,
        base_url=submission.base_url,
        credentials_source=submission.credentials_source,
        retry_after=retry_after,
        after_failure=submission.after_failure,
        sent_timestamp=outcome.sent_timestamp,
    )
    if isinstance(error, RateLimitedError):
        return Verdict("rate_limited", error=error, retry_after=retry_after)
    if isinstance(error, ServerError):
        taken = submission.starts_a_job and outcome.status not in (502, 503)
        return Verdict("final" if taken else "transient", error=error)
    return Verdict("final", error=error)


def _exception_verdict(exc: httpx.HTTPError, submission: Submission) -> Verdict:
    what = submission.what
    running = "; the job may still be running" if submission.starts_a_job else ""
    on_its_way: Action = "final" if submission.starts_a_job else "transient"
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return Verdict("transient", error=NetworkError(_not_connected(exc, submission.base_url)))
    if isinstance(exc, httpx.TimeoutException):
        text = f"the API did not answer {what} in time ({describe(exc)}){running}"
        return Verdict(on_its_way, error=NetworkError(text))
    if isinstance(exc, httpx.TransportError):
        text = f"the connection to the API broke during {what} ({describe(exc)}){running}"
        return Verdict(on_its_way, error=NetworkError(text))
    return Verdict("final", error=NetworkError(f"{what} failed: {describe(exc)}"))


def _not_connected(exc: httpx.HTTPError, base_url: str) -> str:
    if isinstance(exc, httpx.ConnectError) and is_loopback_host(httpx.URL(base_url).host):
        return (
            f"cannot connect to the local sandbox at {base_url}: it is not running; "
            f"start it with `unsandbox-ls sandbox`"
        )
    return (
        f"cannot connect to the API at {base_url} ({describe(exc)}); check "
        f"the network and the base URL"
    )


def describe(exc: BaseException) -> str:
    text = str(exc).strip()
    name = exc.__class__.__name__
    return f"{name}: {text[:160]}" if text else name
