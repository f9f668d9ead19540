"""The two ends of a cancelled wait: both are `asyncio.CancelledError`, so they end the awaiting
task as a cancel does, and callers that want to say more catch them by name.

    asyncio.CancelledError
    ├── CancelNotConfirmed      a cancelled wait whose DELETE /jobs/{id} failed
    └── JobCancelled            a cancelled wait whose DELETE the API confirmed (.partial: the
                                output its answer carried, or None)

Apart from `errors.py` because they need asyncio, which the rest of the tree does not.
"""

from __future__ import annotations

import asyncio
from typing import Any


class CancelNotConfirmed(asyncio.CancelledError):
    """The wait was cancelled but `DELETE /jobs/{id}` failed: the job may run until its ttl.

    A `CancelledError`, so it ends the awaiting task as a cancel does; callers that want to tell
    the user the job may still be running catch it by this name.
    """

    def __init__(self, job_id: str) -> None:
        super().__init__(
            f"job {job_id} may still be running: the API did not confirm the cancel, "
            f"so it can run until its time limit"
        )
        self.job_id = job_id


class JobCancelled(asyncio.CancelledError):
    """The wait was cancelled and the API confirmed `DELETE /jobs/{id}`.

    `partial` is the result the cancel answer carried (the output printed before the cancel,
    status `cancelled`), or None when the API answered without one (204). A `CancelledError`,
    so it ends the awaiting task as a cancel does.
    """

    def __init__(self, job_id: str, partial: Any = None) -> None:
        super().__init__(f"job {job_id} was cancelled")
        self.job_id = job_id
        #: a `RunResult` (typed loosely: this module imports nothing of the package)
        self.partial = partial


__all__ = ["CancelNotConfirmed", "JobCancelled"]
