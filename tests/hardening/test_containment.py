"""The local sandbox under load: hostile jobs at once, a cancelled job freeing its slot.

`tests/sandbox/test_isolation.py` checks each hostile program alone (fork bomb, memory hog,
huge output, 20 concurrent hello worlds). Here they run *together*, with a background thread
polling `/health` the whole time: the server must keep answering promptly while a fork bomb,
a memory hog and endless output share it with ordinary jobs, every ordinary job must succeed,
and a job cancelled with `DELETE` must give its slot to the next job at once.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from support.sandbox import SandboxServer, start_sandbox_server

HEALTH_EVERY_S = 0.05
HEALTH_MAX_S = 2.0  # the slowest /health answer allowed while the server is loaded
HEALTH_MEDIAN_S = 0.25
WAIT_S = 120.0


class HealthProbe:
    """Polls `/health` in a thread until stopped (or `limit_s`), recording each latency."""

    def __init__(self, base_url: str, limit_s: float = 180.0) -> None:
        self.base_url = base_url
        self.limit_s = limit_s
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> HealthProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def _run(self) -> None:
        deadline = time.monotonic() + self.limit_s
        with httpx.Client(timeout=10) as http:
            while not self._stop.is_set() and time.monotonic() < deadline:
                started = time.monotonic()
                try:
                    response = http.get(self.base_url + "/health")
                    if response.status_code != 200:
                        self.failures.append(f"HTTP {response.status_code}")
                except httpx.HTTPError as exc:
                    self.failures.append(type(exc).__name__)
                self.latencies.append(time.monotonic() - started)
                self._stop.wait(HEALTH_EVERY_S)

    def summary(self) -> str:
        return (
            f"{len(self.latencies)} probes, median {statistics.median(self.latencies) * 1000:.1f}"
            f" ms, max {max(self.latencies) * 1000:.1f} ms"
        )

    def check(self) -> None:
        assert len(self.latencies) >= 10, "the probe hardly ran: the check would prove nothing"
        assert not self.failures, self.failures[:5]
        worst = max(self.latencies)
        middle = statistics.median(self.latencies)
        assert worst < HEALTH_MAX_S, f"/health took {worst:.2f} s (median {middle:.3f} s)"
        assert middle < HEALTH_MEDIAN_S, f"/health median {middle:.3f} s"


def submit(server: SandboxServer, language: str, code: str, **options: Any) -> str:
    response = server.request(
        "POST", "/execute/async", {"language": language, "code": code, **options}, timeout=30
    )
    assert response.status_code == 200, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def wait_done(server: SandboxServer, job_id: str, timeout: float = WAIT_S) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        data: dict[str, Any] = server.request("GET", f"/jobs/{job_id}", timeout=30).json()
        if data["status"] not in ("pending", "running"):
            return data
        assert time.monotonic() < deadline, f"job {job_id} still {data['status']}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def loaded_server() -> Iterator[SandboxServer]:
    server = start_sandbox_server(max_jobs=4)
    try:
        yield server
    finally:
        server.stop()


FORK_BOMB = ":(){ :|:& };:\nsleep 10"
MEMORY_HOG = "chunks = []\nwhile True:\n    chunks.append(bytearray(100 * 1024 * 1024))\n"
ENDLESS_OUTPUT = "yes 'endless output line'"


def test_hostile_jobs_beside_ordinary_ones_keep_the_server_answering(
    loaded_server: SandboxServer,
) -> None:
    with HealthProbe(loaded_server.base_url) as probe:
        time.sleep(0.3)  # a few unloaded samples first
        hostile = {
            "fork bomb": submit(loaded_server, "bash", FORK_BOMB, ttl=4),
            "memory hog": submit(loaded_server, "python", MEMORY_HOG, ttl=20),
            "endless output": submit(loaded_server, "bash", ENDLESS_OUTPUT, ttl=3),
        }
        ordinary = [submit(loaded_server, "python", f"print({i} * 3)", ttl=60) for i in range(17)]
        results = {name: wait_done(loaded_server, job) for name, job in hostile.items()}
        outputs = [wait_done(loaded_server, job) for job in ordinary]
    probe.check()

    assert results["fork bomb"]["status"] in ("timeout", "completed"), results["fork bomb"]
    hog = results["memory hog"]
    assert hog["status"] == "failed" or (hog["status"] == "completed" and hog["exit_code"]), hog
    endless = results["endless output"]
    assert endless["status"] == "timeout", endless["status"]
    assert endless["stdout"].startswith("endless output line\n")
    assert len(endless["stdout"]) < 1024 * 1024 + 200
    for i, data in enumerate(outputs):
        assert data["status"] == "completed" and data["exit_code"] == 0, data
        assert data["stdout"] == f"{i * 3}\n"
    after = loaded_server.execute("bash", "echo still-fine")
    assert after["stdout"] == "still-fine\n"


def test_twenty_parallel_runs_while_the_probe_watches(loaded_server: SandboxServer) -> None:
    import concurrent.futures

    def run(i: int) -> dict[str, Any]:
        return loaded_server.execute("bash", f"sleep 0.5; echo {i}", ttl=30)

    with (
        HealthProbe(loaded_server.base_url) as probe,
        concurrent.futures.ThreadPoolExecutor(20) as pool,
    ):
        results = list(pool.map(run, range(20), timeout=WAIT_S))
    probe.check()
    failures = [r for r in results if r["status"] != "completed" or r["exit_code"] != 0]
    assert failures == []
    assert [r["stdout"] for r in results] == [f"{i}\n" for i in range(20)]


def test_a_cancelled_sleeper_frees_its_only_slot_at_once() -> None:
    server = start_sandbox_server(max_jobs=1)
    try:
        with HealthProbe(server.base_url) as probe:
            sleeper = submit(server, "bash", "sleep 60", ttl=120)
            deadline = time.monotonic() + 30
            while server.request("GET", f"/jobs/{sleeper}").json()["status"] != "running":
                assert time.monotonic() < deadline, "the sleeper never started"
                time.sleep(0.05)
            queued = submit(server, "bash", "echo next")
            time.sleep(0.5)
            assert server.request("GET", f"/jobs/{queued}").json()["status"] == "pending"

            started = time.monotonic()
            deleted = server.request("DELETE", f"/jobs/{sleeper}", timeout=30)
            next_job = wait_done(server, queued, timeout=30)
            freed_after = time.monotonic() - started
        probe.check()
        assert deleted.status_code == 200
        assert deleted.json()["status"] == "cancelled"
        assert next_job["status"] == "completed" and next_job["stdout"] == "next\n"
        assert freed_after < 3.0, f"the queued job waited {freed_after:.2f} s after the DELETE"
    finally:
        server.stop()
