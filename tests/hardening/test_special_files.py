"""Running something that is not a regular file: `/dev/zero` made the server read until the
OOM killer came, a FIFO blocked the event loop for good. Now only regular files within the size
cap are read — by the language server (a file that is not open) and by `unsandbox-ls run` — and
the refusal says what the file is; the server keeps answering within a second throughout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from responsiveness import keeps_answering
from support.lsp_session import LspSession, start_session

from unsandbox_ls.runs.safe_read import MAX_SOURCE_BYTES


def special_file(kind: str, folder: Path) -> tuple[str, str]:
    """(path, words the refusal must contain) of one special file."""
    if kind == "fifo":
        fifo = folder / "pipe.py"
        os.mkfifo(fifo)
        return str(fifo), "FIFO"
    if kind == "big":
        big = folder / "big.py"
        big.write_text("#" * (MAX_SOURCE_BYTES + 1))
        return str(big), "over the limit"
    if kind == "directory":
        return str(folder), "a directory"
    return {
        "dev-zero": ("/dev/zero", "/dev"),
        "proc": ("/proc/self/environ", "/proc"),
        "proc-status": ("/proc/self/status", "/proc"),
    }[kind]


KINDS = ["dev-zero", "fifo", "proc", "proc-status", "big", "directory"]


@pytest.mark.parametrize("command", ["unsandbox.runFile", "unsandbox.runShebang"])
@pytest.mark.parametrize("kind", KINDS)
async def test_the_server_refuses_special_files(
    sandbox_env: dict[str, str], workspace: Path, kind: str, command: str
) -> None:
    path, words = special_file(kind, workspace)
    async with start_session("visual-studio-code", sandbox_env, workspace) as vscode:
        uri = vscode.open("probe.py", "print(1)\n")
        async with keeps_answering(vscode, uri) as probe:
            answer = await vscode.execute(command, Path(path).as_uri())
        probe.check(minimum=1)
        assert answer["started"] is False, answer
        assert words in answer["error"], answer
        assert vscode.finished == []
        await still_runs(vscode, uri)


async def still_runs(session: LspSession, uri: str) -> None:
    note = await session.execute("unsandbox.runFile", {"uri": uri, "wait": True})
    assert note["stdout"] == "1\n"


@pytest.mark.parametrize("kind", KINDS)
def test_the_command_line_refuses_special_files(
    sandbox_env: dict[str, str], workspace: Path, kind: str
) -> None:
    path, words = special_file(kind, workspace)
    done = subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", "run", path, "--language", "python"],
        env=sandbox_env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2, done.stderr
    assert words in done.stderr


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "proc"])
def test_the_command_lines_input_files_are_regular_files_only(
    sandbox_env: dict[str, str], workspace: Path, kind: str
) -> None:
    path, words = special_file(kind, workspace)
    script = workspace / "main.py"
    script.write_text("print(1)\n")
    done = subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", "run", str(script), "-f", path],
        env=sandbox_env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2, done.stderr
    assert words in done.stderr
