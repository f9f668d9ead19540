"""What a run may send: a file named by the magic comment or the settings is refused unless it
resolves inside the file's folder or the workspace (or a folder the user's own settings add),
and a hostile glob neither escapes nor freezes the server.

Each reproduction runs with `network=semitrusted` and a program that would print the file, as
the probe did; the refusal must name the entry, nothing may run, and the server must keep
answering code-lens requests within a second throughout.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from responsiveness import keeps_answering
from support.lsp_session import LspSession, start_session

PRINTER = """\
# unsandbox: network=semitrusted files={files}
import glob, os, sys
for name in sorted(glob.glob("*")):
    if name not in ("main.py", os.path.basename(sys.argv[0])):  # the program itself
        print(name, open(name).read())
"""


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the workspace holding a secret."""
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "secret.txt").write_text("outside-secret-3141\n")
    return folder


async def refused(session: LspSession, uri: str) -> Any:
    """Run `uri` (waiting) while probing the server; the refusal's runFinished params."""
    async with keeps_answering(session, uri) as probe:
        note = await session.execute("unsandbox.runFile", {"uri": uri, "wait": True})
    probe.check(minimum=1)
    assert note["status"] == "error", note
    assert note["jobId"] is None and note["stdout"] == "", note
    return note


@pytest.mark.parametrize(
    "entry",
    [
        "../x/secret.txt",
        "../../ws/../x/secret.txt",
        "{outside}/secret.txt",
        "~/.unsandbox/accounts.csv",
        "{home}/.unsandbox/accounts.csv",
        "../x/*.txt",
        "/proc/self/environ",
    ],
)
async def test_magic_comment_cannot_reach_outside_the_project(
    sandbox_env: dict[str, str], workspace: Path, outside: Path, home: Path, entry: str
) -> None:
    entry = entry.format(outside=outside, home=home)
    async with start_session("visual-studio-code", sandbox_env, workspace) as vscode:
        uri = vscode.open("leak.py", PRINTER.format(files=entry))
        note = await refused(vscode, uri)
        assert repr(entry) in note["error"] or "'../x/secret.txt'" in note["error"], note
        assert "matched no file" not in note["error"]
        assert "outside-secret" not in str(note) and "home-secret" not in str(note)
        assert note["error"] in vscode.error_messages()


async def test_a_symlink_inside_the_project_pointing_out_is_refused(
    sandbox_env: dict[str, str], workspace: Path, outside: Path
) -> None:
    (workspace / "data").mkdir()
    (workspace / "data" / "ok.csv").write_text("fine\n")
    os.symlink(outside / "secret.txt", workspace / "data" / "evil.csv")
    async with start_session("neovim", sandbox_env, workspace) as nvim:
        uri = nvim.open("leak.py", PRINTER.format(files="data/*.csv"))
        note = await refused(nvim, uri)
        assert "'data/evil.csv'" in note["error"]
        assert str(outside / "secret.txt") in note["error"]


async def test_the_inputfiles_setting_is_contained_too(
    sandbox_env: dict[str, str], workspace: Path, outside: Path
) -> None:
    async with start_session("visual-studio-code", sandbox_env, workspace) as vscode:
        vscode.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"unsandbox": {"inputFiles": [str(outside / "secret.txt")]}}
            )
        )
        uri = vscode.open("leak.py", PRINTER.format(files="leak.py"))
        note = await refused(vscode, uri)
        assert repr(str(outside / "secret.txt")) in note["error"]


async def test_files_inside_the_workspace_root_still_go_along(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    (workspace / "shared").mkdir()
    (workspace / "shared" / "table.csv").write_text("a,b\n")
    (workspace / "src").mkdir()
    async with start_session("helix", sandbox_env, workspace) as helix:
        uri = helix.open("src/use.py", PRINTER.format(files="../shared/*.csv"))
        note = await helix.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert note["status"] == "completed", note
        assert note["stdout"] == "table.csv a,b\n\n"


async def test_only_the_users_own_settings_add_extra_roots(
    sandbox_env: dict[str, str], workspace: Path, outside: Path
) -> None:
    text = PRINTER.format(files=f"{outside}/secret.txt")
    async with start_session("visual-studio-code", sandbox_env, workspace) as vscode:
        # a workspace's settings (workspace/didChangeConfiguration) cannot widen the rule
        vscode.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(
                settings={"unsandbox": {"extraRoots": [str(outside)]}}
            )
        )
        uri = vscode.open("leak.py", text)
        await vscode.wait_for(lambda: any("extraRoots" in m for m in vscode.error_messages()))
        note = await refused(vscode, uri)
        assert "outside the folders" in note["error"]

    init = {"unsandbox": {"extraRoots": [str(outside)]}}
    async with start_session(
        "visual-studio-code", sandbox_env, workspace, init_options=init
    ) as vscode:
        uri = vscode.open("leak.py", text)
        note = await vscode.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert note["status"] == "completed", note
        assert note["stdout"] == "secret.txt outside-secret-3141\n\n"


async def test_a_symlink_loop_glob_neither_freezes_nor_escapes(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    """The probe's `d/a -> .` loop (here two links, so a following glob never ends)."""
    folder = workspace / "d"
    folder.mkdir()
    (folder / "rows.csv").write_text("1,2\n")
    os.symlink(".", folder / "a")
    os.symlink(".", folder / "b")
    async with start_session("visual-studio-code", sandbox_env, workspace) as vscode:
        uri = vscode.open("loop.py", PRINTER.format(files="**/*.csv"))
        async with keeps_answering(vscode, uri) as probe:
            note = await vscode.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        probe.check(minimum=1)
        assert note["status"] == "completed", note
        assert note["stdout"] == "rows.csv 1,2\n\n"


async def test_a_huge_tree_is_cut_off_with_a_message(
    sandbox_env: dict[str, str], workspace: Path
) -> None:
    tree = workspace / "big"
    for i in range(25):
        sub = tree / f"d{i}"
        sub.mkdir(parents=True)
        for j in range(1000):
            (sub / f"f{j}.txt").touch()
    async with start_session("neovim", sandbox_env, workspace) as nvim:
        uri = nvim.open("tree.py", PRINTER.format(files="**/*.csv"))
        note = await refused(nvim, uri)
        assert "'**/*.csv' looked at more than" in note["error"]


async def test_the_environment_may_add_extra_roots(
    sandbox_env: dict[str, str], workspace: Path, outside: Path
) -> None:
    env = {**sandbox_env, "UNSANDBOX_EXTRA_ROOTS": f"/nonexistent{os.pathsep}{outside}"}
    async with start_session("neovim", env, workspace) as nvim:
        uri = nvim.open("leak.py", PRINTER.format(files=f"{outside}/*.txt"))
        note = await nvim.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        assert note["status"] == "completed", note
        assert note["stdout"] == "secret.txt outside-secret-3141\n\n"
