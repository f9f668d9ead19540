"""A running job's output as it is printed: what each poll's answer adds to the previous one.

The local sandbox answers a running job's `GET /jobs/{id}` with its output so far (`stdout`,
`stderr`); the job waiter passes each new piece on in `JobUpdate` and, while the program keeps
printing, polls at least every `LIVE_POLL_GAP` seconds so that lines show soon after they are
printed. An answer without those fields (the hosted API's) adds nothing: the output then
comes with the result.
"""

from __future__ import annotations

from dataclasses import dataclass

from unsandbox_ls.api.models import Job, JobUpdate

#: the longest gap between polls while the job's output grows
LIVE_POLL_GAP = 0.5


@dataclass
class OutputSoFar:
    """The output the answers about one job have shown so far."""

    stdout: str = ""
    stderr: str = ""

    def update(self, job: Job, elapsed: float, polls: int) -> JobUpdate:
        """The update of one poll's answer, with what the job printed since the last one."""
        if job.stdout is None and job.stderr is None:
            return JobUpdate(job, elapsed, polls)
        new_out, self.stdout = _added(self.stdout, job.stdout)
        new_err, self.stderr = _added(self.stderr, job.stderr)
        return JobUpdate(job, elapsed, polls, new_out, new_err, streams=True)


def _added(before: str, now: str | None) -> tuple[str, str]:
    """(the text `now` adds to `before`, what is known now). An answer that does not extend
    the previous one adds nothing (nothing shown is taken back)."""
    if now is None:
        return "", before
    if now.startswith(before):
        return now[len(before) :], now
    return "", before if len(before) >= len(now) else now
