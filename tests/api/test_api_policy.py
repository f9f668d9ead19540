"""The poll schedule's budget and the retry delays."""

from __future__ import annotations

import itertools
import statistics

import pytest

from unsandbox_ls.api.policy import (
    DEFAULT_POLL_SCHEDULE,
    OFFICIAL_POLL_SCHEDULE,
    RetryPolicy,
    parse_retry_after,
    poll_delays,
)


def poll_times(schedule: tuple[float, ...], until: float) -> list[float]:
    times: list[float] = []
    now = 0.0
    for delay in poll_delays(schedule):
        now += delay
        if now > until:
            return times
        times.append(now)
    raise AssertionError("unreachable")


def median_lateness(schedule: tuple[float, ...], finish_times: list[float]) -> float:
    """Median time from a job's completion to the first poll that sees it."""
    times = poll_times(schedule, 60.0)
    return statistics.median(next(t for t in times if t >= f) - f for f in finish_times)


def test_default_schedule_is_fast_early_and_at_most_one_poll_per_second_later() -> None:
    # jobs finishing anywhere in the first two seconds, in 10 ms steps
    finishes = [i / 100 for i in range(1, 200)]
    assert median_lateness(DEFAULT_POLL_SCHEDULE, finishes) <= 0.15
    assert median_lateness(OFFICIAL_POLL_SCHEDULE, finishes) > 0.15
    after = [t for t in poll_times(DEFAULT_POLL_SCHEDULE, 62.0) if t > 2.0]
    for window_start in (2.0, 10.0, 30.0):
        in_window = [t for t in after if window_start < t <= window_start + 30]
        assert len(in_window) / 30 <= 1.0


def test_poll_delays_repeat_the_last_value() -> None:
    assert list(itertools.islice(poll_delays((0.1, 0.5)), 5)) == [0.1, 0.5, 0.5, 0.5, 0.5]
    with pytest.raises(ValueError):
        next(poll_delays(()))


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(backoff=0.5, max_delay=30)
    assert [policy.backoff_delay(n) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    assert policy.rate_limit_delay(0, 7) == 7
    assert policy.rate_limit_delay(0, 3600) == 30
    assert policy.rate_limit_delay(2, None) == 2


def test_retry_after_seconds_and_dates() -> None:
    assert parse_retry_after("5") == 5
    assert parse_retry_after(" 0.25 ") == 0.25
    assert parse_retry_after("-3") == 0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    date = "Wed, 21 Oct 2015 07:28:10 GMT"
    assert parse_retry_after(date, now=1445412480.0) == pytest.approx(10.0)
