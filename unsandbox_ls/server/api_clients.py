"""API clients shared by runs: one per base URL and credentials, so connections are reused.

A run borrows the client of the current settings and gives it back when it ends. Reusing it
keeps the HTTP connection (and its TLS session) open between runs instead of opening a new one
for each. When the base URL or the credentials change, the next run gets a new client and the
old one is closed as soon as no run still uses it; shutdown closes them all.

Nothing here imports httpx: the client class is imported at the first borrow.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from unsandbox_ls.api.client import UnsandboxClient
    from unsandbox_ls.api.credentials import Credentials

logger = logging.getLogger(__name__)

#: (base URL, credentials, unix socket or None): the credentials are a frozen dataclass,
#: compared by value in memory
Key = tuple[str, "Credentials", "str | None"]


class ApiClients:
    """The open API clients of one language server."""

    def __init__(self) -> None:
        self._clients: dict[Key, UnsandboxClient] = {}
        self._users: dict[Key, int] = {}
        self._current: Key | None = None

    async def borrow(
        self, base_url: str, credentials: Credentials, *, uds: str | None = None
    ) -> UnsandboxClient:
        """The client for these settings (created on first use); give it back with `give_back`.
        `uds`: the unix socket of a local sandbox, where the requests go instead of TCP."""
        key: Key = (base_url, credentials, uds)
        client = self._clients.get(key)
        if client is None:
            import httpx

            from unsandbox_ls.api.client import UnsandboxClient

            transport = httpx.AsyncHTTPTransport(uds=uds) if uds else None
            client = self._clients[key] = UnsandboxClient(
                base_url, credentials, transport=transport
            )
        self._users[key] = self._users.get(key, 0) + 1
        self._current = key
        await self._close_idle()
        return client

    async def give_back(self, client: UnsandboxClient) -> None:
        for key, known in self._clients.items():
            if known is client:
                self._users[key] -= 1
                break
        await self._close_idle()

    async def close_all(self) -> None:
        self._current = None
        for key in list(self._clients):
            await _close(self._clients.pop(key))
        self._users.clear()

    async def _close_idle(self) -> None:
        """Close the clients of earlier settings that no run uses any more."""
        idle = [k for k in self._clients if k != self._current and self._users.get(k, 0) <= 0]
        for key in idle:
            self._users.pop(key, None)
            await _close(self._clients.pop(key))


async def _close(client: UnsandboxClient) -> None:
    try:
        await client.aclose()
    except Exception as exc:
        logger.info("closing an API client failed: %s", exc)
