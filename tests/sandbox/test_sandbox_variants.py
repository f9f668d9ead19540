"""The local sandbox's variants answer exactly the shapes the hosted API's material shows:
`--job-shape nested` (the API docs' examples), `--job-shape flat` (the official clients'
reading) and `--pending-after MS` (a synchronous run answered with a pending job)."""

from __future__ import annotations

import time
from typing import Any

from support.sandbox import SandboxServer

#: the result fields of the API docs' nested terminal job
DOCS_RESULT_FIELDS = {
    "success", "stdout", "stderr", "error", "exit_code", "language", "artifacts",
    "execution_mode", "network_mode", "total_time_ms",
}  # fmt: skip


def wait_done(server: SandboxServer, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data: dict[str, Any] = server.request("GET", f"/jobs/{job_id}").json()
        if data["status"] not in ("pending", "running"):
            return data
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish within {timeout} s")


def start_long_job(server: SandboxServer) -> str:
    code = "echo before the cancel; sleep 100; echo never"
    submitted = server.request(
        "POST", "/execute/async", {"language": "bash", "code": code, "ttl": 120}
    ).json()
    job_id: str = submitted["job_id"]
    deadline = time.monotonic() + 20
    while server.request("GET", f"/jobs/{job_id}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    return job_id


def test_nested_jobs_carry_their_result_under_result(sandbox_servers: Any) -> None:
    server = sandbox_servers.get("nested")
    submitted = server.request(
        "POST", "/execute/async", {"language": "bash", "code": "sleep 0.3; echo out; exit 3"}
    ).json()
    first = server.request("GET", f"/jobs/{submitted['job_id']}").json()
    assert first["status"] in ("pending", "running") and "result" not in first
    done = wait_done(server, submitted["job_id"])
    assert set(done) >= {"job_id", "status", "created_at", "started_at", "completed_at", "result"}
    assert "stdout" not in done and "exit_code" not in done  # nothing flat
    result = done["result"]
    assert set(result) >= DOCS_RESULT_FIELDS, DOCS_RESULT_FIELDS - set(result)
    assert (done["status"], result["stdout"], result["exit_code"], result["success"]) == (
        "completed", "out\n", 3, False)  # fmt: skip


def test_nested_execute_answers_the_docs_result_object(sandbox_servers: Any) -> None:
    data = sandbox_servers.get("nested").execute("bash", "echo hi")
    assert set(data) >= DOCS_RESULT_FIELDS | {"job_id"}
    assert "status" not in data and "result" not in data  # as in the docs' example
    assert (data["stdout"], data["exit_code"]) == ("hi\n", 0)


def test_nested_delete_answers_as_the_docs(sandbox_servers: Any) -> None:
    server = sandbox_servers.get("nested")
    job_id = start_long_job(server)
    deleted = server.request("DELETE", f"/jobs/{job_id}")
    assert deleted.status_code == 200
    assert deleted.json() == {
        "message": "Job cancelled",
        "job_id": job_id,
        "result": {
            "success": False,
            "stdout": "before the cancel\n",
            "stderr": "",
            "error": "Job cancelled by user",
            "exit_code": -1,
        },
    }
    assert server.request("GET", f"/jobs/{job_id}").json()["status"] == "cancelled"


def test_flat_delete_answers_the_cancelled_job(sandbox_server: SandboxServer) -> None:
    assert sandbox_server.variant == "flat"
    job_id = start_long_job(sandbox_server)
    data = sandbox_server.request("DELETE", f"/jobs/{job_id}").json()
    assert (data["job_id"], data["status"], data["stdout"]) == (
        job_id, "cancelled", "before the cancel\n")  # fmt: skip
    assert "result" not in data


def test_pending_after_answers_a_synchronous_run_with_its_job(
    sandbox_servers: Any,
) -> None:
    server = sandbox_servers.get("pending")
    response = server.request("POST", "/execute", {"language": "bash", "code": "echo hi"})
    assert response.status_code == 200  # the official C CLI takes nothing else from /execute
    pending = response.json()
    assert set(pending) == {"job_id", "status"} and pending["status"] in ("pending", "running")
    assert wait_done(server, pending["job_id"])["result"]["stdout"] == "hi\n"
    ran = server.request("POST", "/run", content=b"#!/bin/bash\necho raw\n")
    assert ran.status_code == 200 and ran.json()["detected_language"] == "bash"


def test_vcpu_is_checked_and_echoed(sandbox_server: SandboxServer) -> None:
    data = sandbox_server.execute("bash", "echo x", vcpu=8, return_wasm_artifact=True)
    assert (data["vcpu"], data["stdout"], data["artifacts"]) == (8, "x\n", [])
    for bad in (0, 9, "two", True):
        response = sandbox_server.request(
            "POST", "/execute", {"language": "bash", "code": "", "vcpu": bad}
        )
        assert response.status_code == 400 and "vcpu" in response.json()["message"], bad
    refused = sandbox_server.request("POST", "/run?vcpu=12", content=b"#!/bin/bash\necho\n")
    assert refused.status_code == 400
