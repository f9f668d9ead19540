"""Where runs go (the `backend` choice) and the embedded local sandbox that runs need before any
key exists.

Backends: `hosted` sends runs to the base URL (default https://api.unsandbox.com) with your keys;
`local` starts `unsandbox-ls sandbox` on this machine and sends runs there; `auto` (the default)
is `hosted` when anything says where or as whom to run — a key or account setting or flag, a base
URL setting or flag, an `UNSANDBOX_*` credential or base URL variable, or
`~/.unsandbox/accounts.csv` — and `local` only when none of them exists (a first run before keys).

Where the local sandbox listens: a unix socket in this user's private `0700` folder
(`unsandbox_ls.private_dir`). The client binds and listens on it itself, then starts
`python -m unsandbox_ls sandbox` with the listening socket as an inherited file descriptor and
fresh random keys in its environment: no port, no moment when the socket is free for another
process to take, and neither path nor port on any command line. Before anything is sent the
client checks a signed `/health`: a fresh random challenge that only the holder of the secret
key can answer (`sandbox.auth.health_proof`); whatever else answers is refused. Requests are
HMAC-signed with the fresh keys, as for the hosted API.

Two owners:

- `unsandbox-ls run` and `doctor` use the **shared** sandbox of this user
  (`shared_sandbox_blocking`, through `local_target_blocking`): the first one starts it detached
  (its own session), writes its pid and keys to `sandbox.json` (mode 0600) in the private folder,
  and leaves it running; later ones find it there, verify it and reuse it. It stops itself
  after `UNSANDBOX_LS_SANDBOX_IDLE` seconds (default 600) without a request, and on
  `unsandbox-ls sandbox --stop` (`stop_shared_sandbox`). A socket nobody listens on any more
  (the process died) is removed and a new sandbox started.
- The language server (`LocalSandbox`) uses the shared sandbox when one is running at its first
  run (`find_shared_sandbox`; checked again at each run), and never stops it. Otherwise it starts
  its **own** at the first run that needs it (never when it starts), in a fresh `0700` folder of
  its own, reuses it, and stops it at shutdown, at exit (atexit), and when it dies without
  cleaning up: the child asks the kernel for SIGTERM when its parent dies (`PR_SET_PDEATHSIG`).
  Its own child's lifetime is the editor session's.

The keys are never logged or shown. Only the standard library is imported at module level, and
not asyncio: the command line's quick path finds a running shared sandbox without it
(`running_shared_sandbox`, `verify_endpoint_blocking`; `/health` goes through
`api/quick_exchange.py`); httpx is imported only for a client's transport.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from unsandbox_ls import private_dir as pd
from unsandbox_ls.lazy_logger import lazy_logger
from unsandbox_ls.records import repr_hiding

if TYPE_CHECKING:
    import asyncio
    import subprocess

    import httpx

    from unsandbox_ls.api.credentials import Credentials

logger = lazy_logger(__name__)

BACKENDS = ("auto", "hosted", "local")
BACKEND_ENV = "UNSANDBOX_BACKEND"
INSTALL_BWRAP = "apt-get install bubblewrap"
INSTALL_EXTRA = "pip install 'unsandbox-ls[sandbox]'"
#: variables that say where or as whom runs go: any of them makes `auto` mean `hosted`
CONFIGURED_VARIABLES = (
    "UNSANDBOX_PUBLIC_KEY",
    "UNSANDBOX_SECRET_KEY",
    "UNSANDBOX_API_KEY",
    "UNSANDBOX_ACCOUNT",
    "UNSANDBOX_BASE_URL",
)
#: what the user is told once, at the first run that `auto` sends to the local sandbox
LOCAL_NOTICE = (
    "unsandbox: no API keys found, so runs go to the local sandbox on this machine; to run on "
    "unsandbox.com, add your keys (unsandbox.publicKey/secretKey or ~/.unsandbox/accounts.csv)."
)
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 5.0
#: the nominal address of a local sandbox: requests go to its unix socket, never to TCP
LOCAL_BASE_URL = "http://localhost"
#: seconds without a request after which the shared sandbox stops itself
IDLE_ENV = "UNSANDBOX_LS_SANDBOX_IDLE"
DEFAULT_IDLE_S = 600.0
#: the inherited listening socket's descriptor, for the sandbox (see `sandbox.serve`)
LISTEN_FD_ENV = "UNSANDBOX_LS_LISTEN_FD"
#: the private folder (see `private_dir`); given to the shared sandbox so it cleans up there
RUNTIME_DIR_ENV = "UNSANDBOX_LS_RUNTIME_DIR"


class LocalSandboxError(Exception):
    """The local sandbox cannot run: `message` is one sentence saying what to do, `detail` the
    whole story (the sandbox's own output) for the log."""

    def __init__(self, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail or message


class BackendSettingError(ValueError):
    """The backend setting, flag or variable is not auto, hosted or local."""


def backend_setting(value: str | None, env: Mapping[str, str] | None = None) -> str:
    """The backend asked for: `hosted` or `local` from the setting or flag, else
    `UNSANDBOX_BACKEND`, else `auto`. A setting of `auto` (VS Code's default) leaves the choice
    to `UNSANDBOX_BACKEND`.

    Raises `BackendSettingError` with a message naming the three values.
    """
    env = os.environ if env is None else env
    origin = "the backend setting"
    chosen = value if value != "auto" else None
    if not chosen:
        chosen, origin = env.get(BACKEND_ENV, "").strip().lower(), BACKEND_ENV
    if not chosen:
        return "auto"
    if chosen not in BACKENDS:
        raise BackendSettingError(f"{origin} must be auto, hosted or local, got {chosen[:40]!r}")
    return chosen


def nothing_configured(
    *,
    explicit: tuple[object, ...] = (),
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> bool:
    """True when no setting, flag, variable or accounts file says where or as whom to run.

    `explicit` holds the values of the key, account and base URL settings or flags.
    """
    env = os.environ if env is None else env
    if any(value not in (None, "") for value in explicit):
        return False
    if any(env.get(name, "").strip() for name in CONFIGURED_VARIABLES):
        return False
    home = home if home is not None else Path(os.path.expanduser("~"))
    return not (home / ".unsandbox" / "accounts.csv").exists()


def uses_local(backend: str, **configured: Any) -> bool:
    """Whether runs go to the embedded local sandbox for this backend choice."""
    if backend == "local":
        return True
    return backend == "auto" and nothing_configured(**configured)


def _installed(module: str) -> bool:
    """Whether `module` can be imported, without importing it."""
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # e.g. sys.modules[module] is None: blocked
        return False


def missing_requirement() -> LocalSandboxError | None:
    """Why the local sandbox cannot start here (the sandbox extra or bubblewrap is missing)."""
    missing = [name for name in ("starlette", "uvicorn") if not _installed(name)]
    if missing:
        return LocalSandboxError(
            f"The local sandbox needs the sandbox extra: {INSTALL_EXTRA}.",
            f"the local sandbox cannot start: {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed; install the sandbox extra "
            f"with {INSTALL_EXTRA}",
        )
    import shutil

    if shutil.which("bwrap") is None:
        return LocalSandboxError(
            f"The local sandbox needs bubblewrap: {INSTALL_BWRAP}.",
            "the local sandbox cannot start: bubblewrap (bwrap) was not found on PATH; install "
            f"it (Debian/Ubuntu: {INSTALL_BWRAP}; Fedora: dnf install bubblewrap; Arch: "
            "pacman -S bubblewrap) or configure API keys to run on unsandbox.com",
        )
    return None


def _random_keys() -> tuple[str, str]:
    import secrets

    return "unsb-pk-" + secrets.token_hex(12), "unsb-sk-" + secrets.token_hex(24)


def _death_signal_setter() -> Callable[[], None] | None:
    """A function for the child (between fork and exec) that asks for SIGTERM when the parent
    dies; libc is loaded here, in the parent, so the child only makes one plain C call."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def in_child() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)

    return in_child


def idle_seconds(env: Mapping[str, str] | None = None) -> float:
    """How long the shared sandbox stays up without a request (`UNSANDBOX_LS_SANDBOX_IDLE`)."""
    env = os.environ if env is None else env
    try:
        value = float(env.get(IDLE_ENV, "") or DEFAULT_IDLE_S)
    except ValueError:
        return DEFAULT_IDLE_S
    return value if value > 0 else DEFAULT_IDLE_S


class LocalEndpoint(NamedTuple):
    """A local sandbox that proved it holds its keys: its unix socket, keys and pid.

    `base_url` is nominal (`http://localhost`): requests go to `socket_path` through
    `transport()`, never to a TCP port.
    """

    socket_path: str
    public_key: str
    secret_key: str
    pid: int = 0
    shared: bool = False
    base_url: str = LOCAL_BASE_URL

    def __repr__(self) -> str:
        return repr_hiding(self, "secret_key")

    def credentials(self) -> Credentials:
        from unsandbox_ls.api.credentials import Credentials

        return Credentials(
            public_key=self.public_key,
            secret_key=self.secret_key,
            source="the local sandbox started by unsandbox-ls",
        )

    def transport(self) -> httpx.AsyncHTTPTransport:
        return unix_transport(self.socket_path)


def unix_transport(socket_path: str) -> httpx.AsyncHTTPTransport:
    """The API client's transport to a local sandbox's unix socket."""
    import httpx

    from unsandbox_ls.api.tls import no_tls_context

    # a unix socket: no TLS connection is ever made, so no CA bundle is loaded (~20 ms)
    return httpx.AsyncHTTPTransport(uds=socket_path, verify=no_tls_context())


class _Gone(Exception):
    """Nothing listens on the socket any more (the sandbox exited or was never there)."""


def _impostor(socket_path: str, why: str) -> LocalSandboxError:
    return LocalSandboxError(
        "Something else answers on the local sandbox's socket; nothing was sent.",
        f"the process answering on {socket_path} {why}: it did not prove that it holds the "
        "local sandbox's fresh secret (signed /health), so it is not the sandbox this client "
        "started and nothing was sent; stop it (`unsandbox-ls sandbox --stop`, or remove "
        f"{os.path.dirname(socket_path)}) and run again",
    )


def _health_once(endpoint: LocalEndpoint, timeout: float) -> str:
    """One fresh `/health` challenge: `proved` (the answer holds the proof), `refused` (nothing
    listens) or `broken` (no whole answer); `LocalSandboxError` when something answers without
    the proof."""
    import json

    from unsandbox_ls.api import quick_exchange
    from unsandbox_ls.sandbox.auth import health_proof

    challenge = os.urandom(16).hex()
    try:
        answer = quick_exchange.send(
            LOCAL_BASE_URL, "GET", f"/health?challenge={challenge}",
            socket_path=endpoint.socket_path, connect_timeout=timeout, timeout=timeout,
        )  # fmt: skip
    except quick_exchange.NotConnected:
        return "refused"
    except quick_exchange.Broken:  # reset, closed or slow while it starts
        return "broken"
    try:
        data = json.loads(answer.body)
    except ValueError:
        data = None
    if answer.status != 200 or not isinstance(data, dict):
        raise _impostor(endpoint.socket_path, f"answered /health with {answer.status}")
    proof, pid = data.get("proof"), data.get("pid")
    expected = health_proof(endpoint.secret_key, challenge, endpoint.pid)
    if not isinstance(proof, str) or pid != endpoint.pid or not _equal(proof, expected):
        raise _impostor(endpoint.socket_path, "answered /health without the proof")
    return "proved"


def verify_endpoint_blocking(
    endpoint: LocalEndpoint,
    *,
    alive: Callable[[], bool],
    refused_is_gone: bool,
    timeout: float = STARTUP_TIMEOUT_S,
) -> None:
    """Wait until the sandbox at `endpoint` answers a fresh `/health` challenge with the proof
    (HMAC of the challenge with its secret key, and its pid). The requests go with the standard
    library (`api/quick_exchange.py`): the command line's quick path loads no httpx for them.

    `_Gone` when nothing listens (a refused connection, when `refused_is_gone`) or `alive()`
    turns false; `LocalSandboxError` when something answers without the proof, or when no
    answer came within `timeout` seconds.
    """
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise LocalSandboxError(
                "The local sandbox did not start in time.",
                f"the local sandbox did not answer /health within {timeout:.0f} s",
            )
        found = _health_once(endpoint, min(left, 10.0))
        if found == "proved":
            return
        if (found == "refused" and refused_is_gone) or not alive():
            raise _Gone
        time.sleep(0.05)


async def verify_endpoint(
    endpoint: LocalEndpoint,
    *,
    alive: Callable[[], bool],
    refused_is_gone: bool,
    timeout: float = STARTUP_TIMEOUT_S,
) -> None:
    """`verify_endpoint_blocking` on a thread, off the event loop."""
    import asyncio

    await asyncio.to_thread(
        verify_endpoint_blocking,
        endpoint,
        alive=alive,
        refused_is_gone=refused_is_gone,
        timeout=timeout,
    )


def _equal(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def _child_env(public: str, secret: str, fd: int, extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSANDBOX_")}
    env.update(UNSANDBOX_PUBLIC_KEY=public, UNSANDBOX_SECRET_KEY=secret)
    env[LISTEN_FD_ENV] = str(fd)
    env.update(extra)
    return env


def _spawn(
    python: str,
    directory: Path,
    keys: tuple[str, str],
    *,
    max_jobs: int,
    output: IO[bytes],
    shared: bool,
    extra_env: Mapping[str, str],
) -> tuple[subprocess.Popen[bytes], str]:
    """Bind and listen on `<directory>/sandbox.sock` here, then start the sandbox with that
    socket as an inherited descriptor: it is listening before the child exists, so there is no
    moment when another process could take its place, and neither path nor port is on the
    command line. A `shared` sandbox gets its own session (it outlives this process); a private
    one gets SIGTERM when this process dies."""
    import subprocess

    path = str(directory / pd.SOCKET_NAME)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(path)
        os.chmod(path, 0o600)
        listener.listen(128)
        command = [python, "-m", "unsandbox_ls", "sandbox", "--max-jobs", str(max_jobs)]
        process = subprocess.Popen(
            command,
            env=_child_env(*keys, listener.fileno(), extra_env),
            stdin=subprocess.DEVNULL,
            stdout=output,  # never this process's stdout: it may carry the LSP protocol
            stderr=subprocess.STDOUT,
            pass_fds=(listener.fileno(),),
            start_new_session=shared,
            preexec_fn=None if shared else _death_signal_setter(),
        )
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise LocalSandboxError(
            "The local sandbox could not be started.",
            f"the local sandbox could not be started: {exc.strerror or exc}",
        ) from None
    finally:
        listener.close()  # the child holds it now: when it exits, connections are refused
    return process, path


def _not_started(text: str) -> LocalSandboxError:
    last = next((line for line in reversed(text.splitlines()) if line.strip()), "it exited")
    reason = last.removeprefix("unsandbox-ls sandbox: ").strip()
    return LocalSandboxError(
        _first_sentence(f"The local sandbox did not start: {reason}"),
        f"the local sandbox did not start:\n{text.strip() or reason}",
    )


def _private_folder(env: Mapping[str, str] | None = None) -> Path:
    try:
        folder = pd.private_dir(env)
    except pd.PrivateDirError as exc:
        raise LocalSandboxError(
            "The local sandbox's private folder cannot be used; nothing was sent.",
            f"the local sandbox's private folder cannot be used: {exc}; nothing was sent",
        ) from None
    return folder


# -------------------------------------------------------------- the shared sandbox (CLI)
def shared_sandbox_blocking(
    *, python: str | None = None, max_jobs: int = 4, env: Mapping[str, str] | None = None
) -> LocalEndpoint:
    """The per-user shared sandbox, verified: the one already running (found by its socket and
    `sandbox.json` in the private folder, checked with a signed `/health`), else a new one
    started detached (it stops itself after `idle_seconds()` without a request). A stale socket
    (its process gone) is removed first. `LocalSandboxError` when it cannot run or when
    something else answers on its socket."""
    directory = _private_folder(env)
    try:
        with pd.locked_blocking(directory, timeout=STARTUP_TIMEOUT_S + 10):
            found = _running_shared(directory)
            if found is not None:
                return found
            return _start_shared(directory, python or sys.executable, max_jobs, env)
    except pd.PrivateDirError as exc:
        raise LocalSandboxError(
            "The local sandbox is busy starting elsewhere; try again.", str(exc)
        ) from None


async def find_shared_sandbox(env: Mapping[str, str] | None = None) -> LocalEndpoint | None:
    """`running_shared_sandbox` on a thread, off the event loop."""
    import asyncio

    return await asyncio.to_thread(running_shared_sandbox, env)


def running_shared_sandbox(env: Mapping[str, str] | None = None) -> LocalEndpoint | None:
    """The per-user shared sandbox when one runs and proves its keys, else None (nothing is
    started; a stale socket is left for the next `shared_sandbox_blocking`). `LocalSandboxError`
    when the private folder cannot be used or something else answers on the socket."""
    directory = _private_folder(env)
    if not (directory / pd.SOCKET_NAME).exists():
        return None
    try:
        with pd.locked_blocking(directory, timeout=STARTUP_TIMEOUT_S + 10):
            return _running_shared(directory)
    except pd.PrivateDirError as exc:
        raise LocalSandboxError(
            "The local sandbox is busy starting elsewhere; try again.", str(exc)
        ) from None


def _running_shared(directory: Path) -> LocalEndpoint | None:
    state = pd.read_state(directory)
    socket_path = str(directory / pd.SOCKET_NAME)
    if state is None or not os.path.exists(socket_path):
        return None
    endpoint = LocalEndpoint(socket_path, state.public_key, state.secret_key, state.pid, True)
    try:
        verify_endpoint_blocking(
            endpoint, alive=lambda: pd.pid_alive(state.pid), refused_is_gone=True
        )
    except _Gone:
        logger.info("the shared local sandbox (pid %s) is gone; starting a new one", state.pid)
        return None
    return endpoint


def _start_shared(
    directory: Path, python: str, max_jobs: int, env: Mapping[str, str] | None
) -> LocalEndpoint:
    problem = missing_requirement()
    if problem is not None:
        raise problem
    pd.clear_state(directory)
    keys = _random_keys()
    log_path = directory / pd.LOG_NAME
    fd = os.open(log_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w+b") as output:
        extra = {IDLE_ENV: f"{idle_seconds(env):g}", RUNTIME_DIR_ENV: str(directory)}
        process, socket_path = _spawn(
            python, directory, keys, max_jobs=max_jobs, output=output, shared=True,
            extra_env=extra,
        )  # fmt: skip
        pd.write_state(directory, pd.SandboxState(process.pid, *keys))
        endpoint = LocalEndpoint(socket_path, *keys, pid=process.pid, shared=True)
        logger.info("shared local sandbox starting (pid %s)", process.pid)
        try:
            verify_endpoint_blocking(
                endpoint, alive=lambda: process.poll() is None, refused_is_gone=False
            )
        except _Gone:
            process.wait()
            pd.clear_state(directory)
            output.seek(0)
            raise _not_started(output.read().decode("utf-8", "replace")) from None
        except BaseException:
            _terminate(process)
            pd.clear_state(directory)
            raise
    return endpoint


async def stop_shared_sandbox(env: Mapping[str, str] | None = None) -> int | None:
    """Stop the shared sandbox (SIGTERM to the pid it proved, then SIGKILL); its pid, or None
    when none was running. `LocalSandboxError` when something else answers on its socket."""
    import asyncio

    directory = pd.choose_dir(env)
    if not directory.is_dir():
        return None
    directory = _private_folder(env)
    async with pd.locked(directory, timeout=STARTUP_TIMEOUT_S + 10):
        endpoint = await asyncio.to_thread(_running_shared, directory)
        if endpoint is None:
            pd.clear_state(directory)
            return None
        os.kill(endpoint.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S * 2
        while pd.pid_alive(endpoint.pid) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if pd.pid_alive(endpoint.pid):
            os.kill(endpoint.pid, signal.SIGKILL)
        pd.clear_state(directory)
        return endpoint.pid


def stop_command() -> int:
    """`unsandbox-ls sandbox --stop`: 0 stopped or none running, 69 when it cannot be done."""
    import asyncio

    try:
        pid = asyncio.run(stop_shared_sandbox())
    except LocalSandboxError as exc:
        print(f"unsandbox-ls sandbox: {exc.detail}", file=sys.stderr)
        return 69
    except OSError as exc:
        print(f"unsandbox-ls sandbox: cannot stop the local sandbox: {exc}", file=sys.stderr)
        return 69
    said = f"stopped the local sandbox (pid {pid})" if pid else "no local sandbox was running"
    print(f"unsandbox-ls sandbox: {said}", file=sys.stderr)
    return 0


def _terminate(process: subprocess.Popen[bytes]) -> None:
    import subprocess

    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_S)


# --------------------------------------------------- a language server's own sandbox
class LocalSandbox:
    """A language server's local sandbox: the user's shared one when it runs (found and
    verified at the first run, checked again at each), else the server's own
    `unsandbox-ls sandbox` child, started on demand and reused.

    Its own child listens on a socket in a fresh `0700` folder of its own inside the private
    folder, is stopped by `stop()` and at exit, and gets SIGTERM when the server dies
    (`PR_SET_PDEATHSIG`): the language server owns it, unlike the shared sandbox, which it never
    stops.
    """

    def __init__(self, *, python: str | None = None, max_jobs: int = 4) -> None:
        self._python = python or sys.executable
        self._max_jobs = max_jobs
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None
        self._folder: Path | None = None
        self._starting: asyncio.Task[None] | None = None
        self._closed = False  # shutting down: no new start
        self._stopped_start: asyncio.Task[None] | None = None  # the start `stop()` cancelled
        self.endpoint: LocalEndpoint | None = None
        self._atexit = False

    def __repr__(self) -> str:  # no key, ever
        return f"LocalSandbox(socket={self.socket_path!r}, running={self.running})"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def base_url(self) -> str | None:
        return self.endpoint.base_url if self.endpoint else None

    @property
    def socket_path(self) -> str | None:
        return self.endpoint.socket_path if self.endpoint else None

    async def ensure_started(self) -> LocalEndpoint:
        """Start the sandbox unless it runs; `LocalSandboxError` when it cannot, or when the
        server shuts down meanwhile.

        Concurrent callers share one start; a caller cancelled meanwhile does not stop it.
        """
        import asyncio

        if self._closed:
            raise _shutting_down()
        if self.running and self.endpoint is not None:
            return self.endpoint
        shared = self.endpoint if self.endpoint is not None and self.endpoint.shared else None
        if shared is not None and (self._starting is None or self._starting.done()):
            try:  # the user's shared sandbox may have stopped (idle, --stop) since the last run
                await verify_endpoint(
                    shared, alive=lambda: pd.pid_alive(shared.pid), refused_is_gone=True
                )
                return shared
            except _Gone:
                self.endpoint = None
        if self._starting is None or self._starting.done():
            self._starting = asyncio.ensure_future(self._start())
        starting = self._starting
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            if self._closed or self._stopped_start is starting:  # not the run's own cancel
                raise _shutting_down() from None
            raise
        assert self.endpoint is not None
        return self.endpoint

    async def _start(self) -> None:
        import atexit
        import tempfile

        self._halt()
        shared = await find_shared_sandbox()
        if shared is not None:  # the user's shared sandbox runs: use it, do not own it
            self.endpoint = shared
            logger.info("using the shared local sandbox (pid %s)", shared.pid)
            return
        problem = missing_requirement()
        if problem is not None:
            raise problem
        parent = _private_folder()
        pd.remove_dead_subdirs(parent, _LS_PREFIX)
        folder = self._folder = pd.new_private_subdir(parent, _LS_PREFIX)
        output = self._output = tempfile.TemporaryFile(prefix="unsandbox-sandbox-")  # noqa: SIM115
        keys = _random_keys()
        process, socket_path = _spawn(
            self._python, folder, keys, max_jobs=self._max_jobs, output=output, shared=False,
            extra_env={},
        )  # fmt: skip
        self._process = process
        if not self._atexit:
            atexit.register(self.stop)
            self._atexit = True
        logger.info("local sandbox starting (pid %s) on a private socket", process.pid)
        endpoint = LocalEndpoint(socket_path, *keys, pid=process.pid, shared=False)
        try:
            await verify_endpoint(
                endpoint, alive=lambda: process.poll() is None, refused_is_gone=False
            )
        except _Gone:
            text = self.output()
            self._halt()
            raise _not_started(text) from None
        except BaseException:  # cancelled (shutdown), an impostor, or too slow
            self._halt()
            raise
        self.endpoint = endpoint
        logger.info("local sandbox ready (pid %s)", process.pid)

    def output(self) -> str:
        """What the sandbox printed so far (it never prints a key)."""
        if self._output is None:
            return ""
        self._output.flush()
        self._output.seek(0)
        return self._output.read().decode("utf-8", "replace")

    def abort_start(self) -> None:
        """The server is shutting down: a start under way is cancelled, and the runs waiting
        on it are told so (`LocalSandboxError`); no new start begins."""
        self._closed = True
        self._cancel_start()

    def _cancel_start(self) -> None:
        if self._starting is not None and not self._starting.done():
            self._stopped_start = self._starting
            self._starting.cancel()

    def _halt(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            _terminate(process)
            logger.info("local sandbox stopped")
        if self._output is not None:
            self._output.close()
        if self._folder is not None:
            import shutil

            shutil.rmtree(self._folder, ignore_errors=True)
        self._output = self._folder = None
        self.endpoint = None

    def stop(self) -> None:
        """Stop the sandbox (SIGTERM, then SIGKILL after a few seconds), or its start if it is
        still starting (the runs waiting on it are told); safe to call twice."""
        self._cancel_start()
        self._halt()


_LS_PREFIX = "ls-"


def _shutting_down() -> LocalSandboxError:
    return LocalSandboxError(
        "The language server is shutting down; nothing was sent.",
        "the language server is shutting down while the local sandbox was starting; "
        "nothing was sent",
    )


#: what `unsandbox-ls run` and `doctor` say when `auto` chose the local sandbox
CLI_NOTICE = (
    "no API keys found, so this runs in the local sandbox on this machine; to run on "
    "unsandbox.com, set UNSANDBOX_PUBLIC_KEY and UNSANDBOX_SECRET_KEY or add them to "
    "~/.unsandbox/accounts.csv"
)


def local_target_blocking(args: Any, say: Callable[[str], None]) -> LocalEndpoint | None:
    """For `run` and `doctor`: None when the run goes to the hosted API, else the per-user
    shared sandbox (`shared_sandbox_blocking`), found or started, verified. `LocalSandboxError`
    if it cannot run; `BackendSettingError` for a bad `UNSANDBOX_BACKEND`."""
    backend = backend_setting(getattr(args, "backend", None))
    explicit = (getattr(args, "base_url", None), getattr(args, "account", None))
    if not uses_local(backend, explicit=explicit):
        return None
    if backend == "auto":
        say(CLI_NOTICE)
    return shared_sandbox_blocking()


@contextlib.asynccontextmanager
async def local_target(
    args: Any, say: Callable[[str], None]
) -> AsyncIterator[LocalEndpoint | None]:
    """`local_target_blocking` on a thread, off the event loop."""
    import asyncio

    yield await asyncio.to_thread(local_target_blocking, args, say)


def _first_sentence(text: str) -> str:
    cut = text.split("; ", 1)[0].rstrip(".")
    return cut[:200] + "."


__all__ = [
    "BACKENDS",
    "BACKEND_ENV",
    "CLI_NOTICE",
    "INSTALL_BWRAP",
    "INSTALL_EXTRA",
    "LOCAL_BASE_URL",
    "LOCAL_NOTICE",
    "BackendSettingError",
    "LocalEndpoint",
    "LocalSandbox",
    "LocalSandboxError",
    "backend_setting",
    "find_shared_sandbox",
    "idle_seconds",
    "local_target",
    "local_target_blocking",
    "missing_requirement",
    "nothing_configured",
    "running_shared_sandbox",
    "shared_sandbox_blocking",
    "stop_command",
    "stop_shared_sandbox",
    "unix_transport",
    "uses_local",
    "verify_endpoint",
    "verify_endpoint_blocking",
]
