"""▶ only where a file can run: no lens and no run action on JSON settings, on the server's own
run logs or on a view that is not a file; running one anyway gets one sentence and leaves no
history entry."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from support.lsp_session import LspSession

SETTINGS = '{\n  "unsandbox.ttl": 5\n}\n'


async def test_no_run_on_settings_files_or_the_servers_own_logs(session: LspSession) -> None:
    program = session.open("hello.py", "print('hello')\n")
    assert await session.lens_titles(program) == [session.title("▶ Run remotely")]
    finished = await session.execute("unsandbox.runFile", {"uri": program, "wait": True})
    assert finished["exitCode"] == 0

    settings = session.open("settings.json", SETTINGS, language_id="json")
    log_text = Path(finished["logPath"]).read_text(encoding="utf-8")
    log = Path(finished["logPath"]).as_uri()
    session.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=log, language_id="log", version=1, text=log_text
            )
        )
    )
    view = "output:extension-output-unsandbox-%231-Unsandbox"
    session.client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=view, language_id="python", version=1, text="print(1)\n"
            )
        )
    )
    for uri in (settings, log, view):
        assert await session.code_lenses(uri) == [], uri
        assert await session.code_actions(uri, (0, 0), (0, 0)) == {}, uri

    before = len(session.client.messages)
    for uri, why in (
        (settings, "settings.json holds data (JSON), not a program"),
        (log, "is one of unsandbox-ls's own records, not a program"),
    ):
        answer = await session.execute("unsandbox.runFile", {"uri": uri})
        assert answer["started"] is False and why in answer["error"], answer
    shown = [m.message for m in session.client.messages[before:]]
    assert len(shown) == 2 and all(m.count("unsandbox:") == 1 for m in shown), shown
    assert len(session.finished) == 1  # no runFinished for what did not run
    history = await session.execute("unsandbox.history")
    assert [r["file"].rsplit("/", 1)[-1] for r in history] == ["hello.py"], history
