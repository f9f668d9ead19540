"""stdin and arguments through the language server, in each editor profile: a Python package
program (tests/hooks/programs/python) given `input.txt` and `5 --verbose` by the settings, and
"Run with arguments…" remembering a file's arguments for its later runs."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from support.lsp_session import PROFILES, start_session

PROGRAM = Path(__file__).resolve().parent.parent / "hooks" / "programs" / "python"
EXPECTED = "argv: app.py {args}\ntotal: 5\ndata: hello data\n"
STDIN_LINES = "stdin: line one\nstdin: line two\n"


def copy_program(workspace: Path) -> Path:
    shutil.copytree(PROGRAM, workspace, dirs_exist_ok=True)
    return workspace / "app.py"


@pytest.mark.parametrize("profile", PROFILES)
async def test_settings_give_stdin_and_arguments(
    profile: str, sandbox_env: dict[str, str], workspace: Path
) -> None:
    app = copy_program(workspace)
    options = {"unsandbox": {"stdin": "input.txt", "args": "5 --verbose", "inputFiles": ["*.txt"]}}
    async with start_session(profile, sandbox_env, workspace, init_options=options) as session:
        uri = session.open("app.py", app.read_text())
        note: Any = await session.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert note["stdout"] == EXPECTED.format(args="5 --verbose") + STDIN_LINES
        assert "(5 files, stdin: input.txt, args: 5 --verbose): exit 1" in note["summary"]
        assert "unsandbox-ls boot" not in note["stderr"]
        cart = (workspace / "shop" / "cart.py").as_uri()
        await session.wait_for(lambda: cart in session.client.diagnostics)
        errors = [d for d in session.client.diagnostics[cart] if d.severity == 1]
        assert [d.range.start.line for d in errors] == [5]
        if profile != "helix":
            titles = await session.lens_titles(uri)
            assert any("stdin: input.txt, args: 5 --verbose" in t for t in titles), titles


async def test_run_with_arguments_remembers_them(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    app = copy_program(workspace)
    options = {"unsandbox": {"inputFiles": ["data.txt"]}}
    async with start_session("neovim", sandbox_env, workspace, init_options=options) as nvim:
        uri = nvim.open("app.py", app.read_text())
        action = (await nvim.code_actions(uri, (0, 0), (0, 0)))["source.unsandbox.run.args"]
        assert action.command == "unsandbox.runWithArguments"
        asked = await nvim.execute(action.command, *(action.arguments or []))
        assert asked == {"needsArgs": True, "args": ""}  # the plugin asks, then sends them
        note = await nvim.execute(
            "unsandbox.runWithArguments", {"uri": uri, "args": "7 'a b'", "wait": True}
        )
        assert note["stdout"] == EXPECTED.format(args="7 a b")
        again = await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert again["stdout"] == EXPECTED.format(args="7 a b")  # remembered for the file
        asked = await nvim.execute("unsandbox.runWithArguments", {"uri": uri})
        assert asked == {"needsArgs": True, "args": "7 'a b'"}
        await nvim.execute("unsandbox.runWithArguments", {"uri": uri, "args": "", "wait": True})
        plain = await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert plain["stdout"] == "argv: app.py\ntotal: 5\ndata: hello data\n"


@pytest.mark.parametrize("prompts", [True, False], ids=["client-prompts", "no-prompt"])
async def test_asking_for_arguments_is_said_only_to_a_client_without_a_prompt(
    prompts: bool, sandbox_env: dict[str, str], workspace: Path
) -> None:
    """The VS Code extension and the Neovim plugin announce `{"unsandbox": {"arguments": true}}`
    and ask in their own input box; any other client is told how to give the arguments."""
    from support.lsp_session import capabilities_of

    app = copy_program(workspace)
    capabilities = capabilities_of("neovim")
    if prompts:
        capabilities.experimental = {"unsandbox": {"notices": True, "arguments": True}}
    async with start_session("neovim", sandbox_env, workspace, capabilities=capabilities) as nvim:
        uri = nvim.open("app.py", app.read_text())
        asked = await nvim.execute("unsandbox.runWithArguments", {"uri": uri})
        assert asked == {"needsArgs": True, "args": ""}
        await nvim.execute("unsandbox.listJobs")  # a later request: any message has arrived
        told = [m for m in nvim.messages() if "args=" in m]
        assert len(told) == (0 if prompts else 1), nvim.messages()
        if not prompts:
            assert "app.py" in told[0] and "unsandbox.args" in told[0]
