"""`unsandbox-ls run FILE`: run a file in the sandbox, print its output, exit with its status.

The same run as the editor's (`unsandbox_ls.runs`): the file's magic comment applies, the local
files it imports go along (unless `--no-discover`), and the flags given win over the comment.
Like the editor, it sends a re-run expected to end within 5 s as one request and otherwise
submits the job and polls it (`--sync`, `--async` choose). The program's stdout goes to stdout
and its stderr to stderr as it is printed (when the API shows a running job's output, as the
local sandbox does), the sandbox's paths of the run's files shown as the local files; then, on
stderr, one `PATH:LINE:COL: error: MESSAGE` line per problem found in the output, each naming
its own file (`helpers.py:2:5: error: …` for an error raised in an imported file). Nothing
printed can steer the terminal (`runs.terminal`): file names, problem lines and messages have
every control character made visible (a newline in a name never starts a line); the program's
output keeps its newlines and tabs, and only `--raw` prints it exactly as it came. Artifacts are
saved to `--artifact-dir`. `--json` prints the whole result, as the program printed it, as one
JSON object instead.

Exit status: the program's own exit code when it ran to the end; otherwise 2 bad usage or a
request the API refused, 69 the API or the network failed, 77 credentials missing or rejected,
124 the job hit its time limit, 130 interrupted (with `--async`, the job is cancelled first).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence

    import httpx

    from unsandbox_ls.api.credentials import Credentials
    from unsandbox_ls.api.models import JobUpdate, RunResult
    from unsandbox_ls.run_timing import RunClock
    from unsandbox_ls.runs.artifacts import SavedArtifact
    from unsandbox_ls.runs.execute import Handover
    from unsandbox_ls.runs.in_place import Spot
    from unsandbox_ls.runs.plan import Plan, RunSettings
    from unsandbox_ls.runs.source import RunKind

EXIT_USAGE = 2
EXIT_UNAVAILABLE = 69
EXIT_NO_PERMISSION = 77
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """Bad command-line input (exit 2); the message says what to change."""


def _write_output(args: argparse.Namespace, stream: TextIO, text: str) -> None:
    """The program's output, escaped (`runs.terminal.escape_output`) unless `--raw`."""
    from unsandbox_ls.runs.terminal import escape_output, is_terminal

    if not getattr(args, "raw", False):
        text = escape_output(text, terminal=is_terminal(stream))
    _write_raw(stream, text)


def _write_raw(stream: TextIO, text: str) -> None:
    """The program's output as UTF-8 bytes, whatever the terminal's encoding."""
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
    else:
        buffer.write(text.encode("utf-8", errors="surrogateescape"))
        buffer.flush()


def _say(message: str) -> None:
    from unsandbox_ls.runs.terminal import escape_line

    print(f"unsandbox-ls: {escape_line(message)}", file=sys.stderr, flush=True)


def parse_env(pairs: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"-e expects KEY=VALUE, got {pair[:60]!r}")
        env[key] = value
    return env


def _read_program(name: str) -> str:
    """The program's text: a regular UTF-8 file within the size cap."""
    from unsandbox_ls.runs.safe_read import FileRefused, read_source_file

    try:
        return read_source_file(Path(name), label=name)
    except FileRefused as exc:
        raise UsageError(str(exc)) from None


def run_settings(args: argparse.Namespace) -> RunSettings:
    """The command line as run settings: every flag given is pinned (the file's magic comment
    applies to the rest, as in the editor)."""
    from unsandbox_ls.api.limits import TTL_DEFAULT
    from unsandbox_ls.runs.plan import RunSettings

    pinned: set[str] = set()
    if args.ttl is not None:
        pinned.add("ttl")
    if args.network:
        pinned.add("network_mode")
    if args.env:
        pinned.add("env")
    if args.artifact:
        pinned.add("return_artifact")
    if args.use_async or getattr(args, "use_sync", False):
        pinned.add("mode")
    if args.no_discover:
        pinned.add("discover_imports")
    if getattr(args, "wasm_artifact", False):
        pinned.add("return_wasm_artifact")
    if getattr(args, "vcpu", None) is not None:
        pinned.add("vcpu")
    stdin = getattr(args, "stdin", None)
    stdin_data: bytes | None = None
    if stdin is not None:
        pinned.add("stdin")
        if stdin == "-":
            stdin_data = _read_own_stdin()
    # results in place are recorded for `--annotate`, the one output that shows them
    in_place = bool(getattr(args, "annotate", False)) and not getattr(args, "no_in_place", False)
    if not in_place:
        pinned.add("in_place")
    program_args = tuple(getattr(args, "program_args", None) or ())
    if program_args:
        pinned.add("args")
    return RunSettings(
        ttl=args.ttl if args.ttl is not None else TTL_DEFAULT,
        network_mode=args.network or "zerotrust",
        env=parse_env(args.env),
        # `-f` files are the user's own choice on their own command line: not contained to the
        # file's folder (unlike the magic comment's files=), but only regular files within the cap
        extra_files=tuple(args.input_files),
        return_artifact=bool(args.artifact),
        mode="async" if args.use_async else "sync" if getattr(args, "use_sync", False) else "auto",
        language=args.language,
        discover_imports=not args.no_discover,
        return_wasm_artifact=bool(getattr(args, "wasm_artifact", False)),
        vcpu=args.vcpu if getattr(args, "vcpu", None) is not None else 1,
        pinned=frozenset(pinned),
        stdin=stdin,
        stdin_data=stdin_data,
        args=program_args or None,
        in_place=in_place,
    )


def _read_own_stdin() -> bytes:
    """`--stdin -`: this command's own standard input, within the API's limit of one file."""
    from unsandbox_ls.api.limits import MAX_INPUT_FILE_BYTES

    data = sys.stdin.buffer.read(MAX_INPUT_FILE_BYTES + 1)
    if len(data) > MAX_INPUT_FILE_BYTES:
        raise UsageError(
            f"--stdin -: the input is over the API's limit of "
            f"{MAX_INPUT_FILE_BYTES // (1024 * 1024)} MB per file"
        )
    return data


def prepare(args: argparse.Namespace) -> Plan:
    """Read the file and build the plan: what goes, and how (nothing is sent)."""
    from unsandbox_ls.runs.plan import RunRefused, build_plan, choose_language
    from unsandbox_ls.runs.source import Source

    text = _read_program(args.file)
    settings = run_settings(args)
    source = Source(
        uri=Path(os.path.abspath(args.file)).as_uri(),
        path=args.file,
        lines=text.split("\n"),
        code=text,
    )
    language = choose_language(source, settings)  # once: the plan is given it
    kind: RunKind = "file"
    if args.shebang:
        if not text.startswith("#!"):
            raise UsageError(f"--shebang given but {args.file} does not start with '#!'")
        kind = "shebang"
    elif language is None:
        if not text.startswith("#!") or args.input_files:
            raise UsageError(
                f"cannot tell the language of {args.file}; pass --language ID "
                f"(for example --language python)"
            )
        kind = "shebang"  # an interpreter the API may know: it reads the shebang itself
    try:
        return build_plan(source._replace(kind=kind), settings, language=language)
    except RunRefused as exc:
        raise UsageError(str(exc)) from None


def program_status(result: RunResult) -> int:
    """The exit status that mirrors the program's (0-255)."""
    if result.status == "timeout":
        return EXIT_TIMEOUT
    if result.status == "cancelled":
        return EXIT_INTERRUPTED
    if result.exit_code is None:
        return 1 if result.status == "completed" else EXIT_UNAVAILABLE
    code = int(result.exit_code)
    if code < 0:  # killed by a signal, reported as its negative number
        return min(255, 128 - code)
    if code > 255:
        return code % 256 or 1
    return code


def result_json(plan: Plan, result: RunResult, saved: list[SavedArtifact], lines: list[str]) -> str:
    data = {
        "file": plan.source.path,
        "language": result.language or plan.language,
        "detected_language": result.detected_language,
        "status": result.status,
        "exit_code": result.exit_code,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "job_id": result.job_id,
        "duration_ms": result.duration_ms,
        "network_mode": result.network_mode,
        "error": result.error,
        "files": [plan.source.name, *(s.name for s in plan.sent if s.shown)],
        "artifacts": [a.path for a in saved],
        "problems": lines,
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def exit_code_for(error: BaseException) -> int:
    from unsandbox_ls.api import errors

    if isinstance(error, (errors.MissingCredentialsError, errors.AuthenticationError)):
        return EXIT_NO_PERMISSION
    if isinstance(error, (errors.ConfigurationError, errors.ValidationError, UsageError)):
        return EXIT_USAGE
    if isinstance(error, errors.RequestRejectedError):
        return EXIT_USAGE
    if isinstance(error, errors.JobTimeoutError):
        return EXIT_TIMEOUT
    return EXIT_UNAVAILABLE


#: what sending a run in one blocking request needs (`runs.execute.execute_quickly`): the
#: plan, the backend, the exchange; no asyncio, no httpx
QUICK_PATH_MODULES = (
    "unsandbox_ls.api.models",
    "unsandbox_ls.api.quick_exchange",
    "unsandbox_ls.local_backend",
    "unsandbox_ls.runs.execute",
    "unsandbox_ls.runs.plan",
    "unsandbox_ls.runs.timing",
)
#: what showing its result needs: loaded once the request is sent, while the sandbox runs it
SHOW_MODULES = (
    "unsandbox_ls.problems.mapping",
    "unsandbox_ls.problems.parse",
    "unsandbox_ls.problems.text",
    "unsandbox_ls.runs.display",
    "unsandbox_ls.runs.history",
    "unsandbox_ls.runs.outcome",
    "unsandbox_ls.runs.report",
    "unsandbox_ls.runs.terminal",
)
#: what the rest of the runs need (the API client and httpx): httpx imports httpcore when its
#: first transport is built, and httpcore anyio at its first connection
RUN_PATH_MODULES = ("anyio", "httpcore", "unsandbox_ls.api.client")


def _load(names: Sequence[str]) -> None:
    """Import `names` first, so that `--timing` tells loading apart from the work.

    The cyclic collector is paused while they load (imports allocate much, and free nothing
    it could find), and what they made is then moved to its permanent generation: the
    collections of the run itself walk only the run's own objects."""
    import gc
    import importlib

    gc.disable()
    try:
        for name in names:
            importlib.import_module(name)
    finally:
        gc.freeze()
        gc.enable()


def _preload(names: Sequence[str]) -> None:
    """Import `names` on a thread (whatever fails is raised again where it is imported)."""
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # imported again, and raised, on the main thread
            return


def _target(args: argparse.Namespace) -> tuple[str, Credentials, str | None]:
    """(base URL, credentials, unix socket or None): the per-user local sandbox (found or
    started) when the backend says so, else the configured API."""
    from unsandbox_ls.local_backend import local_target_blocking
    from unsandbox_ls.runs.execute import Connection, resolve

    local = local_target_blocking(args, say=_say)
    if local is not None:
        return local.base_url, local.credentials(), local.socket_path
    base_url, credentials = resolve(Connection(base_url=args.base_url, account=args.account))
    return base_url, credentials, None


def _run(args: argparse.Namespace, plan: Plan, clock: RunClock | None) -> int:
    """Send the plan and show its result: in one blocking request when it can go so
    (`execute_quickly`), else through the API client, which goes on from there."""
    from unsandbox_ls.runs.execute import Handover, execute_quickly, goes_as_one_request

    for note in plan.notes:  # discovery stopped early: some imports may be missing
        _say(f"{plan.name}: import discovery {note}")
    if args.use_async or not goes_as_one_request(plan):
        # the API client will be needed: load it while the backend is found (or started)
        import threading

        threading.Thread(target=_preload, args=(RUN_PATH_MODULES,), daemon=True).start()
    base_url, credentials, socket_path = _target(args)
    if clock is not None:
        clock.mark("backend")
    started = time.monotonic()
    quick: RunResult | Handover = Handover()  # `--async`: submitted and polled, by the client
    if not args.use_async:
        quick = execute_quickly(
            plan, base_url, credentials, socket_path=socket_path,
            while_waiting=lambda: _load(SHOW_MODULES),
        )  # fmt: skip
    if isinstance(quick, Handover):
        import asyncio

        _load(RUN_PATH_MODULES)
        transport = None
        if socket_path is not None:
            from unsandbox_ls.local_backend import unix_transport

            transport = unix_transport(socket_path)
        status = asyncio.run(
            _send_and_show(args, plan, base_url, credentials, transport, clock, quick)
        )
    else:
        status = _show(args, plan, quick, Printed(plan, StatusLine(sys.stderr), args, live=False),
                       started, clock)  # fmt: skip
    if clock is not None:
        clock.mark("output")
    return status


async def _send_and_show(
    args: argparse.Namespace,
    plan: Plan,
    base_url: str,
    credentials: Credentials,
    transport: httpx.AsyncBaseTransport | None,
    clock: RunClock | None,
    handover: Handover | None = None,
) -> int:
    import asyncio

    from unsandbox_ls.api import UnsandboxClient
    from unsandbox_ls.runs.execute import execute

    started = time.monotonic()
    async with UnsandboxClient(base_url, credentials, transport=transport) as client:
        progress = StatusLine(sys.stderr)
        annotate = getattr(args, "annotate", False)  # --annotate prints the output at the end
        printed = Printed(plan, progress, args, live=not (args.json or args.compact or annotate))
        try:
            result = await execute(plan, client, on_update=printed.update, handover=handover)
        except asyncio.CancelledError as exc:  # Ctrl-C: the client cancelled the job
            progress.clear()
            _report_cancel(args, plan, exc, printed)
            raise
        finally:
            progress.clear()
    return _show(args, plan, result, printed, started, clock)


def _show(
    args: argparse.Namespace,
    plan: Plan,
    result: RunResult,
    printed: Printed,
    started: float,
    clock: RunClock | None,
) -> int:
    """The result on this terminal (what `printed` has not shown yet), its problems, artifacts
    and notes; the log and the history row. The exit status mirrors the program's."""
    from unsandbox_ls.runs import report
    from unsandbox_ls.runs.outcome import read_findings
    from unsandbox_ls.runs.output import no_input_hint

    duration_ms = (time.monotonic() - started) * 1000
    if clock is not None:
        clock.mark("request")
        wait = result.duration_ms / 1000 if result.duration_ms is not None else None
        clock.carve("request", "wait", wait)
    run_id = os.urandom(6).hex()  # 12 hex digits, as the server's ids (uuid costs 3 ms)
    saved = _save_artifacts(args, plan, result, run_id)
    findings = read_findings(plan, result)
    # the log and the history row, as the language server writes them
    done = report.of_result(plan, result, findings, duration_ms, run_id=run_id, artifacts=saved)
    report.finish(done, folders=[os.getcwd()], source="cli")
    if findings.error:
        _say(findings.error)
    lines = findings.terminal_lines()
    if args.compact:
        return _print_compact(plan, result, lines, saved, started)
    if args.json:
        print(result_json(plan, result, saved, lines), flush=True)
    else:
        from unsandbox_ls.runs.terminal import escape_line

        annotate = getattr(args, "annotate", False)
        annotated = _annotated(plan, result, done.in_place) if annotate else None
        if annotated is None:
            # the frames the parsers read, then every sandbox path of a sent file (a name holding
            # a newline breaks its frame line, so the parsers cannot read it)
            printed.rest(result, lambda text: printed.shown(findings.shown(text)))
        else:
            _write_output(args, sys.stdout, annotated)
            _write_output(args, sys.stderr, findings.shown(result.stderr))
        for line in lines:
            print(escape_line(line), file=sys.stderr)
        for artifact in saved:
            _say(_saved_line(artifact))
        hint = no_input_hint(plan.stdin_name, findings.headline, plan.language)
        if hint:
            _say(f"{plan.name}: {hint.removeprefix('; ')}")
        if result.status not in ("completed",) and result.error:
            _say(f"the job {result.status}: {result.error}")
        elif result.status == "timeout":
            _say(f"the job hit its time limit ({plan.request.options.ttl} s)")
        sys.stderr.flush()
    return program_status(result)


def _annotated(plan: Plan, result: RunResult, spots: Sequence[Spot]) -> str | None:
    """`--annotate`: each source line that wrote output or failed, with its output and values
    (results in place, the report's `spots`), or None, said on stderr, when there are none."""
    from unsandbox_ls.runs.in_place import IN_PLACE_VARIABLE, annotate

    if not spots:
        if IN_PLACE_VARIABLE not in plan.request.options.env:
            why = "turned off, or the language has no start-up hook"
        elif result.in_place is None:
            why = "the sandbox ignored the start-up hook, or the program ended through os._exit"
        else:
            why = "no line of the program's files wrote output or failed"
        _say(f"{plan.name}: no results in place ({why}); the output as printed follows")
        return None
    names = {plan.target.uri: plan.source.path or plan.name}
    names.update({f.uri: f.path or f.name for f in plan.target.files if f.uri})
    return "\n".join(annotate(list(spots), names)) + "\n"


def _save_artifacts(
    args: argparse.Namespace, plan: Plan, result: RunResult, run_id: str
) -> list[SavedArtifact]:
    """Save the artifacts the run asked for (`runs.artifacts`: the folder named with
    `--artifact-dir`, else the cache's); say what was ignored or could not be saved."""
    from unsandbox_ls.runs import artifacts

    if not result.artifacts:
        return []
    if not artifacts.asked_for(plan):
        _say(artifacts.not_asked_message(len(result.artifacts)))
        return []
    directory = artifacts.artifact_folder(args.artifact_dir, None, run_id)
    try:
        outcome = artifacts.save_artifacts(
            [(a.filename, a.content) for a in result.artifacts],
            directory,
            source=plan.source.path,
            protected=[s.path for s in plan.sent if s.path],
        )
    except OSError as exc:
        _say(f"could not save the artifacts in {directory}: {exc.strerror}")
        return []
    finally:
        if not args.artifact_dir:
            artifacts.prune_artifact_runs()
    for problem in outcome.problems:
        _say(problem)
    return outcome.saved


def _saved_line(artifact: SavedArtifact) -> str:
    return f"saved artifact {artifact.path}" + (f" ({artifact.note})" if artifact.note else "")


def _print_compact(
    plan: Plan, result: RunResult, lines: list[str], saved: list[SavedArtifact], started: float
) -> int:
    """`--compact`: everything on stdout for an editor popup; 0 whenever the program ran."""
    from unsandbox_ls.runs.compact import compact_text

    notes = [f"unsandbox-ls: {_saved_line(artifact)}" for artifact in saved]
    if result.status == "timeout":
        notes.append(f"unsandbox-ls: the job hit its time limit ({plan.request.options.ttl} s)")
    duration = (time.monotonic() - started) * 1000
    _write_raw(sys.stdout, compact_text(plan.name, result, lines, notes, duration))
    return 0


class Printed:
    """The program's output on this terminal: each piece as the job's polls show it, then at
    the end only what was not printed yet (`rest`)."""

    def __init__(
        self, plan: Plan, status: StatusLine, args: argparse.Namespace, *, live: bool
    ) -> None:
        from unsandbox_ls.runs.display import live_localiser

        self.status = status
        self.args = args
        self.live = live
        self.shown = live_localiser(plan)
        self.stdout = ""
        self.stderr = ""

    def update(self, update: JobUpdate) -> None:
        if not self.live or not (update.stdout or update.stderr):
            self.status.show(update)
            return
        self.status.clear()
        self.stdout += update.stdout
        self.stderr += update.stderr
        _write_output(self.args, sys.stdout, self.shown(update.stdout))
        _write_output(self.args, sys.stderr, self.shown(update.stderr))

    def rest(self, result: RunResult, shown: Callable[[str], str]) -> None:
        """Print the part of the result's output not printed yet, through `shown`."""
        for stream, whole, seen in (
            (sys.stdout, result.stdout, self.stdout),
            (sys.stderr, result.stderr, self.stderr),
        ):
            rest = whole[len(seen) :] if whole.startswith(seen) else whole
            _write_output(self.args, stream, shown(rest))


class StatusLine:
    """The job's progress on one rewritten stderr line, only when stderr is a terminal (and
    cleared before anything else is printed): `unsandbox-ls: job 1f3… running · 4 s`."""

    def __init__(self, stream: TextIO) -> None:
        isatty = getattr(stream, "isatty", None)
        self.stream = stream if isatty is not None and isatty() else None
        self.shown = False

    def show(self, update: JobUpdate) -> None:
        from unsandbox_ls.runs.display import OUTPUT_AT_THE_END

        if self.stream is None:
            return
        from unsandbox_ls.runs.terminal import escape_line

        job = update.job
        waiting = job.status == "running" and not update.streams
        later = f" · {OUTPUT_AT_THE_END}" if waiting else ""
        what = escape_line(f"job {job.job_id} {job.status}")  # as the API answered them
        self.stream.write(f"\r\x1b[Kunsandbox-ls: {what} · {update.elapsed:.0f} s{later}")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.stream is not None and self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def _report_cancel(
    args: argparse.Namespace, plan: Plan, exc: BaseException, printed: Printed
) -> None:
    """What a cancelled job left: the output the cancel answer carried, and whether it stopped."""
    from unsandbox_ls.api.cancelled import CancelNotConfirmed, JobCancelled

    if isinstance(exc, CancelNotConfirmed):
        _say(str(exc))
        return
    if not isinstance(exc, JobCancelled):
        return
    partial = exc.partial
    if partial is not None and args.json:
        print(result_json(plan, partial, [], []), flush=True)
    elif partial is not None:
        printed.rest(partial, printed.shown)
    before = bool(printed.stdout or printed.stderr) or (
        partial is not None and bool(partial.stdout or partial.stderr)
    )
    _say(
        f"job {exc.job_id} was cancelled"
        + ("; above is the output it printed before" if before else "")
    )


def run_command(args: argparse.Namespace, *, began: float | None = None) -> int:
    """`unsandbox-ls run`; `began` is when the command line began (`time.perf_counter()`), for
    `--timing`."""
    clock: RunClock | None = None
    if getattr(args, "timing", False):
        from unsandbox_ls.run_timing import RunClock

        clock = RunClock(began)
    try:
        return _run_command(args, clock)
    finally:
        if clock is not None:  # with --compact, everything goes to stdout (Helix's popup)
            stream = sys.stdout if getattr(args, "compact", False) else sys.stderr
            print(clock.line(), file=stream, flush=True)


def _run_command(args: argparse.Namespace, clock: RunClock | None) -> int:
    _load(QUICK_PATH_MODULES)
    if clock is not None:
        clock.mark("import")
    try:
        plan = prepare(args)
        if clock is not None:
            clock.mark("plan")
        return _run(args, plan, clock)
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:  # the types are imported here: most runs raise none of them
        status = _failed(exc)
        if status is None:
            raise
        return status


def _failed(exc: Exception) -> int | None:
    """Say what went wrong; the exit status, or None for an error that is not the user's."""
    from unsandbox_ls.api.errors import MissingCredentialsError, UnsandboxError
    from unsandbox_ls.local_backend import BackendSettingError, LocalSandboxError

    if isinstance(exc, LocalSandboxError):
        _say(exc.detail)
        return EXIT_UNAVAILABLE
    if isinstance(exc, BackendSettingError):
        _say(str(exc))
        return EXIT_USAGE
    if isinstance(exc, (UnsandboxError, UsageError)):
        hint = "; or run in the local sandbox: --backend local"
        _say(str(exc) + (hint if isinstance(exc, MissingCredentialsError) else ""))
        return exit_code_for(exc)
    return None
