"""The composition root of the language server: the server class with every feature registered.

Imports flow one way inside `unsandbox_ls.server`: `app` → `features` → `server` (the class) and
the feature modules; nothing imports `app` but the entry point.
"""

from __future__ import annotations

from unsandbox_ls import __version__
from unsandbox_ls.server.features import register
from unsandbox_ls.server.lifecycle import UnsandboxProtocol
from unsandbox_ls.server.server import UnsandboxLanguageServer


def create_server() -> UnsandboxLanguageServer:
    """A server with every feature registered (see `features.register`)."""
    server = UnsandboxLanguageServer("unsandbox-ls", __version__, protocol_cls=UnsandboxProtocol)
    register(server)
    return server
