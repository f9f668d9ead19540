"""Carrying out one run: buffer → request → result → output and diagnostics.

`start_run` registers the run and starts it in the background; the command that asked for it
answers at once. A second run of the same document cancels the first one (its job is deleted)
and then starts: pressing ▶ again after an edit means "run what I have now".

The `unsandbox/runFinished` notification's params (documented in the README):

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
import glob
import logging
import os
import uuid
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.uris import to_fs_path

from unsandbox_ls.languages import EXTENSIONS, MAIN_FILE_NAMES, comment_leader, detect_language
from unsandbox_ls.server import output
from unsandbox_ls.server.diagnostics import RunTarget, problems_to_findings
from unsandbox_ls.server.magic_comment import MagicCommentError, MagicOptions, parse_magic_comment
from unsandbox_ls.server.regions import Region
from unsandbox_ls.server.server import UnsandboxLanguageServer
from unsandbox_ls.server.state import Run

logger = logging.getLogger(__name__)

RUN_STARTED = "unsandbox/runStarted"
RUN_FINISHED = "unsandbox/runFinished"
CANCEL_WAIT_S = 5.0


class RunRefused(Exception):
    """The run cannot be sent (nothing was sent); the message is for the user."""


@dataclass(frozen=True)
class Snapshot:
    """The buffer as it was when the command arrived: this text is what runs."""

    text: str
    lines: list[str]
    version: int | None
    language_id: str | None


def snapshot(ls: UnsandboxLanguageServer, uri: str) -> Snapshot:
    """The open buffer (unsaved text included), or the file on disk; `RunRefused` if neither."""
    doc = ls.workspace.get_text_document(uri)
    try:
        text = doc.source
    except OSError as exc:
        raise RunRefused(f"unsandbox: cannot read {display_name(uri)}: {exc.strerror}") from None
    return Snapshot(text, list(doc.lines), doc.version, doc.language_id)


@dataclass(frozen=True)
class Prepared:
    """Everything needed to send the run."""

    language: str | None
    name: str
    path: str | None
    region: Region
    target: RunTarget
    request: Any
    mode: str
    version: int | None


def display_name(uri: str) -> str:
    path = to_fs_path(uri)
    return os.path.basename(path) if path else uri.rsplit("/", 1)[-1] or uri


def submitted_name(language: str | None) -> str:
    if language is None:
        return "main"
    if language in MAIN_FILE_NAMES:
        return MAIN_FILE_NAMES[language]
    ext = next((e for e, lang in EXTENSIONS.items() if lang == language), language)
    return f"main.{ext}"


def _input_files(patterns: tuple[str, ...], base: str | None, strict: bool) -> list[Any]:
    from unsandbox_ls.api.models import InputFile

    if not patterns:
        return []
    if base is None:
        if not strict:
            return []  # the inputFiles setting does not apply to an untitled buffer
        raise RunRefused("unsandbox: files= needs a file saved on disk (this buffer has no folder)")
    found: dict[str, InputFile] = {}
    for pattern in patterns:
        matches = sorted(glob.glob(pattern, root_dir=base, recursive=True))
        files = [m for m in matches if os.path.isfile(os.path.join(base, m))]
        if not files and strict:
            raise RunRefused(f"input file pattern {pattern!r} matched no file in {base}")
        for rel in files:
            name = os.path.basename(rel)
            with open(os.path.join(base, rel), "rb") as handle:
                found[name] = InputFile(name, handle.read())
    return list(found.values())


def document_language(ls: UnsandboxLanguageServer, uri: str, snap: Snapshot) -> str | None:
    path = to_fs_path(uri) or display_name(uri)
    detection = detect_language(
        path, snap.text, editor_language_id=snap.language_id, overrides=ls.settings.language_map
    )
    return detection.language if detection else None


def prepare(ls: UnsandboxLanguageServer, run: Run, region: Region, snap: Snapshot) -> Prepared:
    """Build the request from the buffer and the settings; `RunRefused` if it cannot be sent."""
    from unsandbox_ls.api.errors import ValidationError
    from unsandbox_ls.api.models import ExecuteRequest, RawRunRequest, RunOptions

    path = to_fs_path(run.uri)
    lines = snap.lines
    name = display_name(run.uri)
    settings = ls.settings
    language = document_language(ls, run.uri, snap)
    if language is None and run.kind != "shebang":
        raise RunRefused(
            f"unsandbox: cannot tell the language of {name}; map its extension or language id "
            f'in the unsandbox.languageMap setting, e.g. {{"{_map_key(name, snap.language_id)}": '
            f'"python"}}'
        )
    try:
        magic = parse_magic_comment(lines, comment_leader(language or "python"))
    except MagicCommentError as exc:
        raise RunRefused(f"unsandbox: {name}: {exc}; nothing was sent") from None
    base = os.path.dirname(path) if path else None
    files = _input_files(settings.input_files, base, strict=False) + _input_files(
        magic.files, base, strict=True
    )
    options = RunOptions(
        ttl=magic.ttl or settings.ttl,
        network_mode=magic.network_mode or settings.network_mode,
        env={**settings.env, **magic.env},
        input_files=tuple(files),
        return_artifact=(
            magic.return_artifact if magic.return_artifact is not None else settings.return_artifact
        ),
    )
    request: Any
    if run.kind == "shebang":
        request = RawRunRequest(region.code, options)
    else:
        assert language is not None
        request = ExecuteRequest(language, region.code, options)
    try:
        request.validate()
    except ValidationError as exc:
        raise RunRefused(f"unsandbox: {name}: {exc}; nothing was sent") from None
    target = RunTarget(
        uri=run.uri,
        path=path,
        lines=lines,
        line_offset=region.line_offset,
        column_offset=region.column_offset,
        submitted_name=submitted_name(language),
        run_id=run.run_id,
    )
    return Prepared(
        language, name, path, region, target, request, _mode(magic, settings.mode), snap.version
    )


def _mode(magic: MagicOptions, default: str) -> str:
    return magic.mode or default


def _map_key(name: str, language_id: str | None) -> str:
    return name.rsplit(".", 1)[1] if "." in name.lstrip(".") else (language_id or "myLanguage")


def make_client(ls: UnsandboxLanguageServer) -> Any:
    """An API client from the settings and the environment; `RunRefused` without credentials."""
    from unsandbox_ls.api.client import UnsandboxClient
    from unsandbox_ls.api.credentials import find_credentials, resolve_base_url
    from unsandbox_ls.api.errors import ConfigurationError

    s = ls.settings
    try:
        base_url = resolve_base_url(s.base_url, os.environ)
        credentials = find_credentials(
            public_key=s.public_key,
            secret_key=s.secret_key,
            api_key=s.api_key,
            account=s.account,
            env=os.environ,
        )
    except ConfigurationError as exc:
        raise RunRefused(
            f"unsandbox: {exc} (in the editor, the unsandbox.publicKey and unsandbox.secretKey "
            f"settings work too); nothing was sent"
        ) from None
    return UnsandboxClient(base_url, credentials)


async def close_client(client: Any) -> None:
    close = getattr(client, "aclose", None)
    if close is not None:
        try:
            await close()
        except Exception as exc:
            logger.info("closing the API client failed: %s", exc)


def start_run(ls: UnsandboxLanguageServer, uri: str, region: Region, snap: Snapshot) -> Run:
    """Register a run of `region` of `uri` and start it in the background."""
    previous = ls.active_runs.get(uri)
    run = Run(uri=uri, kind=region.kind)
    ls.active_runs[uri] = run
    ls.last_active_uri = uri
    run.task = ls.spawn(_run_task(ls, run, region, snap, previous))
    return run


async def _run_task(
    ls: UnsandboxLanguageServer, run: Run, region: Region, snap: Snapshot, previous: Run | None
) -> None:
    if previous is not None and previous.cancel() and previous.task is not None:
        await asyncio.wait([previous.task], timeout=CANCEL_WAIT_S)
    ls.protocol.notify(RUN_STARTED, {"uri": run.uri, "runId": run.run_id, "kind": run.kind})
    ls.clear_run_diagnostics(run.uri)
    ls.refresh_code_lenses()
    progress = Progress(ls, run)
    try:
        await _execute(ls, run, region, snap, progress)
    finally:
        progress.end()
        if ls.active_runs.get(run.uri) is run:
            del ls.active_runs[run.uri]
        ls.refresh_code_lenses()


async def _execute(
    ls: UnsandboxLanguageServer, run: Run, region: Region, snap: Snapshot, progress: Progress
) -> None:
    name = display_name(run.uri)
    prepared: Prepared | None = None
    client: Any = None
    try:
        prepared = prepare(ls, run, region, snap)
        client = make_client(ls)
        await progress.begin(f"unsandbox: {run.kind} run of {name}")
        result = await client.run_request(
            prepared.request,
            mode=prepared.mode,
            on_update=lambda job: _on_update(run, job, progress),
        )
    except asyncio.CancelledError:
        progress.end_message = "cancelled"
        _finish_failure(ls, run, prepared, "cancelled", None, name)
        return
    except RunRefused as exc:
        progress.end_message = "not sent"
        _finish_failure(ls, run, prepared, "error", str(exc), name)
        return
    except Exception as exc:
        from unsandbox_ls.api.errors import UnsandboxError

        if not isinstance(exc, UnsandboxError):
            logger.exception("run %s failed", run.run_id)
        progress.end_message = "failed"
        _finish_failure(ls, run, prepared, "error", f"unsandbox: {name}: {exc}", name)
        return
    finally:
        if client is not None:
            await close_client(client)
    progress.end_message = (
        f"exit {result.exit_code}" if result.exit_code is not None else result.status
    )
    _finish_result(ls, run, prepared, result)


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
) -> None:
    duration = run.elapsed_ms()
    run.status = status
    if status == "cancelled":
        summary = output.summary_line(name, "cancelled", None, duration, None)
        ls.show(summary, types.MessageType.Info)
    else:
        summary = error or f"{name}: failed"
        ls.error(summary)
    run.payload = {
        "uri": run.uri,
        "runId": run.run_id,
        "language": prepared.language if prepared else None,
        "kind": run.kind,
        "status": status,
        "exitCode": None,
        "durationMs": round(duration),
        "stdout": "",
        "stderr": "",
        "artifacts": [],
        "jobId": run.job_id,
        "logPath": None,
        "summary": summary,
        "error": error if status != "cancelled" else "cancelled by the user",
    }
    run.lens_title = "⏹ cancelled" if status == "cancelled" else "✗ not run · show why"
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
    ls.last_runs[run.uri] = run
    ls.protocol.notify(RUN_FINISHED, run.payload)
    if ls.settings.open_output_log and log_path and ls.supports_show_document():
        ls.spawn(show_log(ls, log_path))


def log_text(summary: str, stdout: str, stderr: str, log_path: str | None) -> str:
    parts = [summary]
    if stdout:
        parts.append("--- stdout ---\n" + stdout.rstrip("\n"))
    if stderr:
        parts.append("--- stderr ---\n" + stderr.rstrip("\n"))
    if log_path:
        parts.append(f"(full output: {log_path})")
    return "\n".join(parts)


async def show_log(ls: UnsandboxLanguageServer, log_path: str) -> bool:
    from pygls.uris import from_fs_path

    uri = from_fs_path(log_path)
    if uri is None:
        return False
    try:
        result = await asyncio.wait_for(
            ls.window_show_document_async(types.ShowDocumentParams(uri=uri, take_focus=False)),
            timeout=10,
        )
    except Exception as exc:
        logger.info("showDocument failed: %s", exc)
        return False
    return bool(getattr(result, "success", False))


class Progress:
    """`$/progress` of one run: a fresh server-created token; reports status and elapsed time."""

    TICK_S = 1.0

    def __init__(self, ls: UnsandboxLanguageServer, run: Run) -> None:
        self.ls = ls
        self.run = run
        self.token: str | None = None
        self.end_message = "done"
        self._ticker: asyncio.Task[None] | None = None
        self._ended = False

    async def begin(self, title: str) -> None:
        if not self.ls.supports_progress():
            return
        token = f"unsandbox-{uuid.uuid4()}"
        try:
            await asyncio.wait_for(self.ls.work_done_progress.create_async(token), timeout=10)
        except Exception as exc:  # refused, or no answer
            logger.info("window/workDoneProgress/create refused: %s", exc)
            return
        self.token = token
        self.run.token = token
        self.ls.progress_runs[token] = self.run
        self.ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(title=title, cancellable=True, message="submitting"),
        )
        self._ticker = asyncio.ensure_future(self._tick())

    def report(self) -> None:
        if self.token is None or self._ended:
            return
        elapsed = self.run.elapsed_ms() / 1000
        self.ls.work_done_progress.report(
            self.token,
            types.WorkDoneProgressReport(message=f"{self.run.status} · {elapsed:.0f} s"),
        )

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.TICK_S)
            self.report()

    def end(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
        if self.token is None or self._ended:
            return
        self._ended = True
        self.ls.progress_runs.pop(self.token, None)
        self.ls.work_done_progress.end(
            self.token, types.WorkDoneProgressEnd(message=self.end_message)
        )
