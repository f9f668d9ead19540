"""Thousands of errors on one line come out folded and capped (issue 21, L5).

A loop on one line of a shell script runs a missing command 5,000 times: bash prints the same
`line 2: …: command not found` each time, or, with the loop's counter in the name, 5,000
different ones. Identical diagnostics become one with a count; a line carries at most
`MAX_PER_LINE`, the last saying how many more there were. Both scripts run in the local
sandbox and their stderr reaches the editor as it would in use.
"""

from __future__ import annotations

from pathlib import Path

from support.lsp_session import start_session

from unsandbox_ls.problems.lsp import MAX_PER_LINE, TIMES

SAME = 'echo start\nfor i in $(seq 5000); do nosuchcmd_same; done\necho "$?"\n'
DIFFERENT = 'echo start\nfor i in $(seq 5000); do "nosuchcmd_$i"; done\necho "$?"\n'


async def run_and_read(env: dict[str, str], workspace: Path, text: str) -> list[str]:
    async with start_session("neovim", env, workspace) as nvim:
        uri = nvim.open("loop.sh", text, language_id="sh")
        note = await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert note["status"] == "completed", note
        assert note["stderr"].count("command not found") == 5000, note["stderr"][-300:]
        await nvim.wait_for(lambda: nvim.client.diagnostics.get(uri))
        diagnostics = nvim.client.diagnostics[uri]
    assert {d.range.start.line for d in diagnostics} == {1}
    return [d.message for d in diagnostics]


async def test_identical_errors_on_one_line_become_one_with_a_count(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    messages = await run_and_read(sandbox_env, workspace, SAME)
    assert len(messages) == 1, messages[:3]
    assert messages[0].endswith(f"({TIMES}5000)"), messages
    assert "nosuchcmd_same: command not found" in messages[0]


async def test_a_line_carries_at_most_the_cap(sandbox_env: dict[str, str], workspace: Path) -> None:
    messages = await run_and_read(sandbox_env, workspace, DIFFERENT)
    assert len(messages) == MAX_PER_LINE, len(messages)
    assert all("command not found" in m for m in messages[:-1])
    assert messages[-1].startswith(f"… and {5000 - MAX_PER_LINE + 1} more on this line")
