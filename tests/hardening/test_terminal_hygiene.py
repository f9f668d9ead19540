"""What `unsandbox-ls run` and `history` print cannot steer the terminal (issue 21, L1 and L2).

A file name holding ESC and newlines used to print raw in `run`'s `PATH:L:C:` lines and in
`history`: an OSC 52 clipboard write, and a fake `fake.py:9:9: error:` line of its own. A
program's OSC 52, title and screen-clearing sequences reached the terminal raw. Each run goes
through the local sandbox; the terminal is a real pseudo-terminal.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from support.cli import cli
from support.sandbox import SandboxServer

TIMEOUT = 120
CLIPBOARD = "\x1b]52;c;SGVsbG8=\x07"
EVIL_NAME = f"x{CLIPBOARD}\nfake.py:9:9: error: planted\n.py"
#: a program whose output sets the clipboard and the title and clears the screen
NOISY = (
    "import sys\n"
    f"sys.stdout.write({CLIPBOARD!r} + '\\x1b]0;pwned\\x07\\x1b[2J' + 'a\\tb\\r\\nc\\x9b31m\\n')\n"
)


@pytest.fixture
def env(sandbox_server: SandboxServer, tmp_path: Path) -> dict[str, str]:
    return {**sandbox_server.env, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "c")}


def test_a_file_name_cannot_inject_sequences_or_lines(env: dict[str, str], tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / EVIL_NAME).write_text("x = 1\nraise ValueError('boom')\n")
    done = cli(["run", EVIL_NAME], env, project)
    assert done.returncode == 1, done.stderr
    assert "\x1b" not in done.stderr
    lines = done.stderr.splitlines()
    assert not [line for line in lines if line.startswith("fake.py:9:9")], lines
    # the traceback names the file (the start-up hook runs it under its own name), made visible
    name = "x␛]52;c;SGVsbG8=␇␊fake.py:9:9: error: planted␊.py"
    assert f'File "{name}", line 2' in done.stderr
    # its problem line, where the parsers can still read the frame (a newline in the name
    # breaks the frame's line), names it the same way
    located = [line for line in lines if ":2:" in line and "ValueError: boom" in line]
    assert located in ([], [f"{name}:2:1: error: ValueError: boom"]), located

    listed = cli(["history"], env, project)
    assert listed.returncode == 0, listed.stderr
    assert "\x1b" not in listed.stdout
    rows = listed.stdout.splitlines()
    assert len(rows) == 2 and "␊fake.py:9:9: error: planted␊.py" in rows[1], rows


def read_terminal(args: list[str], env: dict[str, str], cwd: Path) -> bytes:
    """What `unsandbox-ls ARGS` prints on stdout when stdout is a terminal."""
    main, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "unsandbox_ls", *args],
            env=env, cwd=cwd, stdout=secondary, stderr=subprocess.PIPE, timeout=TIMEOUT,
            check=False,
        )  # fmt: skip
        os.close(secondary)
        shown = b""
        while select.select([main], [], [], 0.5)[0]:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
    finally:
        os.close(main)
    assert done.returncode == 0, done.stderr
    return shown


def test_program_output_on_a_terminal_is_escaped_unless_raw(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "noisy.py").write_text(NOISY)
    shown = read_terminal(["run", "noisy.py"], env, tmp_path).decode()
    assert "\x1b" not in shown and "\x9b" not in shown
    # the terminal turns each newline into CRLF; the program's own CRLF became a newline
    assert shown == "␛]52;c;SGVsbG8=␇␛]0;pwned␇␛[2Ja\tb\r\nc<9b>31m\r\n", repr(shown)
    raw = read_terminal(["run", "--raw", "noisy.py"], env, tmp_path).decode()
    assert CLIPBOARD in raw and "\x1b[2J" in raw


def test_program_output_to_a_pipe_keeps_lines_and_loses_escapes(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "noisy.py").write_text(NOISY)
    done = subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", "run", "noisy.py"],
        env=env, cwd=tmp_path, capture_output=True, timeout=TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == "␛]52;c;SGVsbG8=\x07␛]0;pwned\x07␛[2Ja\tb\r\nc<9b>31m\n"
    raw = cli(["run", "--raw", "noisy.py"], env, tmp_path)
    assert raw.stdout.startswith(CLIPBOARD)
