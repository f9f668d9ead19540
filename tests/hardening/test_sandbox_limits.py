"""Per-job limits of the local sandbox that a job used to slip past.

* Memory held in memfds (not mapped, so not resident in any process) counts against the job's
  memory limit: with a memory cgroup (when the server runs as root and one is writable) and
  with the measuring watchdog (the fallback, forced here with `UNSANDBOX_LS_SANDBOX_CGROUP=0`).
  The job holds 2.5 GiB under the 2 GiB limit, so it must be killed and reported.
* `/artifacts` is bounded: the job cannot create files there, only fill the artifact files the
  compile step writes, each bounded by the 64 MiB file-size limit.
* bwrap's status pipe stays out of the job: no fd besides stdin, stdout and stderr is open.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

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


@pytest.fixture(scope="module", params=_cgroup_modes())
def limited_server(request: pytest.FixtureRequest) -> Iterator[SandboxServer]:
    env = dict(os.environ)
    env["UNSANDBOX_LS_SANDBOX_CGROUP"] = "1" if request.param == "cgroup" else "0"
    server = start_sandbox_server(max_jobs=2, env=env)
    try:
        yield server
    finally:
        server.stop()


def test_memory_held_in_memfds_is_counted_and_the_job_is_killed(
    limited_server: SandboxServer,
) -> None:
    data = limited_server.execute("python", MEMFD_HOG, ttl=30)
    assert "survived" not in data["stdout"], data["stdout"]
    assert data["status"] == "failed", (data["status"], data["stderr"][-500:])
    assert data["exit_code"] == 137 and not data["success"]
    limit_mib = JOB_MEMORY_BYTES // 2**20
    assert f"more than {limit_mib} MiB of memory" in data["stderr"], data["stderr"][-500:]
    assert "memory" in (data["error"] or "")
    ok = limited_server.execute("python", "print(sum(range(10)))")
    assert ok["stdout"] == "45\n" and ok["status"] == "completed"


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
