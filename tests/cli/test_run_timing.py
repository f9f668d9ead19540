"""`run --timing` and `doctor --timing`: where a run's time goes, against the local sandbox.

No figure is asserted against a limit (the machines are shared): the tests check that every
phase is reported, that the phases add up to the total, and that the job's own run time is
what the sandbox reported for it, and that nothing else the command prints changes.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.cli import cli
from support.sandbox import SandboxServer

from unsandbox_ls.run_timing import PHASES, PREFIX, parse_line


@pytest.fixture
def env(sandbox_server: SandboxServer, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {**sandbox_server.env, "HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}


#: sleeps long enough that its run time stands out of the noise, then fails
SLOW = "import time\ntime.sleep(0.3)\nprint('done')\nraise SystemExit(3)\n"


def test_run_timing_reports_every_phase_last_and_changes_nothing_else(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "slow.py").write_text(SLOW, encoding="utf-8")
    plain = cli(["run", "slow.py"], env, tmp_path)
    timed = cli(["run", "--timing", "slow.py"], env, tmp_path)
    assert plain.returncode == timed.returncode == 3, timed.stderr
    assert timed.stdout == plain.stdout == "done\n"
    *rest, last = timed.stderr.rstrip("\n").split("\n")
    assert "\n".join(rest) + "\n" == plain.stderr
    assert last.startswith(PREFIX)
    phases = parse_line(timed.stderr)
    assert phases is not None
    total = phases.pop("total")
    assert list(phases) == list(PHASES), last
    assert abs(sum(phases.values()) - total) <= len(phases), last  # each rounded to 1 ms
    assert phases["wait"] >= 300, last  # the job slept 0.3 s: that is its own run time


def test_run_timing_wait_is_the_run_time_the_sandbox_reported(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "slow.py").write_text(SLOW, encoding="utf-8")
    done = cli(["run", "--timing", "--json", "slow.py"], env, tmp_path)
    assert done.returncode == 3, done.stderr
    result = json.loads(done.stdout)
    phases = parse_line(done.stderr)
    assert phases is not None
    assert abs(phases["wait"] - result["duration_ms"]) <= 1, (phases, result["duration_ms"])


def test_run_timing_is_printed_when_the_run_fails_before_sending(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "notes.unknown").write_text("hello\n", encoding="utf-8")
    done = cli(["run", "--timing", "notes.unknown"], env, tmp_path)
    assert done.returncode == 2
    assert "cannot tell the language" in done.stderr
    phases = parse_line(done.stderr)
    assert phases is not None and "import" in phases and "request" not in phases, done.stderr


def test_doctor_timing_runs_a_hello_world_and_shows_its_phases(
    env: dict[str, str], tmp_path: Path
) -> None:
    done = cli(["doctor", "--timing"], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line.startswith("[ok] timing")]
    assert len(lines) == 1, done.stdout
    for phase in PHASES:
        assert re.search(rf"\b{phase} \d+ ms\b", lines[0]), lines[0]
    assert re.search(r"hello world in \d+ ms", lines[0]), lines[0]
    # the hello world ran where `run` would send it, and the check without --timing is unchanged
    plain = cli(["doctor"], env, tmp_path)
    assert plain.stdout.splitlines() == [
        line for line in done.stdout.splitlines() if not line.startswith("[ok] timing")
    ]


def test_run_timing_with_compact_ends_the_popup_text(env: dict[str, str], tmp_path: Path) -> None:
    """`--compact` prints everything on stdout (Helix shows stderr instead when there is any):
    the timing line too, last."""
    (tmp_path / "slow.py").write_text(SLOW, encoding="utf-8")
    plain = cli(["run", "--compact", "slow.py"], env, tmp_path)
    timed = cli(["run", "--compact", "--timing", "slow.py"], env, tmp_path)
    assert plain.returncode == timed.returncode == 0
    assert timed.stderr == plain.stderr == ""
    *rest, last = timed.stdout.rstrip("\n").split("\n")
    assert last.startswith(PREFIX)
    assert parse_line(timed.stdout) is not None
    # the popup text before it is the same but for the run's own duration in the summary
    strip = re.compile(r"in \d+(?:\.\d+)? (?:ms|s)")
    assert strip.sub("", "\n".join(rest) + "\n") == strip.sub("", plain.stdout)
