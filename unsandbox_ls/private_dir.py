"""The per-user private folder of the local sandbox: its socket, its keys, its log, its lock.

Which folder:

1. `$UNSANDBOX_LS_RUNTIME_DIR` when set (tests give each test its own);
2. else `$XDG_RUNTIME_DIR/unsandbox-ls`, when `XDG_RUNTIME_DIR` is set and is a directory owned
   by this user that nobody else may enter (`0700`, as systemd makes it);
3. else `<user cache>/unsandbox-ls/sandbox` (`~/.cache/unsandbox-ls/sandbox` on Linux);
4. else, when that is too deep for a unix socket's address (107 bytes), `/tmp/unsandbox-ls-<uid>`
   (which, like any of them, must then be this user's own `0700` folder).

The folder is created with mode `0700`. An existing one must be a real directory (not a
symlink) owned by this user, with no permission for group or others; anything else is refused
with `PrivateDirError` (it is never "fixed" with a chmod: someone else may have made it).

What it holds: `sandbox.sock` (the shared sandbox's unix socket), `sandbox.json` (its pid and
keys, mode `0600`, written atomically), `sandbox.log` (what it printed: never a key), `lock`
(held while a client checks or starts the sandbox), and `ls-<pid>-<random>/` folders, one per
language server's own sandbox.

Only the standard library is imported at module level (platformdirs when the cache is used).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import stat
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from unsandbox_ls.records import repr_hiding

RUNTIME_DIR_ENV = "UNSANDBOX_LS_RUNTIME_DIR"
SOCKET_NAME = "sandbox.sock"
STATE_NAME = "sandbox.json"
LOG_NAME = "sandbox.log"
LOCK_NAME = "lock"
#: a unix socket's path must fit `sun_path` (108 bytes with its terminating NUL)
MAX_SOCKET_PATH = 107
_MAX_STATE_BYTES = 4096


class PrivateDirError(Exception):
    """The private folder cannot be used; the message says which folder and why."""


class SandboxState(NamedTuple):
    """What `sandbox.json` says: the shared sandbox's pid and keys (the secret never shown)."""

    pid: int
    public_key: str
    secret_key: str

    def __repr__(self) -> str:
        return repr_hiding(self, "secret_key")


def _owned_and_private(info: os.stat_result) -> bool:
    return (
        stat.S_ISDIR(info.st_mode)
        and info.st_uid == os.geteuid()
        and stat.S_IMODE(info.st_mode) & 0o077 == 0
    )


def check_private(path: Path) -> None:
    """Raise `PrivateDirError` unless `path` is a directory (not a symlink) owned by this user
    with no permission for group or others."""
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise PrivateDirError(f"{path} cannot be read: {exc.strerror}") from None
    if stat.S_ISLNK(info.st_mode):
        raise PrivateDirError(f"{path} is a symlink; the local sandbox needs a real folder")
    if not stat.S_ISDIR(info.st_mode):
        raise PrivateDirError(f"{path} is not a folder")
    if info.st_uid != os.geteuid():
        raise PrivateDirError(
            f"{path} belongs to uid {info.st_uid}, not to this user (uid {os.geteuid()})"
        )
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise PrivateDirError(
            f"{path} has mode {mode:04o}: others may enter it; it must be 0700 (remove it or "
            f"run chmod 700 on it if it is yours)"
        )


def ensure_private(path: Path) -> Path:
    """Create `path` (mode 0700, its parents as usual) unless it exists; then check it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.mkdir(path, 0o700)
    check_private(path)
    return path


def _default_cache(env: Mapping[str, str]) -> Path:
    """`<user cache>/unsandbox-ls`: `$XDG_CACHE_HOME` (as `env` has it) on Linux, else where
    platformdirs says."""
    cache = env.get("XDG_CACHE_HOME", "").strip()
    if cache and os.path.isabs(cache) and sys.platform.startswith("linux"):
        return Path(cache) / "unsandbox-ls"
    import platformdirs

    return Path(platformdirs.user_cache_dir("unsandbox-ls"))


def choose_dir(env: Mapping[str, str] | None = None) -> Path:
    """The private folder for this user (not created; see the module's order)."""
    env = os.environ if env is None else env
    explicit = env.get(RUNTIME_DIR_ENV, "").strip()
    if explicit:
        return Path(os.path.abspath(os.path.expanduser(explicit)))
    runtime = env.get("XDG_RUNTIME_DIR", "").strip()
    if runtime and os.path.isabs(runtime):
        with contextlib.suppress(OSError):
            if _owned_and_private(os.lstat(runtime)):
                return Path(runtime) / "unsandbox-ls"
    cache = _default_cache(env) / "sandbox"
    if _fits(cache):
        return cache
    return Path("/tmp") / f"unsandbox-ls-{os.geteuid()}"  # a deep home: a socket needs a short path


def _fits(path: Path) -> bool:
    """Whether the deepest socket of `path` fits a unix socket address: a language server's
    `ls-<pid>-<random>/sandbox.sock` inside it."""
    deepest = path / f"ls-{'9' * 7}-{'f' * 8}" / SOCKET_NAME
    return len(os.fsencode(str(deepest))) <= MAX_SOCKET_PATH


def private_dir(env: Mapping[str, str] | None = None) -> Path:
    """The private folder, created and checked; `PrivateDirError` when it cannot be used."""
    path = choose_dir(env)
    try:
        ensure_private(path)
    except OSError as exc:
        raise PrivateDirError(f"{path} cannot be created: {exc.strerror}") from None
    if not _fits(path):
        raise PrivateDirError(
            f"the folder {path} is too deep for a unix socket address ({MAX_SOCKET_PATH} bytes "
            f"with the socket's name); set {RUNTIME_DIR_ENV} to a shorter folder"
        )
    return path


def new_private_subdir(parent: Path, prefix: str) -> Path:
    """A fresh `0700` folder `<prefix><pid>-<random>` inside `parent`."""
    while True:
        path = parent / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}"
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            continue
        return path


def remove_dead_subdirs(parent: Path, prefix: str) -> None:
    """Remove the `<prefix><pid>-…` folders whose process is gone (a killed language server)."""
    import shutil

    with contextlib.suppress(OSError):
        for entry in parent.iterdir():
            name = entry.name
            if not name.startswith(prefix):
                continue
            pid_text = name[len(prefix) :].split("-", 1)[0]
            if pid_text.isdigit() and not pid_alive(int(pid_text)):
                shutil.rmtree(entry, ignore_errors=True)


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists and is not a zombie."""
    if pid <= 0:
        return False
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return text.rsplit(")", 1)[-1].split()[:1] != ["Z"]


# ------------------------------------------------------------------------------- the lock
@contextlib.asynccontextmanager
async def locked(directory: Path, *, timeout: float) -> AsyncIterator[None]:
    """Hold the folder's lock (`flock`), polled without blocking the event loop."""
    import asyncio

    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PrivateDirError(
                        f"another client has held {directory / LOCK_NAME} for over {timeout:.0f} s"
                    ) from None
                await asyncio.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def locked_blocking(directory: Path, *, timeout: float) -> Iterator[None]:
    """`locked` for code without an event loop (the sandbox itself at exit, the command line's
    quick path, a thread)."""
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PrivateDirError(f"{directory / LOCK_NAME} is held") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


# ------------------------------------------------------------------------------ the state
def write_state(directory: Path, state: SandboxState) -> None:
    """Write `sandbox.json` (mode 0600) atomically: a temporary file renamed over it."""
    temporary = directory / f".{STATE_NAME}.{os.urandom(4).hex()}"
    data = json.dumps(
        {"pid": state.pid, "public_key": state.public_key, "secret_key": state.secret_key}
    ).encode()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, directory / STATE_NAME)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def read_state(directory: Path) -> SandboxState | None:
    """`sandbox.json` when it is a regular file of this user, mode 0600, and well formed."""
    try:
        fd = os.open(directory / STATE_NAME, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if (
            not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.geteuid()
            or stat.S_IMODE(info.st_mode) & 0o077
            or info.st_size > _MAX_STATE_BYTES
        ):
            return None
        data = json.loads(os.read(fd, _MAX_STATE_BYTES))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    if not isinstance(data, dict):
        return None
    pid, public, secret = data.get("pid"), data.get("public_key"), data.get("secret_key")
    if not isinstance(pid, int) or not isinstance(public, str) or not isinstance(secret, str):
        return None
    return SandboxState(pid, public, secret)


def clear_state(directory: Path) -> None:
    """Remove the socket and the state (a stale sandbox's, or one that stopped)."""
    for name in (SOCKET_NAME, STATE_NAME):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(directory / name)


def release(directory: Path, pid: int) -> None:
    """At a shared sandbox's exit: remove its socket and state if they are still its own."""
    with contextlib.suppress(OSError, PrivateDirError), locked_blocking(directory, timeout=5.0):
        state = read_state(directory)
        if state is not None and state.pid == pid:
            clear_state(directory)


__all__ = [
    "LOG_NAME",
    "RUNTIME_DIR_ENV",
    "SOCKET_NAME",
    "STATE_NAME",
    "PrivateDirError",
    "SandboxState",
    "check_private",
    "choose_dir",
    "clear_state",
    "ensure_private",
    "locked",
    "locked_blocking",
    "new_private_subdir",
    "pid_alive",
    "private_dir",
    "read_state",
    "release",
    "remove_dead_subdirs",
    "write_state",
]
