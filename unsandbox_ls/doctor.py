"""`unsandbox-ls doctor`: where runs would go, with which credentials, and does it work.

Prints one line per check: the backend (hosted, or the local sandbox that `auto` picks when no
keys, account or base URL are configured), the credentials and where they were found (the public
key is shown, a secret never), any other credentials found but not used, the base URL,
`GET /health`, `POST /keys/validate` and `GET /languages`. For the local sandbox it finds or
starts this user's shared one (as `run` does), names its socket and checks it the same way.
With `--probe` it then runs one tiny job (two, to try a name holding a folder) and prints where
the backend put the code and the input files, the cwd, and whether names with `/` are accepted
(`runs/layout_probe.py`), and caches that per base URL.
Exit status: 0 all good, 2 a bad setting, 69 the API or the sandbox cannot be reached or fails,
77 the credentials are missing or rejected.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from unsandbox_ls.run_command import EXIT_NO_PERMISSION, EXIT_UNAVAILABLE, EXIT_USAGE


def _line(mark: str, label: str, text: str) -> None:
    print(f"[{mark}] {label:<12} {text}", flush=True)


async def _check(args: argparse.Namespace) -> int:
    from unsandbox_ls.local_backend import BackendSettingError, LocalSandboxError, local_target

    try:
        async with local_target(args, say=lambda text: _line("--", "backend", text)) as local:
            if local is not None:
                _line("ok", "backend", "local sandbox (bubblewrap) on this machine")
                _line("ok", "socket", f"{local.socket_path} (pid {local.pid}, proved its keys)")
                return await _contact(
                    local.base_url,
                    local.credentials(),
                    transport=local.transport(),
                    probe=bool(args.probe),
                )
    except BackendSettingError as exc:
        _line("!!", "backend", str(exc))
        return EXIT_USAGE
    except LocalSandboxError as exc:
        _line("!!", "backend", f"local sandbox: {exc.detail}")
        return EXIT_UNAVAILABLE
    _line("ok", "backend", "hosted: the API at the base URL, with your keys")
    return await _check_hosted(args)


async def _check_hosted(args: argparse.Namespace) -> int:
    from unsandbox_ls.api import (
        ConfigurationError,
        Credentials,
        MissingCredentialsError,
        find_credentials,
        resolve_base_url,
    )
    from unsandbox_ls.api.credentials import unused_credentials

    status = 0
    credentials: Credentials | None = None
    try:
        credentials = find_credentials(account=args.account)
        _line("ok", "credentials", credentials.describe())
        for where in unused_credentials(credentials):
            _line("--", "not used", f"credentials also found in {where}")
    except MissingCredentialsError as exc:
        _line("!!", "credentials", f"{exc}; or run in the local sandbox: --backend local")
        status = EXIT_NO_PERMISSION
    except ConfigurationError as exc:
        _line("!!", "credentials", str(exc))
        status = EXIT_USAGE
    try:
        base_url = resolve_base_url(args.base_url)
    except ConfigurationError as exc:
        _line("!!", "base URL", str(exc))
        return EXIT_USAGE
    _line("ok", "base URL", base_url)
    return await _contact(base_url, credentials, status, probe=bool(args.probe))


async def _probe(client: Any, base_url: str) -> int:
    """Run the layout probe, print what it found and cache it; the exit status."""
    from unsandbox_ls.api import UnsandboxError
    from unsandbox_ls.runs.layout_probe import probe, remember

    try:
        found = await probe(client, base_url)
    except UnsandboxError as exc:
        _line("!!", "probe", f"the probe job could not run: {exc}")
        return EXIT_UNAVAILABLE
    for mark, label, text in found.lines():
        _line(mark, label, text)
    try:
        _line("ok", "cached", str(remember(found)))
    except OSError as exc:
        _line("!!", "cached", f"the answer could not be cached: {exc}")
    return EXIT_UNAVAILABLE if found.problems else 0


async def _contact(
    base_url: str,
    credentials: Any,
    status: int = 0,
    *,
    transport: Any = None,
    probe: bool = False,
) -> int:
    """`/health`, `/keys/validate` and `/languages` of the API at `base_url`; the exit status
    (a failed `/health` is 69 whatever came before; otherwise the first problem's status)."""
    from unsandbox_ls.api import AuthenticationError, UnsandboxClient, UnsandboxError

    async with UnsandboxClient(base_url, credentials, timeout=10.0, transport=transport) as client:
        try:
            health = await client.health()
            _line("ok", "health", str(health.get("status", "ok"))[:80])
        except UnsandboxError as exc:
            _line("!!", "health", str(exc))
            return EXIT_UNAVAILABLE
        if credentials is not None:
            try:
                info = await client.validate_key()
                if info is None:
                    _line("--", "key", "this API cannot validate keys (no /keys/validate)")
                elif info.valid:
                    extra = ", ".join(
                        f"{k} {v}"
                        for k, v in (
                            ("tier", info.tier),
                            ("rate/min", info.rate_per_minute),
                            ("concurrency", info.concurrency),
                        )
                        if v is not None
                    )
                    _line("ok", "key", "valid" + (f" ({extra})" if extra else ""))
                else:
                    _line("!!", "key", f"not valid ({info.reason or 'no reason given'})")
                    status = status or EXIT_NO_PERMISSION
            except AuthenticationError as exc:
                _line("!!", "key", str(exc))
                status = status or EXIT_NO_PERMISSION
            except UnsandboxError as exc:
                _line("!!", "key", str(exc))
                status = status or EXIT_UNAVAILABLE
        try:
            names = await client.languages(refresh=True)
            _line("ok", "languages", f"{len(names)}: {' '.join(names)}")
        except AuthenticationError as exc:
            _line("!!", "languages", str(exc))
            status = status or EXIT_NO_PERMISSION
        except UnsandboxError as exc:
            _line("!!", "languages", str(exc))
            status = status or EXIT_UNAVAILABLE
        if probe and status == 0:
            status = await _probe(client, base_url)
    return status


def doctor(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_check(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
