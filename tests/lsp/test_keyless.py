"""A run before any key exists: with nothing configured, the server starts the local sandbox
itself, runs there, says so once, and stops the sandbox when it exits."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from lsprotocol import types
from support import keyless
from support.keyless import sandbox_children
from support.lsp_session import LspSession, capabilities_of, start_session

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orders.py"
PROFILES = ("visual-studio-code", "neovim", "helix")


@pytest.fixture
def keyless_env(tmp_path: Path) -> dict[str, str]:
    """A fresh profile: no UNSANDBOX_* variable and an empty HOME (no accounts.csv)."""
    return keyless.keyless_env(tmp_path)


def server_pid(session: LspSession) -> int:
    process = session.client._server  # the asyncio subprocess pytest-lsp started
    assert process is not None
    return int(process.pid)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


def notices(session: LspSession) -> list[str]:
    return [m for m in session.messages() if "local sandbox" in m and "no API keys" in m]


async def run_orders_from_the_lens(session: LspSession, count: int = 1) -> tuple[str, object]:
    uri = session.open("orders.py", EXAMPLE.read_text(encoding="utf-8"))
    if session.profile == "helix":  # no code lens in Helix: the code action
        actions = await session.code_actions(uri, (0, 0), (0, 0))
        await session.run(actions["source.unsandbox.run.file"])
    else:
        lenses = await session.code_lenses(uri)
        run = next(lens for lens in lenses if lens.command and "Run" in lens.command.title)
        await session.run(run.command)
    return uri, await session.wait_finished(count)


@pytest.mark.parametrize("profile", PROFILES)
async def test_a_fresh_profile_runs_orders_locally(
    profile: str, keyless_env: dict[str, str], workspace: Path
) -> None:
    async with start_session(profile, keyless_env, workspace) as session:
        uri, note = await run_orders_from_the_lens(session)
        assert note.status == "completed", note.error
        assert note.exitCode == 1
        assert "KeyError: 'price'" in note.stderr
        diagnostics = session.client.diagnostics[uri]
        primary = [d for d in diagnostics if d.severity == types.DiagnosticSeverity.Error]
        assert [(d.range.start.line + 1, d.message) for d in primary] == [(15, "KeyError: 'price'")]
        assert len(notices(session)) == 1
        assert session.message_requests == []

        (sandbox,) = sandbox_children(server_pid(session))
        await session.execute("unsandbox.runFile", uri)  # reuses it, says nothing again
        second = await session.wait_finished(2)
        assert second.exitCode == 1
        assert sandbox_children(server_pid(session)) == [sandbox]
        assert len(notices(session)) == 1
    assert wait_gone(sandbox), "the local sandbox outlived the language server"


async def test_the_sandbox_dies_with_a_killed_server(
    keyless_env: dict[str, str], workspace: Path
) -> None:
    async with start_session("neovim", keyless_env, workspace) as session:
        await run_orders_from_the_lens(session)
        pid = server_pid(session)
        (sandbox,) = sandbox_children(pid)
        os.kill(pid, signal.SIGKILL)
        assert wait_gone(sandbox), "the local sandbox outlived a killed language server"
        session.shut_down = True  # nothing left to shut down


async def test_no_toast_for_a_success_unless_asked(
    keyless_env: dict[str, str], workspace: Path
) -> None:
    async with start_session("visual-studio-code", keyless_env, workspace) as vscode:
        uri = vscode.open("ok.py", 'print("fine")\n')
        await vscode.execute("unsandbox.runFile", uri)
        note = await vscode.wait_finished()
        assert note.exitCode == 0 and note.summary.startswith("ok.py: exit 0")
        assert note.summary not in vscode.messages()
        assert note.summary in [m.message for m in vscode.client.log_messages][-1]

        vscode.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"unsandbox": {"notify": "always"}})
        )
        await asyncio.sleep(0.3)
        await vscode.execute("unsandbox.runFile", uri)
        again = await vscode.wait_finished(2)
        assert again.summary in vscode.messages()


async def test_hosted_without_keys_says_so_and_offers_the_local_sandbox(
    keyless_env: dict[str, str], workspace: Path
) -> None:
    options = {"unsandbox": {"backend": "hosted"}}
    async with start_session(
        "visual-studio-code", keyless_env, workspace, init_options=options
    ) as vscode:
        vscode.answer = "Use the local sandbox"
        uri = vscode.open("orders.py", EXAMPLE.read_text(encoding="utf-8"))
        await vscode.execute("unsandbox.runFile", uri)
        note = await vscode.wait_finished()
        assert note.status == "error"
        assert note.summary == "unsandbox: orders.py: no API keys found; nothing was sent."
        assert "UNSANDBOX_PUBLIC_KEY" in note.error and "accounts.csv" in note.error
        await vscode.wait_for(lambda: vscode.message_requests)
        assert vscode.actions_offered() == [["Use the local sandbox", "Show log"]]
        assert vscode.error_messages() == [note.summary]
        assert not any("no API keys" in m for m in vscode.messages())  # asked, not told twice
        assert note.error in [m.message for m in vscode.client.log_messages]
        await vscode.wait_for(
            lambda: any("now go to the local sandbox" in m for m in vscode.messages())
        )
        (switched,) = [m for m in vscode.messages() if "now go to the local sandbox" in m]
        assert 'unsandbox.backend setting to "local"' in switched

        await vscode.execute("unsandbox.runFile", uri)
        second = await vscode.wait_finished(2)
        assert second.status == "completed" and second.exitCode == 1
        assert notices(vscode) == []  # chosen, not a fallback: no notice


async def test_show_log_and_open_settings(keyless_env: dict[str, str], workspace: Path) -> None:
    capabilities = types.ClientCapabilities(
        window=types.WindowClientCapabilities(
            show_message=types.ShowMessageRequestClientCapabilities(),
            show_document=types.ShowDocumentClientCapabilities(support=True),
        ),
        experimental={"unsandbox": {"openSettings": True}},
    )
    options = {"unsandbox": {"backend": "hosted"}}
    async with start_session(
        "visual-studio-code", keyless_env, workspace, init_options=options,
        capabilities=capabilities,
    ) as vscode:  # fmt: skip
        vscode.answer = "Show log"
        uri = vscode.open("hello.py", "print(1)\n")
        await vscode.execute("unsandbox.runFile", uri)
        note = await vscode.wait_finished()
        await vscode.wait_for(lambda: vscode.message_requests)
        assert vscode.actions_offered() == [["Open settings", "Use the local sandbox", "Show log"]]
        await vscode.wait_for(lambda: len(vscode.client.shown_documents) == 1)
        (shown,) = vscode.client.shown_documents
        assert note.logPath and shown.uri == Path(note.logPath).as_uri()
        assert "UNSANDBOX_PUBLIC_KEY" in Path(note.logPath).read_text(encoding="utf-8")

        vscode.answer = "Open settings"
        await vscode.execute("unsandbox.runFile", uri)
        await vscode.wait_finished(2)
        await vscode.wait_for(lambda: len(vscode.opened_settings) == 1)
        assert vscode.opened_settings[0].query == "unsandbox"


async def test_helix_gets_the_sentence_as_a_message(
    keyless_env: dict[str, str], workspace: Path
) -> None:
    options = {"unsandbox": {"backend": "hosted"}}
    async with start_session("helix", keyless_env, workspace, init_options=options) as hx:
        hx.open("hello.py", "print(1)\n")
        await hx.execute("unsandbox.runFile")
        note = await hx.wait_finished()
        assert hx.message_requests == []
        assert hx.error_messages() == [note.summary]
        assert note.summary == "unsandbox: hello.py: no API keys found; nothing was sent."


async def test_without_bubblewrap_the_message_says_how_to_install_it(
    keyless_env: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    assert shutil.which("bwrap", path=str(bare)) is None
    env = {**keyless_env, "PATH": str(bare)}
    async with start_session("neovim", env, workspace) as nvim:
        nvim.open("hello.py", "print(1)\n")
        await nvim.execute("unsandbox.runFile")
        note = await nvim.wait_finished()
        assert note.status == "error"
        assert "apt-get install bubblewrap" in note.summary
        await nvim.wait_for(lambda: nvim.message_requests)
        assert nvim.error_messages() == [note.summary]
        assert nvim.actions_offered() == [["Show log"]]  # the local sandbox is what failed
        assert sandbox_children(server_pid(nvim)) == []


async def test_a_stopped_local_sandbox_is_named(
    keyless_env: dict[str, str], workspace: Path
) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **keyless_env,
        "UNSANDBOX_BASE_URL": f"http://127.0.0.1:{port}",
        "UNSANDBOX_PUBLIC_KEY": "unsb-pk-0000",
        "UNSANDBOX_SECRET_KEY": "unsb-sk-0000",
    }
    async with start_session("neovim", env, workspace) as nvim:
        nvim.open("hello.py", "print(1)\n")
        await nvim.execute("unsandbox.runFile")
        note = await nvim.wait_finished()
        assert note.summary == (
            f"unsandbox: hello.py: cannot connect to the local sandbox at http://127.0.0.1:{port}: "
            "it is not running; start it with `unsandbox-ls sandbox`."
        )
        await nvim.wait_for(lambda: nvim.message_requests)
        assert nvim.actions_offered() == [["Use the local sandbox", "Show log"]]


@pytest.mark.parametrize(
    ("profile", "how"),
    [
        ("visual-studio-code", "unsandbox.publicKey and unsandbox.secretKey in the settings"),
        ("neovim", "vim.lsp.config('unsandbox'"),
    ],
)
async def test_the_keyless_notice_goes_with_the_result_once_in_the_editors_words(
    profile: str, how: str, keyless_env: dict[str, str], workspace: Path
) -> None:
    """A client that shows runFinished's notice itself (the VS Code extension, the Neovim
    plugin) gets it once, in the run's result, naming its own way to set keys: no toast."""
    capabilities = capabilities_of(profile)
    capabilities.experimental = {"unsandbox": {"notices": True}}
    async with start_session(profile, keyless_env, workspace, capabilities=capabilities) as ed:
        uri = ed.open("ok.py", 'print("fine")\n')
        await ed.execute("unsandbox.runFile", uri)
        first = await ed.wait_finished()
        await ed.execute("unsandbox.runFile", uri)
        second = await ed.wait_finished(2)
    assert first.exitCode == 0 and "runs go to the local sandbox" in first.notice
    assert how in first.notice and "accounts.csv" in first.notice
    assert second.notice is None
    assert notices(ed) == [] and ed.message_requests == []
