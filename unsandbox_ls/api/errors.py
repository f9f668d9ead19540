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

The two ends of a cancelled wait, `asyncio.CancelledError`s, are in `cancelled.py`: this module
imports no asyncio, so the command line's quick path can raise and catch these without it.

No message, repr or attribute of these exceptions ever holds a secret key: messages are built
from status codes and the server's own error text only.
"""

from __future__ import annotations


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


def response_too_large(what: str, max_bytes: int) -> BadResponseError:
    """The error of an answer over the read cap (`max_bytes`), for both transports."""
    return BadResponseError(
        f"the API's answer to {what} is larger than {max_bytes // (1024 * 1024)} MiB and was not "
        f"read; the program probably printed too much: print less"
    )


__all__ = [
    "ApiError",
    "AuthenticationError",
    "BadResponseError",
    "ClockSkewError",
    "ConfigurationError",
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
    "response_too_large",
]
