"""The HMAC-SHA256 request signature of the unsandbox API, and the headers that carry it.

The message is `{timestamp}:{METHOD}:{path_with_query}:` followed by the exact body bytes sent
(empty for GET and DELETE); the key is the secret key's UTF-8 bytes. The client signs with it and
the local sandbox server verifies with it (comparing in constant time with `hmac.compare_digest`).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from unsandbox_ls.api.credentials import Credentials


def sign(secret: str, timestamp: str, method: str, path_with_query: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of `{timestamp}:{METHOD}:{path_with_query}:` + `body`."""
    message = f"{timestamp}:{method.upper()}:{path_with_query}:".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def auth_headers(
    credentials: Credentials, timestamp: str, method: str, path_with_query: str, body: bytes
) -> dict[str, str]:
    """The headers that authenticate one request: `Authorization: Bearer <public key>`,
    `X-Timestamp` and `X-Signature` for HMAC keys; the legacy bearer key alone otherwise."""
    if credentials.scheme == "hmac":
        assert credentials.public_key and credentials.secret_key
        signature = sign(credentials.secret_key, timestamp, method, path_with_query, body)
        return {
            "Authorization": f"Bearer {credentials.public_key}",
            "X-Timestamp": timestamp,
            "X-Signature": signature,
        }
    assert credentials.api_key
    return {"Authorization": f"Bearer {credentials.api_key}"}
