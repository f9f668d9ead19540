"""How long to wait: the poll schedule and the retry policy (both parameters of the client).

Poll schedule. The official CLIs wait 300, 450, 700, 900, 650, 1600, 2000 ms between polls and
then 2 s: cheap, but a job that finishes after 1 s is seen up to 0.6 s late and a 3 s job up to
2 s late. `DEFAULT_POLL_SCHEDULE` polls every 100-300 ms during the first two seconds (where most
runs of a file being edited finish, so the median delay between completion and the result is
half of 100-300 ms) and then once a second, which keeps the average at one poll per second
after the first two seconds.

Poll plans (`PollPlan`, built by `first_run_plan` and `learned_plan`, pure functions). A
plan is a list of poll times counted from the submission, then a steady gap. A file run for
the first time follows `DEFAULT_POLL_SCHEDULE`, then polls once a second until 10 s and every
2 s after (the official clients' steady rate). A file whose recent run times are known is
polled around its expected end: when the window those times span (widened by 10 % each side
while fewer than 3 runs are known, else 2 %) starts after 8 s, a look at 1 s and then every
8 s (progress, and an early failure seen); dense polls across the window (3-32 of them,
40-500 ms apart; on average, for a job ending anywhere in the window, fewer in all than the
official schedule makes); past it, a backoff of 0.1, 0.2, 0.4, 0.8, 1.6 s and then every
2 s. A 429 while polling stretches a plan: the next poll waits for the backoff (or
Retry-After) and the plan resumes at its first time after that.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

#: seconds between polls; the last value repeats
DEFAULT_POLL_SCHEDULE: tuple[float, ...] = (
    0.1, 0.1, 0.1, 0.15, 0.15, 0.15, 0.2, 0.2, 0.25, 0.25, 0.3, 1.0,
)  # fmt: skip
#: the schedule of the official clients, for comparison in benchmarks
OFFICIAL_POLL_SCHEDULE: tuple[float, ...] = (0.3, 0.45, 0.7, 0.9, 0.65, 1.6, 2.0)


#: the first-run plan's gap between 2 s and `STEADY_AFTER_S`, and its gap after that
FIRST_RUN_GAP = 1.0
STEADY_GAP = 2.0
STEADY_AFTER_S = 10.0
#: polls spread across the window of a learned plan (at most, at least), the bounds of their gap
WINDOW_POLLS = 32
MIN_WINDOW_POLLS = 3
MIN_WINDOW_GAP = 0.04
MAX_WINDOW_GAP = 0.5
#: past a learned window: how the gaps grow until they reach `STEADY_GAP`
OVERRUN_GAPS: tuple[float, ...] = (0.1, 0.2, 0.4, 0.8, 1.6)
#: before a learned window, polls at most this often (a few, for progress)
EARLY_GAP = 8.0
#: a planned poll closer than this to the previous one (a slow answer) is skipped
MIN_POLL_GAP = 0.02
#: how many poll times a plan lists before its steady gap
_HORIZON = 400


@dataclass(frozen=True)
class PollPlan:
    """When to poll: `times` (seconds after submission, ascending), then every `steady` s."""

    times: tuple[float, ...]
    steady: float = STEADY_GAP
    #: "first run", "learned from N runs" …: for logs and benchmarks
    label: str = "schedule"

    def next_delay(self, elapsed: float, *, at_least: float = 0.0) -> float:
        """Seconds to sleep before the next poll, `elapsed` seconds after submission.

        `at_least` (a 429's backoff or Retry-After) stretches the plan: the poll waits that
        long, and the plan resumes at its first time after that."""
        earliest = elapsed + max(at_least, MIN_POLL_GAP)
        for when in self.times:
            if when >= earliest - 1e-9:
                return when - elapsed
        # past the listed times: `steady` after each answer, as the official clients sleep
        return max(self.steady, at_least)


def plan_from_schedule(
    schedule: Sequence[float], *, label: str = "schedule", steady_after: float | None = None
) -> PollPlan:
    """A plan polling after the delays of `schedule` (the last one repeats); with
    `steady_after`, every `STEADY_GAP` s once that many seconds have passed."""
    delays = poll_delays(schedule)
    times: list[float] = []
    now = 0.0
    while len(times) < _HORIZON:
        gap = next(delays)
        if steady_after is not None and now >= steady_after:
            break
        now += gap
        times.append(round(now, 4))
        if steady_after is None and len(times) >= len(schedule):
            break
    steady = STEADY_GAP if steady_after is not None else schedule[-1]
    return PollPlan(tuple(times), steady, label)


def first_run_plan() -> PollPlan:
    """Today's fast early polls, then once a second until 10 s, then every 2 s."""
    return plan_from_schedule(
        (*DEFAULT_POLL_SCHEDULE[:-1], FIRST_RUN_GAP), label="first run", steady_after=STEADY_AFTER_S
    )


def learned_plan(recent: Sequence[float]) -> PollPlan:
    """A plan around the end expected from `recent` run times (seconds, submission to end)."""
    runs = [r for r in recent if r == r and 0 <= r < 86400]
    if not runs:
        return first_run_plan()
    low, high = min(runs), max(runs)
    # the window the recent runs span, widened each side by 10 % while fewer than 3 runs show
    # how much they vary, else by 2 % (at least 40 ms)
    margin = max(0.04, (0.1 if len(runs) < 3 else 0.02) * high)
    start, end = max(0.0, low - margin), high + margin
    times: list[float] = []
    # before a window starting after EARLY_GAP: a look at 1 s, then every EARLY_GAP s
    if start > EARLY_GAP:
        now = 1.0
        while now < start - 1.0:
            times.append(now)
            now += EARLY_GAP
    # across the window: a job ending anywhere in it sees half of them on average, so less than
    # twice what the official schedule would poll by its middle, less the early looks, keeps
    # a run below the official count of requests
    budget = int(1.6 * (_official_polls_until((start + end) / 2) - len(times) - 1))
    polls = max(MIN_WINDOW_POLLS, min(WINDOW_POLLS, budget))
    gap = min(MAX_WINDOW_GAP, max(MIN_WINDOW_GAP, (end - start) / (polls - 1)))
    now = start
    while now < end - gap / 2:
        times.append(now)
        now += gap
    times.append(end)
    for extra in OVERRUN_GAPS:
        times.append(times[-1] + extra)
    label = f"learned from {len(runs)} run{'s' if len(runs) > 1 else ''} ({low:.2f}-{high:.2f} s)"
    return PollPlan(tuple(round(t, 4) for t in times), STEADY_GAP, label)


def _official_polls_until(end: float) -> int:
    """How many polls the official clients make in the first `end` seconds."""
    now = 0.0
    for count, delay in enumerate(poll_delays(OFFICIAL_POLL_SCHEDULE)):
        now += delay
        if now > end:
            return count
    raise AssertionError("unreachable")


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
            import email.utils  # only for a Retry-After date (~10 ms to import)

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
    "PollPlan",
    "RetryPolicy",
    "first_run_plan",
    "learned_plan",
    "parse_retry_after",
    "plan_from_schedule",
    "poll_delays",
]
