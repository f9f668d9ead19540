"""The client's side of the start-up hooks: the files and environment of a run that uses one.

A language with a hook (`HOOKS`) gets, with its run, the hook's own input files (from `data/`),
the variable that makes its runtime load the hook before the program (`PYTHONPATH` with
`sitecustomize.py`, `NODE_OPTIONS=--import`, `RUBYOPT=-r`, `PERL5OPT=-M`, `BASH_ENV`,
`LUA_INIT`, `PHP_INI_SCAN_DIR`, `R_PROFILE` / `R_PROFILE_USER`) and the run's manifest in
`UNSANDBOX_LS_BOOT`. The hook then finds the folder the input files landed in (the API has put
them in `/tmp/input`, in the working directory and elsewhere: it looks rather than trusts one),
rebuilds the program's folder tree from the flat names the files were sent under, and runs the
program again under its own file name in that tree: the working directory is the program's
folder, `argv` its arguments, standard input the file given (or end-of-file at once). The
runtime's variables the hook used are given back their user's values (or unset) for the program.

Where the sandbox ignores the variable, the run is an ordinary run: the files are where the
sandbox put them under their flat names (a file of the program's own folder has its own name).

Manifest (one line of space-separated words; strings hex-encoded UTF-8, `-` the empty string,
`~` none): `1 NONCE CODE STDIN N ARG… N WIRE PATH… N NAME VALUE…`, where CODE is the program's
local file name, STDIN the tree path of its standard input, the pairs the input files (flat
name → tree path; an empty path for the hook's own files) and the variables to give back. Once
the tree is built in the input folder, the flat names that differ from their tree path and the
hook's own files are removed from it, so the program's folder holds what the local one does.

The hook writes nothing on stdout and, on stderr, only one block framed by
`--- unsandbox-ls boot NONCE ---` and `--- unsandbox-ls end NONCE ---` lines (at most 12 lines
of 300 characters: what it found and did), which `take_report` removes before anything is shown
or parsed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

#: the folders the sandboxes seen so far put input files in, in the order the hooks look
CANDIDATE_FOLDERS = ("/tmp/input", ".", "/root/input", "/tmp")
MANIFEST_VARIABLE = "UNSANDBOX_LS_BOOT"
#: the most a hook's block may hold (the client ignores a longer one)
REPORT_MAX_CHARS = 12 * 301 + 200

_NODE_LOADER = (
    'import{existsSync as e}from"node:fs";import{createRequire as c}from"node:module";'
    'for(const d of["/tmp/input",process.cwd(),"/root/input","/tmp"]){'
    'const f=d+"/unsandbox_boot.js";if(e(f)){c(f)(f);break}}'
)
_LUA_LOADER = (
    'for _,d in ipairs{"/tmp/input",".","/root/input","/tmp"} do '
    'local f=io.open(d.."/unsandbox_boot.lua") '
    'if f then f:close() dofile(d.."/unsandbox_boot.lua") break end end'
)
_BASH_FINDER = (
    '$(for d in /tmp/input . /root/input /tmp; do [ -f "$d/unsandbox_boot.bash" ] && '
    '{ echo "$d/unsandbox_boot.bash"; break; }; done)'
)


@dataclass(frozen=True)
class Hook:
    """One language's hook: its files in `data/`, and how the runtime is told to load it."""

    language: str
    files: tuple[str, ...]
    #: what stdin and arguments need that this hook gives
    takes_stdin: bool = True


HOOKS: dict[str, Hook] = {
    "python": Hook("python", ("sitecustomize.py",)),
    "javascript": Hook("javascript", ("unsandbox_boot.js",)),
    "ruby": Hook("ruby", ("unsandbox_boot.rb",)),
    "perl": Hook("perl", ("UnsandboxBoot.pm",)),
    "bash": Hook("bash", ("unsandbox_boot.bash",)),
    "lua": Hook("lua", ("unsandbox_boot.lua",)),
    "php": Hook("php", ("unsandbox_boot.ini", "unsandbox_boot.php")),
    "r": Hook("r", ("unsandbox_boot.R",)),
}


def has_hook(language: str | None) -> bool:
    return language in HOOKS


def reserved_names(language: str | None) -> frozenset[str]:
    """The flat names the hook's own files take."""
    hook = HOOKS.get(language or "")
    return frozenset(hook.files) if hook else frozenset()


def wire_names(paths: Sequence[str], reserved: frozenset[str] = frozenset()) -> dict[str, str]:
    """Tree path → flat name it is sent under: the path itself when it has no folder, else its
    parts joined by `__` (`shop/cart.py` → `shop__cart.py`), numbered when that is taken."""
    taken = set(reserved) | {p for p in paths if "/" not in p}
    names: dict[str, str] = {}
    for path in paths:
        if "/" not in path and path not in reserved:
            names[path] = path
            continue
        flat = path.replace("/", "__")
        stem, dot, ext = flat.rpartition(".") if "." in flat.rsplit("__", 1)[-1] else (flat, "", "")
        candidate, number = flat, 1
        while candidate in taken:
            number += 1
            candidate = f"{stem}__{number}{dot}{ext}" if dot else f"{flat}__{number}"
        taken.add(candidate)
        names[path] = candidate
    return names


@dataclass(frozen=True)
class Boot:
    """What a run with a hook carries: the hook's files, the variables, the run's nonce."""

    files: tuple[tuple[str, bytes], ...]
    env: dict[str, str]
    nonce: str = field(repr=False)


def hook_file(name: str) -> bytes:
    return resources.files("unsandbox_ls.hooks").joinpath("data").joinpath(name).read_bytes()


def _word(value: str | None) -> str:
    if value is None:
        return "~"
    return value.encode("utf-8", "surrogateescape").hex() or "-"


def manifest(
    nonce: str,
    code: str,
    stdin: str | None,
    args: Sequence[str],
    files: Sequence[tuple[str, str]],
    restore: Sequence[tuple[str, str | None]],
) -> str:
    words = ["1", nonce, _word(code), _word(stdin), str(len(args)), *map(_word, args)]
    words.append(str(len(files)))
    for wire, path in files:
        words += [_word(wire), _word(path)]
    words.append(str(len(restore)))
    for name, value in restore:
        words += [_word(name), _word(value)]
    return " ".join(words)


def _joined(user: str | None, ours: str, sep: str) -> str:
    return f"{user}{sep}{ours}" if user else ours


def hook_env(language: str, user_env: Mapping[str, str]) -> dict[str, str]:
    """The runtime's variables that load the hook (the user's own value kept first)."""
    folders = ":".join(CANDIDATE_FOLDERS)
    get = user_env.get
    if language == "python":
        return {"PYTHONPATH": _joined(get("PYTHONPATH"), folders, ":")}
    if language == "javascript":
        loader = "data:text/javascript," + _url_quote(_NODE_LOADER)
        return {"NODE_OPTIONS": _joined(get("NODE_OPTIONS"), f"--import {loader}", " ")}
    if language == "ruby":
        return {
            "RUBYOPT": _joined(get("RUBYOPT"), "-runsandbox_boot", " "),
            "RUBYLIB": _joined(get("RUBYLIB"), folders, ":"),
        }
    if language == "perl":
        return {
            "PERL5OPT": _joined(get("PERL5OPT"), "-MUnsandboxBoot", " "),
            "PERL5LIB": _joined(get("PERL5LIB"), folders, ":"),
        }
    if language == "bash":
        return {"BASH_ENV": _BASH_FINDER}
    if language == "lua":
        return {"LUA_INIT": _LUA_LOADER}
    if language == "php":
        return {"PHP_INI_SCAN_DIR": _joined(get("PHP_INI_SCAN_DIR"), folders, ":")}
    if language == "r":
        # one path each: the site profile at /tmp/input, the user profile in the working
        # directory (R skips a missing one silently; the first that runs, runs the program)
        return {"R_PROFILE": "/tmp/input/unsandbox_boot.R", "R_PROFILE_USER": "unsandbox_boot.R"}
    return {}


def _url_quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def startup(
    language: str,
    *,
    code: str,
    files: Sequence[tuple[str, str]],
    args: Sequence[str] = (),
    stdin: str | None = None,
    user_env: Mapping[str, str] | None = None,
) -> Boot:
    """The hook's files and the variables of a run of `language` (which must have a hook).

    `code` is the program's local file name, `files` the (flat name, tree path) of each input
    file, `stdin` the tree path of the file that is its standard input, `user_env` the
    variables the user asked for (the hook's are joined with theirs, and theirs given back)."""
    hook = HOOKS[language]
    user = dict(user_env or {})
    nonce = secrets.token_hex(8)
    env = hook_env(language, user)
    restore = [(name, user.get(name)) for name in sorted(env)]
    # the hook's own files go in the list with no tree path: removed once the tree is built
    listed = [*files, *((name, "") for name in hook.files)]
    env[MANIFEST_VARIABLE] = manifest(nonce, code, stdin, args, listed, restore)
    own = tuple((name, hook_file(name)) for name in hook.files)
    return Boot(own, env, nonce)


@dataclass(frozen=True)
class BootReport:
    """What the hook said it found and did (its block's lines), or nothing when it did not run."""

    lines: tuple[str, ...] = ()

    @property
    def ran(self) -> bool:
        return bool(self.lines)

    def value(self, key: str) -> str | None:
        for line in self.lines:
            word, _, rest = line.partition(" ")
            if word == key:
                return rest
        return None


def take_report(text: str, nonce: str | None) -> tuple[str, BootReport]:
    """`text` without the hook's blocks of this run, and what the first one said."""
    if not nonce or "--- unsandbox-ls boot " not in text:
        return text, BootReport()
    pattern = re.compile(
        rf"--- unsandbox-ls boot {re.escape(nonce)} ---\n(.{{0,{REPORT_MAX_CHARS}}}?)\n?"
        rf"--- unsandbox-ls end {re.escape(nonce)} ---\n?",
        re.S,
    )
    lines: list[str] = []
    for match in pattern.finditer(text):
        if not lines:
            lines = [line for line in match[1].split("\n") if line]
    return pattern.sub("", text), BootReport(tuple(lines))
