"""A run's output while it runs: each piece the local sandbox shows reaches the editor as
`unsandbox/runOutput` before the run ends, and runFinished says the output was streamed."""

from __future__ import annotations

from pathlib import Path

from support.lsp_session import LspSession

PRINTER = """\
import time
for i in range(10):
    print(f"line {i}", flush=True)
    time.sleep(0.5)
raise SystemExit("the end " + str(len("x")))
"""

FAILS_LATE = """\
import time
print("working", flush=True)
time.sleep(1)
def fail():
    raise ValueError("late")
fail()
"""


async def test_a_program_printing_for_5_s_shows_its_lines_as_it_prints(
    session: LspSession,
) -> None:
    uri = session.open("long.py", PRINTER)
    answer = await session.execute("unsandbox.runFile", uri)
    note = await session.wait_finished()
    assert note.status == "completed" and note.exitCode == 1
    pieces = [(p, before) for p, before in session.outputs if p.runId == answer["runId"]]
    # the first line came in a piece of its own time: before the run ended, and before the
    # program printed its last lines
    first, finished_before = next((p, b) for p, b in pieces if "line 0" in p.stdout)
    assert finished_before == 0 and first.live is True and first.uri == uri
    assert "line 9" not in first.stdout
    assert len(pieces) >= 3
    assert all(p.live for p, _ in pieces)  # the local sandbox shows its output: never "at the end"
    # put together, the pieces are the whole output, each line once; runFinished says so
    assert "".join(p.stdout for p, _ in pieces) == note.stdout
    assert "".join(p.stderr for p, _ in pieces) == note.stderr
    assert note.stdout == "".join(f"line {i}\n" for i in range(10))
    assert note.streamed is True


async def test_the_traceback_after_streamed_output_names_the_local_file(
    session: LspSession, workspace: Path
) -> None:
    uri = session.open("late.py", FAILS_LATE)
    await session.execute("unsandbox.runFile", uri)
    note = await session.wait_finished()
    assert note.exitCode == 1 and note.streamed is True
    stderr = "".join(p.stderr for p, _ in session.outputs)
    assert "ValueError: late" in stderr
    assert f'File "{workspace / "late.py"}", line 5' in stderr
    assert "/sandbox/main.py" not in stderr


async def test_an_api_showing_no_output_while_running_is_said_once_and_in_the_progress(
    tmp_path: Path,
) -> None:
    """The hosted API's answers about a running job carry no output: the progress says the
    output comes when the run ends, and one `live: false` tells the editor so."""
    import os
    import secrets

    from support.fault_server import FaultServer, Reply
    from support.lsp_session import start_session

    running = {"job_id": "j1", "status": "running"}
    done = {"job_id": "j1", "status": "completed", "stdout": "hi\n", "exit_code": 0}
    async with FaultServer() as api:
        api.on("POST", "/execute/async", Reply(200, {"job_id": "j1", "status": "pending"}))
        api.on("GET", "/jobs/j1", *[Reply(200, running, delay=0.3)] * 3, Reply(200, done))
        home = tmp_path / "home"
        home.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNSANDBOX_")}
        env.update(
            HOME=str(home),
            UNSANDBOX_BASE_URL=api.base_url,
            UNSANDBOX_PUBLIC_KEY="unsb-pk-" + secrets.token_hex(8),
            UNSANDBOX_SECRET_KEY="unsb-sk-" + secrets.token_hex(16),
        )
        async with start_session("neovim", env, tmp_path) as session:
            uri = session.open("hosted.py", "# unsandbox: mode=async\nprint('hi')\n")
            await session.execute("unsandbox.runFile", uri)
            note = await session.wait_finished()
    assert note.status == "completed" and note.stdout == "hi\n" and note.streamed is False
    assert [(p.live, p.stdout, p.stderr) for p, _ in session.outputs] == [(False, "", "")]
    assert any(m.endswith("· output comes when the run ends") for m in session.progress_messages())
