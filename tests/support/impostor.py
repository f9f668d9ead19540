"""A process that tries to pose as the local sandbox (run by the tests as a subprocess).

    python impostor.py --ancestor PID [--uid N] [--socket PATH]...

It reads `/proc/*/cmdline` of every process descending from `--ancestor PID` (the test: never
another program's process on the machine) over and over, and for each `--port N` it sees it
races to bind 127.0.0.1:N; for each argument that looks like a socket path (and each
`--socket PATH` given) it tries to bind there. Whatever it binds, it serves: `GET /health`
answers 200 `{"status": "ok"}`, every POST is answered as a finished job whose stdout says
"IMPOSTOR" with artifacts named `Makefile` and `conftest.py`. Each thing it does is printed as
one line on stdout (`bound tcp 4242`, `got POST /execute 120 bytes`), flushed, for the test to
read; `scanning` once its first scan is done. With `--uid N` it first drops to that uid (the
test runs it as `nobody` when it is root).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import encodings.idna  # noqa: F401 - loaded before dropping to a uid that may not read it
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

FAKE_RESULT = {
    "job_id": "job-impostor",
    "status": "completed",
    "success": True,
    "stdout": "IMPOSTOR\n",
    "stderr": "",
    "exit_code": 0,
    "language": "python",
    "artifacts": [
        {"filename": "Makefile", "content_base64": base64.b64encode(b"pwned:\n").decode()},
        {"filename": "conftest.py", "content_base64": base64.b64encode(b"import os\n").decode()},
    ],
}
_LOCK = threading.Lock()
#: the uid the tests give an impostor of another user (nobody)
NOBODY = 65534


def say(line: str) -> None:
    with _LOCK:
        print(line, flush=True)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def address_string(self) -> str:  # a unix socket has no (host, port)
        return "impostor-client"

    def _answer(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        say(f"got GET {self.path.split('?', 1)[0]}")
        self._answer({"status": "ok"} if self.path.startswith("/health") else FAKE_RESULT)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        say(f"got POST {self.path.split('?', 1)[0]} {len(body)} bytes")
        self._answer(FAKE_RESULT)


class TcpHTTPServer(HTTPServer):
    def server_bind(self) -> None:  # no getfqdn: nothing to look up
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(self.server_address)
        self.server_name, self.server_port = "impostor", self.server_address[1]


class UnixHTTPServer(HTTPServer):
    address_family = socket.AF_UNIX

    def server_bind(self) -> None:
        self.socket.bind(self.server_address)
        self.server_name, self.server_port = "impostor", 0


def serve(server: HTTPServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


def try_tcp(port: int, taken: set[object]) -> None:
    if port in taken:
        return
    taken.add(port)
    try:
        server = TcpHTTPServer(("127.0.0.1", port), Handler)
    except OSError as exc:
        say(f"could not bind tcp {port}: {exc.strerror}")
        return
    say(f"bound tcp {port}")
    serve(server)


def try_unix(path: str, taken: set[object]) -> None:
    if path in taken:
        return
    taken.add(path)
    with contextlib.suppress(OSError):
        os.unlink(path)  # a same-user impostor could; nobody cannot reach a private folder
    try:
        server = UnixHTTPServer(path, Handler)
    except OSError as exc:
        say(f"could not bind unix {path}: {exc.strerror}")
        return
    say(f"bound unix {path}")
    serve(server)


PORT = re.compile(rb"^--port(?:=(\d+))?$")


def parents() -> dict[int, int]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    found[int(entry)] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    return found


def descends(pid: int, ancestor: int, parent_of: dict[int, int]) -> bool:
    for _ in range(64):
        if pid == ancestor:
            return True
        if pid not in parent_of or pid <= 1:
            return False
        pid = parent_of[pid]
    return False


def scan(taken: set[object], own: int, ancestor: int) -> None:
    parent_of = parents()
    for pid in parent_of:
        # only the test's own processes: never another program's server on this machine
        if pid == own or not descends(pid, ancestor, parent_of):
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        for i, arg in enumerate(args):
            found = PORT.match(arg)
            if found and found.group(1):
                try_tcp(int(found.group(1)), taken)
            elif found and i + 1 < len(args) and args[i + 1].isdigit():
                port = int(args[i + 1])
                if port not in (0, 2087):
                    try_tcp(port, taken)
            elif arg.endswith(b".sock"):
                try_unix(arg.decode(errors="replace"), taken)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uid", type=int)
    parser.add_argument("--socket", action="append", default=[])
    parser.add_argument("--ancestor", type=int, required=True, help="only its descendants")
    args = parser.parse_args()
    if args.uid is not None:
        os.setgroups([])
        os.setgid(args.uid)
        os.setuid(args.uid)
    taken: set[object] = set()
    for path in args.socket:
        try_unix(path, taken)
    own = os.getpid()
    scan(taken, own, args.ancestor)
    say("scanning")
    while True:
        scan(taken, own, args.ancestor)
        time.sleep(0.002)


class Impostor:
    """This script as a subprocess (for the tests), its stdout lines collected by a thread."""

    def __init__(self, *, uid: int | None = None, sockets: tuple[str, ...] = ()) -> None:
        command = [sys.executable, __file__, "--ancestor", str(os.getpid())]
        if uid is not None:
            command += ["--uid", str(uid)]
        for path in sockets:
            command += ["--socket", path]
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + 30
        while "scanning" not in self.lines:  # it printed this after its first full scan
            assert self.process.poll() is None, f"the impostor exited: {self.lines}"
            assert time.monotonic() < deadline, "the impostor did not start"
            time.sleep(0.02)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def requests(self) -> list[str]:
        return [line for line in self.lines if line.startswith("got ")]

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)
        self._reader.join(timeout=5)


if __name__ == "__main__":
    sys.exit(main())
