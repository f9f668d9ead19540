"""The isolation model of the local sandbox: how one job is wrapped in bubblewrap.

What a job sees (built by `bwrap_argv`):

* New user, PID, mount, IPC, UTS and cgroup namespaces (`--unshare-all`) and, in the default
  `zerotrust` mode, a new network namespace with only a loopback interface: no route anywhere,
  not even to the host's loopback. `semitrusted` shares the host's network namespace
  (`--share-net`); the local server has no egress proxy, so that mode means "the host's
  network", including services listening on the host's loopback.
* A new root: the system directories (`/usr`, `/etc`, `/lib*`, `/bin`, `/sbin`, `/opt`, and
  packaged toolchain data kept elsewhere, such as `/var/lib/ghc`) and the
  toolchain directories found at start-up (a Python installation outside `/usr`, the rustup and
  cargo homes) bound **read-only** at their usual paths; a fresh `/proc`; a minimal `/dev`;
  size-limited tmpfs `/tmp` and `/dev/shm`; and a size-limited tmpfs working directory
  `/sandbox` holding the code and the input files (copied in through memfds; where each job
  layout puts them, `/tmp/input` in the hosted ones, is in `layouts`). The root itself is
  remounted read-only: only `/sandbox`, `/tmp` and `/dev/shm` can be written, and nothing written
  survives the job. No host directory is writable: when the job asked for its compiled binary,
  the artifact files alone (pre-created empty in a per-job host directory) are bound at
  `/artifacts/<name>`; `/artifacts` itself is on the read-only root, so the job can fill those
  files, each up to RLIMIT_FSIZE, but create no others.
* Only stdin (`/dev/null`), stdout and stderr are open in it: the memfds of `--file` are closed by
  bwrap, and bwrap's `--json-status-fd` pipe (both ends) stays outside.
* It runs as uid/gid 65534 inside, with no capabilities, `--die-with-parent`, `--new-session`
  (no terminal injection), `--disable-userns` (no nested user namespaces), and a cleared
  environment (only PATH, the defaults of `executor.DEFAULT_ENV` and the request's `env`).
  That environment never appears on a command line (which every local user can read in
  `/proc/*/cmdline`): its `--setenv` options reach bwrap through a memfd (`--args FD`,
  `env_args_memfd`), which bwrap reads and closes before the job starts.

Fork bombs: RLIMIT_NPROC is counted per user namespace and uid, so the limit set inside the
sandbox (bash `ulimit -u`, 256) caps that job's own processes, not other jobs'. The kernel does
not enforce RLIMIT_NPROC on host root, so a server running as root starts each job as the
unprivileged host uid 65534, with no supplementary groups and no capabilities (`nsenter -S -G`,
plus `setpriv --inh-caps=-all` should the server itself hold inheritable or ambient ones),
inside a mount namespace of its own (`StagingNamespace`, made once at start-up with `unshare
--mount`, receiving the host's later mounts but sending none back), where toolchain directories
that uid cannot reach (e.g. under root's home) are bound read-only onto empty directories in the
server's scratch directory. A server running as a normal user simply runs bwrap as that user.

Other limits: per process, RLIMIT_DATA (1 GiB), RLIMIT_FSIZE (64 MiB), RLIMIT_CPU (ttl + 1 s),
RLIMIT_NOFILE; per job, memory (2 GiB) and the wall clock (the runner kills the whole tree at the
ttl); tmpfs sizes bound what a job can store (tmpfs is memory).

Per-job memory counts everything the job holds, memfds, shared memory and tmpfs files included:

* With a memory cgroup (`cgroups`: the server runs as root and can create a child of its own
  memory cgroup, v1 or a delegated v2), the job's first process joins a per-job cgroup whose
  limit is the job's, so the kernel charges it for anonymous memory, memfds, tmpfs and SysV
  shared memory alike and OOM-kills at the limit; the runner then kills the rest of the job.
* Without one (a normal user, controllers not delegated), the runner measures the job twice a
  second: resident memory of every process of the tree, plus every memfd open in it (once
  each), plus what its `/tmp`, `/dev/shm` and `/sandbox` hold.

Not contained: there is no seccomp filter, so the kernel's whole syscall surface is reachable
(as an unprivileged user in its own namespaces); CPU is not shared fairly (a job can keep a core
busy until its ttl). Without a memory cgroup, memory between two watchdog polls can overshoot,
and memory the measurement cannot see escapes it: SysV shared memory no process has attached,
and memfds in flight in a unix socket. A job in `semitrusted` mode can reach anything the host
can.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SANDBOX_DIR = "/sandbox"
SANDBOX_UID = 65534
TMPFS_BYTES = 256 * 1024 * 1024
SHM_BYTES = 64 * 1024 * 1024
#: the job's writable tmpfs mounts (their contents count as the job's memory)
TMPFS_MOUNTS = ("/dev/shm", "/tmp", SANDBOX_DIR)
#: a job may hold this much memory, memfds and tmpfs files included (see `runner`, `cgroups`)
JOB_MEMORY_BYTES = 2 * 1024 * 1024 * 1024


SYSTEM_DIRS = ("/usr", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/opt")
#: data of packaged toolchains kept outside /usr (Debian's GHC package database)
TOOLCHAIN_DATA_DIRS = ("/var/lib/ghc",)


@dataclass(frozen=True)
class Limits:
    """Per-job resource limits, applied with bash's `ulimit` inside the sandbox."""

    processes: int = 256
    data_bytes: int = 1024 * 1024 * 1024
    file_bytes: int = 64 * 1024 * 1024
    open_files: int = 1024

    def ulimit_line(self, cpu_seconds: int) -> str:
        return (
            f"ulimit -u {self.processes} -d {self.data_bytes // 1024} "
            f"-f {self.file_bytes // 1024} -n {self.open_files} -t {cpu_seconds} -c 0"
        )


@dataclass(frozen=True)
class HostLayout:
    """What of the host is bound into every sandbox, found once at start-up."""

    #: system directories bound read-only (or re-created as the same symlinks)
    system: tuple[str, ...]
    #: toolchain directories outside /usr, bound read-only at the same path
    toolchains: tuple[str, ...]
    #: directories put in front of the sandbox PATH
    path_dirs: tuple[str, ...]
    #: environment the toolchains need (RUSTUP_HOME, CARGO_HOME)
    env: dict[str, str] = field(default_factory=dict)


def _is_under(path: str, parents: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p.rstrip("/") + "/") for p in parents)


def discover_layout() -> HostLayout:
    """The system directories, the Python in use and the rustup/cargo homes."""
    system = tuple(d for d in (*SYSTEM_DIRS, *TOOLCHAIN_DATA_DIRS) if os.path.lexists(d))
    toolchains: list[str] = []
    path_dirs: list[str] = []
    env: dict[str, str] = {}

    base = os.path.realpath(sys.base_prefix)
    if not _is_under(base, ("/usr",)):
        toolchains.append(base)
        path_dirs.append(os.path.join(base, "bin"))

    home = os.path.expanduser("~")
    rustup = os.environ.get("RUSTUP_HOME") or os.path.join(home, ".rustup")
    cargo = os.environ.get("CARGO_HOME") or os.path.join(home, ".cargo")
    if os.path.isdir(os.path.join(cargo, "bin")) and os.path.isdir(rustup):
        rustup, cargo = os.path.realpath(rustup), os.path.realpath(cargo)
        for d in (rustup, cargo):
            if not _is_under(d, system):
                toolchains.append(d)
        path_dirs.append(os.path.join(cargo, "bin"))
        env["RUSTUP_HOME"] = rustup
        env["CARGO_HOME"] = cargo
    return HostLayout(tuple(system), tuple(toolchains), tuple(path_dirs), env)


def bwrap_available() -> str | None:
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=1)
def bwrap_options() -> frozenset[str]:
    """The options this bwrap knows (from `bwrap --help`): older versions lack `--size`,
    `--disable-userns`, `--json-status-fd`; those hardenings are then left out."""
    try:
        result = subprocess.run(
            ["bwrap", "--help"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(re.findall(r"(--[a-z0-9-]+)", result.stdout + result.stderr))


def bwrap_supports(option: str) -> bool:
    return option in bwrap_options()


def needs_privilege_drop() -> bool:
    """True when the server runs as root: jobs must not run as host uid 0 (see module doc)."""
    return os.geteuid() == 0


def privilege_drop_tools() -> tuple[str, str, str] | None:
    """(`unshare`, `nsenter`, `setpriv`) from util-linux, or None when one is missing."""
    found = tuple(shutil.which(name) for name in ("unshare", "nsenter", "setpriv"))
    if None in found:
        return None
    unshare, nsenter, setpriv = found
    assert unshare is not None and nsenter is not None and setpriv is not None
    return unshare, nsenter, setpriv


@dataclass
class JobMounts:
    """Per-job inputs of `bwrap_argv`: files to copy in (absolute path in the job → fd), the
    working directory, symbolic links (path → target) and the artifact dir (see `layouts`)."""

    files: dict[str, int]
    artifact_dir: Path | None = None
    #: when dropping privileges: toolchain dir → staging mount point (an empty host dir)
    staging: dict[str, str] = field(default_factory=dict)
    #: the files of `artifact_dir` bound one by one at /artifacts/<name>
    artifact_files: tuple[str, ...] = ()
    cwd: str = SANDBOX_DIR
    #: folders made (empty) before the files are copied in: the cwd and the input folder
    dirs: tuple[str, ...] = ()
    links: tuple[tuple[str, str], ...] = ()


def bwrap_argv(
    layout: HostLayout,
    mounts: JobMounts,
    *,
    network: bool,
    env_fd: int | None,
    script: str,
    status_fd: int | None = None,
) -> list[str]:
    """The bwrap command line of one job (without any privilege-dropping prefix).

    `env_fd` is `env_args_memfd`'s memfd of the job's environment (None: an empty one); it must
    be passed to the child.

    With `status_fd`, bwrap writes JSON there; `{"exit-code": …}` appears only when the program
    was started, which tells a sandbox set-up failure from the program's own exit code.
    """
    argv = [
        "bwrap",
        "--unshare-all",
        "--unshare-user",
        "--die-with-parent",
        "--new-session",
        "--uid",
        str(SANDBOX_UID),
        "--gid",
        str(SANDBOX_UID),
        "--hostname",
        "sandbox",
        "--clearenv",
    ]
    if bwrap_supports("--disable-userns"):
        argv.append("--disable-userns")
    if network:
        argv.append("--share-net")
    if status_fd is not None and bwrap_supports("--json-status-fd"):
        argv += ["--json-status-fd", str(status_fd)]
    for d in layout.system:
        if os.path.islink(d):
            argv += ["--symlink", os.readlink(d), d]
        else:
            argv += ["--ro-bind", d, d]
    for d in layout.toolchains:
        argv += ["--ro-bind", mounts.staging.get(d, d), d]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    sized = bwrap_supports("--size")
    for size, path in zip((SHM_BYTES, TMPFS_BYTES, TMPFS_BYTES), TMPFS_MOUNTS, strict=True):
        argv += [*(["--size", str(size)] if sized else []), "--tmpfs", path]
    for d in mounts.dirs:
        argv += ["--dir", d]
    for path, fd in mounts.files.items():
        argv += ["--file", str(fd), path]
    for link, target in mounts.links:
        argv += ["--symlink", target, link]
    if mounts.artifact_dir is not None:
        # each artifact file alone, not the directory: /artifacts stays on the read-only root,
        # so the job cannot create files there (each bound file is capped by RLIMIT_FSIZE)
        for name in mounts.artifact_files:
            argv += ["--bind", str(mounts.artifact_dir / name), f"/artifacts/{name}"]
    argv += ["--remount-ro", "/", "--chdir", mounts.cwd]
    if env_fd is not None:
        argv += ["--args", str(env_fd)]
    argv += ["--", "/bin/bash", "-c", script]
    return argv


def env_args(env: dict[str, str]) -> bytes:
    """`--setenv KEY VALUE` for each variable, NUL-separated, as bwrap's `--args FD` reads
    them (see `env_args_memfd`)."""
    parts: list[bytes] = []
    for key, value in env.items():
        if "\0" in key or "\0" in value or "=" in key or not key:
            raise ValueError(f"invalid environment variable {key!r}")
        parts += [b"--setenv", os.fsencode(key), os.fsencode(value)]
    return b"".join(part + b"\0" for part in parts)


def env_args_memfd(env: dict[str, str]) -> int:
    """A memfd holding `--setenv KEY VALUE` for each variable, NUL-separated, for bwrap's
    `--args FD`: the values stay off every command line. The caller closes it (bwrap closes
    its own copy once read). A NUL in a name or value (which would start another option) or
    `=` in a name is refused with `ValueError`."""
    data = env_args(env)
    fd = os.memfd_create("job-env", 0)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.lseek(fd, 0, os.SEEK_SET)
    except OSError:
        os.close(fd)
        raise
    return fd


class SandboxSetupError(OSError):
    """What the jobs need from the host could not be prepared (the job fails, the server lives)."""


def _holds_inheritable_caps() -> bool:
    """True when this process has inheritable or ambient capabilities (or it cannot tell):
    those survive a change of uid, unlike the permitted and effective ones."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return True
    found = dict(re.findall(r"^(CapInh|CapAmb):\s*([0-9a-f]+)$", status, re.MULTILINE))
    return len(found) != 2 or any(int(value, 16) for value in found.values())


class StagingNamespace:
    """The mount namespace a root server's jobs start in, made once at start-up.

    A holder process (`unshare --mount --propagation slave`, then a shell) binds each toolchain
    directory read-only onto its empty staging directory and then waits, holding the namespace,
    until the server closes its stdin (or dies). `prefix` is the argv prefix that starts a job
    in that namespace as the unprivileged uid: one `nsenter`, instead of a new namespace, a
    `mount` per directory and a `setpriv` for every job. The holder is the server's unreaped
    child, so its pid cannot be taken by another process while the server refers to it; should
    it have died, `prefix` starts another."""

    def __init__(self, tools: tuple[str, str, str], staging: dict[str, str]) -> None:
        self.tools = tools
        #: toolchain dir → its staging directory (empty on the host, bound in the namespace)
        self.staging = dict(staging)
        #: `setpriv --inh-caps=-all` too, when a change of uid alone would leave capabilities
        self.clear_caps = _holds_inheritable_caps()
        self.holder: subprocess.Popen[bytes] | None = None

    def _start(self) -> subprocess.Popen[bytes]:
        unshare = self.tools[0]
        binds = "".join(
            f"mount --bind -o ro {shlex.quote(src)} {shlex.quote(dst)} || exit 125; "
            for src, dst in self.staging.items()
        )
        holder = subprocess.Popen(
            [unshare, "--mount", "--propagation", "slave", "--", "/bin/sh", "-c",
             f"{binds}echo ready; read -r _"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
            start_new_session=True,  # a terminal's Ctrl-C is the server's to handle
        )  # fmt: skip
        assert holder.stdout is not None and holder.stderr is not None
        if holder.stdout.readline() != b"ready\n":
            holder.kill()
            problem = holder.stderr.read().decode("utf-8", "replace").strip()
            holder.wait()
            raise SandboxSetupError(f"could not prepare the jobs' mount namespace: {problem}")
        return holder

    def _alive(self, holder: subprocess.Popen[bytes]) -> bool:
        """Without reaping it (a reaped pid could be reused)."""
        try:
            return os.waitid(os.P_PID, holder.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False

    def prefix(self) -> list[str]:
        """`nsenter --mount=… -S 65534 -G 65534 -- [setpriv …]`; `SandboxSetupError` when the
        namespace cannot be made."""
        if self.holder is None or not self._alive(self.holder):
            if self.holder is not None:
                self.holder.wait()
            self.holder = None
            self.holder = self._start()
        _, nsenter, setpriv = self.tools
        uid = str(SANDBOX_UID)
        argv = [nsenter, f"--mount=/proc/{self.holder.pid}/ns/mnt", "-S", uid, "-G", uid, "--"]
        if self.clear_caps:
            argv += [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]
            argv += ["--inh-caps=-all", "--"]
        return argv

    def close(self) -> None:
        holder, self.holder = self.holder, None
        if holder is None:
            return
        for stream in (holder.stdin, holder.stdout, holder.stderr):
            if stream is not None:
                stream.close()
        try:
            holder.wait(timeout=5)
        except subprocess.TimeoutExpired:
            holder.kill()
            holder.wait()
