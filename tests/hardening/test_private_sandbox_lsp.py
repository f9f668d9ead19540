"""The language server's side of the private local sandbox: no impostor serves its runs, it
reuses the user's shared sandbox when one runs (without stopping it), and artifacts no run
asked for are not saved.

The server is driven over stdio (pytest-lsp, Neovim's profile); the impostor is
`support/impostor.py`, reading `/proc/*/cmdline` of the test's processes and racing to bind
what it finds; the answer carrying artifacts nobody asked for comes from the loopback fault
server.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.fault_server import FaultServer, Reply
from support.impostor import NOBODY, Impostor
from support.keyless import keyless_env, sandbox_children, stop_shared_sandbox
from support.lsp_session import start_session

IMPOSTOR_UIDS = [None, NOBODY] if os.geteuid() == 0 else [None]


@pytest.mark.parametrize("uid", IMPOSTOR_UIDS, ids=lambda u: "same-user" if u is None else "nobody")
async def test_an_impostor_never_serves_the_language_servers_runs(
    uid: int | None, tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "Makefile").write_text("all:\n\techo mine\n")
    impostor = Impostor(uid=uid)
    try:
        async with start_session("neovim", keyless_env(tmp_path), workspace) as nvim:
            uri = nvim.open("hello.py", 'print("from the real sandbox")\n')
            await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
            note = await nvim.wait_finished()
    finally:
        impostor.stop()
    assert impostor.requests() == [], f"the impostor was reached: {impostor.lines}"
    assert note.status == "completed", note.error
    assert note.stdout == "from the real sandbox\n"
    assert (workspace / "Makefile").read_text() == "all:\n\techo mine\n"
    assert "conftest.py" not in os.listdir(workspace)


async def test_artifacts_no_run_asked_for_are_not_saved_and_the_log_says_so(
    tmp_path: Path,
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "Makefile").write_text("mine\n")
    home = tmp_path / "home"
    home.mkdir()
    unasked = {
        "job_id": "job-1",
        "status": "completed",
        "stdout": "ran\n",
        "stderr": "",
        "exit_code": 0,
        "artifacts": [
            {"filename": "Makefile", "content_base64": base64.b64encode(b"pwned:\n").decode()}
        ],
    }
    async with FaultServer() as server:
        server.on("POST", "/execute", Reply(200, unasked))
        server.on("POST", "/execute/async", Reply(200, {"job_id": "job-1", "status": "pending"}))
        server.on("GET", "/jobs/job-1", Reply(200, unasked))
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNSANDBOX_")}
        env.update(
            HOME=str(home),
            UNSANDBOX_BASE_URL=server.base_url,
            UNSANDBOX_PUBLIC_KEY="unsb-pk-test",
            UNSANDBOX_SECRET_KEY="unsb-sk-test",
        )
        async with start_session("neovim", env, workspace) as nvim:
            uri = nvim.open("hello.py", 'print("ran")\n')
            await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
            note = await nvim.wait_finished()
            logged = [m.message for m in nvim.client.log_messages]
    assert note.status == "completed", note.error
    assert note.artifacts == []
    assert any("did not ask for; ignored" in m for m in logged), logged
    assert (workspace / "Makefile").read_text() == "mine\n"
    cache = workspace / ".cache" / "unsandbox-ls"
    assert not (cache / "artifacts").exists()


async def test_the_language_server_reuses_the_users_shared_sandbox(tmp_path: Path) -> None:
    from unsandbox_ls import private_dir

    env = keyless_env(tmp_path)
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "hello.py").write_text('print("shared")\n')
    try:
        first = subprocess.run(
            [sys.executable, "-m", "unsandbox_ls", "run", "hello.py"],
            env=env, cwd=workspace, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert first.returncode == 0, first.stderr
        state = private_dir.read_state(Path(env["UNSANDBOX_LS_RUNTIME_DIR"]))
        assert state is not None
        async with start_session("neovim", env, workspace) as nvim:
            uri = nvim.open("hello.py", 'print("shared")\n')
            await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
            note = await nvim.wait_finished()
            process = nvim.client._server
            assert process is not None
            assert sandbox_children(process.pid) == []  # it started none of its own
        assert note.status == "completed", note.error
        assert note.stdout == "shared\n"
        assert private_dir.pid_alive(state.pid), "the server stopped the shared sandbox"
    finally:
        stop_shared_sandbox(env)
