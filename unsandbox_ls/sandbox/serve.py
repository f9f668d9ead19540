"""`unsandbox-ls sandbox`: check the host, then serve the app with uvicorn (loopback by default).

Start-up refuses to run when no key is configured (flags or `UNSANDBOX_PUBLIC_KEY` +
`UNSANDBOX_SECRET_KEY`, or `UNSANDBOX_API_KEY`), and, unless `--unsafe-no-sandbox` is given,
when bubblewrap is missing or cannot create a sandbox (one trivial job is run as a
self-check). It prints the languages found and never prints a key.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from unsandbox_ls.sandbox import isolation
from unsandbox_ls.sandbox.app import AppConfig, create_app
from unsandbox_ls.sandbox.auth import Keys
from unsandbox_ls.sandbox.executor import Executor, JobSpec, unsafe_warning
from unsandbox_ls.sandbox.jobs import JOB_SHAPES
from unsandbox_ls.sandbox.layouts import DEFAULT_LAYOUT, LAYOUTS, NAME_RULES
from unsandbox_ls.sandbox.toolchains import available_toolchains, search_path

#: queued jobs allowed per running slot before 429
QUEUE_PER_SLOT = 16


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
            "running as root needs 'unshare' and 'setpriv' (util-linux) to start jobs as an "
            "unprivileged user; install util-linux or run the server as a normal user"
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


def serve_sandbox(args: argparse.Namespace) -> int:
    import uvicorn

    from unsandbox_ls.sandbox.http_protocol import HeaderDeadlineH11Protocol

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
