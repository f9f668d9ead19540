"""The server's end: `exit` without `shutdown` exits 1 (LSP), and a server whose client is gone
exits within seconds — stdin closed while a hostile glob or a run is in flight, or the client
process (`processId` in `initialize`) gone while stdin stays open. The probe found servers still
spinning after their editor exited.

These talk raw JSON-RPC over pipes: the point is what the process does when the other end goes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

EXIT_WITHIN_S = 8.0


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def start_server(env: dict[str, str], workspace: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "unsandbox_ls"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**env, "XDG_CACHE_HOME": str(workspace / ".cache")},
    )


def send(stdin: IO[bytes] | None, message: dict[str, Any]) -> None:
    assert stdin is not None
    stdin.write(frame(message))
    stdin.flush()


def initialize(server: subprocess.Popen[bytes], workspace: Path, pid: int | None) -> None:
    send(
        server.stdin,
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {"processId": pid, "rootUri": workspace.as_uri(), "capabilities": {}},
        },
    )
    send(server.stdin, {"jsonrpc": "2.0", "method": "initialized", "params": {}})


def open_and_run(server: subprocess.Popen[bytes], uri: str, text: str) -> None:
    send(
        server.stdin,
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}
            },
        },
    )
    send(
        server.stdin,
        {
            "jsonrpc": "2.0",
            "id": 2,
            "method": "workspace/executeCommand",
            "params": {"command": "unsandbox.runFile", "arguments": [uri]},
        },
    )


def exit_status(server: subprocess.Popen[bytes], within: float = EXIT_WITHIN_S) -> int:
    try:
        return server.wait(timeout=within)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        raise AssertionError(f"the server was still running {within} s later") from None


def test_exit_without_shutdown_exits_1(sandbox_env: dict[str, str], workspace: Path) -> None:
    server = start_server(sandbox_env, workspace)
    initialize(server, workspace, os.getpid())
    send(server.stdin, {"jsonrpc": "2.0", "method": "exit"})
    assert exit_status(server) == 1


def test_exit_after_shutdown_exits_0(sandbox_env: dict[str, str], workspace: Path) -> None:
    server = start_server(sandbox_env, workspace)
    initialize(server, workspace, os.getpid())
    send(server.stdin, {"jsonrpc": "2.0", "id": 9, "method": "shutdown"})
    time.sleep(0.5)
    send(server.stdin, {"jsonrpc": "2.0", "method": "exit"})
    assert exit_status(server) == 0


def loop_glob(workspace: Path) -> str:
    """A folder whose two links to itself make a following glob endless; the run's URI."""
    folder = workspace / "d"
    folder.mkdir()
    (folder / "x.csv").write_text("1\n")
    os.symlink(".", folder / "a")
    os.symlink(".", folder / "b")
    return (workspace / "loop.py").as_uri()


def test_stdin_closed_during_a_hostile_glob(sandbox_env: dict[str, str], workspace: Path) -> None:
    uri = loop_glob(workspace)
    server = start_server(sandbox_env, workspace)
    initialize(server, workspace, os.getpid())
    open_and_run(server, uri, "# unsandbox: files=**/*.csv\nimport time\ntime.sleep(60)\n")
    time.sleep(1.0)
    assert server.stdin is not None
    server.stdin.close()
    exit_status(server)


def test_stdin_closed_during_a_run(
    sandbox_env: dict[str, str], workspace: Path, sandbox_server: Any
) -> None:
    server = start_server(sandbox_env, workspace)
    initialize(server, workspace, os.getpid())
    open_and_run(server, (workspace / "sleep.py").as_uri(), "import time\ntime.sleep(60)\n")
    time.sleep(2.0)
    assert server.stdin is not None
    server.stdin.close()
    exit_status(server)


def test_the_client_process_gone_with_stdin_still_open(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    editor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    server = start_server(sandbox_env, workspace)
    try:
        initialize(server, workspace, editor.pid)
        open_and_run(server, loop_glob(workspace), "# unsandbox: files=**/*.csv\nprint(1)\n")
        time.sleep(1.0)
        assert server.poll() is None, "the server ended while its client was there"
        editor.kill()
        editor.wait()
        assert exit_status(server) == 1
    finally:
        editor.kill()
        if server.poll() is None:
            server.kill()
        server.wait()
