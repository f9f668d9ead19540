"""A recognisable random secret never shows up anywhere the language server writes.

Checked over the whole fault matrix (shared with `test_fault_matrix.py`: a hostile server even
quotes the key back in its error bodies) and over a normal run against the local sandbox: the
server's stderr at `-vv`, every message and log message, notification, progress report,
diagnostic, command answer and every file under its cache directory (the per-run logs). Also:
plain http to a non-loopback host is refused before anything is sent, and credentials never
follow a redirect to another server.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from matrix_runner import FAULTS, Observed, editor_session, server_env
from support.fault_server import FaultServer, Reply
from support.sandbox import SandboxServer

WAIT_S = 60.0


@pytest.mark.parametrize("name", [fault.name for fault in FAULTS])
def test_no_fault_leaks_the_secret(matrix: dict[str, Observed], name: str) -> None:
    observed = matrix[name]
    assert observed.error is None, observed.error
    said = observed.everything()
    assert observed.stderr, "the server logged nothing at -vv: the check would prove nothing"
    assert observed.secret not in said
    # nor a recognisable piece of it (a truncated quote of the body)
    assert observed.secret[:24] not in said


def test_a_hostile_body_quoting_the_key_is_scrubbed(matrix: dict[str, Observed]) -> None:
    """The 401 and 500 fault bodies quote the key: the messages say `<hidden>` instead."""
    for name in ("401", "500"):
        observed = matrix[name]
        errors = [m.message for m in observed.messages if m.type == types.MessageType.Error]
        assert errors and all("<hidden>" in text for text in errors), errors


def collect_runs(client: Any) -> list[Any]:
    """The `unsandbox/runFinished` notifications the client receives, in order."""
    runs: list[Any] = []

    @client.feature("unsandbox/runFinished")
    def _finished(params: Any) -> None:
        runs.append(params)

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def _refresh(params: Any) -> None:
        return None

    return runs


async def _finished(client: Any, runs: list[Any], count: int) -> Any:
    async def poll() -> Any:
        while len(runs) < count:
            await asyncio.sleep(0.02)
        return runs[count - 1]

    return await asyncio.wait_for(poll(), WAIT_S)


def _everything(client: Any, runs: list[Any], root: Path, stderr: Path) -> str:
    parts = [m.message for m in client.messages] + [m.message for m in client.log_messages]
    parts += [repr(r) for r in runs]
    parts += [repr(r) for reports in client.progress_reports.values() for r in reports]
    parts += [repr(d) for ds in client.diagnostics.values() for d in ds]
    parts += [stderr.read_text(encoding="utf-8", errors="replace")]
    parts += [
        p.read_text(encoding="utf-8", errors="replace")
        for p in (root / "cache").rglob("*")
        if p.is_file()
    ]
    return "\n".join(parts)


async def test_a_normal_run_with_output_and_diagnostics_leaks_nothing(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    secret = sandbox_server.secret_key
    env = server_env(dict(os.environ), tmp_path, secret, bearer=False)
    env["UNSANDBOX_PUBLIC_KEY"] = sandbox_server.public_key
    options = {"unsandbox": {"baseUrl": sandbox_server.base_url}}
    stderr = tmp_path / "server.stderr"
    async with editor_session(env, tmp_path, options, stderr) as client:
        runs = collect_runs(client)
        path = tmp_path / "leaky.py"
        path.write_text("import os\nprint(sorted(os.environ))\nraise KeyError('price')\n")
        uri = path.as_uri()
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri, "python", 1, path.read_text())
            )
        )
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams("unsandbox.runFile", [uri])
        )
        note = await _finished(client, runs, 1)
        assert note.status == "completed" and note.exitCode == 1
        assert client.diagnostics.get(uri), "the run produced no diagnostic to check"
        assert note.logPath and Path(note.logPath).is_file()
        await asyncio.sleep(0.3)
        said = _everything(client, runs, tmp_path, stderr)
    assert "KeyError" in said
    assert secret not in said


async def _run_one_file(client: Any, runs: list[Any], path: Path) -> Any:
    """Open a one-line program, run it as the lens would, and wait for its runFinished."""
    path.write_text("print(1)\n")
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(path.as_uri(), "python", 1, "print(1)\n")
        )
    )
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams("unsandbox.runFile", [path.as_uri()])
    )
    note = await _finished(client, runs, 1)
    await asyncio.sleep(0.2)  # let the diagnostics and log messages that follow arrive
    return note


async def test_plain_http_to_a_remote_host_is_refused_before_sending(tmp_path: Path) -> None:
    secret = "HYGIENE" + secrets.token_hex(20)
    env = server_env(dict(os.environ), tmp_path, secret, bearer=True)
    # `.invalid` never resolves: even a client that tried could not reach anything
    options = {"unsandbox": {"baseUrl": "http://api.unsandbox.invalid"}}
    stderr = tmp_path / "server.stderr"
    async with editor_session(env, tmp_path, options, stderr) as client:
        runs = collect_runs(client)
        note = await _run_one_file(client, runs, tmp_path / "plain.py")
        said = _everything(client, runs, tmp_path, stderr)
    assert note.status == "error" and note.jobId is None
    assert "https" in note.error
    assert secret not in said


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_credentials_never_follow_a_redirect(tmp_path: Path, mode: str) -> None:
    secret = "HYGIENE" + secrets.token_hex(20)
    env = server_env(dict(os.environ), tmp_path, secret, bearer=True)
    stderr = tmp_path / "server.stderr"
    async with FaultServer() as first, FaultServer() as second:
        second.on("POST", "/execute", Reply(200, {"stdout": "stolen", "exit_code": 0}))
        second.on("POST", "/execute/async", Reply(200, {"job_id": "x", "status": "pending"}))
        for endpoint in ("/execute", "/execute/async"):
            location = {"Location": second.base_url + endpoint}
            first.on("POST", endpoint, Reply(307, b"", headers=location))
        options = {"unsandbox": {"baseUrl": first.base_url, "mode": mode}}
        async with editor_session(env, tmp_path, options, stderr) as client:
            runs = collect_runs(client)
            note = await _run_one_file(client, runs, tmp_path / "moved.py")
            said = _everything(client, runs, tmp_path, stderr)
        sent_to_first = first.requests
        sent_to_second = second.requests
    assert sent_to_first and sent_to_first[0].headers.get("authorization") == f"Bearer {secret}"
    assert sent_to_second == [], "the client followed the redirect"
    assert note.status == "error" and "redirect" in note.error.lower()
    # the refusal names where the redirect pointed by its host only (never the path or port)
    assert "(HTTP 307) to host '127.0.0.1'" in note.error
    assert str(second.port) not in note.error
    assert secret not in said
