"""A cloned repository's configuration runs nothing, and its ignore rules hold whatever git thinks
of the repository (issue 21, H2 and M5).

Import discovery used to ask `git check-ignore`, and git runs the repository's own
`core.fsmonitor` command: pressing Run in a hostile clone ran that command on the host. When git
refused the repository ("dubious ownership": owned by another user) or was not installed,
nothing counted as ignored and a git-ignored `secret_cfg.py` was uploaded. Discovery now reads
the ignore files itself (`runs.ignore_rules`); each scenario runs through `unsandbox-ls run`
and through the language server against the local sandbox.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.lsp_session import start_session
from support.sandbox import SandboxServer

from unsandbox_ls.runs.imports import discover_imports

TIMEOUT = 120
TOKEN = "repo-secret-token-5150"

MAIN = """\
import helpers
try:
    import secret_cfg
    print("SENT", secret_cfg.TOKEN)
except ImportError:
    print("secret_cfg not sent")
print(helpers.GREETING)
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def hostile_repo(root: Path, pwn: Path) -> Path:
    """A repository whose configuration runs a command, holding a git-ignored secret."""
    repo = root / "clone"
    repo.mkdir()
    (repo / "main.py").write_text(MAIN)
    (repo / "helpers.py").write_text("GREETING = 'hello from helpers'\n")
    (repo / "secret_cfg.py").write_text(f"TOKEN = {TOKEN!r}\n")
    (repo / ".gitignore").write_text("secret_cfg.py\n")
    _git(repo, "init", "-q")
    _git(repo, "config", "core.fsmonitor", f"touch {pwn}; echo")
    _git(repo, "config", "core.untrackedCache", "true")
    return repo


@pytest.fixture(params=["plain", "other-owner", "no-git"])
def scenario(request: pytest.FixtureRequest) -> str:
    if request.param == "other-owner" and os.geteuid() != 0:
        pytest.skip("making a repository owned by another user needs root")
    return str(request.param)


def prepare(scenario: str, repo: Path, env: dict[str, str]) -> dict[str, str]:
    """The environment of the run in `scenario`; for other-owner, the repo changes owner."""
    if scenario == "other-owner":
        for folder, dirs, files in os.walk(repo):
            for name in [*dirs, *files]:
                os.lchown(os.path.join(folder, name), 65534, 65534)
        os.lchown(repo, 65534, 65534)
        refused = subprocess.run(
            ["git", "-C", str(repo), "status"], capture_output=True, text=True, check=False
        )
        assert "dubious ownership" in refused.stderr  # git itself would refuse this clone
    if scenario == "no-git":
        bare = repo.parent / "bin-without-git"
        bare.mkdir()
        return {**env, "PATH": str(bare)}
    return env


def test_cli_run_in_a_hostile_clone(
    sandbox_server: SandboxServer, tmp_path: Path, scenario: str
) -> None:
    pwn = tmp_path / "PWN"
    repo = hostile_repo(tmp_path, pwn)
    env = {**sandbox_server.env, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "c")}
    env = prepare(scenario, repo, env)
    done = subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", "run", "main.py"],
        env=env, cwd=repo, capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert not pwn.exists(), "the repository's core.fsmonitor ran"
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["secret_cfg not sent", "hello from helpers"]
    assert TOKEN not in done.stdout + done.stderr


@pytest.mark.parametrize("profile", ["visual-studio-code", "neovim"])
async def test_language_server_run_in_a_hostile_clone(
    sandbox_server: SandboxServer, tmp_path: Path, scenario: str, profile: str
) -> None:
    pwn = tmp_path / "PWN"
    repo = hostile_repo(tmp_path, pwn)
    env = prepare(scenario, repo, {**sandbox_server.env, "HOME": str(tmp_path)})
    async with start_session(profile, env, repo) as session:
        uri = session.open("main.py", MAIN)
        note = await session.execute("unsandbox.runFile", {"uri": uri, "wait": True})
    assert not pwn.exists(), "the repository's core.fsmonitor ran"
    assert note["status"] == "completed", note
    assert note["stdout"].splitlines()[:2] == ["secret_cfg not sent", "hello from helpers"]
    assert TOKEN not in str(note)


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_git_rules_hold_in_a_repository_git_refuses(tmp_path: Path) -> None:
    """Nested `.gitignore` files (the deeper wins, `!` re-includes), `.git/info/exclude`, an
    ignored folder (nothing inside it comes back) — in a clone owned by another user, where git
    itself answers nothing."""
    if os.geteuid() != 0:
        pytest.skip("making a repository owned by another user needs root")
    imports = ["keep", "drop", "pkg.a", "pkg.b", "local_only", "build.gen", "plain"]
    repo = tree(
        tmp_path / "repo",
        {
            "main.py": "".join(f"import {m}\n" for m in imports),
            ".gitignore": "drop.py\npkg/*.py\n!pkg/__init__.py\nbuild/\n!build/gen.py\n",
            "pkg/.gitignore": "!b.py\n",
            "keep.py": "", "drop.py": "", "local_only.py": "", "plain.py": "",
            "pkg/__init__.py": "", "pkg/a.py": "", "pkg/b.py": "",
            "build/gen.py": "",
        },
    )  # fmt: skip
    _git(repo, "init", "-q")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("local_only.py\n")
    for folder, dirs, files in os.walk(repo):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(folder, name), 65534, 65534)
    os.lchown(repo, 65534, 65534)
    found = discover_imports("python", repo / "main.py", (repo / "main.py").read_text())
    assert sorted(found.names) == ["keep.py", "pkg/__init__.py", "pkg/b.py", "plain.py"]
    assert found.notes == ()


def test_the_users_global_ignore_file_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config"
    tree(config, {"git/ignore": "*.local.py\nsecret_cfg.py\n"})
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    repo = tree(
        tmp_path / "repo",
        {"main.py": "import helpers, secret_cfg\n", "helpers.py": "", "secret_cfg.py": ""},
    )
    (repo / ".git").mkdir()  # a work tree: git need not even be able to read it
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    found = discover_imports("python", repo / "main.py", (repo / "main.py").read_text())
    assert found.names == ("helpers.py",)


JAVA_MAIN = """\
public class Main {
    public static void main(String[] args) { System.out.println(Helper.greet()); }
}
"""


@pytest.mark.parametrize("breakage", ["bad-pattern", "fifo", "symlink"])
def test_unreadable_ignore_rules_fail_closed(tmp_path: Path, breakage: str) -> None:
    """Rules that cannot be read: nothing found by a folder listing (Java's classes of the
    folder) goes, files imported by name still do, and the note says so."""
    repo = tree(
        tmp_path / "repo",
        {"Main.java": JAVA_MAIN, "Helper.java": "class Helper {}\n", "Secret.java": ""},
    )
    (repo / ".git").mkdir()
    if breakage == "bad-pattern":
        (repo / ".gitignore").write_text("Secret.java\n\\\n")
    elif breakage == "fifo":
        os.mkfifo(repo / ".gitignore")
    else:
        (tmp_path / "elsewhere").write_text("Secret.java\n")
        (repo / ".gitignore").symlink_to(tmp_path / "elsewhere")
    found = discover_imports("java", repo / "Main.java", JAVA_MAIN)
    assert found.names == ()
    assert len(found.notes) == 1 and "ignore rules were not applied" in found.notes[0]
    py = tree(tmp_path / "py", {"main.py": "import helpers\n", "helpers.py": ""})
    (py / ".git").mkdir()
    (py / ".gitignore").write_text("\\\n")
    named = discover_imports("python", py / "main.py", "import helpers\n")
    assert named.names == ("helpers.py",)
    assert "ignore rules were not applied" in named.notes[0]


async def test_fail_closed_is_said_in_the_log(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    repo = tree(tmp_path / "repo", {"helpers.py": "GREETING = 'hi'\n", ".gitignore": "\\\n"})
    (repo / ".git").mkdir()
    async with start_session("helix", {**sandbox_server.env, "HOME": str(tmp_path)}, repo) as hx:
        uri = hx.open("main.py", "import helpers\nprint(helpers.GREETING)\n")
        note = await hx.execute("unsandbox.runFile", {"uri": uri, "wait": True})
        logs = [m.message for m in hx.client.log_messages]
    assert note["stdout"] == "hi\n", note
    assert any("ignore rules were not applied" in m for m in logs), logs
