"""A run that could not run: one short sentence for the user, with buttons, and the whole
explanation in the log.

Where the client shows `window/showMessageRequest` (VS Code; Neovim, through `vim.ui.select`),
the sentence comes with actions:

- "Open settings" — only for a client that says it can open its settings (the VS Code extension
  sets the experimental client capability `unsandbox.openSettings`); the server then sends the
  notification `unsandbox/openSettings` `{"query": "unsandbox"}` and the extension opens them;
- "Use the local sandbox" — when the local sandbox would help (no keys, keys rejected, API
  unreachable): runs of this session go to the local sandbox; the message that follows says how
  to make it permanent (`unsandbox.backend` = `local`);
- "Show log" — opens the run's log file (`window/showDocument`), which holds the explanation.

Other clients (Helix 25.07) get the sentence as `window/showMessage`; so does a client that
answers the request with an error. The explanation always goes to `window/logMessage`, the log
file and the `error` field of `unsandbox/runFinished`.

The `notify` setting decides which outcomes are shown as messages: `failures` (the default: a
successful run shows only in the result lens, the status bar and the log), `always`, or `never`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types

from unsandbox_ls.server.off_loop import finish_off_loop

if TYPE_CHECKING:
    from unsandbox_ls.server.server import UnsandboxLanguageServer
    from unsandbox_ls.server.state import Run

logger = logging.getLogger(__name__)

OPEN_SETTINGS = "Open settings"
USE_LOCAL = "Use the local sandbox"
SHOW_LOG = "Show log"
OPEN_SETTINGS_NOTIFICATION = "unsandbox/openSettings"
SWITCHED = (
    "unsandbox: runs in this session now go to the local sandbox; to keep it, set the "
    'unsandbox.backend setting to "local".'
)


@dataclass(frozen=True)
class Failure:
    short: str  # one sentence, shown
    detail: str  # the whole explanation, logged
    offer_local: bool  # whether switching to the local sandbox could help


def toast_wanted(ls: UnsandboxLanguageServer, failed: bool) -> bool:
    """Whether an outcome is shown as a message (the `notify` setting)."""
    notify = ls.settings.notify
    return notify == "always" or (notify == "failures" and failed)


def _first_clause(text: str) -> str:
    clause = text.split("; ", 1)[0].strip().rstrip(".")
    return clause if len(clause) <= 240 else clause[:239] + "…"


def describe(name: str, error: str | None, exc: BaseException | None) -> Failure:
    """The short sentence and the explanation for a failed run."""
    from unsandbox_ls.runs.plan import RunRefused
    from unsandbox_ls.server.backend import BackendRefused

    detail = error or f"unsandbox: {name}: failed"
    if isinstance(exc, BackendRefused):
        return Failure(exc.short, exc.detail, exc.offer_local)
    if exc is None or isinstance(exc, RunRefused):
        return Failure(detail, detail, False)  # refused before sending: already one sentence
    from unsandbox_ls.api.errors import AuthenticationError, NetworkError

    text = str(exc)
    if isinstance(exc, NetworkError) and "unsandbox-ls sandbox" in text:
        return Failure(f"unsandbox: {name}: {text.rstrip('.')}.", detail, True)
    # keys rejected or the API unreachable: the local sandbox would run it
    offer_local = isinstance(exc, (AuthenticationError, NetworkError))
    return Failure(f"unsandbox: {name}: {_first_clause(text)}.", detail, offer_local)


async def report(
    ls: UnsandboxLanguageServer,
    run: Run,
    name: str,
    error: str | None,
    exc: BaseException | None,
) -> tuple[Failure, str | None]:
    """Log the explanation, write it to the run's log file and show the sentence with its
    actions; returns the failure and the log file's path."""
    from unsandbox_ls.runs import output

    failure = describe(name, error, exc)
    logger.info("run %s failed: %s", run.run_id, failure.short)
    ls.log(failure.detail, types.MessageType.Error)
    header = [f"# {failure.short}", "", *failure.detail.splitlines()]
    log_path = await finish_off_loop(output.write_log, run.run_id, name, header, "", "")
    if not toast_wanted(ls, failed=True):
        return failure, log_path
    actions = actions_for(ls, failure, log_path)
    if actions and ls.supports_message_actions():
        ls.spawn(_ask(ls, failure, actions, log_path))
    else:
        ls.show(failure.short, types.MessageType.Error)
    return failure, log_path


def actions_for(ls: UnsandboxLanguageServer, failure: Failure, log_path: str | None) -> list[str]:
    from unsandbox_ls.server.backend import runs_locally

    actions: list[str] = []
    if failure.offer_local and ls.supports_open_settings():
        actions.append(OPEN_SETTINGS)
    if failure.offer_local and not runs_locally(ls):
        actions.append(USE_LOCAL)
    if log_path and ls.supports_show_document():
        actions.append(SHOW_LOG)
    return actions


async def _ask(
    ls: UnsandboxLanguageServer, failure: Failure, actions: list[str], log_path: str | None
) -> None:
    params = types.ShowMessageRequestParams(
        type=types.MessageType.Error,
        message=failure.short,
        actions=[types.MessageActionItem(title=title) for title in actions],
    )
    try:
        answer = await ls.window_show_message_request_async(params)
    except Exception as exc:  # the client refused the request: say it the plain way
        logger.info("showMessageRequest failed (%s); sending showMessage", exc)
        ls.show(failure.short, types.MessageType.Error)
        return
    chosen = getattr(answer, "title", None)
    await act(ls, chosen, log_path)


async def act(ls: UnsandboxLanguageServer, chosen: str | None, log_path: str | None) -> None:
    """Carry out the action the user chose (None: the message was dismissed)."""
    if chosen == USE_LOCAL:
        ls.backend_override = "local"
        ls.show(SWITCHED, types.MessageType.Info)
        ls.refresh_code_lenses()
    elif chosen == OPEN_SETTINGS:
        ls.protocol.notify(OPEN_SETTINGS_NOTIFICATION, {"query": "unsandbox"})
    elif chosen == SHOW_LOG and log_path:
        from unsandbox_ls.server.run_task import show_log

        if not await show_log(ls, log_path, take_focus=True):
            ls.show(f"unsandbox: the log is {log_path}", types.MessageType.Info)
