"""Record the real output of a runtime that the local sandbox does not offer, for the tests.

    python tests/problems/capture.py tests/problems/captures/elixir/deep_stack.exs

The folder under `captures/` names the runtime (a key of `COMMANDS`).

The program (or its selection) is copied into an empty directory as `main.<ext>` (the sandbox's
name), which bubblewrap mounts at `/sandbox` as the local sandbox does; the language's command
below is run there, and `<program>.stderr`, `<program>.stdout`
and `<program>.json` (command, runtime version, exit code) are written next to the program.
`test_captured_output.py` then checks the markers against that output.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from problem_expectations import load_program

#: runtime folder → (shell command run in the directory holding the program, version command)
COMMANDS: dict[str, tuple[str, str]] = {
    "elixir": ("elixir main.exs", "elixir --version | tail -n 1"),
    "haskell": ("ghc -v0 -o main main.hs && ./main", "ghc --version"),
    "csharp": (
        "mcs -debug -out:main.exe main.cs && mono --debug main.exe",
        "mono --version | head -n 1",
    ),
    "tsc": ("tsc --noEmit --pretty false main.ts", "tsc --version"),
    "deno": ("deno run --quiet --no-prompt main.ts", "deno --version | head -n 1"),
    "deno-check": ("deno check --quiet main.ts", "deno --version | head -n 1"),
    "bun": ("bun main.ts", "echo bun $(bun --version)"),
    "asan": ("gcc -g -fsanitize=address -o main main.c && ./main", "gcc --version | head -n 1"),
    "kotlin": (
        "kotlinc Main.kt -d out && kotlin -cp out MainKt",
        "kotlinc -version 2>&1 | tail -n 1",
    ),
}


def capture(path: Path) -> None:
    program = load_program(path)
    command, version_command = COMMANDS[path.parent.name]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / program.submitted_name).write_text(program.code, encoding="utf-8")
        argv = [
            "bwrap", "--dev-bind", "/", "/", "--bind", folder, "/sandbox", "--chdir", "/sandbox",
            "bash", "-c", command,
        ]  # fmt: skip
        run = subprocess.run(
            argv, capture_output=True, text=True, timeout=300,
            env={
                "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/sandbox",
                "NO_COLOR": "1", "TERM": "dumb",
            },
        )  # fmt: skip
    version = subprocess.run(version_command, shell=True, capture_output=True, text=True)
    path.with_name(path.name + ".stderr").write_text(run.stderr, encoding="utf-8")
    path.with_name(path.name + ".stdout").write_text(run.stdout, encoding="utf-8")
    meta = {
        "command": command,
        "runtime": version.stdout.strip().splitlines()[0] if version.stdout.strip() else "",
        "exit_code": run.returncode,
        "system": "Debian 12 (bookworm) packages",
    }
    path.with_name(path.name + ".json").write_text(json.dumps(meta, indent=2) + "\n")


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        capture(Path(argument))
