"""Plan → result through the API client, and the client for a set of settings.

`execute` sends the plan's request the way the plan says (`async`: submit and poll, with
`on_update` on every poll; `sync`: one request; `auto`: one of the two, chosen from the file's
recent run times, which also shape the poll plan). Cancelling the awaiting task cancels the job.
The run time it observes is remembered for the next run of the file (`runs/timing.py`), once the
caller has shown the result: the write is scheduled, not awaited.
`execute_quickly` is the command line's quick path: a run that goes as one request to a local
sandbox, sent without asyncio or httpx (`api/quick_exchange.py`); anything else it hands over
(`Handover`) to `execute`, which goes on from what the first attempt came to.
`connect` resolves the base URL and the credentials (explicit values first, then the
environment and `~/.unsandbox/accounts.csv`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from unsandbox_ls.lazy_logger import lazy_logger
from unsandbox_ls.records import repr_hiding

if TYPE_CHECKING:
    from unsandbox_ls.api.client import OnUpdate, UnsandboxClient
    from unsandbox_ls.api.credentials import Credentials
    from unsandbox_ls.api.models import JobUpdate, RunResult
    from unsandbox_ls.api.quick_exchange import Broken, Reply
    from unsandbox_ls.api.run_mode import RunObservation
    from unsandbox_ls.runs.plan import Plan

logger = lazy_logger(__name__)


class Connection(NamedTuple):
    """Where runs go and with which keys (explicit values; None: the environment's)."""

    base_url: str | None = None
    public_key: str | None = None
    secret_key: str | None = None
    api_key: str | None = None
    account: int | None = None

    def __repr__(self) -> str:
        return repr_hiding(self, "public_key", "secret_key", "api_key")


def resolve(
    connection: Connection, env: Mapping[str, str] | None = None
) -> tuple[str, Credentials]:
    """(base URL, credentials) for `connection`.

    `ConfigurationError` (`MissingCredentialsError` among them) says what is missing or unsafe;
    the server turns it into a refused run, the CLI into its exit status.
    """
    from unsandbox_ls.api.credentials import find_credentials, resolve_base_url

    environ = os.environ if env is None else env
    base_url = resolve_base_url(connection.base_url, environ)
    credentials = find_credentials(
        public_key=connection.public_key,
        secret_key=connection.secret_key,
        api_key=connection.api_key,
        account=connection.account,
        env=environ,
    )
    return base_url, credentials


def without_boot_report(result: RunResult, nonce: str, label: str) -> RunResult:
    """The result without the start-up hook's framed report (logged: what the hook found)."""
    from unsandbox_ls.hooks.startup import take_report

    stderr, report = take_report(result.stderr, nonce)
    stdout, _ = take_report(result.stdout, nonce)
    if report.ran:
        logger.info("%s: start-up hook: %s", label, "; ".join(report.lines))
    else:
        logger.info("%s: the start-up hook did not run (the sandbox ignored it)", label)
    return result._replace(stdout=stdout, stderr=stderr)


def with_in_place(result: RunResult, nonce: str, label: str) -> RunResult:
    """The result without the hook's in-place block, what it held in `result.in_place`."""
    from unsandbox_ls.runs.in_place import take_in_place

    stderr, found = take_in_place(result.stderr, nonce)
    if stderr == result.stderr:
        return result
    if found is None:
        logger.info("%s: the in-place block could not be read", label)
    else:
        logger.info(
            "%s: in place: %d lines wrote output, %d frames with values",
            label, len(found.lines), len(found.frames),
        )  # fmt: skip
    return result._replace(stderr=stderr, in_place=found)


class Handover(NamedTuple):
    """A run `execute_quickly` leaves to `execute`: `first` is what its first attempt came to
    (None: nothing was sent)."""

    first: Reply | Broken | None = None


def _timed(plan: Plan) -> tuple[str, str | None, str]:
    """The key of the file's recent run times (`runs/timing.py`)."""
    source = plan.source
    file = os.path.realpath(source.path) if source.path else source.uri
    return file, plan.language, source.kind


def _finished(plan: Plan, result: RunResult, observed: RunObservation, label: str) -> RunResult:
    """The result as shown: the hook's blocks taken out; one log line says how it went."""
    logger.info("%s: %s", label, observed.describe())
    if plan.boot is not None:
        result = without_boot_report(result, plan.boot.nonce, label)
        result = with_in_place(result, plan.boot.nonce, label)
    return result


async def execute(
    plan: Plan,
    client: UnsandboxClient,
    *,
    on_update: OnUpdate | None = None,
    label: str | None = None,
    handover: Handover | None = None,
) -> RunResult:
    """Send the plan and wait for its result; its run time is remembered for the next run.

    The log gets one line saying how it was sent and polled, headed by `label` (the server's
    `run <id>`), else by the file's name. `handover`: the quick path's first attempt."""
    import asyncio

    from unsandbox_ls.api.cancelled import JobCancelled
    from unsandbox_ls.api.run_mode import RunObservation
    from unsandbox_ls.runs import timing

    timed = _timed(plan)
    label = label or plan.source.name
    observed = RunObservation()
    if plan.boot is not None and on_update is not None:
        on_update = _without_blocks(on_update, plan.boot.nonce)
    try:
        result = await client.run_request(
            plan.request,
            mode=plan.mode,
            on_update=on_update,
            recent=await timing.recent_off_loop(*timed),
            observed=observed,
            first=handover.first if handover is not None else None,
        )
    except JobCancelled as exc:  # the output printed before the cancel, without the hook's blocks
        if plan.boot is not None and exc.partial is not None:
            partial = without_boot_report(exc.partial, plan.boot.nonce, label)
            exc.partial = with_in_place(partial, plan.boot.nonce, label)
        raise
    result = _finished(plan, result, observed, label)
    # after the caller has shown the result (it runs on in this step), on the store's thread
    asyncio.get_running_loop().call_soon(
        timing.learn_off_loop, *timed, result.status, observed.run_s
    )
    return result


def goes_as_one_request(plan: Plan) -> bool:
    """Whether the plan's mode is, or `auto` chooses from the file's recent runs, `sync`."""
    from unsandbox_ls.api.run_mode import choose_mode
    from unsandbox_ls.runs import timing

    return choose_mode(plan.mode, timing.recent(*_timed(plan))) == "sync"


def execute_quickly(
    plan: Plan,
    base_url: str,
    credentials: Credentials,
    *,
    socket_path: str | None = None,
    while_waiting: Callable[[], None] | None = None,
) -> RunResult | Handover:
    """The plan as one blocking request (`api/quick_exchange.py`), when it goes as one (its mode
    is, or `auto` chooses, `sync`) to a local sandbox (a unix socket or loopback `http://`) and
    the answer is its result; else a `Handover` for `execute`. Its run time is remembered.
    `while_waiting` runs once the request is sent, while the job runs."""
    import time

    from unsandbox_ls.api import quick_exchange
    from unsandbox_ls.api.limits import TTL_GRACE
    from unsandbox_ls.api.models import RawRunRequest, RunResult, json_body
    from unsandbox_ls.api.run_mode import RunObservation
    from unsandbox_ls.api.signing import auth_headers
    from unsandbox_ls.runs import timing

    timed = _timed(plan)
    request = plan.request
    if not quick_exchange.reachable(base_url, socket_path) or not goes_as_one_request(plan):
        return Handover()
    request.validate()
    if isinstance(request, RawRunRequest):
        from urllib.parse import urlencode

        query = request.query()
        path = "/run" + (f"?{urlencode(query)}" if query else "")
        body = request.code.encode("utf-8", errors="replace")
        kind = "text/plain"
    else:
        path, body, kind = "/execute", json_body(request.to_wire()), "application/json"
    headers = {"Content-Type": kind}
    headers.update(auth_headers(credentials, str(int(time.time())), "POST", path, body))
    observed = RunObservation()
    observed.start(time.monotonic())
    observed.mode = "sync"
    try:
        reply = quick_exchange.send(
            base_url, "POST", path, body=body, headers=headers, socket_path=socket_path,
            timeout=request.options.ttl + TTL_GRACE, while_waiting=while_waiting,
        )  # fmt: skip
    except quick_exchange.NotConnected:
        return Handover()  # the full client says why, after its own retries
    except quick_exchange.Broken as broken:
        return Handover(broken)
    data = _plain_result(reply)
    if data is None:  # an error, a pending job to poll or a strange answer: the full client's
        return Handover(reply)
    result = observed.finish(RunResult.from_wire(data), time.monotonic())
    result = _finished(plan, result, observed, plan.source.name)
    timing.learn(*timed, result.status, observed.run_s)
    return result


def _plain_result(reply: Reply) -> dict[str, Any] | None:
    """The job of a 200 answer that holds its result (as the full client reads one), else None."""
    import json

    from unsandbox_ls.api.models import holds_result, is_pending_job

    if reply.status != 200:
        return None
    try:
        data = json.loads(reply.body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or is_pending_job(data) or not holds_result(data):
        return None
    return data


def _without_blocks(on_update: OnUpdate, nonce: str) -> OnUpdate:
    """`on_update` given each update with the hook's framed blocks kept out of its stderr."""
    from unsandbox_ls.runs.hook_blocks import LiveBlockFilter

    blocks = LiveBlockFilter(nonce)

    def filtered(update: JobUpdate) -> object:
        if update.stderr:
            update = update._replace(stderr=blocks.feed(update.stderr))
        return on_update(update)

    return filtered
