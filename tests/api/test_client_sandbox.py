"""The client against the local sandbox server: real HTTP, real jobs, both auth schemes.

Every test here runs once per sandbox variant (flat, nested, pending /execute; see
tests/conftest.py): `sandbox_server` is overridden below with the variant's server.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator

import pytest
from support.sandbox import SandboxServer

from unsandbox_ls.api import (
    AuthenticationError,
    ClockSkewError,
    Credentials,
    ExecuteRequest,
    InputFile,
    JobCancelled,
    JobUpdate,
    RawRunRequest,
    RunOptions,
    UnsandboxClient,
)

TIMEOUT = 90  # seconds, for any single test's client calls


def hmac_credentials(server: SandboxServer) -> Credentials:
    return Credentials(public_key=server.public_key, secret_key=server.secret_key, source="fixture")


@pytest.fixture
def sandbox_server(sandbox_variant: SandboxServer) -> SandboxServer:
    """This module's tests run against every variant."""
    return sandbox_variant


@pytest.fixture
async def client(sandbox_server: SandboxServer) -> AsyncIterator[UnsandboxClient]:
    async with UnsandboxClient(sandbox_server.base_url, hmac_credentials(sandbox_server)) as c:
        yield c


async def test_execute_returns_the_programs_outcome(client: UnsandboxClient) -> None:
    code = "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)\n"
    result = await asyncio.wait_for(client.execute(ExecuteRequest("python", code)), TIMEOUT)
    assert (result.status, result.exit_code) == ("completed", 3)
    assert result.stdout == "out\n" and "err\n" in result.stderr
    assert result.language == "python" and result.job_id
    assert result.duration_ms is not None and result.duration_ms >= 0
    assert not result.ok


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_run_request_with_env_and_input_files(client: UnsandboxClient, mode: str) -> None:
    code = "import os\nprint(os.environ['GREETING'], open('data.txt').read().strip())\n"
    options = RunOptions(
        env={"GREETING": "hello wörld"}, input_files=(InputFile("data.txt", b"from a file\n"),)
    )
    updates: list[JobUpdate] = []
    result = await asyncio.wait_for(
        client.run_request(
            ExecuteRequest("python", code, options),
            mode=mode,  # type: ignore[arg-type]
            on_update=updates.append,
        ),
        TIMEOUT,
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "hello wörld from a file\n"
    if mode == "async":
        assert updates[0].status == "pending" and updates[-1].status == "completed"
        assert [u.polls for u in updates] == list(range(len(updates)))


#: prints, is still running at the first poll, then fails with a traceback and exit code 3
FAILS_WITH_3 = """\
import sys, time, traceback
print("working", flush=True)
time.sleep(0.4)
try:
    {}["price"]
except KeyError:
    traceback.print_exc()
    sys.exit(3)
"""


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_failing_program_comes_back_whole_in_every_shape(
    client: UnsandboxClient, sandbox_server: SandboxServer, mode: str
) -> None:
    updates: list[JobUpdate] = []
    result = await asyncio.wait_for(
        client.run_request(
            ExecuteRequest("python", FAILS_WITH_3),
            mode=mode,  # type: ignore[arg-type]
            on_update=updates.append,
        ),
        TIMEOUT,
    )
    assert (result.status, result.exit_code, result.stdout) == ("completed", 3, "working\n")
    assert "Traceback (most recent call last)" in result.stderr
    assert "KeyError: 'price'" in result.stderr
    assert result.language == "python" and result.job_id
    polled = mode == "async" or sandbox_server.variant == "pending"
    if polled:  # progress from the submission on, and a poll that saw the job still running
        assert updates[0].polls == 0 and updates[-1].status == "completed"
        assert any(u.polls >= 1 and u.status in ("pending", "running") for u in updates)
    else:
        assert updates == []


async def test_legacy_bearer_key_is_accepted(sandbox_server: SandboxServer) -> None:
    credentials = Credentials(api_key=sandbox_server.api_key, source="fixture")
    async with UnsandboxClient(sandbox_server.base_url, credentials) as client:
        result = await asyncio.wait_for(
            client.run_request(ExecuteRequest("bash", "echo bearer")), TIMEOUT
        )
    assert result.stdout == "bearer\n"


async def test_a_wrong_secret_is_rejected_without_leaking_it(
    sandbox_server: SandboxServer,
) -> None:
    wrong = "unsb-sk-" + secrets.token_hex(16)
    credentials = Credentials(public_key=sandbox_server.public_key, secret_key=wrong, source="x")
    async with UnsandboxClient(sandbox_server.base_url, credentials) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.execute(ExecuteRequest("python", "print(1)"))
    assert not isinstance(caught.value, ClockSkewError)
    assert caught.value.status == 401
    assert wrong not in str(caught.value) and wrong not in repr(caught.value)


async def test_a_skewed_clock_is_reported_as_such(sandbox_server: SandboxServer) -> None:
    async with UnsandboxClient(
        sandbox_server.base_url,
        hmac_credentials(sandbox_server),
        clock=lambda: time.time() - 3600,
    ) as client:
        with pytest.raises(ClockSkewError, match="check your system clock") as caught:
            await client.get_job("does-not-matter")
    # measured against the server's Date header: this clock is an hour behind
    assert "clock is 1 h 0 min behind the API's" in str(caught.value)


async def test_the_other_endpoints(client: UnsandboxClient, sandbox_server: SandboxServer) -> None:
    health = await client.health()
    assert health["status"] == "ok"
    languages = await client.languages(refresh=True)
    assert {"python", "bash", "c"} <= set(languages)
    info = await client.validate_key()
    assert info is not None and info.valid and info.public_key == sandbox_server.public_key
    job = await client.submit(ExecuteRequest("python", "print(42)"))
    assert job.job_id and job.status in ("pending", "running", "completed")
    listed = await client.list_jobs()
    assert job.job_id in {j.job_id for j in listed}
    result = await asyncio.wait_for(client.wait(job), TIMEOUT)
    assert result.stdout == "42\n"
    fetched = await client.get_job(job.job_id)
    assert fetched.done and fetched.result is not None and fetched.result.stdout == "42\n"


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_cancelling_a_long_job_cancels_it_and_keeps_its_output(
    client: UnsandboxClient, sandbox_server: SandboxServer, mode: str
) -> None:
    if mode == "sync" and sandbox_server.variant != "pending":
        pytest.skip("a synchronous run is cancelled by hanging up, with no job id to show")
    code = "import time\nprint('started', flush=True)\ntime.sleep(60)\n"
    seen: list[JobUpdate] = []
    task = asyncio.create_task(
        client.run_request(
            ExecuteRequest("python", code, RunOptions(ttl=120)),
            mode=mode,  # type: ignore[arg-type]
            on_update=seen.append,
        )
    )
    deadline = time.monotonic() + 30
    while not any(u.status == "running" for u in seen) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert seen, "the job was never submitted"
    await asyncio.sleep(0.5)  # time to print
    task.cancel()
    with pytest.raises(JobCancelled) as cancelled:
        await asyncio.wait_for(task, 15)
    job_id = seen[0].job.job_id
    assert cancelled.value.job_id == job_id
    partial = cancelled.value.partial
    assert partial is not None, "the cancel answer carried no result"
    assert (partial.status, partial.stdout, partial.exit_code) == ("cancelled", "started\n", None)
    job = await client.get_job(job_id)
    assert job.status == "cancelled"


async def test_vcpu_and_wasm_are_accepted_and_checked(
    client: UnsandboxClient, sandbox_server: SandboxServer
) -> None:
    options = RunOptions(vcpu=2, return_wasm_artifact=True)
    result = await asyncio.wait_for(
        client.run_request(ExecuteRequest("python", "print('two')", options)), TIMEOUT
    )
    assert result.stdout == "two\n" and result.artifacts == ()  # no WebAssembly toolchain here
    raw = sandbox_server.request("GET", f"/jobs/{result.job_id}").json()
    assert raw["vcpu"] == 2
    refused = sandbox_server.request(
        "POST", "/execute", {"language": "python", "code": "", "vcpu": 9}
    )
    assert refused.status_code == 400 and "vcpu" in refused.json()["message"]


async def test_artifacts_come_back(client: UnsandboxClient) -> None:
    code = '#include <stdio.h>\nint main(void) { puts("built"); return 0; }\n'
    result = await asyncio.wait_for(
        client.run_request(ExecuteRequest("c", code, RunOptions(return_artifact=True))), TIMEOUT
    )
    assert result.stdout == "built\n", result.stderr
    assert result.artifacts, "no artifact returned"
    assert result.artifacts[0].content.startswith(b"\x7fELF")


async def test_a_shebang_run_carries_its_options_in_the_query(
    client: UnsandboxClient, sandbox_server: SandboxServer
) -> None:
    """vcpu and return_artifact travel in /run's query (return_artifact was dropped before)."""
    code = "#!/bin/bash\necho shebang\n"
    options = RunOptions(return_artifact=True, vcpu=3)
    result = await asyncio.wait_for(client.run_request(RawRunRequest(code, options)), TIMEOUT)
    assert result.stdout == "shebang\n" and result.detected_language == "bash"
    assert sandbox_server.request("GET", f"/jobs/{result.job_id}").json()["vcpu"] == 3


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_shebang_run(client: UnsandboxClient, mode: str) -> None:
    code = "#!/usr/bin/env python3\nimport os, sys\nprint(sys.version_info[0], os.environ['K'])\n"
    result = await asyncio.wait_for(
        client.run_request(
            RawRunRequest(code, RunOptions(env={"K": "a&b=c"})),
            mode=mode,  # type: ignore[arg-type]
        ),
        TIMEOUT,
    )
    assert result.stdout == "3 a&b=c\n", result.stderr
    assert result.detected_language == "python"
