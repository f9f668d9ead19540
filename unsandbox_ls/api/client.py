"""`UnsandboxClient`: every endpoint a one-shot run needs, with retries, polling and cancel.

    async with UnsandboxClient(resolve_base_url(), find_credentials()) as client:
        result = await client.run_request(ExecuteRequest("python", "print(1)"))

Layers, each in its module: `transport` (one exchange: the httpx client of the base URL, TLS,
the capped read, scrubbing secrets), `classify` (what one attempt came to: pure), `retrying`
(the retry loop), `waiter` (polling a job, one method per way a wait ends, and the cancel
helper). This module holds the endpoints and `run_request`.

Transport. httpx, with an injectable `transport=`. Redirects are never followed: credentials go
only to the configured base URL, and a 3xx is reported (naming the target host) instead.
Response bodies are streamed and reading stops past `max_response_bytes` (64 MiB by default).
JSON bodies are serialised once and sent with `content=` so the signed bytes are the sent bytes.

Retries (delays in `RetryPolicy`, see `policy.py`). Reads (`GET`) and `DELETE` are retried after
a connection failure, a timeout, a connection reset, 429 and any 5xx. The submissions
(`POST /execute`, `/execute/async`, `/run`, `/run/async`) are not idempotent: a retry could start
the program twice. They are retried only when the request certainly did not start a job: the
connection could not be opened (`ConnectError`, connect timeout, no free pooled connection), or
the API answered 429, 502 or 503 (not accepted: rate limited, or the proxy in front could not
reach the API). They are never retried after a read or write timeout, a connection reset once
the request was on its way, or a 500 or 504: the job may already be running.

Polling (`wait`): a `PollPlan` (see `policy.py`): `run_request` builds it from the file's
recent run times (`run_mode.py`), else the delays of `poll_schedule`; re-signed at each poll. A 404
right after submission is retried `RetryPolicy.not_found_retries` times; a poll that still fails
after its own retries (5xx, network) is repeated up to `RetryPolicy.max_failed_polls` times in a
row; a 404 after such failures means the API restarted and lost the job, and is reported so. A
poll answered 429 backs off (honouring `Retry-After`, capped) and polls again for as long as the
wait's own timeout allows. Cancelling the task that awaits `wait` (or `run_request`) sends
`DELETE /jobs/{id}`, shielded and bounded by `cancel_timeout`, and raises `JobCancelled` (with
the output the cancel answer carried) or `CancelNotConfirmed`; giving up after the wait's own
timeout cancels the job too. A synchronous `/execute` or `/run` answered with a pending job is
polled the same way. Jobs are read in both documented shapes (`models.result_fields`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, Literal

import httpx

from unsandbox_ls.api.auth import auth_for
from unsandbox_ls.api.classify import Outcome, Submission
from unsandbox_ls.api.credentials import Credentials
from unsandbox_ls.api.errors import (
    ApiError,
    BadResponseError,
    RequestRejectedError,
    UnsandboxError,
    ValidationError,
)
from unsandbox_ls.api.limits import MAX_RESPONSE_BYTES, TTL_GRACE
from unsandbox_ls.api.models import (
    TERMINAL_STATUSES,
    ExecuteRequest,
    Job,
    JobUpdate,
    KeyInfo,
    RawRunRequest,
    RunResult,
    holds_result,
    is_pending_job,
    json_body,
)
from unsandbox_ls.api.policy import (
    DEFAULT_POLL_SCHEDULE,
    PollPlan,
    RetryPolicy,
    plan_from_schedule,
    poll_delays,
)
from unsandbox_ls.api.quick_exchange import Broken, Reply
from unsandbox_ls.api.responses import (
    error_for_status,
    expect_object,
    parse_json,
)
from unsandbox_ls.api.retrying import send_with_retries
from unsandbox_ls.api.run_mode import RunObservation, choose_mode, plan_for
from unsandbox_ls.api.transport import Answer, Scrubber, Transport, open_http
from unsandbox_ls.api.waiter import JobWaiter, OnUpdate, raise_cancelled, report

log = logging.getLogger("unsandbox_ls.api")

LANGUAGES_CACHE_SECONDS = 3600.0

_languages_cache: dict[str, tuple[float, list[str]]] = {}


class UnsandboxClient:
    """An async client of one unsandbox API (hosted or the local sandbox)."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        poll_schedule: Sequence[float] = DEFAULT_POLL_SCHEDULE,
        clock: Callable[[], float] = time.time,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        cancel_timeout: float = 5.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.retry = retry or RetryPolicy()
        self.poll_schedule = tuple(poll_schedule)
        next(poll_delays(self.poll_schedule))  # raises ValueError on an empty schedule
        self.cancel_timeout = cancel_timeout
        self.max_response_bytes = max_response_bytes
        self._connect_timeout = connect_timeout
        self._auth = auth_for(credentials, clock=clock) if credentials else None
        http = open_http(
            self.base_url, transport=transport, timeout=timeout, connect_timeout=connect_timeout
        )
        self._transport = Transport(http, self._auth, max_response_bytes)
        secrets = (credentials.secret_key, credentials.api_key) if credentials else ()
        self._scrubber = Scrubber(tuple(s or "" for s in secrets))

    def __repr__(self) -> str:
        scheme = self.credentials.scheme if self.credentials else "none"
        return f"UnsandboxClient(base_url={self.base_url!r}, auth={scheme!r})"

    async def __aenter__(self) -> UnsandboxClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    @property
    def is_closed(self) -> bool:
        return self._transport.http.is_closed

    # ------------------------------------------------------------------ requests

    def _scrubbed(self, error: UnsandboxError) -> UnsandboxError:
        return self._scrubber.error(error)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        authenticated: bool = True,
        job_id: str | None = None,
        ok_statuses: Sequence[int] = (),
        rate_limit_retries: int | None = None,
        first: Outcome | None = None,
    ) -> Answer:
        """Send with bounded retries (`retrying`); a 2xx answer (or one in `ok_statuses`),
        else raise. `rate_limit_retries` overrides the policy's retries of a 429 (polls wait on
        their own)."""
        submission = Submission(
            method,
            path,
            self.base_url,
            job_id=job_id,
            ok_statuses=tuple(ok_statuses),
            credentials_source=self.credentials.source if self.credentials else None,
        )

        send = partial(
            self._transport.send,
            method, path, content=content, params=params, headers=headers,
            timeout=timeout, authenticated=authenticated,
        )  # fmt: skip
        return await send_with_retries(
            send,
            submission,
            self.retry,
            self._scrubber,
            rate_limit_retries=rate_limit_retries,
            first=first,
        )

    def _parse_json(self, answer: Answer, what: str) -> Any:
        """The JSON of an answer; errors quote the body, so they are scrubbed of secrets."""
        try:
            return parse_json(answer.body, answer.content_type, what)
        except UnsandboxError as exc:
            raise self._scrubbed(exc) from None

    async def _json_object(self, answer: Answer, what: str) -> dict[str, Any]:
        return expect_object(self._parse_json(answer, what), what)

    # ------------------------------------------------------------------ endpoints

    async def execute(
        self,
        request: ExecuteRequest,
        *,
        on_update: OnUpdate | None = None,
        poll_plan: PollPlan | None = None,
        observed: RunObservation | None = None,
        first: Outcome | None = None,
    ) -> RunResult:
        """`POST /execute`: run and wait in one request (`first`: its first attempt's outcome,
        when that was made elsewhere).

        If the API answers with a pending job instead of the result (`{job_id, status}`, as the
        official clients expect it may), the job is polled like an async one: `on_update` gets
        its progress and cancelling the awaiting task cancels it. Cancelled before any answer
        (no job id is known yet), the request is closed: the local sandbox cancels a job whose
        client hangs up; whether the hosted API does is not documented.
        """
        request.validate()
        timeout = self._run_timeout(request.options.ttl)
        data = await self._submit_json("/execute", request, timeout, first)
        return await self._result_or_poll(
            data, "POST /execute", request.options.ttl, on_update, poll_plan, observed
        )

    async def submit(self, request: ExecuteRequest) -> Job:
        """`POST /execute/async`: start a job; poll it with `wait`."""
        request.validate()
        data = await self._submit_json("/execute/async", request, None)
        return self._job_from_submission(data, "POST /execute/async")

    async def run(
        self,
        request: RawRunRequest,
        *,
        on_update: OnUpdate | None = None,
        poll_plan: PollPlan | None = None,
        observed: RunObservation | None = None,
        first: Outcome | None = None,
    ) -> RunResult:
        """`POST /run`: raw source, language from the shebang; waits for the result (polls a
        pending answer, as `execute` does)."""
        request.validate()
        timeout = self._run_timeout(request.options.ttl)
        data = await self._submit_text("/run", request, timeout, first)
        return await self._result_or_poll(
            data, "POST /run", request.options.ttl, on_update, poll_plan, observed
        )

    async def submit_raw(self, request: RawRunRequest) -> Job:
        """`POST /run/async`: start a shebang run; poll it with `wait`."""
        request.validate()
        data = await self._submit_text("/run/async", request, None)
        return self._job_from_submission(data, "POST /run/async")

    async def get_job(self, job_id: str, *, rate_limit_retries: int | None = None) -> Job:
        """`GET /jobs/{id}`: the job, flat or with its result nested under `result`."""
        path = f"/jobs/{_job_path(job_id)}"
        answer = await self._request(
            "GET", path, job_id=job_id, rate_limit_retries=rate_limit_retries
        )
        data = await self._json_object(answer, f"GET {path}")
        job = Job.from_wire(data)
        return job if job.job_id else Job.from_wire({**data, "job_id": job_id})

    async def list_jobs(self) -> list[Job]:
        """`GET /jobs`: the account's recent jobs."""
        answer = await self._request("GET", "/jobs")
        data = self._parse_json(answer, "GET /jobs")
        items = data.get("jobs") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise BadResponseError("the API answered GET /jobs without a list of jobs")
        return [Job.from_wire(item) for item in items if isinstance(item, dict)]

    async def cancel_job(self, job_id: str) -> Job | None:
        """`DELETE /jobs/{id}`; the job as the API reports it when it says so, else None (204).

        The docs' answer is `{message, job_id, result: {stdout, stderr, error, exit_code: -1}}`
        (the output printed before the cancel); the local sandbox's flat mode answers the
        cancelled job object. Both become a `cancelled` job whose result holds that output.
        """
        path = f"/jobs/{_job_path(job_id)}"
        answer = await self._request("DELETE", path, job_id=job_id)
        if not answer.body.strip():
            return None
        try:
            data = json.loads(answer.body)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        status = data.get("status")
        if not isinstance(status, str) or status not in TERMINAL_STATUSES:
            data = {**data, "status": "cancelled"}
        return Job.from_wire({"job_id": job_id, **data})

    async def languages(self, *, refresh: bool = False) -> list[str]:
        """`GET /languages`, cached for an hour per base URL."""
        cached = _languages_cache.get(self.base_url)
        if cached and not refresh and time.monotonic() - cached[0] < LANGUAGES_CACHE_SECONDS:
            return list(cached[1])
        answer = await self._request("GET", "/languages", authenticated=self._auth is not None)
        data = self._parse_json(answer, "GET /languages")
        items = data.get("languages") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise BadResponseError("the API answered GET /languages without a list of languages")
        names: list[str] = []
        for item in items:
            if isinstance(item, str) and item:
                names.append(item)
            elif isinstance(item, dict):
                name = item.get("id", item.get("name"))
                if isinstance(name, str) and name:
                    names.append(name)
        _languages_cache[self.base_url] = (time.monotonic(), names)
        return list(names)

    async def health(self) -> dict[str, Any]:
        """`GET /health` (no credentials sent); its JSON, or `{"status": <text>}`."""
        answer = await self._request("GET", "/health", authenticated=False)
        try:
            data = json.loads(answer.body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return data
        text = answer.body.decode("utf-8", errors="replace").strip()[:200]
        return {"status": text or "ok"}

    async def validate_key(self) -> KeyInfo | None:
        """`POST /keys/validate` (empty body, still signed); None if the API cannot validate."""
        try:
            answer = await self._request(
                "POST", "/keys/validate", content=b"", ok_statuses=(401, 403)
            )
        except ApiError as exc:
            if exc.status == 404:
                return None
            raise
        try:
            data = json.loads(answer.body)
        except ValueError:
            data = None
        if answer.status in (401, 403) and not (isinstance(data, dict) and "valid" in data):
            raise self._scrubbed(
                error_for_status(
                    answer.status,
                    answer.body,
                    answer.headers,
                    what="POST /keys/validate",
                    credentials_source=self.credentials.source if self.credentials else None,
                )
            )
        if data is None:
            data = self._parse_json(answer, "POST /keys/validate")
        return KeyInfo.from_wire(expect_object(data, "POST /keys/validate"))

    # ------------------------------------------------------------------ waiting

    async def wait(
        self,
        job: Job | str,
        *,
        on_update: OnUpdate | None = None,
        timeout: float | None = None,
        poll_schedule: Sequence[float] | None = None,
        poll_plan: PollPlan | None = None,
        observed: RunObservation | None = None,
    ) -> RunResult:
        """Poll `GET /jobs/{id}` until the job is terminal; its result.

        The polls follow `poll_plan` (times counted from `observed.started` when given, else
        from now), else the delays of `poll_schedule` or the client's schedule. `observed`
        receives the number of polls and the times the job was last seen running and first
        seen done.

        `timeout` (seconds) bounds the whole wait: past it the job is cancelled and
        `JobTimeoutError` raised. A poll answered 429 is not an end: the wait backs off
        (honouring `Retry-After`, capped at `RetryPolicy.max_delay`) and polls again until the
        job ends or `timeout` passes. Cancelling the awaiting task cancels the job first and
        raises `JobCancelled` (with the output the cancel answer carried) or, when the API did
        not confirm the cancel, `CancelNotConfirmed`.
        """
        if isinstance(job, str):
            job = Job(job_id=job, status="pending")
        if job.done:
            return job.result or RunResult(status=job.status, exit_code=None, job_id=job.job_id)
        if poll_plan is None:
            schedule = tuple(poll_schedule) if poll_schedule else self.poll_schedule
            poll_plan = plan_from_schedule(schedule)
        if observed is not None:
            observed.plan = poll_plan.label
        waiter = JobWaiter(
            self, job.job_id, poll_plan, on_update=on_update, timeout=timeout, observed=observed
        )
        return await waiter.wait()

    async def run_request(
        self,
        request: ExecuteRequest | RawRunRequest,
        *,
        mode: Literal["async", "sync", "auto"] = "async",
        on_update: OnUpdate | None = None,
        recent: Sequence[float] = (),
        observed: RunObservation | None = None,
        first: Reply | Broken | None = None,
    ) -> RunResult:
        """Run a request to the end: submit + poll (`async`, cancellable) or one call (`sync`).

        `recent` holds the file's recent run times (seconds, submission to end; see
        `runs/timing.py`): polls follow a plan around the expected end (`run_mode.plan_for`).
        `auto` chooses per run: `sync` when every recent run was short (`choose_mode`), else
        `async`. `observed` (when given) is filled with what the caller records: the mode
        used, the plan, the polls and the run time. `first`: what the first attempt of a `sync`
        run came to when the command line's quick exchange (`quick_exchange.py`) made it, an
        answer or a broken exchange: it is judged, retried or polled as this client's own.
        """
        request.validate()
        ttl = request.options.ttl
        observed = observed if observed is not None else RunObservation()
        observed.start(time.monotonic())
        chosen = "sync" if first is not None else choose_mode(mode, recent)
        observed.mode = chosen
        plan = (
            plan_for(recent)
            if recent or self.poll_schedule == DEFAULT_POLL_SCHEDULE
            else plan_from_schedule(self.poll_schedule)
        )
        if chosen == "sync":
            outcome = _outcome_of(first) if first is not None else None
            if isinstance(request, RawRunRequest):
                result = await self.run(
                    request, on_update=on_update, poll_plan=plan, observed=observed, first=outcome
                )
            else:
                result = await self.execute(
                    request, on_update=on_update, poll_plan=plan, observed=observed, first=outcome
                )
            return observed.finish(result, time.monotonic())
        if isinstance(request, RawRunRequest):
            job = await self.submit_raw(request)
        else:
            job = await self.submit(request)
        result = await self._announce_and_wait(job, ttl, on_update, plan, observed)
        return observed.finish(result, time.monotonic())

    async def _announce_and_wait(
        self,
        job: Job,
        ttl: int,
        on_update: OnUpdate | None,
        plan: PollPlan | None,
        observed: RunObservation | None,
    ) -> RunResult:
        """Report a just-submitted job to `on_update`, then poll it. A cancel from the moment
        the job id is known (even while `on_update` runs) deletes the job."""
        try:
            await report(on_update, JobUpdate(job, 0.0, 0))
        except asyncio.CancelledError:
            await raise_cancelled(self, job.job_id)
        result = await self.wait(
            job, on_update=on_update, timeout=ttl + TTL_GRACE, poll_plan=plan, observed=observed
        )
        if result.detected_language is None and job.detected_language:
            result = result._replace(detected_language=job.detected_language)
        return result

    # ------------------------------------------------------------------ helpers

    def _run_timeout(self, ttl: int) -> httpx.Timeout:
        return httpx.Timeout(ttl + TTL_GRACE, connect=self._connect_timeout)

    async def _submit_text(
        self,
        path: str,
        request: RawRunRequest,
        timeout: httpx.Timeout | None,
        first: Outcome | None = None,
    ) -> dict[str, Any]:
        """POST the raw source as text/plain, the options as query parameters."""
        answer = await self._request(
            "POST",
            path,
            content=request.code.encode("utf-8", errors="replace"),
            params=request.query(),
            headers={"Content-Type": "text/plain"},
            timeout=timeout,
            first=first,
        )
        return await self._json_object(answer, f"POST {path}")

    async def _submit_json(
        self,
        path: str,
        request: ExecuteRequest,
        timeout: httpx.Timeout | None,
        first: Outcome | None = None,
    ) -> dict[str, Any]:
        payload = request.to_wire()

        async def post(first: Outcome | None = None) -> Answer:
            return await self._request(
                "POST",
                path,
                content=json_body(payload),
                headers={"Content-Type": "application/json"},
                timeout=timeout,
                first=first,
            )

        try:
            answer = await post(first)
        except RequestRejectedError as exc:
            if exc.status != 400 or not payload.get("input_files"):
                raise
            # Some deployments name the field `content_base64`: try that spelling once.
            log.info("POST %s: 400 with input files; retrying with content_base64", path)
            payload["input_files"] = [
                {"filename": f["filename"], "content_base64": f["content"]}
                for f in payload["input_files"]
            ]
            answer = await post()
        return await self._json_object(answer, f"POST {path}")

    def _job_from_submission(self, data: dict[str, Any], what: str) -> Job:
        job = Job.from_wire(data)
        if not job.job_id:
            raise BadResponseError(f"the API answered {what} without a job id")
        return job

    async def _result_or_poll(
        self,
        data: dict[str, Any],
        what: str,
        ttl: int,
        on_update: OnUpdate | None,
        poll_plan: PollPlan | None = None,
        observed: RunObservation | None = None,
    ) -> RunResult:
        """The result of a synchronous answer; a pending job in its place is polled."""
        if is_pending_job(data):
            job = Job.from_wire(data)
            log.info("%s answered with %s job %s; polling it", what, job.status, job.job_id)
            return await self._announce_and_wait(job, ttl, on_update, poll_plan, observed)
        if not holds_result(data):
            raise BadResponseError(f"the API answered {what} without a result")
        return RunResult.from_wire(data)


def _outcome_of(first: Reply | Broken) -> Outcome:
    """The quick exchange's outcome as this client's own attempts come out."""
    if isinstance(first, Broken):
        if first.timeout:
            return httpx.ReadTimeout(str(first.cause) or "timed out")
        return httpx.ReadError(str(first.cause) or first.cause.__class__.__name__)
    return Answer(first.status, httpx.Headers(first.headers), first.body, first.sent_timestamp)


def _job_path(job_id: str) -> str:
    if not job_id or "/" in job_id or "?" in job_id or "#" in job_id or len(job_id) > 200:
        raise ValidationError(f"not a job id: {job_id[:40]!r}")
    return job_id


__all__ = ["MAX_RESPONSE_BYTES", "TTL_GRACE", "OnUpdate", "UnsandboxClient"]
