"""What runs is the buffer as it is now: unsaved text, a `%%` cell or a selection, with the
diagnostics mapped back to the buffer's own lines."""

from __future__ import annotations

from lsprotocol import types
from support.lsp_session import LspSession

CELLS = """\
# %% setup
prices = {"apple": 3}
print("setup ran")

# %% lookup
print("looking up")
print(prices["pear"])
"""


async def test_unsaved_buffer_text_is_what_runs(vscode: LspSession) -> None:
    uri = vscode.open("draft.py", 'print("from the buffer")\n', disk='print("from the disk")\n')
    await vscode.execute("unsandbox.runFile", uri)
    note = await vscode.wait_finished()
    assert note.stdout == "from the buffer\n"

    # an edit that is not saved either
    vscode.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="print(6 * 7)\n")],
        )
    )
    await vscode.execute("unsandbox.runFile", {"uri": uri})
    note = await vscode.wait_finished(2)
    assert note.stdout == "42\n"


async def test_cell_run_maps_diagnostics_to_buffer_lines(session: LspSession) -> None:
    uri = session.open("cells.py", CELLS)
    lenses = await session.code_lenses(uri)
    cell_lenses = [
        lens
        for lens in lenses
        if lens.command and lens.command.title == session.title("▶ Run cell")
    ]
    assert [lens.range.start.line for lens in cell_lenses] == [0, 4]

    # the code action offered with the cursor inside the second cell
    actions = await session.code_actions(uri, (5, 3), (5, 3))
    await session.run(actions["source.unsandbox.run.cell"])
    note = await session.wait_finished()

    assert note.kind == "cell"
    assert note.stdout == "looking up\n"  # the first cell did not run
    assert "NameError" in note.stderr
    (error,) = [
        d for d in session.client.diagnostics[uri] if d.severity == types.DiagnosticSeverity.Error
    ]
    assert error.range.start.line == 6
    assert "prices" in error.message


async def test_selection_run_keeps_its_line_offset(vscode: LspSession) -> None:
    text = 'print("not selected")\nx = 1\nprint("selected")\nprint(x / 0)\n'
    uri = vscode.open("sel.py", text)
    selection = {"start": {"line": 2, "character": 0}, "end": {"line": 4, "character": 0}}
    actions = await vscode.code_actions(uri, (2, 0), (4, 0), ["source.unsandbox.run"])
    assert "source.unsandbox.run.selection" in actions

    result = await vscode.execute(
        "unsandbox.runSelection", {"uri": uri, "range": selection, "wait": True}
    )
    assert result["kind"] == "selection"
    assert result["stdout"] == "selected\n"
    assert "NameError" in result["stderr"]  # x was defined outside the selection
    (error,) = [
        d for d in vscode.client.diagnostics[uri] if d.severity == types.DiagnosticSeverity.Error
    ]
    assert error.range.start.line == 3


async def test_empty_selection_is_refused_with_a_message(vscode: LspSession) -> None:
    uri = vscode.open("empty.py", "print(1)\n")
    point = {"line": 0, "character": 2}
    answer = await vscode.execute(
        "unsandbox.runSelection", {"uri": uri, "range": {"start": point, "end": point}}
    )
    assert answer["started"] is False
    assert any("select" in m for m in vscode.error_messages())
