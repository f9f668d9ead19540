"""`unsandbox-ls sandbox`: check the host, then serve the app with uvicorn (loopback by default).

Start-up refuses to run when no key is configured (flags or `UNSANDBOX_PUBLIC_KEY` +
`UNSANDBOX_SECRET_KEY`, or `UNSANDBOX_API_KEY`), and, unless `--unsafe-no-sandbox` is given,
when bubblewrap is missing or cannot create a sandbox (one trivial job is run as a
self-check). It prints the languages found and never prints a key.

Started by `unsandbox_ls.local_backend` (the sandbox a run starts when no keys exist), it serves
a unix socket that the client bound in its private folder and hands over as an inherited file
descriptor, named by `UNSANDBOX_LS_LISTEN_FD`: no port, and no path on any command line. With
`UNSANDBOX_LS_SANDBOX_IDLE` (seconds) it stops by itself once no request came and no job ran for
that long; with `UNSANDBOX_LS_RUNTIME_DIR` it removes its socket and `sandbox.json` there when it
stops (if they are still its own).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import stat
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from unsandbox_ls.sandbox import isolation
from unsandbox_ls.sandbox.app import AppConfig, create_app
from unsandbox_ls.sandbox.auth import Keys
from unsandbox_ls.sandbox.executor import Executor, JobSpec, unsafe_warning
from unsandbox_ls.sandbox.jobs import JOB_SHAPES
from unsandbox_ls.sandbox.layouts import DEFAULT_LAYOUT, LAYOUTS, NAME_RULES
from unsandbox_ls.sandbox.toolchains import available_toolchains, search_path

#: queued jobs allowed per running slot before 429
QUEUE_PER_SLOT = 16
#: the inherited listening unix socket (set by `local_backend`, never on the command line)
LISTEN_FD_ENV = "UNSANDBOX_LS_LISTEN_FD"
#: stop after this many seconds without a request or a running job (with `LISTEN_FD_ENV`)
IDLE_ENV = "UNSANDBOX_LS_SANDBOX_IDLE"
#: the private folder whose `sandbox.json` names this process (the shared sandbox)
RUNTIME_DIR_ENV = "UNSANDBOX_LS_RUNTIME_DIR"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def keys_from(args: argparse.Namespace) -> Keys:
    def pick(flag: str | None, env: str) -> str | None:
        value = flag or os.environ.get(env, "")
        return value.strip() or None

    return Keys(
        public_key=pick(getattr(args, "public_key", None), "UNSANDBOX_PUBLIC_KEY"),
        secret_key=pick(getattr(args, "secret_key", None), "UNSANDBOX_SECRET_KEY"),
        api_key=pick(getattr(args, "api_key", None), "UNSANDBOX_API_KEY"),
    )


def self_check(executor: Executor) -> str | None:
    """Run one trivial job in the sandbox; the reason it failed, or None when it worked."""
    if "bash" not in executor.toolchains:
        return "bash was not found: the sandbox runs every job through bash"
    spec = JobSpec("bash", "echo sandbox-ok", ttl=20)
    try:
        result = asyncio.run(executor.execute("self-check", spec, asyncio.Event()))
    except OSError as exc:
        return f"the sandbox could not be started: {exc}"
    out = result.outcome
    if out.exit_code == 0 and out.stdout == "sandbox-ok\n" and out.error is None:
        return None
    detail = out.error or out.stderr.strip() or f"exit status {out.exit_code}"
    return (
        f"bubblewrap cannot create a sandbox here: {detail}\n"
        "It needs unprivileged user namespaces. On Ubuntu 23.10 and later AppArmor restricts "
        "them: allow them with 'sysctl kernel.apparmor_restrict_unprivileged_userns=0' (or an "
        "AppArmor profile for bwrap); elsewhere check 'sysctl user.max_user_namespaces' and "
        "'kernel.unprivileged_userns_clone'. Or pass --unsafe-no-sandbox (no isolation)."
    )


def build_config(args: argparse.Namespace) -> AppConfig | str:
    """The app configuration, or the message explaining why the server cannot start."""
    keys = keys_from(args)
    if bool(keys.public_key) != bool(keys.secret_key):
        return (
            "a public key needs its secret key (and the reverse): set both --public-key and "
            "--secret-key, or UNSANDBOX_PUBLIC_KEY and UNSANDBOX_SECRET_KEY"
        )
    if not keys.any:
        return (
            "no key configured: the sandbox accepts only signed requests. Set "
            "UNSANDBOX_PUBLIC_KEY and UNSANDBOX_SECRET_KEY (or pass --public-key/--secret-key), "
            "and/or UNSANDBOX_API_KEY (--api-key) for bearer authentication. Choose your own "
            "random values, e.g. unsb-pk-<random> and unsb-sk-<random>."
        )
    max_jobs = int(getattr(args, "max_jobs", 4) or 4)
    if max_jobs < 1:
        return "--max-jobs must be at least 1"
    job_shape = getattr(args, "job_shape", None) or "flat"
    if job_shape not in JOB_SHAPES:
        return f"--job-shape must be one of {', '.join(JOB_SHAPES)}"
    pending_after = getattr(args, "pending_after", None)
    if pending_after is not None and pending_after < 0:
        return "--pending-after must be 0 or more milliseconds"
    layout_name = getattr(args, "layout", None) or DEFAULT_LAYOUT
    if layout_name not in LAYOUTS:
        return f"--layout must be one of {', '.join(LAYOUTS)}"
    names = getattr(args, "names", None) or "tree"
    if names not in NAME_RULES:
        return f"--names must be one of {', '.join(NAME_RULES)}"
    unsafe = bool(getattr(args, "unsafe_no_sandbox", False))
    if not unsafe and isolation.bwrap_available() is None:
        return (
            "bubblewrap (bwrap) was not found: install it (Debian/Ubuntu: apt-get install "
            "bubblewrap), or pass --unsafe-no-sandbox to run jobs WITHOUT isolation"
        )
    layout = isolation.discover_layout()
    toolchains = available_toolchains(search_path(list(layout.path_dirs)))
    if not toolchains:
        return "no language runtime was found on PATH"
    executor = Executor(
        toolchains=toolchains,
        layout=layout,
        sandboxed=not unsafe,
        job_layout=LAYOUTS[layout_name],
    )
    if executor.sandboxed and isolation.needs_privilege_drop() and executor.drop_tools is None:
        executor.close()
        return (
            "running as root needs 'unshare', 'nsenter' and 'setpriv' (util-linux) to start jobs "
            "as an unprivileged user; install util-linux or run the server as a normal user"
        )
    problem = self_check(executor) if executor.sandboxed else None
    if problem is not None:
        executor.close()
        return problem
    return AppConfig(
        keys=keys,
        executor=executor,
        max_jobs=max_jobs,
        max_queued=QUEUE_PER_SLOT * max_jobs,
        sandboxed=not unsafe,
        job_shape=job_shape,
        pending_after_ms=pending_after,
        names=names,
    )


def inherited_listener(env: Any = None) -> int | None:
    """The listening unix socket handed over by `LISTEN_FD_ENV`, or None; `ValueError` when
    the variable names something else."""
    env = os.environ if env is None else env
    text = env.get(LISTEN_FD_ENV, "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise ValueError(f"{LISTEN_FD_ENV} must be a file descriptor number")
    fd = int(text)
    try:
        info = os.fstat(fd)
        kind = socket.socket(fileno=os.dup(fd))
    except OSError as exc:
        raise ValueError(f"{LISTEN_FD_ENV}={fd} is not open: {exc.strerror}") from None
    with kind:
        listening = kind.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
        family = kind.family
    if not stat.S_ISSOCK(info.st_mode) or family != socket.AF_UNIX or not listening:
        raise ValueError(f"{LISTEN_FD_ENV}={fd} is not a listening unix socket")
    return fd


def idle_seconds(env: Any = None) -> float | None:
    env = os.environ if env is None else env
    text = env.get(IDLE_ENV, "").strip()
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and value > 0 else None


class IdleWatch:
    """ASGI middleware that remembers when the last request ended and how many are in flight;
    `expired()` once none came for `seconds` and no job is running or queued."""

    def __init__(self, app: Any, seconds: float) -> None:
        self.app = app
        self.seconds = seconds
        self.in_flight = 0
        self.last = time.monotonic()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            self.last = time.monotonic()

    def expired(self) -> bool:
        store = getattr(self.app.state, "job_store", None)
        busy = store is not None and store.active_count() > 0  # pending or running
        if self.in_flight or busy:
            self.last = time.monotonic()
            return False
        return time.monotonic() - self.last > self.seconds


def serve_sandbox(args: argparse.Namespace) -> int:
    import uvicorn

    from unsandbox_ls.sandbox.http_protocol import HeaderDeadlineH11Protocol

    try:
        listen_fd = inherited_listener()
    except ValueError as exc:
        print(f"unsandbox-ls sandbox: {exc}", file=sys.stderr)
        return 2
    config = build_config(args)
    if isinstance(config, str):
        print(f"unsandbox-ls sandbox: {config}", file=sys.stderr)
        return 2
    if not config.sandboxed:
        unsafe_warning()
    host = getattr(args, "host", "127.0.0.1") or "127.0.0.1"
    port = int(getattr(args, "port", 8765))
    auth = [
        name
        for name, on in (
            ("HMAC", config.keys.public_key),
            ("bearer", config.keys.api_key),
        )
        if on
    ]
    pending = (
        f"; /execute answers pending after {config.pending_after_ms} ms"
        if config.pending_after_ms is not None
        else ""
    )
    print(
        f"unsandbox-ls sandbox: languages: {', '.join(sorted(config.executor.toolchains))}; "
        f"auth: {' + '.join(auth)}; max jobs: {config.max_jobs}; job shape: "
        f"{config.job_shape}{pending}; layout: {config.executor.job_layout.name} "
        f"({config.executor.job_layout.describe()}); names: {config.names}",
        file=sys.stderr,
        flush=True,
    )
    if listen_fd is not None:
        return _serve_inherited(config, listen_fd)
    where = f"http://{host}:{port}" if port else f"{host}, on a free port"
    print(f"unsandbox-ls sandbox: serving on {where}", file=sys.stderr, flush=True)
    if host not in ("127.0.0.1", "::1", "localhost"):
        print(
            f"unsandbox-ls sandbox: listening on {host}, not loopback: other machines can reach it",
            file=sys.stderr,
        )
    uvicorn.run(
        create_app(config),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
        http=HeaderDeadlineH11Protocol,
    )
    return 0


def _serve_inherited(config: AppConfig, fd: int) -> int:
    """Serve the unix socket handed over by the client that started this sandbox; stop when
    idle (`IDLE_ENV`) and, at the end, take this sandbox out of the private folder."""
    import uvicorn

    from unsandbox_ls.sandbox.http_protocol import HeaderDeadlineH11Protocol

    app: Any = create_app(config)
    idle = idle_seconds()
    watch = IdleWatch(app, idle) if idle is not None else None
    print(
        "unsandbox-ls sandbox: serving on the private socket it was given"
        + (f"; stops after {idle:g} s idle" if idle is not None else ""),
        file=sys.stderr,
        flush=True,
    )

    class Server(uvicorn.Server):
        async def on_tick(self, counter: int) -> bool:
            if await super().on_tick(counter):
                return True
            if watch is not None and counter % 10 == 0 and watch.expired():
                print("unsandbox-ls sandbox: idle, stopping", file=sys.stderr, flush=True)
                return True
            return False

    server = Server(
        uvicorn.Config(
            watch or app,
            fd=fd,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
            http=HeaderDeadlineH11Protocol,
            lifespan="on",
        )
    )
    try:
        server.run()
    finally:
        runtime = os.environ.get(RUNTIME_DIR_ENV, "").strip()
        if runtime:
            from unsandbox_ls.private_dir import release

            with contextlib.suppress(OSError):
                release(Path(runtime), os.getpid())
    return 0
