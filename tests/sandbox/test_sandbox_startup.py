"""Start-up checks of `unsandbox-ls sandbox`: refusals with clear messages, the unsafe mode."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
from support.sandbox import SandboxServer, free_port, start_sandbox_server


def run_server(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Start the server expecting it to refuse: it must exit on its own, quickly."""
    argv = [sys.executable, "-m", "unsandbox_ls", "sandbox", "--port", str(free_port()), *args]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)


def clean_env() -> dict[str, str]:
    env = dict(os.environ)
    for name in ("UNSANDBOX_PUBLIC_KEY", "UNSANDBOX_SECRET_KEY", "UNSANDBOX_API_KEY"):
        env.pop(name, None)
    return env


def test_refuses_to_start_without_any_key() -> None:
    result = run_server(clean_env())
    assert result.returncode == 2
    assert "UNSANDBOX_PUBLIC_KEY" in result.stderr and "UNSANDBOX_SECRET_KEY" in result.stderr


def test_refuses_a_secret_without_its_public_key_and_never_prints_it() -> None:
    env = clean_env()
    env["UNSANDBOX_SECRET_KEY"] = "unsb-sk-" + os.urandom(8).hex()
    result = run_server(env)
    assert result.returncode == 2
    assert env["UNSANDBOX_SECRET_KEY"] not in result.stderr + result.stdout


def test_refuses_to_start_without_bubblewrap() -> None:
    env = clean_env()
    env["UNSANDBOX_API_KEY"] = "unsb-sk-" + os.urandom(8).hex()
    env["PATH"] = "/nonexistent"
    result = run_server(env)
    assert result.returncode == 2
    assert "bwrap" in result.stderr and "--unsafe-no-sandbox" in result.stderr


def test_unsafe_mode_warns_loudly_and_runs_jobs() -> None:
    server = start_sandbox_server(max_jobs=1, extra_args=("--unsafe-no-sandbox",))
    try:
        assert "WARNING" in server.output() and "WITHOUT ANY ISOLATION" in server.output()
        health = httpx.get(server.base_url + "/health", timeout=5).json()
        assert health["sandboxed"] is False
        data = server.execute("python", "print(open('in.txt').read())", input_files=[
            {"filename": "in.txt", "content": "dW5zYWZl"},
        ])  # fmt: skip
        assert data["stdout"] == "unsafe\n"
        timed = server.execute("bash", "sleep 20", ttl=1)
        assert timed["status"] == "timeout"
    finally:
        server.stop()


def test_server_output_never_contains_keys(sandbox_server: SandboxServer) -> None:
    sandbox_server.execute("bash", "echo hi")
    sandbox_server.request("GET", "/jobs/nope")
    text = sandbox_server.output()
    for key in (sandbox_server.secret_key, sandbox_server.api_key, sandbox_server.public_key):
        assert key not in text
