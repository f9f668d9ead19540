"""A huge history and hostile `logPath`s stall nothing (issue 21, M2 and M3).

The whole store used to be read (on the server's event loop) at every run and trimmed by line
count only, so a 1 GB store never shrank and blocked every run; a record whose `logPath` named a
FIFO or `/dev/zero` made `history --diff` and `unsandbox.diffLastRun` hang or run out of
memory, and any readable file was shown as output. The work is measured in bytes read (the
kernel's `rchar` of the process), never in time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.lsp_session import start_session
from support.sandbox import SandboxServer

from unsandbox_ls.runs import history, output

GIB = 1024 * 1024 * 1024
#: far below the 1 GiB store, far above what a run and its imports read
READ_BOUND = 96 * 1024 * 1024
TIMEOUT = 60

#: runs `python -m unsandbox_ls ARGS…` and prints its /proc/self/io at exit
WRAPPER = """\
import atexit, runpy, sys
atexit.register(lambda: sys.stderr.write("\\nIO " + open("/proc/self/io").read().split()[1]))
sys.argv = ["unsandbox-ls", *sys.argv[1:]]
runpy.run_module("unsandbox_ls", run_name="__main__", alter_sys=True)
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace (with .git) whose cache is `.cache` in it (as `start_session` sets it); this
    process uses it too."""
    folder = tmp_path / "project"
    (folder / ".git").mkdir(parents=True)
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder / ".cache"))
    (folder / "prog.py").write_text("print('hello')\n")
    return folder


def record(project: Path, number: int, log_path: str | None) -> dict[str, object]:
    return {
        "when": f"2026-01-01T00:00:{number:02d}Z", "file": str(project.resolve() / "prog.py"),
        "kind": "file", "status": "completed", "exitCode": 0, "durationMs": 100,
        "logPath": log_path, "runId": f"r{number}",
    }  # fmt: skip


def huge_store(project: Path) -> Path:
    """A 1 GiB store (sparse: written at once) ending in two real records."""
    store = history.store_path(project.resolve())
    store.parent.mkdir(parents=True, exist_ok=True)
    with open(store, "wb") as f:
        f.truncate(GIB)
        f.seek(GIB)
        f.write(b"\n")  # the end of the gigabyte's one long (unreadable) line
        for number in (1, 2):
            f.write(json.dumps(record(project, number, None)).encode() + b"\n")
    return store


def cli(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str, int]:
    """Exit status, stdout, stderr and the bytes the process read."""
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    stderr, _, io = done.stderr.rpartition("\nIO ")
    return done.returncode, done.stdout, stderr, int(io)


def test_cli_run_and_history_read_a_bounded_tail(
    sandbox_server: SandboxServer, project: Path, tmp_path: Path
) -> None:
    store = huge_store(project)
    env = {**sandbox_server.env, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(project / ".cache")}
    status, out, err, read = cli(["run", "prog.py"], env, project)
    assert (status, out) == (0, "hello\n"), err
    assert read < READ_BOUND, read
    assert store.stat().st_size <= history.MAX_STORE_BYTES  # trimmed by bytes, not lines
    status, out, err, read = cli(["history", "prog.py"], env, project)
    assert status == 0, err
    assert len(out.splitlines()) == 4  # the header, this run and the two records kept
    assert read < READ_BOUND, read


async def test_language_server_run_and_history_read_a_bounded_tail(
    sandbox_server: SandboxServer, project: Path, tmp_path: Path
) -> None:
    store = huge_store(project)
    env = {**sandbox_server.env, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(project / ".cache")}
    async with start_session("neovim", env, project) as nvim:
        uri = nvim.open("prog.py", "print('hello')\n")
        note = await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert note["status"] == "completed", note
        runs = await nvim.execute("unsandbox.history", uri)
        assert [r["runId"] for r in runs] == [note["runId"], "r2", "r1"]
        pid = nvim.client._server.pid
        with open(f"/proc/{pid}/io") as f:
            read = int(f.read().split()[1])
    assert read < READ_BOUND, read
    assert store.stat().st_size <= history.MAX_STORE_BYTES


@pytest.fixture
def hostile_logs(project: Path, tmp_path: Path) -> list[str]:
    """Records of prog.py whose logs are a FIFO in the runs folder, /dev/zero and a private
    file of the user's; the store of the project holds them (newest last)."""
    runs = output.cache_dir() / "runs"  # where runs write their logs
    runs.mkdir(parents=True)
    fifo = runs / "20260101-000000-prog.py-fifo.log"
    os.mkfifo(fifo)
    private = tmp_path / "id_private"
    private.write_text("PRIVATE-KEY-MATERIAL\n")
    logs = [str(fifo), "/dev/zero", str(private)]
    for number, log in enumerate(logs):
        history.append(project.resolve(), record(project, number, log))
    return logs


def test_cli_diff_refuses_logs_that_are_not_run_logs(
    project: Path, tmp_path: Path, hostile_logs: list[str]
) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(project / ".cache")}
    status, out, err, _ = cli(["history", "--diff", "prog.py"], env, project)
    assert status == 1 and out == "", (out, err)
    assert "has 0 run(s) with output" in err
    assert "FIFO" in err and "/dev/zero" in err and "id_private is not a run log" in err, err
    assert "PRIVATE-KEY" not in err


async def test_language_server_diff_refuses_logs_that_are_not_run_logs(
    sandbox_server: SandboxServer, project: Path, tmp_path: Path, hostile_logs: list[str]
) -> None:
    env = {**sandbox_server.env, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(project / ".cache")}
    async with start_session("visual-studio-code", env, project) as vscode:
        uri = vscode.open("prog.py", "print('hello')\n")
        answer = await vscode.execute("unsandbox.diffLastRun", uri)
        assert "has 0 run(s) with output" in answer["error"], answer
        assert "FIFO" in answer["error"] and "/dev/zero" in answer["error"]
        assert "PRIVATE-KEY" not in str(answer)
        assert await vscode.code_lenses(uri)  # still answering
