"""Request authentication of the local sandbox: HMAC-SHA256 signatures and legacy bearer keys.

HMAC (`Authorization: Bearer <public key>`, `X-Timestamp`, `X-Signature`): the signature is
recomputed with `api.signing.sign` over the exact body bytes received and the path with its raw
query string, and compared in constant time. The timestamp (ASCII decimal digits) must be within
±300 s of the server's clock. Legacy bearer: `Authorization: Bearer <api key>` alone, when an
api key is configured.

`GET /health?challenge=HEX` is answered with `proof` = `health_proof(secret, challenge, pid)`
and the server's `pid` when an HMAC secret is configured: the proof that the answer comes from the
holder of the secret (`local_backend` checks it before it sends anything).

Failure messages say what is wrong (unknown key, bad signature, skewed clock, missing header)
and never contain a key or a signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import NamedTuple

from unsandbox_ls.api.signing import sign

MAX_SKEW_SECONDS = 300
#: ASCII digits only (`int()` would take '١٢', '1_0' and 400-digit numbers), at most 19 of them
_TIMESTAMP = re.compile(r"-?[0-9]{1,19}")


class Keys(NamedTuple):
    """The keys the sandbox accepts (a record: the client's health check loads this module)."""

    public_key: str | None = None
    secret_key: str | None = None
    api_key: str | None = None

    def __repr__(self) -> str:
        return (
            f"Keys(hmac={'yes' if self.public_key and self.secret_key else 'no'}, "
            f"bearer={'yes' if self.api_key else 'no'})"
        )

    @property
    def any(self) -> bool:
        return bool((self.public_key and self.secret_key) or self.api_key)


class AuthError(Exception):
    """401 with `{"error": code, "message": str(self)}`."""

    def __init__(self, message: str, code: str = "unauthorized") -> None:
        super().__init__(message)
        self.code = code


def _equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def verify(
    keys: Keys,
    *,
    authorization: str | None,
    timestamp: str | None,
    signature: str | None,
    method: str,
    path_with_query: str,
    body: bytes,
    now: float | None = None,
) -> str:
    """Check one request; return the scheme used ("hmac" or "bearer") or raise `AuthError`."""
    if not authorization:
        raise AuthError("missing Authorization header: send 'Authorization: Bearer <public key>'")
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthError("the Authorization header must be 'Bearer <key>'")
    if keys.api_key and _equal(token, keys.api_key):
        return "bearer"
    if timestamp is None and signature is None:
        if keys.public_key and _equal(token, keys.public_key):
            raise AuthError(
                "missing X-Timestamp and X-Signature headers: HMAC-sign the request",
                code="missing_signature",
            )
        raise AuthError("invalid API key", code="invalid_key")
    if not keys.public_key or not keys.secret_key or not _equal(token, keys.public_key):
        raise AuthError("invalid API key", code="invalid_key")
    if not timestamp or not signature:
        raise AuthError(
            "both X-Timestamp and X-Signature headers are required", code="missing_signature"
        )
    if not _TIMESTAMP.fullmatch(timestamp.strip()):
        raise AuthError(
            "X-Timestamp must be unix seconds as a decimal integer (check the timestamp)",
            code="invalid_timestamp",
        )
    ts = int(timestamp.strip())
    current = int(time.time() if now is None else now)
    if abs(current - ts) > MAX_SKEW_SECONDS:
        raise AuthError(
            f"request timestamp is {current - ts} s away from the server's clock "
            f"(allowed: ±{MAX_SKEW_SECONDS} s); check your system clock",
            code="invalid_timestamp",
        )
    expected = sign(keys.secret_key, timestamp.strip(), method, path_with_query, body)
    if not _equal(signature.strip().lower(), expected):
        raise AuthError(
            "signature mismatch: sign '{unix seconds}:{METHOD}:{path?query}:{body}' with the "
            "secret key over the exact bytes sent",
            code="invalid_signature",
        )
    return "hmac"


#: what a `/health` challenge may be: 16 to 128 hex digits
HEALTH_CHALLENGE = re.compile(r"[0-9a-f]{16,128}")


def health_proof(secret_key: str, challenge: str, pid: int) -> str:
    """The answer to a `/health?challenge=…`: hex HMAC-SHA256, with the secret key, of
    `unsandbox-ls-health:{challenge}:{pid}`. A client that started the sandbox with fresh keys
    checks it to know that whatever answers holds the secret (and which process it is)."""
    message = f"unsandbox-ls-health:{challenge}:{pid}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()
