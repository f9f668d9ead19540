"""Cancelling a run: the job is deleted on the sandbox (GET /jobs/{id} says `cancelled`), the
progress ends within seconds, the output the cancel answer carried is shown, and a second ▶ on a
running file replaces the first run; in every sandbox variant (tests/conftest.py)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from lsprotocol import types
from support.lsp_session import LspSession
from support.sandbox import SandboxServer


@pytest.fixture
def sandbox_server(sandbox_variant: SandboxServer) -> SandboxServer:
    """This module's tests run against every variant (`sandbox_env` follows it)."""
    return sandbox_variant


SLEEPER = 'import time\nprint("going to sleep", flush=True)\ntime.sleep(60)\n'


async def wait_running(session: LspSession) -> str:
    """Wait until the job runs on the sandbox; the progress token."""
    await session.wait_for(
        lambda: any(m.startswith("running") for m in session.progress_messages())
    )
    (token,) = session.client.progress_reports
    await asyncio.sleep(0.7)  # time for the program to print before it is cancelled
    return str(token)


def job_status(sandbox_server: Any, job_id: str) -> str:
    response = sandbox_server.request("GET", f"/jobs/{job_id}", timeout=10)
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


async def test_progress_cancel_deletes_the_job(vscode: LspSession, sandbox_server: Any) -> None:
    uri = vscode.open("sleepy.py", SLEEPER)
    await vscode.execute("unsandbox.runFile", uri)
    token = await wait_running(vscode)

    assert "$(debug-stop) Cancel" in await vscode.lens_titles(uri)

    cancelled_at = time.monotonic()
    vscode.client.protocol.notify(
        types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token=token)
    )
    note = await vscode.wait_finished(timeout=10)
    assert time.monotonic() - cancelled_at < 5
    assert note.status == "cancelled"
    assert note.jobId
    reports = vscode.progress(token)
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert reports[-1].message == "cancelled"
    assert job_status(sandbox_server, note.jobId) == "cancelled"
    # what the program printed before the cancel, as the DELETE answer carried it
    assert note.stdout == "going to sleep\n"
    with open(note.logPath, encoding="utf-8") as log:
        assert "going to sleep" in log.read()
    assert any(
        "cancelled" in m.message and "going to sleep" in m.message
        for m in vscode.client.log_messages
    )


async def test_cancel_command_from_neovim(
    sandbox_env: dict[str, str], workspace: Any, sandbox_server: Any
) -> None:
    from support.lsp_session import start_session

    async with start_session("neovim", sandbox_env, workspace) as nvim:
        uri = nvim.open("sleepy.py", SLEEPER)
        await nvim.execute("unsandbox.runFile", {"uri": uri})
        await wait_running(nvim)
        answer = await nvim.execute("unsandbox.cancel", {"uri": uri, "wait": True})
        assert answer["cancelled"] is True
        note = await nvim.wait_finished(timeout=10)
        assert note.status == "cancelled"
        assert note.stdout == "going to sleep\n"  # shown in the output split
        assert job_status(sandbox_server, note.jobId) == "cancelled"
        assert any("cancelled" in m for m in nvim.messages())


async def test_second_run_of_a_running_file_replaces_it(
    vscode: LspSession, sandbox_server: Any
) -> None:
    uri = vscode.open("again.py", SLEEPER)
    await vscode.execute("unsandbox.runFile", uri)
    await wait_running(vscode)
    vscode.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text='print("fixed")\n')],
        )
    )
    await vscode.execute("unsandbox.runFile", uri)
    first = await vscode.wait_finished(1, timeout=10)
    second = await vscode.wait_finished(2, timeout=30)
    assert first.status == "cancelled"
    assert second.status == "completed"
    assert second.stdout == "fixed\n"
    assert job_status(sandbox_server, first.jobId) == "cancelled"
