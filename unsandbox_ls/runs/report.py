"""One finished run, told once: the `RunReport`, and what is written from it.

A report is built once per run, from the plan, the result, the findings and the duration
(`of_result`), or, for a run that produced no result, from what is known (`not_run`). Everything
that tells of the run afterwards is a serialisation of it:

- the run log's header (`log_header`) above the output as printed (`output.write_log`);
- the history's row (`history_row`, `runs/history.py` stores it);
- the one-line summary (`RunReport.summary`) and the result lens (`RunReport.lens_title`);
- the language server's `unsandbox/runFinished` (`server/run_finished.py`, `from_report`).

The language server and `unsandbox-ls run` finish a run through the same function, `finish`,
which writes the log and the history row; so the same failure is recorded the same way
whoever ran it. The error line of a failed run is the parsers' first problem, else the last
line of stderr a reader wants (`output.first_error_line`), else the API's error.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from unsandbox_ls.runs import output

if TYPE_CHECKING:
    from unsandbox_ls.api.models import RunResult
    from unsandbox_ls.runs.artifacts import SavedArtifact
    from unsandbox_ls.runs.in_place import Spot
    from unsandbox_ls.runs.outcome import Findings
    from unsandbox_ls.runs.plan import Plan
    from unsandbox_ls.sent_file import SentFile


@dataclass(frozen=True)
class RunReport:
    """What one run did, as every record of it tells it.

    `path` is the local file that ran (None: an untitled buffer, which has no history);
    `files` the files a user is told went (the program first; empty when nothing was sent);
    `stdout`/`stderr` the output as printed (the log keeps it so), `shown_stdout`/`shown_stderr`
    the same with the sandbox's paths shown as the local files; `headline` the error line of
    the summary and the lens (None for a success); `error` why the tool failed (None when the
    program ran); `log_path` is set once `finish` has written the log.
    """

    run_id: str
    uri: str
    path: str | None
    name: str
    kind: str
    language: str | None
    status: str
    exit_code: int | None
    duration_ms: float
    job_id: str | None
    summary: str
    headline: str | None = None
    files: tuple[SentFile, ...] = ()
    stdout: str = ""
    stderr: str = ""
    shown_stdout: str = ""
    shown_stderr: str = ""
    artifacts: tuple[SavedArtifact, ...] = ()
    error: str | None = None
    log_path: str | None = None
    ran: bool = True  # the program ran (a result came back); False: refused, failed, cancelled
    #: what the program was given (`stdin: input.txt, args: 5`), for the lens
    given: str = ""
    #: results in place: what the start-up hook recorded, on the local files' lines
    in_place: tuple[Spot, ...] = ()
    #: the file's text as it ran, kept in the log so that two runs' code can be compared
    code: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "completed" and self.exit_code == 0

    @property
    def lens_title(self) -> str:
        """The result lens: `✓ exit 0 · 0.4 s`, `✗ exit 1 · KeyError: 'price'`, `■ cancelled`."""
        if not self.ran:
            return "■ cancelled" if self.status == "cancelled" else "✗ not run · show why"
        return output.lens_title(
            self.status, self.exit_code, self.duration_ms, self.headline, self.given
        )

    @property
    def sent_names(self) -> list[str]:
        """The names of the files sent with the program, as the history lists them."""
        return [f.name for f in self.files if f.origin != "program"]


def error_line(result: RunResult, findings: Findings) -> str | None:
    """The line a failed run is summed up by (None for a success)."""
    if result.status == "completed" and result.exit_code == 0:
        return None
    return findings.headline or output.first_error_line(result.stderr) or result.error


def of_result(
    plan: Plan,
    result: RunResult,
    findings: Findings,
    duration_ms: float,
    *,
    run_id: str,
    job_id: str | None = None,
    artifacts: Iterable[SavedArtifact] = (),
) -> RunReport:
    """The report of a run that came back with a result (`job_id`: the one known from its
    progress, when the result does not say)."""
    headline = error_line(result, findings)
    spots: tuple[Spot, ...] = ()
    if result.in_place is not None:
        from unsandbox_ls.runs.in_place import place, program_name

        spots = tuple(place(result.in_place, plan.target, program_name(plan)))
    return RunReport(
        run_id=run_id,
        uri=plan.source.uri,
        path=plan.source.path,
        name=plan.name,
        kind=plan.source.kind,
        language=result.language or plan.language or "unknown",
        status=result.status,
        exit_code=result.exit_code,
        duration_ms=duration_ms,
        job_id=result.job_id or job_id,
        summary=output.summary_line(
            plan.name,
            result.status,
            result.exit_code,
            duration_ms,
            headline,
            plan.file_count,
            plan.given,
        )
        + output.no_input_hint(plan.stdin_name, headline, plan.language),
        code=plan.source.text,
        headline=headline,
        given=plan.given,
        files=plan.shown_files,
        stdout=result.stdout,
        stderr=result.stderr,
        shown_stdout=findings.shown(result.stdout),
        shown_stderr=findings.shown(result.stderr),
        artifacts=tuple(artifacts),
        in_place=spots,
    )


def not_run(
    *,
    run_id: str,
    uri: str,
    path: str | None,
    name: str,
    kind: str,
    plan: Plan | None,
    status: str,
    duration_ms: float,
    summary: str,
    job_id: str | None = None,
    partial: RunResult | None = None,
    error: str | None = None,
    log_path: str | None = None,
) -> RunReport:
    """The report of a run that produced no result: refused, failed or cancelled (`partial`:
    a cancelled job's output so far). A cancelled run lists the files that went."""
    stdout = partial.stdout if partial is not None else ""
    stderr = partial.stderr if partial is not None else ""
    return RunReport(
        run_id=run_id,
        uri=uri,
        path=path,
        name=name,
        kind=kind,
        language=plan.language if plan else None,
        status=status,
        exit_code=None,
        duration_ms=duration_ms,
        job_id=job_id,
        summary=summary,
        files=plan.shown_files if plan is not None and status == "cancelled" else (),
        stdout=stdout,
        stderr=stderr,
        shown_stdout=stdout,
        shown_stderr=stderr,
        error=error,
        log_path=log_path,
        ran=False,
    )


def log_header(report: RunReport) -> list[str]:
    """The lines above the output in the run's log."""
    where = os.path.abspath(report.path) if report.path else report.uri
    header = [
        f"# {report.summary}",
        f"# file: {where}",
        f"# kind: {report.kind}  language: {report.language or 'unknown'}  "
        f"job: {report.job_id or '-'}",
        f"# status: {report.status}  exit code: {report.exit_code}",
    ]
    header += [
        f"# sent: {f.name} = {os.path.abspath(f.path) if f.path else report.uri}"
        for f in report.files
    ]
    header += [f"# artifact: {a.path} ({a.size} bytes)" for a in report.artifacts]
    return header


def history_row(report: RunReport, *, source: str, when: float | None = None) -> dict[str, Any]:
    """The history's record of the run (never its output, environment or keys)."""
    return {
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when)),
        "file": os.path.realpath(report.path) if report.path else None,
        "kind": report.kind,
        "language": report.language,
        "status": report.status,
        "exitCode": report.exit_code,
        "durationMs": round(report.duration_ms),
        "jobId": report.job_id,
        "files": report.sent_names,
        "logPath": report.log_path,
        "summary": report.summary,
        "source": source,
        "runId": report.run_id,
    }


def finish(
    report: RunReport,
    *,
    folders: Iterable[str] = (),
    source: str,
    write_log: bool = True,
    record_history: bool = True,
) -> RunReport:
    """Write the run's log (unless `write_log` is False, or nothing ran and nothing was printed)
    and, unless `record_history` is False (the caller then calls `record`, as the server does
    from a worker thread), its history row; the report with its log's path. Never raises: a
    run does not fail because its records could not be written. Blocking (it writes files)."""
    if write_log and (report.ran or report.stdout or report.stderr):
        log_path = output.write_log(
            report.run_id,
            report.name,
            log_header(report),
            report.stdout,
            report.stderr,
            code=report.code,
        )
        report = replace(report, log_path=log_path)
    if record_history:
        record(report, folders=folders, source=source)
    return report


def record(report: RunReport, *, folders: Iterable[str] = (), source: str) -> None:
    """Append the report's history row (never raises; blocking: the store is locked and read)."""
    from unsandbox_ls.runs import history

    if report.path:  # an untitled buffer has no workspace
        history.record(history_row(report, source=source), path=report.path, folders=folders)
