"""Turns a validated job spec into one sandboxed process and its result.

The code and the input files are written into memfds that bwrap copies (`--file`) into the
job's tmpfs folders where its layout (`layouts`) puts them: by default both in the working
directory `/sandbox` (bwrap creates the folders of names such as `pkg/util.py`, owned by the
job's uid). The host file system only holds an artifact directory (when the job asks for its
compiled binary), in a per-job directory under the server's private scratch directory that is
removed afterwards, and, for a root server, the empty staging mount points of its toolchain
directories (`isolation.StagingNamespace`), made once in the scratch directory.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import mimetypes
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unsandbox_ls.sandbox import isolation
from unsandbox_ls.sandbox.cgroups import JobCgroup, JobCgroups
from unsandbox_ls.sandbox.layouts import DEFAULT_LAYOUT, LAYOUTS, JobLayout
from unsandbox_ls.sandbox.runner import (
    OUTPUT_LIMIT,
    LiveOutput,
    Outcome,
    run_process,
    start_process,
)
from unsandbox_ls.sandbox.toolchains import Toolchain, artifact_names, script_for, search_path

DEFAULT_ENV = {
    "NO_COLOR": "1",
    "TERM": "dumb",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONDONTWRITEBYTECODE": "1",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "HOME": isolation.SANDBOX_DIR,
    "TMPDIR": "/tmp",
    "USER": "sandbox",
}


@dataclass(frozen=True)
class JobSpec:
    """Everything needed to run one job, already validated."""

    language: str
    code: str
    ttl: int
    network_mode: str = "zerotrust"
    env: dict[str, str] = field(default_factory=dict)
    input_files: tuple[tuple[str, bytes], ...] = ()
    return_artifact: bool = False


@dataclass
class ExecResult:
    outcome: Outcome
    artifacts: list[dict[str, Any]]


#: The first process of a prepared job (`Prepared`): it joins the job's cgroup (`$1`), then
#: reads the job's script from its stdin until EOF and runs the rest of its command line with
#: the script as the last argument and /dev/null as stdin (nothing read: it exits).
PREPARED_SCRIPT = (
    'echo $$ > "$1" || exit 125; shift; script=; '
    'while IFS= read -r line; do script="$script$line\n"; done; '
    '[ -n "$script" ] || exit 125; exec "$@" "$script" </dev/null'
)


@dataclass
class Prepared:
    """A job started ahead of its request, as far as a job can be without knowing it.

    Joining a cgroup v1 waits for an RCU grace period in the kernel: about 10 ms, a third of a
    hello world's time. A prepared job has joined a fresh cgroup of its own already and waits,
    as a shell, for its script; bwrap's options (the code's path, the environment, …) come
    through `args_fd`, the code through `code_fd`, both filled when the request comes. Only
    jobs without input files or artifacts (one memfd) use it."""

    process: asyncio.subprocess.Process
    cgroup: JobCgroup
    #: the privilege-dropping prefix it was started with (a restarted namespace changes it)
    drop: list[str]
    #: the write end of its stdin, where the script goes
    go: int
    code_fd: int
    args_fd: int
    status_read: int
    #: the number of the status pipe's write end in the child (closed here)
    status_fd: int

    def fds(self) -> list[int]:
        return [self.go, self.code_fd, self.args_fd, self.status_read]

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)


class Executor:
    """Runs jobs with bubblewrap (or, unsafely, without): one instance per server."""

    def __init__(
        self,
        *,
        toolchains: dict[str, Toolchain],
        layout: isolation.HostLayout,
        sandboxed: bool,
        limits: isolation.Limits | None = None,
        output_limit: int = OUTPUT_LIMIT,
        memory_limit: int = isolation.JOB_MEMORY_BYTES,
        job_layout: JobLayout | None = None,
    ) -> None:
        self.toolchains = toolchains
        self.layout = layout
        #: where each job's code and input files are written, and its cwd
        self.job_layout = job_layout or LAYOUTS[DEFAULT_LAYOUT]
        self.sandboxed = sandboxed
        self.limits = limits or isolation.Limits()
        self.output_limit = output_limit
        self.memory_limit = memory_limit
        self.path = search_path(list(layout.path_dirs))
        self.drop_tools = (
            isolation.privilege_drop_tools()
            if sandboxed and isolation.needs_privilege_drop()
            else None
        )
        #: per-job memory cgroups when the host offers them (else the watchdog measures)
        self.cgroups = JobCgroups.create()
        self.scratch = Path(tempfile.mkdtemp(prefix="unsandbox-ls-"))
        # a root server's jobs run as an unprivileged uid that must reach the staging dirs
        self.scratch.chmod(0o711)
        #: a root server's jobs start in this namespace, as an unprivileged uid
        self.staging: isolation.StagingNamespace | None = None
        if self.drop_tools is not None:
            staging: dict[str, str] = {}
            for i, d in enumerate(layout.toolchains):
                point = self.scratch / f"toolchain-{i}"
                point.mkdir(mode=0o755)
                staging[d] = str(point)
            self.staging = isolation.StagingNamespace(self.drop_tools, staging)
            with contextlib.suppress(isolation.SandboxSetupError):  # then each job says why
                self.staging.prefix()
        #: cgroups and job directories of finished jobs whose removal is still under way
        self._teardowns: dict[int, tuple[JobCgroup | None, Path | None]] = {}
        self._teardown_ids = itertools.count()
        #: whether a job is prepared ahead of the next request (`warm_up`)
        self.prepare_jobs = False
        self._prepared: Prepared | None = None
        self._preparing: asyncio.Task[None] | None = None

    def close(self) -> None:
        self.prepare_jobs = False
        if self._preparing is not None:
            with contextlib.suppress(RuntimeError):  # its event loop is closed: it is over
                self._preparing.cancel()
        prepared, self._prepared = self._prepared, None
        if prepared is not None:
            self._discard(prepared, later=False)
        if self.staging is not None:
            self.staging.close()
        for key, (cgroup, job_dir) in list(self._teardowns.items()):
            self._tear_down(key, cgroup, job_dir)
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self.cgroups is not None:
            self.cgroups.close()

    def _tear_down(self, key: int, cgroup: JobCgroup | None, job_dir: Path | None) -> None:
        try:
            if cgroup is not None:
                cgroup.remove()
            if job_dir is not None:
                shutil.rmtree(job_dir, ignore_errors=True)
        finally:
            self._teardowns.pop(key, None)

    def _tear_down_later(self, cgroup: JobCgroup | None, job_dir: Path | None) -> None:
        """Remove a finished job's cgroup and directory in a worker thread, without making its
        answer wait: the kernel refuses to remove a cgroup until the last processes of the job
        have exited, which can take tens of milliseconds after bwrap itself has (`close` removes
        whatever is still left)."""
        key = next(self._teardown_ids)
        self._teardowns[key] = (cgroup, job_dir)
        asyncio.get_running_loop().run_in_executor(None, self._tear_down, key, cgroup, job_dir)

    def warm_up(self) -> None:
        """From now on, keep one job prepared ahead of the next request (`Prepared`), when jobs
        join a cgroup. Call it in the event loop that will run the jobs."""
        if self.sandboxed and self.cgroups is not None:
            self.prepare_jobs = True
            self._prepare_soon()

    def _prepare_soon(self) -> None:
        if self.prepare_jobs and self._prepared is None and self._preparing is None:
            self._preparing = asyncio.get_running_loop().create_task(self._prepare())

    async def _prepare(self) -> None:
        try:
            self._prepared = await self._start_prepared()
        except (OSError, ValueError):
            pass  # the next job starts as usual (and says what is wrong, if anything is)
        finally:
            self._preparing = None

    async def _start_prepared(self) -> Prepared:
        assert self.cgroups is not None
        drop = self.staging.prefix() if self.staging is not None else []
        cgroup = self.cgroups.new(f"prepared-{secrets.token_hex(6)}", self.memory_limit)
        fds: list[int] = []
        child_ends: list[int] = []  # closed here once the child has them
        try:
            code_fd = os.memfd_create("job-file-0", 0)
            fds.append(code_fd)
            args_fd = os.memfd_create("job-args", 0)
            fds.append(args_fd)
            status_read, status_write = os.pipe()
            fds.append(status_read)
            child_ends.append(status_write)
            go_read, go = os.pipe()
            fds.append(go)
            child_ends.append(go_read)
            ends, child_ends = tuple(child_ends), []  # start_process closes them in any case
            argv = [
                "/bin/sh", "-c", PREPARED_SCRIPT, "sh", str(cgroup.procs), *drop,
                "bwrap", "--args", str(args_fd), "--", "/bin/bash", "-c",
            ]  # fmt: skip
            process = await start_process(
                argv,
                pass_fds=(code_fd, args_fd, status_write),
                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                close_after_spawn=ends,
                stdin=go_read,
            )
        except BaseException:
            for fd in fds + child_ends:
                os.close(fd)
            self._tear_down_later(cgroup, None)
            raise
        return Prepared(
            process, cgroup, drop, go, code_fd, args_fd, status_read, status_fd=status_write
        )

    def _discard(self, prepared: Prepared, *, later: bool = True) -> None:
        prepared.kill()
        for fd in prepared.fds():
            with contextlib.suppress(OSError):
                os.close(fd)
        if later:
            self._tear_down_later(prepared.cgroup, None)
        else:
            prepared.cgroup.remove()

    async def _take_prepared(self, spec: JobSpec, chain: Toolchain) -> Prepared | None:
        """The prepared job, when there is one (or one being started) and `spec` can use it."""
        if spec.input_files or (spec.return_artifact and chain.artifacts):
            return None  # more than the code's memfd, or an artifact directory
        if self._prepared is None and self._preparing is not None:
            await asyncio.shield(self._preparing)
        prepared, self._prepared = self._prepared, None
        if prepared is None:
            return None
        try:
            drop = self.staging.prefix() if self.staging is not None else []
        except isolation.SandboxSetupError:
            drop = []
        if prepared.process.returncode is not None or drop != prepared.drop:
            self._discard(prepared)
            return None
        return prepared

    def _job_env(self, spec: JobSpec, chain: Toolchain) -> dict[str, str]:
        env = {"PATH": self.path, **DEFAULT_ENV, **self.layout.env, **chain.env}
        env.update(spec.env)
        return env

    async def execute(
        self,
        job_id: str,
        spec: JobSpec,
        cancel: asyncio.Event,
        live: LiveOutput | None = None,
    ) -> ExecResult:
        """Run the job; `live` receives its output as it is printed."""
        chain = self.toolchains[spec.language]
        prepared = await self._take_prepared(spec, chain) if self.sandboxed else None
        try:
            job_dir = Path(tempfile.mkdtemp(prefix=f"{job_id[:8]}-", dir=self.scratch))
            job_dir.chmod(0o711)
        except OSError:
            if prepared is not None:
                self._discard(prepared)
            raise
        fds: list[int] = []
        cgroup: JobCgroup | None = None
        if prepared is not None:
            fds += prepared.fds()
            cgroup = prepared.cgroup
        elif self.cgroups is not None:
            with contextlib.suppress(OSError):  # then the watchdog measures this job
                cgroup = self.cgroups.new(job_dir.name, self.memory_limit)
        self._prepare_soon()  # for the next request
        try:
            return await self._execute(job_dir, fds, spec, chain, cancel, cgroup, live, prepared)
        except BaseException:
            if prepared is not None:
                prepared.kill()  # in case it had not started (closing its stdin ends it too)
            raise
        finally:
            for fd in fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._tear_down_later(cgroup, job_dir)

    async def _execute(
        self,
        job_dir: Path,
        fds: list[int],
        spec: JobSpec,
        chain: Toolchain,
        cancel: asyncio.Event,
        cgroup: JobCgroup | None,
        live: LiveOutput | None,
        prepared: Prepared | None = None,
    ) -> ExecResult:
        jl = self.job_layout
        # without the sandbox the layout's folders are made under the job's own directory
        root = "" if self.sandboxed else str(job_dir / "root")
        files = {jl.code_path(spec.language, root): spec.code.encode("utf-8")}
        files.update({jl.input_path(name, root): data for name, data in spec.input_files})
        artifact_dir: Path | None = None
        if spec.return_artifact and chain.artifacts:
            artifact_dir = job_dir / "artifacts"
            artifact_dir.mkdir(mode=0o700)
            if self.drop_tools is not None:
                os.chown(artifact_dir, isolation.SANDBOX_UID, isolation.SANDBOX_UID)
        script_dir = "/artifacts" if self.sandboxed else str(artifact_dir)
        stem = jl.code_name(spec.language).rsplit(".", 1)[0]
        script = (
            self.limits.ulimit_line(spec.ttl + 1)
            + "\n"
            + script_for(
                chain,
                artifact_dir=script_dir if artifact_dir else None,
                src=jl.code_argument(spec.language, root),
                stem=stem,
            )
        )
        env = self._job_env(spec, chain)
        if prepared is not None:
            outcome = await self._run_prepared(
                prepared, fds, files, spec, env, script, cancel, cgroup, live
            )
        elif self.sandboxed:
            try:
                drop = self.staging.prefix() if self.staging is not None else []
            except isolation.SandboxSetupError as exc:
                now = time.time()
                error = f"the sandbox could not be set up: {exc}"
                return ExecResult(Outcome(None, "", "", False, False, now, now, error=error), [])
            status_read, status_write = os.pipe()
            fds.append(status_read)
            argv, pass_fds = self._sandbox_argv(
                fds, files, artifact_dir, spec, env, script, status_write, stem
            )
            outcome = await run_process(
                (cgroup.join_prefix() if cgroup else []) + drop + argv,
                ttl=spec.ttl,
                cancel=cancel,
                pass_fds=(*pass_fds, status_write),
                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                output_limit=self.output_limit,
                memory_limit=self.memory_limit,
                close_after_spawn=(status_write,),
                status_fd=status_read,
                cgroup=cgroup,
                tmpfs=isolation.TMPFS_MOUNTS,
                live=live,
            )
        else:
            work = Path(root + jl.cwd)
            for folder in (jl.cwd, jl.input_dir, jl.code_dir):
                Path(root + folder).mkdir(parents=True, exist_ok=True)
            for path, content in files.items():
                # names are validated relative paths (`pkg/util.py`): make their folders
                Path(path).parent.mkdir(parents=True, exist_ok=True)
                Path(path).write_bytes(content)
            for link, target in jl.links:
                if not os.path.lexists(root + link):
                    Path(root + link).parent.mkdir(parents=True, exist_ok=True)
                    os.symlink(root + target, root + link)
            env["HOME"] = root + isolation.SANDBOX_DIR
            outcome = await run_process(
                (cgroup.join_prefix() if cgroup else []) + ["/bin/bash", "-c", script],
                ttl=spec.ttl,
                cancel=cancel,
                env=env,
                cwd=work,
                output_limit=self.output_limit,
                memory_limit=self.memory_limit,
                cgroup=cgroup,
                live=live,
            )
        if self.sandboxed:
            ended_by_us = outcome.timed_out or outcome.cancelled or outcome.memory_exceeded
            status_known = isolation.bwrap_supports("--json-status-fd")
            if status_known and not ended_by_us and b'"exit-code"' not in outcome.status_json:
                outcome.error = "the sandbox could not be set up: " + (
                    outcome.stderr.strip() or f"exit status {outcome.exit_code}"
                )
        names = artifact_names(chain, stem)
        artifacts = collect_artifacts(artifact_dir, names) if artifact_dir else []
        return ExecResult(outcome, artifacts)

    async def _run_prepared(
        self,
        prepared: Prepared,
        fds: list[int],
        files: dict[str, bytes],
        spec: JobSpec,
        env: dict[str, str],
        script: str,
        cancel: asyncio.Event,
        cgroup: JobCgroup | None,
        live: LiveOutput | None,
    ) -> Outcome:
        """Give the prepared job its code, bwrap's options and its script, and run it."""
        [(path, content)] = files.items()
        _write_all(prepared.code_fd, content)
        os.lseek(prepared.code_fd, 0, os.SEEK_SET)
        jl = self.job_layout
        mounts = isolation.JobMounts(
            {path: prepared.code_fd},
            None,
            self.staging.staging if self.staging is not None else {},
            cwd=jl.cwd,
            dirs=tuple(dict.fromkeys(d for d in (jl.input_dir, jl.cwd) if d != jl.code_dir)),
            links=jl.links,
        )
        argv = isolation.bwrap_argv(
            self.layout,
            mounts,
            network=spec.network_mode == "semitrusted",
            env_fd=None,
            script="",
            status_fd=prepared.status_fd,
        )
        options = argv[1 : argv.index("--")]  # the command line ends `-- /bin/bash -c`
        # the environment's values stay off every command line, as `env_args_memfd` keeps them
        data = b"".join(os.fsencode(arg) + b"\0" for arg in options) + isolation.env_args(env)
        _write_all(prepared.args_fd, data)
        os.lseek(prepared.args_fd, 0, os.SEEK_SET)
        fds.remove(prepared.go)
        try:
            # a few hundred bytes: the pipe takes them at once
            _write_all(prepared.go, (script if script.endswith("\n") else script + "\n").encode())
        except OSError as exc:
            now = time.time()
            error = f"could not start: {exc}"
            return Outcome(None, "", "", False, False, now, now, error=error)
        finally:
            os.close(prepared.go)  # the end of the script: the job starts
        return await run_process(
            [],
            ttl=spec.ttl,
            cancel=cancel,
            output_limit=self.output_limit,
            memory_limit=self.memory_limit,
            status_fd=prepared.status_read,
            cgroup=cgroup,
            tmpfs=isolation.TMPFS_MOUNTS,
            live=live,
            started_process=prepared.process,
        )

    def _sandbox_argv(
        self,
        fds: list[int],
        files: dict[str, bytes],
        artifact_dir: Path | None,
        spec: JobSpec,
        env: dict[str, str],
        script: str,
        status_fd: int,
        stem: str,
    ) -> tuple[list[str], tuple[int, ...]]:
        file_fds: dict[str, int] = {}
        for i, (name, content) in enumerate(files.items()):
            # the memfd's own name is only a label (and the kernel caps it at 249 bytes)
            fd = os.memfd_create(f"job-file-{i}", 0)
            fds.append(fd)
            _write_all(fd, content)
            os.lseek(fd, 0, os.SEEK_SET)
            file_fds[name] = fd
        artifact_files: tuple[str, ...] = ()
        if artifact_dir is not None:
            artifact_files = artifact_names(self.toolchains[spec.language], stem)
            for name in artifact_files:
                # pre-created: the job can fill these (each up to the file-size limit) but not
                # create others, as /artifacts itself is on the sandbox's read-only root
                (artifact_dir / name).touch(mode=0o600)
                if self.drop_tools is not None:
                    os.chown(artifact_dir / name, isolation.SANDBOX_UID, isolation.SANDBOX_UID)
        jl = self.job_layout
        mounts = isolation.JobMounts(
            file_fds,
            artifact_dir,
            self.staging.staging if self.staging is not None else {},
            artifact_files,
            cwd=jl.cwd,
            dirs=tuple(dict.fromkeys(d for d in (jl.input_dir, jl.cwd) if d != jl.code_dir)),
            links=jl.links,
        )
        env_fd = isolation.env_args_memfd(env)  # the values stay off the command line
        fds.append(env_fd)
        argv = isolation.bwrap_argv(
            self.layout,
            mounts,
            network=spec.network_mode == "semitrusted",
            env_fd=env_fd,
            script=script,
            status_fd=status_fd,
        )
        # only the memfds: the status pipe's read end (also in `fds`) stays out of the job
        return argv, (*file_fds.values(), env_fd)


def _write_all(fd: int, content: bytes) -> None:
    view = memoryview(content)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def collect_artifacts(artifact_dir: Path, names: tuple[str, ...]) -> list[dict[str, Any]]:
    """`[{filename, content_base64, mime_type, size}]` for the files the compile step left."""
    found: list[dict[str, Any]] = []
    for name in names:
        path = artifact_dir / name
        if not path.is_file() or path.is_symlink() or path.stat().st_size == 0:
            continue  # not produced (the sandbox pre-creates each artifact file empty)
        data = path.read_bytes()
        mime = (
            "application/x-executable"
            if data[:4] == b"\x7fELF"
            else mimetypes.guess_type(name)[0] or "application/octet-stream"
        )
        found.append(
            {
                "filename": name,
                "content_base64": base64.b64encode(data).decode("ascii"),
                "mime_type": mime,
                "size": len(data),
            }
        )
    return found


def unsafe_warning() -> None:
    print(
        "WARNING: --unsafe-no-sandbox: jobs run WITHOUT ANY ISOLATION, as this user, with full "
        "access to this machine's files and network. Use only for code you trust.",
        file=sys.stderr,
    )
