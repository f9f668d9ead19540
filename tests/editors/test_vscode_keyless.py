"""A new user's VS Code (code-server): no API keys anywhere. The first run works in the local
sandbox the server starts itself; with the hosted backend chosen, the failure is one sentence
with buttons that work. The browser script is `vscode/e2e_keyless.js`; code-server is started
as in test_vscode_e2e.py, with no UNSANDBOX_* variable and an empty HOME."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from editor_env import NODE_PREFIX, RAISE_LINE
from test_vscode_e2e import CHROMIUM, CodeServer, _code_server

pytestmark = pytest.mark.editor

HERE = Path(__file__).resolve().parent


@pytest.fixture
def scratch() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="unsandbox-keyless-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _keyless_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSANDBOX_")}
    # a private runtime folder of its own: no shared local sandbox of the user's is found
    env["UNSANDBOX_LS_RUNTIME_DIR"] = tempfile.mkdtemp(prefix="usls-")
    return env


def _drive(code_server: CodeServer, scenario: str, screenshot: Path) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        E2E_URL=code_server.url,
        E2E_SCENARIO=scenario,
        E2E_SCREENSHOT=str(screenshot),
        E2E_CHROMIUM=CHROMIUM,
        NODE_PATH=str(NODE_PREFIX / "node_modules"),
    )
    proc = subprocess.run(
        ["node", str(HERE / "vscode" / "e2e_keyless.js")],
        env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no report from the browser script:\n{proc.stderr}"
    report: dict[str, Any] = json.loads(lines[-1])
    log = code_server.log.read_text(errors="replace")
    assert report.get("ok"), (
        f"{report.get('failure')}\n{proc.stderr}\n--- code-server log ---\n{log}"
    )
    return report


def test_first_run_without_keys_works_locally(scratch: Path, tmp_path: Path, vsix: Path) -> None:
    with _code_server(_keyless_env(), scratch, {}, vsix) as started:
        report = _drive(started, "keyless", tmp_path / "keyless.png")
    assert report["squiggleLine"] == RAISE_LINE + 1, report
    assert "exit 1" in report["statusBar"], report
    # the notice is said once, in the output channel, naming VS Code's settings; the failing
    # run's own toast is the only one
    assert (
        "[Note] unsandbox: no API keys found, so runs go to the local sandbox" in report["notice"]
    ), report["notice"]
    assert "unsandbox.publicKey and unsandbox.secretKey in the settings" in report["notice"]
    assert not [t for t in report["toasts"] if "no API keys found" in t], report["toasts"]
    assert len(report["toasts"]) == 1 and "KeyError" in report["toasts"][0], report["toasts"]


def test_failure_buttons_open_settings_show_the_log_and_switch_to_local(
    scratch: Path, tmp_path: Path, vsix: Path
) -> None:
    with _code_server(_keyless_env(), scratch, {"unsandbox.backend": "hosted"}, vsix) as started:
        report = _drive(started, "actions", tmp_path / "actions.png")
    assert "failing.py: no API keys found; nothing was sent." in report["failureToast"]
    assert report["buttons"] == ["Open settings", "Use the local sandbox", "Show log"], report
    assert report["settingsSearch"] == "unsandbox", report
    assert report["settingsTab"].startswith("Remote"), report  # where code-server keeps them
    assert report["logTab"].endswith(".log"), report["logTab"]
    assert report["squiggleLine"] == RAISE_LINE + 1, report
