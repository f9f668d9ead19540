"""Every API fault by {sync run, async run, cancel}, through the language server over stdio.

The fault kinds (see `matrix_runner.FAULTS`) run once per session against a loopback
`FaultServer`, one language server per kind. For each run the server must stay up, the user
must get exactly one clear message naming the file, the progress must end, the lenses must
return to idle and nothing stale may remain: no run the server still thinks is going, no
diagnostics.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lsprotocol import types
from matrix_runner import FAULTS, RUNS, Observed

MESSAGE_MAX = 600
#: faults whose DELETE answer still confirms the cancel (404: the job is gone; a 200 with a body
#: that is not JSON, or a huge one, is still a 200); with every other fault it is not confirmed
CANCEL_CONFIRMED = ("404-on-poll", "invalid-json", "50MB-body", "refused")


@pytest.fixture(params=[fault.name for fault in FAULTS])
def observed(request: pytest.FixtureRequest, matrix: dict[str, Observed]) -> Observed:
    result = matrix[request.param]
    assert result.error is None, f"the harness failed for {request.param}: {result.error}"
    return result


def test_each_run_gives_one_clear_message(observed: Observed) -> None:
    for run in RUNS:
        about = observed.messages_about(run)
        assert len(about) == 1, (run, [m.message for m in observed.messages])
        (message,) = about
        text = message.message
        assert len(text) <= MESSAGE_MAX, (run, text[:200])
        assert "Traceback" not in text and "<html" not in text.lower(), (run, text)
        if run == "cancel" and observed.fault.name in CANCEL_CONFIRMED:
            assert message.type == types.MessageType.Info, text
            assert "cancelled" in text
        elif run == "cancel":  # the DELETE itself met the fault: the user must hear that
            assert message.type == types.MessageType.Warning, text
            assert "cancelled" in text and "may still be running" in text, text
        else:
            assert message.type == types.MessageType.Error, text
            assert re.search(observed.fault.says, text, re.IGNORECASE), (run, text)


def test_each_run_finishes_with_the_right_status(observed: Observed) -> None:
    assert observed.finished["sync"].status == "error"
    assert observed.finished["async"].status == "error"
    assert observed.finished["cancel"].status == "cancelled"
    for run in RUNS:
        note = observed.finished[run]
        assert note.exitCode is None
        assert note.summary in [m.message for m in observed.messages_about(run)]


def test_progress_ends_for_every_run(observed: Observed) -> None:
    assert len(observed.progress) == len(RUNS)
    for token, reports in observed.progress.items():
        assert isinstance(reports[0], types.WorkDoneProgressBegin), token
        assert isinstance(reports[-1], types.WorkDoneProgressEnd), (token, reports[-1])
        assert sum(isinstance(r, types.WorkDoneProgressEnd) for r in reports) == 1


def test_lenses_return_to_idle_and_nothing_stale_remains(observed: Observed) -> None:
    for run in RUNS:
        titles = observed.lens_titles[run]
        assert titles[0] == "▶ Run remotely", titles
        assert "■ Cancel" not in titles, (run, titles)
        assert not observed.diagnostics[observed.uris[run]], run
    # the server holds no running job: cancelling "whatever runs" finds nothing
    assert observed.cancel_answer == {"cancelled": False}


def test_the_server_stays_up_and_exits_cleanly(observed: Observed) -> None:
    # a request after everything (and after the cancel command above) was answered
    assert observed.lens_after_cancel_answer[:1] == ["▶ Run remotely"]
    assert observed.exit_code == 0, observed.stderr[-2000:]
    assert "Traceback" not in observed.stderr, observed.stderr[-3000:]


@pytest.mark.parametrize("name", ["reset-mid-body", "read-timeout", "500"])
def test_submissions_are_not_repeated_after_ambiguous_failures(
    matrix: dict[str, Observed], name: str
) -> None:
    """A reset, a read timeout or a 500 may have started the job: the run must not resend it."""
    observed = matrix[name]
    assert observed.error is None, observed.error
    for path in ("/execute", "/execute/async"):
        sent = [r for r in observed.requests if r.method == "POST" and r.path == path]
        expected = 1 if path == "/execute" else 2  # the cancel run submits once more
        assert len(sent) == expected, (path, len(sent))


def test_a_failed_run_leaves_one_log_holding_the_explanation(observed: Observed) -> None:
    """What "Show log" opens: the sentence shown and the whole explanation, and nothing else
    (the secret hygiene tests read these files too)."""
    for run in RUNS:
        stem = observed.names[run].replace(".py", "")
        logs = [path for path in observed.cache_files if stem in Path(path).name]
        note = observed.finished[run]
        if run == "cancel":
            assert logs == [], logs
            continue
        assert logs == [note.logPath], (logs, note.logPath)
        text = observed.cache_files[logs[0]]
        assert text.startswith(f"# {note.summary}\n"), text[:300]
        assert note.error in text
