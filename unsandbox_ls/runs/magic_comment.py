"""The per-file magic comment, e.g. `# unsandbox: ttl=120 network=semitrusted env.DEBUG=1`.

It must sit in the first five lines and start with the language's own comment leader (`//` in
JavaScript, `--` in Lua …). Words are `key=value` pairs separated by spaces (shell quoting allowed):

    ttl=SECONDS            1 to 900
    network=MODE           zerotrust | semitrusted
    env.NAME=VALUE         one environment variable (repeatable)
    files=GLOB[,GLOB…]     input files, relative to the file (repeatable)
    artifact=true|false    return the compiled artifact
    wasm=true|false        return a WebAssembly build
    vcpu=N                 virtual CPUs, 1 to 8 (2 GB of memory each)
    mode=auto|async|sync   how the run is submitted
    discover=true|false    send the local files the program imports (default true)
    stdin=FILE             the program's standard input, a file relative to the file
    args="5 --verbose"     the program's arguments (shell quoting)
    inplace=true|false     results in place: each line's output, values at the failure

A bad word makes the whole comment invalid: the run is refused with a message, nothing is sent.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import NamedTuple

from unsandbox_ls.api.limits import NETWORK_MODES, TTL_MAX, TTL_MIN, VCPU_MAX, VCPU_MIN

SCAN_LINES = 5
#: how a run is submitted: submit and poll, or one request
RUN_MODES = ("auto", "async", "sync")
_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


class MagicCommentError(ValueError):
    """The comment has a word that cannot be used; the message says which and why."""


class MagicOptions(NamedTuple):
    """What a magic comment asks for; None/empty means "use the settings"."""

    ttl: int | None = None
    network_mode: str | None = None
    env: Mapping[str, str] = {}  # one dict shared by the defaults: never changed in place
    files: tuple[str, ...] = ()
    return_artifact: bool | None = None
    mode: str | None = None
    line: int | None = None  # 0-based line of the comment
    discover: bool | None = None
    return_wasm_artifact: bool | None = None
    vcpu: int | None = None
    stdin: str | None = None
    args: tuple[str, ...] | None = None
    in_place: bool | None = None


def find_magic_comment(lines: list[str], leader: str) -> tuple[int, str] | None:
    """(0-based line, text after `unsandbox:`) of the first magic comment in the first lines."""
    for index, line in enumerate(lines[:SCAN_LINES]):
        stripped = line.strip()
        if not stripped.startswith(leader):
            continue
        rest = stripped[len(leader) :].lstrip()
        if rest.startswith("unsandbox:"):
            body = rest[len("unsandbox:") :]
            if leader == "(*" and body.rstrip().endswith("*)"):
                body = body.rstrip()[:-2]
            return index, body.strip()
    return None


def parse_magic_comment(lines: list[str], leader: str) -> MagicOptions:
    """Options of the file's magic comment (empty options when there is none)."""
    found = find_magic_comment(lines, leader)
    if found is None:
        return MagicOptions()
    line_no, body = found
    where = f"magic comment on line {line_no + 1}"
    try:
        words = shlex.split(body)
    except ValueError as exc:
        raise MagicCommentError(f"{where}: {exc}") from None
    ttl: int | None = None
    network: str | None = None
    env: dict[str, str] = {}
    files: list[str] = []
    artifact: bool | None = None
    wasm: bool | None = None
    vcpu: int | None = None
    mode: str | None = None
    discover: bool | None = None
    stdin: str | None = None
    args: tuple[str, ...] | None = None
    in_place: bool | None = None
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or not key:
            raise MagicCommentError(f"{where}: expected key=value, got {word!r}")
        if key == "ttl":
            if not value.isdigit() or not TTL_MIN <= int(value) <= TTL_MAX:
                raise MagicCommentError(
                    f"{where}: ttl must be a whole number from {TTL_MIN} to {TTL_MAX}, "
                    f"got {value!r}"
                )
            ttl = int(value)
        elif key in ("network", "networkMode"):
            if value not in NETWORK_MODES:
                raise MagicCommentError(
                    f"{where}: network must be zerotrust or semitrusted, got {value!r}"
                )
            network = value
        elif key.startswith("env."):
            name = key[4:]
            if not name or "\0" in name:
                raise MagicCommentError(f"{where}: env.NAME needs a variable name")
            env[name] = value
        elif key == "files":
            parts = [p for p in value.split(",") if p]
            if not parts:
                raise MagicCommentError(f"{where}: files= needs at least one file or glob")
            files.extend(parts)
        elif key in ("artifact", "wasm"):
            if value.lower() in _TRUE:
                flag = True
            elif value.lower() in _FALSE:
                flag = False
            else:
                raise MagicCommentError(f"{where}: {key} must be true or false, got {value!r}")
            if key == "artifact":
                artifact = flag
            else:
                wasm = flag
        elif key == "vcpu":
            if not value.isdigit() or not VCPU_MIN <= int(value) <= VCPU_MAX:
                raise MagicCommentError(
                    f"{where}: vcpu must be a whole number from {VCPU_MIN} to {VCPU_MAX}, "
                    f"got {value!r}"
                )
            vcpu = int(value)
        elif key == "discover":
            if value.lower() not in (*_TRUE, *_FALSE):
                raise MagicCommentError(f"{where}: discover must be true or false, got {value!r}")
            discover = value.lower() in _TRUE
        elif key == "mode":
            if value not in RUN_MODES:
                raise MagicCommentError(f"{where}: mode must be auto, async or sync, got {value!r}")
            mode = value
        elif key == "stdin":
            if not value or "\0" in value:
                raise MagicCommentError(f"{where}: stdin= needs a file name")
            stdin = value
        elif key == "args":
            try:
                args = tuple(shlex.split(value))
            except ValueError as exc:
                raise MagicCommentError(f"{where}: args: {exc}") from None
        elif key == "inplace":
            if value.lower() not in (*_TRUE, *_FALSE):
                raise MagicCommentError(f"{where}: inplace must be true or false, got {value!r}")
            in_place = value.lower() in _TRUE
        else:
            raise MagicCommentError(
                f"{where}: unknown key {key!r} (known: ttl, network, env.NAME, files, "
                f"artifact, wasm, vcpu, mode, discover, stdin, args, inplace)"
            )
    return MagicOptions(
        ttl,
        network,
        env,
        tuple(files),
        artifact,
        mode,
        line_no,
        discover,
        wasm,
        vcpu,
        stdin,
        args,
        in_place=in_place,
    )
