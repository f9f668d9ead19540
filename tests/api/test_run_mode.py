"""The poll plans (pure functions of a file's recent run times) and the choice of mode."""

from __future__ import annotations

import random

import pytest

from unsandbox_ls.api.policy import (
    DEFAULT_POLL_SCHEDULE,
    OFFICIAL_POLL_SCHEDULE,
    PollPlan,
    first_run_plan,
    learned_plan,
    plan_from_schedule,
)
from unsandbox_ls.api.run_mode import SYNC_UP_TO_S, RunObservation, choose_mode, plan_for


def polls_until(plan: PollPlan, end: float, *, rtt: float = 0.0) -> list[float]:
    """The poll times of `plan` for a job ending at `end` (the poll that sees it done last)."""
    times: list[float] = []
    now = 0.0
    while True:
        now += plan.next_delay(now)
        times.append(now)
        now += rtt
        if now >= end or len(times) > 10_000:
            return times


def rate_between(times: list[float], start: float, stop: float) -> float:
    return sum(1 for t in times if start <= t < stop) / (stop - start)


def test_first_run_plan_polls_fast_early_as_today() -> None:
    today = polls_until(plan_from_schedule(DEFAULT_POLL_SCHEDULE), 2.0)
    first = polls_until(first_run_plan(), 2.0)
    assert first == pytest.approx(today)


def test_first_run_plan_polls_at_most_every_2_s_after_10_s() -> None:
    times = polls_until(first_run_plan(), 120.0)
    assert rate_between(times, 10.0, 120.0) <= 0.5
    assert rate_between(times, 2.0, 10.0) <= 1.0
    # today's schedule polled once a second forever: the first-run plan is the change
    assert rate_between(polls_until(plan_from_schedule(DEFAULT_POLL_SCHEDULE), 120), 10, 120) > 0.9


@pytest.mark.parametrize("length", [0.1, 0.5, 2.0, 10.0, 30.0])
def test_learned_plan_polls_densely_around_the_expected_end(length: float) -> None:
    rng = random.Random(length)
    history = [length * rng.uniform(0.9, 1.1) for _ in range(5)]
    plan = learned_plan(history)
    for end in (min(history), sum(history) / len(history), max(history)):
        times = polls_until(plan, end)
        assert times[-1] - end <= max(0.5, 0.06 * length) + 1e-9
    # on average over ends across the jitter, no more polls than the official schedule makes
    ends = [length * (0.9 + 0.2 * i / 49) for i in range(50)]
    official = plan_from_schedule(OFFICIAL_POLL_SCHEDULE)
    ours = sum(len(polls_until(plan, end)) for end in ends) / len(ends)
    theirs = sum(len(polls_until(official, end)) for end in ends) / len(ends)
    assert ours <= max(theirs, 3.0)


def test_learned_plan_polls_a_short_job_just_before_and_at_its_end() -> None:
    times = polls_until(learned_plan([0.2, 0.21, 0.19]), 0.2)
    assert times[0] < 0.2 and len(times) <= 4


def test_a_job_running_longer_than_learned_is_polled_at_a_bounded_rate() -> None:
    plan = learned_plan([1.0, 1.05])
    times = polls_until(plan, 60.0)
    assert times[-1] >= 60.0
    assert rate_between(times, 5.0, 60.0) <= 0.5


def test_a_429_stretches_the_plan_and_it_resumes_after() -> None:
    plan = learned_plan([3.0])
    assert plan.next_delay(2.0) < 1.0
    stretched = plan.next_delay(2.0, at_least=4.0)
    assert stretched >= 4.0
    # after the backoff the plan goes on from where the clock is, never back to old times
    after = 2.0 + stretched
    resumed = after + plan.next_delay(after)
    assert after < resumed <= after + 2.0
    later = [t for t in plan.times if t > after]
    assert resumed == pytest.approx(later[0]) if later else resumed - after == plan.steady


def test_a_slow_answer_skips_polls_that_would_come_back_to_back() -> None:
    plan = plan_from_schedule((0.1, 0.1, 0.1))
    assert plan.times[:3] == pytest.approx((0.1, 0.2, 0.3))
    # the poll due at 0.2 s would follow an answer read at 0.195 s back to back: the next is 0.3 s
    assert plan.next_delay(0.195) == pytest.approx(0.3 - 0.195)
    assert plan.next_delay(0.15) == pytest.approx(0.2 - 0.15)


@pytest.mark.parametrize("bad", [[], [float("nan")], [-1.0]])
def test_no_usable_history_is_a_first_run(bad: list[float]) -> None:
    assert learned_plan(bad).label == "first run"


def test_auto_mode_is_sync_only_for_files_whose_runs_were_all_short() -> None:
    assert choose_mode("auto", ()) == "async"
    assert choose_mode("auto", (0.1, 0.3)) == "sync"
    assert choose_mode("auto", (0.1, SYNC_UP_TO_S + 0.5)) == "async"
    assert choose_mode("async", (0.1,)) == "async"
    assert choose_mode("sync", ()) == "sync"
    assert plan_for(()).label == "first run"
    assert plan_for((1.0,)).label.startswith("learned from 1 run")


def test_observation_estimates_the_run_time_from_the_polls() -> None:
    seen = RunObservation(mode="async")
    seen.start(100.0)
    seen.saw(False, 101.0)
    seen.saw(True, 101.2)
    seen.finish(object(), 101.3)
    assert seen.run_s == pytest.approx(1.1)
    assert seen.polls == 2
