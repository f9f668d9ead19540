"""A bare JSON-RPC client over stdio: messages are `json.loads`-ed and nothing more.

The per-run overhead figure times the server, so the client must cost as little as an editor's
native JSON reader: pygls's client turns every message into lsprotocol objects, which takes
longer than the server's own work for a small run. This one answers the server's requests
(progress tokens, lens refreshes, configuration) with empty results and records when each
notification arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import time
from pathlib import Path
from typing import Any

from benchmarks.lsp import ROOT, SERVER

WAIT_S = 120.0


class RawEditor:
    """One server process spoken to in raw JSON-RPC."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self.notifications: dict[str, list[tuple[float, Any]]] = {}
        self._reader = asyncio.ensure_future(self._read())

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def request(self, method: str, params: Any) -> Any:
        number = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[number] = future
        self._send({"id": number, "method": method, "params": params})
        return await asyncio.wait_for(future, WAIT_S)

    def notify(self, method: str, params: Any) -> None:
        self._send({"method": method, "params": params})

    async def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = await stream.readline()
                if not line:  # the server exited: fail whoever waits for an answer
                    for future in self._pending.values():
                        if not future.done():
                            future.set_exception(RuntimeError("the language server exited"))
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            message = json.loads(await stream.readexactly(length))
            arrived = time.time()
            if "method" in message and "id" in message:  # a request of the server's
                method = message["method"]
                result: Any = [{}] if method == "workspace/configuration" else None
                self._send({"id": message["id"], "result": result})
            elif "method" in message:
                self.notifications.setdefault(message["method"], []).append(
                    (arrived, message.get("params"))
                )
            elif message.get("id") in self._pending:
                future = self._pending.pop(message["id"])
                if "error" in message:
                    future.set_exception(RuntimeError(str(message["error"])))
                else:
                    future.set_result(message.get("result"))

    async def finished(self, run_id: str) -> tuple[float, Any]:
        deadline = time.monotonic() + WAIT_S
        while True:
            for arrived, params in self.notifications.get("unsandbox/runFinished", []):
                if params.get("runId") == run_id:
                    return arrived, params
            if time.monotonic() > deadline:
                raise TimeoutError(f"run {run_id} did not finish")
            await asyncio.sleep(0.0005)

    def open(self, path: Path, text: str) -> str:
        path.write_text(text, encoding="utf-8")
        uri = path.as_uri()
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": text}},
        )
        return uri


@contextlib.asynccontextmanager
async def raw_language_server(env: dict[str, str], init_options: Any) -> Any:
    process = await asyncio.create_subprocess_exec(
        *SERVER,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env=env,
        cwd=str(ROOT),
    )
    editor = RawEditor(process)
    try:
        await editor.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": ROOT.as_uri(),
                "initializationOptions": init_options,
                "capabilities": {
                    "window": {"workDoneProgress": True},
                    "workspace": {"codeLens": {"refreshSupport": True}},
                    "textDocument": {"codeLens": {}, "publishDiagnostics": {}},
                },
            },
        )
        editor.notify("initialized", {})
        yield editor
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(editor.request("shutdown", None), 15)
            editor.notify("exit", None)
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()
        editor._reader.cancel()
