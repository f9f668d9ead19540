"""`unsandbox-ls run hello.py` from a terminal: wall time of the whole command, against a bare
`python3 hello.py` measured in the same run.

- `cli_hello`: against a local sandbox that is already running (its URL and keys in the
  environment, as with hosted keys);
- `cli_compact`: the same in the Helix form, `run --compact`;
- `cli_keyless`: no keys anywhere (an empty HOME, no `UNSANDBOX_*` variable): the CLI finds or
  starts the local sandbox itself. "First" runs start with no sandbox running (each in a fresh
  user runtime and cache folder); "later" runs follow another keyless run of the same user.

The command is `unsandbox-ls` as a plain `pip install` leaves it (`installed_cli`: no editable
install's import hook). Each command is one process started by `asyncio.create_subprocess_exec`
with its output piped;
the time is from the spawn to its exit. Runs of the command and of the baseline alternate. The
CLI runs with a bytecode cache (`PYTHONPYCACHEPREFIX` in a temporary folder, filled by the
warm-up runs), as after `pip install`, which compiles every module. The baseline is the
interpreter the sandbox runs, started directly (no shim, no virtual environment).
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from benchmarks.report import Figure, median, percentile
from benchmarks.sandbox import SandboxServer, start_sandbox_server

HELLO = 'print("hello")\n'
WARM_TARGET_S = 0.25
LATER_KEYLESS_TARGET_S = 0.35
FIRST_KEYLESS_TARGET_S = 0.9
#: the command a terminal or Helix runs, as `pip install` makes it (`installed_cli`)
SCRIPT = """import sys
from unsandbox_ls.cli import main
if __name__ == "__main__":
    sys.exit(main())
"""
FLOOR = [sys.executable, str(Path(__file__).with_name("minimal_client.py"))]


class Timing(NamedTuple):
    wall: float
    #: user + system CPU seconds of the command (less sensitive to other load on the machine)
    cpu: float


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's ended children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def import_times(stderr: str) -> dict[str, float]:
    """`-X importtime` output → milliseconds per top-level package (each module's own time
    added to its package's)."""
    spent: dict[str, float] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        package = name.strip().split(".")[0]
        spent[package] = spent.get(package, 0.0) + int(own) / 1000
    return spent


async def import_profile(python: str, env: Mapping[str, str], cwd: Path, repeats: int) -> Figure:
    """The run path's import time (`python -X importtime`), the median of `repeats` runs."""
    totals: list[float] = []
    per_package: dict[str, list[float]] = {}
    for _ in range(repeats):
        process = await asyncio.create_subprocess_exec(
            python, "-X", "importtime", "-m", "unsandbox_ls", "run", "hello.py",
            cwd=cwd, env=dict(env), stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(process.communicate(), 120)
        spent = import_times(err.decode(errors="replace"))
        totals.append(sum(spent.values()))
        for package, ms in spent.items():
            per_package.setdefault(package, []).append(ms)
    ranked = sorted(per_package.items(), key=lambda item: -median(item[1]))
    top = ", ".join(f"{name} {median(values):.0f}" for name, values in ranked[:12])
    return Figure(
        "  its import time (python -X importtime)", median(totals), None, "ms", "info", None,
        f"ms per package, own modules' time: {top}", repeats,
    )  # fmt: skip


async def timed(command: list[str], env: Mapping[str, str], cwd: Path) -> Timing:
    """From spawning `command` to its exit; it must print the hello world."""
    cpu = children_cpu()
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd,
        env=dict(env),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    elapsed = time.perf_counter() - started
    await process.wait()  # reaped: its CPU time is in RUSAGE_CHILDREN
    if process.returncode != 0 or b"hello" not in out:
        raise RuntimeError(
            f"{' '.join(command[-3:])} exited {process.returncode}: "
            f"{out.decode(errors='replace')[-300:]} {err.decode(errors='replace')[-600:]}"
        )
    return Timing(elapsed, children_cpu() - cpu)


def installed_cli(root: Path) -> list[str]:
    """`unsandbox-ls` as a plain `pip install` leaves it: a virtual environment (of this
    interpreter) whose `sys.path` holds the package's folder and this environment's libraries
    through a `.pth` file, and the script pip writes. A development checkout is installed
    editable, whose import hook every interpreter start loads (~20 ms); users do not have it."""
    import site
    import venv

    folder = root / "installed"
    venv.EnvBuilder(symlinks=True, with_pip=False).create(folder)
    python = folder / "bin" / "python"
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    packages = Path(subprocess_output([str(python), "-c", where]))
    ours = Path(__file__).resolve().parents[1]
    libraries = [p for p in site.getsitepackages() if Path(p).is_dir()]
    (packages / "unsandbox_ls.pth").write_text("\n".join([str(ours), *libraries]) + "\n")
    script = folder / "bin" / "unsandbox-ls"
    script.write_text(f"#!{python}\n{SCRIPT}", encoding="utf-8")
    script.chmod(0o755)
    return [str(script)]


def subprocess_output(command: list[str]) -> str:
    import subprocess

    return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()


def base_env(cache: str) -> dict[str, str]:
    """This environment with a bytecode cache and no UNSANDBOX_* variable."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("UNSANDBOX_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def keyless_env(root: Path, cache: str, name: str) -> dict[str, str]:
    """A user who has configured nothing, with their own HOME, cache and runtime folders."""
    home = root / name
    for sub in ("home", "cache", "run"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    (home / "run").chmod(0o700)
    env = base_env(cache)
    env.update(
        HOME=str(home / "home"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_RUNTIME_DIR=str(home / "run"),
    )
    return env


async def stop_user_sandboxes(env: Mapping[str, str]) -> None:
    """Stop the shared local sandbox a keyless run left running for the user of `env`."""
    import inspect

    try:
        from unsandbox_ls.local_backend import stop_shared_sandbox
    except ImportError:  # each run starts and stops its own sandbox
        return
    stopped = stop_shared_sandbox(env=env)
    if inspect.isawaitable(stopped):
        await stopped


async def sandbox_python(server: SandboxServer) -> str:
    found = await asyncio.to_thread(server.execute, "python", "import sys\nprint(sys.executable)")
    return str(found["stdout"].strip())


async def alternate(
    ours: list[str], env: Mapping[str, str], bare: list[str], cwd: Path, repeats: int
) -> tuple[list[Timing], list[Timing]]:
    """`repeats` timings of `ours` and of `bare`, alternating (who goes first alternates too)."""
    mine: list[Timing] = []
    base: list[Timing] = []
    for i in range(repeats):
        if i % 2:
            base.append(await timed(bare, os.environ, cwd))
        mine.append(await timed(ours, env, cwd))
        if not i % 2:
            base.append(await timed(bare, os.environ, cwd))
    return mine, base


async def measure(which: str, repeats: int) -> list[Figure]:
    server = await asyncio.to_thread(start_sandbox_server, max_jobs=4)
    try:
        with tempfile.TemporaryDirectory() as folder:
            root = Path(folder)
            cache = str(root / "pycache")
            (root / "work").mkdir()
            work = root / "work"
            (work / "hello.py").write_text(HELLO, encoding="utf-8")
            bare = [await sandbox_python(server), "hello.py"]
            cli = await asyncio.to_thread(installed_cli, root)
            if which == "keyless":
                return await _keyless(cli, root, cache, work, bare, repeats)
            env = base_env(cache)
            env.update({k: v for k, v in server.env.items() if k.startswith("UNSANDBOX_")})
            env["HOME"] = str(root / "home")
            env["XDG_CACHE_HOME"] = str(root / "cache")
            compact = which == "compact"
            command = [*cli, "run", *(["--compact"] if compact else []), "hello.py"]
            for _ in range(3):  # bytecode cache, file system cache, the file's run times
                await timed(command, env, work)
                await timed(bare, os.environ, work)
            mine, base = await alternate(command, env, bare, work, repeats)
            walls = [t.wall for t in mine]
            more: list[Figure] = []
            if not compact:  # the same stack's floor and the import time, measured after
                await timed([*FLOOR, "hello.py"], env, work)
                floor = [await timed([*FLOOR, "hello.py"], env, work) for _ in range(repeats // 2)]
                more.append(floor_figure(mine, floor))
                python = str(Path(cli[0]).with_name("python"))
                more.append(await import_profile(python, env, work, max(3, repeats // 4)))
            return [
                Figure(
                    f"unsandbox-ls run {'--compact ' if compact else ''}hello.py "
                    "(running local sandbox)",
                    median(walls), median([t.wall for t in base]), "s", "max", WARM_TARGET_S,
                    f"baseline: bare python3 hello.py; p90 {percentile(walls, 0.9):.3f} s",
                    repeats,
                ),
                cpu_figure(mine, base),
                *more,
            ]  # fmt: skip
    finally:
        await asyncio.to_thread(server.stop)


async def _keyless(
    cli: list[str], root: Path, cache: str, work: Path, bare: list[str], repeats: int
) -> list[Figure]:
    command = [*cli, "run", "hello.py"]
    warm = keyless_env(root, cache, "warm-up")
    for _ in range(2):
        await timed(command, warm, work)
    await stop_user_sandboxes(warm)
    first: list[Timing] = []
    later: list[Timing] = []
    base: list[Timing] = []
    for i in range(repeats):
        env = keyless_env(root, cache, f"user{i}")
        try:
            first.append(await timed(command, env, work))
            base.append(await timed(bare, os.environ, work))
            later.append(await timed(command, env, work))
            later.append(await timed(command, env, work))
        finally:
            await stop_user_sandboxes(env)
        shutil.rmtree(root / f"user{i}", ignore_errors=True)
    return [
        Figure(
            "keyless run, first (no sandbox running)", median([t.wall for t in first]),
            median([t.wall for t in base]), "s", "max", FIRST_KEYLESS_TARGET_S,
            "baseline: bare python3 hello.py; CPU time: the command's own (a sandbox started "
            "detached is not counted)",
            repeats,
        ),
        cpu_figure(first, base),
        Figure(
            "keyless run, later (after another)", median([t.wall for t in later]),
            median([t.wall for t in base]), "s", "max", LATER_KEYLESS_TARGET_S,
            "baseline: bare python3 hello.py", 2 * repeats,
        ),
        cpu_figure(later, base),
    ]  # fmt: skip


def floor_figure(mine: list[Timing], floor: list[Timing]) -> Figure:
    return Figure(
        "  against asyncio + httpx + one POST /execute", median([t.wall for t in mine]),
        median([t.wall for t in floor]), "s", "info", None,
        "baseline: benchmarks/minimal_client.py, a fresh interpreter sending the file as one "
        "signed request with the full client's stack (no plan, no problems, no history)",
        len(floor),
    )  # fmt: skip


def cpu_figure(mine: list[Timing], base: list[Timing]) -> Figure:
    return Figure(
        "  CPU time of the command", median([t.cpu for t in mine]) * 1000,
        median([t.cpu for t in base]) * 1000, "ms", "info", None,
        "user + system; less sensitive to other load on the machine than the wall time",
        len(mine),
    )  # fmt: skip
