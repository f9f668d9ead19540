"""Reading a file from disk for a run: regular files only, with the size checked before reading.

A path may name anything: `/dev/zero` (endless), a FIFO (blocks until a writer comes), a
terminal, `/proc/self/environ` (a "regular" file whose size says 0). So a file is opened with
`O_NONBLOCK` (opening a FIFO does not wait for a writer), `fstat` must say it is a regular file
outside the kernel's pseudo file systems, its size must be under the cap, and it is read with a
bounded read (a file that grows meanwhile still stops at the cap).

The cap of the program itself, `MAX_SOURCE_BYTES`, is the API's limit of one input file (5 MiB):
the program is a file placed in the sandbox like any other, and the API documents no code limit
of its own. Nothing here imports more than the standard library.
"""

from __future__ import annotations

import os
import stat

from unsandbox_ls.api.limits import MAX_INPUT_FILE_BYTES

#: the largest program read from disk (an open editor buffer is sent as it is)
MAX_SOURCE_BYTES = MAX_INPUT_FILE_BYTES
#: kernel pseudo file systems: their "regular" files are generated, have no real size, and
#: hold the machine's and the user's secrets (`/proc/self/environ`)
PSEUDO_FILE_SYSTEMS = ("/proc", "/sys", "/dev")


class FileRefused(Exception):
    """A file that is not read or not sent; the message names it and says what to do."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def in_pseudo_file_system(path: str | os.PathLike[str]) -> bool:
    """`path` (symlinks resolved) lies under /proc, /sys or /dev."""
    real = os.path.realpath(path)
    return any(real == top or real.startswith(top + os.sep) for top in PSEUDO_FILE_SYSTEMS)


def read_regular_file(
    path: str | os.PathLike[str], *, limit: int, label: str | None = None
) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes; else `FileRefused`.

    Never blocks on a FIFO and never reads more than `limit` bytes. `label` names the file in a
    refusal (default: its path).
    """
    name = os.fspath(path)
    what = label or name
    if in_pseudo_file_system(name):
        real = os.path.realpath(name)
        where = what if what == real else f"{what} ({real})"
        raise FileRefused(
            f"{where} is in /proc, /sys or /dev, which hold no program or data file; "
            f"only regular files are read"
        )
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise FileRefused(f"cannot read {what}: no such file") from None
    except OSError as exc:
        raise FileRefused(f"cannot read {what}: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(f"{what} is {_kind(info.st_mode)}; only regular files are read")
        if info.st_size > limit:
            raise FileRefused(f"{what} is {_size(info.st_size)}, over the limit of {_size(limit)}")
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        raise FileRefused(f"cannot read {what}: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise FileRefused(f"{what} grew over the limit of {_size(limit)} while being read")
    return data


def read_source_file(
    path: str | os.PathLike[str], *, limit: int = MAX_SOURCE_BYTES, label: str | None = None
) -> str:
    """The program in `path` as text: a regular UTF-8 file of at most `limit` bytes.

    `FileRefused` otherwise, with a message that names the file (`label`, default its path)
    and says what to do.
    """
    data = read_regular_file(path, limit=limit, label=label)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileRefused(f"{label or os.fspath(path)} is not UTF-8 text") from None
