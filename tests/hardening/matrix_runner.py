"""Drive the language server over stdio against the loopback fault server, one fault at a time.

For each fault kind one language server (`python -m unsandbox_ls -vv`, stderr kept in a file) is
started with `baseUrl` pointing at its own `FaultServer` and a recognisable random secret, and
three runs go through it:

    sync    `# unsandbox: mode=sync`   → `POST /execute` gets the fault
    async   `# unsandbox: mode=async`  → `POST /execute/async` gets it (the poll, for 404-on-poll)
    cancel  a job that keeps running, cancelled by `unsandbox.cancel` → `DELETE /jobs/{id}` gets it

Sync and async run at once (different paths), then the cancel. Everything the editor saw
(messages, log messages, progress, diagnostics, notifications, lenses), the server's stderr and
the files in its cache directory are recorded in an `Observed` for the tests to check. The fault
kinds run concurrently (a few at a time), each in its own server: the slowest kinds wait out the
client's real default retry delays (429 without Retry-After: 31.5 s) and read timeouts (30 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from support.fault_server import FaultServer, Reply, free_port

WAIT_S = 90.0
PARALLEL = 7
JOB = "job-fault-1"
CANCEL_JOB = "job-cancel-1"
RUNS = ("sync", "async", "cancel")
#: file name stem of each run (no name may contain another: messages are matched by name)
STEMS = {"sync": "direct", "async": "polled", "cancel": "stopped"}
NGINX_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def new_secret() -> str:
    """Recognisable, random, and not shaped like a real key (so only exact scrubbing hides it)."""
    return "HYGIENE" + secrets.token_hex(20)


@dataclass(frozen=True)
class Fault:
    """One fault kind: the reply that carries it and what the user's message should say."""

    name: str
    reply: Callable[[str], Reply] | None  # secret → reply; None: nothing listens (refused)
    says: str  # a regular expression the message must match (case-insensitive)
    bearer: bool = False  # send the secret as a bearer key instead of HMAC-signing with it


def _json(status: int, error: str, message: str, **headers: str) -> Callable[[str], Reply]:
    return lambda secret: Reply(status, {"error": error, "message": message}, headers=headers)


FAULTS: tuple[Fault, ...] = (
    Fault(
        "401",
        # a hostile server quoting the key back: the client must not repeat it
        lambda s: Reply(401, {"error": "unauthorized", "message": f"bad key {s}"}),
        r"credentials|key",
        bearer=True,
    ),
    Fault("403", _json(403, "forbidden", "key suspended"), r"403|refused|forbidden"),
    Fault("404-on-poll", None, r"404|not found|gone"),
    Fault(
        "429-retry-after",
        _json(429, "rate_limited", "slow down", **{"Retry-After": "0"}),
        r"429|rate|too many",
        bearer=True,
    ),
    Fault("429-no-retry-after", _json(429, "rate_limited", "slow down"), r"429|rate|too many"),
    Fault(
        "500",
        lambda s: Reply(500, {"error": "internal", "message": f"crash handling {s}"}),
        r"500|server|API",
        bearer=True,
    ),
    Fault("502", _json(502, "bad_gateway", "upstream down"), r"502|server|API"),
    Fault("503", _json(503, "unavailable", "maintenance"), r"503|server|API|unavailable"),
    Fault("refused", None, r"connect", bearer=True),
    Fault(
        "reset-mid-body",
        lambda s: Reply(200, {"job_id": JOB, "pad": "x" * 4000}, reset_after=64),
        r"connection|broke|reset",
    ),
    Fault(
        "read-timeout", lambda s: Reply(200, {}, delay=120.0), r"in time|timed? ?out", bearer=True
    ),
    Fault(
        "invalid-json",
        lambda s: Reply(
            200, b'{"job_id": "j", "status": ', headers={"Content-Type": "application/json"}
        ),
        r"JSON|answer",
    ),
    Fault(
        "html-error-page",
        lambda s: Reply(502, NGINX_502, headers={"Content-Type": "text/html"}),
        r"502|server|API",
        bearer=True,
    ),
    Fault("50MB-body", lambda s: Reply(200, stream_bytes=50 * 1024 * 1024), r"larger|JSON|answer"),
)  # fmt: skip
FAULTS_BY_NAME = {fault.name: fault for fault in FAULTS}
#: kinds that take 30 s or more (the client's real backoff, its read timeout)
SLOW = ("429-no-retry-after", "read-timeout")


@dataclass
class Observed:
    """What one fault kind's language server did, for the tests to check."""

    fault: Fault
    secret: str
    uris: dict[str, str] = field(default_factory=dict)  # run → document URI
    names: dict[str, str] = field(default_factory=dict)  # run → file name
    finished: dict[str, Any] = field(default_factory=dict)  # run → runFinished params
    messages: list[types.ShowMessageParams] = field(default_factory=list)
    log_messages: list[str] = field(default_factory=list)
    notifications: list[str] = field(default_factory=list)  # repr of every notification
    progress: dict[str, list[Any]] = field(default_factory=dict)
    diagnostics: dict[str, list[types.Diagnostic]] = field(default_factory=dict)
    lens_titles: dict[str, list[str]] = field(default_factory=dict)  # after the runs
    cancel_answer: Any = None  # `unsandbox.cancel` with nothing running, after the runs
    lens_after_cancel_answer: list[str] = field(default_factory=list)
    stderr: str = ""
    cache_files: dict[str, str] = field(default_factory=dict)
    exit_code: int | None = None
    requests: list[Any] = field(default_factory=list)  # what the fault server received
    durations: dict[str, float] = field(default_factory=dict)
    error: str | None = None  # the harness failed (the test reports it)

    def messages_about(self, run: str) -> list[types.ShowMessageParams]:
        name = self.names[run]
        return [m for m in self.messages if name in m.message]

    def everything(self) -> str:
        """Every text the server produced, for the secret hygiene checks."""
        parts = [m.message for m in self.messages] + self.log_messages + self.notifications
        parts += [repr(p) for reports in self.progress.values() for p in reports]
        parts += [repr(d) for diagnostics in self.diagnostics.values() for d in diagnostics]
        parts += [repr(self.cancel_answer), self.stderr, *self.cache_files.values()]
        return "\n".join(parts)


def server_command(stderr_path: Path) -> list[str]:
    """`python -m unsandbox_ls -vv` with its stderr (the log) going to a file we read later."""
    return [
        "bash", "-c", 'exec "$0" -m unsandbox_ls -vv 2>"$1"', sys.executable, str(stderr_path),
    ]  # fmt: skip


def server_env(base_env: dict[str, str], root: Path, secret: str, bearer: bool) -> dict[str, str]:
    env = {
        k: v
        for k, v in base_env.items()
        if not k.startswith("UNSANDBOX_") and k not in ("HOME", "XDG_CACHE_HOME")
    }
    env["HOME"] = str(root / "home")
    env["XDG_CACHE_HOME"] = str(root / "cache")
    if bearer:
        env["UNSANDBOX_API_KEY"] = secret
    else:
        env["UNSANDBOX_PUBLIC_KEY"] = "unsb-pk-" + secrets.token_hex(8)
        env["UNSANDBOX_SECRET_KEY"] = secret
    (root / "home").mkdir(parents=True, exist_ok=True)
    return env


@contextlib.asynccontextmanager
async def editor_session(
    env: dict[str, str], root: Path, init_options: Any, stderr_path: Path
) -> Any:
    """A VS Code-profile pytest-lsp client talking to a fresh server; shut down afterwards."""
    config = ClientServerConfig(server_command=server_command(stderr_path), server_env=env)
    client = await config.start()
    assert isinstance(client, LanguageClient)
    try:
        await asyncio.wait_for(
            client.initialize_session(
                types.InitializeParams(
                    capabilities=client_capabilities("visual-studio-code"),
                    root_uri=root.as_uri(),
                    initialization_options=init_options,
                )
            ),
            timeout=WAIT_S,
        )
        yield client
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_session(), timeout=15)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.stop(), timeout=15)


def _record_notifications(client: LanguageClient, observed: Observed) -> None:
    @client.feature("unsandbox/runStarted")
    def _started(params: Any) -> None:
        observed.notifications.append(repr(params))

    @client.feature("unsandbox/runFinished")
    def _finished(params: Any) -> None:
        observed.notifications.append(repr(params))
        for run, uri in observed.uris.items():
            if params.uri == uri:
                observed.finished[run] = params

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def _refresh(params: Any) -> None:
        return None


async def _until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        await asyncio.sleep(0.02)


def _script_runs(server: FaultServer, fault: Fault, secret: str) -> None:
    if fault.name == "404-on-poll":
        pending = {"job_id": JOB, "status": "running"}
        server.on("POST", "/execute", Reply(200, pending))
        server.on("POST", "/execute/async", Reply(200, {"job_id": JOB, "status": "pending"}))
        server.on("GET", f"/jobs/{JOB}", Reply(404, {"error": "not_found"}))
        return
    if fault.reply is None:  # nothing listens at the base URL
        return
    server.on("POST", "/execute", fault.reply(secret))
    server.on("POST", "/execute/async", fault.reply(secret))


def _script_cancel(server: FaultServer, fault: Fault, secret: str) -> None:
    server.on("POST", "/execute/async", Reply(200, {"job_id": CANCEL_JOB, "status": "pending"}))
    server.on("GET", f"/jobs/{CANCEL_JOB}", Reply(200, {"job_id": CANCEL_JOB, "status": "running"}))
    if fault.name == "404-on-poll":
        server.on("DELETE", f"/jobs/{CANCEL_JOB}", Reply(404, {"error": "not_found"}))
    elif fault.reply is not None:
        server.on("DELETE", f"/jobs/{CANCEL_JOB}", fault.reply(secret))


def _open(client: LanguageClient, root: Path, name: str, text: str) -> str:
    path = root / name
    path.write_text(text, encoding="utf-8")
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
        )
    )
    return uri


async def _command(client: LanguageClient, command: str, *arguments: Any) -> Any:
    return await asyncio.wait_for(
        client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=command, arguments=list(arguments))
        ),
        timeout=WAIT_S,
    )


async def _lens_titles(client: LanguageClient, uri: str) -> list[str]:
    lenses = await asyncio.wait_for(
        client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        ),
        timeout=WAIT_S,
    )
    return [lens.command.title for lens in lenses or [] if lens.command]


async def run_fault(fault: Fault, root: Path, base_env: dict[str, str]) -> Observed:
    """Run the three runs of one fault kind through a fresh language server."""
    secret = new_secret()
    observed = Observed(fault, secret)
    root.mkdir(parents=True, exist_ok=True)
    stderr_path = root / "server.stderr"
    env = server_env(base_env, root, secret, fault.bearer)
    async with FaultServer() as server:
        refused = fault.name == "refused"
        base_url = f"http://127.0.0.1:{free_port()}" if refused else server.base_url
        options = {"unsandbox": {"baseUrl": base_url, "ttl": 1}}
        _script_runs(server, fault, secret)
        async with editor_session(env, root, options, stderr_path) as client:
            _record_notifications(client, observed)
            texts = {
                "sync": "# unsandbox: mode=sync\nprint('sync')\n",
                "async": "# unsandbox: mode=async\nprint('async')\n",
                "cancel": "# unsandbox: mode=async\nimport time\ntime.sleep(60)\n",
            }
            for run in RUNS:
                observed.names[run] = f"{STEMS[run]}_{fault.name.replace('-', '_')}.py"
                observed.uris[run] = _open(client, root, observed.names[run], texts[run])

            began = time.monotonic()
            for run in ("sync", "async"):
                await _command(client, "unsandbox.runFile", observed.uris[run])
            await _until(
                lambda: "sync" in observed.finished and "async" in observed.finished,
                WAIT_S,
                "the sync and async runs to finish",
            )
            observed.durations["sync+async"] = time.monotonic() - began

            _script_cancel(server, fault, secret)
            began = time.monotonic()
            await _command(client, "unsandbox.runFile", observed.uris["cancel"])
            if fault.name == "refused":
                await asyncio.sleep(0.5)  # the client is retrying the connection
            else:
                await _until(
                    lambda: bool(server.requests_to("GET", f"/jobs/{CANCEL_JOB}")),
                    WAIT_S,
                    "the cancel run's first poll",
                )
            await _command(client, "unsandbox.cancel", {"uri": observed.uris["cancel"]})
            await _until(lambda: "cancel" in observed.finished, WAIT_S, "the cancelled run")
            observed.durations["cancel"] = time.monotonic() - began
            await asyncio.sleep(0.3)  # let the last notifications (progress end, refresh) land

            for run in RUNS:
                observed.lens_titles[run] = await _lens_titles(client, observed.uris[run])
            observed.messages = list(client.messages)
            observed.log_messages = [m.message for m in client.log_messages]
            observed.progress = {str(k): list(v) for k, v in client.progress_reports.items()}
            observed.diagnostics = {
                uri: list(client.diagnostics.get(uri, [])) for uri in observed.uris.values()
            }
            observed.cancel_answer = await _command(client, "unsandbox.cancel")
            observed.lens_after_cancel_answer = await _lens_titles(client, observed.uris["sync"])
            process = getattr(client, "_server", None)
        observed.requests = list(server.requests)
    if process is not None:
        with contextlib.suppress(asyncio.TimeoutError):
            observed.exit_code = await asyncio.wait_for(process.wait(), timeout=15)
    observed.stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
    for path in sorted((root / "cache").rglob("*")):
        if path.is_file():
            observed.cache_files[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return observed


async def run_matrix(
    faults: tuple[Fault, ...], root: Path, base_env: dict[str, str]
) -> dict[str, Observed]:
    """Every fault kind, `PARALLEL` at a time; a kind whose harness failed records why."""
    gate = asyncio.Semaphore(PARALLEL)

    async def one(fault: Fault) -> Observed:
        async with gate:
            try:
                return await asyncio.wait_for(
                    run_fault(fault, root / fault.name, base_env), timeout=4 * WAIT_S
                )
            except Exception as exc:  # reported by the test of this kind
                failed = Observed(fault, "")
                failed.error = f"{type(exc).__name__}: {exc}"
                return failed

    # the kinds that wait out real retry delays or timeouts start first
    slow_first = sorted(faults, key=lambda fault: fault.name not in SLOW)
    results = await asyncio.gather(*(one(fault) for fault in slow_first))
    return {observed.fault.name: observed for observed in results}


class _Matrix:
    """The whole matrix, run once per test session, in a thread of its own once started.

    `start` runs it in the background (from `conftest.pytest_collection_finish`): it mostly
    waits out retry delays, so the rest of the session goes on meanwhile. `results` waits for
    it, or runs it there and then when nothing started it.
    """

    def __init__(self) -> None:
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        self._results: dict[str, Observed] | None = None
        self._error: BaseException | None = None

    def start(self, root: Path, base_env: dict[str, str]) -> None:
        if self._thread is not None or self._done.is_set():
            return

        def run() -> None:
            try:
                self._results = asyncio.run(run_matrix(FAULTS, root, base_env))
            except BaseException as exc:  # handed to the first test that asks
                self._error = exc
            finally:
                self._done.set()

        # a daemon: an interrupted session does not wait out the retry delays
        self._thread = threading.Thread(target=run, name="fault-matrix", daemon=True)
        self._thread.start()

    def results(self, root: Path, base_env: dict[str, str]) -> dict[str, Observed]:
        self.start(root, base_env)
        self._done.wait()
        if self._error is not None:
            raise RuntimeError(f"the fault matrix failed: {self._error!r}") from self._error
        assert self._results is not None
        return self._results


MATRIX = _Matrix()
