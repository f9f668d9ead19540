"""`classify`: what one attempt at a request came to, row by row, without HTTP."""

from __future__ import annotations

import httpx
import pytest

from unsandbox_ls.api.classify import Submission, classify
from unsandbox_ls.api.errors import (
    JobNotFoundError,
    NetworkError,
    RateLimitedError,
    RequestRejectedError,
    ServerError,
)
from unsandbox_ls.api.transport import Answer

REMOTE = "https://api.example.test"
LOCAL = "http://127.0.0.1:8765"


def answer(status: int, body: bytes = b"{}", **headers: str) -> Answer:
    return Answer(status, httpx.Headers({"content-type": "application/json", **headers}), body)


def sent(method: str, path: str, base_url: str = REMOTE, **more: object) -> Submission:
    return Submission(method, path, base_url, **more)  # type: ignore[arg-type]


SUBMIT = sent("POST", "/execute")
POLL = sent("GET", "/jobs/j1", job_id="j1")


@pytest.mark.parametrize(
    ("outcome", "submission", "action", "error"),
    [
        (answer(200), SUBMIT, "accept", None),
        (answer(204, b""), sent("DELETE", "/jobs/j1"), "accept", None),
        (answer(401), sent("POST", "/keys/validate", ok_statuses=(401, 403)), "accept", None),
        (answer(429), SUBMIT, "rate_limited", RateLimitedError),
        (answer(429), POLL, "rate_limited", RateLimitedError),
        (answer(500), POLL, "transient", ServerError),
        (answer(500), SUBMIT, "final", ServerError),
        (answer(504), sent("POST", "/execute/async"), "final", ServerError),
        (answer(502), SUBMIT, "transient", ServerError),
        (answer(503), sent("POST", "/run/async"), "transient", ServerError),
        (answer(503), sent("POST", "/keys/validate"), "transient", ServerError),
        (answer(400, b'{"error": "bad"}'), SUBMIT, "final", RequestRejectedError),
        (answer(404), POLL, "final", JobNotFoundError),
        (httpx.ConnectError("refused"), SUBMIT, "transient", NetworkError),
        (httpx.ConnectTimeout("slow"), SUBMIT, "transient", NetworkError),
        (httpx.PoolTimeout("busy"), SUBMIT, "transient", NetworkError),
        (httpx.ReadTimeout("slow"), SUBMIT, "final", NetworkError),
        (httpx.ReadTimeout("slow"), POLL, "transient", NetworkError),
        (httpx.WriteTimeout("slow"), sent("POST", "/run"), "final", NetworkError),
        (httpx.RemoteProtocolError("reset"), SUBMIT, "final", NetworkError),
        (httpx.RemoteProtocolError("reset"), sent("DELETE", "/jobs/j1"), "transient", NetworkError),
        (httpx.DecodingError("bad gzip"), POLL, "final", NetworkError),
    ],
)
def test_each_outcome(
    outcome: Answer | httpx.HTTPError,
    submission: Submission,
    action: str,
    error: type[Exception] | None,
) -> None:
    verdict = classify(outcome, submission)
    assert verdict.action == action
    if error is None:
        assert verdict.error is None and verdict.answer is outcome
    else:
        assert type(verdict.error) is error and verdict.answer is None


def test_retry_after_is_read_from_the_answer() -> None:
    verdict = classify(answer(429, **{"retry-after": "3"}), SUBMIT)
    assert verdict.retry_after == 3.0
    assert isinstance(verdict.error, RateLimitedError) and verdict.error.retry_after == 3.0


def test_a_submission_that_may_have_started_says_so() -> None:
    verdict = classify(httpx.ReadTimeout("slow"), SUBMIT)
    assert "the job may still be running" in str(verdict.error)
    assert "may still be running" not in str(classify(httpx.ReadTimeout("slow"), POLL).error)


def test_no_local_sandbox_is_named_as_such() -> None:
    local = classify(httpx.ConnectError("refused"), sent("POST", "/execute", LOCAL))
    remote = classify(httpx.ConnectError("refused"), SUBMIT)
    assert "local sandbox" in str(local.error) and "unsandbox-ls sandbox" in str(local.error)
    assert "cannot connect to the API at https://api.example.test" in str(remote.error)


def test_only_network_and_server_failures_count_as_failed() -> None:
    assert classify(answer(503), POLL).failed
    assert classify(httpx.ConnectError("refused"), POLL).failed
    assert not classify(answer(429), POLL).failed
    assert not classify(answer(400), POLL).failed


def test_a_404_after_failures_says_the_api_lost_the_job() -> None:
    first = classify(answer(404), POLL)
    later = classify(answer(404), sent("GET", "/jobs/j1", job_id="j1", after_failure=True))
    assert str(first.error) != str(later.error)
