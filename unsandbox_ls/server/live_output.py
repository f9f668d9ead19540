"""A run's output while it runs: each piece the API shows goes to the editor as it comes.

The job waiter gives each poll's new output in `JobUpdate` (`api/live_output.py`). It goes out
as `unsandbox/runOutput`, the sandbox's paths of the run's files shown as the local ones. When
the job ends, `send_rest` sends what the result holds beyond the pieces already shown, so the
editor's output is whole without showing anything twice, and runFinished says `streamed`.
When the API's answers show no output, one `live: false` says the output comes at the end.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unsandbox_ls.runs.display import OUTPUT_AT_THE_END, live_localiser
from unsandbox_ls.server.run_finished import RUN_OUTPUT, RunOutput

if TYPE_CHECKING:
    from collections.abc import Callable

    from unsandbox_ls.api.models import JobUpdate
    from unsandbox_ls.runs.plan import Plan
    from unsandbox_ls.server.server import UnsandboxLanguageServer
    from unsandbox_ls.server.state import Run

#: what the progress adds while a job runs whose output the API does not show
LATER = OUTPUT_AT_THE_END


def on_update(ls: UnsandboxLanguageServer, run: Run, plan: Plan, update: JobUpdate) -> None:
    """Pass one poll's new output on; note once that the API shows none while running."""
    if update.streams:
        run.live = True
        if not (update.stdout or update.stderr):
            return
        run.streamed_stdout += update.stdout
        run.streamed_stderr += update.stderr
        shown = live_localiser(plan)
        _notify(ls, run, shown(update.stdout), shown(update.stderr), live=True)
    elif update.status == "running" and run.live is None:
        run.live = False
        _notify(ls, run, "", "", live=False)


def streamed(run: Run) -> bool:
    return bool(run.streamed_stdout or run.streamed_stderr)


def send_rest(
    ls: UnsandboxLanguageServer,
    run: Run,
    stdout: str,
    stderr: str,
    shown: Callable[[str], str],
) -> None:
    """Send the part of the whole output (`stdout`, `stderr`, as the API gave it) not shown yet,
    through `shown` (local paths); nothing when no piece was shown while it ran."""
    if not streamed(run):
        return
    rest_out = _beyond(stdout, run.streamed_stdout)
    rest_err = _beyond(stderr, run.streamed_stderr)
    if rest_out or rest_err:
        _notify(ls, run, shown(rest_out), shown(rest_err), live=True)


def _beyond(whole: str, seen: str) -> str:
    return whole[len(seen) :] if whole.startswith(seen) else ""


def _notify(ls: UnsandboxLanguageServer, run: Run, stdout: str, stderr: str, live: bool) -> None:
    params = RunOutput(uri=run.uri, runId=run.run_id, stdout=stdout, stderr=stderr, live=live)
    ls.protocol.notify(RUN_OUTPUT, params)
