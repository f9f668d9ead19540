"""Artifacts are saved only when asked for, and never over a file of the user's.

`unsandbox-ls run` is run as a subprocess. The answers that carry artifacts nobody asked for,
a name that is taken, a dot-name or a name over 255 bytes come from the loopback fault server
(an API that answers as scripted); a compiled program's real artifact comes from the local
sandbox.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from support.fault_server import FaultServer, Reply

TIMEOUT = 120
LONG = "x" * 300 + ".bin"


def result_with(*artifacts: tuple[str, bytes]) -> dict[str, Any]:
    return {
        "job_id": "job-1",
        "status": "completed",
        "success": True,
        "stdout": "ran\n",
        "stderr": "",
        "exit_code": 0,
        "language": "python",
        "artifacts": [
            {"filename": name, "content_base64": base64.b64encode(data).decode()}
            for name, data in artifacts
        ],
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "Makefile").write_text("all:\n\techo mine\n")
    (root / "hello.py").write_text('print("ran")\n')
    return root


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    """No UNSANDBOX_* variable of this machine; HOME and the cache of the test's own."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSANDBOX_")}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(tmp_path / "cache"))
    return env


async def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "unsandbox_ls", *args,
        env=env, cwd=cwd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), TIMEOUT)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def api_env(base_env: dict[str, str], server: FaultServer) -> dict[str, str]:
    return {
        **base_env,
        "UNSANDBOX_BASE_URL": server.base_url,
        "UNSANDBOX_PUBLIC_KEY": "unsb-pk-test",
        "UNSANDBOX_SECRET_KEY": "unsb-sk-test",
    }


async def test_artifacts_nobody_asked_for_are_ignored_and_said(
    base_env: dict[str, str], project: Path
) -> None:
    unasked = result_with(("Makefile", b"pwned:\n"), ("conftest.py", b"import os\n"))
    async with FaultServer() as server:
        server.on("POST", "/execute", Reply(200, unasked))
        code, out, err = await run_cli(
            ["run", "--sync", "hello.py"], api_env(base_env, server), project
        )
    assert code == 0, err
    assert out == "ran\n"
    assert "the sandbox returned 2 artifacts that this run did not ask for; ignored" in err
    assert (project / "Makefile").read_text() == "all:\n\techo mine\n"
    assert sorted(p.name for p in project.iterdir()) == ["Makefile", "hello.py"]
    assert not (Path(base_env["XDG_CACHE_HOME"]) / "unsandbox-ls" / "artifacts").exists()


async def test_asked_for_artifacts_go_to_the_cache_not_the_working_folder(
    base_env: dict[str, str], project: Path, sandbox_server: Any
) -> None:
    (project / "hello.c").write_text('#include <stdio.h>\nint main(void) { puts("hi"); }\n')
    (project / "hello").write_text("my own notes\n")  # the name the binary would take
    env = {**base_env, **sandbox_server.env}
    code, out, err = await run_cli(["run", "--artifact", "hello.c"], env, project)
    assert code == 0, err
    assert out == "hi\n"
    assert (project / "hello").read_text() == "my own notes\n"
    assert sorted(p.name for p in project.iterdir()) == ["Makefile", "hello", "hello.c", "hello.py"]
    artifacts = Path(base_env["XDG_CACHE_HOME"]) / "unsandbox-ls" / "artifacts"
    (binary,) = artifacts.glob("*/hello")
    assert binary.read_bytes().startswith(b"\x7fELF") and os.access(binary, os.X_OK)
    assert f"saved artifact {binary}" in err


async def test_never_over_a_file_dot_names_renamed_long_names_cut(
    base_env: dict[str, str], project: Path
) -> None:
    out_dir = project / "out"
    out_dir.mkdir()
    (out_dir / "Makefile").write_text("mine\n")
    answer = result_with(
        ("Makefile", b"theirs\n"), (".bashrc", b"alias ls=rm\n"), (LONG, b"long"), ("ok", b"1")
    )
    async with FaultServer() as server:
        server.on("POST", "/execute", Reply(200, answer))
        args = ["run", "--sync", "--artifact", "--artifact-dir", "out", "hello.py"]
        code, _, err = await run_cli(args, api_env(base_env, server), project)
    assert code == 0, err
    assert (out_dir / "Makefile").read_text() == "mine\n"
    assert (out_dir / "Makefile (2)").read_text() == "theirs\n"
    assert "'Makefile' exists, saved as 'Makefile (2)'" in err
    assert not (out_dir / ".bashrc").exists()
    assert (out_dir / "bashrc").read_text() == "alias ls=rm\n"
    assert "renamed from '.bashrc': a name starting with a dot is not kept" in err
    (long,) = (p for p in out_dir.iterdir() if p.name.startswith("xxx"))
    assert len(os.fsencode(long.name)) == 255 and long.name.endswith(".bin")
    assert (out_dir / "ok").read_bytes() == b"1"  # the others are saved too
    assert sorted(p.name for p in project.iterdir()) == ["Makefile", "hello.py", "out"]


async def test_the_caches_artifacts_folder_is_pruned(
    base_env: dict[str, str], project: Path
) -> None:
    artifacts = Path(base_env["XDG_CACHE_HOME"]) / "unsandbox-ls" / "artifacts"
    old = time.time() - 86400
    for n in range(60):  # earlier runs' folders, oldest first
        folder = artifacts / f"old-{n:02d}"
        folder.mkdir(parents=True)
        (folder / "a.out").write_bytes(b"x")
        os.utime(folder, (old + n, old + n))
    async with FaultServer() as server:
        server.on("POST", "/execute", Reply(200, result_with(("a.out", b"new"))))
        args = ["run", "--sync", "--artifact", "hello.py"]
        code, _, err = await run_cli(args, api_env(base_env, server), project)
    assert code == 0, err
    left = sorted(p.name for p in artifacts.iterdir())
    assert len(left) == 50
    assert "old-00" not in left and "old-59" in left
    assert any(not name.startswith("old-") for name in left)  # this run's folder
