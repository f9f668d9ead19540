"""A memory cgroup per job, where the host offers one: the kernel then counts everything.

A memory cgroup charges a job for all the memory its processes cause: anonymous memory, page
cache, memfds, tmpfs files (its `/tmp`, `/dev/shm`, `/sandbox`) and SysV shared memory, mapped
or not. At the limit the kernel reclaims what it can and then OOM-kills a process of the job; the
runner sees the kill in the cgroup's counters and ends the whole job.

Used when the server runs as root and can create a child of its own cgroup with the memory
controller: in a cgroup v1 `memory` hierarchy (`memory.limit_in_bytes`, `memory.oom_control`), or
in cgroup v2 when the server's cgroup already has `memory` in its `cgroup.subtree_control`
(`memory.max`, `memory.events`). Otherwise (a normal user, a v2 host whose controllers are not
delegated) there is no cgroup, and the runner's watchdog measures the job instead (see
`runner.job_memory`). `UNSANDBOX_LS_SANDBOX_CGROUP=0` turns the cgroup off (to test the
watchdog); `=1` or unset uses it when it can.

The job's first process joins its cgroup before exec (`join_prefix`, or the shell of a job
prepared ahead of its request, `executor.Prepared`), so nothing it starts escapes the charge.
A job's cgroup is removed when the job ends; the server's own directory
(`unsandbox-ls-<pid>-<random>`) when the executor closes, or by the next server when this one
died without cleaning up.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

ENV_SWITCH = "UNSANDBOX_LS_SANDBOX_CGROUP"


@dataclass(frozen=True)
class CgroupRoot:
    """The directory under which this server creates its jobs' cgroups."""

    path: Path
    #: 1 (the v1 memory hierarchy) or 2 (unified)
    version: int


def _own_cgroup_dirs() -> list[tuple[int, Path]]:
    """(version, directory) of this process's memory cgroup candidates, best first."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return []
    mounts = _cgroup_mounts()
    found: list[tuple[int, Path]] = []
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if controllers == "":
            for root, mountpoint in mounts.get("cgroup2", []):
                found.append((2, _join(mountpoint, root, path)))
        elif "memory" in controllers.split(","):
            for root, mountpoint in mounts.get("memory", []):
                found.insert(0, (1, _join(mountpoint, root, path)))
    return found


def _join(mountpoint: str, root: str, path: str) -> Path:
    if root != "/" and (path == root or path.startswith(root.rstrip("/") + "/")):
        path = path[len(root) :]
    return Path(mountpoint) / path.lstrip("/")


def _cgroup_mounts() -> dict[str, list[tuple[str, str]]]:
    """'memory' → v1 memory mounts, 'cgroup2' → unified mounts, as (root, mountpoint)."""
    found: dict[str, list[tuple[str, str]]] = {}
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, tail = left.split(), right.split()
        if len(fields) < 5 or len(tail) < 3:
            continue
        root, mountpoint = fields[3], fields[4]
        if tail[0] == "cgroup2":
            found.setdefault("cgroup2", []).append((root, mountpoint))
        elif tail[0] == "cgroup" and "memory" in tail[2].split(","):
            found.setdefault("memory", []).append((root, mountpoint))
    return found


def find_memory_cgroup_root() -> CgroupRoot | None:
    """Where job cgroups could be created (this process's own memory cgroup), or None."""
    if os.environ.get(ENV_SWITCH, "").strip() == "0" or os.geteuid() != 0:
        return None
    for version, directory in _own_cgroup_dirs():
        if not os.access(directory, os.W_OK):
            continue
        if version == 1 and (directory / "memory.limit_in_bytes").exists():
            return CgroupRoot(directory, 1)
        if version == 2:
            with contextlib.suppress(OSError):
                if "memory" in (directory / "cgroup.subtree_control").read_text().split():
                    return CgroupRoot(directory, 2)
    return None


class JobCgroups:
    """Creates and removes this server's per-job memory cgroups."""

    def __init__(self, root: CgroupRoot) -> None:
        self.version = root.version
        _remove_stale(root.path)
        self.base = root.path / f"unsandbox-ls-{os.getpid()}-{secrets.token_hex(3)}"
        self.base.mkdir()
        if self.version == 2:
            (self.base / "cgroup.subtree_control").write_text("+memory")

    @classmethod
    def create(cls) -> JobCgroups | None:
        """The server's job cgroups, or None when the host offers none (or creating fails)."""
        root = find_memory_cgroup_root()
        if root is None:
            return None
        try:
            return cls(root)
        except OSError:
            return None

    def new(self, name: str, limit: int) -> JobCgroup:
        path = self.base / name
        path.mkdir()
        try:
            if self.version == 1:
                (path / "memory.limit_in_bytes").write_text(str(limit))
                # with swap accounting, swap counts too (without it this file does not exist)
                with contextlib.suppress(OSError):
                    (path / "memory.memsw.limit_in_bytes").write_text(str(limit))
            else:
                (path / "memory.max").write_text(str(limit))
                with contextlib.suppress(OSError):
                    (path / "memory.swap.max").write_text("0")
        except OSError:
            _remove(path)
            raise
        return JobCgroup(path, self.version)

    def close(self) -> None:
        _remove(self.base)


@dataclass
class JobCgroup:
    path: Path
    version: int

    @property
    def procs(self) -> Path:
        return self.path / "cgroup.procs"

    def join_prefix(self) -> list[str]:
        """argv prefix that moves the job's first process into this cgroup, then execs."""
        return [
            "/bin/sh",
            "-c",
            'echo $$ > "$1" || exit 125; shift; exec "$@"',
            "sh",
            str(self.procs),
        ]

    def oom_kills(self) -> int:
        """How many of the job's processes the kernel has killed at the memory limit."""
        name = "memory.oom_control" if self.version == 1 else "memory.events"
        try:
            text = (self.path / name).read_text()
        except OSError:
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def remove(self) -> None:
        _remove(self.path)


def _remove_stale(root: Path) -> None:
    """Remove the (empty) job cgroups of servers that died without cleaning up."""
    for base in root.glob("unsandbox-ls-*"):
        pid = base.name.split("-")[2]
        if not pid.isdigit() or Path(f"/proc/{pid}").exists():
            continue
        with contextlib.suppress(OSError):
            for job in base.iterdir():
                if job.is_dir():
                    job.rmdir()
            base.rmdir()


def _remove(path: Path) -> None:
    """rmdir, retried for up to about a second: the last processes of a job may still be
    exiting (the first retries come soon, as they usually are gone within milliseconds)."""
    delay = 0.002
    for _ in range(30):
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(delay)
            delay = min(delay * 2, 0.05)
