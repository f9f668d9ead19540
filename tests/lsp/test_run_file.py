"""A file run from each editor profile: lens or code action → command → progress →
`unsandbox/runFinished` → diagnostics, against the local sandbox server in each of its variants
(flat, nested, pending /execute; tests/conftest.py)."""

from __future__ import annotations

import time

import pytest
from lsprotocol import types
from support.lsp_session import LspSession
from support.sandbox import SandboxServer


@pytest.fixture
def sandbox_server(sandbox_variant: SandboxServer) -> SandboxServer:
    """This module's tests run against every variant (`sandbox_env` follows it)."""
    return sandbox_variant


FAILING = """\
def total(order):
    return order["price"] * order["qty"]


print("starting")
total({"qty": 2})
"""


async def test_lens_command_progress_result_and_diagnostics(session: LspSession) -> None:
    uri = session.open("order.py", FAILING)
    lenses = await session.code_lenses(uri)
    assert await session.lens_titles(uri) == [session.title("▶ Run remotely")]
    assert lenses[0].range.start.line == 0

    if session.profile == "helix":  # no code lens in Helix: the picker sends no argument
        answer = await session.execute("unsandbox.runFile")
    else:
        answer = await session.run(lenses[0].command)
    assert answer["started"] is True
    note = await session.wait_finished()

    assert note.uri == uri
    assert note.runId == answer["runId"]
    assert note.kind == "file"
    # runStarted came first and already named the language (for `[Running] order.py · python`)
    started = session.started[0]
    assert (started.runId, started.kind, started.language) == (answer["runId"], "file", "python")
    assert note.language == "python"
    assert note.status == "completed"
    assert note.exitCode == 1
    assert note.stdout == "starting\n"
    assert "KeyError: 'price'" in note.stderr
    assert note.error is None
    assert note.durationMs > 0
    assert note.summary.startswith("order.py: exit 1 in ")
    assert note.summary.endswith("KeyError: 'price'")

    with open(note.logPath, encoding="utf-8") as log:
        assert "KeyError: 'price'" in log.read()

    # diagnostics: the error where it was raised, a hint at the caller
    diagnostics = session.client.diagnostics[uri]
    errors = [d for d in diagnostics if d.severity == types.DiagnosticSeverity.Error]
    assert [d.range.start.line for d in errors] == [1]
    assert "KeyError" in errors[0].message
    hints = [d for d in diagnostics if d.severity == types.DiagnosticSeverity.Hint]
    assert 5 in [d.range.start.line for d in hints]

    # the outcome is shown in a way every editor displays
    assert any(
        m.type == types.MessageType.Error and m.message == note.summary
        for m in session.client.messages
    )
    assert any("KeyError: 'price'" in m.message for m in session.client.log_messages)

    # progress: begin … end with a server-created token (all three profiles support it)
    assert len(session.client.progress_reports) == 1
    reports = session.progress()
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert reports[0].cancellable is True
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    assert reports[-1].message == "exit 1"

    # lens refresh only where the client advertises it; the result lens after the run
    refresh = session.profile == "visual-studio-code"
    assert bool(session.lens_refreshes) is refresh
    assert await session.lens_titles(uri) == [
        session.title("▶ Run remotely"),
        session.title("✗ exit 1 · KeyError: 'price'"),
    ]
    assert session.client.shown_documents == []


#: prints, is still running at the first poll, then fails with a traceback and exit code 3
JOB_PY = """\
# unsandbox: mode={mode}
import sys, time, traceback
print("working", flush=True)
time.sleep(0.4)
try:
    {{}}["price"]
except KeyError:
    traceback.print_exc()
    sys.exit(3)
"""


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_failing_program_in_either_mode(vscode: LspSession, mode: str) -> None:
    uri = vscode.open("job.py", JOB_PY.format(mode=mode))
    lenses = await vscode.code_lenses(uri)
    await vscode.run(lenses[0].command)
    note = await vscode.wait_finished()
    assert (note.status, note.exitCode, note.stdout) == ("completed", 3, "working\n")
    assert "KeyError: 'price'" in note.stderr and note.jobId
    errors = [
        d for d in vscode.client.diagnostics[uri] if d.severity == types.DiagnosticSeverity.Error
    ]
    assert [d.range.start.line for d in errors] == [5]
    assert "KeyError" in errors[0].message
    assert note.summary == vscode.error_messages()[-1]


async def test_code_action_path_and_timing(vscode: LspSession) -> None:
    uri = vscode.open("hello.py", 'print("hello from the sandbox")\n')
    actions = await vscode.code_actions(uri, (0, 0), (0, 0), ["source.unsandbox.run"])
    # no selection, no cell, nothing running: the file, and the file with arguments
    assert set(actions) == {"source.unsandbox.run.file", "source.unsandbox.run.args"}
    command = actions["source.unsandbox.run.file"]
    assert command.command == "unsandbox.runFile"

    started = time.monotonic()
    await vscode.run(command)
    note = await vscode.wait_finished()
    elapsed = time.monotonic() - started
    print(f"\ncommand → unsandbox/runFinished for a trivial program: {elapsed * 1000:.0f} ms")
    assert note.exitCode == 0
    assert note.stdout == "hello from the sandbox\n"
    assert vscode.client.diagnostics.get(uri, ()) == ()
    assert vscode.client.messages == []  # a success is no toast: the lens and the log say it
    assert any(m.message.startswith("hello.py: exit 0 in ") for m in vscode.client.log_messages)
    assert elapsed < 15
