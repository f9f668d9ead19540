"""Carrying out one run: buffer → request → result → output and diagnostics.

`start_run` registers the run and starts it in the background; the command that asked for it
answers at once. A second run of the same document cancels the first one (its job is deleted)
and then starts: pressing ▶ again after an edit means "run what I have now".

`unsandbox/runStarted` carries uri, runId, kind and language (as guessed from the buffer, or
null) as soon as the run starts. The `unsandbox/runFinished` notification's params (documented
in the README):

    uri          the document that was run
    runId        this run's id (also in unsandbox/runStarted)
    language     API language id, or null when none could be chosen
    kind         "file" | "shebang" | "selection" | "cell"
    status       completed | failed | timeout | cancelled | error (a tool failure)
    exitCode     the program's exit code, or null
    durationMs   wall-clock time from the command to the result, in milliseconds
    stdout       the program's standard output
    stderr       the program's standard error
    artifacts    [{filename, path, size}] saved locally
    jobId        the API's job id, or null
    logPath      the local file holding the full output, or null
    summary      the one-line summary also shown with window/showMessage
    error        why the tool failed (no credentials, API error …), or null when the program ran
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from lsprotocol import types

from unsandbox_ls.server import failure_messages, output
from unsandbox_ls.server.diagnostics import problems_to_findings
from unsandbox_ls.server.progress import Progress
from unsandbox_ls.server.regions import Region
from unsandbox_ls.server.request_builder import (
    Prepared,
    RunRefused,
    Snapshot,
    borrow_client,
    display_name,
    document_language,
    prepare,
)
from unsandbox_ls.server.server import UnsandboxLanguageServer
from unsandbox_ls.server.state import Run

logger = logging.getLogger(__name__)

RUN_STARTED = "unsandbox/runStarted"
RUN_FINISHED = "unsandbox/runFinished"
CANCEL_WAIT_S = 5.0


def start_run(ls: UnsandboxLanguageServer, uri: str, region: Region, snap: Snapshot) -> Run:
    """Register a run of `region` of `uri` and start it in the background."""
    previous = ls.active_runs.get(uri)
    run = Run(uri=uri, kind=region.kind, line=region.line_offset)
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
                _finish_failure(ls, run, None, "cancelled", None, display_name(run.uri))
                return
        language = document_language(ls, run.uri, snap)
        ls.protocol.notify(
            RUN_STARTED,
            {"uri": run.uri, "runId": run.run_id, "kind": run.kind, "language": language},
        )
        ls.clear_run_diagnostics(run.uri)
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
    name = display_name(run.uri)
    prepared: Prepared | None = None
    client: Any = None
    try:
        prepared = prepare(ls, run, region, snap)
        client = await borrow_client(ls, name)
        await progress.begin(f"unsandbox: {run.kind} run of {name}")
        from unsandbox_ls.api.poll_plan import RunObservation
        from unsandbox_ls.runs import timing

        timed = (prepared.path or run.uri, prepared.language, run.kind)
        observed = RunObservation()
        result = await client.run_request(
            prepared.request,
            mode=prepared.mode,
            on_update=lambda job: _on_update(run, job, progress),
            recent=timing.recent(*timed),
            observed=observed,
        )
    except asyncio.CancelledError as exc:
        from unsandbox_ls.api.errors import CancelNotConfirmed, JobCancelled

        progress.end_message = "cancelled"
        unconfirmed = str(exc) if isinstance(exc, CancelNotConfirmed) else None
        partial = exc.partial if isinstance(exc, JobCancelled) else None
        _finish_failure(ls, run, prepared, "cancelled", unconfirmed, name, partial=partial)
        return
    except RunRefused as exc:
        progress.end_message = "not sent"
        _finish_failure(ls, run, prepared, "error", str(exc), name, exc)
        return
    except Exception as exc:
        from unsandbox_ls.api.errors import UnsandboxError

        if not isinstance(exc, UnsandboxError):
            logger.exception("run %s failed", run.run_id)
        progress.end_message = "failed"
        _finish_failure(ls, run, prepared, "error", f"unsandbox: {name}: {exc}", name, exc)
        return
    finally:
        if client is not None:
            await ls.api_clients.give_back(client)
    progress.end_message = (
        f"exit {result.exit_code}" if result.exit_code is not None else result.status
    )
    _finish_result(ls, run, prepared, result)
    # recorded once the task has ended the progress too: off the result's path
    asyncio.get_running_loop().call_soon(timing.learn, *timed, result.status, observed.run_s)
    logger.info("run %s: %s", run.run_id, observed.describe())


def _on_update(run: Run, update: Any, progress: Progress) -> None:
    job = getattr(update, "job", update)
    status = getattr(job, "status", None)
    job_id = getattr(job, "job_id", None)
    if isinstance(job_id, str) and job_id:
        run.job_id = job_id
    if isinstance(status, str):
        run.status = status
    progress.report()


def _finish_failure(
    ls: UnsandboxLanguageServer,
    run: Run,
    prepared: Prepared | None,
    status: str,
    error: str | None,
    name: str,
    exc: BaseException | None = None,
    partial: Any = None,
) -> None:
    """Report a run that produced no result; `partial` is a cancelled job's output so far (the
    API's cancel answer), shown in the output, the log and runFinished."""
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
        failure, log_path = failure_messages.report(ls, run, name, error, exc)
        summary, error = failure.short, failure.detail
    stdout = partial.stdout if partial is not None else ""
    stderr = partial.stderr if partial is not None else ""
    if stdout or stderr:
        header = [f"# {summary}", f"# file: {run.uri}", f"# job: {run.job_id or '-'}"]
        log_path = output.write_log(run.run_id, name, header, stdout, stderr)
        ls.log(log_text(summary + " (output before the cancel)", stdout, stderr, log_path))
    run.payload = {
        "uri": run.uri,
        "runId": run.run_id,
        "language": prepared.language if prepared else None,
        "kind": run.kind,
        "status": status,
        "exitCode": None,
        "durationMs": round(duration),
        "stdout": stdout,
        "stderr": stderr,
        "artifacts": [],
        "jobId": run.job_id,
        "logPath": log_path,
        "summary": summary,
        "error": error or ("cancelled by the user" if status == "cancelled" else None),
    }
    run.lens_title = "■ cancelled" if status == "cancelled" else "✗ not run · show why"
    record_history(ls, run, prepared)
    ls.last_runs[run.uri] = run
    ls.protocol.notify(RUN_FINISHED, run.payload)


def _finish_result(ls: UnsandboxLanguageServer, run: Run, prepared: Prepared, result: Any) -> None:
    duration = run.elapsed_ms()
    run.status = result.status
    run.job_id = result.job_id or run.job_id
    language = result.language or prepared.language or "unknown"
    findings = problems_to_findings(
        language, result.stdout, result.stderr, result.exit_code, prepared.target,
        ls.position_encoding(),
    )  # fmt: skip
    error_line = findings.headline or output.first_error_line(result.stderr) or result.error
    if result.status == "completed" and result.exit_code == 0:
        error_line = None
    summary = output.summary_line(
        prepared.name, result.status, result.exit_code, duration, error_line
    )
    artifacts: list[output.SavedArtifact] = []
    artifact_error: str | None = None
    if result.artifacts:
        try:
            artifacts = output.save_artifacts(
                [(a.filename, a.content) for a in result.artifacts],
                ls.settings.artifact_directory,
                os.path.dirname(prepared.path) if prepared.path else None,
                run.run_id,
            )
        except OSError as exc:
            artifact_error = f"unsandbox: could not save the artifacts: {exc}"
    header = [
        f"# {summary}",
        f"# file: {prepared.path or run.uri}",
        f"# kind: {run.kind}  language: {language}  job: {result.job_id or '-'}",
        f"# status: {result.status}  exit code: {result.exit_code}",
    ]
    header += [f"# artifact: {a.path} ({a.size} bytes)" for a in artifacts]
    log_path = output.write_log(run.run_id, prepared.name, header, result.stdout, result.stderr)

    # diagnostics first, so a client reacting to runFinished already sees them
    for uri, diagnostics in findings.by_uri.items():
        ls.publish(uri, diagnostics)
    ls.touched[run.uri] = set(findings.by_uri)

    ok = result.status == "completed" and result.exit_code == 0
    if failure_messages.toast_wanted(ls, failed=not ok):  # success: lens, status bar, log
        ls.show(summary, types.MessageType.Info if ok else types.MessageType.Error)
    if artifact_error:
        ls.error(artifact_error)
    ls.log(log_text(summary, result.stdout, result.stderr, log_path))
    run.payload = {
        "uri": run.uri,
        "runId": run.run_id,
        "language": language,
        "kind": run.kind,
        "status": result.status,
        "exitCode": result.exit_code,
        "durationMs": round(duration),
        "stdout": result.stdout,
        "stderr": result.stderr,
        "artifacts": [a.to_wire() for a in artifacts],
        "jobId": run.job_id,
        "logPath": log_path,
        "summary": summary,
        "error": None,
    }
    run.lens_title = output.lens_title(result.status, result.exit_code, duration, error_line)
    record_history(ls, run, prepared)
    ls.last_runs[run.uri] = run
    ls.protocol.notify(RUN_FINISHED, run.payload)
    if ls.settings.open_output_log and log_path and ls.supports_show_document():
        ls.spawn(show_log(ls, log_path))


def record_history(ls: UnsandboxLanguageServer, run: Run, prepared: Prepared | None) -> None:
    """HISTORY HOOK: append the finished run to its workspace's history (never raises)."""
    from pygls.uris import to_fs_path

    from unsandbox_ls.runs import history

    path = prepared.path if prepared and prepared.path else to_fs_path(run.uri)
    options = getattr(prepared.request, "options", None) if prepared else None
    sent = [f.filename for f in getattr(options, "input_files", ())]
    folders = [to_fs_path(f.uri) or "" for f in ls.workspace.folders.values()]
    if ls.workspace.root_path:
        folders.append(ls.workspace.root_path)
    if run.payload is not None and run.uri.startswith("file:"):
        history.record_finished(run.payload, path=path, folders=folders, files=sent)


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
