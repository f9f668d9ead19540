"""Language ids of the unsandbox API and how a file is mapped to one.

Order of preference when choosing the language of a buffer (see `detect_language`):
explicit user choice → file extension → shebang → the editor's languageId.

Pure data and pure functions: no I/O, cheap to import.
"""

from __future__ import annotations

import re
from typing import NamedTuple

#: The 43 ids `GET /languages` lists on the hosted API.
API_LANGUAGES: tuple[str, ...] = (
    "awk", "bash", "c", "clojure", "cobol", "commonlisp", "cpp", "crystal", "csharp", "d",
    "dart", "deno", "dotnet", "elixir", "erlang", "forth", "fortran", "fsharp", "go", "groovy",
    "haskell", "java", "javascript", "julia", "kotlin", "lua", "nim", "objc", "ocaml", "perl",
    "php", "powershell", "prolog", "python", "r", "raku", "ruby", "rust", "scheme", "tcl",
    "typescript", "v", "zig",
)  # fmt: skip

#: File extension (lower case, without the dot) → API id. The official CLI's map plus a few
#: unmapped but unambiguous ones (.awk, .ps1). `.m` is Objective-C, `.v` is V, `.fs` is F#.
EXTENSIONS: dict[str, str] = {
    "py": "python", "js": "javascript", "mjs": "javascript", "cjs": "javascript",
    "ts": "typescript", "rb": "ruby", "php": "php", "pl": "perl", "pm": "perl",
    "sh": "bash", "bash": "bash", "r": "r", "lua": "lua", "go": "go", "rs": "rust", "c": "c",
    "cpp": "cpp", "cc": "cpp", "cxx": "cpp", "java": "java", "kt": "kotlin", "m": "objc",
    "cs": "csharp", "fs": "fsharp", "hs": "haskell", "ml": "ocaml", "clj": "clojure",
    "scm": "scheme", "ss": "scheme", "erl": "erlang", "ex": "elixir", "exs": "elixir",
    "jl": "julia", "d": "d", "nim": "nim", "zig": "zig", "v": "v", "cr": "crystal",
    "dart": "dart", "groovy": "groovy", "f90": "fortran", "f95": "fortran", "lisp": "commonlisp",
    "lsp": "commonlisp", "cob": "cobol", "tcl": "tcl", "raku": "raku", "pro": "prolog",
    "p": "prolog", "4th": "forth", "forth": "forth", "fth": "forth", "awk": "awk",
    "ps1": "powershell",
}  # fmt: skip

#: Editor languageIds (VS Code, Neovim filetypes, Helix language names) that differ from API ids.
EDITOR_LANGUAGE_IDS: dict[str, str] = {
    "shellscript": "bash", "sh": "bash", "zsh": "bash", "javascriptreact": "javascript",
    "typescriptreact": "typescript", "cs": "csharp", "c#": "csharp", "c++": "cpp",
    "objective-c": "objc", "objectivec": "objc", "fsharp": "fsharp", "f#": "fsharp",
    "lisp": "commonlisp", "common-lisp": "commonlisp", "elisp": "commonlisp", "ps1": "powershell",
    "rscript": "r", "tclsh": "tcl", "perl6": "raku", "julia": "julia",
}  # fmt: skip

#: Interpreter basenames (after version suffixes are stripped) → API id.
INTERPRETERS: dict[str, str] = {
    "python": "python", "pypy": "python", "node": "javascript", "nodejs": "javascript",
    "deno": "deno", "bun": "javascript", "ruby": "ruby", "perl": "perl", "php": "php",
    "sh": "bash", "bash": "bash", "dash": "bash", "zsh": "bash", "lua": "lua", "luajit": "lua",
    "tclsh": "tcl", "wish": "tcl", "raku": "raku", "perl6": "raku", "julia": "julia",
    "rscript": "r", "groovy": "groovy", "guile": "scheme", "scheme": "scheme",
    "sbcl": "commonlisp", "clisp": "commonlisp", "ocaml": "ocaml", "elixir": "elixir",
    "escript": "erlang", "awk": "awk", "gawk": "awk", "pwsh": "powershell", "ts-node": "typescript",
}  # fmt: skip

_SHEBANG = re.compile(r"#!(?!\[)\s*(?P<cmd>\S+)(?P<rest>.*)")
_VERSION_SUFFIX = re.compile(r"[\d.]+$")


def language_from_extension(path: str) -> str | None:
    """`src/main.PY` → `python`; None when the extension is unknown or absent."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    if "." not in name.lstrip("."):
        return None
    return EXTENSIONS.get(name.rsplit(".", 1)[1].lower())


def shebang_interpreter(text: str) -> str | None:
    """The interpreter named by the first line's shebang, `env` and its options skipped.

    `#!/usr/bin/env -S python3.12 -u` → `python3.12`. Rust's `#![attr]` is not a shebang.
    """
    first = text.split("\n", 1)[0].rstrip("\r")
    match = _SHEBANG.match(first)
    if match is None:
        return None
    words: list[str] = [match["cmd"], *match["rest"].split()]
    name = words[0].rsplit("/", 1)[-1]
    if name != "env":
        return name
    skip_next = False
    for word in words[1:]:
        if skip_next:
            skip_next = False
        elif word in ("-u", "--unset", "-C", "--chdir"):
            skip_next = True
        elif word.startswith("-") or "=" in word:
            continue
        else:
            return word.rsplit("/", 1)[-1]
    return None


def language_from_shebang(text: str) -> str | None:
    """`#!/usr/bin/env python3` → `python`; None without a shebang or for an unknown interpreter."""
    interpreter = shebang_interpreter(text)
    if interpreter is None:
        return None
    name = interpreter.lower()
    if name in INTERPRETERS:
        return INTERPRETERS[name]
    base = _VERSION_SUFFIX.sub("", name).rstrip("-")
    if base.startswith("python"):
        return "python"
    if base in INTERPRETERS:
        return INTERPRETERS[base]
    return base if base in API_LANGUAGES else None


def language_from_editor_id(language_id: str | None) -> str | None:
    """An editor's languageId (`shellscript`, `sh`, `python` …) → API id, or None."""
    if not language_id:
        return None
    key = language_id.lower()
    if key in EDITOR_LANGUAGE_IDS:
        return EDITOR_LANGUAGE_IDS[key]
    return key if key in API_LANGUAGES else None


class Detection(NamedTuple):
    """The chosen language and what decided it (for messages such as "from the shebang")."""

    language: str
    source: str  # "setting", "extension", "shebang" or "languageId"


def detect_language(
    path: str,
    text: str,
    *,
    editor_language_id: str | None = None,
    overrides: dict[str, str] | None = None,
) -> Detection | None:
    """Choose the API language for a buffer.

    `overrides` maps an extension (`"mjs"`) or an editor languageId (`"python3"`) to an API id and
    wins over everything else; it is the `languageMap` setting.
    """
    overrides = overrides or {}
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[1].lower() if "." in name.lstrip(".") else ""
    for key in (ext, f".{ext}" if ext else "", editor_language_id or ""):
        if key and key in overrides:
            return Detection(overrides[key], "setting")
    by_ext = language_from_extension(path)
    if by_ext:
        return Detection(by_ext, "extension")
    by_shebang = language_from_shebang(text)
    if by_shebang:
        return Detection(by_shebang, "shebang")
    by_editor = language_from_editor_id(editor_language_id)
    if by_editor:
        return Detection(by_editor, "languageId")
    return None


#: Line-comment leader per language: for the `unsandbox:` magic comment and `%%` cell markers.
_HASH = "#"
_SLASHES = "//"
COMMENT_LEADERS: dict[str, str] = {
    **{lang: _HASH for lang in (
        "python", "ruby", "perl", "bash", "r", "tcl", "elixir", "julia", "awk", "crystal",
        "nim", "raku", "powershell",
    )},
    **{lang: _SLASHES for lang in (
        "javascript", "typescript", "deno", "go", "rust", "c", "cpp", "java", "kotlin", "csharp",
        "dotnet", "php", "dart", "groovy", "d", "zig", "v", "objc", "fsharp",
    )},
    "lua": "--", "haskell": "--", "clojure": ";", "scheme": ";",
    "commonlisp": ";", "erlang": "%", "prolog": "%", "fortran": "!", "forth": "\\",
    "ocaml": "(*", "cobol": "*>",
}  # fmt: skip


def comment_leader(language: str) -> str:
    """The line-comment leader of `language` (`#` when unknown)."""
    return COMMENT_LEADERS.get(language, _HASH)


#: The file name a language needs its code saved under (Java's public class must be in Main.java).
MAIN_FILE_NAMES: dict[str, str] = {"java": "Main.java", "kotlin": "Main.kt"}
