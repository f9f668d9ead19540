"""Request authentication as `httpx.Auth` flows: HMAC signing (current) and legacy bearer.

`HmacAuth` signs every request it sees, with a fresh timestamp, so retries and polls are re-signed.
It signs `request.url.raw_path` (path and query exactly as sent) and `request.content` (the exact
body bytes), which is why `requires_request_body` is set. The clock is injectable for tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator

import httpx

from unsandbox_ls.api.credentials import Credentials
from unsandbox_ls.api.signing import auth_headers


class HmacAuth(httpx.Auth):
    """`Authorization: Bearer <public>`, `X-Timestamp`, `X-Signature` on every request."""

    requires_request_body = True

    def __init__(self, public_key: str, secret_key: str, *, clock: Callable[[], float] = time.time):
        self._credentials = Credentials(public_key=public_key, secret_key=secret_key)
        self._clock = clock

    def __repr__(self) -> str:
        return f"HmacAuth(public_key={self._credentials.public_key!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        path = request.url.raw_path.decode("ascii")
        request.headers.update(
            auth_headers(
                self._credentials, str(int(self._clock())), request.method, path, request.content
            )
        )
        yield request


class BearerAuth(httpx.Auth):
    """Legacy scheme: `Authorization: Bearer <api key>` (the key itself is sent)."""

    def __init__(self, api_key: str):
        self._credentials = Credentials(api_key=api_key)

    def __repr__(self) -> str:
        return "BearerAuth(<key hidden>)"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(auth_headers(self._credentials, "", request.method, "", b""))
        yield request


def auth_for(credentials: Credentials, *, clock: Callable[[], float] = time.time) -> httpx.Auth:
    if credentials.scheme == "hmac":
        assert credentials.public_key and credentials.secret_key
        return HmacAuth(credentials.public_key, credentials.secret_key, clock=clock)
    assert credentials.api_key
    return BearerAuth(credentials.api_key)


__all__ = ["BearerAuth", "HmacAuth", "auth_for"]
