"""One request to a local sandbox without httpx or asyncio: the command line's quick path.

`send(...)` makes one HTTP/1.1 request over a blocking socket (a unix socket, the local
sandbox's, or TCP to a plain `http://` loopback base URL) and reads the answer whole within the
cap. The request is written here (a request line, our own headers, the body); the answer is
read by httptools, the C binding of Node's HTTP parser (llhttp) that uvicorn uses: it imports in
about a millisecond, where h11 costs ~9 ms with `dataclasses`, and the standard library's
`http.client` imports `email` and `ssl` (~15 ms). An answer with neither a length nor chunks
ends when the connection closes (HTTP/1.1's rule), which httptools cannot be told: such a body
is taken as read when the connection closes after its headers.

It neither retries, follows redirects, reads proxy settings nor speaks TLS: the caller hands
anything but a plain answer to the full client (`client.py`), which loads httpx only then. Two
failures are told apart, because a submission may be sent again only after the first:

- `NotConnected`: the connection could not be opened, so nothing was sent;
- `Broken`: the request may have reached the API, and its answer did not come whole (a timeout,
  a reset, a closed connection, a malformed answer); `timeout` says which kind.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlsplit

import httptools

from unsandbox_ls import __version__
from unsandbox_ls.api.credentials import is_loopback_host
from unsandbox_ls.api.errors import response_too_large

_READ_BYTES = 256 * 1024


class NotConnected(Exception):
    """The connection could not be opened: nothing was sent."""


class Broken(Exception):
    """The request may have been sent; its answer did not come whole."""

    def __init__(self, cause: BaseException, *, timeout: bool) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.timeout = timeout


class Reply(NamedTuple):
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


def _connect(base_url: str, socket_path: str | None, timeout: float) -> tuple[socket.socket, str]:
    """The connected socket and the Host header; `NotConnected` when it cannot be opened."""
    try:
        if socket_path is not None:  # the host name is nominal, as httpx's `uds=` sends it
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.settimeout(timeout)
                sock.connect(socket_path)
            except BaseException:
                sock.close()
                raise
            return sock, "localhost"
        parts = urlsplit(base_url)
        host = parts.hostname or "localhost"
        sock = socket.create_connection((host, parts.port or 80), timeout=timeout)
        return sock, parts.netloc
    except OSError as exc:
        raise NotConnected(str(exc)) from exc


class _Answer:
    """httptools' callbacks: the status, headers and body of one answer. Past `cap` bytes
    (declared or read) the body is no longer kept and `too_large` is set, for `send` to raise
    (an exception raised inside a callback would come out as httptools' own error)."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.headers: dict[str, str] = {}
        self.chunks: list[bytes] = []
        self.size = 0
        self.headers_done = False
        self.done = False
        self.too_large = False

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.headers_done = True
        declared = self.headers.get("content-length", "")
        self.too_large = declared.isdigit() and int(declared) > self.cap

    def on_body(self, data: bytes) -> None:
        self.size += len(data)
        self.too_large = self.too_large or self.size > self.cap
        if not self.too_large:
            self.chunks.append(bytes(data))

    def on_message_complete(self) -> None:
        self.done = True

    def ends_at_close(self) -> bool:
        """Whether a closed connection ends this answer: its headers came, with neither a
        length nor chunks."""
        chunked = "chunked" in self.headers.get("transfer-encoding", "").lower()
        return self.headers_done and "content-length" not in self.headers and not chunked


def _request(method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    """The request's bytes; `ValueError` for a line break or NUL in a header (ours are built
    here and by the signing: this is a guard)."""
    lines = [f"{method} {path} HTTP/1.1"]
    for name, value in headers.items():
        if any(c in name or c in value for c in "\r\n\0") or not name:
            raise ValueError(f"header {name!r} cannot be sent: it holds a line break or NUL")
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


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
    while_waiting: Callable[[], None] | None = None,
) -> Reply:
    """Send one request (its headers as given: sign them first) and read the answer.
    `while_waiting` runs once the request is sent, before the answer is read (the command line
    loads what shows the result meanwhile, while the sandbox runs the job)."""
    what = f"{method} {path.split('?')[0]}"
    every = {"User-Agent": f"unsandbox-ls/{__version__}", "Accept": "application/json"}
    every.update(headers or {})
    every["Content-Length"] = str(len(body))
    sock, host = _connect(base_url, socket_path, connect_timeout)
    answer = _Answer(max_response_bytes)
    parser = httptools.HttpResponseParser(answer)
    try:
        sock.settimeout(timeout)
        sock.sendall(_request(method, path, {"Host": host, **every}, body))
        if while_waiting is not None:
            while_waiting()
        while not answer.done:
            data = sock.recv(_READ_BYTES)
            if not data:
                if answer.ends_at_close():
                    break
                raise ConnectionResetError("the connection closed before the answer ended")
            parser.feed_data(data)
            if answer.too_large:
                raise response_too_large(what, max_response_bytes)
    except TimeoutError as exc:
        raise Broken(exc, timeout=True) from exc
    except (OSError, httptools.HttpParserError) as exc:
        raise Broken(exc, timeout=False) from exc
    finally:
        sock.close()
    status = parser.get_status_code()
    return Reply(status, answer.headers, b"".join(answer.chunks), every.get("X-Timestamp"))


__all__ = ["Broken", "NotConnected", "Reply", "reachable", "send"]
