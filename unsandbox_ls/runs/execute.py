"""Plan → result through the API client, and the client for a set of settings.

`execute` sends the plan's request the way the plan says (`async`: submit and poll, with
`on_update` on every poll; `sync`: one request; `auto`: one of the two, chosen from the file's
recent run times, which also shape the poll plan). Cancelling the awaiting task cancels the job.
The run time it observes is remembered for the next run of the file (`runs/timing.py`), once the
caller has shown the result: the write is scheduled, not awaited.
`connect` resolves the base URL and the credentials (explicit values first, then the
environment and `~/.unsandbox/accounts.csv`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from unsandbox_ls.api.client import OnUpdate, UnsandboxClient
    from unsandbox_ls.api.credentials import Credentials
    from unsandbox_ls.api.models import JobUpdate, RunResult
    from unsandbox_ls.runs.plan import Plan

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connection:
    """Where runs go and with which keys (explicit values; None: the environment's)."""

    base_url: str | None = None
    public_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    account: int | None = None


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
    import dataclasses

    from unsandbox_ls.hooks.startup import take_report

    stderr, report = take_report(result.stderr, nonce)
    stdout, _ = take_report(result.stdout, nonce)
    if report.ran:
        logger.info("%s: start-up hook: %s", label, "; ".join(report.lines))
    else:
        logger.info("%s: the start-up hook did not run (the sandbox ignored it)", label)
    return dataclasses.replace(result, stdout=stdout, stderr=stderr)


def with_in_place(result: RunResult, nonce: str, label: str) -> RunResult:
    """The result without the hook's in-place block, what it held in `result.in_place`."""
    import dataclasses

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
    return dataclasses.replace(result, stderr=stderr, in_place=found)


async def execute(
    plan: Plan,
    client: UnsandboxClient,
    *,
    on_update: OnUpdate | None = None,
    label: str | None = None,
) -> RunResult:
    """Send the plan and wait for its result; its run time is remembered for the next run.

    The log gets one line saying how it was sent and polled, headed by `label` (the server's
    `run <id>`), else by the file's name."""
    from unsandbox_ls.api.cancelled import JobCancelled
    from unsandbox_ls.api.run_mode import RunObservation
    from unsandbox_ls.runs import timing

    source = plan.source
    timed = (
        os.path.realpath(source.path) if source.path else source.uri,
        plan.language,
        source.kind,
    )
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
        )
    except JobCancelled as exc:  # the output printed before the cancel, without the hook's blocks
        if plan.boot is not None and exc.partial is not None:
            partial = without_boot_report(exc.partial, plan.boot.nonce, label or source.name)
            exc.partial = with_in_place(partial, plan.boot.nonce, label or source.name)
        raise
    logger.info("%s: %s", label or source.name, observed.describe())
    if plan.boot is not None:
        result = without_boot_report(result, plan.boot.nonce, label or source.name)
        result = with_in_place(result, plan.boot.nonce, label or source.name)
    # after the caller has shown the result (it runs on in this step), on the store's thread
    asyncio.get_running_loop().call_soon(
        timing.learn_off_loop, *timed, result.status, observed.run_s
    )
    return result


def _without_blocks(on_update: OnUpdate, nonce: str) -> OnUpdate:
    """`on_update` given each update with the hook's framed blocks kept out of its stderr."""
    from dataclasses import replace

    from unsandbox_ls.runs.hook_blocks import LiveBlockFilter

    blocks = LiveBlockFilter(nonce)

    def filtered(update: JobUpdate) -> object:
        if update.stderr:
            update = replace(update, stderr=blocks.feed(update.stderr))
        return on_update(update)

    return filtered
