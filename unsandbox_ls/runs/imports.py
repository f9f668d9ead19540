"""Which local files a program imports, found transitively, to send along with it.

`discover_imports(language, main_path, main_text, …)` reads the file's own import statements
(Python `import`/`from … import`, relative JS/TS `require`/`import`, Ruby `require_relative`,
Lua `require`, PHP `include`/`require`, Perl `require`/`use` with `use lib`, Bash `source`/`.`,
Tcl `source`, R `source()`, C/C++ `#include "…"`, Rust `mod x;`, Java classes of the folder or
of an imported package folder), then the imports of each file found, and so on.

What can be found, and nothing else:
- files inside the main file's folder (the sandbox places the code in its working directory and
  the others beside it, so a name is the path relative to that folder: `helpers.py`,
  `pkg/util.py`; never `..`, an absolute path or a backslash), and inside `root` when given;
- regular files whose real path (symlinks resolved) stays inside that folder;
- no hidden files or folders (`.env`, `.venv/`), nothing under `node_modules`, `site-packages`,
  `dist-packages`, `__pycache__` or `target`, and, in a git repository, nothing git ignores;
- within `Bounds`: files looked at, bytes read and seconds spent.

An open buffer's text is used in place of the file on disk (`buffer_text`), unsaved changes
included, and an open buffer counts even when the file was never saved. Nothing here sends
anything or applies the API's limits: the caller checks those (`api.models`).
"""

from __future__ import annotations

import ast
import os
import posixpath
import re
import stat
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from unsandbox_ls.sent_file import SentFile

#: an open buffer's text for a local path, or None when the file is not open
BufferText = Callable[[Path], "str | None"]

_EXCLUDED_PARTS = frozenset(
    {"node_modules", "site-packages", "dist-packages", "__pycache__", "target", "bower_components"}
)

#: languages whose imports are followed (API ids)
LANGUAGES: frozenset[str] = frozenset(
    {
        "python", "javascript", "typescript", "deno", "ruby", "lua", "php", "perl", "bash",
        "tcl", "r", "c", "cpp", "rust", "java",
    }
)  # fmt: skip


@dataclass(frozen=True)
class Bounds:
    """How far discovery goes before it stops (and says so)."""

    max_files: int = 40
    max_file_bytes: int = 5 * 1024 * 1024
    max_total_bytes: int = 24 * 1024 * 1024
    seconds: float = 3.0


@dataclass(frozen=True)
class Discovery:
    """What discovery found: files in the order found (each a `SentFile` of origin `buffer` or
    `disk`, its path in the form the main file's was given), files too large to read (name,
    size), and notes on what it left out and why."""

    files: tuple[SentFile, ...] = ()
    oversized: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.files)


#: One reference in a file: the relative names it may mean, in the order the runtime tries them
#: (the first that exists is taken). A name outside the folder is given as None.
Alternatives = list[str]


@dataclass
class _Context:
    """What resolvers may look at: the folder, the main file and the directory listing."""

    base: Path
    main_name: str
    perl_lib_dirs: list[str] = field(default_factory=list)

    def listing(self, folder: str) -> list[str]:
        """Names of the entries of a relative folder ('' is the base)."""
        try:
            return sorted(os.listdir(self.base / folder if folder else self.base))
        except OSError:
            return []


def _join(folder: str, name: str) -> str | None:
    """`folder/name` normalised, or None when it leaves the base folder or is absolute."""
    if not name or name.startswith("/") or "\\" in name or "\0" in name:
        return None
    joined = (
        posixpath.normpath(posixpath.join(folder, name)) if folder else posixpath.normpath(name)
    )
    if joined in (".", "") or joined == ".." or joined.startswith("../"):
        return None
    return joined


def _dir(name: str) -> str:
    return posixpath.dirname(name)


# --- Python ------------------------------------------------------------------------------


def _python(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return _python_by_lines(text)
    refs: list[Alternatives] = []
    package = _dir(name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                refs.extend(_python_module("", alias.name))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                start = package
                for _ in range(node.level - 1):
                    if not start:
                        start = ".."
                        break
                    start = _dir(start)
                if start == "..":
                    continue
            else:
                start = ""
            module = node.module or ""
            refs.extend(_python_module(start, module))
            prefix = posixpath.join(start, *module.split(".")) if module else start
            for alias in node.names:
                if alias.name != "*":
                    refs.append(
                        _module_files(posixpath.join(prefix, alias.name) if prefix else alias.name)
                    )
    return refs


def _module_files(path: str) -> Alternatives:
    return [f"{path}.py", f"{path}/__init__.py"]


def _python_module(start: str, dotted: str) -> list[Alternatives]:
    """`a.b.c` from `start`: a, a/b and a/b/c, each as a module or a package's `__init__`."""
    refs: list[Alternatives] = []
    if start:
        refs.append([f"{start}/__init__.py"])
    parts = [p for p in dotted.split(".") if p]
    for depth in range(1, len(parts) + 1):
        path = posixpath.join(start, *parts[:depth]) if start else posixpath.join(*parts[:depth])
        refs.append(_module_files(path))
    return refs


_PY_IMPORT = re.compile(r"^\s*(?:from\s+([\w.]+)\s+import\s+([\w, ]+)|import\s+([\w., ]+))", re.M)


def _python_by_lines(text: str) -> list[Alternatives]:
    """Imports of a file that does not parse (it is being edited): line by line, absolute only."""
    refs: list[Alternatives] = []
    for match in _PY_IMPORT.finditer(text):
        if match[1] is not None:
            if match[1].startswith("."):
                continue
            refs.extend(_python_module("", match[1]))
            base = match[1].replace(".", "/")
            refs.extend(
                _module_files(f"{base}/{n.strip()}") for n in match[2].split(",") if n.strip()
            )
        else:
            for item in match[3].split(","):
                words = item.split()
                if words:
                    refs.extend(_python_module("", words[0]))
    return refs


# --- JavaScript / TypeScript -------------------------------------------------------------

_JS_SPEC = re.compile(
    r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+|^\s*export\s+[^;'"]*?\bfrom\s+)"""
    r"""(['"])(\.{1,2}/[^'"\n]+)\1""",
    re.M,
)
_JS_EXTENSIONS = (".js", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".jsx", ".json")


def _strip_line_comments(text: str, leader: str) -> str:
    return "\n".join("" if line.lstrip().startswith(leader) else line for line in text.splitlines())


def _javascript(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    refs: list[Alternatives] = []
    for match in _JS_SPEC.finditer(_strip_line_comments(text, "//")):
        path = _join(_dir(name), match[2].split("?", 1)[0])
        if path is None:
            continue
        stem = path[:-3] if path.endswith(".js") else None  # tsc/deno: `./x.js` is `x.ts`
        options = [path, *(path + ext for ext in _JS_EXTENSIONS)]
        if stem:
            options += [stem + ".ts", stem + ".tsx"]
        options += [f"{path}/index{ext}" for ext in _JS_EXTENSIONS]
        refs.append(options)
    return refs


# --- Ruby, Lua, PHP, Perl, shells, Tcl, R ------------------------------------------------

_RUBY = re.compile(
    r"""^\s*(?:(require_relative)|require|load)\s*\(?\s*(['"])([^'"\n#{}]+)\2""", re.M
)


def _ruby(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    refs: list[Alternatives] = []
    for match in _RUBY.finditer(text):
        spec = match[3]
        if match[1]:
            path = _join(_dir(name), spec)
        elif spec.startswith(("./", "../")):  # `require "./x"`: from the working directory
            path = _join("", spec)
        else:
            continue
        if path is not None:
            refs.append([path] if path.endswith(".rb") else [path + ".rb", path])
    return refs


_LUA = re.compile(
    r"""\b(?:(require)\s*\(?\s*(['"])([\w.\-/]+)\2|(dofile|loadfile)\s*\(\s*(['"])([^'"\n]+)\5)"""
)


def _lua(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    refs: list[Alternatives] = []
    for match in _LUA.finditer(_strip_line_comments(text, "--")):
        if match[1]:
            path = _join("", match[3].replace(".", "/"))  # package.path `./?.lua`
            if path is not None:
                refs.append([f"{path}.lua", f"{path}/init.lua"])
        else:
            path = _join("", match[6])
            if path is not None:
                refs.append([path])
    return refs


_PHP = re.compile(
    r"""\b(?:include|include_once|require|require_once)\s*\(?\s*"""
    r"""(__DIR__\s*\.\s*|dirname\s*\(\s*__FILE__\s*\)\s*\.\s*)?(['"])([^'"\n$]+)\2"""
)


def _php(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    refs: list[Alternatives] = []
    for match in _PHP.finditer(text):
        spec = match[3]
        if match[1]:  # __DIR__ . '/x.php': beside this file
            path = _join(_dir(name), spec.lstrip("/"))
            if path is not None:
                refs.append([path])
            continue
        options = [p for p in (_join("", spec), _join(_dir(name), spec)) if p is not None]
        if options:  # include_path '.' (the working directory), then the script's folder
            refs.append(options)
    return refs


_PERL_LIB = re.compile(r"""^\s*use\s+lib\s+(.+?);""", re.M)
_PERL_USE = re.compile(r"""^\s*(?:use|require)\s+([A-Za-z_][\w:]*)\s*[^;]*;""", re.M)
_PERL_FILE = re.compile(r"""\b(?:require|do)\s*\(?\s*(['"])([^'"\n$]+)\1""")
_PERL_PRAGMAS = frozenset({"strict", "warnings", "lib", "utf8", "feature", "FindBin", "constant"})


def _perl_lib_dirs(text: str) -> list[str]:
    """The folders of `use lib …` that are the script's own: `.`, `lib`, `$FindBin::Bin/lib`."""
    dirs: list[str] = []
    for match in _PERL_LIB.finditer(text):
        for word in re.findall(
            r"""(?:qw\s*\(([^)]*)\))|['"]([^'"]+)['"]|(\$FindBin::(?:Real)?Bin)""", match[1]
        ):
            items = word[0].split() if word[0] else [word[1] or word[2]]
            for item in items:
                item = re.sub(r"^\$FindBin::(?:Real)?Bin/?", "", item)
                if "$" in item:
                    continue
                path = _join("", item) if item not in ("", ".") else ""
                if path is not None and path not in dirs:
                    dirs.append(path)
    return dirs


def _perl(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    if name == ctx.main_name:
        ctx.perl_lib_dirs = _perl_lib_dirs(text)
    refs: list[Alternatives] = []
    if ctx.perl_lib_dirs:
        for match in _PERL_USE.finditer(text):
            module = match[1]
            if module in _PERL_PRAGMAS or module[0].islower():
                continue
            rel = module.replace("::", "/") + ".pm"
            options = [p for d in ctx.perl_lib_dirs if (p := _join(d, rel)) is not None]
            if options:
                refs.append(options)
    for match in _PERL_FILE.finditer(text):
        spec = match[2]
        if spec.startswith(("./", "../")):
            path = _join("", spec)
            if path is not None:
                refs.append([path])
        else:
            options = [p for d in ctx.perl_lib_dirs if (p := _join(d, spec)) is not None]
            if options:
                refs.append(options)
    return refs


_SHELL = re.compile(r"""^\s*(?:source|\.)\s+(.+)$""", re.M)
#: `$(dirname "$0")/`, `$(dirname "${BASH_SOURCE[0]}")/`, `${BASH_SOURCE%/*}/`, `${0%/*}/`
#: (quotes already removed): the script's own folder
_SHELL_HERE = re.compile(
    r"""^(?:\$\(\s*dirname\s+\$(?:0|\{?BASH_SOURCE(?:\[0\])?\}?)\s*\)"""
    r"""|\$\{BASH_SOURCE(?:\[0\])?%/\*\}|\$\{0%/\*\})/"""
)


def _shell_word(rest: str) -> str | None:
    """The first word of the rest of a `source` line, quotes removed."""
    import shlex

    try:
        words = shlex.split(rest, comments=True)
    except ValueError:
        return None
    return words[0].rstrip(";") if words else None


def _bash(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    refs: list[Alternatives] = []
    for match in _SHELL.finditer(text):
        word = _shell_word(match[1])
        if not word:
            continue
        here = _SHELL_HERE.match(word)
        folder = _dir(name) if here else ""
        spec = word[here.end() :] if here else word
        if "$" in spec or "`" in spec:
            continue
        path = _join(folder, spec)
        if path is not None:
            refs.append([path])
    return refs


_TCL = re.compile(
    r"""^\s*source\s+(?:\[file\s+join\s+\[file\s+dirname\s+\[info\s+script\]\]\s+([^\]\s]+)\]|(\S+))""",
    re.M,
)


def _tcl(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    refs: list[Alternatives] = []
    for match in _TCL.finditer(text):
        spec, folder = (match[1], _dir(name)) if match[1] else (match[2], "")
        spec = spec.strip('"{}')
        if "$" in spec or "[" in spec:
            continue
        path = _join(folder, spec)
        if path is not None:
            refs.append([path])
    return refs


_R = re.compile(r"""\b(?:sys\.)?source\s*\(\s*(?:file\s*=\s*)?(['"])([^'"\n]+)\1""")


def _r(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    refs: list[Alternatives] = []
    for match in _R.finditer(_strip_line_comments(text, "#")):
        path = _join("", match[2])
        if path is not None:
            refs.append([path])
    return refs


# --- C, C++, Rust, Java ------------------------------------------------------------------

_INCLUDE = re.compile(r"""^\s*#\s*include\s*"([^"\n]+)\"""", re.M)


def _c_family(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    refs: list[Alternatives] = []
    for match in _INCLUDE.finditer(text):
        path = _join(_dir(name), match[1])  # the including file's folder first
        if path is not None:
            refs.append([path])
    return refs


_RUST_MOD = re.compile(
    r"""^\s*(?:#\[path\s*=\s*"([^"]+)"\]\s*)?(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;""", re.M
)


def _rust(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    refs: list[Alternatives] = []
    stem = posixpath.splitext(posixpath.basename(name))[0]
    owns_folder = name == ctx.main_name or stem in ("mod", "main", "lib")
    folder = _dir(name) if owns_folder else posixpath.join(_dir(name), stem)
    for match in _RUST_MOD.finditer(_strip_line_comments(text, "//")):
        if match[1]:
            path = _join(_dir(name), match[1])
            if path is not None:
                refs.append([path])
            continue
        module = match[2]
        options = [
            p for p in (_join(folder, f"{module}.rs"), _join(folder, f"{module}/mod.rs")) if p
        ]
        refs.append(options)
    return refs


_JAVA_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"", re.S)
_JAVA_IMPORT = re.compile(r"^\s*import\s+(?!static\b)([\w.]+?)(\.\*)?\s*;", re.M)
_IDENTIFIER = re.compile(r"\b[A-Z][A-Za-z0-9_$]*\b")


def _java(name: str, text: str, ctx: _Context) -> list[Alternatives]:
    """Classes of this file's folder that it names, and classes of imported package folders."""
    code = _JAVA_COMMENT.sub(" ", text)
    refs: list[Alternatives] = []
    folder = _dir(name)
    used = set(_IDENTIFIER.findall(code))
    for entry in ctx.listing(folder):
        if entry.endswith(".java") and entry[:-5] in used:
            path = _join(folder, entry)
            if path is not None:
                refs.append([path])
    for match in _JAVA_IMPORT.finditer(code):
        dotted = match[1].replace(".", "/")
        if match[2]:
            refs.extend(
                [p]
                for entry in ctx.listing(dotted)
                if entry.endswith(".java") and (p := _join(dotted, entry)) is not None
            )
        else:
            path = _join("", dotted + ".java")
            if path is not None:
                refs.append([path])
    return refs


_RESOLVERS: dict[str, Callable[[str, str, _Context], list[Alternatives]]] = {
    "python": _python,
    "javascript": _javascript,
    "typescript": _javascript,
    "deno": _javascript,
    "ruby": _ruby,
    "lua": _lua,
    "php": _php,
    "perl": _perl,
    "bash": _bash,
    "tcl": _tcl,
    "r": _r,
    "c": _c_family,
    "cpp": _c_family,
    "rust": _rust,
    "java": _java,
}


# --- reading, containment, git -----------------------------------------------------------


def _excluded(name: str) -> bool:
    parts = name.split("/")
    return any(p.startswith(".") or p in _EXCLUDED_PARTS for p in parts)


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


class _Reader:
    """Reads candidate files: the open buffer first, else a regular file on disk inside the
    folder (symlinks resolved), within the size bounds."""

    def __init__(self, base: Path, roots: list[Path], buffer_text: BufferText | None) -> None:
        self.base = base
        self.real_roots = roots
        self.buffer_text = buffer_text

    def buffer(self, path: Path) -> str | None:
        """The open buffer's text of `path`, or None when it is not open."""
        return None if self.buffer_text is None else self.buffer_text(path)

    def disk_size(self, path: Path) -> int | None:
        """The size of a regular file contained in the folder, or None."""
        try:
            real = path.resolve(strict=True)
            info = real.stat()
        except (OSError, RuntimeError):
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        if not all(_inside(real, root) for root in self.real_roots):
            return None
        if _excluded(real.relative_to(self.real_roots[0]).as_posix()):
            return None  # a link to a hidden or excluded file
        return info.st_size

    def read(self, path: Path, limit: int) -> bytes | None:
        """The file's bytes (a regular file of at most `limit` bytes, read the safe way of
        `runs.safe_read`), or None."""
        from unsandbox_ls.runs.safe_read import FileRefused, read_regular_file

        try:
            return read_regular_file(path.resolve(strict=True), limit=limit)
        except (FileRefused, OSError, RuntimeError):
            return None


def _git_ignored(base: Path, names: list[str], timeout: float) -> set[str]:
    """Which of `names` (relative to `base`) git ignores; empty outside a repository."""
    if not names:
        return set()
    try:
        done = subprocess.run(
            ["git", "-C", str(base), "check-ignore", "-z", "--stdin"],
            input="\0".join(names).encode() + b"\0",
            capture_output=True,
            timeout=max(timeout, 0.5),
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return set()
    if done.returncode not in (0, 1):  # 128: not a repository (or git failed)
        return set()
    return {item.decode("utf-8", "surrogateescape") for item in done.stdout.split(b"\0") if item}


def is_git_repository(folder: Path) -> bool:
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--is-inside-work-tree"],
            capture_output=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0 and done.stdout.strip() == b"true"


def discover_imports(
    language: str,
    main_path: Path | str,
    main_text: str,
    *,
    root: Path | str | None = None,
    buffer_text: BufferText | None = None,
    bounds: Bounds | None = None,
) -> Discovery:
    """The local files `main_path` imports, transitively, as names relative to its folder.

    `root` (the workspace folder) further limits where files may be; `buffer_text` gives an
    open buffer's text for a path (None: read the disk). The main file itself is never listed.
    """
    bounds = bounds or Bounds()
    resolver = _RESOLVERS.get(language)
    if resolver is None:
        return Discovery()
    started = time.monotonic()
    main = Path(os.path.abspath(main_path))
    base = main.parent
    try:
        real_base = base.resolve(strict=True)
    except (OSError, RuntimeError):
        return Discovery(notes=(f"skipped: the folder of {main.name} cannot be read",))
    roots = [real_base]
    if root is not None:
        try:
            real_root = Path(root).resolve(strict=True)
        except (OSError, RuntimeError):
            real_root = None
        if real_root is not None and _inside(real_base, real_root):
            roots.append(real_root)
    reader = _Reader(base, roots, buffer_text)
    ctx = _Context(base, main.name)
    in_git = is_git_repository(base)

    given_folder = os.path.dirname(os.fspath(main_path))  # paths in the form given
    found: dict[str, SentFile] = {}
    oversized: dict[str, int] = {}
    notes: list[str] = []
    seen: set[str] = {main.name}
    total = 0
    level: list[tuple[str, str]] = [(main.name, main_text)]
    while level:
        wanted: list[str] = []
        importer: dict[str, str] = {}
        for name, text in level:
            for options in resolver(name, text, ctx):
                choice = _first_existing(options, reader, seen, base)
                if choice is not None and choice not in wanted:
                    wanted.append(choice)
                    importer[choice] = name
        if in_git:
            remaining = bounds.seconds - (time.monotonic() - started)
            ignored = _git_ignored(base, wanted, remaining)
            wanted = [w for w in wanted if w not in ignored]
        next_level: list[tuple[str, str]] = []
        for name in wanted:
            seen.add(name)
            if len(found) + len(oversized) >= bounds.max_files:
                notes.append(f"stopped after {bounds.max_files} files")
                return Discovery(tuple(found.values()), tuple(oversized.items()), tuple(notes))
            if time.monotonic() - started > bounds.seconds:
                notes.append(f"stopped after {bounds.seconds:g} s")
                return Discovery(tuple(found.values()), tuple(oversized.items()), tuple(notes))
            path = base / name
            local = os.path.join(given_folder, name)
            why = f"imported by {importer[name]}"
            buffered = reader.buffer(path)
            item: SentFile
            if buffered is not None:
                item = SentFile.from_text(name, buffered, path=local, origin="buffer", why=why)
            else:
                size = reader.disk_size(path)
                if size is None:
                    continue
                if size > bounds.max_file_bytes:
                    oversized[name] = size
                    continue
                if total + size > bounds.max_total_bytes:
                    notes.append(f"stopped after reading {total} bytes")
                    return Discovery(tuple(found.values()), tuple(oversized.items()), tuple(notes))
                content = reader.read(path, bounds.max_file_bytes)
                if content is None:
                    continue
                if len(content) > bounds.max_file_bytes:
                    oversized[name] = len(content)
                    continue
                item = SentFile.from_bytes(name, content, path=local, origin="disk", why=why)
            total += item.size
            found[name] = item
            # decoded once, when the file was made; a file that is not UTF-8 is read leniently
            text = item.text if item.text is not None else item.content.decode("utf-8", "replace")
            next_level.append((name, text))
        level = next_level
    return Discovery(tuple(found.values()), tuple(oversized.items()), tuple(notes))


def _first_existing(
    options: Iterable[str | None], reader: _Reader, seen: set[str], base: Path
) -> str | None:
    """The first option that names a file to send: open in the editor or a regular file on
    disk inside the folder, not hidden or excluded. None when the first existing one was sent
    already (or none exists)."""
    for name in options:
        if not name:
            continue
        path = base / name
        if reader.buffer(path) is not None or reader.disk_size(path) is not None:
            # the runtime takes this one: send it unless it is hidden, excluded or sent already
            return None if name in seen or _excluded(name) else name
    return None
