"""`python -m unsandbox_ls run` and `doctor` as subprocesses against the local sandbox server.

Tests that read a run's result use `variant_env` and run once per sandbox variant (flat, nested,
pending /execute; tests/conftest.py); those whose outcome depends on where the sandbox writes the
files (input files, imports, artifacts, diagnostics) use `layout_env` and run once per job layout;
the others use the default variant's `env`.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support.cli import cli
from support.fault_server import free_port
from support.sandbox import SandboxServer

TIMEOUT = 120  # seconds for any one command


@pytest.fixture
def env(sandbox_server: SandboxServer, tmp_path: Path) -> dict[str, str]:
    """The fixture's UNSANDBOX_* variables, and an empty HOME (no accounts.csv)."""
    home = tmp_path / "home"
    home.mkdir()
    return {**sandbox_server.env, "HOME": str(home)}


@pytest.fixture
def variant_env(sandbox_variant: SandboxServer, tmp_path: Path) -> dict[str, str]:
    """As `env`, for the server of each sandbox variant in turn."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {**sandbox_variant.env, "HOME": str(home)}


@pytest.fixture
def layout_env(sandbox_layout: SandboxServer, tmp_path: Path) -> dict[str, str]:
    """As `env`, for the server of each job layout in turn."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {**sandbox_layout.env, "HOME": str(home)}


#: (test, layout, case) that fail today (tests/conftest.py marks them xfail): none since the
#: start-up hook finds the files, rebuilds the tree and sets the cwd in every layout
NEEDS_STARTUP_HOOK: set[tuple[str, str, str | None]] = set()


#: prints, is still running at the first poll, then fails with a traceback and exit code 3
JOB_PY = """\
import sys, time, traceback
print("working", flush=True)
time.sleep(0.4)
try:
    {}["price"]
except KeyError:
    traceback.print_exc()
    sys.exit(3)
"""


@pytest.mark.parametrize("mode", [["--sync"], ["--async"]], ids=["sync", "async"])
def test_a_failing_program_prints_its_output_exit_code_and_diagnostic(
    variant_env: dict[str, str], tmp_path: Path, mode: list[str]
) -> None:
    script = tmp_path / "job.py"
    script.write_text(JOB_PY)
    done = cli(["run", *mode, str(script)], variant_env, tmp_path)
    assert done.returncode == 3, done.stderr
    assert done.stdout == "working\n"
    assert "Traceback (most recent call last)" in done.stderr
    assert f"{script}:5:" in done.stderr and "KeyError: 'price'" in done.stderr, done.stderr
    # the traceback names the local file, as the editors show it
    assert f'File "{script}", line 5' in done.stderr and "/sandbox/" not in done.stderr


PRINTER_PY = """\
import sys, time
for i in range(10):
    print(f"line {i}", flush=True)
    time.sleep(0.5)
raise SystemExit(4)
"""


def test_a_program_printing_for_5_s_shows_its_first_lines_while_it_runs(
    variant_env: dict[str, str], tmp_path: Path
) -> None:
    script = tmp_path / "long.py"
    script.write_text(PRINTER_PY)
    process = subprocess.Popen(
        [sys.executable, "-m", "unsandbox_ls", "run", str(script)],
        env=variant_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        # printed while the program still runs: it prints nine more lines over 4.5 s
        still_running = process.poll() is None
        rest, stderr = process.communicate(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert first == b"line 0\n" and still_running, stderr
    assert process.returncode == 4
    assert first + rest == b"".join(f"line {i}\n".encode() for i in range(10))  # each line once


@pytest.mark.parametrize("mode", [[], ["--sync"]], ids=["auto", "sync"])
def test_progress_shows_on_a_terminal_once_there_is_a_job(
    variant_env: dict[str, str], tmp_path: Path, sandbox_variant: SandboxServer, mode: list[str]
) -> None:
    """With stderr on a terminal, a polled job's status is shown on one rewritten line: a first
    run is polled, and a synchronous run too once the API answered it as pending."""
    script = tmp_path / "slow.py"
    script.write_text("import time\ntime.sleep(1)\nprint('done')\n")
    main, secondary = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "unsandbox_ls", "run", *mode, str(script)],
            env=variant_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=secondary,
            timeout=TIMEOUT, check=False,
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
    assert (done.returncode, done.stdout) == (0, b"done\n")
    polled = not mode or sandbox_variant.variant == "pending"
    assert (b"unsandbox-ls: job " in shown and b" running \xc2\xb7 " in shown) is polled, shown
    if polled:
        assert shown.endswith(b"\r\x1b[K")  # the line is cleared before the output


def test_output_streams_and_exit_code_pass_through(env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "exits.py"
    script.write_text("import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n"
                      "sys.exit(7)\n")  # fmt: skip
    done = cli(["run", str(script)], env, tmp_path)
    assert done.returncode == 7, done.stderr
    assert done.stdout == "to stdout\n"
    assert done.stderr.startswith("to stderr\n")


def test_env_and_input_files(layout_env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "numbers.txt"
    data.write_text("1\n2\n3\n")
    script = tmp_path / "sum.py"
    script.write_text("import os\nprint(os.environ['LABEL'], sum(map(int, open('numbers.txt'))))\n")
    done = cli(["run", str(script), "-e", "LABEL=total=", "-f", str(data)], layout_env, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "total= 6\n"


def test_input_files_are_found_under_tmp_input(layout_env: dict[str, str], tmp_path: Path) -> None:
    """Programs written for the hosted service open `/tmp/input/<name>`: every layout has it."""
    data = tmp_path / "numbers.txt"
    data.write_text("1\n2\n3\n")
    script = tmp_path / "hosted_style.py"
    script.write_text("print(sum(map(int, open('/tmp/input/numbers.txt'))))\n")
    done = cli(["run", str(script), "-f", str(data)], layout_env, tmp_path)
    assert (done.returncode, done.stdout) == (0, "6\n"), done.stderr


def test_json_output(variant_env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "fails.py"
    script.write_text("print('partial')\n\nraise ValueError('bad value')\n")
    done = cli(["run", "--json", "--async", str(script)], variant_env, tmp_path)
    assert done.returncode == 1, done.stderr
    data = json.loads(done.stdout)
    assert data["status"] == "completed" and data["exit_code"] == 1
    assert data["stdout"] == "partial\n" and "ValueError: bad value" in data["stderr"]
    assert data["language"] == "python" and data["job_id"]
    assert any(":3:" in line and "ValueError" in line for line in data["problems"]), data


def test_problem_lines_follow_the_output(layout_env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "crash.py"
    script.write_text("def f():\n    return 1 / 0\n\nf()\n")
    done = cli(["run", str(script)], layout_env, tmp_path)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert f"{script}:2:" in "\n".join(lines) and "ZeroDivisionError" in done.stderr
    # the traceback comes first, then the compiler-style lines
    first_problem = next(i for i, line in enumerate(lines) if line.startswith(f"{script}:"))
    assert any("Traceback" in line for line in lines[:first_problem])


def test_artifact_is_saved_executable(layout_env: dict[str, str], tmp_path: Path) -> None:
    source = tmp_path / "hello.c"
    source.write_text('#include <stdio.h>\nint main(void) { puts("hi"); return 0; }\n')
    out = tmp_path / "out"
    done = cli(["run", str(source), "--artifact", "--artifact-dir", str(out)], layout_env, tmp_path)
    assert done.returncode == 0, done.stderr
    binary = out / "hello"
    assert binary.read_bytes().startswith(b"\x7fELF")
    assert os.access(binary, os.X_OK)
    assert "saved artifact" in done.stderr


def test_shebang_run(variant_env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "tool"
    script.write_text('#!/usr/bin/env bash\necho "shebang $1ok"\nexit 4\n')
    done = cli(["run", "--shebang", str(script)], variant_env, tmp_path)
    assert done.returncode == 4, done.stderr
    assert done.stdout == "shebang ok\n"


def test_timeout_exits_124(env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "slow.py"
    script.write_text("import time\ntime.sleep(30)\n")
    done = cli(["run", "--ttl", "1", str(script)], env, tmp_path)
    assert done.returncode == 124, (done.stdout, done.stderr)


def test_missing_credentials_exit_77_and_say_how(env: dict[str, str], tmp_path: Path) -> None:
    bare = {k: v for k, v in env.items() if not k.startswith("UNSANDBOX_")}
    bare["UNSANDBOX_BASE_URL"] = env["UNSANDBOX_BASE_URL"]
    script = tmp_path / "x.py"
    script.write_text("print(1)\n")
    done = cli(["run", str(script)], bare, tmp_path)
    assert done.returncode == 77
    assert "UNSANDBOX_PUBLIC_KEY" in done.stderr and "accounts.csv" in done.stderr
    assert "Traceback" not in done.stderr


def test_accounts_file_in_home_is_used(
    env: dict[str, str], tmp_path: Path, sandbox_server: SandboxServer
) -> None:
    bare = {k: v for k, v in env.items() if not k.startswith("UNSANDBOX_")}
    bare["UNSANDBOX_BASE_URL"] = env["UNSANDBOX_BASE_URL"]
    folder = Path(bare["HOME"]) / ".unsandbox"
    folder.mkdir()
    (folder / "accounts.csv").write_text(
        f"# test\n{sandbox_server.public_key},{sandbox_server.secret_key}\n"
    )
    script = tmp_path / "x.sh"
    script.write_text("echo from-accounts\n")
    done = cli(["run", str(script), "--account", "0"], bare, tmp_path)
    assert (done.returncode, done.stdout) == (0, "from-accounts\n"), done.stderr


def test_wrong_key_exits_77(env: dict[str, str], tmp_path: Path) -> None:
    wrong = {**env, "UNSANDBOX_SECRET_KEY": "unsb-sk-" + "0f" * 16}
    script = tmp_path / "x.py"
    script.write_text("print(1)\n")
    done = cli(["run", str(script)], wrong, tmp_path)
    assert done.returncode == 77
    assert "rejected the credentials" in done.stderr
    assert wrong["UNSANDBOX_SECRET_KEY"] not in done.stderr + done.stdout


@pytest.mark.parametrize(
    ("extra", "name", "message"),
    [
        (["--ttl", "901"], "x.py", "ttl must be between"),
        ([], "notes.unknownext", "--language"),
        (["-e", "NOEQUALS"], "x.py", "KEY=VALUE"),
        (["-f", "missing.csv"], "x.py", "cannot read input file"),
        (["--base-url", "http://example.org"], "x.py", "plain http"),
        (["--vcpu", "9"], "x.py", "vcpu must be between 1 and 8"),
    ],
)
def test_bad_usage_exits_2(
    env: dict[str, str], tmp_path: Path, extra: list[str], name: str, message: str
) -> None:
    script = tmp_path / name
    script.write_text("print(1)\n")
    done = cli(["run", str(script), *extra], env, tmp_path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr


def test_unreachable_api_exits_69(env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "x.py"
    script.write_text("print(1)\n")
    down = {**env, "UNSANDBOX_BASE_URL": f"http://127.0.0.1:{free_port()}"}
    done = cli(["run", str(script)], down, tmp_path)
    assert done.returncode == 69
    assert "cannot connect" in done.stderr


@pytest.mark.parametrize("mode", [["--sync"], ["--async"]], ids=["sync", "async"])
def test_ctrl_c_cancels_the_job_shows_its_output_and_exits_130(
    variant_env: dict[str, str], tmp_path: Path, sandbox_variant: SandboxServer, mode: list[str]
) -> None:
    if mode == ["--sync"] and sandbox_variant.variant != "pending":
        pytest.skip("a synchronous run is only polled (and cancelled by id) when answered pending")
    script = tmp_path / "long.py"
    script.write_text("import time\nprint('before the cancel', flush=True)\ntime.sleep(60)\n")
    started = time.time()
    process = subprocess.Popen(
        [sys.executable, "-m", "unsandbox_ls", "run", *mode, str(script)],
        env=variant_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        job_id = None
        deadline = time.monotonic() + 30
        while job_id is None and time.monotonic() < deadline:
            time.sleep(0.2)
            for job in sandbox_variant.request("GET", "/jobs").json()["jobs"]:
                if job["status"] == "running" and float(job["created_at"]) >= started - 1:
                    job_id = job["job_id"]
        assert job_id, "the job never started"
        time.sleep(0.5)  # time to print
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 130, stderr
    assert stdout == "before the cancel\n", stderr
    assert f"job {job_id} was cancelled; above is the output it printed before" in stderr
    status = sandbox_variant.request("GET", f"/jobs/{job_id}").json()["status"]
    assert status == "cancelled"


def test_doctor_says_which_credentials_it_chose_over_which(
    env: dict[str, str], tmp_path: Path, sandbox_server: SandboxServer
) -> None:
    """A stale UNSANDBOX_API_KEY does not beat the accounts.csv pair, and doctor says so."""
    bare = {k: v for k, v in env.items() if not k.startswith("UNSANDBOX_")}
    bare["UNSANDBOX_BASE_URL"] = env["UNSANDBOX_BASE_URL"]
    bare["UNSANDBOX_API_KEY"] = "unsb-sk-stale-" + "0" * 16
    folder = Path(bare["HOME"]) / ".unsandbox"
    folder.mkdir()
    (folder / "accounts.csv").write_text(
        f"{sandbox_server.public_key},{sandbox_server.secret_key}\n"
    )
    done = cli(["doctor"], bare, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"HMAC keys, public key {sandbox_server.public_key}, from " in done.stdout
    assert "accounts.csv row 0" in done.stdout
    assert "not used" in done.stdout and "UNSANDBOX_API_KEY (legacy bearer)" in done.stdout
    assert bare["UNSANDBOX_API_KEY"] not in done.stdout + done.stderr
    assert sandbox_server.secret_key not in done.stdout + done.stderr
    script = tmp_path / "x.sh"
    script.write_text("echo with the pair\n")
    ran = cli(["run", str(script)], bare, tmp_path)
    assert (ran.returncode, ran.stdout) == (0, "with the pair\n"), ran.stderr


def test_doctor_reports_without_the_secret(
    env: dict[str, str], tmp_path: Path, sandbox_server: SandboxServer
) -> None:
    done = cli(["doctor"], env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert sandbox_server.public_key in out and "UNSANDBOX_PUBLIC_KEY" in out
    assert sandbox_server.base_url in out
    assert "[ok] health" in out and "[ok] key" in out and "python" in out
    assert sandbox_server.secret_key not in out + done.stderr


def test_doctor_without_credentials_exits_77(env: dict[str, str], tmp_path: Path) -> None:
    bare = {k: v for k, v in env.items() if not k.startswith("UNSANDBOX_")}
    bare["UNSANDBOX_BASE_URL"] = env["UNSANDBOX_BASE_URL"]
    done = cli(["doctor"], bare, tmp_path)
    assert done.returncode == 77
    assert "UNSANDBOX_SECRET_KEY" in done.stdout and "[ok] health" in done.stdout


def test_sandbox_is_reachable(sandbox_server: SandboxServer) -> None:
    """Guard: the other tests' failures mean something only if the server answers."""
    assert httpx.get(sandbox_server.base_url + "/health", timeout=5).status_code == 200


def _two_files(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "main.py").write_text("from helpers import add\n\nprint(add(1, 2))\n")
    (project / "helpers.py").write_text("def add(a, b):\n    return a + b + missing\n")
    return project


def test_imports_go_along_and_each_error_names_its_own_file(
    layout_env: dict[str, str], tmp_path: Path
) -> None:
    env = layout_env
    project = _two_files(tmp_path)
    done = cli(["run", "main.py"], env, project)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert any(
        line.startswith("helpers.py:2:") and ": error: NameError" in line for line in lines
    ), done.stderr
    assert any(line.startswith("main.py:3:") and ": note: " in line for line in lines)
    done = cli(["run", "--json", str(project / "main.py")], env, tmp_path)
    data = json.loads(done.stdout)
    assert data["files"] == ["main.py", "helpers.py"]
    assert data["problems"][0].startswith(f"{project / 'helpers.py'}:2:")


def test_no_discover_sends_the_file_alone(env: dict[str, str], tmp_path: Path) -> None:
    project = _two_files(tmp_path)
    done = cli(["run", "--no-discover", "main.py"], env, project)
    assert done.returncode == 1
    assert "No module named 'helpers'" in done.stderr
    assert any(line.startswith("main.py:1:") for line in done.stderr.splitlines())


def test_the_magic_comment_applies_and_flags_win(env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "magic.py"
    script.write_text(
        "# unsandbox: env.WHO=comment env.ALSO=yes discover=false\n"
        "import os\nprint(os.environ['WHO'], os.environ['ALSO'])\n"
    )
    done = cli(["run", str(script)], env, tmp_path)
    assert (done.returncode, done.stdout) == (0, "comment yes\n"), done.stderr
    done = cli(["run", str(script), "-e", "WHO=flag"], env, tmp_path)
    assert (done.returncode, done.stdout) == (0, "flag yes\n"), done.stderr
    script.write_text("# unsandbox: ttl=nope\nprint(1)\n")
    done = cli(["run", str(script)], env, tmp_path)
    assert done.returncode == 2 and "ttl must be a whole number" in done.stderr


def test_too_many_imported_files_are_refused_before_sending(
    env: dict[str, str], tmp_path: Path
) -> None:
    names = [f"m{i:02}" for i in range(11)]
    for name in names:
        (tmp_path / f"{name}.py").write_text("X = 1\n")
    (tmp_path / "main.py").write_text("import " + ", ".join(names) + "\n")
    done = cli(["run", "main.py"], env, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "11 input files" in done.stderr and "m10.py (6 B)" not in done.stderr
    assert "m10.py (0.0 kB)" in done.stderr and "--no-discover" in done.stderr
