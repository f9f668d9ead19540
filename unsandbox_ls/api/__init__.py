"""The HTTP client of the unsandbox API: requests, results, credentials, errors.

Importing this package imports httpx; the language server imports it only at the first run.
"""

from __future__ import annotations

from unsandbox_ls.api.client import UnsandboxClient
from unsandbox_ls.api.credentials import Credentials, find_credentials, resolve_base_url
from unsandbox_ls.api.errors import (
    ApiError,
    AuthenticationError,
    BadResponseError,
    ClockSkewError,
    ConfigurationError,
    JobNotFoundError,
    JobTimeoutError,
    MissingCredentialsError,
    NetworkError,
    RateLimitedError,
    RedirectRefusedError,
    RequestRejectedError,
    ServerError,
    UnsandboxError,
    ValidationError,
)
from unsandbox_ls.api.models import (
    TERMINAL_STATUSES,
    Artifact,
    ExecuteRequest,
    InputFile,
    Job,
    JobUpdate,
    KeyInfo,
    RawRunRequest,
    RunOptions,
    RunResult,
)
from unsandbox_ls.api.policy import DEFAULT_POLL_SCHEDULE, OFFICIAL_POLL_SCHEDULE, RetryPolicy

__all__ = [
    "DEFAULT_POLL_SCHEDULE",
    "OFFICIAL_POLL_SCHEDULE",
    "TERMINAL_STATUSES",
    "ApiError",
    "Artifact",
    "AuthenticationError",
    "BadResponseError",
    "ClockSkewError",
    "ConfigurationError",
    "Credentials",
    "ExecuteRequest",
    "InputFile",
    "Job",
    "JobNotFoundError",
    "JobTimeoutError",
    "JobUpdate",
    "KeyInfo",
    "MissingCredentialsError",
    "NetworkError",
    "RateLimitedError",
    "RawRunRequest",
    "RedirectRefusedError",
    "RequestRejectedError",
    "RetryPolicy",
    "RunOptions",
    "RunResult",
    "ServerError",
    "UnsandboxClient",
    "UnsandboxError",
    "ValidationError",
    "find_credentials",
    "resolve_base_url",
]
