"""`api/quick_exchange.send`: the command line's one blocking request, against real sockets.

The scripted loopback server (`support.fault_server`) answers each case with real bytes: a body
with a length, chunks, a body that ends when the connection closes, an answer over the cap, a
reset in the middle, no answer, a malformed status line, an answer too slow for the timeout.
What the request carried is read back from the server's record.
"""

from __future__ import annotations

import asyncio
import math

import pytest
from support.fault_server import FaultServer, Reply, free_port

from unsandbox_ls.api.errors import BadResponseError
from unsandbox_ls.api.quick_exchange import Broken, NotConnected, send


async def _send(server: FaultServer, **kwargs: object) -> object:
    return await asyncio.to_thread(
        send,
        server.base_url,
        "POST",
        "/execute?x=1",
        **kwargs,  # type: ignore[arg-type]
    )


async def test_an_answer_with_a_length_is_read_whole_and_the_request_went_as_given() -> None:
    waited: list[int] = []
    async with FaultServer() as server:
        server.on("POST", "/execute", Reply(200, {"stdout": "hi"}, headers={"X-Thing": "Yes"}))
        reply = await _send(
            server,
            body=b'{"code": "print(1)"}',
            headers={"X-Timestamp": "1700000000", "Content-Type": "application/json"},
            while_waiting=lambda: waited.append(1),
        )
        (request,) = server.requests
    assert reply.status == 200  # type: ignore[attr-defined]
    assert reply.body == b'{"stdout": "hi"}'  # type: ignore[attr-defined]
    assert reply.headers["x-thing"] == "Yes"  # type: ignore[attr-defined]
    assert reply.headers["content-type"] == "application/json"  # type: ignore[attr-defined]
    assert reply.sent_timestamp == "1700000000"  # type: ignore[attr-defined]
    assert waited == [1]
    assert request.target == "/execute?x=1"
    assert request.body == b'{"code": "print(1)"}'
    assert request.headers["host"] == f"127.0.0.1:{server.port}"
    assert request.headers["content-length"] == "20"
    assert request.headers["user-agent"].startswith("unsandbox-ls/")
    assert request.headers["x-timestamp"] == "1700000000"


async def test_a_chunked_answer_is_joined() -> None:
    raw = (
        b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
        b"5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"
    )
    async with FaultServer() as server:
        server.on("POST", "/execute", Reply(raw=raw))
        reply = await _send(server)
    assert (reply.status, reply.body) == (201, b"hello, world")  # type: ignore[attr-defined]


async def test_an_answer_with_neither_length_nor_chunks_ends_when_the_connection_closes() -> None:
    async with FaultServer() as server:
        server.on("POST", "/execute", Reply(stream_bytes=200_000))
        reply = await _send(server)
    sent = math.ceil(200_000 / 65536) * 65536  # the server streams whole 64 KiB chunks
    assert reply.body == b"x" * sent  # type: ignore[attr-defined]


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "streamed"])
async def test_an_answer_over_the_cap_is_refused(declared: bool) -> None:
    script = Reply(200, b"y" * 300_000) if declared else Reply(stream_bytes=300_000)
    async with FaultServer() as server:
        server.on("POST", "/execute", script)
        with pytest.raises(BadResponseError, match="larger than"):
            await _send(server, max_response_bytes=100_000)


@pytest.mark.parametrize(
    "script",
    [
        Reply(200, b"z" * 100_000, reset_after=1000),
        Reply(close_without_answer=True),
        Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nonly part"),
        Reply(raw=b"SMTP ready\r\n\r\n"),
    ],
    ids=["reset-mid-body", "no-answer", "closed-mid-body", "not-http"],
)
async def test_an_answer_that_does_not_come_whole_is_broken(script: Reply) -> None:
    async with FaultServer() as server:
        server.on("POST", "/execute", script)
        with pytest.raises(Broken) as caught:
            await _send(server)
    assert caught.value.timeout is False


async def test_a_slow_answer_is_a_timeout() -> None:
    async with FaultServer() as server:
        server.on("POST", "/execute", Reply(200, b"{}", delay=1.0))
        with pytest.raises(Broken) as caught:
            await _send(server, timeout=0.2)
    assert caught.value.timeout is True


def test_nothing_listening_is_not_connected() -> None:
    with pytest.raises(NotConnected):
        send(f"http://127.0.0.1:{free_port()}", "GET", "/health", connect_timeout=1.0)


async def test_a_header_with_a_line_break_is_never_sent() -> None:
    async with FaultServer() as server:
        server.on("POST", "/execute", Reply(200, b"{}"))
        with pytest.raises(ValueError, match="line break"):
            await _send(server, headers={"X-Evil": "a\r\nX-Injected: 1"})
        await asyncio.sleep(0.05)
        assert server.requests == []
