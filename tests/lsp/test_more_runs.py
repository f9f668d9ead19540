"""A shebang run (POST /run/async), a returned artifact saved locally, and diagnostics cleared
by an edit unless `clearOnChange` is off."""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types
from support.lsp_session import LspSession, start_session

C_PROGRAM = """\
// unsandbox: artifact=true
#include <stdio.h>
int main(void) { puts("compiled"); return 0; }
"""


async def test_shebang_run_lets_the_sandbox_pick_the_language(session: LspSession) -> None:
    text = '#!/usr/bin/env python3\nimport sys\nprint("via shebang", sys.version_info[0])\n'
    uri = session.open("tool", text, language_id="plaintext")
    if session.profile != "helix":
        assert await session.lens_titles(uri) == [
            session.title("▶ Run remotely"),
            session.title("▶ Run via shebang"),
        ]
    actions = await session.code_actions(uri, (0, 0), (0, 0))
    assert "source.unsandbox.run.shebang" in actions
    await session.run(actions["source.unsandbox.run.shebang"])
    note = await session.wait_finished()
    assert note.kind == "shebang"
    assert note.stdout == "via shebang 3\n"


async def test_artifact_is_saved_and_reported(layout_env: dict[str, str], workspace: Path) -> None:
    sandbox_env = layout_env  # in every job layout: the binary is built in the cwd
    options = {"unsandbox": {"artifactDirectory": "build"}}
    async with start_session("neovim", sandbox_env, workspace, init_options=options) as nvim:
        uri = nvim.open("hello.c", C_PROGRAM, language_id="c")
        result = await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert result["stdout"] == "compiled\n", result["stderr"]
        (artifact,) = result["artifacts"]
        assert artifact["filename"] == "hello"  # an executable is named after its program
        assert Path(artifact["path"]).parent == workspace / "build"
        assert os.path.getsize(artifact["path"]) == artifact["size"] > 0
        assert os.access(artifact["path"], os.X_OK)
        with open(artifact["path"], "rb") as binary:
            assert binary.read(4) == b"\x7fELF"


async def test_an_edit_clears_the_run_diagnostics_unless_disabled(vscode: LspSession) -> None:
    uri = vscode.open("boom.py", "x = 1\nraise ValueError('boom')\n")

    def edit(version: int) -> None:
        vscode.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangeWholeDocument(
                        text="x = 2\nraise ValueError('boom')\n"
                    )
                ],
            )
        )

    await vscode.execute("unsandbox.runFile", {"uri": uri, "wait": True})
    assert [d.range.start.line for d in vscode.client.diagnostics[uri]] == [1]
    edit(2)
    await vscode.wait_for(lambda: vscode.client.diagnostics[uri] == ())

    vscode.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"unsandbox": {"clearOnChange": False}})
    )
    await vscode.execute("unsandbox.runFile", {"uri": uri, "wait": True})
    edit(3)
    await vscode.lens_titles(uri)  # a round trip: the change has been handled
    assert [d.range.start.line for d in vscode.client.diagnostics[uri]] == [1]


RUST_MISMATCH = """\
fn main() {
    let count: i32 = "three";
    println!("{count}");
}
"""


async def test_rust_diagnostic_keeps_the_label_under_the_caret(vscode: LspSession) -> None:
    """rustc's `expected `i32`, found `&str`` is in the message (the hover); the summary and the
    result lens keep to the first line."""
    uri = vscode.open("mismatch.rs", RUST_MISMATCH, language_id="rust")
    await vscode.execute("unsandbox.runFile", uri)
    note = await vscode.wait_finished()
    assert note.language == "rust" and note.exitCode not in (0, None), note
    errors = [
        d for d in vscode.client.diagnostics[uri] if d.severity == types.DiagnosticSeverity.Error
    ]
    assert [d.range.start.line for d in errors] == [1], errors
    assert errors[0].message.split("\n")[:2] == [
        "mismatched types",
        "expected `i32`, found `&str`",
    ], errors[0].message
    assert note.summary.endswith(": mismatched types"), note.summary
    assert "\n" not in note.summary
