"""From an HTTP answer to a value or to one of our exceptions: the single mapping boundary.

Every message says what to do. Server text is quoted only as a short cleaned excerpt (HTML tags
removed, whitespace collapsed), and the caller scrubs known secrets out of every message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from unsandbox_ls.api.errors import (
    ApiError,
    AuthenticationError,
    BadResponseError,
    ClockSkewError,
    JobNotFoundError,
    RateLimitedError,
    RedirectRefusedError,
    RequestRejectedError,
    ServerError,
)

EXCERPT_CHARS = 200
_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def excerpt(body: bytes, limit: int = EXCERPT_CHARS) -> str:
    """A short readable excerpt of a body: HTML tags stripped, entities decoded, one line."""
    text = body[: limit * 20].decode("utf-8", errors="replace")
    if "<" in text and ">" in text:
        import html

        text = html.unescape(_TAG.sub(" ", text))
    text = _SPACE.sub(" ", text).strip()
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:512].lstrip().lower()
    return "html" in content_type.lower() or head.startswith((b"<!doctype", b"<html"))


def server_message(body: bytes, content_type: str = "") -> tuple[str, str | None]:
    """(message, error code) of an error body: JSON `message`/`error`, else a text excerpt."""
    if not body.strip():
        return "", None
    if not looks_like_html(body, content_type):
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            data = None
        if isinstance(data, dict):
            code = data.get("error") if isinstance(data.get("error"), str) else None
            parts = [str(data[k]) for k in ("message", "detail", "reason") if data.get(k)]
            if code and (not parts or code not in parts[0]):
                parts.insert(0, code)
            text = ": ".join(parts)
            if text:
                return excerpt(text.encode()), code
    return excerpt(body), None


def parse_json(body: bytes, content_type: str, what: str) -> Any:
    """The JSON document of a successful answer, or `BadResponseError` quoting an excerpt."""
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        pass
    kind = "an HTML page" if looks_like_html(body, content_type) else "something that is not JSON"
    quoted = excerpt(body)
    raise BadResponseError(
        f"the API answered {what} with {kind}"
        + (f" ({quoted!r})" if quoted else " (empty body)")
        + "; check the base URL points at an unsandbox API (not a proxy or login page)"
    )


def expect_object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise BadResponseError(
            f"the API answered {what} with JSON of an unexpected shape "
            f"({type(data).__name__}, expected an object)"
        )
    return data


#: the API's tolerance between the request's X-Timestamp and its own clock, in seconds
CLOCK_TOLERANCE_S = 300


def _about_the_clock(message: str, code: str | None, body: bytes) -> bool:
    """Whether a 401 is about the timestamp (clock skew) rather than the key.

    As the official clients read it: the answer mentions the timestamp (or the clock), whatever
    its error code says.
    """
    words = ("timestamp", "clock", "skew")
    text = " ".join((message, code or "", body[:4096].decode("utf-8", "replace"))).lower()
    return any(w in text for w in words)


def clock_difference(headers: Mapping[str, str], sent_timestamp: str | None) -> float | None:
    """Seconds the request's timestamp was ahead of the server's `Date` (negative: behind)."""
    date = headers.get("date")
    if not date or not sent_timestamp:
        return None
    try:
        import email.utils  # only for an error answer (~10 ms to import)

        server = email.utils.parsedate_to_datetime(date).timestamp()
        sent = float(sent_timestamp)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return sent - server


def _duration(seconds: float) -> str:
    """`1 h 0 min`, `10 min`, `2 min 5 s`, `42 s`: as precise as a `Date` header (1 s) allows,
    and no more precise than is useful."""
    seconds = abs(seconds)
    if seconds >= 600:
        minutes = round(seconds / 60)
        return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
    whole = round(seconds)
    return f"{whole // 60} min {whole % 60} s" if whole >= 60 else f"{whole} s"


def _clock_advice(difference: float | None) -> str:
    if difference is None:
        return "check your system clock: it must be within 5 minutes of the real time"
    if abs(difference) > CLOCK_TOLERANCE_S:
        side = "ahead of" if difference > 0 else "behind"
        return (
            f"this computer's clock is {_duration(difference)} {side} the API's (by its Date "
            f"header); check your system clock (turn on network time): it must be within "
            f"5 minutes of the real time"
        )
    return (
        f"this computer's clock is within {_duration(difference)} of the API's (by its Date "
        f"header), so check your system clock and its time zone, then the keys "
        f"(run 'unsandbox-ls doctor')"
    )


def error_for_status(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    what: str,
    job_id: str | None = None,
    base_url: str = "",
    credentials_source: str | None = None,
    retry_after: float | None = None,
    after_failure: bool = False,
    sent_timestamp: str | None = None,
) -> ApiError:
    """The exception for a non-2xx answer to `what` (e.g. "POST /execute").

    `sent_timestamp` is the request's `X-Timestamp`: with the answer's `Date` header it tells
    by how much, and which way, the local clock is off when a 401 is about the timestamp.
    """
    content_type = headers.get("content-type", "")
    message, code = server_message(body, content_type)
    said = f": {message}" if message else ""
    if 300 <= status < 400:
        location = headers.get("location", "")
        target = urlsplit(location).hostname if location else None
        where = f"to host {target!r}" if target else f"to {location[:80]!r}" if location else ""
        return RedirectRefusedError(
            f"the API answered {what} with a redirect (HTTP {status}) {where}; it was not "
            f"followed, so no credentials were sent there. If that is the right API, set the "
            f"base URL to it explicitly",
            status=status,
        )
    if status == 401:
        if _about_the_clock(message, code, body):
            difference = clock_difference(headers, sent_timestamp)
            return ClockSkewError(
                f"the API rejected the request's timestamp (HTTP 401{said}); "
                + _clock_advice(difference),
                status=status,
                code=code,
                difference=difference,
            )
        source = f" from {credentials_source}" if credentials_source else ""
        return AuthenticationError(
            f"the API rejected the credentials (HTTP 401{said}); check the keys{source} "
            f"(run 'unsandbox-ls doctor')",
            status=status,
            code=code,
        )
    if status == 403:
        return AuthenticationError(
            f"the API refused {what} (HTTP 403 forbidden{said}); the key may be expired, "
            f"suspended or lack access to this",
            status=status,
            code=code,
        )
    if status == 404:
        if job_id is not None:
            if after_failure:
                text = (
                    f"job {job_id} is gone: the API answered 404 after a server error, so it "
                    f"probably restarted and lost the result; run it again"
                )
            else:
                text = (
                    f"job {job_id} was not found (HTTP 404{said}); it is unknown, expired, or "
                    f"was lost when the API restarted"
                )
            return JobNotFoundError(text, status=status, code=code)
        return ApiError(
            f"the API has no {what} (HTTP 404{said}); check the base URL {base_url}",
            status=status,
            code=code,
        )
    if status == 413:
        return RequestRejectedError(
            f"request too large (HTTP 413{said}); send less code or smaller input files "
            f"(limits: 10 files, 5 MB each, 10 MB in all)",
            status=status,
            code=code,
        )
    if status == 429:
        wait = f"; the server asked to wait {retry_after:g} s" if retry_after is not None else ""
        return RateLimitedError(
            f"rate limited (HTTP 429{said}){wait}; wait a little, or run fewer jobs at once",
            status=status,
            code=code,
            retry_after=retry_after,
        )
    if status >= 500:
        return ServerError(
            f"the API failed on {what} (HTTP {status}{said}); it may be restarting or "
            f"overloaded, try again shortly",
            status=status,
            code=code,
        )
    if 400 <= status < 500:
        return RequestRejectedError(
            f"the API rejected {what} (HTTP {status}{said}); fix the request",
            status=status,
            code=code,
        )
    return BadResponseError(
        f"the API answered {what} with unexpected HTTP status {status}{said}",
        status=status,
        code=code,
    )


__all__ = [
    "CLOCK_TOLERANCE_S",
    "clock_difference",
    "error_for_status",
    "excerpt",
    "expect_object",
    "looks_like_html",
    "parse_json",
    "server_message",
]
