"""`unsandbox-ls history` and `run --compact` as subprocesses against the local sandbox server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.cli import cli
from support.sandbox import SandboxServer


@pytest.fixture
def env(sandbox_server: SandboxServer, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {**sandbox_server.env, "HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_two_runs_are_listed_and_their_outputs_diffed(env: dict[str, str], tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    script = project / "prices.py"
    script.write_text("print('apple 3')\nprint('pear 5')\n")
    assert cli(["run", str(script)], env, project).returncode == 0
    script.write_text("print('apple 3')\nprint('pear 6')\nraise SystemExit(4)\n")
    assert cli(["run", str(script)], env, project).returncode == 4

    listed = cli(["history", "prices.py"], env, project)
    assert listed.returncode == 0, listed.stderr
    rows = listed.stdout.splitlines()
    assert rows[0].split()[:4] == ["WHEN", "FILE", "KIND", "RESULT"]
    assert len(rows) == 3 and all("prices.py" in row for row in rows[1:])
    assert "exit 4" in rows[1] and "exit 0" in rows[2]  # newest first
    logs = [row.split()[-1] for row in rows[1:]]
    assert all(Path(log).is_file() for log in logs) and logs[0] != logs[1]

    # the whole workspace, from its root and from a subfolder (found through .git)
    (project / "sub").mkdir()
    assert len(cli(["history"], env, project).stdout.splitlines()) == 3
    assert len(cli(["history"], env, project / "sub").stdout.splitlines()) == 3

    diff = cli(["history", "--diff", str(script)], env, tmp_path)
    assert diff.returncode == 0, diff.stderr
    head, *body = diff.stdout.splitlines()
    change = r"exit 0 → exit 4 · \d+\.\d\d s → \d+\.\d\d s \([+-]\d+\.\d\d s\)"
    assert re.fullmatch(r"prices\.py: " + change, head), head
    assert body[0].startswith("--- previous ") and body[1].startswith("+++ latest ")
    assert "-pear 5" in body and "+pear 6" in body and " apple 3" in body


def test_diff_needs_two_runs(env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "once.py"
    script.write_text("print(1)\n")
    assert cli(["run", str(script)], env, tmp_path).returncode == 0
    done = cli(["history", "--diff", str(script)], env, tmp_path)
    assert done.returncode == 1 and "run it twice" in done.stderr and done.stdout == ""
