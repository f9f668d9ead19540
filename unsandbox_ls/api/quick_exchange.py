"""One request to a local sandbox without httpx or asyncio: the command line's quick path.

`send(...)` makes one request with the standard library's `http.client` to a plain `http://`
loopback base URL or to a unix socket (the local sandbox's), and reads the answer whole within
the cap. It neither retries, follows redirects, reads proxy settings nor speaks TLS: the caller
hands anything but a plain answer to the full client (`client.py`), which loads httpx only then.
Two failures are told apart, because a submission may be sent again only after the first:

- `NotConnected`: the connection could not be opened, so nothing was sent;
- `Broken`: the request may have reached the API, and its answer did not come whole (a timeout,
  a reset, a closed connection); `timeout` says which kind.
"""

from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from unsandbox_ls import __version__
from unsandbox_ls.api.credentials import is_loopback_host
from unsandbox_ls.api.errors import response_too_large


class NotConnected(Exception):
    """The connection could not be opened: nothing was sent."""


class Broken(Exception):
    """The request may have been sent; its answer did not come whole."""

    def __init__(self, cause: BaseException, *, timeout: bool) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.timeout = timeout


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, its body read whole; header names in lower case."""

    status: int
    headers: dict[str, str]
    body: bytes
    #: the X-Timestamp the request was signed with (None for unsigned requests)
    sent_timestamp: str | None = None


def reachable(base_url: str, socket_path: str | None) -> bool:
    """Whether `send` can reach this API: a unix socket, or plain `http://` to a loopback host."""
    if socket_path is not None:
        return True
    parts = urlsplit(base_url)
    return parts.scheme == "http" and is_loopback_host(parts.hostname or "")


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over a unix socket (the host name is nominal, as httpx's `uds=` sends it)."""

    def __init__(self, socket_path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._socket_path = socket_path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self._socket_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock


def send(
    base_url: str,
    method: str,
    path: str,
    *,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    socket_path: str | None = None,
    connect_timeout: float = 5.0,
    timeout: float = 30.0,
    max_response_bytes: int = 64 * 1024 * 1024,
) -> Reply:
    """Send one request (its headers as given: sign them first) and read the answer."""
    if socket_path is not None:
        connection: http.client.HTTPConnection = _UnixConnection(socket_path, connect_timeout)
    else:
        parts = urlsplit(base_url)
        connection = http.client.HTTPConnection(
            parts.hostname or "localhost", parts.port, timeout=connect_timeout
        )
    try:
        try:
            connection.connect()
        except OSError as exc:
            raise NotConnected(str(exc)) from exc
        assert connection.sock is not None
        connection.sock.settimeout(timeout)
        every = {"User-Agent": f"unsandbox-ls/{__version__}", "Accept": "application/json"}
        every.update(headers or {})
        try:
            connection.request(method, path, body=body or None, headers=every)
            response = connection.getresponse()
            answer = {k.lower(): v for k, v in response.getheaders()}
            declared = answer.get("content-length", "")
            if declared.isdigit() and int(declared) > max_response_bytes:
                raise response_too_large(f"{method} {path.split('?')[0]}", max_response_bytes)
            data = response.read(max_response_bytes + 1)
        except TimeoutError as exc:
            raise Broken(exc, timeout=True) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise Broken(exc, timeout=False) from exc
        if len(data) > max_response_bytes:
            raise response_too_large(f"{method} {path.split('?')[0]}", max_response_bytes)
        return Reply(response.status, answer, data, every.get("X-Timestamp"))
    finally:
        connection.close()


__all__ = ["Broken", "NotConnected", "Reply", "reachable", "send"]
