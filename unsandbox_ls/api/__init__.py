"""The HTTP client of the unsandbox API: requests, results, credentials, errors.

Names are imported on first use, so `unsandbox_ls.api.models` and `unsandbox_ls.api.errors` can be
used without loading httpx (the language server needs them at start-up, the client only at the
first run).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unsandbox_ls.api.cancelled import CancelNotConfirmed, JobCancelled
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

_EXPORTS: dict[str, str] = {
    "ApiError": "unsandbox_ls.api.errors",
    "Artifact": "unsandbox_ls.api.models",
    "AuthenticationError": "unsandbox_ls.api.errors",
    "BadResponseError": "unsandbox_ls.api.errors",
    "CancelNotConfirmed": "unsandbox_ls.api.cancelled",
    "ClockSkewError": "unsandbox_ls.api.errors",
    "ConfigurationError": "unsandbox_ls.api.errors",
    "Credentials": "unsandbox_ls.api.credentials",
    "DEFAULT_POLL_SCHEDULE": "unsandbox_ls.api.policy",
    "ExecuteRequest": "unsandbox_ls.api.models",
    "InputFile": "unsandbox_ls.api.models",
    "Job": "unsandbox_ls.api.models",
    "JobCancelled": "unsandbox_ls.api.cancelled",
    "JobNotFoundError": "unsandbox_ls.api.errors",
    "JobTimeoutError": "unsandbox_ls.api.errors",
    "JobUpdate": "unsandbox_ls.api.models",
    "KeyInfo": "unsandbox_ls.api.models",
    "MissingCredentialsError": "unsandbox_ls.api.errors",
    "NetworkError": "unsandbox_ls.api.errors",
    "OFFICIAL_POLL_SCHEDULE": "unsandbox_ls.api.policy",
    "RateLimitedError": "unsandbox_ls.api.errors",
    "RawRunRequest": "unsandbox_ls.api.models",
    "RedirectRefusedError": "unsandbox_ls.api.errors",
    "RequestRejectedError": "unsandbox_ls.api.errors",
    "RetryPolicy": "unsandbox_ls.api.policy",
    "RunOptions": "unsandbox_ls.api.models",
    "RunResult": "unsandbox_ls.api.models",
    "ServerError": "unsandbox_ls.api.errors",
    "TERMINAL_STATUSES": "unsandbox_ls.api.models",
    "UnsandboxClient": "unsandbox_ls.api.client",
    "UnsandboxError": "unsandbox_ls.api.errors",
    "ValidationError": "unsandbox_ls.api.errors",
    "find_credentials": "unsandbox_ls.api.credentials",
    "resolve_base_url": "unsandbox_ls.api.credentials",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_POLL_SCHEDULE",
    "OFFICIAL_POLL_SCHEDULE",
    "TERMINAL_STATUSES",
    "ApiError",
    "Artifact",
    "AuthenticationError",
    "BadResponseError",
    "CancelNotConfirmed",
    "ClockSkewError",
    "ConfigurationError",
    "Credentials",
    "ExecuteRequest",
    "InputFile",
    "Job",
    "JobCancelled",
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
