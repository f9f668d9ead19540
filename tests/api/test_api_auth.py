"""The HMAC `httpx.Auth` against the API reference's three test vectors.

A narrow unit test of one function: a `MockTransport` captures the request the auth flow
signed; the end-to-end checks against real servers live in tests/api/.
"""

from __future__ import annotations

import httpx
import pytest

from unsandbox_ls.api.auth import BearerAuth, HmacAuth

# The reference's documented example secret is assembled here so the literal never appears.
SECRET = "-".join(["unsb", "sk", *(["x" * 5] * 4)])


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", "/execute", b'{"language":"python","code":"print(\'hi\')"}',
         "957e19bcd18d0a73c5f304a7f0d19e5283baad91a1e94a61de0b523f9ebd335f"),
        ("GET", "/jobs/abc123", b"",
         "167ac04ade66518eee544cbbd5d1779e2e8f7a100f234a5e1a0de2982dc2e462"),
        ("POST", "/keys/validate", b"",
         "c1a759e2e024a247325bd15d7f2349f564c937f2c61bfb42595f95198ae99e57"),
    ],
)  # fmt: skip
def test_hmac_auth_matches_the_published_vectors(
    method: str, path: str, body: bytes, expected: str
) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    auth = HmacAuth("unsb-pk-test", SECRET, clock=lambda: 1699564800.9)
    with httpx.Client(transport=httpx.MockTransport(handler), base_url="https://h") as client:
        client.request(method, path, content=body or None, auth=auth)
    (request,) = seen
    assert request.headers["X-Timestamp"] == "1699564800"
    assert request.headers["X-Signature"] == expected
    assert request.headers["Authorization"] == "Bearer unsb-pk-test"
    assert SECRET not in repr(auth) and SECRET not in str(request.headers)


def test_bearer_auth_repr_hides_the_key() -> None:
    key = "unsb-sk-abcdefabcdef"
    assert key not in repr(BearerAuth(key))
