"""The `unsandbox/runStarted` and `unsandbox/runFinished` notifications: typed payloads, each
built in one place; `unsandbox/runFinished` is the wire form of the run's `runs.report.RunReport`
(`from_report`), not a record of its own.

`unsandbox/runStarted` carries uri, runId, kind and language (as guessed from the buffer, or
null) as soon as a run starts. `unsandbox/runFinished` is sent after every run, also when the
run was refused, failed or was cancelled (documented in the README, section "The
`unsandbox/runFinished` notification"):

    uri          the document that was run
    runId        this run's id (also in unsandbox/runStarted)
    language     API language id, or null when none could be chosen
    kind         "file" | "shebang" | "selection" | "cell"
    status       completed | failed | timeout | cancelled | error (a tool failure)
    exitCode     the program's exit code, or null
    durationMs   wall-clock time from the command to the result, in milliseconds
    stdout       the program's standard output (the sandbox's paths of the run's files shown
                 as the local paths)
    stderr       the program's standard error (likewise)
    files        [{name, path}] every file that went: the code (under the name the sandbox
                 gave it) and each file sent with it; empty when nothing was sent
    artifacts    [{filename, path, size}] saved locally
    jobId        the API's job id, or null
    logPath      the local file holding the full output as the program printed it, or null
    summary      the one-line summary also shown with window/showMessage
    error        why the tool failed (no credentials, API error …), or null when the program ran
    streamed     true when stdout and stderr were shown already, piece by piece, in
                 unsandbox/runOutput notifications (the output channel has them all)
    notice       a sentence said once per session (runs going to the local sandbox for want
                 of keys), for a client that shows it in its output and status bar, or null

`unsandbox/runOutput` carries uri, runId, stdout and stderr (what the program printed since
the previous one, the sandbox's paths of the run's files shown as the local paths) and `live`:
true while the API shows the output as it is printed; one `live: false` (with empty text) says
that it does not, and that the output comes when the run ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    from unsandbox_ls.runs.report import RunReport

RUN_STARTED = "unsandbox/runStarted"
RUN_FINISHED = "unsandbox/runFinished"
RUN_OUTPUT = "unsandbox/runOutput"


class RunStarted(TypedDict):
    """The params of `unsandbox/runStarted`."""

    uri: str
    runId: str
    kind: str
    language: str | None


def run_started(*, uri: str, run_id: str, kind: str, language: str | None) -> RunStarted:
    return RunStarted(uri=uri, runId=run_id, kind=kind, language=language)


class RunOutput(TypedDict):
    """The params of `unsandbox/runOutput`: what a running program printed since the last."""

    uri: str
    runId: str
    stdout: str
    stderr: str
    live: bool


class SentFileInfo(TypedDict):
    """One file that went: its name in the sandbox and its local path (null: untitled)."""

    name: str
    path: str | None


class ArtifactInfo(TypedDict):
    """One artifact saved locally."""

    filename: str
    path: str
    size: int


class RunFinished(TypedDict):
    """The params of `unsandbox/runFinished`."""

    uri: str
    runId: str
    language: str | None
    kind: str
    status: str
    exitCode: int | None
    durationMs: int
    stdout: str
    stderr: str
    files: list[SentFileInfo]
    artifacts: list[ArtifactInfo]
    jobId: str | None
    logPath: str | None
    summary: str
    error: str | None
    streamed: bool
    notice: str | None


def run_finished(
    *,
    uri: str,
    run_id: str,
    kind: str,
    status: str,
    duration_ms: float,
    summary: str,
    language: str | None = None,
    exit_code: int | None = None,
    stdout: str = "",
    stderr: str = "",
    files: list[SentFileInfo] | None = None,
    artifacts: list[ArtifactInfo] | None = None,
    job_id: str | None = None,
    log_path: str | None = None,
    error: str | None = None,
    streamed: bool = False,
    notice: str | None = None,
) -> RunFinished:
    """The payload of one finished run (a result, a refusal, a failure or a cancel)."""
    return RunFinished(
        uri=uri,
        runId=run_id,
        language=language,
        kind=kind,
        status=status,
        exitCode=exit_code,
        durationMs=round(duration_ms),
        stdout=stdout,
        stderr=stderr,
        files=files or [],
        artifacts=artifacts or [],
        jobId=job_id,
        logPath=log_path,
        summary=summary,
        error=error,
        streamed=streamed,
        notice=notice,
    )


def from_report(
    report: RunReport, *, streamed: bool = False, notice: str | None = None
) -> RunFinished:
    """The `unsandbox/runFinished` params of a finished run: its report, on the wire (with
    whether its output went out already as `unsandbox/runOutput`, and the session's notice)."""
    return run_finished(
        uri=report.uri,
        run_id=report.run_id,
        kind=report.kind,
        status=report.status,
        duration_ms=report.duration_ms,
        summary=report.summary,
        language=report.language,
        exit_code=report.exit_code,
        stdout=report.shown_stdout,
        stderr=report.shown_stderr,
        files=[SentFileInfo(name=f.name, path=f.path) for f in report.files],
        artifacts=[
            ArtifactInfo(filename=a.filename, path=a.path, size=a.size) for a in report.artifacts
        ],
        job_id=report.job_id,
        log_path=report.log_path,
        error=report.error,
        streamed=streamed,
        notice=notice,
    )
