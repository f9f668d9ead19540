"""Where runs go (the `backend` choice) and the embedded local sandbox that runs need before any
key exists.

Backends: `hosted` sends runs to the base URL (default https://api.unsandbox.com) with your keys;
`local` starts `unsandbox-ls sandbox` on this machine and sends runs there; `auto` (the default)
is `hosted` when anything says where or as whom to run — a key or account setting or flag, a base
URL setting or flag, an `UNSANDBOX_*` credential or base URL variable, or
`~/.unsandbox/accounts.csv` — and `local` only when none of them exists (a first run before keys).

The embedded sandbox is started at the first run that needs it (never when the language server
starts), as `python -m unsandbox_ls sandbox` on a free loopback port, with fresh random keys
given to it through its environment (they are never logged or shown). Later runs reuse it. It
stops when `stop()` is called, when this process exits (atexit), and when this process dies
without cleaning up: the child asks the kernel for SIGTERM when its parent dies
(`PR_SET_PDEATHSIG`).

Only the standard library is imported at module level; httpx is imported when the sandbox starts.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import importlib.util
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Mapping
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)

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
_PORT_ATTEMPTS = 3


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
    if shutil.which("bwrap") is None:
        return LocalSandboxError(
            f"The local sandbox needs bubblewrap: {INSTALL_BWRAP}.",
            "the local sandbox cannot start: bubblewrap (bwrap) was not found on PATH; install "
            f"it (Debian/Ubuntu: {INSTALL_BWRAP}; Fedora: dnf install bubblewrap; Arch: "
            "pacman -S bubblewrap) or configure API keys to run on unsandbox.com",
        )
    return None


def _random_keys() -> tuple[str, str]:
    return "unsb-pk-" + secrets.token_hex(12), "unsb-sk-" + secrets.token_hex(24)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _death_signal_setter() -> Callable[[], None] | None:
    """A function for the child (between fork and exec) that asks for SIGTERM when the parent
    dies; libc is loaded here, in the parent, so the child only makes one plain C call."""
    if not sys.platform.startswith("linux"):
        return None
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


class LocalSandbox:
    """One embedded `unsandbox-ls sandbox` subprocess, started on demand and reused."""

    def __init__(self, *, python: str | None = None, max_jobs: int = 4) -> None:
        self._python = python or sys.executable
        self._max_jobs = max_jobs
        self._process: subprocess.Popen[bytes] | None = None
        self._output: IO[bytes] | None = None
        self._starting: asyncio.Task[None] | None = None
        self.base_url: str | None = None
        self.public_key: str | None = None
        self.secret_key: str | None = None
        self._atexit = False

    def __repr__(self) -> str:  # no key, ever
        return f"LocalSandbox(base_url={self.base_url!r}, running={self.running})"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def ensure_started(self) -> None:
        """Start the sandbox unless it runs; `LocalSandboxError` when it cannot.

        Concurrent callers share one start; a caller cancelled meanwhile does not stop it.
        """
        if self.running and self.base_url:
            return
        if self._starting is None or self._starting.done():
            self._starting = asyncio.ensure_future(self._start())
        await asyncio.shield(self._starting)

    async def _start(self) -> None:
        problem = missing_requirement()
        if problem is not None:
            raise problem
        self.stop()
        failure: LocalSandboxError | None = None
        for _ in range(_PORT_ATTEMPTS):
            try:
                await self._start_once(_free_port())
                return
            except LocalSandboxError as exc:
                failure = exc
                if "address already in use" not in exc.detail.lower():
                    break
        assert failure is not None
        raise failure

    async def _start_once(self, port: int) -> None:
        public, secret = _random_keys()
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNSANDBOX_")}
        env.update(UNSANDBOX_PUBLIC_KEY=public, UNSANDBOX_SECRET_KEY=secret)
        command = [self._python, "-m", "unsandbox_ls", "sandbox", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--max-jobs", str(self._max_jobs)]
        output = tempfile.TemporaryFile(prefix="unsandbox-sandbox-")  # noqa: SIM115 (kept open)
        try:
            process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,  # never this process's stdout: it may carry the LSP protocol
                stderr=subprocess.STDOUT,
                preexec_fn=_death_signal_setter(),  # one prctl call; libc is loaded before the fork
            )
        except OSError as exc:
            output.close()
            raise LocalSandboxError(
                "The local sandbox could not be started.",
                f"the local sandbox could not be started: {exc}",
            ) from None
        self._process, self._output = process, output
        self.base_url = f"http://127.0.0.1:{port}"
        self.public_key, self.secret_key = public, secret
        if not self._atexit:
            atexit.register(self.stop)
            self._atexit = True
        logger.info("local sandbox starting (pid %s) on %s", process.pid, self.base_url)
        await self._wait_ready()

    async def _wait_ready(self) -> None:
        import httpx

        assert self._process is not None and self.base_url is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        async with httpx.AsyncClient(timeout=2.0, trust_env=False) as http:
            while True:
                if self._process.poll() is not None:
                    text = self.output()
                    self._forget()
                    last = next(
                        (line for line in reversed(text.splitlines()) if line.strip()),
                        "it exited",
                    )
                    reason = last.removeprefix("unsandbox-ls sandbox: ").strip()
                    raise LocalSandboxError(
                        _first_sentence(f"The local sandbox did not start: {reason}"),
                        f"the local sandbox did not start:\n{text.strip() or reason}",
                    )
                with contextlib.suppress(httpx.HTTPError):
                    answer = await http.get(self.base_url + "/health")
                    if answer.status_code == 200:
                        logger.info("local sandbox ready on %s", self.base_url)
                        return
                if time.monotonic() > deadline:
                    self.stop()
                    raise LocalSandboxError(
                        "The local sandbox did not start in time.",
                        "the local sandbox did not answer /health within "
                        f"{STARTUP_TIMEOUT_S:.0f} s",
                    )
                await asyncio.sleep(0.05)

    def output(self) -> str:
        """What the sandbox printed so far (it never prints a key)."""
        if self._output is None:
            return ""
        self._output.flush()
        self._output.seek(0)
        return self._output.read().decode("utf-8", "replace")

    def _forget(self) -> None:
        if self._output is not None:
            self._output.close()
        self._process = self._output = None
        self.base_url = self.public_key = self.secret_key = None

    def stop(self) -> None:
        """Stop the sandbox (SIGTERM, then SIGKILL after a few seconds); safe to call twice."""
        process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT_S)
        if process is not None:
            logger.info("local sandbox stopped")
        self._forget()


#: what `unsandbox-ls run` and `doctor` say when `auto` chose the local sandbox
CLI_NOTICE = (
    "no API keys found, so this runs in the local sandbox on this machine; to run on "
    "unsandbox.com, set UNSANDBOX_PUBLIC_KEY and UNSANDBOX_SECRET_KEY or add them to "
    "~/.unsandbox/accounts.csv"
)


@contextlib.asynccontextmanager
async def local_target(
    args: Any, say: Callable[[str], None]
) -> AsyncIterator[tuple[str, Any] | None]:
    """For `run` and `doctor`: None when the run goes to the hosted API, else the started local
    sandbox's (base URL, credentials), stopped on leaving. `LocalSandboxError` if it cannot run;
    `BackendSettingError` for a bad `UNSANDBOX_BACKEND`."""
    backend = backend_setting(getattr(args, "backend", None))
    explicit = (getattr(args, "base_url", None), getattr(args, "account", None))
    if not uses_local(backend, explicit=explicit):
        yield None
        return
    if backend == "auto":
        say(CLI_NOTICE)
    from unsandbox_ls.api.credentials import Credentials

    sandbox = LocalSandbox()
    try:
        await sandbox.ensure_started()
        assert sandbox.base_url and sandbox.public_key and sandbox.secret_key
        credentials = Credentials(
            public_key=sandbox.public_key,
            secret_key=sandbox.secret_key,
            source="the local sandbox started by unsandbox-ls",
        )
        yield sandbox.base_url, credentials
    finally:
        sandbox.stop()


def _first_sentence(text: str) -> str:
    cut = text.split("; ", 1)[0].rstrip(".")
    return cut[:200] + "."


__all__ = [
    "BACKENDS",
    "BACKEND_ENV",
    "CLI_NOTICE",
    "INSTALL_BWRAP",
    "INSTALL_EXTRA",
    "LOCAL_NOTICE",
    "BackendSettingError",
    "LocalSandbox",
    "LocalSandboxError",
    "backend_setting",
    "local_target",
    "missing_requirement",
    "nothing_configured",
    "uses_local",
]
