"""Runs one job to completion: spawn the sandbox, drain and cap its output, enforce the ttl.

The job is one process tree started with `start_new_session=True` (its own process group). Its
stdout and stderr are read concurrently until EOF; each keeps its first `output_limit` bytes (1 MiB
by default) and counts the rest, which is read and thrown away so the program never blocks on a
full pipe. A truncated stream ends with a line `[… N more bytes of stdout were discarded]`.

Memory: with a memory cgroup (`cgroups`), the kernel charges the job for everything and
OOM-kills at the limit; a watchdog polls the cgroup's OOM-kill counter four times a second and
then ends the whole job. Without one, the watchdog measures the job twice a second (`job_memory`)
and kills the tree when it passes `memory_limit` (per-process RLIMIT_DATA alone would let a job
multiply its memory by forking): the resident memory of every process in the tree, plus every
memfd the tree holds open (counted once, mapped or not), plus what the sandbox's tmpfs mounts
hold. Shared pages are counted once per process and a mapped memfd twice, so the sum errs on the
high side. Either way the job is reported with exit code 137 and a line at the end of stderr.

The wall clock: when the ttl expires, or when the job is cancelled, the process group is sent
SIGKILL. Under bubblewrap the process the server started is bwrap itself; killing it kills the
sandbox's PID 1 (`--die-with-parent`), and the end of PID 1 ends every process in the job's PID
namespace, daemons and double-forks included. Without the sandbox (`--unsafe-no-sandbox`) only the
process group is killed: a program that calls setsid() can escape that.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unsandbox_ls.sandbox.cgroups import JobCgroup

OUTPUT_LIMIT = 1024 * 1024


@dataclass
class Capture:
    """One output stream: the kept prefix and how many bytes were thrown away."""

    limit: int
    data: bytearray = field(default_factory=bytearray)
    dropped: int = 0

    def feed(self, chunk: bytes) -> None:
        room = self.limit - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))

    def text(self, name: str) -> str:
        out = self.data.decode("utf-8", errors="replace")
        if self.dropped:
            if not out.endswith("\n"):
                out += "\n"
            out += f"[… {self.dropped} more bytes of {name} were discarded]\n"
        return out


def _complete_text(data: bytes) -> str:
    """`data` decoded, without a trailing incomplete UTF-8 sequence (it is completed later)."""
    return codecs.getincrementaldecoder("utf-8")("replace").decode(data, final=False)


@dataclass
class LiveOutput:
    """The output a running job has printed so far, which a poll of the job shows.

    `run_process` sets the two captures once the process has started; `so_far` gives each
    stream's text up to `limit` bytes. Each answer extends the previous one (an incomplete
    UTF-8 sequence at the end waits for its last bytes), so a client can show the difference."""

    stdout: Capture | None = None
    stderr: Capture | None = None

    def so_far(self, limit: int) -> dict[str, str]:
        if self.stdout is None or self.stderr is None:  # not started yet: nothing printed
            return {"stdout": "", "stderr": ""}
        return {
            "stdout": _complete_text(bytes(self.stdout.data[:limit])),
            "stderr": _complete_text(bytes(self.stderr.data[:limit])),
        }


@dataclass
class Outcome:
    """What the runner reports back: exit code (None when killed), output and timings."""

    exit_code: int | None
    stdout: str
    stderr: str
    timed_out: bool
    cancelled: bool
    started_at: float
    finished_at: float
    truncated: bool = False
    error: str | None = None
    memory_exceeded: bool = False
    #: what bwrap wrote to its status pipe (JSON objects), empty without one
    status_json: bytes = b""


async def _drain(stream: asyncio.StreamReader | None, capture: Capture) -> None:
    if stream is None:
        return
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return
        capture.feed(chunk)


_PAGE = os.sysconf("SC_PAGE_SIZE")


def _process_table() -> tuple[dict[int, int], dict[int, int]]:
    """(pid → parent pid, pid → resident bytes) of every process visible in /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return parents, rss
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat.rpartition(b")")[2].split()
        if len(fields) < 22:
            continue
        pid = int(entry)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * _PAGE
    return parents, rss


def _descendants(root: int, parents: dict[int, int]) -> list[int]:
    """`root` (when alive) and every process below it."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found: list[int] = []
    stack, seen = [root], set()
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        if pid in parents:
            found.append(pid)
        stack.extend(children.get(pid, ()))
    return found


def _memfd_bytes(pids: list[int]) -> int:
    """Bytes held in the memfds the processes have open, each memfd counted once."""
    sizes: dict[tuple[int, int], int] = {}
    for pid in pids:
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                if not os.readlink(f"{fd_dir}/{fd}").startswith("/memfd:"):
                    continue
                st = os.stat(f"{fd_dir}/{fd}")
            except OSError:
                continue
            sizes[(st.st_dev, st.st_ino)] = st.st_blocks * 512
    return sum(sizes.values())


def _tmpfs_bytes(sandbox_pid: int | None, paths: tuple[str, ...]) -> int:
    """Bytes stored in the sandbox's tmpfs mounts, seen through its PID 1's root."""
    if sandbox_pid is None:
        return 0
    total = 0
    for path in paths:
        try:
            st = os.statvfs(f"/proc/{sandbox_pid}/root{path}")
        except OSError:
            continue
        total += (st.f_blocks - st.f_bfree) * st.f_frsize
    return total


def job_memory(root: int, sandbox_pid: int | None = None, tmpfs: tuple[str, ...] = ()) -> int:
    """What the job rooted at `root` holds: resident memory of its processes, its memfds, and
    the files in the tmpfs mounts `tmpfs` of the sandbox whose PID 1 is `sandbox_pid`."""
    parents, rss = _process_table()
    pids = _descendants(root, parents)
    if sandbox_pid not in pids:
        sandbox_pid = None  # gone (its pid might be another process's by now)
    return sum(rss[pid] for pid in pids) + _memfd_bytes(pids) + _tmpfs_bytes(sandbox_pid, tmpfs)


async def _watch_memory(
    pid: int,
    limit: int,
    exceeded: asyncio.Event,
    status: StatusPipe,
    tmpfs: tuple[str, ...],
) -> None:
    while True:
        await asyncio.sleep(0.5)
        sandbox_pid = status.sandbox_pid() if tmpfs else None
        if await asyncio.to_thread(job_memory, pid, sandbox_pid, tmpfs) > limit:
            exceeded.set()
            return


async def _watch_cgroup(cgroup: JobCgroup, exceeded: asyncio.Event) -> None:
    while True:
        await asyncio.sleep(0.25)
        if cgroup.oom_kills() > 0:
            exceeded.set()
            return


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


_CHILD_PID = re.compile(rb'"child-pid"\s*:\s*(\d+)')


class StatusPipe:
    """bwrap's `--json-status-fd` output, read without blocking as it arrives."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd
        self.data = b""
        if fd is not None:
            os.set_blocking(fd, False)

    def read(self) -> bytes:
        if self.fd is not None:
            with contextlib.suppress(BlockingIOError, OSError):
                while chunk := os.read(self.fd, 65536):
                    self.data += chunk
        return self.data

    def sandbox_pid(self) -> int | None:
        """The host pid of the sandbox's PID 1 (bwrap's child)."""
        match = _CHILD_PID.search(self.read())
        return int(match[1]) if match else None


def _kill_sandbox_first(status: StatusPipe) -> bool:
    """Kill the sandbox's PID 1, which ends its whole PID namespace; bwrap then reaps it and
    exits by itself, so no zombie is left to the host's init. False when its pid is unknown."""
    pid = status.sandbox_pid()
    if pid is None:
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)
    return True


async def start_process(
    argv: list[str],
    *,
    pass_fds: tuple[int, ...] = (),
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    close_after_spawn: tuple[int, ...] = (),
    stdin: int = asyncio.subprocess.DEVNULL,
) -> asyncio.subprocess.Process:
    """`argv` started in a session of its own, stdout and stderr piped (`OSError` if it cannot
    be); `close_after_spawn` are closed in this process either way."""
    try:
        return await asyncio.create_subprocess_exec(
            *argv,
            stdin=stdin,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            pass_fds=pass_fds,
            env=env if env is not None else {"PATH": "/usr/bin:/bin"},
            cwd=cwd,
            start_new_session=True,
        )
    finally:
        for fd in close_after_spawn:
            with contextlib.suppress(OSError):
                os.close(fd)


async def run_process(
    argv: list[str],
    *,
    ttl: float,
    cancel: asyncio.Event,
    pass_fds: tuple[int, ...] = (),
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    output_limit: int = OUTPUT_LIMIT,
    memory_limit: int | None = None,
    close_after_spawn: tuple[int, ...] = (),
    status_fd: int | None = None,
    cgroup: JobCgroup | None = None,
    tmpfs: tuple[str, ...] = (),
    live: LiveOutput | None = None,
    started_process: asyncio.subprocess.Process | None = None,
) -> Outcome:
    """Run `argv`, killing its process group at `ttl` seconds, when `cancel` is set, or when the
    job passes `memory_limit`: in `cgroup` (which `argv` joins first) when given, otherwise as
    measured by `job_memory`, counting the sandbox's `tmpfs` mounts. `close_after_spawn` are fds
    of the child's that the parent closes once it has started (the write end of bwrap's status
    pipe, whose read end is `status_fd`). `live` is given the output as it is read.

    `started_process` is a process `start_process` started beforehand, which has just been
    told to go on: it is run instead of `argv` (the ttl counts from now)."""
    started = time.time()
    if started_process is not None:
        proc = started_process
    else:
        try:
            proc = await start_process(
                argv, pass_fds=pass_fds, env=env, cwd=cwd, close_after_spawn=close_after_spawn
            )
        except OSError as exc:
            now = time.time()
            error = f"could not start: {exc}"
            return Outcome(None, "", "", False, False, started, now, error=error)
    status = StatusPipe(status_fd)
    out, err = Capture(output_limit), Capture(output_limit)
    if live is not None:
        live.stdout, live.stderr = out, err
    drains = asyncio.gather(_drain(proc.stdout, out), _drain(proc.stderr, err))
    waiter = asyncio.ensure_future(proc.wait())
    cancelled_wait = asyncio.ensure_future(cancel.wait())
    too_big = asyncio.Event()
    watchers: list[asyncio.Future[Any]] = [asyncio.ensure_future(too_big.wait())]
    if cgroup is not None:
        watchers.append(asyncio.ensure_future(_watch_cgroup(cgroup, too_big)))
    elif memory_limit is not None:
        watch = _watch_memory(proc.pid, memory_limit, too_big, status, tmpfs)
        watchers.append(asyncio.ensure_future(watch))
    timed_out = cancelled = memory_exceeded = False
    try:
        done, _ = await asyncio.wait(
            {waiter, cancelled_wait, watchers[0]},
            timeout=ttl,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if waiter not in done:
            cancelled = cancelled_wait in done
            memory_exceeded = not cancelled and too_big.is_set()
            timed_out = not cancelled and not memory_exceeded
            if _kill_sandbox_first(status):
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(waiter), timeout=1.0)
            _kill_group(proc.pid)
    finally:
        cancelled_wait.cancel()
        for watcher in watchers:
            watcher.cancel()
        if not waiter.done():
            # cancellation of this coroutine itself (server shutting down): kill and reap
            _kill_sandbox_first(status)
            _kill_group(proc.pid)
    returncode = await waiter
    finished = time.time()
    # Everything in the group is dead now (or never forked); the pipes reach EOF soon. A
    # sandbox-less grandchild that left the group could keep them open: bound the wait.
    try:
        await asyncio.wait_for(drains, timeout=2.0)
    except TimeoutError:
        drains.cancel()
    _kill_group(proc.pid)
    if cgroup is not None and not (timed_out or cancelled) and cgroup.oom_kills() > 0:
        memory_exceeded = True  # the kernel killed a process of the job at the limit
    exit_code = None if (timed_out or cancelled) else returncode
    stderr = err.text("stderr")
    if memory_exceeded:
        exit_code = 128 + int(signal.SIGKILL)
        if stderr and not stderr.endswith("\n"):
            stderr += "\n"
        limit_mib = (memory_limit or 0) // 2**20
        stderr += (
            f"[the job was killed: it used more than {limit_mib} MiB of memory, its limit "
            "(memfds, shared memory and files in /tmp count too)]\n"
        )
    if exit_code is not None and exit_code < 0:
        exit_code = 128 - exit_code  # killed by a signal: report it the way shells do
    return Outcome(
        exit_code=exit_code,
        stdout=out.text("stdout"),
        stderr=stderr,
        timed_out=timed_out,
        cancelled=cancelled,
        started_at=started,
        finished_at=finished,
        truncated=bool(out.dropped or err.dropped),
        memory_exceeded=memory_exceeded,
        status_json=status.read(),
    )
