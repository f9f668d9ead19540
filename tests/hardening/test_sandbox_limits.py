"""Per-job limits of the local sandbox that a job used to slip past.

* Memory held in memfds (not mapped, so not resident in any process) and files in the job's
  tmpfs mounts count against the job's memory limit: with a memory cgroup (when the server runs
  as root and one is writable) and with the measuring watchdog (the fallback, forced here with
  `UNSANDBOX_LS_SANDBOX_CGROUP=0`). Each job holds about 2.5 GiB under the 2 GiB limit, so it
  must be killed and reported. Detached SysV shared memory is counted only by a cgroup.
* `/artifacts` is bounded: the job cannot create files there, only fill the artifact files the
  compile step writes, each bounded by the 64 MiB file-size limit.
* bwrap's status pipe stays out of the job: no fd besides stdin, stdout and stderr is open.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from support.sandbox import SandboxServer, start_sandbox_server

from unsandbox_ls.sandbox import cgroups
from unsandbox_ls.sandbox.isolation import JOB_MEMORY_BYTES

#: 2.5 GiB in 32 MiB memfds (the file-size limit is 64 MiB), then a pause the job must not survive
MEMFD_HOG = f"""
import os, sys, time
chunk = b"x" * (32 << 20)
fds = []
for i in range({(JOB_MEMORY_BYTES + (512 << 20)) // (32 << 20)}):
    fd = os.memfd_create(f"hold-{{i}}")
    os.write(fd, chunk)
    fds.append(fd)
print("holding", len(fds) * 32, "MiB", flush=True)
time.sleep(4)
print("survived", flush=True)
"""


def _cgroup_modes() -> list[str]:
    modes = ["measured"]
    if os.geteuid() == 0 and cgroups.find_memory_cgroup_root() is not None:
        modes.append("cgroup")
    return modes


@dataclass
class Limited:
    server: SandboxServer
    #: "cgroup" (the kernel counts) or "measured" (the watchdog counts)
    mode: str


@pytest.fixture(scope="module", params=_cgroup_modes())
def limited(request: pytest.FixtureRequest) -> Iterator[Limited]:
    env = dict(os.environ)
    env[cgroups.ENV_SWITCH] = "1" if request.param == "cgroup" else "0"
    server = start_sandbox_server(max_jobs=1, env=env)
    root = cgroups.find_memory_cgroup_root()
    own = f"unsandbox-ls-{server.process.pid}-*"
    try:
        # the server really uses (or really does not use) a cgroup of its own
        made = list(root.path.glob(own)) if root else []
        assert len(made) == (1 if request.param == "cgroup" else 0), made
        yield Limited(server, request.param)
    finally:
        server.stop()
    assert not (root and list(root.path.glob(own))), "the server left its cgroup behind"


def assert_killed_at_the_memory_limit(server: SandboxServer, data: dict[str, Any]) -> None:
    assert "survived" not in data["stdout"], data["stdout"]
    assert data["status"] == "failed", (data["status"], data["stderr"][-500:])
    assert data["exit_code"] == 137 and not data["success"]
    limit_mib = JOB_MEMORY_BYTES // 2**20
    assert f"more than {limit_mib} MiB of memory" in data["stderr"], data["stderr"][-500:]
    assert "memory" in (data["error"] or "")
    ok = server.execute("python", "print(sum(range(10)))")
    assert ok["stdout"] == "45\n" and ok["status"] == "completed"


def test_memory_held_in_memfds_is_counted_and_the_job_is_killed(limited: Limited) -> None:
    data = limited.server.execute("python", MEMFD_HOG, ttl=30)
    assert_killed_at_the_memory_limit(limited.server, data)


#: 540 MiB of files in the tmpfs mounts, then two processes of 900 MiB each: 2.3 GiB in all,
#: though the processes' resident memory alone (1.8 GiB) stays under the limit
TMPFS_AND_PROCESSES = """
import os, time
mb = 1 << 20
block = b"t" * (60 * mb)
for where, count in (("/tmp", 4), ("/sandbox", 4), ("/dev/shm", 1)):
    for i in range(count):
        with open(f"{where}/fill{i}", "wb") as f:
            f.write(block)
del block
kids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        held = bytearray(900 * mb)
        time.sleep(6)
        os._exit(0)
    kids.append(pid)
print("filled", flush=True)
if all(os.waitpid(pid, 0)[1] == 0 for pid in kids):
    print("survived", flush=True)
"""


def test_files_in_tmpfs_count_against_the_memory_limit(limited: Limited) -> None:
    data = limited.server.execute("python", TMPFS_AND_PROCESSES, ttl=30)
    assert_killed_at_the_memory_limit(limited.server, data)


#: 2.5 GiB of SysV shared memory, each 512 MiB segment touched and then detached
SYSV_SHM_HOG = """
import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
libc.shmget.restype = ctypes.c_int
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.shmdt.argtypes = [ctypes.c_void_p]
size = 512 << 20
for i in range(5):
    segment = libc.shmget(0, ctypes.c_size_t(size), 0o1600)  # IPC_PRIVATE, IPC_CREAT | 0600
    assert segment >= 0, ctypes.get_errno()
    address = libc.shmat(segment, None, 0)
    ctypes.memset(address, 1, size)
    libc.shmdt(address)
print("holding", flush=True)
time.sleep(4)
print("survived", flush=True)
"""


def test_detached_sysv_shared_memory_counts_in_a_cgroup(limited: Limited) -> None:
    if limited.mode != "cgroup":
        pytest.skip("documented gap: the watchdog cannot see SysV segments no process attaches")
    data = limited.server.execute("python", SYSV_SHM_HOG, ttl=30)
    assert_killed_at_the_memory_limit(limited.server, data)


ARTIFACT_FILLER = r"""
#include <stdlib.h>
int main(void) {
    return system(
        "for i in 1 2 3; do "
        "  head -c 40M /dev/zero > /artifacts/extra$i 2>/dev/null && echo wrote extra$i; "
        "done; "
        "ls /artifacts; du -sk /artifacts | cut -f1");
}
"""


def test_artifacts_directory_is_bounded(sandbox_server: SandboxServer) -> None:
    data = sandbox_server.execute("c", ARTIFACT_FILLER, return_artifact=True, ttl=60)
    lines = data["stdout"].split()
    assert not [line for line in lines if line.startswith("wrote")], data["stdout"]
    assert lines[:-1] == ["main"], data["stdout"]
    assert int(lines[-1]) <= 64 * 1024, data["stdout"]
    assert [a["filename"] for a in data["artifacts"]] == ["main"]


FD_LISTER = """
import os
for fd in sorted(int(n) for n in os.listdir("/proc/self/fd")):
    try:
        target = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        continue  # the directory listing's own fd, closed by now
    print(fd, target)
    if fd > 2:
        try:
            os.write(fd, b'{"exit-code": 0}\\n')
            print(fd, "writable")
        except OSError:
            pass
"""


def test_status_pipe_is_out_of_reach_of_the_job(sandbox_server: SandboxServer) -> None:
    data = sandbox_server.execute("python", FD_LISTER)
    fds = [int(line.split()[0]) for line in data["stdout"].splitlines()]
    assert fds == [0, 1, 2], data["stdout"]
