"""How long to wait: the poll schedule and the retry policy (both parameters of the client).

Poll schedule. The official CLIs wait 300, 450, 700, 900, 650, 1600, 2000 ms between polls and
then 2 s: cheap, but a job that finishes after 1 s is seen up to 0.6 s late and a 3 s job up to
2 s late. `DEFAULT_POLL_SCHEDULE` polls every 100-300 ms during the first two seconds (where most
runs of a file being edited finish, so the median delay between completion and the result is
half of 100-300 ms) and then once a second, which keeps the average at one poll per second
after the first two seconds.

Retries. 429, 5xx and connection failures are retried a bounded number of times with exponential
backoff capped at `max_delay` (30 s); a `Retry-After` header is honoured up to the same cap. A
404 for a job just submitted is retried `not_found_retries` times (the job may not be visible
yet). Which failures are retried for the non-idempotent submissions is decided in `client.py`.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

#: seconds between polls; the last value repeats
DEFAULT_POLL_SCHEDULE: tuple[float, ...] = (
    0.1, 0.1, 0.1, 0.15, 0.15, 0.15, 0.2, 0.2, 0.25, 0.25, 0.3, 1.0,
)  # fmt: skip
#: the schedule of the official clients, for comparison in benchmarks
OFFICIAL_POLL_SCHEDULE: tuple[float, ...] = (0.3, 0.45, 0.7, 0.9, 0.65, 1.6, 2.0)


def poll_delays(schedule: Sequence[float]) -> Iterator[float]:
    """The delays of `schedule`, then its last one forever."""
    if not schedule or any(d < 0 for d in schedule):
        raise ValueError("a poll schedule needs at least one delay, none negative")
    yield from schedule
    while True:
        yield schedule[-1]


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries. Every delay is configurable so tests of failures run fast."""

    #: retries of one request after a 5xx or a connection failure
    max_retries: int = 3
    #: retries of one request answered 429
    max_rate_limit_retries: int = 6
    #: first backoff delay in seconds; doubles at each retry
    backoff: float = 0.5
    #: cap of any delay, including a server's Retry-After
    max_delay: float = 30.0
    #: polls answered 404 right after submission before giving up
    not_found_retries: int = 5
    #: delay before re-polling after such a 404
    not_found_delay: float = 0.3
    #: polls in a row that may fail (after their own retries) before `wait` gives up
    max_failed_polls: int = 6
    #: delay before polling again after such a failure
    failed_poll_delay: float = 2.0

    def backoff_delay(self, retry: int) -> float:
        """Delay before retry number `retry` (0 for the first)."""
        return float(min(self.max_delay, self.backoff * (2**retry)))

    def rate_limit_delay(self, retry: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return float(min(self.max_delay, max(0.0, retry_after)))
        return self.backoff_delay(retry)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date); None if unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


__all__ = [
    "DEFAULT_POLL_SCHEDULE",
    "OFFICIAL_POLL_SCHEDULE",
    "RetryPolicy",
    "parse_retry_after",
    "poll_delays",
]
