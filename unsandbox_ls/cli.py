"""Command line: no argument starts the language server; `run`, `sandbox` and `doctor` are tools.

Only argparse is imported here; each subcommand imports what it needs when it runs, so the
language server starts without loading httpx or the sandbox server.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    raise SystemExit("not yet wired")
