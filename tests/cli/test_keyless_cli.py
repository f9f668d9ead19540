"""`run`, `doctor` and `sandbox` before any key exists: the local sandbox started for the run,
the `--backend` flag and `UNSANDBOX_BACKEND`, and what is said when something is missing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.fault_server import free_port
from support.keyless import keyless_env, stop_shared_sandbox

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120


@pytest.fixture
def keyless(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A fresh profile: no UNSANDBOX_* variable, an empty HOME (no accounts.csv) and a private
    runtime folder; the shared sandbox its runs started is stopped afterwards."""
    env = keyless_env(tmp_path)
    try:
        yield env
    finally:
        stop_shared_sandbox(env)


def cli(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip


def test_run_without_keys_runs_locally(keyless: dict[str, str]) -> None:
    done = cli(["run", "examples/orders.py"], keyless)
    assert done.returncode == 1, done.stderr
    assert done.stdout.splitlines()[0].strip() == "notebook x2"
    assert "no API keys found, so this runs in the local sandbox" in done.stderr
    assert "examples/orders.py:15:26: error: KeyError: 'price'" in done.stderr
    assert "Traceback (most recent call last)" in done.stderr  # the program's own stderr


def test_hosted_without_keys_exits_77_and_names_the_local_backend(
    keyless: dict[str, str],
) -> None:
    done = cli(["run", "--backend", "hosted", "examples/orders.py"], keyless)
    assert done.returncode == 77
    assert "no unsandbox API credentials found" in done.stderr
    assert "--backend local" in done.stderr
    assert "notebook" not in done.stdout  # nothing ran


def test_backend_variable(keyless: dict[str, str]) -> None:
    hosted = cli(["run", "examples/orders.py"], {**keyless, "UNSANDBOX_BACKEND": "hosted"})
    assert hosted.returncode == 77
    bogus = cli(["run", "examples/orders.py"], {**keyless, "UNSANDBOX_BACKEND": "cloud"})
    assert bogus.returncode == 2
    assert "UNSANDBOX_BACKEND must be auto, hosted or local, got 'cloud'" in bogus.stderr
    assert "Traceback" not in bogus.stderr


def test_local_backend_ignores_configured_keys(keyless: dict[str, str], tmp_path: Path) -> None:
    env = {**keyless, "UNSANDBOX_PUBLIC_KEY": "unsb-pk-x", "UNSANDBOX_SECRET_KEY": "unsb-sk-y"}
    env["UNSANDBOX_BASE_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing there
    script = tmp_path / "hi.py"
    script.write_text("print('local')\n")
    done = cli(["run", "--backend", "local", str(script)], env)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "local\n"
    assert "no API keys found" not in done.stderr  # chosen, not a fallback


def test_without_bubblewrap_says_how_to_install_it(keyless: dict[str, str], tmp_path: Path) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    done = cli(["run", "examples/orders.py"], {**keyless, "PATH": str(bare)})
    assert done.returncode == 69
    assert "apt-get install bubblewrap" in done.stderr
    assert "Traceback" not in done.stderr


def test_doctor_without_keys_checks_the_local_sandbox(keyless: dict[str, str]) -> None:
    done = cli(["doctor"], keyless)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[ok] backend      local sandbox" in done.stdout
    assert "[ok] health" in done.stdout and "python" in done.stdout


def test_doctor_reports_a_local_sandbox_that_is_down(keyless: dict[str, str]) -> None:
    port = free_port()
    env = {**keyless, "UNSANDBOX_BASE_URL": f"http://127.0.0.1:{port}"}
    env.update(UNSANDBOX_PUBLIC_KEY="unsb-pk-x", UNSANDBOX_SECRET_KEY="unsb-sk-y")
    done = cli(["doctor"], env)
    assert done.returncode == 69
    assert (
        f"[!!] health       cannot connect to the local sandbox at http://127.0.0.1:{port}: "
        "it is not running; start it with `unsandbox-ls sandbox`"
    ) in done.stdout


BLOCK_EXTRA = """
import sys
sys.modules["starlette"] = None  # as if the [sandbox] extra were not installed
sys.modules["uvicorn"] = None
from unsandbox_ls.cli import main
sys.exit(main(["sandbox", "--port", "0"]))
"""


def test_sandbox_without_the_extra_says_how_to_install_it(keyless: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", BLOCK_EXTRA],
        env={**keyless, "UNSANDBOX_PUBLIC_KEY": "unsb-pk-x", "UNSANDBOX_SECRET_KEY": "unsb-sk-y"},
        capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "pip install 'unsandbox-ls[sandbox]'" in done.stderr
    assert "starlette and uvicorn not installed" in done.stderr
