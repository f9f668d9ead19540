"""Start the project's local sandbox server (`python -m unsandbox_ls sandbox`) for tests.

    server = start_sandbox_server(max_jobs=1)      # fresh random keys, free loopback port
    try:
        response = server.request("POST", "/execute", {"language": "python", "code": "print(1)"})
        subprocess.run([...], env=server.env)        # UNSANDBOX_* set for a language server
    finally:
        server.stop()

The session fixture `sandbox_server` (tests/conftest.py) is one such server shared by all tests.
Keys are random on every start (`secrets`); nothing here prints them.
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from typing import IO, Any

import httpx

from unsandbox_ls.api.signing import sign

STARTUP_TIMEOUT = 30.0
#: why a run in a job layout is expected to fail today (tests/conftest.py, `NEEDS_STARTUP_HOOK`)
HOOK_REASON = "issue 17: needs the start-up hook"


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM when the test process dies, even by SIGKILL."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def random_keys() -> tuple[str, str, str]:
    """(public key, secret key, bearer api key), shaped like real ones but random."""
    return (
        "unsb-pk-" + "-".join(secrets.token_hex(2) for _ in range(4)),
        "unsb-sk-" + "-".join(secrets.token_hex(3) for _ in range(4)),
        "unsb-sk-" + secrets.token_hex(16),
    )


def signed_headers(
    public_key: str, secret_key: str, method: str, path_with_query: str, body: bytes, *,
    timestamp: str | None = None,
) -> dict[str, str]:  # fmt: skip
    ts = timestamp if timestamp is not None else str(int(time.time()))
    return {
        "Authorization": f"Bearer {public_key}",
        "X-Timestamp": ts,
        "X-Signature": sign(secret_key, ts, method, path_with_query, body),
    }


@dataclass
class SandboxServer:
    """A running sandbox server subprocess and what a test needs to talk to it."""

    base_url: str
    public_key: str
    secret_key: str = field(repr=False)
    api_key: str = field(repr=False)
    process: subprocess.Popen[bytes] = field(repr=False)
    log: IO[bytes] = field(repr=False)
    #: the variant of tests/conftest.py this server serves ("flat", "nested", "pending")
    variant: str = "flat"
    #: its job layout ("docs", "hosted", "hosted-code-cwd"), and whether `/` in names is refused
    layout: str = "docs"
    flat_names: bool = False

    @property
    def env(self) -> dict[str, str]:
        """os.environ plus the UNSANDBOX_* variables that point a subprocess at this server."""
        env = dict(os.environ)
        env.pop("UNSANDBOX_API_KEY", None)
        env.pop("UNSANDBOX_ACCOUNT", None)
        env.update(
            UNSANDBOX_BASE_URL=self.base_url,
            UNSANDBOX_PUBLIC_KEY=self.public_key,
            UNSANDBOX_SECRET_KEY=self.secret_key,
        )
        return env

    def headers(self, method: str, path_with_query: str, body: bytes = b"") -> dict[str, str]:
        return signed_headers(self.public_key, self.secret_key, method, path_with_query, body)

    def request(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        content: bytes | None = None,
        timeout: float = 120.0,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A synchronous HMAC-signed request; `payload` is sent as compact JSON."""
        if content is None:
            content = b"" if payload is None else json.dumps(payload).encode()
        all_headers = self.headers(method, path, content)
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        return httpx.request(
            method, self.base_url + path, content=content, headers=all_headers, timeout=timeout
        )

    def execute(self, language: str, code: str, **options: Any) -> dict[str, Any]:
        """`POST /execute` and the decoded job object (asserts HTTP 200)."""
        response = self.request("POST", "/execute", {"language": language, "code": code, **options})
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


def start_sandbox_server(
    *,
    max_jobs: int = 4,
    api_key: bool = True,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    timeout: float = STARTUP_TIMEOUT,
) -> SandboxServer:
    """Start a server with fresh random keys on a free port and wait for `/health`."""
    public, secret, bearer = random_keys()
    port = free_port()
    child_env = dict(os.environ if env is None else env)
    for name in ("UNSANDBOX_PUBLIC_KEY", "UNSANDBOX_SECRET_KEY", "UNSANDBOX_API_KEY"):
        child_env.pop(name, None)
    child_env["UNSANDBOX_PUBLIC_KEY"] = public
    child_env["UNSANDBOX_SECRET_KEY"] = secret
    if api_key:
        child_env["UNSANDBOX_API_KEY"] = bearer
    argv = [
        sys.executable, "-m", "unsandbox_ls", "sandbox",
        "--host", "127.0.0.1", "--port", str(port), "--max-jobs", str(max_jobs), *extra_args,
    ]  # fmt: skip
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by SandboxServer.stop)
    process = subprocess.Popen(
        argv, env=child_env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
    )
    server = SandboxServer(
        f"http://127.0.0.1:{port}", public, secret, bearer if api_key else "", process, log
    )
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            text = server.output()
            server.stop()
            raise RuntimeError(f"the sandbox server exited with {process.returncode}:\n{text}")
        try:
            if httpx.get(server.base_url + "/health", timeout=1.0).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"the sandbox server did not answer /health within {timeout} s")
        time.sleep(0.05)
