"""Authentication of the local sandbox, over real HTTP: HMAC, legacy bearer, and every refusal."""

from __future__ import annotations

import json
import time

import httpx
from support.sandbox import SandboxServer, signed_headers

BODY = json.dumps({"language": "bash", "code": "echo ok"}).encode()


def post(server: SandboxServer, headers: dict[str, str], body: bytes = BODY) -> httpx.Response:
    return httpx.post(server.base_url + "/execute", content=body, headers=headers, timeout=60)


def test_good_hmac_runs_the_job(sandbox_server: SandboxServer) -> None:
    headers = sandbox_server.headers("POST", "/execute", BODY)
    response = post(sandbox_server, headers)
    assert response.status_code == 200, response.text
    assert response.json()["stdout"] == "ok\n"


def test_good_bearer_key_runs_the_job(sandbox_server: SandboxServer) -> None:
    response = post(sandbox_server, {"Authorization": f"Bearer {sandbox_server.api_key}"})
    assert response.status_code == 200, response.text
    assert response.json()["stdout"] == "ok\n"


def _assert_401(response: httpx.Response, server: SandboxServer) -> dict[str, str]:
    assert response.status_code == 401, response.text
    data: dict[str, str] = response.json()
    assert data["error"] and data["message"]
    for secret in (server.secret_key, server.api_key):
        assert secret not in response.text
    return data


def test_wrong_secret_is_refused(sandbox_server: SandboxServer) -> None:
    headers = signed_headers(sandbox_server.public_key, "unsb-sk-wrong", "POST", "/execute", BODY)
    _assert_401(post(sandbox_server, headers), sandbox_server)


def test_unknown_public_key_is_refused(sandbox_server: SandboxServer) -> None:
    headers = signed_headers("unsb-pk-0000", sandbox_server.secret_key, "POST", "/execute", BODY)
    _assert_401(post(sandbox_server, headers), sandbox_server)


def test_wrong_bearer_key_is_refused(sandbox_server: SandboxServer) -> None:
    _assert_401(post(sandbox_server, {"Authorization": "Bearer unsb-sk-nope"}), sandbox_server)


def test_tampered_body_is_refused(sandbox_server: SandboxServer) -> None:
    headers = sandbox_server.headers("POST", "/execute", BODY)
    tampered = BODY.replace(b"echo ok", b"echo no")
    data = _assert_401(post(sandbox_server, headers, tampered), sandbox_server)
    assert "signature" in data["message"]


def test_signature_covers_the_query_string(sandbox_server: SandboxServer) -> None:
    code = b"#!/bin/bash\necho hi\n"
    headers = sandbox_server.headers("POST", "/run?ttl=5", code)
    response = httpx.post(
        sandbox_server.base_url + "/run?ttl=6", content=code, headers=headers, timeout=30
    )
    _assert_401(response, sandbox_server)


def test_skewed_clock_is_refused_with_a_timestamp_message(sandbox_server: SandboxServer) -> None:
    for skew in (-400, 400):
        headers = signed_headers(
            sandbox_server.public_key,
            sandbox_server.secret_key,
            "POST",
            "/execute",
            BODY,
            timestamp=str(int(time.time()) + skew),
        )
        data = _assert_401(post(sandbox_server, headers), sandbox_server)
        assert "timestamp" in data["message"]


def test_small_skew_is_accepted(sandbox_server: SandboxServer) -> None:
    headers = signed_headers(
        sandbox_server.public_key,
        sandbox_server.secret_key,
        "GET",
        "/jobs",
        b"",
        timestamp=str(int(time.time()) - 200),
    )
    response = httpx.get(sandbox_server.base_url + "/jobs", headers=headers, timeout=10)
    assert response.status_code == 200


def test_missing_headers_are_refused(sandbox_server: SandboxServer) -> None:
    full = sandbox_server.headers("POST", "/execute", BODY)
    _assert_401(post(sandbox_server, {}), sandbox_server)
    for dropped in ("X-Timestamp", "X-Signature"):
        partial = {k: v for k, v in full.items() if k != dropped}
        _assert_401(post(sandbox_server, partial), sandbox_server)
    only_public = {"Authorization": full["Authorization"]}
    data = _assert_401(post(sandbox_server, only_public), sandbox_server)
    assert "X-Signature" in data["message"]


def test_health_and_languages_need_no_key(sandbox_server: SandboxServer) -> None:
    assert httpx.get(sandbox_server.base_url + "/health", timeout=10).status_code == 200
    assert httpx.get(sandbox_server.base_url + "/languages", timeout=10).status_code == 200


def test_every_job_endpoint_needs_a_key(sandbox_server: SandboxServer) -> None:
    base = sandbox_server.base_url
    for method, path in (
        ("POST", "/execute/async"),
        ("POST", "/run"),
        ("POST", "/run/async"),
        ("GET", "/jobs"),
        ("GET", "/jobs/x"),
        ("DELETE", "/jobs/x"),
        ("POST", "/keys/validate"),
    ):
        response = httpx.request(method, base + path, timeout=10)
        assert response.status_code == 401, (method, path, response.text)
