"""Every endpoint of the local sandbox and the exact shapes of its answers, over real HTTP."""

from __future__ import annotations

import base64
import json
import time
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from support.sandbox import SandboxServer, start_sandbox_server

RESULT_FIELDS = {
    "job_id", "status", "language", "stdout", "stderr", "exit_code", "success", "artifacts",
    "error", "network_mode", "total_time_ms", "created_at", "completed_at",
}  # fmt: skip


def wait_for(server: SandboxServer, job_id: str, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = server.request("GET", f"/jobs/{job_id}")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        if data["status"] not in ("pending", "running"):
            return data
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish within {timeout} s")


def test_execute_answers_the_flat_result_object(sandbox_server: SandboxServer) -> None:
    before = time.time()
    data = sandbox_server.execute(
        "python", "import sys\nprint('out')\nprint('err', file=sys.stderr)"
    )
    after = time.time()
    assert set(data) >= RESULT_FIELDS, RESULT_FIELDS - set(data)
    assert data["status"] == "completed" and data["success"] is True and data["exit_code"] == 0
    assert (data["stdout"], data["stderr"]) == ("out\n", "err\n")
    assert data["network_mode"] == "zerotrust" and data["error"] is None
    assert isinstance(data["created_at"], float) and isinstance(data["completed_at"], float)
    assert before - 1 <= data["created_at"] <= data["completed_at"] <= after + 1
    assert 0 < data["total_time_ms"] < (after - before) * 1000 + 1000


def test_execute_async_then_poll(sandbox_server: SandboxServer) -> None:
    response = sandbox_server.request(
        "POST", "/execute/async", {"language": "bash", "code": "sleep 0.3; echo done"}
    )
    assert response.status_code in (200, 202)
    submitted = response.json()
    assert set(submitted) == {"job_id", "status"} and submitted["status"] == "pending"
    first = sandbox_server.request("GET", f"/jobs/{submitted['job_id']}").json()
    assert first["status"] in ("pending", "running")
    # result fields only once terminal; a running job shows its output so far
    assert "exit_code" not in first and "result" not in first
    assert "stdout" not in first or first["status"] == "running"
    done = wait_for(sandbox_server, submitted["job_id"])
    assert done["status"] == "completed" and done["stdout"] == "done\n"


def test_a_running_job_shows_its_output_so_far(sandbox_server: SandboxServer) -> None:
    code = "echo first; echo oops >&2; printf 'caf\\303'; sleep 1; printf '\\251\\n'; sleep 30"
    response = sandbox_server.request("POST", "/execute/async", {"language": "bash", "code": code})
    job_id = response.json()["job_id"]
    deadline = time.monotonic() + 20
    answer: dict[str, object] = {}
    while answer.get("stdout") != "first\ncaf":
        assert time.monotonic() < deadline, answer
        time.sleep(0.05)
        answer = sandbox_server.request("GET", f"/jobs/{job_id}").json()
    # the half-printed UTF-8 character waits for its last byte
    assert answer["status"] == "running" and answer["stderr"] == "oops\n"
    while answer.get("stdout") == "first\ncaf":
        assert time.monotonic() < deadline, answer
        time.sleep(0.05)
        answer = sandbox_server.request("GET", f"/jobs/{job_id}").json()
    assert answer["status"] == "running" and answer["stdout"] == "first\ncafé\n"
    sandbox_server.request("DELETE", f"/jobs/{job_id}")


def test_delete_kills_a_long_job_and_frees_its_slot(sandbox_server: SandboxServer) -> None:
    response = sandbox_server.request(
        "POST",
        "/execute/async",
        {"language": "bash", "code": "echo started; sleep 100; echo never", "ttl": 120},
    )
    job_id = response.json()["job_id"]
    deadline = time.monotonic() + 20
    while sandbox_server.request("GET", f"/jobs/{job_id}").json()["status"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    started = time.monotonic()
    deleted = sandbox_server.request("DELETE", f"/jobs/{job_id}")
    assert deleted.status_code in (200, 204)
    assert time.monotonic() - started < 5
    data = sandbox_server.request("GET", f"/jobs/{job_id}").json()
    assert data["status"] == "cancelled"
    assert "never" not in data["stdout"]
    health = httpx.get(sandbox_server.base_url + "/health", timeout=5).json()
    assert health["active_executions"] == 0


def test_client_hanging_up_on_a_sync_run_cancels_it(sandbox_server: SandboxServer) -> None:
    def job_ids() -> set[str]:
        return {j["job_id"] for j in sandbox_server.request("GET", "/jobs").json()["jobs"]}

    before = job_ids()
    body = json.dumps({"language": "bash", "code": "sleep 60", "ttl": 90}).encode()
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            sandbox_server.base_url + "/execute",
            content=body,
            headers=sandbox_server.headers("POST", "/execute", body),
            timeout=1.0,
        )
    (job_id,) = job_ids() - before
    deadline = time.monotonic() + 10
    while (status := sandbox_server.request("GET", f"/jobs/{job_id}").json()["status"]) in (
        "pending",
        "running",
    ):
        assert time.monotonic() < deadline, "the abandoned job kept running"
        time.sleep(0.2)
    assert status == "cancelled"


def test_jobs_lists_submitted_jobs(sandbox_server: SandboxServer) -> None:
    job_id = sandbox_server.execute("bash", "true")["job_id"]
    response = sandbox_server.request("GET", "/jobs")
    jobs = response.json()["jobs"]
    (mine,) = [j for j in jobs if j["job_id"] == job_id]
    assert {"job_id", "status", "language", "created_at"} <= set(mine)
    assert mine["status"] == "completed" and mine["language"] == "bash"


def test_unknown_job_is_a_json_404(sandbox_server: SandboxServer) -> None:
    for method in ("GET", "DELETE"):
        response = sandbox_server.request(method, "/jobs/00000000-0000-0000-0000-000000000000")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"


def test_run_detects_the_language_from_the_shebang(sandbox_server: SandboxServer) -> None:
    env = quote(json.dumps({"GREETING": "hé"}))
    code = b"#!/usr/bin/env python3\nimport os\nprint(os.environ['GREETING'])\n"
    path = f"/run?ttl=10&network_mode=zerotrust&env={env}"
    response = sandbox_server.request(
        "POST", path, content=code, headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["detected_language"] == "python" and data["language"] == "python"
    assert data["stdout"] == "hé\n"


def test_run_async_and_unknown_shebang(sandbox_server: SandboxServer) -> None:
    response = sandbox_server.request("POST", "/run/async", content=b"#!/bin/bash\necho raw\n")
    submitted = response.json()
    assert submitted["detected_language"] == "bash" and submitted["status"] == "pending"
    assert wait_for(sandbox_server, submitted["job_id"])["stdout"] == "raw\n"
    response = sandbox_server.request("POST", "/run", content=b"print('no shebang')\n")
    assert response.status_code == 400
    assert "shebang" in response.json()["message"]


def test_keys_validate(sandbox_server: SandboxServer) -> None:
    response = sandbox_server.request("POST", "/keys/validate")
    assert response.status_code == 200
    data = response.json()
    assert data["valid"] is True and data["public_key"] == sandbox_server.public_key
    assert sandbox_server.secret_key not in response.text


def test_health(sandbox_server: SandboxServer) -> None:
    data = httpx.get(sandbox_server.base_url + "/health", timeout=5).json()
    assert data["status"] == "ok" and data["sandboxed"] is True


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"code": "print(1)"}, "language"),
        ({"language": "python"}, "code"),
        ({"language": "cobol-2099", "code": "x"}, "/languages"),
        ({"language": "python", "code": "1", "ttl": 0}, "ttl"),
        ({"language": "python", "code": "1", "ttl": 901}, "ttl"),
        ({"language": "python", "code": "1", "ttl": "soon"}, "ttl"),
        ({"language": "python", "code": "1", "network_mode": "semitrust"}, "network_mode"),
        ({"language": "python", "code": "1", "env": ["A=1"]}, "env"),
        (
            {"language": "python", "code": "1",
             "input_files": [{"filename": "../etc/x", "content": "eA=="}]},
            "relative path",
        ),
        (
            {"language": "python", "code": "1",
             "input_files": [{"filename": "a/../../b", "content": "eA=="}]},
            "relative path",
        ),
        (
            {"language": "python", "code": "1",
             "input_files": [{"filename": "/tmp/b", "content": "eA=="}]},
            "relative path",
        ),
        (
            {"language": "python", "code": "1",
             "input_files": [{"filename": "a\\b", "content": "eA=="}]},
            "relative path",
        ),
        (
            {"language": "python", "code": "1",
             "input_files": [{"filename": "main.py/x", "content": "eA=="}]},
            "overwrite the code",
        ),
        (
            {"language": "python", "code": "1",
             "input_files": [{"filename": "a", "content": "eA=="},
                             {"filename": "a/b", "content": "eA=="}]},
            "also the folder",
        ),
        (
            {"language": "python", "code": "1",
             "input_files": [{"filename": "a", "content": "not base64!"}]},
            "base64",
        ),
        (
            {"language": "python", "code": "1",
             "input_files": [{"filename": f"f{i}", "content": ""} for i in range(11)]},
            "at most 10",
        ),
    ],
)  # fmt: skip
def test_bad_requests_are_json_400_saying_what_to_fix(
    sandbox_server: SandboxServer, payload: dict[str, Any], words: str
) -> None:
    response = sandbox_server.request("POST", "/execute", payload)
    assert response.status_code == 400, response.text
    data = response.json()
    assert data["error"] and words in data["message"], data


def test_unknown_path_and_method_are_json_errors(sandbox_server: SandboxServer) -> None:
    missing = sandbox_server.request("GET", "/no-such-endpoint")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"
    wrong = httpx.put(sandbox_server.base_url + "/health", timeout=5)
    assert wrong.status_code == 405 and wrong.json()["error"] == "method_not_allowed"


def test_input_file_size_limits(sandbox_server: SandboxServer) -> None:
    big = base64.b64encode(b"x" * (5 * 1024 * 1024 + 1)).decode()
    response = sandbox_server.request(
        "POST",
        "/execute",
        {"language": "bash", "code": "true", "input_files": [{"filename": "a", "content": big}]},
    )
    assert response.status_code == 400 and "5 MB" in response.json()["message"]
    four = base64.b64encode(b"y" * (4 * 1024 * 1024)).decode()
    files = [{"filename": f"f{i}", "content": four} for i in range(3)]
    response = sandbox_server.request(
        "POST", "/execute", {"language": "bash", "code": "true", "input_files": files}
    )
    assert response.status_code == 400 and "10 MB" in response.json()["message"]
    data = sandbox_server.execute("bash", "wc -c < f0; wc -c < f1", input_files=files[:2])
    assert data["stdout"].split() == [str(4 * 1024 * 1024)] * 2


def test_oversized_body_is_a_json_413(sandbox_server: SandboxServer) -> None:
    body = b'{"language":"bash","code":"' + b"#" * (25 * 1024 * 1024) + b'"}'
    response = sandbox_server.request("POST", "/execute", content=body)
    assert response.status_code == 413 and response.json()["error"] == "request_too_large"


def test_body_that_is_not_json_is_400(sandbox_server: SandboxServer) -> None:
    response = sandbox_server.request("POST", "/execute", content=b"{not json")
    assert response.status_code == 400 and "JSON" in response.json()["message"]


def test_lenient_input_string_ttl_content_base64_unknown_fields(
    sandbox_server: SandboxServer,
) -> None:
    data = sandbox_server.execute(
        "python",
        "print(open('a.txt').read() + open('b.csv').read())",
        ttl="15",
        input_files=[
            {"filename": "a.txt", "content": base64.b64encode(b"alpha ").decode()},
            {"filename": "b.csv", "content_base64": base64.b64encode(b"1,2").decode()},
        ],
        vcpu=1,
        some_future_field={"x": 1},
    )
    assert data["stdout"] == "alpha 1,2\n", data


def _wire(name: str, text: str) -> dict[str, str]:
    return {"filename": name, "content": base64.b64encode(text.encode()).decode()}


def test_input_files_in_subfolders_are_placed_in_their_folders(
    sandbox_server: SandboxServer,
) -> None:
    code = (
        "import os\n"
        "from pkg.sub.util import twice\n"
        "print(twice(21), sorted(os.listdir('pkg')), sorted(os.listdir('pkg/sub')))\n"
        "open('pkg/sub/new.txt', 'w').write('x')\n"
        "print(os.path.realpath('pkg/sub/util.py'))\n"
    )
    files = [
        _wire("pkg/__init__.py", ""),
        _wire("pkg/sub/__init__.py", ""),
        _wire("pkg/sub/util.py", "def twice(x):\n    return 2 * x\n"),
    ]
    data = sandbox_server.execute("python", code, input_files=files)
    assert data["exit_code"] == 0, data
    first, where = data["stdout"].splitlines()
    assert first == "42 ['__init__.py', 'sub'] ['__init__.py', 'util.py']"
    assert where == "/sandbox/pkg/sub/util.py"  # inside the job's working directory


def test_env_and_default_environment(sandbox_server: SandboxServer) -> None:
    data = sandbox_server.execute(
        "bash",
        'echo "$NO_COLOR $TERM $PYTHONIOENCODING $MINE"; pwd; ls',
        env={"MINE": "yes"},
    )
    assert data["stdout"].splitlines() == ["1 dumb utf-8 yes", "/sandbox", "main.sh"]


def test_queue_full_answers_429() -> None:
    server = start_sandbox_server(max_jobs=1)
    try:
        ids: list[str] = []
        response = None
        for _ in range(40):
            response = server.request(
                "POST", "/execute/async", {"language": "bash", "code": "sleep 30", "ttl": 40}
            )
            if response.status_code != 200:
                break
            ids.append(response.json()["job_id"])
        assert response is not None and response.status_code == 429, response
        data = response.json()
        assert data["error"] == "concurrency_limit_reached"
        assert data["concurrency_limit"] == 1 and data["active_executions"] >= 1
        for job_id in ids:
            server.request("DELETE", f"/jobs/{job_id}")
        again = server.execute("bash", "echo free")
        assert again["stdout"] == "free\n"
    finally:
        server.stop()
