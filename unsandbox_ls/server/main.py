"""`unsandbox-ls` with no subcommand: the language server on stdio (or TCP for debugging)."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse


def configure_logging(verbose: int, log_file: str | None) -> None:
    """Log to stderr (stdout carries the protocol) or a file; WARNING unless -v/-vv."""
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8")
        if log_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def serve_language_server(args: argparse.Namespace | None) -> int:
    """Serve on stdio; `args` (None: every default) may ask for TCP, -v and a log file."""
    from unsandbox_ls.server.app import create_server

    configure_logging(getattr(args, "verbose", 0), getattr(args, "log_file", None))
    server = create_server()
    if args is not None and getattr(args, "tcp", False):
        server.start_tcp(args.host, args.port)
    else:
        server.start_io()
    return server.exit_status
