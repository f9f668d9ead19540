"""A re-run of a file uses its learned run time: fewer polls, or one request when it is short.

The server's log (`-v --log-file`) says, per run, how it was sent and polled
(`run <id>: async, plan learned from 1 run (…), 3 polls, run time 1.23 s`); the run times
are kept in the user cache directory, so a new server process still knows them. The sleeper
asks for `mode=async` in its magic comment, so that its re-run is polled (in the default
`auto` mode a re-run expected to end within 5 s goes out as one `POST /execute`).
"""

from __future__ import annotations

import re
from pathlib import Path

from support.lsp_session import LspSession, start_session

SLEEPER = "# unsandbox: mode=async\nimport time\ntime.sleep(1.5)\nprint('slept')\n"
TRIVIAL = "print('hi')\n"
_RUN_LINE = re.compile(r"run (\S+): (\w+), (.*?), (\d+) polls, run time ([\d.]+|unknown)")


def plans(log: Path) -> dict[str, tuple[str, str, int]]:
    """run id → (mode, plan, polls) from the server's log."""
    found: dict[str, tuple[str, str, int]] = {}
    for match in _RUN_LINE.finditer(log.read_text(encoding="utf-8")):
        found[match[1]] = (match[2], match[3], int(match[4]))
    return found


async def run_once(session: LspSession, uri: str, count: int) -> str:
    answer = await session.execute("unsandbox.runFile", uri)
    note = await session.wait_finished(count)
    assert note.runId == answer["runId"] and note.status == "completed", note.summary
    return str(answer["runId"])


async def test_a_rerun_uses_the_learned_run_time(
    sandbox_env: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    log = tmp_path / "server.log"
    args = ("-v", "--log-file", str(log))
    async with start_session("visual-studio-code", sandbox_env, workspace, server_args=args) as s:
        slow = s.open("sleeper.py", SLEEPER)
        first = await run_once(s, slow, 1)
        second = await run_once(s, slow, 2)
        quick = s.open("hello.py", TRIVIAL)
        third = await run_once(s, quick, 3)
        fourth = await run_once(s, quick, 4)
    seen = plans(log)
    assert seen[first][:2] == ("async", "plan first run")
    assert seen[second][0] == "async" and seen[second][1].startswith("plan learned from 1 run")
    assert seen[second][2] < seen[first][2]
    assert seen[third][:2] == ("async", "plan first run")
    # a trivial file already run once: one POST /execute, no poll
    assert seen[fourth] == ("sync", "no poll", 0)

    # a new server process reads the run times back from the cache directory
    async with start_session("neovim", sandbox_env, workspace, server_args=args) as s:
        quick = s.open("hello.py", TRIVIAL)
        fifth = await run_once(s, quick, 1)
    assert plans(log)[fifth] == ("sync", "no poll", 0)
