"""A job's environment values never appear on any command line (issue 21, M1).

They used to reach bwrap as `--setenv KEY VALUE` arguments, which every local user can read in
`/proc/*/cmdline`. While a job that holds a random secret in its `env` sleeps, every process's
command line is read (as any local user could): the value must be in none of them, the job
must still see it, and the memfd that carried it must not stay open in the job.
"""

from __future__ import annotations

import os
import secrets
import threading
from typing import Any

import pytest
from support.sandbox import SandboxServer

from unsandbox_ls.sandbox import isolation

PROGRAM = """\
import os, time
print(os.environ["DB_PASSWORD"] == os.environ["EXPECTED"][::-1])
print(os.environ["ODD"] == "two\\nlines and =signs")
fds = []
for fd in sorted(int(n) for n in os.listdir("/proc/self/fd")):
    try:
        os.readlink(f"/proc/self/fd/{fd}")
        fds.append(fd)
    except OSError:
        pass  # the listing's own fd
print(fds)
time.sleep(4)
"""


def command_lines() -> list[bytes]:
    lines: list[bytes] = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    lines.append(f.read())
            except OSError:
                continue  # it ended meanwhile
    return lines


def test_job_env_values_are_on_no_command_line(sandbox_server: SandboxServer) -> None:
    if not isolation.bwrap_available():
        pytest.skip("the job's command lines are bwrap's: bubblewrap is not installed")
    secret = "pw-" + secrets.token_hex(16)
    env = {"DB_PASSWORD": secret, "EXPECTED": secret[::-1], "ODD": "two\nlines and =signs"}
    answer: dict[str, Any] = {}
    job = threading.Thread(
        target=lambda: answer.update(sandbox_server.execute("python", PROGRAM, env=env, ttl=30))
    )
    job.start()
    scans = bwrap_seen = 0
    while job.is_alive():
        lines = command_lines()
        scans += 1
        assert not [line for line in lines if secret.encode() in line], "the value is on a cmdline"
        assert not [line for line in lines if secret[::-1].encode() in line]
        # bwrap's options may all be in its `--args` memfd too (a job prepared ahead)
        bwrap_seen += sum(1 for line in lines if line.split(b"\0", 1)[0] == b"bwrap")
    job.join()
    assert answer["stdout"].splitlines() == ["True", "True", "[0, 1, 2]"], answer
    assert bwrap_seen > 0 and scans > 1  # the job's bwrap was running while the scans ran
