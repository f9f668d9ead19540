"""The language server answers `initialize` without loading what only a run needs.

httpx, the API client and models, the parsers, platformdirs and the sandbox server are imported
at the first run; importing them at start-up costs every editor session start-up time (see
`python -m benchmarks --only startup`). This guards against an import creeping back in.
"""

from __future__ import annotations

import subprocess
import sys

DEFERRED = (
    "httpx",
    "httpcore",
    "anyio",
    "h11",
    "httptools",
    "platformdirs",
    "unsandbox_ls.problems",
    "unsandbox_ls.api.client",
    "unsandbox_ls.api.models",
    "unsandbox_ls.api.credentials",
    "unsandbox_ls.sandbox",
    "starlette",
    "uvicorn",
    "importlib.metadata",
)

PROBE = """
import sys
from unsandbox_ls.cli import build_parser
from unsandbox_ls.server.app import create_server
build_parser()
create_server()
print("\\n".join(sorted(sys.modules)))
"""


def test_start_up_leaves_run_time_modules_unloaded() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(done.stdout.split())
    assert "unsandbox_ls.server.features" in loaded, "the probe did not build the server"
    early = sorted(
        name for name in loaded if any(name == d or name.startswith(d + ".") for d in DEFERRED)
    )
    assert early == [], f"loaded before the first run: {early}"
