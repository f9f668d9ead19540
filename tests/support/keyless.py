"""The environment of a user who has configured nothing: no key anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

#: seconds a test's shared sandbox stays up unused, should a test not stop it
TEST_IDLE_SECONDS = "60"


def private_runtime_dir(tmp_path: Path) -> Path:
    """A `0700` folder of the test's own for the local sandbox's socket, keys and lock: under
    `tmp_path` when its deepest socket path fits a unix socket address, else a short one in the
    temp folder."""
    candidate = tmp_path / "rt"
    deepest = candidate / "ls-9999999-ffffffff" / "sandbox.sock"  # a language server's own
    if len(os.fsencode(str(deepest))) > 107:
        return Path(tempfile.mkdtemp(prefix="usls-"))
    candidate.mkdir(mode=0o700)
    return candidate


def keyless_env(tmp_path: Path) -> dict[str, str]:
    """This process's environment without any UNSANDBOX_* variable, with HOME an empty folder
    under `tmp_path` (so no accounts.csv either), and a private runtime folder of its own (so
    no shared sandbox of another test, or of the user, is found)."""
    home = tmp_path / "empty-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSANDBOX_")}
    env["HOME"] = str(home)
    env.update(keyless_runtime(tmp_path))
    return env


def keyless_runtime(tmp_path: Path) -> dict[str, str]:
    """The variables that give a test its own private runtime folder and a short idle time."""
    return {
        "UNSANDBOX_LS_RUNTIME_DIR": str(private_runtime_dir(tmp_path)),
        "UNSANDBOX_LS_SANDBOX_IDLE": TEST_IDLE_SECONDS,
    }


def stop_shared_sandbox(env: dict[str, str]) -> None:
    """Stop the shared sandbox a test's CLI runs started (`unsandbox-ls sandbox --stop`)."""
    subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", "sandbox", "--stop"],
        env=env, capture_output=True, timeout=60, check=False,
    )  # fmt: skip


def sandbox_children(parent: int) -> list[int]:
    """Processes started by `parent` running `unsandbox_ls sandbox`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and b"unsandbox_ls" in cmdline and b"sandbox" in cmdline:
            found.append(int(entry.name))
    return found
