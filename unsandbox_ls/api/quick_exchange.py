"""One request to a local sandbox without httpx or asyncio: the command line's quick path.

`send(...)` makes one HTTP/1.1 request over a blocking socket (a unix socket, the local
sandbox's, or TCP to a plain `http://` loopback base URL), framed by h11, and reads the answer
whole within the cap. h11 because the standard library's `http.client` imports `email` and `ssl`
(about 15 ms more on the command line's path). It neither retries, follows redirects, reads
proxy settings nor speaks TLS: the caller hands anything but a plain answer to the full client
(`client.py`), which loads httpx only then. Two failures are told apart, because a submission
may be sent again only after the first:

- `NotConnected`: the connection could not be opened, so nothing was sent;
- `Broken`: the request may have reached the API, and its answer did not come whole (a timeout,
  a reset, a closed connection, a malformed answer); `timeout` says which kind.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

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
    sock, host = _connect(base_url, socket_path, connect_timeout)
    what = f"{method} {path.split('?')[0]}"
    every = {"Host": host, "User-Agent": f"unsandbox-ls/{__version__}"}
    every["Accept"] = "application/json"
    every.update(headers or {})
    every["Content-Length"] = str(len(body))
    try:
        sock.settimeout(timeout)
        connection = h11.Connection(our_role=h11.CLIENT)
        sock.sendall(
            connection.send(h11.Request(method=method, target=path, headers=list(every.items())))
            + connection.send(h11.Data(data=body))
            + connection.send(h11.EndOfMessage())
        )
        if while_waiting is not None:
            while_waiting()
        status, answer, chunks, size = 0, {}, [], 0
        while True:
            event = connection.next_event()
            if event is h11.NEED_DATA:
                connection.receive_data(sock.recv(_READ_BYTES))
            elif isinstance(event, h11.Response):
                status = event.status_code
                answer = {k.decode("latin-1"): v.decode("latin-1") for k, v in event.headers}
                declared = answer.get("content-length", "")
                if declared.isdigit() and int(declared) > max_response_bytes:
                    raise response_too_large(what, max_response_bytes)
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if size > max_response_bytes:
                    raise response_too_large(what, max_response_bytes)
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage):
                break
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionResetError("the connection closed before the answer ended")
    except TimeoutError as exc:
        raise Broken(exc, timeout=True) from exc
    except (OSError, h11.ProtocolError) as exc:
        raise Broken(exc, timeout=False) from exc
    finally:
        sock.close()
    return Reply(status, answer, b"".join(chunks), every.get("X-Timestamp"))


__all__ = ["Broken", "NotConnected", "Reply", "reachable", "send"]
