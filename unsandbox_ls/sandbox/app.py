"""The Starlette application of the local sandbox: the hosted API's endpoints and shapes.

| Endpoint | Answer |
|---|---|
| `POST /execute`, `POST /run` | the finished job's result, flat (but see `pending_after_ms`) |
| `POST /execute/async`, `/run/async` | `{job_id, status: "pending"}` (+ `detected_language`) |
| `GET /jobs/{id}` | the job; running: its output so far; terminal: its result (`job_shape`) |
| `GET /jobs` | `{"jobs": [{job_id, status, language, created_at, …}]}` |
| `DELETE /jobs/{id}` | kills the job; answers as the docs (`nested`) or the job (`flat`) |
| `GET /languages` | `{"languages": [...]}`: the languages whose toolchain was found |
| `GET /health` | `{"status": "ok", …}`, no authentication (`?challenge=HEX`: + `pid`, `proof`) |
| `POST /keys/validate` | `{valid, public_key, tier, status, concurrency, …}` |

A client that hangs up on `POST /execute` or `/run` before the answer cancels its job.

Variants (`AppConfig`), as the hosted API's own material shows them (README, "Local sandbox"):
`job_shape="nested"` puts a terminal job's result fields under `"result"` and answers DELETE
with `{message, job_id, result: {stdout, stderr, error, exit_code: -1, …}}` (the API docs);
`"flat"` puts them on the job and answers DELETE with the cancelled job (the official clients'
reading). `pending_after_ms=N` answers a synchronous `/execute` or `/run` whose job has not
finished within N ms with `{job_id, status: pending|running}` and HTTP 200, to be polled (the
official C CLI and C library take only a 200 from `/execute`, then poll when the body holds a
`job_id` with such a status; the Python and JavaScript clients take any 2xx). `names="flat"`
refuses input file names holding `/` or `..` (400 `invalid_filename`, as the API docs say);
where the files and the code are written is the executor's `job_layout` (`layouts`).
`vcpu`, `return_wasm_artifact` and `return_artifact` on `/run` are read by `run_options`.

Errors are JSON `{"error": code, "message": text}`: 400 bad request, 401 authentication
(a skewed clock's message mentions the timestamp), 404 unknown job or path, 408 a body that
arrives too slowly (after 10 s, slower than 64 KiB/s on average), 413 body too large,
429 `concurrency_limit_reached` with `active_executions` and `concurrency_limit`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from unsandbox_ls import __version__
from unsandbox_ls.sandbox import run_options
from unsandbox_ls.sandbox.auth import HEALTH_CHALLENGE, AuthError, Keys, health_proof, verify
from unsandbox_ls.sandbox.executor import Executor, JobSpec
from unsandbox_ls.sandbox.jobs import Job, JobStore, QueueFull
from unsandbox_ls.sandbox.parsing import BadRequest, parse_execute, parse_run

#: largest accepted body: room for 10 MB of input files in base64, the code, and a margin
MAX_BODY_BYTES = 24 * 1024 * 1024
#: a request body must arrive within this many seconds plus its size at `BODY_MIN_RATE`
BODY_GRACE_SECONDS = 10.0
BODY_MIN_RATE = 64 * 1024  # bytes per second


@dataclass(frozen=True)
class AppConfig:
    keys: Keys
    executor: Executor
    max_jobs: int = 4
    max_queued: int = 64
    sandboxed: bool = True
    #: "flat" (result fields on the job) or "nested" (under "result", as in the API docs)
    job_shape: str = "flat"
    #: answer a synchronous `/execute` or `/run` with the pending job when it has not finished
    #: within this many milliseconds (None: always wait for the result)
    pending_after_ms: int | None = None
    #: "tree" (names such as `pkg/util.py` accepted) or "flat" (`/` and `..` refused)
    names: str = "tree"


def error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **extra}, status_code=status)


def _path_with_query(request: Request) -> str:
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if isinstance(raw, bytes) else request.url.path
    query = request.scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


def _body_deadline(started: float, received: int) -> float:
    """When the body must be complete, given what has arrived: `BODY_GRACE_SECONDS`, plus
    the time `received` bytes take at `BODY_MIN_RATE`."""
    return started + BODY_GRACE_SECONDS + received / BODY_MIN_RATE


async def _read_body(request: Request) -> bytes:
    """The whole body, or 413 when it is too large, or 408 when it arrives too slowly: a client
    trickling a few bytes a second must not hold a connection (and the body's memory) forever."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise HTTPException(413, "request body is larger than 24 MiB")
    chunks: list[bytes] = []
    size = 0
    loop = asyncio.get_running_loop()
    started = loop.time()
    stream = request.stream().__aiter__()
    while True:
        left = _body_deadline(started, size) - loop.time()
        try:
            if left <= 0:
                raise TimeoutError
            chunk = await asyncio.wait_for(stream.__anext__(), timeout=left)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise HTTPException(
                408,
                f"the request body arrived too slowly ({size} bytes in "
                f"{loop.time() - started:.0f} s); send it at once",
            ) from None
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HTTPException(413, "request body is larger than 24 MiB")
        chunks.append(chunk)
    return b"".join(chunks)


Handler = Callable[[Request, bytes], Awaitable[Response]]


def create_app(config: AppConfig) -> Starlette:
    """The ASGI app; the job store is created on start-up inside the server's event loop."""
    languages = sorted(config.executor.toolchains)
    language_set = set(languages)
    state: dict[str, JobStore] = {}

    def store() -> JobStore:
        return state["store"]

    def authed(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            body = await _read_body(request)
            try:
                verify(
                    config.keys,
                    authorization=request.headers.get("authorization"),
                    timestamp=request.headers.get("x-timestamp"),
                    signature=request.headers.get("x-signature"),
                    method=request.method,
                    path_with_query=_path_with_query(request),
                    body=body,
                )
            except AuthError as exc:
                return error(401, exc.code, str(exc))
            try:
                return await handler(request, body)
            except BadRequest as exc:
                return error(400, exc.code, str(exc))
            except QueueFull as exc:
                return error(
                    429,
                    "concurrency_limit_reached",
                    f"{exc}; retry later",
                    active_executions=exc.active,
                    concurrency_limit=config.max_jobs,
                )

        return endpoint

    def find(request: Request) -> Job:
        job = store().get(request.path_params["job_id"])
        if job is None:
            raise HTTPException(404, "no such job (unknown, expired, or lost in a restart)")
        return job

    def sync_answer(job: Job) -> dict[str, Any]:
        """The answer of a synchronous run: the docs' flat result object (`nested` shape; its
        `status` only when not `completed`, as the docs show none), or the flat job object."""
        if config.job_shape != "nested":
            return job.to_wire("flat")
        data = {"job_id": job.job_id, **job.result_object()}
        if job.status != "completed":
            data["status"] = job.status
        return data

    async def finished(job: Job, request: Request) -> Response:
        """Wait for the job; a client that hangs up meanwhile cancels it (frees its slot).

        With `pending_after_ms`, a job still running after that long is answered as pending
        (`{job_id, status}`, HTTP 200 as the official C client requires), which the client
        then polls."""
        if config.pending_after_ms is not None:
            if config.pending_after_ms > 0:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(job.done.wait(), config.pending_after_ms / 1000)
            if not job.done.is_set():
                pending: dict[str, Any] = {"job_id": job.job_id, "status": job.status}
                if job.detected_language is not None:
                    pending["detected_language"] = job.detected_language
                return JSONResponse(pending)
        while not job.done.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(job.done.wait(), timeout=0.5)
            if not job.done.is_set() and await request.is_disconnected():
                store().cancel(job)
                await job.done.wait()
        return JSONResponse(sync_answer(job))

    def submit_json(body: bytes) -> Job:
        spec = parse_execute(
            body, language_set, config.executor.job_layout, flat_names=config.names == "flat"
        )
        extras = run_options.from_json_body(body)
        job = store().submit(spec)
        job.vcpu = extras.vcpu
        return job

    async def execute(request: Request, body: bytes) -> Response:
        return await finished(submit_json(body), request)

    async def execute_async(request: Request, body: bytes) -> Response:
        job = submit_json(body)
        return JSONResponse({"job_id": job.job_id, "status": job.status})

    def submit_raw(request: Request, body: bytes) -> Job:
        query = dict(request.query_params)
        spec: JobSpec = parse_run(body, query, language_set)
        extras = run_options.from_mapping(query)
        if extras.return_artifact:
            spec = replace(spec, return_artifact=True)
        job = store().submit(spec, detected_language=spec.language)
        job.vcpu = extras.vcpu
        return job

    async def run(request: Request, body: bytes) -> Response:
        return await finished(submit_raw(request, body), request)

    async def run_async(request: Request, body: bytes) -> Response:
        job = submit_raw(request, body)
        return JSONResponse(
            {"job_id": job.job_id, "detected_language": job.detected_language, "status": job.status}
        )

    async def get_job(request: Request, body: bytes) -> Response:
        return JSONResponse(find(request).to_wire(config.job_shape))

    async def list_jobs(request: Request, body: bytes) -> Response:
        return JSONResponse({"jobs": [job.summary() for job in store().list()]})

    async def delete_job(request: Request, body: bytes) -> Response:
        job = find(request)
        store().cancel(job)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(job.done.wait(), timeout=10)
        if config.job_shape != "nested":
            return JSONResponse(job.to_wire("flat"))
        if job.terminal and job.status != "cancelled":  # it ended before the cancel
            return JSONResponse({"message": f"Job already {job.status}", **job.to_wire("nested")})
        result = job.result_object()
        partial = {k: result[k] for k in ("stdout", "stderr")}
        return JSONResponse(
            {
                "message": "Job cancelled",
                "job_id": job.job_id,
                "result": {
                    "success": False,
                    **partial,
                    "error": "Job cancelled by user",
                    "exit_code": -1,
                },
            }
        )

    async def validate_key(request: Request, body: bytes) -> Response:
        return JSONResponse(
            {
                "valid": True,
                "public_key": config.keys.public_key,
                "tier": "local",
                "status": "active",
                "valid_through_datetime": None,
                "rate_per_minute": None,
                "burst": None,
                "concurrency": config.max_jobs,
            }
        )

    async def list_languages(request: Request) -> Response:
        return JSONResponse({"languages": languages})

    async def health(request: Request) -> Response:
        s = state.get("store")
        body: dict[str, Any] = {
            "status": "ok",
            "version": __version__,
            "sandboxed": config.sandboxed,
            "active_executions": s.active_count() if s else 0,
            "concurrency_limit": config.max_jobs,
            "time": time.time(),
        }
        challenge = request.query_params.get("challenge", "")
        secret = config.keys.secret_key
        if secret and HEALTH_CHALLENGE.fullmatch(challenge):
            body["pid"] = os.getpid()
            body["proof"] = health_proof(secret, challenge, body["pid"])
        return JSONResponse(body)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        codes = {
            404: "not_found",
            405: "method_not_allowed",
            408: "request_timeout",
            413: "request_too_large",
        }
        return error(exc.status_code, codes.get(exc.status_code, "error"), str(exc.detail))

    async def internal_error(request: Request, exc: Exception) -> Response:
        return error(500, "internal_error", f"internal error: {type(exc).__name__}")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state["store"] = JobStore(
            config.executor, max_jobs=config.max_jobs, max_queued=config.max_queued
        )
        app.state.job_store = state["store"]  # read by `serve`'s idle stop
        config.executor.warm_up()  # a job is prepared ahead of the first request
        try:
            yield
        finally:
            await state["store"].shutdown()
            config.executor.close()

    routes = [
        Route("/execute", authed(execute), methods=["POST"]),
        Route("/execute/async", authed(execute_async), methods=["POST"]),
        Route("/run", authed(run), methods=["POST"]),
        Route("/run/async", authed(run_async), methods=["POST"]),
        Route("/jobs", authed(list_jobs), methods=["GET"]),
        Route("/jobs/{job_id}", authed(get_job), methods=["GET"]),
        Route("/jobs/{job_id}", authed(delete_job), methods=["DELETE"]),
        Route("/languages", list_languages, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/keys/validate", authed(validate_key), methods=["POST"]),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HTTPException: http_error, Exception: internal_error},
    )
