"""A loopback HTTP/1.1 server whose answers are scripted by the test, to inject API faults.

Real sockets, no mocks: the client under test opens real TCP connections and reads real bytes.
Each request to a path takes the next scripted `Reply` for that (method, path); the last one
repeats. Besides normal answers, a reply can stall (read timeouts), reset the connection in the
middle of the body, close without answering, or stream a body of any size. Every request is
recorded (method, raw path with query, headers, body) so tests can check what was sent.

    async with FaultServer() as server:
        server.on("POST", "/execute", Reply(503), Reply(200, {"stdout": "hi", "exit_code": 0}))
        ... UnsandboxClient(server.base_url, ...) ...
        assert len(server.requests) == 2
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    body: Any = b""  # bytes, str, or anything JSON-serialisable
    headers: dict[str, str] = field(default_factory=dict)
    #: seconds to wait before answering anything (a read timeout for a shorter client timeout)
    delay: float = 0.0
    #: send the headers and this many body bytes, then reset the connection (RST)
    reset_after: int | None = None
    #: close the connection as soon as the request is read, answering nothing
    close_without_answer: bool = False
    #: instead of `body`, stream this many bytes of filler in 64 KiB chunks (no Content-Length)
    stream_bytes: int | None = None
    #: instead of everything above, these bytes as the whole answer (then the connection closes)
    raw: bytes | None = None

    def payload(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body).encode(), "application/json"


@dataclass(frozen=True)
class Recorded:
    method: str
    target: str  # raw path with query, as sent
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


_REASONS = {
    200: "OK", 202: "Accepted", 204: "No Content", 301: "Moved Permanently", 302: "Found",
    307: "Temporary Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 413: "Payload Too Large", 429: "Too Many Requests",
    500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
    504: "Gateway Timeout",
}  # fmt: skip


class FaultServer:
    """The scripted server; use as `async with FaultServer() as server`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.requests: list[Recorded] = []
        self._script: dict[tuple[str, str], list[Reply]] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def on(self, method: str, path: str, *replies: Reply) -> None:
        """Script the answers to `method path` (path without query), in order; the last repeats."""
        self._script[(method.upper(), path)] = list(replies)

    def requests_to(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    async def __aenter__(self) -> FaultServer:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(BaseException):
                await task
        await self._server.wait_closed()

    def _next_reply(self, method: str, path: str) -> Reply:
        replies = self._script.get((method, path))
        if not replies:
            return Reply(404, {"error": "not_found", "message": f"no script for {method} {path}"})
        return replies.pop(0) if len(replies) > 1 else replies[0]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0") or 0)
        body = await reader.readexactly(length) if length else b""
        recorded = Recorded(method.upper(), target, headers, body)
        self.requests.append(recorded)
        reply = self._next_reply(recorded.method, recorded.path)

        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.close_without_answer:
            _reset(writer)
            return
        if reply.raw is not None:
            writer.write(reply.raw)
            await writer.drain()
            return
        payload, content_type = reply.payload()
        out_headers = {"Content-Type": content_type, "Connection": "close", **reply.headers}
        if reply.stream_bytes is None:
            out_headers.setdefault("Content-Length", str(len(payload)))
        status_line = f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, 'Status')}\r\n"
        head_out = status_line + "".join(f"{k}: {v}\r\n" for k, v in out_headers.items()) + "\r\n"
        writer.write(head_out.encode("latin-1"))
        if reply.reset_after is not None:
            writer.write(payload[: reply.reset_after])
            await writer.drain()
            await asyncio.sleep(0.05)
            _reset(writer)
            return
        if reply.stream_bytes is not None:
            chunk = b"x" * 65536
            sent = 0
            while sent < reply.stream_bytes:
                writer.write(chunk)
                await writer.drain()
                sent += len(chunk)
        else:
            writer.write(payload)
        await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with RST instead of FIN: the peer sees 'connection reset'."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def free_port() -> int:
    """A loopback port nobody listens on (for connection-refused tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
