"""Results in place through the language server, in each client profile, against the local
sandbox: after a run of a program that prints in a loop and then fails inside a function of
another file, the print lines have inlay hints with what they printed and the failing line the
values of the names it uses; the hover shows the whole frame table; `runFinished.stdout` is what
the program printed; an edited line loses its hint; `inPlace: false` turns it all off."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from support.lsp_session import PROFILES, WAIT_S, LspSession, start_session

PROGRAMS = Path(__file__).resolve().parent.parent / "in_place" / "programs" / "python"
PRINTED = "left apple 3\nleft pear 0\ntaking a plum\n"
TIMES = "\N{MULTIPLICATION SIGN}"


def copy_program(workspace: Path) -> tuple[Path, Path]:
    shutil.copytree(PROGRAMS, workspace, dirs_exist_ok=True)
    return workspace / "orders.py", workspace / "stock.py"


async def in_place_hints(session: LspSession, uri: str) -> dict[int, str]:
    """Line → label of the hints that are not the result hint (Helix's line-1 result)."""
    answer = await asyncio.wait_for(
        session.client.text_document_inlay_hint_async(
            types.InlayHintParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(types.Position(0, 0), types.Position(50, 0)),
            )
        ),
        timeout=WAIT_S,
    )
    labels = {}
    for hint in answer or []:
        assert isinstance(hint.label, str)
        if not hint.label.startswith(("✗", "✓")):
            labels[hint.position.line] = hint.label
    return labels


async def hover(session: LspSession, uri: str, line: int) -> str | None:
    answer = await asyncio.wait_for(
        session.client.text_document_hover_async(
            types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 4))
        ),
        timeout=WAIT_S,
    )
    if answer is None:
        return None
    assert isinstance(answer.contents, types.MarkupContent)
    return answer.contents.value


#: per language: the program's and stock file's names, the hints, and what the hover of the
#: failing line holds (Python and Ruby: the frame's values; JavaScript: output at the line only)
LANGUAGES: dict[str, tuple[str, str, dict[int, str], dict[int, str], str]] = {
    "python": (
        "orders.py", "stock.py",
        {4: f"{TIMES}2 left pear 0", 5: "→ taking a plum", 6: "stock={'apple': 3, 'pear': 0}"},
        {2: "stock={'apple': 3, 'pear': 0}, item='plum', wanted=1"},
        "| `item` | `'plum'` |",
    ),
    "ruby": (
        "orders.rb", "stock.rb",
        {4: f"{TIMES}2 left pear 0", 6: "→ taking a plum"},
        {2: 'left=nil, stock={"apple"=>3, "pear"=>0}, item="plum", wanted=1'},
        '| `item` | `"plum"` |',
    ),
    "javascript": (
        "orders.js", "stock.js",
        {4: f"{TIMES}2 left pear 0", 6: "→ taking a plum"},
        {2: "RangeError: no plum in stock"},
        "**RangeError: no plum in stock**",
    ),
}  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("profile", PROFILES)
async def test_hints_at_the_print_line_and_the_values_at_the_failing_line(
    profile: str, language: str, sandbox_env: dict[str, str], workspace: Path
) -> None:
    main, other, main_hints, other_hints, in_hover = LANGUAGES[language]
    shutil.copytree(PROGRAMS.parent / language, workspace, dirs_exist_ok=True)
    orders, stock = workspace / main, workspace / other
    async with start_session(profile, sandbox_env, workspace) as session:
        uri = session.open(main, orders.read_text(), language_id=language)
        stock_uri = session.open(other, stock.read_text(), language_id=language)
        assert await in_place_hints(session, uri) == {}
        note: Any = await session.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert note["stdout"] == PRINTED
        assert "plum" in note["stderr"] and "unsandbox-ls" not in note["stderr"]

        assert await in_place_hints(session, uri) == main_hints
        assert await in_place_hints(session, stock_uri) == other_hints
        table = await hover(session, stock_uri, 2)
        assert table is not None and in_hover in table, table
        output = await hover(session, uri, 4)
        assert output is not None and "left apple 3\nleft pear 0\n" in output
        assert await hover(session, uri, 0) is None
        if language != "python":
            return

        # an edited line loses its hint; the others keep theirs
        lines = orders.read_text().split("\n")
        lines[5] = 'print("taking one plum")'
        session.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                content_changes=[types.TextDocumentContentChangeWholeDocument("\n".join(lines))],
            )
        )
        assert sorted(await in_place_hints(session, uri)) == [4, 6]

        # a new run replaces them all
        again: Any = await session.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert again["stdout"] == PRINTED.replace("a plum", "one plum")
        assert (await in_place_hints(session, uri))[5] == "→ taking one plum"


async def test_in_place_off_gives_no_hints_and_the_same_output(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    orders, _ = copy_program(workspace)
    options = {"unsandbox": {"inPlace": False}}
    async with start_session("neovim", sandbox_env, workspace, init_options=options) as nvim:
        uri = nvim.open("orders.py", orders.read_text())
        note: Any = await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert note["stdout"] == PRINTED
        assert await in_place_hints(nvim, uri) == {}
        assert await hover(nvim, uri, 4) is None


async def test_the_magic_word_turns_it_off_for_the_file(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    orders, _ = copy_program(workspace)
    text = "# unsandbox: inplace=false\n" + orders.read_text()
    async with start_session("visual-studio-code", sandbox_env, workspace) as vscode:
        uri = vscode.open("orders.py", text)
        note: Any = await vscode.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert note["stdout"] == PRINTED
        assert await in_place_hints(vscode, uri) == {}


async def test_a_program_ending_through_os_exit_gets_a_normal_result(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    copy_program(workspace)
    async with start_session("helix", sandbox_env, workspace) as helix:
        uri = helix.open("quits.py", (workspace / "quits.py").read_text())
        note: Any = await helix.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert note["exitCode"] == 3 and note["stdout"] == "step 0\nstep 1\nstep 2\n"
        assert "unsandbox-ls" not in note["stderr"]
        assert await in_place_hints(helix, uri) == {}
