"""Which way to run a job (sync or async) and which poll plan it follows, from its recent run times.

`plan_for(recent)`: the poll plan (`policy.first_run_plan` without history, else
`policy.learned_plan`). `choose_mode("auto", recent)`: `sync` (one `POST /execute`, no poll:
the answer comes as soon as the job ends) when every recent run took at most
`SYNC_UP_TO_S`, else `async` (submit, then poll; progress and `DELETE /jobs/{id}` from the
first moment). The trade-off: a synchronous request has no job id until it ends, so it has
no progress and is cancelled by closing the request; the local sandbox cancels a job whose
client hangs up, the hosted API's docs do not say it does (a cancelled job may then run to
its end there). Jobs expected to end within 5 s risk at most that much; longer ones keep the
async path. Polling cannot match the synchronous answer: a job whose run time varies by
±10 % ends somewhere in a window 20 % of its length wide, and seeing its end within 60 ms
(median) would take a poll every 120 ms across that window. A synchronous `/execute`
answered with a pending job is polled with the same plan, cancellable as soon as its id is
known.

`RunObservation` is what one run tells the caller: the mode used, the plan, the polls and
the run time to remember (`run_s`, seconds from submission to the job's end).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from unsandbox_ls.api.policy import PollPlan

_R = TypeVar("_R")

#: `auto` sends `POST /execute` when every recent run ended within this many seconds
SYNC_UP_TO_S = 5.0


def plan_for(recent: Sequence[float]) -> PollPlan:
    """The poll plan for a job whose recent runs took `recent` seconds (may be empty)."""
    from unsandbox_ls.api.policy import first_run_plan, learned_plan  # for a polled run only

    return learned_plan(recent) if recent else first_run_plan()


def choose_mode(mode: str, recent: Sequence[float]) -> str:
    """`async` or `sync`: `mode` itself unless it is `auto`, which decides from `recent`."""
    if mode != "auto":
        return mode
    if recent and max(recent) <= SYNC_UP_TO_S:
        return "sync"
    return "async"


class RunObservation:
    """Filled in by `UnsandboxClient.run_request` (monotonic clock, seconds)."""

    def __init__(self, mode: str = "") -> None:
        self.mode = mode
        self.plan = ""
        self.polls = 0
        self.started = 0.0
        self.last_running: float | None = None
        self.first_done: float | None = None
        #: the run time to remember: submission to the job's end, in seconds (None if unknown)
        self.run_s: float | None = None

    def __repr__(self) -> str:
        return f"RunObservation({self.describe()})"

    def describe(self) -> str:
        """`sync, no plan used, 0 polls, run time 0.05 s` (for logs)."""
        ran = f"{self.run_s:.2f} s" if self.run_s is not None else "unknown"
        plan = f"plan {self.plan}" if self.plan else "no poll"
        return f"{self.mode or '?'}, {plan}, {self.polls} polls, run time {ran}"

    def start(self, now: float) -> None:
        self.started = now
        self.polls = 0
        self.last_running = self.first_done = self.run_s = None

    def saw(self, done: bool, now: float) -> None:
        self.polls += 1
        if done:
            if self.first_done is None:
                self.first_done = now
        else:
            self.last_running = now

    def finish(self, result: _R, now: float) -> _R:
        """`result` unchanged; `run_s` estimated from it and the polls."""
        created = getattr(result, "created_at", None)
        completed = getattr(result, "completed_at", None)
        if self.mode == "sync" and self.first_done is None:
            self.run_s = now - self.started  # the answer came when the job ended
        elif isinstance(created, (int, float)) and isinstance(completed, (int, float)):
            # the API's own clock; the window of the next plan absorbs the round trip
            self.run_s = max(0.0, float(completed) - float(created))
        elif self.first_done is not None:
            low = self.last_running if self.last_running is not None else self.started
            self.run_s = (low + self.first_done) / 2 - self.started
        return result


__all__ = ["SYNC_UP_TO_S", "RunObservation", "choose_mode", "plan_for"]
