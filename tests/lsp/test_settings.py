"""Settings from initializationOptions, workspace/didChangeConfiguration and the per-file magic
comment reach the request; invalid values give one message and keep the defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from support.lsp_session import LspSession, start_session

ENV_AND_SLEEP = """\
import os, sys, time
print(os.environ.get("GREETING", "unset"))
time.sleep(float(sys.argv[1]) if len(sys.argv) > 1 else float(os.environ.get("NAP", "0")))
"""


async def test_did_change_configuration_sets_env_and_ttl(vscode: LspSession) -> None:
    uri = vscode.open("greet.py", ENV_AND_SLEEP)
    result = await vscode.execute("unsandbox.runFile", {"uri": uri, "wait": True})
    assert result["stdout"] == "unset\n"

    vscode.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"unsandbox": {"env": {"GREETING": "hello", "NAP": "30"}, "ttl": 2}}
        )
    )
    result = await vscode.execute("unsandbox.runFile", {"uri": uri, "wait": True})
    assert result["stdout"] == "hello\n"
    assert result["status"] == "timeout"  # the 2 s ttl stopped the 30 s nap
    assert result["durationMs"] < 20_000


async def test_invalid_settings_give_one_message_and_keep_defaults(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    options = {"unsandbox": {"ttl": "soon", "networkMode": "open", "env": {"GREETING": "hi"}}}
    async with start_session(
        "visual-studio-code", sandbox_env, workspace, init_options=options
    ) as vscode:
        (message,) = vscode.error_messages()
        assert "unsandbox.ttl" in message and "unsandbox.networkMode" in message
        uri = vscode.open("greet.py", ENV_AND_SLEEP)
        result = await vscode.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert result["status"] == "completed"
        assert result["stdout"] == "hi\n"  # the valid key still applied


async def test_flat_initialization_options_and_magic_comment(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    (workspace / "data.csv").write_text("price\n3\n", encoding="utf-8")
    async with start_session(
        "neovim", sandbox_env, workspace, init_options={"env": {"GREETING": "flat"}}
    ) as nvim:
        bad = "# unsandbox: ttl=soon\nprint(1)\n"
        uri = nvim.open("magic.py", bad)
        result = await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert result["status"] == "error"
        assert "magic comment on line 1" in result["error"]
        assert "nothing was sent" in result["error"]
        assert result["jobId"] is None
        assert any("magic comment" in m for m in nvim.error_messages())

        good = (
            "# unsandbox: env.WHO=magic files=data.csv\n"
            "import os\n"
            'print(os.environ["GREETING"], os.environ["WHO"], open("data.csv").read().split()[1])\n'
        )
        nvim.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=good)],
            )
        )
        result = await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert result["stdout"] == "flat magic 3\n", result["stderr"]


async def test_unknown_language_names_the_language_map_setting(vscode: LspSession) -> None:
    uri = vscode.open("notes.txt", "hello\n", language_id="plaintext")
    result = await vscode.execute("unsandbox.runFile", {"uri": uri, "wait": True})
    assert result["status"] == "error"
    assert "unsandbox.languageMap" in result["error"]

    vscode.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"unsandbox": {"languageMap": {"txt": "bash"}}})
    )
    vscode.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="echo mapped\n")],
        )
    )
    result = await vscode.execute("unsandbox.runFile", {"uri": uri, "wait": True})
    assert result["language"] == "bash"
    assert result["stdout"] == "mapped\n"


async def test_vcpu_from_the_settings_and_the_magic_comment_reaches_the_sandbox(
    sandbox_env: dict[str, str], workspace: Path, sandbox_server: Any
) -> None:
    options = {"unsandbox": {"vcpu": 2, "returnWasmArtifact": True}}
    async with start_session("neovim", sandbox_env, workspace, init_options=options) as nvim:
        uri = nvim.open("cpus.py", "print('ok')\n")
        result = await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert result["stdout"] == "ok\n", result
        job = sandbox_server.request("GET", f"/jobs/{result['jobId']}").json()
        assert job["vcpu"] == 2
        uri = nvim.open("more.py", "# unsandbox: vcpu=6\nprint('ok')\n")
        result = await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        job = sandbox_server.request("GET", f"/jobs/{result['jobId']}").json()
        assert job["vcpu"] == 6
