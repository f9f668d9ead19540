"""Fixtures of the API client tests: the loopback fault server and a client with fast retries."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from support.fault_server import FaultServer

from unsandbox_ls.api import Credentials, RetryPolicy, UnsandboxClient

#: retry delays small enough for fault tests to run in milliseconds
FAST_RETRY = RetryPolicy(
    max_retries=3,
    max_rate_limit_retries=3,
    backoff=0.01,
    max_delay=0.05,
    not_found_delay=0.01,
    max_failed_polls=2,
    failed_poll_delay=0.01,
)


@pytest.fixture
def secret_key() -> str:
    """A recognisable random secret: tests check it never shows up anywhere."""
    return "unsb-sk-" + secrets.token_hex(16)


@pytest.fixture
def public_key() -> str:
    return "unsb-pk-" + secrets.token_hex(8)


@pytest.fixture
async def fault_server() -> AsyncIterator[FaultServer]:
    async with FaultServer() as server:
        yield server


@pytest.fixture
async def make_client(
    fault_server: FaultServer, public_key: str, secret_key: str
) -> AsyncIterator[Callable[..., UnsandboxClient]]:
    made: list[UnsandboxClient] = []

    def make(**overrides: Any) -> UnsandboxClient:
        options: dict[str, Any] = {
            "retry": FAST_RETRY,
            "poll_schedule": (0.01,),
            "timeout": 5.0,
            "cancel_timeout": 2.0,
        }
        options.update(overrides)
        base_url = options.pop("base_url", fault_server.base_url)
        credentials = options.pop(
            "credentials",
            Credentials(public_key=public_key, secret_key=secret_key, source="test keys"),
        )
        client = UnsandboxClient(base_url, credentials, **options)
        made.append(client)
        return client

    yield make
    for client in made:
        await client.aclose()
