"""The client's exceptions: one small tree, each message saying what to do.

    UnsandboxError
    ├── ConfigurationError      a plain-http remote base URL, a bad setting … (nothing was sent)
    │   └── MissingCredentialsError  no keys found, or half a pair (says how to set them)
    ├── ValidationError         the request breaks a documented limit (nothing was sent)
    ├── NetworkError            connection refused/reset, DNS, read timeout
    ├── JobTimeoutError         the job hit its ttl, or the client gave up waiting
    └── ApiError                the API answered with an error (has .status)
        ├── AuthenticationError 401/403 (ClockSkewError: 401 that mentions the timestamp)
        ├── RateLimitedError    429 (has .retry_after)
        ├── RequestRejectedError 400 or 413: the request itself was refused (fix it, no retry)
        ├── RedirectRefusedError 3xx: credentials are only sent to the base URL, never followed
        ├── JobNotFoundError    404 for a job
        ├── ServerError         5xx after the retries
        └── BadResponseError    not JSON, wrong shape, too large

    asyncio.CancelledError
    ├── CancelNotConfirmed      a cancelled wait whose DELETE /jobs/{id} failed
    └── JobCancelled            a cancelled wait whose DELETE the API confirmed (.partial: the
                                output its answer carried, or None)

No message, repr or attribute of these exceptions ever holds a secret key: messages are built
from status codes and the server's own error text only.
"""

from __future__ import annotations

import asyncio
from typing import Any


class UnsandboxError(Exception):
    """Base of every error this package raises on purpose."""

    #: one word for logs and the CLI's exit code table
    kind = "error"


class ConfigurationError(UnsandboxError):
    kind = "configuration"


class MissingCredentialsError(ConfigurationError):
    kind = "credentials"


class ValidationError(UnsandboxError):
    kind = "validation"


class NetworkError(UnsandboxError):
    kind = "network"


class JobTimeoutError(UnsandboxError):
    kind = "timeout"


class ApiError(UnsandboxError):
    kind = "api"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code


class AuthenticationError(ApiError):
    kind = "auth"


class ClockSkewError(AuthenticationError):
    """A 401 about the request's timestamp. `difference`: seconds the local clock is ahead of
    the API's (negative: behind), from the answer's `Date` header; None without one."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 401,
        code: str | None = None,
        difference: float | None = None,
    ):
        super().__init__(message, status=status, code=code)
        self.difference = difference


class RateLimitedError(ApiError):
    kind = "rate_limited"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = 429,
        code: str | None = None,
        retry_after: float | None = None,
    ):
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class RequestRejectedError(ApiError):
    kind = "rejected"


class RedirectRefusedError(ApiError):
    kind = "redirect"


class JobNotFoundError(ApiError):
    kind = "not_found"


class ServerError(ApiError):
    kind = "server"


class BadResponseError(ApiError):
    kind = "bad_response"


class CancelNotConfirmed(asyncio.CancelledError):
    """The wait was cancelled but `DELETE /jobs/{id}` failed: the job may run until its ttl.

    A `CancelledError`, so it ends the awaiting task as a cancel does; callers that want to tell
    the user the job may still be running catch it by this name.
    """

    def __init__(self, job_id: str) -> None:
        super().__init__(
            f"job {job_id} may still be running: the API did not confirm the cancel, "
            f"so it can run until its time limit"
        )
        self.job_id = job_id


class JobCancelled(asyncio.CancelledError):
    """The wait was cancelled and the API confirmed `DELETE /jobs/{id}`.

    `partial` is the result the cancel answer carried (the output printed before the cancel,
    status `cancelled`), or None when the API answered without one (204). A `CancelledError`,
    so it ends the awaiting task as a cancel does.
    """

    def __init__(self, job_id: str, partial: Any = None) -> None:
        super().__init__(f"job {job_id} was cancelled")
        self.job_id = job_id
        #: a `RunResult` (typed loosely: this module imports nothing of the package)
        self.partial = partial


__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadResponseError",
    "CancelNotConfirmed",
    "ClockSkewError",
    "ConfigurationError",
    "JobCancelled",
    "JobNotFoundError",
    "JobTimeoutError",
    "MissingCredentialsError",
    "NetworkError",
    "RateLimitedError",
    "RedirectRefusedError",
    "RequestRejectedError",
    "ServerError",
    "UnsandboxError",
    "ValidationError",
]
