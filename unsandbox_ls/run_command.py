"""`unsandbox-ls run FILE`: run a file in the sandbox, print its output, exit with its status.

The program's stdout goes to stdout and its stderr to stderr, unchanged; then, on stderr, one
`PATH:LINE:COL: error: MESSAGE` line per problem found in the output (the same parsers as the
language server's diagnostics). Artifacts are saved to `--artifact-dir`. `--json` prints the whole
result as one JSON object instead.

Exit status: the program's own exit code when it ran to the end; otherwise 2 bad usage or a
request the API refused, 69 the API or the network failed, 77 credentials missing or rejected,
124 the job hit its time limit, 130 interrupted (with `--async`, the job is cancelled first).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXIT_USAGE = 2
EXIT_UNAVAILABLE = 69
EXIT_NO_PERMISSION = 77
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130
#: leading bytes of executables: ELF, PE, Mach-O (32/64, both byte orders, fat)
_EXECUTABLE_MAGIC = (
    b"\x7fELF",
    b"MZ",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
)


class UsageError(Exception):
    """Bad command-line input (exit 2); the message says what to change."""


@dataclass(frozen=True)
class Prepared:
    path: Path
    text: str
    language: str | None  # None: send to /run, the language comes from the shebang
    request: Any  # ExecuteRequest | RawRunRequest


def _write_raw(stream: Any, text: str) -> None:
    """The program's output as UTF-8 bytes, whatever the terminal's encoding."""
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        stream.write(text)
    else:
        buffer.write(text.encode("utf-8", errors="surrogateescape"))
        buffer.flush()


def _say(message: str) -> None:
    print(f"unsandbox-ls: {message}", file=sys.stderr, flush=True)


def parse_env(pairs: list[str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"-e expects KEY=VALUE, got {pair[:60]!r}")
        env[key] = value
    return env


def prepare(args: argparse.Namespace) -> Prepared:
    """Read the file and the input files and build the request (nothing is sent)."""
    from unsandbox_ls.api.models import (
        TTL_DEFAULT,
        ExecuteRequest,
        InputFile,
        RawRunRequest,
        RunOptions,
    )
    from unsandbox_ls.languages import detect_language, language_from_shebang

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"no such file: {args.file}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{args.file} is not UTF-8 text") from None
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
    files: list[InputFile] = []
    for name in args.input_files:
        try:
            files.append(InputFile(os.path.basename(name), Path(name).read_bytes()))
        except OSError as exc:
            raise UsageError(f"cannot read input file {name}: {exc.strerror}") from None
    options = RunOptions(
        ttl=args.ttl if args.ttl is not None else TTL_DEFAULT,
        network_mode=args.network or "zerotrust",
        env=parse_env(args.env),
        input_files=tuple(files),
        return_artifact=bool(args.artifact),
        return_wasm_artifact=bool(getattr(args, "wasm_artifact", False)),
        vcpu=args.vcpu if getattr(args, "vcpu", None) is not None else 1,
    )
    language: str | None
    if args.shebang:
        if not text.startswith("#!"):
            raise UsageError(f"--shebang given but {args.file} does not start with '#!'")
        language = language_from_shebang(text)
        request: Any = RawRunRequest(text, options)
    else:
        detected = detect_language(str(path), text)
        language = args.language or (detected.language if detected else None)
        if language is None:
            if text.startswith("#!") and not files:
                request = RawRunRequest(text, options)
            else:
                raise UsageError(
                    f"cannot tell the language of {args.file}; pass --language ID "
                    f"(for example --language python)"
                )
        else:
            request = ExecuteRequest(language, text, options)
    if language is None and isinstance(request, RawRunRequest):
        language = language_from_shebang(text)
    request.validate()
    return Prepared(path, text, language, request)


def save_artifacts(result: Any, directory: str, source: Path) -> list[Path]:
    """Write the result's artifacts; executables are named after the source and made 0755."""
    saved: list[Path] = []
    if not result.artifacts:
        return saved
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    for artifact in result.artifacts:
        name = os.path.basename(artifact.filename.replace("\\", "/")) or "a.out"
        executable = artifact.content.startswith(_EXECUTABLE_MAGIC)
        if executable and source.stem:
            name = source.stem
        if name in (".", "..") or (folder / name).resolve() == source.resolve():
            name = f"{name}.artifact"
        target = folder / name
        target.write_bytes(artifact.content)
        if executable:
            target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        saved.append(target)
    return saved


def problem_lines(prepared: Prepared, result: Any) -> list[str]:
    """DIAGNOSTICS HOOK: `PATH:LINE:COL: error: MESSAGE` lines for the run's problems.

    The parsers live in `unsandbox_ls.problems`; they are imported here, lazily and guarded, so
    `run` keeps working (printing no such lines) if they are missing or fail.
    """
    language = prepared.language or result.detected_language or result.language
    if not language:
        return []
    try:
        from unsandbox_ls.problems.fallback import fallback_problem
        from unsandbox_ls.problems.mapping import Target
        from unsandbox_ls.problems.parse import parse_output
        from unsandbox_ls.problems.text import to_terminal_lines
    except ImportError:
        return []
    try:
        problems = parse_output(language, result.stderr, result.stdout)
        if not problems:
            extra = fallback_problem(result.stderr, result.exit_code)
            problems = [extra] if extra else []
        target = Target(
            uri=prepared.path.resolve().as_uri(),
            lines=prepared.text.splitlines(),
            path=str(prepared.path),
        )
        return to_terminal_lines(problems, target)
    except Exception as exc:  # a parser bug must not hide the program's own output
        _say(f"could not read the problems in the output ({exc.__class__.__name__})")
        return []


def program_status(result: Any) -> int:
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


def result_json(prepared: Prepared, result: Any, saved: list[Path], lines: list[str]) -> str:
    data = {
        "file": str(prepared.path),
        "language": result.language or prepared.language,
        "detected_language": result.detected_language,
        "status": result.status,
        "exit_code": result.exit_code,
        "stdout": result.stdout,
        "stderr": result.stderr,
        "job_id": result.job_id,
        "duration_ms": result.duration_ms,
        "network_mode": result.network_mode,
        "error": result.error,
        "artifacts": [str(p) for p in saved],
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


async def _run(args: argparse.Namespace, prepared: Prepared) -> int:
    from unsandbox_ls.api import find_credentials, resolve_base_url
    from unsandbox_ls.local_backend import local_target

    async with local_target(args, say=_say) as local:
        if local is not None:
            return await _run_at(args, prepared, *local)
    return await _run_at(
        args, prepared, resolve_base_url(args.base_url), find_credentials(account=args.account)
    )


async def _run_at(
    args: argparse.Namespace, prepared: Prepared, base_url: str, credentials: Any
) -> int:
    from unsandbox_ls.api import UnsandboxClient
    from unsandbox_ls.api.poll_plan import RunObservation
    from unsandbox_ls.runs import history, timing

    kind = "file" if prepared.language is not None else "shebang"
    timed = (str(prepared.path.resolve()), prepared.language, kind)
    observed = RunObservation()
    started = time.monotonic()
    async with UnsandboxClient(base_url, credentials) as client:
        progress = StatusLine(sys.stderr)
        try:
            result = await client.run_request(
                prepared.request,
                mode="async" if args.use_async else "sync",
                on_update=progress.show,
                recent=timing.recent(*timed),
                observed=observed,
            )
        except asyncio.CancelledError as exc:  # Ctrl-C: the client cancelled the job
            progress.clear()
            _report_cancel(args, prepared, exc)
            raise
        finally:
            progress.clear()
    timing.learn(*timed, result.status, observed.run_s)
    history.record_cli_run(prepared, result, (time.monotonic() - started) * 1000)
    saved = save_artifacts(result, args.artifact_dir, prepared.path)
    lines = problem_lines(prepared, result)
    if args.compact:
        return _print_compact(prepared, result, lines, saved, started)
    if args.json:
        print(result_json(prepared, result, saved, lines), flush=True)
    else:
        _write_raw(sys.stdout, result.stdout)
        _write_raw(sys.stderr, result.stderr)
        for line in lines:
            print(line, file=sys.stderr)
        for path in saved:
            _say(f"saved artifact {path}")
        if result.status not in ("completed",) and result.error:
            _say(f"the job {result.status}: {result.error}")
        elif result.status == "timeout":
            _say(f"the job hit its time limit ({prepared.request.options.ttl} s)")
        sys.stderr.flush()
    return program_status(result)


def _print_compact(
    prepared: Prepared, result: Any, lines: list[str], saved: list[Path], started: float
) -> int:
    """`--compact`: everything on stdout for an editor popup; 0 whenever the program ran."""
    from unsandbox_ls.runs.compact import compact_text

    notes = [f"unsandbox-ls: saved artifact {path}" for path in saved]
    if result.status == "timeout":
        notes.append(f"unsandbox-ls: the job hit its time limit ({prepared.request.options.ttl} s)")
    duration = (time.monotonic() - started) * 1000
    _write_raw(sys.stdout, compact_text(prepared.path.name, result, lines, notes, duration))
    return 0


class StatusLine:
    """The job's progress on one rewritten stderr line, only when stderr is a terminal (and
    cleared before anything else is printed): `unsandbox-ls: job 1f3… running · 4 s`."""

    def __init__(self, stream: Any) -> None:
        isatty = getattr(stream, "isatty", None)
        self.stream = stream if isatty is not None and isatty() else None
        self.shown = False

    def show(self, update: Any) -> None:
        if self.stream is None:
            return
        job = update.job
        self.stream.write(
            f"\r\x1b[Kunsandbox-ls: job {job.job_id} {job.status} · {update.elapsed:.0f} s"
        )
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.stream is not None and self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self.shown = False


def _report_cancel(args: argparse.Namespace, prepared: Prepared, exc: BaseException) -> None:
    """What a cancelled job left: the output the cancel answer carried, and whether it stopped."""
    from unsandbox_ls.api.errors import CancelNotConfirmed, JobCancelled

    if isinstance(exc, CancelNotConfirmed):
        _say(str(exc))
        return
    if not isinstance(exc, JobCancelled):
        return
    partial = exc.partial
    if partial is not None and args.json:
        print(result_json(prepared, partial, [], []), flush=True)
    elif partial is not None:
        _write_raw(sys.stdout, partial.stdout)
        _write_raw(sys.stderr, partial.stderr)
    printed = partial is not None and bool(partial.stdout or partial.stderr)
    _say(
        f"job {exc.job_id} was cancelled"
        + ("; above is the output it printed before" if printed else "")
    )


def run_command(args: argparse.Namespace) -> int:
    from unsandbox_ls.api.errors import MissingCredentialsError, UnsandboxError
    from unsandbox_ls.local_backend import BackendSettingError, LocalSandboxError

    try:
        prepared = prepare(args)
        return asyncio.run(_run(args, prepared))
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except LocalSandboxError as exc:
        _say(exc.detail)
        return EXIT_UNAVAILABLE
    except BackendSettingError as exc:
        _say(str(exc))
        return EXIT_USAGE
    except (UnsandboxError, UsageError) as exc:
        hint = "; or run in the local sandbox: --backend local"
        _say(str(exc) + (hint if isinstance(exc, MissingCredentialsError) else ""))
        return exit_code_for(exc)
