"""Hostile requests to the local sandbox get a clean 4xx: never a 500, a failed job, a held socket.

Each case is a request a careless or hostile client can send: over-long file names (the kernel
limits a name to 255 bytes), lone UTF-16 surrogates in JSON strings (valid JSON, not encodable
as UTF-8), bodies nested deeper than the parser's recursion limit, absurd `X-Timestamp`
values, and a body that trickles in a few bytes a second. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from typing import Any

import httpx
import pytest
from support.sandbox import SandboxServer, signed_headers


def post_raw(server: SandboxServer, body: bytes, path: str = "/execute") -> tuple[int, Any]:
    response = server.request("POST", path, content=body, timeout=60)
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("files", "words"),
    [
        # 200 characters, 400 bytes: within the API's character limit, past the kernel's
        ([{"filename": "é" * 200, "content": "eA=="}], "255 bytes"),
        ([{"filename": "a" * 252 + ".txt", "content": "eA=="}], "255 bytes"),
    ],
)
def test_over_long_file_names_are_400(
    sandbox_server: SandboxServer, files: list[dict[str, str]], words: str
) -> None:
    body = json.dumps({"language": "bash", "code": "ls", "input_files": files}).encode()
    status, data = post_raw(sandbox_server, body)
    assert status == 400, data
    assert words in data["message"], data


@pytest.mark.parametrize("length", [250, 254, 255])
def test_long_file_names_within_the_kernel_limit_run(
    sandbox_server: SandboxServer, length: int
) -> None:
    """Names up to 255 bytes are the kernel's own limit; they used to break the memfd name."""
    name = "b" * (length - 4) + ".txt"
    files = [{"filename": name, "content": "eA=="}]
    data = sandbox_server.execute("bash", f"cat {name}", input_files=files)
    assert (data["status"], data["stdout"]) == ("completed", "x"), data


@pytest.mark.parametrize(
    "body",
    [
        b'{"language": "python", "code": "print(1) # \\ud800"}',
        b'{"language": "bash", "code": "cat x", '
        b'"input_files": [{"filename": "x\\udc00", "content": "eA=="}]}',
        b'{"language": "bash", "code": "env", "env": {"A": "\\udfff"}}',
        b'{"language": "bash", "code": "env", "env": {"\\ud800": "1"}}',
    ],
)
def test_lone_surrogates_are_400(sandbox_server: SandboxServer, body: bytes) -> None:
    status, data = post_raw(sandbox_server, body)
    assert status == 400, data
    assert "UTF-8" in data["message"] or "surrogate" in data["message"], data


def test_integer_too_long_to_read_is_400(sandbox_server: SandboxServer) -> None:
    status, data = post_raw(sandbox_server, b'{"language": "bash", "ttl": ' + b"1" * 5000 + b"}")
    assert status == 400, data
    assert "too large" in data["message"], data


def test_lone_surrogate_language_is_400(sandbox_server: SandboxServer) -> None:
    status, data = post_raw(sandbox_server, b'{"language": "\\ud800", "code": "1"}')
    assert status == 400, data


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_deeply_nested_json_is_400(sandbox_server: SandboxServer, opener: bytes) -> None:
    closer = b"]" if opener == b"[" else b"}"
    body = opener * 100_000 + b"1" + closer * 100_000
    status, data = post_raw(sandbox_server, body)
    assert status == 400, data
    assert "nested" in data["message"], data


@pytest.mark.parametrize(
    "timestamp",
    [
        "9" * 400,
        "-" + "9" * 400,
        "1e30",
        "-1",
        "\u0661\u0667" + "\u0660" * 8,
        "1_700_000_000",
        "",
        "0x10",
    ],
)
def test_absurd_timestamps_are_a_clean_401(sandbox_server: SandboxServer, timestamp: str) -> None:
    body = b'{"language": "bash", "code": "true"}'
    headers = signed_headers(
        sandbox_server.public_key, sandbox_server.secret_key, "POST", "/execute", body,
        timestamp=timestamp,
    )  # fmt: skip
    raw: dict[str, bytes] = {k: v.encode("utf-8") for k, v in headers.items()}
    response = httpx.post(sandbox_server.base_url + "/execute", content=body, headers=raw)
    assert response.status_code == 401, response.text
    data = response.json()
    assert data["error"] in ("invalid_timestamp", "missing_signature"), data
    assert "imestamp" in data["message"], data


def test_trickling_body_times_out(sandbox_server: SandboxServer) -> None:
    """Headers promise 200 bytes; one byte arrives a second. The server must give up (408) soon
    after its grace period instead of holding the connection for as long as the client likes."""
    from unsandbox_ls.sandbox.app import BODY_GRACE_SECONDS

    body = b'{"language": "bash", "code": "' + b"#" * 160 + b'"}'
    headers = sandbox_server.headers("POST", "/execute", body)
    port = int(sandbox_server.base_url.rsplit(":", 1)[1])
    head = (
        "POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        + f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    limit = BODY_GRACE_SECONDS + 15
    answer = b""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(head)
        sock.settimeout(1.0)
        for byte in body[: int(limit)]:
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break  # the server closed the connection
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            answer += chunk
            if not chunk or b"\r\n\r\n" in answer:
                break
        elapsed = time.monotonic() - started
        with contextlib.suppress(OSError):
            while b"}" not in answer and (chunk := sock.recv(65536)):
                answer += chunk  # the rest of the error body
    assert answer.startswith(b"HTTP/1.1 408"), (answer[:200], elapsed)
    assert elapsed < limit
    assert b"request_timeout" in answer or b"slowly" in answer


def test_trickling_headers_are_cut_off(sandbox_server: SandboxServer) -> None:
    """A request line and headers sent a byte a second: the connection is closed soon after
    the header deadline, although every byte would reset uvicorn's keep-alive timer."""
    from unsandbox_ls.sandbox.http_protocol import HEADER_SECONDS

    port = int(sandbox_server.base_url.rsplit(":", 1)[1])
    limit = HEADER_SECONDS + 15
    closed = False
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /execute HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        sock.settimeout(1.0)
        while time.monotonic() - started < limit:
            try:
                sock.sendall(b"X")
                if sock.recv(65536) == b"":
                    closed = True
                    break
            except TimeoutError:
                continue
            except OSError:
                closed = True
                break
        elapsed = time.monotonic() - started
    assert closed, f"the connection was still open after {elapsed:.0f} s"
    assert elapsed < limit
