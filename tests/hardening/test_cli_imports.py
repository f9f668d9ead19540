"""`unsandbox-ls run hello.py` loads only what a run needs, and starts no process.

A terminal or Helix (`:sh unsandbox-ls run --compact …`) pays the whole import time on every
run (see `python -m benchmarks --only cli_hello`): the language server, the sandbox server,
httpx's own command line and the problem parsers of other languages have no business there.
The probe runs a real hello world through `unsandbox_ls.cli.main` against the local sandbox
(a plain `http://` loopback URL, where no TLS connection is ever made, so no CA bundle is
loaded), then lists the loaded modules; an audit hook records every process it started.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from support.sandbox import SandboxServer

#: never loaded by a hello world run of Python with keys (prefix match on dotted names)
NOT_ON_THE_RUN_PATH = (
    "pygls",
    "lsprotocol",
    "cattrs",
    "starlette",
    "uvicorn",
    "click",
    "pygments",
    "httpx._main",
    "uuid",
    "unsandbox_ls.server",
    "unsandbox_ls.sandbox",
    "unsandbox_ls.problems.lsp",
    "unsandbox_ls.history_command",
    "unsandbox_ls.doctor",
)

#: the parsers of the languages this run is not in
OTHER_PARSERS = tuple(
    f"unsandbox_ls.problems.parsers.{path.stem}"
    for path in (
        Path(__file__).resolve().parents[2] / "unsandbox_ls" / "problems" / "parsers"
    ).glob("*.py")
    if path.stem not in ("__init__", "python", "python_spans", "shapes", "generic")
)

PROBE = """
import json, sys

spawned = []

def audit(event, args):
    if event in ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.fork", "os.system"):
        spawned.append(event)

sys.addaudithook(audit)

import ssl

loaded_cas = []
load_verify_locations = ssl.SSLContext.load_verify_locations

def counted(self, *args, **kwargs):
    loaded_cas.append(1)
    return load_verify_locations(self, *args, **kwargs)

ssl.SSLContext.load_verify_locations = counted

import socket

at_send = []
sendall = socket.socket.sendall

def recorded(self, data, *args, **kwargs):
    if not at_send and bytes(data[:5]) == b"POST ":  # loaded when the run's request went out
        at_send.append(sorted(name for name, module in sys.modules.items() if module is not None))
    return sendall(self, data, *args, **kwargs)

socket.socket.sendall = recorded
from unsandbox_ls.cli import main

status = main(["run", *sys.argv[2:]])
with open(sys.argv[1], "w", encoding="utf-8") as out:
    modules = sorted(name for name, module in sys.modules.items() if module is not None)
    report = {"status": status, "modules": modules, "spawned": spawned, "at_send": at_send[:1]}
    json.dump({**report, "ca_bundles": len(loaded_cas)}, out)
"""


def probe(env: dict[str, str], cwd: Path, *args: str) -> tuple[str, dict[str, object]]:
    """The run's stdout and the probe's report (exit status, modules, processes started)."""
    report = cwd / "report.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(report), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    data: dict[str, object] = json.loads(report.read_text(encoding="utf-8"))
    return done.stdout, {**data, "stderr": done.stderr}


def unwanted(modules: list[str]) -> list[str]:
    banned = NOT_ON_THE_RUN_PATH + OTHER_PARSERS
    return [m for m in modules if any(m == b or m.startswith(b + ".") for b in banned)]


@pytest.mark.parametrize("flags", [[], ["--compact"], ["--json"]], ids=["plain", "compact", "json"])
@pytest.mark.parametrize("fails", [False, True], ids=["hello", "traceback"])
def test_a_hello_world_run_loads_only_the_run_path(
    sandbox_server: SandboxServer, tmp_path: Path, flags: list[str], fails: bool
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    code = 'print("hello")\n' + ("1 / 0\n" if fails else "")
    (tmp_path / "hello.py").write_text(code, encoding="utf-8")
    env = {**sandbox_server.env, "HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    stdout, data = probe(env, tmp_path, *flags, "hello.py")
    if flags == ["--json"]:
        assert json.loads(stdout)["stdout"] == "hello\n"
    elif flags == ["--compact"]:
        assert stdout.startswith("hello\n\n"), stdout
    else:
        assert stdout == "hello\n"
    modules = data["modules"]
    assert isinstance(modules, list)
    assert data["status"] == (1 if fails and flags != ["--compact"] else 0)
    assert "unsandbox_ls.api.client" in modules, "the probe did not run"
    assert "unsandbox_ls.runs.outcome" in modules, "the output was not read"
    if fails:
        assert "unsandbox_ls.problems.parsers.python" in modules, "the traceback was not read"
    assert unwanted(modules) == []
    assert data["ca_bundles"] == 0, "a CA bundle was loaded for a plain loopback http:// URL"


@pytest.mark.parametrize("imports_local", [True, False], ids=["local-import", "no-import"])
def test_a_run_starts_no_process_and_reads_ignore_rules_only_when_needed(
    sandbox_server: SandboxServer, tmp_path: Path, imports_local: bool
) -> None:
    """Not even in a git repository, with a local module imported (ignore rules are read, not
    asked of git); a program importing nothing local does not read them, nor load pathspec."""
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "repo"
    (work / ".git" / "info").mkdir(parents=True)
    (work / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (work / ".gitignore").write_text("*.log\n", encoding="utf-8")
    (work / "helper.py").write_text('WORD = "hello"\n', encoding="utf-8")
    code = "from helper import WORD\nprint(WORD)\n" if imports_local else 'print("hello")\n'
    (work / "hello.py").write_text(code, encoding="utf-8")
    env = {**sandbox_server.env, "HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    stdout, data = probe(env, work, "hello.py")
    assert stdout == "hello\n"
    assert data["status"] == 0
    assert data["spawned"] == [], "a run started a process"
    modules = data["modules"]
    assert isinstance(modules, list)
    assert ("pathspec" in modules) is imports_local, (
        "ignore rules read when not needed, or not read"
    )


def test_a_keyless_run_reusing_the_shared_sandbox_loads_no_ca_bundle_nor_the_server(
    tmp_path: Path,
) -> None:
    """No keys: the first run starts the user's shared sandbox, the second reuses it through
    its unix socket (signed /health, then the run): no CA bundle for either transport, and
    neither the sandbox server nor the language server is loaded."""
    from support.keyless import keyless_env, stop_shared_sandbox

    env = {**keyless_env(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    (tmp_path / "hello.py").write_text('print("hello")\n', encoding="utf-8")
    try:
        first_out, first = probe(env, tmp_path, "hello.py")
        assert first["status"] == 0 and first_out == "hello\n"
        stdout, data = probe(env, tmp_path, "hello.py")
    finally:
        stop_shared_sandbox(env)
    assert stdout == "hello\n"
    assert data["status"] == 0
    assert data["ca_bundles"] == 0, "a CA bundle was loaded for the unix-socket transports"
    modules = data["modules"]
    assert isinstance(modules, list)
    allowed = ("unsandbox_ls.sandbox", "unsandbox_ls.sandbox.auth")  # the health proof
    assert unwanted([m for m in modules if m not in allowed]) == []


#: never loaded by a run that goes as one request (the file's recent runs were short); not ssl,
#: which the probe itself imports to count the CA bundles loaded
NOT_ON_THE_QUICK_PATH = ("asyncio", "httpx", "httpcore", "anyio", "http.client", "email")
#: not loaded before its request is sent (see `unsandbox_ls/records.py`); what shows the result
#: may load them while the sandbox runs the job
NOT_BEFORE_THE_REQUEST = ("dataclasses", "inspect", "h11")


@pytest.mark.parametrize("keyless", [False, True], ids=["keys", "keyless"])
@pytest.mark.parametrize("fails", [False, True], ids=["hello", "traceback"])
def test_a_repeated_short_run_goes_without_asyncio_or_httpx(
    sandbox_server: SandboxServer, tmp_path: Path, keyless: bool, fails: bool
) -> None:
    """The first run of a file is submitted and polled (its run time is not known yet); the
    next, known to be short, goes as one request through the quick path: the same output and
    status, without asyncio, httpx or `http.client`, to the sandbox with keys and to the shared
    one."""
    from support.keyless import keyless_env, stop_shared_sandbox

    home = tmp_path / "home"
    home.mkdir()
    code = 'print("hello")\n' + ("1 / 0\n" if fails else "")
    (tmp_path / "hello.py").write_text(code, encoding="utf-8")
    if keyless:
        env = {**keyless_env(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    else:
        env = {**sandbox_server.env, "HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    try:
        first_out, first = probe(env, tmp_path, "hello.py")
        stdout, data = probe(env, tmp_path, "hello.py")
    finally:
        if keyless:
            stop_shared_sandbox(env)
    assert stdout == first_out == "hello\n"
    assert data["stderr"] == first["stderr"]  # the traceback's lines and the problem line
    if fails:
        assert "hello.py:2:" in str(data["stderr"]), data["stderr"]
    assert data["status"] == first["status"] == (1 if fails else 0)
    assert "unsandbox_ls.api.client" in first["modules"], "the first run was not polled"  # type: ignore[operator]
    modules = data["modules"]
    assert isinstance(modules, list)
    assert "unsandbox_ls.runs.outcome" in modules, "the output was not read"
    loaded = [
        m for m in modules if any(m == b or m.startswith(b + ".") for b in NOT_ON_THE_QUICK_PATH)
    ]
    assert loaded == [], "the quick path loaded the full client's stack"
    (before_sending,) = data["at_send"]  # type: ignore[misc]
    early = [m for m in before_sending if m in NOT_BEFORE_THE_REQUEST]
    assert early == [], "the request waited for modules it does not need"
    assert data["spawned"] == [], "a run started a process"
