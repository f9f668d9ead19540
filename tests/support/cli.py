"""`unsandbox-ls ARGS` run as a user runs it: a fresh interpreter, its output captured."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TIMEOUT = 120.0  # seconds for any one command


def cli(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
