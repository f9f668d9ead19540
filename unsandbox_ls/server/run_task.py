"""Carrying out one run in the editor: buffer → `runs` pipeline → diagnostics, output, lenses.

`start_run` registers the run and starts it in the background; the command that asked for it
answers at once. A second run of the same document cancels the first one (its job is deleted)
and then starts: pressing ▶ again after an edit means "run what I have now".

What a run sends and how its output is read is `unsandbox_ls.runs` (shared with
`unsandbox-ls run`); this module adds the editor's part: progress, the diagnostics of every file
the run touched (and clearing them at the next run), the output channel, the result lens and the
`unsandbox/runStarted` / `unsandbox/runFinished` notifications (`server.run_finished`).

`unsandbox/runStarted` carries uri, runId, kind and language (as guessed from the buffer, or
null) as soon as the run starts.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import TYPE_CHECKING

from lsprotocol import types

from unsandbox_ls.runs import output
from unsandbox_ls.runs.plan import RunRefused
from unsandbox_ls.server import failure_messages, live_output
from unsandbox_ls.server.document_uris import uri_to_path
from unsandbox_ls.server.in_place_hints import set_spots
from unsandbox_ls.server.off_loop import finish_off_loop
from unsandbox_ls.server.progress import Progress
from unsandbox_ls.server.run_finished import RUN_FINISHED, RUN_STARTED, from_report, run_started
from unsandbox_ls.server.sources import (
    Snapshot,
    borrow_client,
    display_name,
    open_buffers,
    run_settings,
    source_of,
    workspace_roots,
)
from unsandbox_ls.server.state import Run

if TYPE_CHECKING:
    from unsandbox_ls.api.client import UnsandboxClient
    from unsandbox_ls.api.models import JobUpdate, RunResult
    from unsandbox_ls.runs.artifacts import SavedArtifact
    from unsandbox_ls.runs.plan import Plan, RunSettings
    from unsandbox_ls.runs.report import RunReport
    from unsandbox_ls.runs.source import Source
    from unsandbox_ls.server.regions import Region
    from unsandbox_ls.server.server import UnsandboxLanguageServer

logger = logging.getLogger(__name__)

CANCEL_WAIT_S = 5.0


def start_run(
    ls: UnsandboxLanguageServer,
    uri: str,
    region: Region,
    snap: Snapshot,
    args: tuple[str, ...] | None = None,
) -> Run:
    """Register a run of `region` of `uri` and start it in the background (`args`: the
    arguments "Run with arguments…" gave it)."""
    previous = ls.active_runs.get(uri)
    run = Run(uri=uri, kind=region.kind, line=region.line_offset, args=args)
    ls.active_runs[uri] = run
    ls.last_active_uri = uri
    run.task = ls.spawn(_run_task(ls, run, region, snap, previous))
    return run


async def _run_task(
    ls: UnsandboxLanguageServer, run: Run, region: Region, snap: Snapshot, previous: Run | None
) -> None:
    progress = Progress(ls, run)
    try:
        if previous is not None and previous.cancel() and previous.task is not None:
            try:
                await asyncio.wait([previous.task], timeout=CANCEL_WAIT_S)
            except asyncio.CancelledError:  # this run too was cancelled before it started
                await _finish_failure(ls, run, None, "cancelled", None)
                return
        ls.protocol.notify(
            RUN_STARTED,
            run_started(
                uri=run.uri,
                run_id=run.run_id,
                kind=run.kind,
                language=snap.language,
            ),
        )
        ls.clear_run_diagnostics(run.uri)
        set_spots(ls, run.uri, [])  # a new run replaces all the hints of the last one
        ls.refresh_code_lenses()
        await _execute(ls, run, region, snap, progress)
    finally:
        progress.end()
        if ls.active_runs.get(run.uri) is run:
            del ls.active_runs[run.uri]
        ls.refresh_code_lenses()
        ls.refresh_inlay_hints()


async def _execute(
    ls: UnsandboxLanguageServer, run: Run, region: Region, snap: Snapshot, progress: Progress
) -> None:
    from unsandbox_ls.runs.execute import execute
    from unsandbox_ls.runs.plan import build_plan

    name = display_name(run.uri)
    plan: Plan | None = None
    client: UnsandboxClient | None = None
    try:
        source = source_of(run.uri, snap, region, run.run_id)
        settings = run_settings(ls.settings, workspace_roots(ls))
        buffers = open_buffers(ls)

        def plan_run() -> Plan:  # reading the files that go along blocks: off the event loop
            ran = with_file_args(settings, source, run)
            return build_plan(
                source, ran, buffer_text=buffers.get, language=snap.language, cancel=run.stop
            )

        plan = await asyncio.to_thread(plan_run)
        for note in plan.notes:  # discovery stopped early: some imports may be missing
            ls.log(f"unsandbox: {name}: import discovery {note}", types.MessageType.Warning)
        client = await borrow_client(ls, name)
        files = f" ({plan.file_count} files)" if plan.file_count > 1 else ""
        await progress.begin(f"unsandbox: {run.kind} run of {name}{files}")
        sending = plan
        result = await execute(
            plan,
            client,
            on_update=lambda u: _on_update(ls, run, sending, u, progress),
            label=f"run {run.run_id}",
        )
    except asyncio.CancelledError as exc:
        from unsandbox_ls.api.cancelled import CancelNotConfirmed, JobCancelled

        progress.end_message = "cancelled"
        unconfirmed = str(exc) if isinstance(exc, CancelNotConfirmed) else None
        partial = exc.partial if isinstance(exc, JobCancelled) else None
        await _finish_failure(
            ls, run, plan, "cancelled", unconfirmed, partial=partial, progress=progress
        )
        return
    except RunRefused as exc:
        progress.end_message = "not sent"
        message = str(exc)
        await _finish_failure(ls, run, plan, "error", _prefixed(message), exc, progress=progress)
        return
    except Exception as exc:
        from unsandbox_ls.api.errors import UnsandboxError

        if not isinstance(exc, UnsandboxError):
            logger.exception("run %s failed", run.run_id)
        progress.end_message = "failed"
        error = f"unsandbox: {name}: {exc}"
        await _finish_failure(ls, run, plan, "error", error, exc, progress=progress)
        return
    finally:
        if client is not None:
            await ls.api_clients.give_back(client)
    progress.end_message = (
        f"exit {result.exit_code}" if result.exit_code is not None else result.status
    )
    await _finish_result(ls, run, plan, result, progress)


def with_file_args(settings: RunSettings, source: Source, run: Run) -> RunSettings:
    """The settings with the arguments of this run ("Run with arguments…", which win over the
    magic comment) or those remembered for the file (which act as its `args` setting)."""
    from unsandbox_ls.runs import file_args

    if run.args is not None:
        pinned = settings.pinned | {"args"}
        return settings._replace(args=run.args, pinned=pinned)
    remembered = file_args.remembered(source.path) if source.path else None
    if remembered is not None:
        return settings._replace(args=remembered)
    return settings


def _prefixed(message: str) -> str:
    return message if message.startswith("unsandbox:") else f"unsandbox: {message}"


def _on_update(
    ls: UnsandboxLanguageServer, run: Run, plan: Plan, update: JobUpdate, progress: Progress
) -> None:
    job = update.job
    if job.job_id:
        run.job_id = job.job_id
    if job.status:
        run.status = job.status
    live_output.on_update(ls, run, plan, update)
    progress.report()


async def _finish_failure(
    ls: UnsandboxLanguageServer,
    run: Run,
    plan: Plan | None,
    status: str,
    error: str | None,
    exc: BaseException | None = None,
    partial: RunResult | None = None,
    progress: Progress | None = None,
) -> None:
    """Report a run that produced no result; `partial` is a cancelled job's output so far (the
    API's cancel answer), shown in the output, the log and runFinished."""
    from unsandbox_ls.runs import report as run_report

    name = display_name(run.uri)
    duration = run.elapsed_ms()
    run.status = status
    log_path: str | None = None
    if status == "cancelled" and error:  # the API did not confirm the cancel
        summary = f"unsandbox: {name}: cancelled here, but {error}"
        if failure_messages.toast_wanted(ls, failed=True):
            ls.show(summary, types.MessageType.Warning)
    elif status == "cancelled":
        summary = output.summary_line(name, "cancelled", None, duration, None)
        if failure_messages.toast_wanted(ls, failed=True):
            ls.show(summary, types.MessageType.Info)
    else:  # one sentence with actions; the explanation goes to the log
        failure, log_path = await failure_messages.report(ls, run, name, error, exc)
        summary, error = failure.short, failure.detail
    report = run_report.not_run(
        run_id=run.run_id,
        uri=run.uri,
        path=uri_to_path(run.uri),
        name=name,
        kind=run.kind,
        plan=plan,
        status=status,
        duration_ms=duration,
        summary=summary,
        job_id=run.job_id,
        partial=partial,
        error=error or ("cancelled by the user" if status == "cancelled" else None),
        log_path=log_path,
    )
    report = await _finished(ls, report)
    live_output.send_rest(ls, run, report.stdout, report.stderr, lambda text: text)
    if report.stdout or report.stderr:
        note = summary + " (output before the cancel)"
        ls.log(log_text(note, report.stdout, report.stderr, report.log_path))
    _notify_finished(ls, run, report, progress)


async def _save_artifacts(
    ls: UnsandboxLanguageServer, run: Run, plan: Plan, result: RunResult
) -> tuple[list[SavedArtifact], str | None]:
    """Save the run's artifacts (in a worker thread: files are written off the event loop)."""
    from unsandbox_ls.runs import artifacts

    if not result.artifacts:
        return [], None
    if not artifacts.asked_for(plan):
        message = artifacts.not_asked_message(len(result.artifacts))
        ls.log(f"unsandbox: {plan.name}: {message}", types.MessageType.Warning)
        return [], None
    base_dir = os.path.dirname(plan.source.path) if plan.source.path else None
    named = ls.settings.artifact_directory
    directory = artifacts.artifact_folder(named, base_dir, run.run_id)

    def save() -> artifacts.ArtifactsSaved:
        try:
            return artifacts.save_artifacts(
                [(a.filename, a.content) for a in result.artifacts],
                directory,
                source=plan.source.path,
                protected=[s.path for s in plan.sent if s.path],
            )
        finally:
            if not named:
                artifacts.prune_artifact_runs()

    try:
        report = await finish_off_loop(save)
    except OSError as exc:
        return [], f"unsandbox: could not save the artifacts in {directory}: {exc.strerror}"
    for artifact in report.saved:
        if artifact.note:
            ls.log(f"unsandbox: {plan.name}: artifact {artifact.path}: {artifact.note}")
    if report.problems:
        return report.saved, "unsandbox: " + "; ".join(report.problems)
    return report.saved, None


async def _finish_result(
    ls: UnsandboxLanguageServer, run: Run, plan: Plan, result: RunResult, progress: Progress
) -> None:
    from unsandbox_ls.runs import report as run_report
    from unsandbox_ls.runs.outcome import read_findings

    duration = run.elapsed_ms()
    run.status = result.status
    run.job_id = result.job_id or run.job_id
    findings = read_findings(plan, result)
    # files are written off the event loop, so lenses and other files' diagnostics go on
    artifacts, artifact_error = await _save_artifacts(ls, run, plan, result)
    report = run_report.of_result(
        plan, result, findings, duration, run_id=run.run_id, job_id=run.job_id, artifacts=artifacts
    )
    # the log keeps the output exactly as printed; what is shown names the local files
    report = await _finished(ls, report)

    # diagnostics first, so a client reacting to runFinished already sees them
    by_uri = findings.diagnostics(ls.position_encoding())
    ls.publish_run(run.uri, by_uri)  # each file under the client's own spelling of its URI
    live_output.send_rest(ls, run, result.stdout, result.stderr, findings.shown)
    if ls.settings.in_place:  # results in place: hints after the refresh that ends the run
        set_spots(ls, run.uri, list(report.in_place))

    if failure_messages.toast_wanted(ls, failed=not report.ok):  # success: lens, status bar, log
        ls.show(report.summary, types.MessageType.Info if report.ok else types.MessageType.Error)
    if artifact_error:
        ls.error(artifact_error)
    if findings.error:
        ls.log(f"unsandbox: {plan.name}: {findings.error}", types.MessageType.Warning)
    ls.log(log_text(report.summary, report.shown_stdout, report.shown_stderr, report.log_path))
    _notify_finished(ls, run, report, progress)
    if ls.settings.open_output_log and report.log_path and ls.supports_show_document():
        ls.spawn(show_log(ls, report.log_path))


def _notify_finished(
    ls: UnsandboxLanguageServer, run: Run, report: RunReport, progress: Progress | None
) -> None:
    """The run's result lens and `unsandbox/runFinished`, after its progress has ended."""
    run.payload = from_report(report, streamed=live_output.streamed(run), notice=ls.take_notice())
    run.lens_title = report.lens_title
    ls.last_runs[run.uri] = run
    if progress is not None:  # the progress ends before runFinished arrives
        progress.end()
    ls.protocol.notify(RUN_FINISHED, run.payload)


async def _finished(ls: UnsandboxLanguageServer, report: RunReport) -> RunReport:
    """The run's log written off the event loop, its history row in a worker thread of its own."""
    from unsandbox_ls.runs import report as run_report

    finished = await finish_off_loop(
        run_report.finish,
        report,
        folders=workspace_roots(ls),
        source="server",
        record_history=False,
    )
    record_history(ls, finished)
    return finished


def record_history(ls: UnsandboxLanguageServer, report: RunReport) -> None:
    """Append the finished run's row to its workspace's history in a worker thread (the store
    is locked, read and trimmed); never raises. The history commands and shutdown wait for
    the writes in flight."""
    from unsandbox_ls.runs import report as run_report

    folders = list(workspace_roots(ls))
    write = ls.spawn(asyncio.to_thread(run_report.record, report, folders=folders, source="server"))
    ls.history_writes.add(write)
    write.add_done_callback(ls.history_writes.discard)


def log_text(summary: str, stdout: str, stderr: str, log_path: str | None) -> str:
    parts = [summary]
    if stdout:
        parts.append("--- stdout ---\n" + stdout.rstrip("\n"))
    if stderr:
        parts.append("--- stderr ---\n" + stderr.rstrip("\n"))
    if log_path:
        parts.append(f"(full output: {log_path})")
    return "\n".join(parts)


async def show_log(ls: UnsandboxLanguageServer, log_path: str, take_focus: bool = False) -> bool:
    from pygls.uris import from_fs_path

    uri = from_fs_path(log_path)
    if uri is None:
        return False
    try:
        result = await asyncio.wait_for(
            ls.window_show_document_async(types.ShowDocumentParams(uri=uri, take_focus=take_focus)),
            timeout=10,
        )
    except Exception as exc:
        logger.info("showDocument failed: %s", exc)
        return False
    return bool(getattr(result, "success", False))
