"""The HMAC-SHA256 request signature of the unsandbox API (one pure function).

The message is `{timestamp}:{METHOD}:{path_with_query}:` followed by the exact body bytes sent
(empty for GET and DELETE); the key is the secret key's UTF-8 bytes. The client signs with it and
the local sandbox server verifies with it (comparing in constant time with `hmac.compare_digest`).
"""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, timestamp: str, method: str, path_with_query: str, body: bytes) -> str:
    """Lowercase hex HMAC-SHA256 of `{timestamp}:{METHOD}:{path_with_query}:` + `body`."""
    message = f"{timestamp}:{method.upper()}:{path_with_query}:".encode() + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
