"""Turning error answers into messages: JSON error bodies, text, HTML pages, clock skew."""

from __future__ import annotations

import pytest

from unsandbox_ls.api.errors import (
    AuthenticationError,
    ClockSkewError,
    RateLimitedError,
    RedirectRefusedError,
)
from unsandbox_ls.api.responses import error_for_status, excerpt, server_message


def test_server_message_reads_error_and_message() -> None:
    body = b'{"error": "concurrency_limit_reached", "message": "3 of 3 running"}'
    assert server_message(body) == ("concurrency_limit_reached: 3 of 3 running",
                                    "concurrency_limit_reached")  # fmt: skip
    assert server_message(b'{"message": "only text"}') == ("only text", None)
    assert server_message(b"plain words\n") == ("plain words", None)
    assert server_message(b"") == ("", None)


def test_excerpt_cleans_html_and_is_short() -> None:
    page = b"<html><script>var x=1;</script><h1>Bad &amp; Gateway</h1>" + b"<p>z</p>" * 999
    text = excerpt(page, 60)
    assert text.startswith("Bad & Gateway z z") and len(text) <= 60 and "<" not in text
    assert excerpt(b"a\x00b\x1bc") == "a?b?c"


@pytest.mark.parametrize(
    ("body", "skew"),
    [
        (b'{"error": "invalid_timestamp", "message": "300 s away"}', True),
        (b'{"error": "Request timestamp expired"}', True),
        # as the official clients read it: mentioning the timestamp decides, whatever the code
        (b'{"error": "invalid_signature", "message": "Request timestamp too old"}', True),
        (b"timestamp outside the allowed window", True),
        (b'{"error": "invalid_signature", "message": "signature mismatch"}', False),
        (b'{"error": "invalid_key"}', False),
    ],
)
def test_which_401_is_clock_skew(body: bytes, skew: bool) -> None:
    error = error_for_status(401, body, {}, what="GET /jobs/x")
    assert isinstance(error, AuthenticationError)
    assert isinstance(error, ClockSkewError) is skew
    if skew:
        assert "check your system clock" in str(error)


def test_redirect_names_the_host_only() -> None:
    error = error_for_status(302, b"", {"location": "https://evil.example:8443/login?x=1"},
                             what="POST /execute")  # fmt: skip
    assert isinstance(error, RedirectRefusedError) and "'evil.example'" in str(error)


def test_429_keeps_retry_after() -> None:
    error = error_for_status(429, b"{}", {}, what="POST /execute", retry_after=3.0)
    assert isinstance(error, RateLimitedError) and error.retry_after == 3.0
    assert "wait 3 s" in str(error)
