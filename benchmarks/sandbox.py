"""The local sandbox for the benchmarks (started with the tests' own helper) and direct calls."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

_TESTS = str(Path(__file__).resolve().parent.parent / "tests")
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from support.sandbox import SandboxServer, signed_headers, start_sandbox_server  # noqa: E402

__all__ = [
    "SandboxServer",
    "direct_execute",
    "job_record",
    "signed_headers",
    "start_sandbox_server",
]


async def direct_execute(
    http: httpx.AsyncClient, server: SandboxServer, code: str, language: str = "python"
) -> float:
    """One signed `POST /execute` with an open client; seconds until the answer is decoded."""
    body = json.dumps({"language": language, "code": code}, separators=(",", ":")).encode()
    started = time.perf_counter()
    headers = signed_headers(server.public_key, server.secret_key, "POST", "/execute", body)
    headers["Content-Type"] = "application/json"
    response = await http.post(server.base_url + "/execute", content=body, headers=headers)
    data = response.json()
    elapsed = time.perf_counter() - started
    if response.status_code != 200 or data.get("exit_code") != 0:
        raise RuntimeError(f"direct run failed: {response.status_code} {str(data)[:200]}")
    return elapsed


def job_record(server: SandboxServer, job_id: str) -> dict[str, Any]:
    """The sandbox's record of a job (`completed_at` is when the program ended, epoch seconds)."""
    response = server.request("GET", f"/jobs/{job_id}", timeout=30)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data
