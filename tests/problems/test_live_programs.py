"""Real programs run through the local sandbox; their diagnostics must land on the marked lines.

All programs are submitted at once (the sandbox runs four at a time) by a module fixture, then
each test checks one program. Nothing here knows the directory the code runs in or its name: the
programs run in the docs layout (saved as `main.<ext>` / `Main.java` in the cwd) and in the
hosted one (`/sandbox/src/code.<ext>`, the cwd elsewhere). A single file does not depend on the
cwd, so the hosted layout with the cwd at the code is left out to keep the run count down.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from problem_checks import check, diagnostics_for
from problem_expectations import Program, programs
from support.sandbox import SandboxServer

PROGRAMS = programs()
RUN_TIMEOUT = 180.0
SANDBOX_LAYOUTS_USED = ("docs", "hosted")


@pytest.fixture(scope="module")
def offered(sandbox_server: SandboxServer) -> set[str]:
    response = httpx.get(sandbox_server.base_url + "/languages", timeout=10)
    assert response.status_code == 200
    return set(response.json()["languages"])


@pytest.fixture(scope="module")
def results(sandbox_layout: SandboxServer, offered: set[str]) -> dict[str, dict[str, Any]]:
    """Every offered program's job result in one layout, run concurrently, by program id."""
    sandbox_server = sandbox_layout
    wanted = [p for p in PROGRAMS if p.language in offered]

    def run(program: Program) -> tuple[str, dict[str, Any]]:
        response = sandbox_server.request(
            "POST",
            "/execute",
            {"language": program.language, "code": program.code, "ttl": 60},
            timeout=RUN_TIMEOUT,
        )
        assert response.status_code == 200, response.text
        return program.id, response.json()

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, wanted))


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.id)
def test_diagnostics_land_on_marked_lines(
    program: Program, offered: set[str], results: dict[str, dict[str, Any]]
) -> None:
    if program.language not in offered:
        pytest.skip(f"the local sandbox offers no {program.language} toolchain on this machine")
    job = results[program.id]
    assert job.get("status") in ("completed", "failed", "timeout"), job
    assert job.get("exit_code") not in (0, None), f"{program.id} should fail: {job}"
    stderr, stdout = job.get("stderr") or "", job.get("stdout") or ""
    diagnostics = diagnostics_for(program, stderr, stdout, job.get("exit_code"))
    check(program, diagnostics, f"stderr:\n{stderr}\nstdout:\n{stdout}")
