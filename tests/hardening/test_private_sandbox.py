"""The local sandbox that `unsandbox-ls run` starts cannot be impersonated, and it is shared.

Real processes only: the CLI is run as a subprocess with no keys anywhere (so it uses this
user's shared local sandbox), each test with a private runtime folder of its own
(`UNSANDBOX_LS_RUNTIME_DIR`); the impostor is `support/impostor.py`, a process that reads every
`/proc/*/cmdline` of the test's processes in a loop and races to bind whatever port or socket
it finds there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.cli import cli
from support.impostor import NOBODY, Impostor
from support.keyless import keyless_env, stop_shared_sandbox

from unsandbox_ls import private_dir

TIMEOUT = 120


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = keyless_env(tmp_path)
    try:
        yield env
    finally:
        stop_shared_sandbox(env)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with the user's own Makefile and a program to run."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "Makefile").write_text("all:\n\techo mine\n")
    (root / "hello.py").write_text('print("from the real sandbox")\n')
    return root


def runtime(env: dict[str, str]) -> Path:
    return Path(env["UNSANDBOX_LS_RUNTIME_DIR"])


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def processes() -> Iterator[tuple[int, int, bytes, bytes | None]]:
    """(pid, parent pid, cmdline, environ or None) of every process that can be read."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _read(f"/proc/{entry}/stat")
        cmdline = _read(f"/proc/{entry}/cmdline")
        if stat is None or cmdline is None:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        yield int(entry), ppid, cmdline, _read(f"/proc/{entry}/environ")


def sandboxes_of(env: dict[str, str]) -> set[int]:
    """The local sandbox processes serving this test's runtime folder."""
    marker = f"UNSANDBOX_LS_RUNTIME_DIR={env['UNSANDBOX_LS_RUNTIME_DIR']}".encode()
    return {
        pid
        for pid, _, cmdline, environ in processes()
        if b"unsandbox_ls" in cmdline
        and b"sandbox" in cmdline.split(b"\0")
        and environ is not None
        and marker in environ.split(b"\0")
    }


def alive(pid: int) -> bool:
    return private_dir.pid_alive(pid)


def wait_gone(pid: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


IMPOSTOR_UIDS = [None, NOBODY] if os.geteuid() == 0 else [None]


@pytest.mark.parametrize("uid", IMPOSTOR_UIDS, ids=lambda u: "same-user" if u is None else "nobody")
def test_an_impostor_reading_proc_gets_no_code_and_changes_no_file(
    uid: int | None, env: dict[str, str], project: Path
) -> None:
    impostor = Impostor(uid=uid)
    try:
        done = cli(["run", "hello.py"], env, project)
    finally:
        impostor.stop()
    assert impostor.requests() == [], f"the impostor was reached: {impostor.lines}"
    assert done.returncode == 0, done.stderr
    assert done.stdout == "from the real sandbox\n"
    assert (project / "Makefile").read_text() == "all:\n\techo mine\n"
    assert sorted(p.name for p in project.iterdir()) == ["Makefile", "hello.py"]


def test_no_command_line_names_the_socket_a_port_or_a_key(
    env: dict[str, str], project: Path
) -> None:
    (project / "slow.py").write_text("import time\ntime.sleep(3)\nprint('done')\n")
    folder = os.fsencode(env["UNSANDBOX_LS_RUNTIME_DIR"])
    run = subprocess.Popen(
        [sys.executable, "-m", "unsandbox_ls", "run", "slow.py"],
        env=env, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    family = {run.pid}  # the run's process tree
    seen: set[bytes] = set()  # every cmdline any of them had (a child's changes at exec)
    naming_the_folder: list[bytes] = []
    while run.poll() is None:
        for pid, ppid, cmdline, _ in sorted(processes()):
            if folder in cmdline:
                naming_the_folder.append(cmdline)
            if ppid in family or pid in family:
                family.add(pid)
                seen.add(cmdline)
        time.sleep(0.01)
    out, err = run.communicate(timeout=TIMEOUT)
    assert run.returncode == 0, err.decode()
    assert out == b"done\n"
    assert any(b"unsandbox_ls" in c and b"sandbox" in c.split(b"\0") for c in seen), seen
    assert naming_the_folder == []
    for cmdline in seen:
        parts = cmdline.split(b"\0")
        assert b"--port" not in parts and not any(p.startswith(b"--port=") for p in parts)
        assert not any(p.endswith(b".sock") for p in parts), cmdline
    state = private_dir.read_state(runtime(env))  # the keys the shared sandbox got
    assert state is not None
    for cmdline in seen:
        assert state.secret_key.encode() not in cmdline
        assert state.public_key.encode() not in cmdline


def test_a_second_run_reuses_the_sandbox_and_a_stale_socket_is_recovered(
    env: dict[str, str], project: Path
) -> None:
    first = cli(["run", "hello.py"], env, project)
    assert first.returncode == 0, first.stderr
    (pid,) = sandboxes_of(env)
    second = cli(["run", "hello.py"], env, project)
    assert second.returncode == 0, second.stderr
    assert second.stdout == "from the real sandbox\n"
    assert sandboxes_of(env) == {pid}, "the second run did not reuse the first run's sandbox"

    os.kill(pid, signal.SIGKILL)  # the socket file stays behind, nobody listening on it
    assert wait_gone(pid)
    assert (runtime(env) / "sandbox.sock").exists()
    third = cli(["run", "hello.py"], env, project)
    assert third.returncode == 0, third.stderr
    assert third.stdout == "from the real sandbox\n"
    (new,) = sandboxes_of(env)
    assert new != pid


def test_the_shared_sandbox_stops_when_idle_and_when_asked(
    env: dict[str, str], project: Path
) -> None:
    done = cli(["run", "hello.py"], {**env, "UNSANDBOX_LS_SANDBOX_IDLE": "3"}, project)
    assert done.returncode == 0, done.stderr
    (pid,) = sandboxes_of(env)
    assert wait_gone(pid), "the shared sandbox did not stop after its idle time"
    assert not (runtime(env) / "sandbox.sock").exists()
    assert not (runtime(env) / "sandbox.json").exists()

    done = cli(["run", "hello.py"], env, project)
    assert done.returncode == 0, done.stderr
    (pid,) = sandboxes_of(env)
    stop = cli(["sandbox", "--stop"], env, project)
    assert stop.returncode == 0, stop.stderr
    assert f"stopped the local sandbox (pid {pid})" in stop.stderr
    assert wait_gone(pid)
    again = cli(["sandbox", "--stop"], env, project)
    assert "no local sandbox was running" in again.stderr


def test_whatever_answers_without_the_proof_is_refused(env: dict[str, str], project: Path) -> None:
    folder = runtime(env)
    socket_path = str(folder / "sandbox.sock")
    impostor = Impostor(sockets=(socket_path,))
    try:  # the impostor took the socket and left keys that it does not hold the secret of
        state = private_dir.SandboxState(impostor.process.pid, "unsb-pk-x", "unsb-sk-y")
        private_dir.write_state(folder, state)
        done = cli(["run", "hello.py"], env, project)
    finally:
        impostor.stop()
    assert done.returncode == 69, done.stderr
    assert "did not prove that it holds the local sandbox's fresh secret" in done.stderr
    assert "nothing was sent" in done.stderr
    assert "IMPOSTOR" not in done.stdout
    assert [r for r in impostor.requests() if r.startswith("got POST")] == []
    assert sorted(p.name for p in project.iterdir()) == ["Makefile", "hello.py"]


def test_a_folder_others_may_enter_is_refused(env: dict[str, str], project: Path) -> None:
    folder = runtime(env)
    os.chmod(folder, 0o755)
    done = cli(["run", "hello.py"], env, project)
    assert done.returncode == 69, done.stderr
    assert f"{folder} has mode 0755: others may enter it" in done.stderr
    assert "from the real sandbox" not in done.stdout


def test_the_private_folder_rules(tmp_path: Path) -> None:
    shared = tmp_path / "runtime-of-all"
    shared.mkdir(mode=0o777)
    os.chmod(shared, 0o1777)
    cache = Path(tempfile.mkdtemp(prefix="c-"))  # short enough for a socket's address
    # an XDG_RUNTIME_DIR that others may write to is not used: the cache is
    chosen = private_dir.choose_dir({"XDG_RUNTIME_DIR": str(shared), "XDG_CACHE_HOME": str(cache)})
    assert chosen == cache / "unsandbox-ls" / "sandbox"
    mine = tmp_path / "runtime-of-mine"
    mine.mkdir(mode=0o700)
    assert private_dir.choose_dir({"XDG_RUNTIME_DIR": str(mine)}) == mine / "unsandbox-ls"
    deep = tmp_path / ("d" * 120)
    assert private_dir.choose_dir({"XDG_CACHE_HOME": str(deep)}) == Path(
        f"/tmp/unsandbox-ls-{os.geteuid()}"
    )  # a cache too deep for a socket's address: a short folder of this user's
    with pytest.raises(private_dir.PrivateDirError, match="too deep for a unix socket"):
        private_dir.private_dir({"UNSANDBOX_LS_RUNTIME_DIR": str(deep)})
    made = private_dir.private_dir({"UNSANDBOX_LS_RUNTIME_DIR": str(tmp_path / "new")})
    assert (os.stat(made).st_mode & 0o777) == 0o700
    link = tmp_path / "link"
    link.symlink_to(made)
    with pytest.raises(private_dir.PrivateDirError, match="is a symlink"):
        private_dir.private_dir({"UNSANDBOX_LS_RUNTIME_DIR": str(link)})
    if os.geteuid() == 0:
        theirs = tmp_path / "theirs"
        theirs.mkdir(mode=0o700)
        os.chown(theirs, NOBODY, NOBODY)
        with pytest.raises(private_dir.PrivateDirError, match="belongs to uid 65534"):
            private_dir.private_dir({"UNSANDBOX_LS_RUNTIME_DIR": str(theirs)})
