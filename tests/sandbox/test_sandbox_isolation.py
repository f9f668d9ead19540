"""What a job cannot do: reach a network, outlive its ttl, exhaust the host, escape its directory.

Every check runs real hostile programs in the real sandbox and then checks that the server
still answers `/health`. Nothing here contacts another host: network checks only look at the
job's own interfaces and at connecting to a loopback port of the host.
"""

from __future__ import annotations

import concurrent.futures
import os
import shlex
import socket
import threading
import time

import httpx
from support.sandbox import SandboxServer


def healthy(server: SandboxServer) -> bool:
    return httpx.get(server.base_url + "/health", timeout=5).status_code == 200


def test_zerotrust_has_only_loopback_and_cannot_connect(sandbox_server: SandboxServer) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        code = (
            "import socket\n"
            f"s = socket.socket(); s.settimeout(2)\n"
            f"print(s.connect_ex(('127.0.0.1', {port})))\n"
            "print(open('/proc/net/dev').read().count(':'))\n"
        )
        data = sandbox_server.execute("python", code)
    lines = data["stdout"].split()
    assert lines[0] != "0", "zerotrust job reached a host loopback port"
    assert lines[1] == "1", "zerotrust job sees an interface other than lo"


def test_semitrusted_shares_the_host_network_namespace(sandbox_server: SandboxServer) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        accepted: list[bool] = []
        thread = threading.Thread(target=lambda: accepted.append(bool(listener.accept())))
        thread.start()
        code = (
            "import socket\n"
            f"print(socket.create_connection(('127.0.0.1', {port}), timeout=5) is not None)\n"
        )
        data = sandbox_server.execute("python", code, network_mode="semitrusted")
        thread.join(timeout=5)
    assert data["stdout"] == "True\n", data
    assert data["network_mode"] == "semitrusted" and accepted == [True]


def test_infinite_loop_dies_at_the_ttl(sandbox_server: SandboxServer) -> None:
    started = time.monotonic()
    data = sandbox_server.execute("python", "print('spin', flush=True)\nwhile True: pass", ttl=2)
    elapsed = time.monotonic() - started
    assert data["status"] == "timeout", data
    assert data["stdout"] == "spin\n" and data["success"] is False
    assert 1.8 < elapsed < 6
    assert "ttl" in data["error"]


def test_background_processes_die_with_the_job(sandbox_server: SandboxServer) -> None:
    code = "(sleep 30; echo leaked) & disown; setsid sleep 30 & echo parent-done"
    started = time.monotonic()
    data = sandbox_server.execute("bash", code, ttl=10)
    assert data["stdout"] == "parent-done\n"
    assert time.monotonic() - started < 5


def test_fork_bomb_is_contained(sandbox_server: SandboxServer) -> None:
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(sandbox_server.execute, "bash", ":(){ :|:& };:\nsleep 10", ttl=3)
        time.sleep(1.5)
        started = time.monotonic()
        assert healthy(sandbox_server)
        assert time.monotonic() - started < 3
        data = future.result(timeout=60)
    assert data["status"] in ("timeout", "completed")
    after = sandbox_server.execute("bash", "echo fine")
    assert after["stdout"] == "fine\n"


def test_memory_hog_is_contained(sandbox_server: SandboxServer) -> None:
    code = "chunks = []\nwhile True:\n    chunks.append(bytearray(100 * 1024 * 1024))\n"
    data = sandbox_server.execute("python", code, ttl=20)
    assert data["status"] == "completed" and data["exit_code"] != 0
    assert "MemoryError" in data["stderr"]
    assert healthy(sandbox_server)


def test_memory_spread_over_processes_is_contained(sandbox_server: SandboxServer) -> None:
    code = (
        "import os, time\n"
        "for _ in range(6):\n"
        "    if os.fork() == 0:\n"
        "        block = bytearray(500 * 1024 * 1024)\n"
        "        time.sleep(30)\n"
        "        os._exit(0)\n"
        "os.wait()\n"
    )
    started = time.monotonic()
    data = sandbox_server.execute("python", code, ttl=30)
    assert time.monotonic() - started < 15
    assert data["status"] == "failed", data
    assert "memory" in data["error"]
    assert healthy(sandbox_server)


def test_shared_memory_and_tmp_are_size_limited(sandbox_server: SandboxServer) -> None:
    code = (
        "for d in /dev/shm /tmp .; do\n"
        "  for i in 1 2 3 4 5; do head -c 60000000 /dev/zero > $d/f$i 2>/dev/null || break; done\n"
        "  du -sm $d | cut -f1\n"
        "done\n"
    )
    data = sandbox_server.execute("bash", code)
    shm, tmp, work = (int(x) for x in data["stdout"].split())
    assert shm <= 64 and tmp <= 256 and work <= 256, data


def test_huge_output_is_capped(sandbox_server: SandboxServer) -> None:
    code = "import sys\nsys.stdout.write('x' * (20 * 1024 * 1024))\nprint('tail')"
    data = sandbox_server.execute("python", code, ttl=30)
    assert data["exit_code"] == 0
    assert len(data["stdout"]) < 1024 * 1024 + 200
    assert data["stdout"].startswith("x" * 1000)
    assert "more bytes of stdout were discarded" in data["stdout"]
    assert data.get("output_truncated") is True


def test_system_is_read_only_and_the_job_runs_unprivileged(sandbox_server: SandboxServer) -> None:
    code = (
        "for p in /usr/x /etc/x /bin/x /x; do touch $p 2>/dev/null && echo wrote $p; done\n"
        "touch here && echo wrote-here\n"
        "touch /tmp/t && echo wrote-tmp\n"
        "id -u\n"
        "cat /etc/shadow >/dev/null 2>&1 && echo read-shadow\n"
        f"ls {shlex.quote(os.getcwd())} >/dev/null 2>&1 && echo sees-checkout\n"
    )
    data = sandbox_server.execute("bash", code)
    assert data["stdout"].split() == ["wrote-here", "wrote-tmp", "65534"], data


def test_jobs_do_not_share_files(sandbox_server: SandboxServer) -> None:
    sandbox_server.execute("bash", "echo secret > left-behind; echo x > /tmp/left-behind")
    data = sandbox_server.execute("bash", "ls -A; ls -A /tmp")
    assert "left-behind" not in data["stdout"]


def test_twenty_concurrent_runs_all_succeed(sandbox_server: SandboxServer) -> None:
    def run(i: int) -> str:
        data = sandbox_server.execute("python", f"print({i} * 2)")
        return str(data["stdout"])

    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        outputs = list(pool.map(run, range(20), timeout=120))
    assert outputs == [f"{i * 2}\n" for i in range(20)]
