"""uvicorn's h11 protocol with a deadline on request headers (slowloris on the head).

uvicorn closes an idle keep-alive connection after `timeout_keep_alive`, but any byte received
cancels that timer, so a client sending its request line and headers a byte a second would hold
a connection for as long as it likes. Here the headers of each request must be complete within
`HEADER_SECONDS` of the connection opening (or of the previous response): otherwise the
connection is closed. The body has its own deadline (`app._read_body`).
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_SECONDS = 10.0


class HeaderDeadlineH11Protocol(H11Protocol):
    _header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
        super().connection_lost(exc)

    def _arm_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
        self._header_deadline = self.loop.call_later(HEADER_SECONDS, self._headers_overdue)

    def _headers_overdue(self) -> None:
        self._header_deadline = None
        if self.cycle is not None and not self.cycle.response_complete:
            return  # the headers arrived: a request is being served
        if not self.transport.is_closing():
            self.transport.close()
