"""Which API a run goes to: the hosted API (or the base URL you set) with your keys, or the local
sandbox this server starts itself (see `unsandbox_ls.local_backend` for the `backend` choice).

`borrow` gives the run its API client; when the run cannot be sent it raises `BackendRefused`,
which carries one short sentence for the user, the whole explanation for the log, and whether
switching to the local sandbox would help.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from lsprotocol import types

from unsandbox_ls.local_backend import (
    LOCAL_NOTICE,
    LocalSandbox,
    LocalSandboxError,
    backend_setting,
    uses_local,
)
from unsandbox_ls.runs.plan import RunRefused

if TYPE_CHECKING:
    from unsandbox_ls.api.client import UnsandboxClient
    from unsandbox_ls.server.server import UnsandboxLanguageServer


class BackendRefused(RunRefused):
    """The run cannot be sent to the chosen backend; nothing was sent."""

    def __init__(self, short: str, detail: str, *, offer_local: bool) -> None:
        super().__init__(detail)
        self.short = short
        self.detail = detail
        self.offer_local = offer_local


def chosen_backend(ls: UnsandboxLanguageServer) -> str:
    """`local` or `hosted`: where the next run goes with the current settings and environment."""
    s = ls.settings
    try:
        backend = backend_setting(ls.backend_override or s.backend, os.environ)
    except ValueError as exc:
        raise BackendRefused(
            f"unsandbox: {exc}.", f"unsandbox: {exc}; nothing was sent", offer_local=False
        ) from None
    explicit = (s.public_key, s.secret_key, s.api_key, s.account, s.base_url)
    return "local" if uses_local(backend, explicit=explicit) else "hosted"


def runs_locally(ls: UnsandboxLanguageServer) -> bool:
    try:
        return chosen_backend(ls) == "local"
    except BackendRefused:
        return False


async def borrow(ls: UnsandboxLanguageServer, name: str) -> UnsandboxClient:
    """The API client for the chosen backend (started if it is the local sandbox)."""
    if chosen_backend(ls) == "local":
        return await _borrow_local(ls, name)
    return await _borrow_hosted(ls, name)


async def _borrow_local(ls: UnsandboxLanguageServer, name: str) -> UnsandboxClient:
    sandbox = ls.local_sandbox
    if sandbox is None:
        sandbox = ls.local_sandbox = LocalSandbox()
    try:
        endpoint = await sandbox.ensure_started()
    except LocalSandboxError as exc:
        detail = exc.detail
        if "nothing was sent" not in detail:
            detail += "; nothing was sent"
        raise BackendRefused(
            f"unsandbox: {name}: {exc.message}",
            f"unsandbox: {name}: {detail}",
            offer_local=False,
        ) from None
    asked = backend_setting(ls.backend_override or ls.settings.backend, os.environ)
    if asked == "auto" and not ls.local_notice_given:
        ls.local_notice_given = True
        notice = keyless_notice(ls.client_name)
        ls.log(notice, types.MessageType.Info)
        if ls.shows_notices():  # in the output and the status bar, with the run's result
            ls.pending_notice = notice
        elif ls.settings.notify != "never":
            ls.show(notice, types.MessageType.Info)
    return await ls.api_clients.borrow(
        endpoint.base_url, endpoint.credentials(), uds=endpoint.socket_path
    )


#: how each editor sets the keys, for the notice of a keyless run
_WHERE_KEYS = {
    "vscode": "set unsandbox.publicKey and unsandbox.secretKey in the settings",
    "neovim": (
        "set settings.unsandbox.publicKey and secretKey in vim.lsp.config('unsandbox', {…})"
    ),
    "helix": (
        "set publicKey and secretKey under [language-server.unsandbox.config.unsandbox] in "
        "languages.toml"
    ),
}


def keyless_notice(client_name: str) -> str:
    """`LOCAL_NOTICE` in the words of the client's editor: where its keys are set."""
    from unsandbox_ls.server.server import VSCODE_NAMES

    name = client_name.lower()
    editor = "vscode" if name in VSCODE_NAMES else name if name in _WHERE_KEYS else None
    if editor is None:
        return LOCAL_NOTICE
    return (
        "unsandbox: no API keys found, so runs go to the local sandbox on this machine; to run "
        f"on unsandbox.com, {_WHERE_KEYS[editor]} (or in ~/.unsandbox/accounts.csv)."
    )


async def _borrow_hosted(ls: UnsandboxLanguageServer, name: str) -> UnsandboxClient:
    from unsandbox_ls.api.errors import ConfigurationError, MissingCredentialsError
    from unsandbox_ls.runs.execute import Connection, resolve

    s = ls.settings
    try:
        base_url, credentials = resolve(
            Connection(s.base_url, s.public_key, s.secret_key, s.api_key, s.account)
        )
    except MissingCredentialsError as exc:
        raise BackendRefused(
            f"unsandbox: {name}: no API keys found; nothing was sent.",
            f"unsandbox: {exc} (in the editor, the unsandbox.publicKey and unsandbox.secretKey "
            f'settings work too; or set unsandbox.backend to "local" to run in the local '
            f"sandbox); nothing was sent",
            offer_local=True,
        ) from None
    except ConfigurationError as exc:
        raise BackendRefused(
            f"unsandbox: {name}: {str(exc).split('; ', 1)[0]}; nothing was sent.",
            f"unsandbox: {exc}; nothing was sent",
            offer_local=True,
        ) from None
    return await ls.api_clients.borrow(base_url, credentials)


def stop_local(ls: UnsandboxLanguageServer) -> None:
    """Stop the embedded sandbox, if this server started one."""
    if ls.local_sandbox is not None:
        ls.local_sandbox.stop()
