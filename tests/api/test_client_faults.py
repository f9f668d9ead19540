"""The client against a loopback server that injects faults: statuses, resets, stalls, junk.

Every test talks real HTTP over a real socket to `FaultServer`; the script says what each
request gets, and the recorded requests say what the client sent (and how often).
"""

from __future__ import annotations

import asyncio
import email.utils
import gc
import json
import logging
import time
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
from support.fault_server import FaultServer, Reply, free_port

from unsandbox_ls.api import (
    ApiError,
    AuthenticationError,
    BadResponseError,
    CancelNotConfirmed,
    ClockSkewError,
    Credentials,
    ExecuteRequest,
    InputFile,
    JobCancelled,
    JobNotFoundError,
    NetworkError,
    RateLimitedError,
    RawRunRequest,
    RedirectRefusedError,
    RequestRejectedError,
    RetryPolicy,
    RunOptions,
    ServerError,
    UnsandboxClient,
    UnsandboxError,
)
from unsandbox_ls.api.signing import sign

MakeClient = Callable[..., UnsandboxClient]
JOB = "job_1234567890_abc"  # the docs' job id shape
#: the docs' DELETE /jobs/{id} answer
DOCS_CANCEL = {
    "message": "Job cancelled", "job_id": JOB,
    "result": {"success": False, "stdout": "Partial output before cancel...", "stderr": "",
               "error": "Job cancelled by user", "exit_code": -1},
}  # fmt: skip
DONE = {"job_id": "j1", "status": "completed", "stdout": "hi\n", "stderr": "", "exit_code": 0}
RESULT = {"stdout": "hi\n", "stderr": "", "exit_code": 0, "success": True, "job_id": "j0"}
REQUEST = ExecuteRequest("python", "print('hi')")


def check_signature(
    recorded_target: str,
    method: str,
    body: bytes,
    headers: dict[str, str],
    public_key: str,
    secret_key: str,
) -> None:
    assert headers["authorization"] == f"Bearer {public_key}"
    expected = sign(secret_key, headers["x-timestamp"], method, recorded_target, body)
    assert headers["x-signature"] == expected


# ---------------------------------------------------------------- authentication and signing


async def test_every_request_is_signed_over_the_exact_bytes_sent(
    fault_server: FaultServer, make_client: MakeClient, public_key: str, secret_key: str
) -> None:
    fault_server.on("POST", "/execute", Reply(200, RESULT))
    fault_server.on("POST", "/run", Reply(200, {**RESULT, "detected_language": "bash"}))
    client = make_client()
    code = "print('héllo')\n"
    result = await client.execute(ExecuteRequest("python", code, RunOptions(env={"A": "1"})))
    assert result.stdout == "hi\n"
    raw = RawRunRequest("#!/bin/bash\necho hi\n", RunOptions(ttl=7, env={"K": "v w&x"}))
    ran = await client.run(raw)
    assert ran.detected_language == "bash"

    execute, run = fault_server.requests
    assert json.loads(execute.body) == {
        "language": "python",
        "code": code,
        "network_mode": "zerotrust",
        "ttl": 60,
        "env": {"A": "1"},
    }
    assert execute.headers["content-type"] == "application/json"
    check_signature(execute.target, "POST", execute.body, execute.headers, public_key, secret_key)
    assert run.body == raw.code.encode()
    assert run.headers["content-type"].startswith("text/plain")
    query = parse_qs(urlsplit(run.target).query)
    assert query["ttl"] == ["7"] and query["network_mode"] == ["zerotrust"]
    assert json.loads(query["env"][0]) == {"K": "v w&x"}
    # the signature covers the query string exactly as it went over the wire
    check_signature(run.target, "POST", run.body, run.headers, public_key, secret_key)


async def test_shebang_runs_send_every_option_in_the_query(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/run/async", Reply(202, {"job_id": "j1", "status": "pending"}))
    options = RunOptions(return_artifact=True, return_wasm_artifact=True, vcpu=4)
    await make_client().submit_raw(RawRunRequest("#!/bin/sh\necho\n", options))
    (sent,) = fault_server.requests
    query = parse_qs(urlsplit(sent.target).query)
    assert query["return_artifact"] == ["true"] and query["return_wasm_artifact"] == ["true"]
    assert query["vcpu"] == ["4"]


async def test_retries_and_polls_are_signed_again_with_the_current_time(
    fault_server: FaultServer, make_client: MakeClient, public_key: str, secret_key: str
) -> None:
    ticks = iter(range(1_700_000_000, 1_700_000_100, 7))
    fault_server.on(
        "GET",
        "/jobs/j1",
        Reply(503),
        Reply(200, {"job_id": "j1", "status": "running"}),
        Reply(200, DONE),
    )
    client = make_client(clock=lambda: float(next(ticks)))
    result = await client.wait("j1")
    assert result.exit_code == 0
    sent = fault_server.requests_to("GET", "/jobs/j1")
    assert len(sent) == 3
    stamps = [r.headers["x-timestamp"] for r in sent]
    assert len(set(stamps)) == 3, "each attempt carries its own timestamp"
    for r in sent:
        assert r.body == b""
        check_signature(r.target, "GET", b"", r.headers, public_key, secret_key)


async def test_legacy_bearer_sends_only_the_key(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/jobs", Reply(200, {"jobs": [{"job_id": "a", "status": "running"}]}))
    client = make_client(credentials=Credentials(api_key="unsb-sk-legacy123", source="t"))
    jobs = await client.list_jobs()
    assert [(j.job_id, j.status) for j in jobs] == [("a", "running")]
    (sent,) = fault_server.requests
    assert sent.headers["authorization"] == "Bearer unsb-sk-legacy123"
    assert "x-signature" not in sent.headers and "x-timestamp" not in sent.headers


async def test_401_is_an_authentication_error_and_not_retried(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/execute", Reply(401, {"error": "invalid_key", "message": "bad"}))
    with pytest.raises(AuthenticationError) as caught:
        await make_client().execute(REQUEST)
    assert not isinstance(caught.value, ClockSkewError)
    assert caught.value.status == 401
    assert "test keys" in str(caught.value) and "doctor" in str(caught.value)
    assert len(fault_server.requests) == 1


async def test_401_about_the_timestamp_says_check_the_clock(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/jobs/j1", Reply(401, {"error": "Request timestamp too old"}))
    with pytest.raises(ClockSkewError, match="check your system clock"):
        await make_client().get_job("j1")
    assert len(fault_server.requests) == 1


@pytest.mark.parametrize(
    ("offset", "said"),
    [(3600, "1 h 0 min ahead of the API's"), (-600, "10 min behind the API's")],
)
async def test_a_skewed_clock_is_measured_from_the_date_header(
    fault_server: FaultServer, make_client: MakeClient, offset: int, said: str
) -> None:
    """Whatever the error code: the body mentions the timestamp, so it is the clock; by how much
    and which way comes from the answer's Date header against the timestamp that was signed."""
    body = {"error": "invalid_signature", "message": "Request timestamp expired"}
    date = email.utils.formatdate(time.time(), usegmt=True)
    fault_server.on("GET", "/jobs/j1", Reply(401, body, headers={"Date": date}))
    client = make_client(clock=lambda: time.time() + offset)
    with pytest.raises(ClockSkewError, match=said) as caught:
        await client.get_job("j1")
    assert caught.value.difference is not None
    assert abs(caught.value.difference - offset) < 5
    assert "check your system clock" in str(caught.value)


async def test_a_timestamp_401_with_clocks_in_step_says_so(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    date = email.utils.formatdate(time.time(), usegmt=True)
    fault_server.on("GET", "/jobs/j1", Reply(401, "bad timestamp", headers={"Date": date}))
    with pytest.raises(ClockSkewError, match=r"within \d+ s of the API's .* then the keys"):
        await make_client().get_job("j1")


async def test_403_is_forbidden(fault_server: FaultServer, make_client: MakeClient) -> None:
    fault_server.on("POST", "/execute/async", Reply(403, {"message": "key suspended"}))
    with pytest.raises(AuthenticationError, match=r"403 forbidden: key suspended"):
        await make_client().submit(REQUEST)
    assert len(fault_server.requests) == 1


# ---------------------------------------------------------------- 404 and polling


async def test_404_for_a_job_and_for_an_endpoint(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/jobs/nope", Reply(404, {"error": "job not found"}))
    client = make_client()
    with pytest.raises(JobNotFoundError, match="nope"):
        await client.get_job("nope")
    with pytest.raises(ApiError, match="check the base URL") as caught:
        await client.execute(REQUEST)  # nothing scripted: the server answers 404
    assert caught.value.status == 404 and not isinstance(caught.value, JobNotFoundError)


async def test_404_right_after_submission_is_retried_then_succeeds(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/execute/async", Reply(202, {"job_id": "j1", "status": "pending"}))
    fault_server.on(
        "GET",
        "/jobs/j1",
        Reply(404),
        Reply(404),
        Reply(404),
        Reply(200, {"job_id": "j1", "status": "running"}),
        Reply(200, DONE),
    )
    updates: list[str] = []
    result = await make_client().run_request(REQUEST, on_update=lambda u: updates.append(u.status))
    assert result.stdout == "hi\n" and result.exit_code == 0
    assert updates == ["pending", "running", "completed"]
    assert len(fault_server.requests_to("GET", "/jobs/j1")) == 5


async def test_404_after_submission_gives_up_after_five_retries(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/jobs/j1", Reply(404))
    with pytest.raises(JobNotFoundError):
        await make_client().wait("j1")
    assert len(fault_server.requests_to("GET", "/jobs/j1")) == 1 + 5


async def test_404_after_a_server_error_means_the_api_restarted(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on(
        "GET", "/jobs/j1", Reply(200, {"job_id": "j1", "status": "running"}), Reply(502), Reply(404)
    )
    with pytest.raises(JobNotFoundError, match="restarted"):
        await make_client().wait("j1")
    assert len(fault_server.requests_to("GET", "/jobs/j1")) == 3


async def test_polling_survives_a_short_outage(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    # 1 + max_retries (3) failures make one failed poll; two failed polls are allowed
    outage = [Reply(503)] * 8
    fault_server.on("GET", "/jobs/j1", *outage, Reply(200, DONE))
    result = await make_client().wait("j1")
    assert result.stdout == "hi\n"
    assert len(fault_server.requests_to("GET", "/jobs/j1")) == 9


async def test_polling_gives_up_after_a_long_outage(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/jobs/j1", Reply(503))
    with pytest.raises(ServerError, match="HTTP 503"):
        await make_client().wait("j1")
    assert len(fault_server.requests_to("GET", "/jobs/j1")) == 3 * 4  # 3 polls of 4 attempts


async def test_404_after_failed_polls_means_the_api_restarted(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/jobs/j1", *[Reply(500)] * 4, Reply(404))
    with pytest.raises(JobNotFoundError, match="restarted"):
        await make_client().wait("j1")
    assert len(fault_server.requests_to("GET", "/jobs/j1")) == 5


async def test_execute_answering_pending_is_polled(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/execute", Reply(200, {"job_id": "j1", "status": "pending"}))
    fault_server.on(
        "GET",
        "/jobs/j1",
        Reply(200, {"job_id": "j1", "status": "running"}),
        Reply(200, {**DONE, "exit_code": 3, "stderr": "boom\n"}),
    )
    result = await make_client().execute(REQUEST)
    assert (result.exit_code, result.stderr, result.status) == (3, "boom\n", "completed")


async def test_execute_answering_pending_reports_progress_and_reads_the_nested_result(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    """The docs' shapes end to end: a pending answer, a first poll still running, a terminal
    job with its result nested, string timestamps, the docs' job id."""
    fault_server.on("POST", "/execute", Reply(202, {"job_id": JOB, "status": "running"}))
    nested = {"job_id": JOB, "status": "completed", "created_at": "2026-01-02T03:04:05Z",
              "started_at": "1767323045", "completed_at": 1767323046,
              "result": {"success": False, "stdout": "out\n", "stderr": "err\n", "error": None,
                         "exit_code": 3, "language": "python", "execution_time": 1200}}  # fmt: skip
    fault_server.on("GET", f"/jobs/{JOB}", Reply(200, {"job_id": JOB, "status": "running"}),
                    Reply(200, nested))  # fmt: skip
    updates: list[str] = []
    result = await make_client().run_request(
        REQUEST, mode="sync", on_update=lambda u: updates.append(f"{u.polls}:{u.status}")
    )
    assert updates == ["0:running", "1:running", "2:completed"]
    assert (result.status, result.exit_code, result.stdout, result.stderr) == (
        "completed", 3, "out\n", "err\n")  # fmt: skip
    assert (result.job_id, result.duration_ms, result.created_at) == (JOB, 1200, 1767323045.0)


async def test_a_pending_execute_is_cancelled_like_an_async_job(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/execute", Reply(200, {"job_id": JOB, "status": "pending"}))
    fault_server.on("GET", f"/jobs/{JOB}", Reply(200, {"job_id": JOB, "status": "running"}))
    fault_server.on("DELETE", f"/jobs/{JOB}", Reply(200, DOCS_CANCEL))
    task = asyncio.create_task(make_client().run_request(REQUEST, mode="sync"))
    for _ in range(200):
        if fault_server.requests_to("GET", f"/jobs/{JOB}"):
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(JobCancelled) as cancelled:
        await asyncio.wait_for(task, 5)
    partial = cancelled.value.partial
    assert partial is not None
    assert (partial.status, partial.stdout, partial.exit_code, partial.error) == (
        "cancelled", "Partial output before cancel...", None, "Job cancelled by user")  # fmt: skip


async def test_cancelling_the_waiting_task_deletes_the_job(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/execute/async", Reply(202, {"job_id": "j9", "status": "pending"}))
    fault_server.on("GET", "/jobs/j9", Reply(200, {"job_id": "j9", "status": "running"}))
    fault_server.on("DELETE", "/jobs/j9", Reply(200, {"job_id": "j9", "status": "cancelled"}))
    client = make_client()
    task = asyncio.create_task(client.run_request(REQUEST))
    for _ in range(200):
        if fault_server.requests_to("GET", "/jobs/j9"):
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(JobCancelled) as raised:
        await asyncio.wait_for(task, 5)
    assert not isinstance(raised.value, CancelNotConfirmed)
    assert raised.value.partial is not None and raised.value.partial.status == "cancelled"
    assert len(fault_server.requests_to("DELETE", "/jobs/j9")) == 1


async def test_a_cancel_answered_204_still_counts(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/jobs/j7", Reply(200, {"job_id": "j7", "status": "running"}))
    fault_server.on("DELETE", "/jobs/j7", Reply(204))
    task = asyncio.create_task(make_client().wait("j7"))
    for _ in range(200):
        if fault_server.requests_to("GET", "/jobs/j7"):
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(JobCancelled) as raised:
        await asyncio.wait_for(task, 5)
    assert raised.value.partial is None


async def test_a_cancel_the_api_does_not_confirm_says_the_job_may_still_run(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/execute/async", Reply(202, {"job_id": "j8", "status": "pending"}))
    fault_server.on("GET", "/jobs/j8", Reply(200, {"job_id": "j8", "status": "running"}))
    fault_server.on("DELETE", "/jobs/j8", Reply(503, {"error": "unavailable"}))
    client = make_client()
    task = asyncio.create_task(client.run_request(REQUEST))
    for _ in range(200):
        if fault_server.requests_to("GET", "/jobs/j8"):
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(CancelNotConfirmed, match="may still be running") as raised:
        await asyncio.wait_for(task, 10)
    assert raised.value.job_id == "j8"
    assert fault_server.requests_to("DELETE", "/jobs/j8")


async def test_a_cancel_outliving_its_timeout_leaves_no_unretrieved_error(
    fault_server: FaultServer, make_client: MakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    fault_server.on("GET", "/jobs/j5", Reply(200, {"job_id": "j5", "status": "running"}))
    fault_server.on("DELETE", "/jobs/j5", Reply(500, {"error": "internal"}, delay=0.2))
    task = asyncio.create_task(make_client(cancel_timeout=0.05).wait("j5"))
    for _ in range(200):
        if fault_server.requests_to("GET", "/jobs/j5"):
            break
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(CancelNotConfirmed):
        await asyncio.wait_for(task, 5)
    for _ in range(100):  # the DELETE and its retries end on their own
        if len(fault_server.requests_to("DELETE", "/jobs/j5")) == 4:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    del task
    gc.collect()
    assert "never retrieved" not in caplog.text


async def test_a_failing_update_callback_cancels_the_job(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/jobs/j3", Reply(200, {"job_id": "j3", "status": "running"}))
    fault_server.on("DELETE", "/jobs/j3", Reply(204))

    def broken(update: object) -> None:
        raise RuntimeError("callback bug")

    with pytest.raises(RuntimeError, match="callback bug"):
        await make_client().wait("j3", on_update=broken)
    assert len(fault_server.requests_to("DELETE", "/jobs/j3")) == 1


async def test_giving_up_on_a_job_cancels_it(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/jobs/j2", Reply(200, {"job_id": "j2", "status": "running"}))
    fault_server.on("DELETE", "/jobs/j2", Reply(204))
    from unsandbox_ls.api import JobTimeoutError

    with pytest.raises(JobTimeoutError, match="cancelled"):
        await make_client().wait("j2", timeout=0.1)
    assert len(fault_server.requests_to("DELETE", "/jobs/j2")) == 1


# ---------------------------------------------------------------- rate limits and server errors


async def test_429_honours_retry_after_capped(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on(
        "GET",
        "/jobs/j1",
        Reply(429, {"error": "rate_limit_exceeded"}, headers={"Retry-After": "0.3"}),
        Reply(429, headers={"Retry-After": "3600"}),
        Reply(200, DONE),
    )
    client = make_client(retry=RetryPolicy(backoff=0.01, max_delay=0.5))
    started = time.monotonic()
    job = await client.get_job("j1")
    elapsed = time.monotonic() - started
    assert job.done
    # 0.3 s as asked, then 3600 s capped to 0.5 s
    assert 0.75 <= elapsed < 3.0


async def test_429_while_polling_keeps_waiting_for_the_job(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    """More 429s in a row than any request's own retries: the wait goes on, honouring
    Retry-After (capped), and the job's result still arrives."""
    limited = Reply(429, {"error": "rate_limit_exceeded"}, headers={"Retry-After": "0.1"})
    fault_server.on("GET", "/jobs/j1", *([limited] * 8), Reply(200, DONE))
    client = make_client(retry=RetryPolicy(backoff=0.01, max_delay=0.15, max_rate_limit_retries=3))
    started = time.monotonic()
    result = await client.wait("j1", timeout=30)
    assert result.stdout == "hi\n"
    assert len(fault_server.requests_to("GET", "/jobs/j1")) == 9
    assert time.monotonic() - started >= 8 * 0.1
    assert not fault_server.requests_to("DELETE", "/jobs/j1")


async def test_429_until_the_wait_ends_cancels_the_job_and_says_so(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    from unsandbox_ls.api import JobTimeoutError

    fault_server.on("GET", "/jobs/j1", Reply(429, {"error": "rate_limit_exceeded"}))
    fault_server.on("DELETE", "/jobs/j1", Reply(200, DOCS_CANCEL))
    with pytest.raises(JobTimeoutError, match=r"kept answering 429.*it was cancelled"):
        await make_client().wait("j1", timeout=0.5)
    assert len(fault_server.requests_to("GET", "/jobs/j1")) > 1
    assert len(fault_server.requests_to("DELETE", "/jobs/j1")) == 1


async def test_429_without_retry_after_backs_off_then_gives_up(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on(
        "POST",
        "/execute",
        Reply(429, {"error": "concurrency_limit_reached", "message": "2 of 2 running"}),
    )
    with pytest.raises(RateLimitedError, match="concurrency_limit_reached: 2 of 2") as caught:
        await make_client().execute(REQUEST)
    assert caught.value.retry_after is None
    assert len(fault_server.requests) == 1 + 3  # max_rate_limit_retries=3


@pytest.mark.parametrize("status", [502, 503])
async def test_submission_is_retried_when_it_was_not_accepted(
    fault_server: FaultServer, make_client: MakeClient, status: int
) -> None:
    fault_server.on("POST", "/execute", Reply(status), Reply(status), Reply(200, RESULT))
    result = await make_client().execute(REQUEST)
    assert result.stdout == "hi\n"
    assert len(fault_server.requests) == 3


@pytest.mark.parametrize("status", [500, 504])
async def test_submission_is_not_retried_when_it_may_have_started(
    fault_server: FaultServer, make_client: MakeClient, status: int
) -> None:
    fault_server.on("POST", "/execute", Reply(status, {"message": "oops"}), Reply(200, RESULT))
    with pytest.raises(ServerError, match=f"HTTP {status}: oops") as caught:
        await make_client().execute(REQUEST)
    assert caught.value.status == status
    assert len(fault_server.requests) == 1


async def test_reads_are_retried_on_500_then_give_up(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/languages", Reply(500))
    with pytest.raises(ServerError):
        await make_client().languages(refresh=True)
    assert len(fault_server.requests) == 1 + 3  # max_retries=3


# ---------------------------------------------------------------- the network


async def test_connection_refused_is_a_network_error(make_client: MakeClient) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(NetworkError, match="cannot connect"):
        await client.execute(REQUEST)
    assert time.monotonic() - started < 5


async def test_connection_reset_mid_body_retries_a_read(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/jobs/j1", Reply(200, DONE, reset_after=10), Reply(200, DONE))
    job = await make_client().get_job("j1")
    assert job.result is not None and job.result.stdout == "hi\n"
    assert len(fault_server.requests) == 2


async def test_connection_reset_mid_body_does_not_resubmit(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/execute", Reply(200, RESULT, reset_after=10), Reply(200, RESULT))
    with pytest.raises(NetworkError, match="may still be running"):
        await make_client().execute(REQUEST)
    assert len(fault_server.requests) == 1


async def test_closed_without_answer_does_not_resubmit(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/execute/async", Reply(close_without_answer=True))
    with pytest.raises(NetworkError):
        await make_client().submit(REQUEST)
    assert len(fault_server.requests) == 1


async def test_read_timeout_on_submission_is_not_retried(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/execute/async", Reply(202, {"job_id": "x"}, delay=2.0))
    with pytest.raises(NetworkError, match="did not answer"):
        await make_client(timeout=0.2).submit(REQUEST)
    assert len(fault_server.requests) == 1


async def test_read_timeout_on_a_poll_is_retried(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/jobs/j1", Reply(200, DONE, delay=2.0), Reply(200, DONE))
    job = await make_client(timeout=0.2).get_job("j1")
    assert job.done
    assert len(fault_server.requests) == 2


# ---------------------------------------------------------------- bad answers


async def test_invalid_json_is_a_bad_response(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/execute", Reply(200, b'{"stdout": "trunc'))
    with pytest.raises(BadResponseError, match="not JSON"):
        await make_client().execute(REQUEST)


async def test_html_page_is_quoted_as_a_short_clean_excerpt(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    page = (
        "<!DOCTYPE html><html><head><style>body{color:red}</style><title>Sign in</title></head>"
        "<body><h1>Please   sign in</h1>" + "<p>padding</p>" * 500 + "</body></html>"
    )
    fault_server.on("POST", "/execute", Reply(200, page, headers={"Content-Type": "text/html"}))
    with pytest.raises(BadResponseError) as caught:
        await make_client().execute(REQUEST)
    text = str(caught.value)
    assert "HTML page" in text and "Sign in Please sign in" in text
    assert "<" not in text.split("(", 1)[1] and "color:red" not in text
    assert len(text) < 500


async def test_html_error_page_on_a_5xx(fault_server: FaultServer, make_client: MakeClient) -> None:
    page = "<html><body><center><h1>502 Bad Gateway</h1></center><hr>nginx</body></html>"
    fault_server.on("GET", "/jobs/j1", Reply(502, page, headers={"Content-Type": "text/html"}))
    with pytest.raises(ServerError, match=r"HTTP 502: 502 Bad Gateway nginx"):
        await make_client().get_job("j1")


@pytest.mark.parametrize("declared", [True, False])
async def test_an_oversized_body_is_not_read_to_the_end(
    fault_server: FaultServer, make_client: MakeClient, declared: bool
) -> None:
    size = 8 * 1024 * 1024
    reply = Reply(200, b"x" * size) if declared else Reply(200, stream_bytes=size)
    fault_server.on("GET", "/jobs/j1", reply)
    with pytest.raises(BadResponseError, match="larger than 1 MiB"):
        await make_client(max_response_bytes=1024 * 1024).get_job("j1")
    assert len(fault_server.requests) == 1


async def test_413_says_request_too_large(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/execute", Reply(413, "too big"))
    with pytest.raises(RequestRejectedError, match="request too large"):
        await make_client().execute(REQUEST)
    assert len(fault_server.requests) == 1


async def test_input_files_fall_back_to_content_base64_once_on_400(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on(
        "POST", "/execute", Reply(400, {"error": "unknown field content"}), Reply(200, RESULT)
    )
    files = (InputFile("data.csv", b"a,b\n"),)
    await make_client().execute(ExecuteRequest("python", "x", RunOptions(input_files=files)))
    first, second = (json.loads(r.body)["input_files"] for r in fault_server.requests)
    assert first == [{"filename": "data.csv", "content": "YSxiCg=="}]
    assert second == [{"filename": "data.csv", "content_base64": "YSxiCg=="}]


async def test_redirect_is_refused_and_nothing_is_sent_to_its_target(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    async with FaultServer() as elsewhere:
        elsewhere.on("POST", "/execute", Reply(200, RESULT))
        target = f"http://localhost:{elsewhere.port}/execute"
        fault_server.on("POST", "/execute", Reply(307, headers={"Location": target}))
        with pytest.raises(RedirectRefusedError, match="'localhost'") as caught:
            await make_client().execute(REQUEST)
        assert "no credentials were sent" in str(caught.value)
        assert elsewhere.requests == []
    assert len(fault_server.requests) == 1


# ---------------------------------------------------------------- other endpoints


async def test_validate_key_404_means_cannot_validate(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("POST", "/keys/validate", Reply(404))
    assert await make_client().validate_key() is None


async def test_validate_key_reports_an_invalid_key(
    fault_server: FaultServer, make_client: MakeClient, public_key: str, secret_key: str
) -> None:
    fault_server.on("POST", "/keys/validate", Reply(401, {"valid": False, "reason": "expired"}))
    info = await make_client().validate_key()
    assert info is not None and not info.valid and info.reason == "expired"
    (sent,) = fault_server.requests
    assert sent.body == b""
    check_signature(sent.target, "POST", b"", sent.headers, public_key, secret_key)


async def test_languages_accepts_objects_and_is_cached(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on(
        "GET",
        "/languages",
        Reply(200, {"languages": ["python", {"id": "go"}, {"name": "rust"}, 7]}),
    )
    client = make_client()
    assert await client.languages(refresh=True) == ["python", "go", "rust"]
    assert await client.languages() == ["python", "go", "rust"]
    assert len(fault_server.requests) == 1


async def test_health_sends_no_credentials(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    fault_server.on("GET", "/health", Reply(200, "ok"))
    assert await make_client().health() == {"status": "ok"}
    assert "authorization" not in fault_server.requests[0].headers


# ---------------------------------------------------------------- secret hygiene


async def test_no_secret_in_any_error_repr_or_log(
    fault_server: FaultServer,
    make_client: MakeClient,
    secret_key: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    legacy_key = "unsb-sk-" + secret_key[-20:] + "legacy"
    echo = {"error": "invalid_key", "message": f"bad key {secret_key} / {legacy_key}"}
    fault_server.on("POST", "/execute", Reply(401, echo))
    fault_server.on("GET", "/jobs/a", Reply(500, echo))
    fault_server.on("GET", "/jobs/b", Reply(200, DONE, reset_after=5))
    fault_server.on("GET", "/jobs/c", Reply(200, f"<html>{secret_key}</html>"))
    fault_server.on("POST", "/run", Reply(429, echo))
    clients = [
        make_client(),
        make_client(credentials=Credentials(api_key=legacy_key, source="env")),
    ]
    texts: list[str] = []
    for client in clients:
        texts += [repr(client), str(client), repr(client.credentials), str(client.credentials)]
        for call in (
            client.execute(REQUEST),
            client.get_job("a"),
            client.get_job("b"),
            client.get_job("c"),
            client.run(RawRunRequest("#!/bin/sh\n")),
        ):
            with pytest.raises(UnsandboxError) as caught:
                await call
            error: BaseException | None = caught.value
            while error is not None:  # the whole chain, as a traceback would show it
                texts += [str(error), repr(error), repr(error.args)]
                error = error.__cause__ or error.__context__
    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(record.args) for record in caplog.records]
    joined = "\n".join(texts)
    assert secret_key not in joined
    assert legacy_key not in joined
    assert "<hidden>" in joined  # the echoed secret was found and scrubbed


async def test_429_during_learned_polling_stretches_the_plan_and_never_ends_the_wait(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    from unsandbox_ls.api.run_mode import RunObservation

    fault_server.on("POST", "/execute/async", Reply(202, {"job_id": "j1", "status": "pending"}))
    limited = Reply(429, {"error": "rate_limit_exceeded"}, headers={"Retry-After": "0.2"})
    fault_server.on("GET", "/jobs/j1", *([limited] * 3), Reply(200, DONE))
    client = make_client(retry=RetryPolicy(backoff=0.01, max_delay=0.5, max_rate_limit_retries=1))
    observed = RunObservation()
    started = time.monotonic()
    result = await client.run_request(REQUEST, recent=(0.05, 0.06), observed=observed)
    assert result.stdout == "hi\n"
    assert observed.plan.startswith("learned from 2 runs")
    assert len(fault_server.requests_to("GET", "/jobs/j1")) == 4
    # the learned plan alone polls 4 times within 0.4 s; Retry-After stretched it
    assert time.monotonic() - started >= 3 * 0.2
    assert not fault_server.requests_to("DELETE", "/jobs/j1")


async def test_a_cancel_while_the_submitted_job_is_reported_deletes_it(
    fault_server: FaultServer, make_client: MakeClient
) -> None:
    """Cancel works from the moment the job id is known, even before the first poll."""
    fault_server.on("POST", "/execute/async", Reply(202, {"job_id": "j4", "status": "pending"}))
    fault_server.on("DELETE", "/jobs/j4", Reply(200, {"job_id": "j4", "status": "cancelled"}))
    reported = asyncio.Event()

    async def slow_report(update: object) -> None:
        reported.set()
        await asyncio.sleep(30)

    task = asyncio.create_task(make_client().run_request(REQUEST, on_update=slow_report))
    await asyncio.wait_for(reported.wait(), 5)
    task.cancel()
    with pytest.raises(JobCancelled):
        await asyncio.wait_for(task, 5)
    assert len(fault_server.requests_to("DELETE", "/jobs/j4")) == 1
    assert not fault_server.requests_to("GET", "/jobs/j4")
