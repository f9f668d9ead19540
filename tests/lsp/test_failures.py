"""Failures are never fatal: missing or rejected credentials and an unreachable API give one clear
message, end the progress, keep every key out of the messages, and the next run works."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from lsprotocol import types
from support.lsp_session import LspSession, start_session


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def everything_said(session: LspSession) -> str:
    said = [m.message for m in session.client.messages]
    said += [m.message for m in session.client.log_messages]
    said += [repr(note) for note in session.finished]
    return "\n".join(said)


async def still_serving(session: LspSession, uri: str) -> None:
    assert (await session.lens_titles(uri))[0] == session.title("▶ Run remotely")


async def test_missing_credentials_say_how_to_set_them(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    env = {
        k: v
        for k, v in sandbox_env.items()
        if k not in ("UNSANDBOX_PUBLIC_KEY", "UNSANDBOX_SECRET_KEY", "UNSANDBOX_API_KEY")
    }
    async with start_session("helix", env, workspace) as hx:
        uri = hx.open("hello.py", "print(1)\n")
        await hx.execute("unsandbox.runFile")
        note = await hx.wait_finished()
        assert note.status == "error"
        assert note.jobId is None
        assert "UNSANDBOX_PUBLIC_KEY" in note.error
        assert "unsandbox.publicKey" in note.error
        assert "nothing was sent" in note.error
        assert hx.error_messages() == [note.summary]  # one sentence; the rest is in the log
        assert note.summary == "unsandbox: hello.py: no API keys found; nothing was sent."
        assert note.error in [m.message for m in hx.client.log_messages]
        await still_serving(hx, uri)


async def test_rejected_key_is_reported_without_the_key(
    sandbox_env: dict[str, str], workspace: Path, sandbox_server: Any
) -> None:
    wrong_secret = "wrong-" + sandbox_server.secret_key[::-1]
    env = {**sandbox_env, "UNSANDBOX_SECRET_KEY": wrong_secret}
    async with start_session("neovim", env, workspace) as nvim:
        uri = nvim.open("hello.py", "print(1)\n")
        await nvim.execute("unsandbox.runFile", uri)
        note = await nvim.wait_finished()
        assert note.status == "error"
        await nvim.wait_for(lambda: nvim.message_requests)
        assert note.error and nvim.error_messages() == [note.summary]
        assert nvim.actions_offered() == [["Use the local sandbox", "Show log"]]
        assert isinstance(nvim.progress()[-1], types.WorkDoneProgressEnd)
        said = everything_said(nvim)
        assert wrong_secret not in said
        assert sandbox_server.secret_key not in said
        await still_serving(nvim, uri)


async def test_unreachable_api_then_a_good_run(
    sandbox_env: dict[str, str], workspace: Path, sandbox_server: Any
) -> None:
    options = {"unsandbox": {"baseUrl": f"http://127.0.0.1:{closed_port()}"}}
    async with start_session(
        "visual-studio-code", sandbox_env, workspace, init_options=options
    ) as vscode:
        uri = vscode.open("hello.py", 'print("second time lucky")\n')
        await vscode.execute("unsandbox.runFile", uri)
        note = await vscode.wait_finished()
        assert note.status == "error"
        await vscode.wait_for(lambda: vscode.message_requests)
        assert vscode.error_messages() == [note.summary]
        assert "is not running; start it with `unsandbox-ls sandbox`" in note.summary
        assert isinstance(vscode.progress()[-1], types.WorkDoneProgressEnd)
        assert "$(debug-stop) Cancel" not in await vscode.lens_titles(uri)

        vscode.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"unsandbox": {"baseUrl": sandbox_server.base_url}}
            )
        )
        await vscode.execute("unsandbox.runFile", uri)
        note = await vscode.wait_finished(2)
        assert note.status == "completed"
        assert note.stdout == "second time lucky\n"


async def test_list_jobs_and_show_output(sandbox_env: dict[str, str], workspace: Path) -> None:
    options = {"unsandbox": {"openOutputLog": True}}
    async with start_session(
        "visual-studio-code", sandbox_env, workspace, init_options=options
    ) as vscode:
        uri = vscode.open("hello.py", 'print("listed")\n')
        result = await vscode.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        await vscode.wait_for(lambda: len(vscode.client.shown_documents) == 1)
        shown = vscode.client.shown_documents[0]
        assert shown.uri == Path(result["logPath"]).as_uri()
        assert shown.take_focus is False

        jobs = await vscode.execute("unsandbox.listJobs")
        assert result["jobId"] in [job["jobId"] for job in jobs["jobs"]]
        assert jobs["summary"] in vscode.messages()

        output = await vscode.execute("unsandbox.showOutput")
        assert output["runId"] == result["runId"]
        assert len(vscode.client.shown_documents) == 2


async def test_path_arguments_and_files_that_do_not_exist(vscode: LspSession) -> None:
    uri = vscode.open("by_path.py", 'print("by path")\n')
    path = str(vscode.workspace / "by_path.py")
    result = await vscode.execute("unsandbox.runFile", path, {"wait": True})
    assert result["uri"] == uri  # the client's own URI, so diagnostics land on the open buffer
    assert result["stdout"] == "by path\n"

    missing = await vscode.execute("unsandbox.runFile", str(vscode.workspace / "gone.py"))
    assert missing["started"] is False and "cannot read gone.py" in missing["error"]
    odd = await vscode.execute("unsandbox.runFile", "untitled:Untitled-9")
    assert odd["started"] is False
    assert len(vscode.error_messages()) == 2
    await still_serving(vscode, uri)
