"""Results in place: what the recording costs a program, with and without it, in the same run.

Each program (a print-heavy loop, a CPU loop, hello world) runs under this machine's Python,
Ruby and Node with the language's start-up hook file loaded as the sandbox loads it (Python:
`sitecustomize.py` on PYTHONPATH; Ruby: `-r`; Node: `--require`) and `UNSANDBOX_LS_IN_PLACE`
set, so it records and writes its block at exit; the baseline is the same interpreter on the
same program with no hook at all. Runs alternate; each figure is the median wall time of the
process. The hook's re-run in the rebuilt tree (its other job) is not part of these figures.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.report import Figure, median
from unsandbox_ls.hooks.startup import hook_file

NONCE = "0123456789abcdef"
#: language → (hook file, how the interpreter loads it, the interpreter)
RUNTIMES = {
    "python": ("sitecustomize.py", "PYTHONPATH", "python3"),
    "ruby": ("unsandbox_boot.rb", "-r", "ruby"),
    "javascript": ("unsandbox_boot.js", "--require", "node"),
}
PROGRAMS = {
    "print-heavy loop": {
        "python": "for i in range(20000):\n    print('line', i)\n",
        "ruby": '20000.times { |i| puts "line #{i}" }\n',
        "javascript": "for (let i = 0; i < 20000; i++) console.log('line', i);\n",
    },
    "CPU loop": {
        "python": "t = 0\nfor i in range(3000000):\n    t += i * i\nprint(t)\n",
        "ruby": "t = 0\n3000000.times { |i| t += i * i }\nputs t\n",
        "javascript": "let t = 0;\nfor (let i = 0; i < 30000000; i++) t += i % 7;\n"
        "console.log(t);\n",
    },
    "hello world": {
        "python": "print('hello')\n",
        "ruby": "puts 'hello'\n",
        "javascript": "console.log('hello');\n",
    },
}
EXTENSIONS = {"python": "py", "ruby": "rb", "javascript": "js"}
#: program → (kind, limit): the targets of results in place
TARGETS = {
    "print-heavy loop": ("ratio", 1.3),
    "CPU loop": ("ratio", 1.05),
    "hello world": ("diff", 30.0),
}


def _command(
    language: str, hooks: Path, program: Path, hooked: bool
) -> tuple[list[str], dict[str, str]]:
    name, how, interpreter = RUNTIMES[language]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "UNSANDBOX", "RUBY", "NODE"))
    }
    command = [interpreter]
    if hooked:
        env["UNSANDBOX_LS_IN_PLACE"] = NONCE
        if how == "PYTHONPATH":
            env["PYTHONPATH"] = str(hooks)
        else:
            command += [how, str(hooks / name)]
    return [*command, program.name], env


def _run(command: list[str], env: dict[str, str], cwd: Path, hooked: bool) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, timeout=300, check=True)
    elapsed = time.perf_counter() - started
    if hooked and b"--- unsandbox-ls in-place " not in done.stderr:
        raise RuntimeError(f"{command[0]}: the hook did not record")
    return elapsed


async def measure(repeats: int) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        hooks = root / "hooks"
        hooks.mkdir()
        for name, _, _ in RUNTIMES.values():
            (hooks / name).write_bytes(hook_file(name))
        for language, (_, _, interpreter) in RUNTIMES.items():
            if shutil.which(interpreter) is None:
                continue
            for title, sources in PROGRAMS.items():
                program = root / f"program.{EXTENSIONS[language]}"
                program.write_text(sources[language], encoding="utf-8")
                plain_cmd, plain_env = _command(language, hooks, program, False)
                hooked_cmd, hooked_env = _command(language, hooks, program, True)
                _run(hooked_cmd, hooked_env, root, True)  # warm the caches
                plain: list[float] = []
                hooked: list[float] = []
                for i in range(repeats):
                    first, second = (plain, hooked) if i % 2 else (hooked, plain)
                    for times in (first, second):
                        with_hook = times is hooked
                        cmd, env = (hooked_cmd, hooked_env) if with_hook else (plain_cmd, plain_env)
                        times.append(_run(cmd, env, root, with_hook))
                kind, limit = TARGETS[title]
                figures.append(
                    Figure(
                        f"in place, {language}: {title}",
                        median(hooked) * 1000,
                        median(plain) * 1000,
                        "ms",
                        kind,
                        limit,
                        f"baseline: {interpreter} without the hook",
                        repeats,
                    )
                )
    return figures
