"""The VS Code extension (editors/vscode) in real VS Code: code-server 4.100.3 in Debian's chromium.

The extension is packaged as users get it (`npm run package` → unsandbox.vsix, once per test
session) and installed with `code-server --install-extension` into a fresh extensions folder;
code-server then starts with a fresh user-data folder and the environment pointing at the local
sandbox. The node
script `vscode/e2e.js` clicks through it with playwright-core and reports what it saw; the
assertions are made here. The screenshot it takes is kept in the test's folder (and, with
UNSANDBOX_UPDATE_DOCS_IMAGES=1, copied to docs/images/vscode-run.png and vscode-cancel.png).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from editor_env import (
    CALL_LINE,
    EDITORS,
    NODE_PREFIX,
    RAISE_LINE,
    REPO,
    SERVER_COMMAND,
    make_workspace,
    require,
    update_docs_images,
)

pytestmark = pytest.mark.editor

HERE = Path(__file__).resolve().parent
CODE_SERVER = NODE_PREFIX / "node_modules" / ".bin" / "code-server"
PLAYWRIGHT = NODE_PREFIX / "node_modules" / "playwright-core"
EXTENSION = EDITORS / "vscode"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

USER_SETTINGS: dict[str, Any] = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.enableExperiments": False,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "security.workspace.trust.enabled": False,
    "editor.minimap.enabled": False,
    "git.enabled": False,
    "unsandbox.serverCommand": SERVER_COMMAND,
}


@dataclass
class CodeServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    workspace: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _extension_id() -> str:
    manifest = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    return f"{manifest['publisher']}.{manifest['name']}-{manifest['version']}"


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A folder with a neutral name: its path shows in the editor and in the screenshot."""
    folder = Path(tempfile.mkdtemp(prefix="unsandbox-demo-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def code_server(sandbox_server: Any, scratch: Path, vsix: Path) -> Iterator[CodeServer]:
    with _code_server(sandbox_server.env, scratch, {}, vsix) as started:
        yield started


def _install_vsix(vsix: Path, env: dict[str, str], user_data: Path, extensions: Path) -> None:
    """`code-server --install-extension unsandbox.vsix`, as a user installs the package."""
    proc = subprocess.run(
        [
            str(CODE_SERVER),
            "--user-data-dir", str(user_data),
            "--extensions-dir", str(extensions),
            "--install-extension", str(vsix),
        ],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    installed = extensions / _extension_id()
    assert installed.is_dir() and not installed.is_symlink(), proc.stdout + proc.stderr
    assert (installed / "lib" / "history.js").is_file()  # the packaged files, not the source tree


@contextlib.contextmanager
def _code_server(
    base_env: dict[str, str], scratch: Path, settings: dict[str, Any], vsix: Path
) -> Iterator[CodeServer]:
    require(CODE_SERVER.exists(), "code-server 4.100.3 (npm)")
    require(PLAYWRIGHT.exists(), "playwright-core (npm)")
    require(Path(CHROMIUM).exists(), "chromium (Debian package chromium)")
    require(shutil.which("node"), "node")
    require(
        (EXTENSION / "node_modules" / "vscode-languageclient").exists(),
        "the extension's node_modules (npm ci in editors/vscode)",
    )
    workspace = make_workspace(scratch / "project")
    home = scratch / "home"
    user_data = scratch / "user-data"
    extensions = scratch / "extensions"
    for folder in (home, user_data / "User", extensions):
        folder.mkdir(parents=True)
    (user_data / "User" / "settings.json").write_text(
        json.dumps({**USER_SETTINGS, **settings}, indent=2)
    )
    port = _free_port()
    config = scratch / "code-server.yaml"
    config.write_text(f"bind-addr: 127.0.0.1:{port}\nauth: none\ncert: false\n")
    env = dict(base_env)
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CACHE_HOME=str(home / ".cache"),
    )
    _install_vsix(vsix, env, user_data, extensions)
    log = scratch / "code-server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                str(CODE_SERVER),
                "--config", str(config),
                "--bind-addr", f"127.0.0.1:{port}",
                "--auth", "none",
                "--disable-telemetry",
                "--disable-update-check",
                "--disable-workspace-trust",
                "--disable-getting-started-override",
                "--user-data-dir", str(user_data),
                "--extensions-dir", str(extensions),
                str(workspace.root),
            ],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # its own process group: extension hosts and language servers die with it
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"code-server exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"code-server did not answer /healthz in 60 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield CodeServer(
            f"http://127.0.0.1:{port}/?folder={workspace.root}",
            process,
            log,
            workspace.root,
        )
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    # the extension host and the language server are in the same group; make sure they are gone
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _drive(code_server: CodeServer, scenario: str, screenshot: Path) -> dict[str, Any]:
    """Run vscode/e2e.js for one scenario; its report, or a failure with code-server's log."""
    env = dict(os.environ)
    env.update(
        E2E_URL=code_server.url,
        E2E_SCENARIO=scenario,
        E2E_WORKSPACE=str(code_server.workspace),
        E2E_SCREENSHOT=str(screenshot),
        E2E_CHROMIUM=CHROMIUM,
        NODE_PATH=str(NODE_PREFIX / "node_modules"),
    )
    proc = subprocess.run(
        ["node", str(HERE / "vscode" / "e2e.js")],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no report from the browser script:\n{proc.stderr}"
    report: dict[str, Any] = json.loads(lines[-1])
    log = code_server.log.read_text(errors="replace")
    details = f"{report.get('failure')}\n{proc.stderr}\n--- code-server log ---\n{log}"
    assert report.get("ok"), details
    return report


def test_run_and_cancel_from_code_lenses_in_vscode(code_server: CodeServer, tmp_path: Path) -> None:
    screenshot = tmp_path / "vscode-run.png"
    report = _drive(code_server, "run", screenshot)

    # The output channel: Code Runner-style header, the program's output and its traceback.
    # (the panel holds the lines in view: the [Running] line may be above them)
    output = report["output"]
    assert re.search(r"\[Done\] exit 1 in [\d.]+ s · failing\.py", output), output
    assert "[Log] file:///" in output, output
    assert "looking up pear" in report["outputStart"], report["outputStart"]
    assert "KeyError: 'pear'" in output

    # The error squiggle is on the raising line (1-based in the gutter), a hint on the call.
    assert report["squiggleLine"] == RAISE_LINE + 1, report
    assert report["hintLine"] in (None, CALL_LINE + 1), report

    # Status bar, the showMessage toast and the result lens.
    assert "exit 1" in report["statusBar"]
    assert "KeyError" in report["toast"], report["toast"]
    assert "KeyError: 'pear'" in report["hover"] and "unsandbox" in report["hover"], report["hover"]
    assert any("Run remotely" in lens for lens in report["lenses"]), report["lenses"]
    # the lens glyphs are VS Code's codicons (▶ → $(play), ✗ → $(error)), drawn as icons
    icons = " ".join(report["lensIcons"])
    assert "codicon-play" in icons and "codicon-error" in icons, report["lensIcons"]
    assert not any(glyph in lens for lens in report["lenses"] for glyph in "▶⏹■✓✗$("), report

    # Rust's hover keeps what rustc said under the caret.
    assert "mismatched types" in report["rustHover"], report["rustHover"]
    assert "expected `i32`, found `&str`" in report["rustHover"], report["rustHover"]

    # 2,000 lines with colours: the channel shows the text, no escape sequences.
    noisy = report["noisyOutput"]
    assert "green and bold" in noisy and "failed at the end" in noisy, noisy
    for raw in ("\x1b", "\u241b", "[32m", "[0m", "[31m"):  # ␛ is how VS Code draws ESC
        assert raw not in noisy, noisy

    # The long program: [Running] as soon as it started; Cancel in its notification stopped it
    # long before its 60 s sleep ended, and the notification closed.
    running = report["runningOutput"]
    assert "[Running] long.py · python" in running, running
    assert not re.search(r"\[Done\].*long\.py", running), running
    # its first line showed while it ran (unsandbox/runOutput), before its [Done]
    live = report["liveOutput"]
    assert "started" in live and not re.search(r"\[Done\].*long\.py", live), live
    assert "unsandbox: running long.py" in report["notification"], report["notification"]
    # one progress display: the server's $/progress ("file run of long.py") is not also shown
    # as status-bar text by vscode-languageclient
    status_texts = report["statusBarWhileRunning"]
    assert not [t for t in status_texts if "file run of" in t], status_texts
    assert re.search(r"\[Done\] cancelled after .* · long\.py", report["cancelOutput"]), report
    # what it printed while it ran is in the channel once
    assert report["cancelOutput"].count("started") == 1, report["cancelOutput"]
    assert report["cancelSeconds"] < 20, report
    assert "exit" not in report["cancelStatusBar"], report["cancelStatusBar"]

    # The ▷ button (unsandbox.runActiveFile, the client-side wrapper) ran failing.py again.
    assert report["titleButtonRun"] is True

    # `unsandbox.ttl` set in .vscode/settings.json while VS Code ran: long.py stopped after 2 s.
    assert re.search(r"\[Done\] timed out after .* · long\.py", report["ttlOutput"]), report

    assert screenshot.stat().st_size > 10_000
    assert screenshot.with_name("vscode-run-cancel.png").stat().st_size > 10_000
    if update_docs_images():
        target = REPO / "docs" / "images" / "vscode-run.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot, target)
        shutil.copyfile(
            screenshot.with_name("vscode-run-cancel.png"), target.with_name("vscode-cancel.png")
        )


def test_missing_server_shows_the_install_line(
    sandbox_server: Any, scratch: Path, vsix: Path
) -> None:
    """With no such server command, VS Code shows an error naming `pip install unsandbox-ls`."""
    settings = {"unsandbox.serverCommand": [str(scratch / "no-such-unsandbox-ls")]}
    with _code_server(sandbox_server.env, scratch, settings, vsix) as started:
        report = _drive(started, "missing-server", scratch / "missing.png")
    toast = report["toast"]
    assert "cannot start the language server" in toast, toast
    assert "pip install unsandbox-ls" in toast, toast
    assert "Copy install command" in toast, toast


def test_run_with_arguments_asks_in_an_input_box_and_remembers_them(
    code_server: CodeServer, tmp_path: Path
) -> None:
    """The palette's "Run File with Arguments…" opens an input box; the program gets what was
    typed (split as a shell would), the next box holds it, and Escape runs nothing."""
    (code_server.workspace / "args.py").write_text(
        'import sys\nprint("argv:", " | ".join(sys.argv))\n', encoding="utf-8"
    )
    screenshot = tmp_path / "vscode-arguments.png"
    report = _drive(code_server, "arguments", screenshot)
    assert report["firstValue"] == ""
    assert "argv: args.py | 7 | a b" in report["argsOutput"], report["argsOutput"]
    assert report["secondValue"] == "7 'a b'"
    # the extension asks itself: the server says nothing about how to give arguments
    assert not [t for t in report["toasts"] if "args=" in t], report["toasts"]
    assert screenshot.stat().st_size > 10_000


def test_history_quick_pick_and_diff_editor_in_vscode(
    code_server: CodeServer, tmp_path: Path
) -> None:
    """Two runs of failing.py with different output: the quick pick lists both and opens the
    older run's log; the diff editor compares the two outputs, titled with the exit code change."""
    report = _drive(code_server, "history", tmp_path / "vscode-history.png")
    assert report["historyTitle"] == "unsandbox: run history"
    # newest first (a lens click lost to a refresh may have been repeated: two runs or more)
    newest, *older = report["historyItems"]
    assert "failing.py · exit 0" in newest and "from the editor" in newest, newest
    assert any("failing.py · exit 1" in i and "KeyError: 'pear'" in i for i in older), older
    assert report["logTab"].endswith(".log") and "failing" in report["logTab"], report["logTab"]
    assert report["logShowsError"] is True
    assert "failing.py: exit 1 → exit 0 · " in report["diffTabTitle"], report["diffTabTitle"]
    assert "KeyError: 'pear'" in report["diffOriginal"] and "KeyError" not in report["diffModified"]
    assert all("looking up pear" in report[side] for side in ("diffOriginal", "diffModified"))
    # the code of each run comes first: the diff opens on the program's changed line
    assert all("=== code ===" in report[side] for side in ("diffOriginal", "diffModified"))
    assert report["diffInserted"] > 0 and report["diffDeleted"] > 0, report
