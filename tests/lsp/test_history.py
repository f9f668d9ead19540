"""Run history through the server (unsandbox.history, unsandbox.diffLastRun), shared with
`unsandbox-ls run`, and the result inlay hint for clients without code lenses (Helix)."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types
from support.lsp_session import WAIT_S, LspSession, start_session

FIRST = 'prices = {"apple": 3}\nprint("apple", prices["apple"])\n'
SECOND = 'prices = {"apple": 4}\nprint("apple", prices["apple"])\nprint(prices["price"])\n'


def cli_run(session: LspSession, env: dict[str, str], path: Path) -> None:
    """`unsandbox-ls run` with the server's cache folder, from the workspace folder."""
    done = subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", "run", str(path)],
        env={**env, "XDG_CACHE_HOME": str(session.workspace / ".cache")},
        cwd=session.workspace, capture_output=True, text=True, timeout=WAIT_S,
    )  # fmt: skip
    assert done.returncode == 1 and "KeyError" in done.stderr, done.stderr


async def run_and_wait(session: LspSession, uri: str) -> Any:
    return await session.execute("unsandbox.runFile", {"uri": uri, "wait": True})


async def hints(session: LspSession, uri: str) -> list[types.InlayHint]:
    answer = await asyncio.wait_for(
        session.client.text_document_inlay_hint_async(
            types.InlayHintParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(types.Position(0, 0), types.Position(10, 0)),
            )
        ),
        timeout=WAIT_S,
    )
    return list(answer or [])


async def test_history_lists_server_and_cli_runs_and_diffs_the_last_two(
    session: LspSession, sandbox_env: dict[str, str]
) -> None:
    uri = session.open("prices.py", FIRST)
    path = session.workspace / "prices.py"
    assert await session.execute("unsandbox.history", uri) == []

    first = await run_and_wait(session, uri)
    assert first["exitCode"] == 0
    path.write_text(SECOND)
    cli_run(session, sandbox_env, path)  # the CLI run of the saved file, between two server runs
    session.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=SECOND)],
        )
    )
    latest = await run_and_wait(session, uri)
    assert latest["exitCode"] == 1

    listed = await session.execute("unsandbox.history", {"uri": uri})
    assert [r["source"] for r in listed] == ["server", "cli", "server"]  # newest first
    assert [r["exitCode"] for r in listed] == [1, 1, 0]
    assert listed[0]["runId"] == latest["runId"] and listed[2]["runId"] == first["runId"]
    assert listed[0]["logPath"] == latest["logPath"] and Path(listed[1]["logPath"]).is_file()
    for record in listed:
        assert record["file"] == str(path.resolve()) and record["uri"].endswith("/prices.py")
        assert record["kind"] == "file" and record["language"] == "python"
        assert record["files"] == [] and record["durationMs"] > 0 and record["when"]
        assert "stdout" not in record
    assert await session.execute("unsandbox.history") == listed  # the workspace's runs

    diff = await session.execute("unsandbox.diffLastRun", uri)
    assert diff["uri"] == uri
    assert diff["latest"]["runId"] == latest["runId"]
    assert diff["previous"]["source"] == "cli"
    assert diff["previous"]["stdout"] == diff["latest"]["stdout"] == "apple 4\n"
    assert diff["previous"]["code"] == diff["latest"]["code"] == SECOND  # saved, then the buffer
    assert "KeyError: 'price'" in diff["latest"]["stderr"]
    assert diff["change"].startswith("exit 1 (unchanged) · ")

    again = await session.execute("unsandbox.diffLastRun", {"uri": uri})
    assert again == diff  # nothing changed in between: the same answer


# the parsers' headline is not stderr's last line here: atexit prints after the traceback
HELPERS = """\
import atexit
import sys

atexit.register(lambda: print("cleaning up", file=sys.stderr))


def price(order):
    return order["price"]
"""
ORDER = 'from helpers import price\n\nprint(price({"qty": 2}))\n'
#: what differs between two runs of the same program: when, how long, which job and log
TIMES = re.compile(r"(?:\d+ min )?\d+(?:\.\d+)? s\b")


def _alike(record: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in record.items() if k not in ("when", "durationMs", "jobId", "runId",
                                                          "logPath", "source")}  # fmt: skip
    kept["summary"] = TIMES.sub("T", kept["summary"])
    return kept


def _header(log_path: str) -> list[str]:
    head = Path(log_path).read_text(encoding="utf-8").split("\n\n", 1)[0]
    return [re.sub(r"job: \S+", "job: J", TIMES.sub("T", line)) for line in head.splitlines()]


async def test_the_server_and_the_cli_record_the_same_failure_alike(
    vscode: LspSession, sandbox_env: dict[str, str]
) -> None:
    (vscode.workspace / "helpers.py").write_text(HELPERS)
    uri = vscode.open("order.py", ORDER)
    served = await run_and_wait(vscode, uri)
    assert served["exitCode"] == 1 and served["stderr"].rstrip().endswith("cleaning up")
    cli_run(vscode, sandbox_env, vscode.workspace / "order.py")

    cli, server = await vscode.execute("unsandbox.history", {"uri": uri})  # newest first
    assert (cli["source"], server["source"]) == ("cli", "server")
    assert server["summary"].endswith(": KeyError: 'price'"), server["summary"]
    assert server["files"] == ["helpers.py"]
    assert _alike(cli) == _alike(server)
    assert _header(cli["logPath"]) == _header(server["logPath"])
    assert f"# sent: helpers.py = {vscode.workspace / 'helpers.py'}" in _header(cli["logPath"])


async def test_diff_of_a_file_run_once_says_why_not(session: LspSession) -> None:
    uri = session.open("once.py", FIRST)
    await run_and_wait(session, uri)
    answer = await session.execute("unsandbox.diffLastRun", uri)
    assert "run it twice" in answer["error"]
    await session.wait_for(lambda: any("run it twice" in m for m in session.messages()))


async def test_helix_gets_the_result_as_an_inlay_hint_on_line_1(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    async with start_session("helix", sandbox_env, workspace) as helix:
        uri = helix.open("order.py", 'order = {"qty": 2}\nprint(order["price"])\n')
        assert await hints(helix, uri) == []
        await helix.execute("unsandbox.runFile")  # Helix's picker sends no argument
        await helix.wait_finished()
        hint, values = await hints(helix, uri)  # and the failing line's values (in place)
        assert hint.label == "✗ exit 1 · KeyError: 'price'"
        assert values.label == "order={'qty': 2}" and values.position.line == 1
        assert hint.position == types.Position(0, len('order = {"qty": 2}'))
        assert hint.padding_left is True


async def test_a_lens_client_keeps_the_lens_and_gets_no_inlay_hint(vscode: LspSession) -> None:
    uri = vscode.open("order.py", 'order = {"qty": 2}\nprint(order["price"])\n')
    await run_and_wait(vscode, uri)
    # no result hint: only the failing line's values (results in place)
    assert [(h.position.line, h.label) for h in await hints(vscode, uri)] == [
        (1, "order={'qty': 2}")
    ]
    assert vscode.title("✗ exit 1 · KeyError: 'price'") in await vscode.lens_titles(uri)
