"""The bottom layer of the client: one HTTP exchange with the API, read whole within a cap.

- `open_http(base_url, ...)` builds the `httpx.AsyncClient` for one base URL: https required
  unless the host is loopback, redirects never followed, the verifying TLS context built once
  per process (`tls_verify` decides what a base URL gets), proxies from the environment only
  for non-loopback hosts. An injected `transport=` (tests, other sockets) goes through it.
- `Transport.send(...)` sends one request (signed when `authenticated`) and streams the body,
  stopping past `max_response_bytes`; the answer is an `Answer`. httpx's exceptions pass
  through unchanged: `classify.py` says what they mean.
- `Scrubber` hides our own secrets, and anything shaped like a secret key, in any text that
  came from the server before it reaches an error message or a log.

Nothing here retries or reads JSON; `retrying.py` and `client.py` do.
"""

from __future__ import annotations

import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from unsandbox_ls import __version__
from unsandbox_ls.api import tls
from unsandbox_ls.api.credentials import is_loopback_host
from unsandbox_ls.api.errors import (
    BadResponseError,
    ConfigurationError,
    UnsandboxError,
    response_too_large,
)

_SECRET_SHAPE = re.compile(r"unsb-sk-[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Answer:
    """One HTTP answer, its body read whole."""

    status: int
    headers: httpx.Headers
    body: bytes
    #: the X-Timestamp the request was signed with (None for unsigned requests)
    sent_timestamp: str | None = None

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", ""))


def checked_base_url(base_url: str) -> httpx.URL:
    """The base URL, refused unless it is https (or plain http to a loopback host)."""
    url = httpx.URL(base_url)
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"the base URL must be https://host[:port]: {base_url!r}")
    if url.scheme == "http" and not is_loopback_host(url.host):
        raise ConfigurationError(
            f"refusing to send credentials over plain http to {url.host}; use https:// "
            f"(plain http is only allowed for loopback hosts)"
        )
    return url


def tls_verify(url: httpx.URL) -> ssl.SSLContext:
    """What `verify=` a base URL gets (`tls.context_for`): the verifying context, built once per
    process, for `https://` (without the environment's CA settings for a loopback host); a context
    that loads nothing for plain loopback `http://`, which never uses one."""
    return tls.context_for(url, loopback=is_loopback_host(url.host))


def open_http(
    base_url: str,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 30.0,
    connect_timeout: float = 5.0,
) -> httpx.AsyncClient:
    """The HTTP client of one base URL (checked by `checked_base_url`)."""
    url = checked_base_url(base_url)
    loopback = is_loopback_host(url.host)
    return httpx.AsyncClient(
        base_url=base_url,
        transport=transport,
        follow_redirects=False,
        verify=tls_verify(url),
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        headers={"User-Agent": f"unsandbox-ls/{__version__}", "Accept": "application/json"},
        trust_env=not loopback,
    )


class Scrubber:
    """Hides secrets in text that came from the server."""

    def __init__(self, secrets: tuple[str, ...]) -> None:
        self._secrets = tuple(s for s in secrets if s)

    def text(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<hidden>")
        return _SECRET_SHAPE.sub("<hidden>", text)

    def error(self, error: UnsandboxError) -> UnsandboxError:
        """The same error, its message scrubbed."""
        text = str(error)
        clean = self.text(text)
        if clean != text:
            error.args = (clean,)
        return error


class Transport:
    """Sends one request to the base URL of `http` and reads its answer within the cap."""

    def __init__(
        self, http: httpx.AsyncClient, auth: httpx.Auth | None, max_response_bytes: int
    ) -> None:
        self.http = http
        self.auth = auth
        self.max_response_bytes = max_response_bytes

    async def aclose(self) -> None:
        await self.http.aclose()

    async def send(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        authenticated: bool = True,
    ) -> Answer:
        if authenticated and self.auth is None:
            raise ConfigurationError(f"{method} {path} needs API credentials, and none were given")
        request = self.http.build_request(
            method,
            path,
            content=content,
            params=params,
            headers=headers,
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        response = await self.http.send(
            request,
            auth=self.auth if authenticated else None,
            stream=True,
            follow_redirects=False,
        )
        try:
            body = await self._read_capped(response, f"{method} {path}")
        finally:
            await response.aclose()
        sent = response.request.headers.get("x-timestamp")
        return Answer(response.status_code, response.headers, body, sent)

    async def _read_capped(self, response: httpx.Response, what: str) -> bytes:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            raise self._too_large(what)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.max_response_bytes:
                raise self._too_large(what)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, what: str) -> BadResponseError:
        return response_too_large(what, self.max_response_bytes)
