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
  `dist-packages`, `__pycache__` or `target`, and, in a git work tree, nothing its ignore
  files ignore (`runs.ignore_rules` reads them; git itself is never run, as a repository's
  configuration could make it run commands). When those rules cannot be read, folder listings
  (Java's classes of a folder or package) are not used: only files imported by name are
  sent, and a note says that ignore rules were not applied;
- within `Bounds`: files looked at, import references looked at, bytes read and seconds
  spent, whatever the files hold; a `cancel` event stops it too (both are checked at every
  import reference).

An open buffer's text is used in place of the file on disk (`buffer_text`), unsaved changes
included, and an open buffer counts even when the file was never saved. Nothing here sends
anything or applies the API's limits: the caller checks those (`api.models`).
"""

from __future__ import annotations

import os
import posixpath
import re
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

from unsandbox_ls.lazy_pattern import LazyPattern
from unsandbox_ls.sent_file import SentFile

if TYPE_CHECKING:
    from unsandbox_ls.runs.ignore_rules import IgnoreRules

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


class Bounds(NamedTuple):
    """How far discovery goes before it stops (and says so)."""

    max_files: int = 40
    max_file_bytes: int = 5 * 1024 * 1024
    max_total_bytes: int = 24 * 1024 * 1024
    seconds: float = 3.0
    #: import references looked at (each costs a few file-system look-ups)
    max_references: int = 20_000
    #: a larger Python file is read line by line (`ast.parse` cannot be interrupted)
    max_parse_bytes: int = 1024 * 1024


class Discovery(NamedTuple):
    """What discovery found: files in the order found (each a `SentFile` of origin `buffer` or
    `disk`, its path in the form the main file's was given), files too large to read (name,
    size), and notes on what it left out and why."""

    files: tuple[SentFile, ...] = ()
    oversized: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = ()
    #: how many import references were looked at
    references: int = 0

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.files)


#: One reference in a file: the relative names it may mean, in the order the runtime tries them
#: (the first that exists is taken). A name outside the folder is given as None.
Alternatives = list[str]


class _Context:
    """What resolvers may look at: the folder, the main file and the directory listing."""

    def __init__(self, base: Path, main_name: str, *, parse_limit: int = 1024 * 1024) -> None:
        self.base = base
        self.main_name = main_name
        self.perl_lib_dirs: list[str] = []
        self.parse_limit = parse_limit
        #: False once ignore rules cannot be read: only files named by an import are sent
        self.listing_allowed = True
        #: the relative names listings returned (files found by a listing, not by their name)
        self.listed: set[str] = set()
        #: called before the first listing (reads the ignore rules, which may forbid listings)
        self.before_listing: Callable[[], object] | None = None

    def listing(self, folder: str) -> list[str]:
        """Names of the entries of a relative folder ('' is the base)."""
        if self.before_listing is not None:
            self.before_listing()
        if not self.listing_allowed:
            return []
        try:
            entries = sorted(os.listdir(self.base / folder if folder else self.base))
        except OSError:
            return []
        self.listed.update(posixpath.join(folder, e) if folder else e for e in entries)
        return entries


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


def _python(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
    if "import" not in text:  # nothing to parse for (a hello world: no `ast` to load either)
        return
    if len(text) > ctx.parse_limit:  # too large to parse in one go: line by line
        yield from _python_by_lines(text)
        return
    import ast

    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        yield from _python_by_lines(text)
        return
    package = _dir(name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _python_module("", alias.name)
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
            yield from _python_module(start, module)
            prefix = posixpath.join(start, *module.split(".")) if module else start
            for alias in node.names:
                if alias.name != "*":
                    yield (
                        _module_files(posixpath.join(prefix, alias.name) if prefix else alias.name)
                    )


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


_PY_IMPORT = LazyPattern(r"^\s*(?:from\s+([\w.]+)\s+import\s+([\w, ]+)|import\s+([\w., ]+))", re.M)


def _python_by_lines(text: str) -> Iterator[Alternatives]:
    """Imports of a file that does not parse (it is being edited): line by line, absolute only."""
    for match in _PY_IMPORT.finditer(text):
        if match[1] is not None:
            if match[1].startswith("."):
                continue
            yield from _python_module("", match[1])
            base = match[1].replace(".", "/")
            yield from (
                _module_files(f"{base}/{n.strip()}") for n in match[2].split(",") if n.strip()
            )
        else:
            for item in match[3].split(","):
                words = item.split()
                if words:
                    yield from _python_module("", words[0])


# --- JavaScript / TypeScript -------------------------------------------------------------

_JS_SPEC = LazyPattern(
    r"""(?:\brequire\s*\(\s*|\bimport\s*\(\s*|\bfrom\s+|^\s*import\s+|^\s*export\s+[^;'"]*?\bfrom\s+)"""
    r"""(['"])(\.{1,2}/[^'"\n]+)\1""",
    re.M,
)
_JS_EXTENSIONS = (".js", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".jsx", ".json")


def _strip_line_comments(text: str, leader: str) -> str:
    return "\n".join("" if line.lstrip().startswith(leader) else line for line in text.splitlines())


def _javascript(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
    for match in _JS_SPEC.finditer(_strip_line_comments(text, "//")):
        path = _join(_dir(name), match[2].split("?", 1)[0])
        if path is None:
            continue
        stem = path[:-3] if path.endswith(".js") else None  # tsc/deno: `./x.js` is `x.ts`
        options = [path, *(path + ext for ext in _JS_EXTENSIONS)]
        if stem:
            options += [stem + ".ts", stem + ".tsx"]
        options += [f"{path}/index{ext}" for ext in _JS_EXTENSIONS]
        yield options


# --- Ruby, Lua, PHP, Perl, shells, Tcl, R ------------------------------------------------

_RUBY = LazyPattern(
    r"""^\s*(?:(require_relative)|require|load)\s*\(?\s*(['"])([^'"\n#{}]+)\2""", re.M
)


def _ruby(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
    for match in _RUBY.finditer(text):
        spec = match[3]
        if match[1]:
            path = _join(_dir(name), spec)
        elif spec.startswith(("./", "../")):  # `require "./x"`: from the working directory
            path = _join("", spec)
        else:
            continue
        if path is not None:
            yield [path] if path.endswith(".rb") else [path + ".rb", path]


_LUA = LazyPattern(
    r"""\b(?:(require)\s*\(?\s*(['"])([\w.\-/]+)\2|(dofile|loadfile)\s*\(\s*(['"])([^'"\n]+)\5)"""
)


def _lua(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
    for match in _LUA.finditer(_strip_line_comments(text, "--")):
        if match[1]:
            path = _join("", match[3].replace(".", "/"))  # package.path `./?.lua`
            if path is not None:
                yield [f"{path}.lua", f"{path}/init.lua"]
        else:
            path = _join("", match[6])
            if path is not None:
                yield [path]


_PHP = LazyPattern(
    r"""\b(?:include|include_once|require|require_once)\s*\(?\s*"""
    r"""(__DIR__\s*\.\s*|dirname\s*\(\s*__FILE__\s*\)\s*\.\s*)?(['"])([^'"\n$]+)\2"""
)


def _php(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
    for match in _PHP.finditer(text):
        spec = match[3]
        if match[1]:  # __DIR__ . '/x.php': beside this file
            path = _join(_dir(name), spec.lstrip("/"))
            if path is not None:
                yield [path]
            continue
        options = [p for p in (_join("", spec), _join(_dir(name), spec)) if p is not None]
        if options:  # include_path '.' (the working directory), then the script's folder
            yield options


_PERL_LIB = LazyPattern(r"""^\s*use\s+lib\s+(.+?);""", re.M)
_PERL_USE = LazyPattern(r"""^\s*(?:use|require)\s+([A-Za-z_][\w:]*)\s*[^;]*;""", re.M)
_PERL_FILE = LazyPattern(r"""\b(?:require|do)\s*\(?\s*(['"])([^'"\n$]+)\1""")
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


def _perl(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
    if name == ctx.main_name:
        ctx.perl_lib_dirs = _perl_lib_dirs(text)
    if ctx.perl_lib_dirs:
        for match in _PERL_USE.finditer(text):
            module = match[1]
            if module in _PERL_PRAGMAS or module[0].islower():
                continue
            rel = module.replace("::", "/") + ".pm"
            options = [p for d in ctx.perl_lib_dirs if (p := _join(d, rel)) is not None]
            if options:
                yield options
    for match in _PERL_FILE.finditer(text):
        spec = match[2]
        if spec.startswith(("./", "../")):
            path = _join("", spec)
            if path is not None:
                yield [path]
        else:
            options = [p for d in ctx.perl_lib_dirs if (p := _join(d, spec)) is not None]
            if options:
                yield options


_SHELL = LazyPattern(r"""^\s*(?:source|\.)\s+(.+)$""", re.M)
#: `$(dirname "$0")/`, `$(dirname "${BASH_SOURCE[0]}")/`, `${BASH_SOURCE%/*}/`, `${0%/*}/`
#: (quotes already removed): the script's own folder
_SHELL_HERE = LazyPattern(
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


def _bash(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
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
            yield [path]


_TCL = LazyPattern(
    r"""^\s*source\s+(?:\[file\s+join\s+\[file\s+dirname\s+\[info\s+script\]\]\s+([^\]\s]+)\]|(\S+))""",
    re.M,
)


def _tcl(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
    for match in _TCL.finditer(text):
        spec, folder = (match[1], _dir(name)) if match[1] else (match[2], "")
        spec = spec.strip('"{}')
        if "$" in spec or "[" in spec:
            continue
        path = _join(folder, spec)
        if path is not None:
            yield [path]


_R = LazyPattern(r"""\b(?:sys\.)?source\s*\(\s*(?:file\s*=\s*)?(['"])([^'"\n]+)\1""")


def _r(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
    for match in _R.finditer(_strip_line_comments(text, "#")):
        path = _join("", match[2])
        if path is not None:
            yield [path]


# --- C, C++, Rust, Java ------------------------------------------------------------------

_INCLUDE = LazyPattern(r"""^\s*#\s*include\s*"([^"\n]+)\"""", re.M)


def _c_family(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
    for match in _INCLUDE.finditer(text):
        path = _join(_dir(name), match[1])  # the including file's folder first
        if path is not None:
            yield [path]


_RUST_MOD = LazyPattern(
    r"""^\s*(?:#\[path\s*=\s*"([^"]+)"\]\s*)?(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;""", re.M
)


def _rust(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
    stem = posixpath.splitext(posixpath.basename(name))[0]
    owns_folder = name == ctx.main_name or stem in ("mod", "main", "lib")
    folder = _dir(name) if owns_folder else posixpath.join(_dir(name), stem)
    for match in _RUST_MOD.finditer(_strip_line_comments(text, "//")):
        if match[1]:
            path = _join(_dir(name), match[1])
            if path is not None:
                yield [path]
            continue
        module = match[2]
        options = [
            p for p in (_join(folder, f"{module}.rs"), _join(folder, f"{module}/mod.rs")) if p
        ]
        yield options


_JAVA_COMMENT = LazyPattern(r"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"", re.S)
_JAVA_IMPORT = LazyPattern(r"^\s*import\s+(?!static\b)([\w.]+?)(\.\*)?\s*;", re.M)
_IDENTIFIER = LazyPattern(r"\b[A-Z][A-Za-z0-9_$]*\b")


def _java(name: str, text: str, ctx: _Context) -> Iterator[Alternatives]:
    """Classes of this file's folder that it names, and classes of imported package folders."""
    code = _JAVA_COMMENT.sub(" ", text)
    folder = _dir(name)
    used = set(_IDENTIFIER.findall(code))
    for entry in ctx.listing(folder):
        if entry.endswith(".java") and entry[:-5] in used:
            path = _join(folder, entry)
            if path is not None:
                yield [path]
    for match in _JAVA_IMPORT.finditer(code):
        dotted = match[1].replace(".", "/")
        if match[2]:
            yield from (
                [p]
                for entry in ctx.listing(dotted)
                if entry.endswith(".java") and (p := _join(dotted, entry)) is not None
            )
        else:
            path = _join("", dotted + ".java")
            if path is not None:
                yield [path]


_RESOLVERS: dict[str, Callable[[str, str, _Context], Iterable[Alternatives]]] = {
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


# --- reading, containment, ignore rules -----------------------------------------------------------


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
        if not os.path.lexists(path):  # one system call for the usual miss (resolve takes more)
            return None
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


class _Cancel(Protocol):
    def is_set(self) -> bool: ...


class _Walk:
    """One discovery's running state: what was found, and whether (and why) it must stop."""

    def __init__(self, bounds: Bounds, cancel: _Cancel | None) -> None:
        self.bounds = bounds
        self.cancel = cancel
        self.started = time.monotonic()
        self.found: dict[str, SentFile] = {}
        self.oversized: dict[str, int] = {}
        self.notes: list[str] = []
        self.references = 0

    def stop_reason(self) -> str | None:
        """Why discovery must stop now (cancelled, out of time), or None."""
        if self.cancel is not None and self.cancel.is_set():
            return "cancelled"
        if time.monotonic() - self.started > self.bounds.seconds:
            return f"stopped after {self.bounds.seconds:g} s"
        return None

    def references_left(self) -> bool:
        """Count one import reference to look at; False once the bound is reached."""
        if self.references >= self.bounds.max_references:
            return False
        self.references += 1
        return True

    def result(self, note: str | None = None) -> Discovery:
        if note is not None:
            self.notes.append(note)
        return Discovery(
            tuple(self.found.values()),
            tuple(self.oversized.items()),
            tuple(self.notes),
            self.references,
        )


def _not_applied(reason: str) -> str:
    return (
        f"could not read the ignore rules ({reason}): ignore rules were not applied; only "
        "files imported by name were sent"
    )


def discover_imports(
    language: str,
    main_path: Path | str,
    main_text: str,
    *,
    root: Path | str | None = None,
    buffer_text: BufferText | None = None,
    bounds: Bounds | None = None,
    cancel: _Cancel | None = None,
) -> Discovery:
    """The local files `main_path` imports, transitively, as names relative to its folder.

    `root` (the workspace folder) further limits where files may be; `buffer_text` gives an
    open buffer's text for a path (None: read the disk); `cancel` (a `threading.Event`, say)
    stops discovery when set: it is checked at every import reference, as the bounds are.
    The main file itself is never listed.
    """
    bounds = bounds or Bounds()
    resolver = _RESOLVERS.get(language)
    if resolver is None:
        return Discovery()
    walk = _Walk(bounds, cancel)
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
    ctx = _Context(base, main.name, parse_limit=bounds.max_parse_bytes)
    failure_noted = False
    loaded: list[IgnoreRules | None] = []

    def load_rules() -> IgnoreRules | None:
        """The ignore rules, read at their first use (a program importing nothing local,
        listing no folder, never needs them); unreadable ones forbid listings from then on."""
        nonlocal failure_noted
        if not loaded:
            from unsandbox_ls.runs.ignore_rules import IgnoreRules

            loaded.append(IgnoreRules.for_folder(real_base))
            rules = loaded[0]
            if rules is not None and rules.failure is not None:
                ctx.listing_allowed = False
                failure_noted = True
                walk.notes.append(_not_applied(rules.failure))
        return loaded[0]

    ctx.before_listing = load_rules

    def ignored(name: str) -> bool:
        """Whether git ignores the file by its name here or where its symlinks lead; with
        unreadable rules, also anything a folder listing (not an import by name) found."""
        nonlocal failure_noted
        rules = load_rules()
        if rules is None:
            return False
        path = real_base / name
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            real = path
        verdict = rules.ignored_path(path) or rules.ignored_path(real)
        if rules.failure is not None:
            ctx.listing_allowed = False
            if not failure_noted:
                failure_noted = True
                walk.notes.append(_not_applied(rules.failure))
            return verdict or name in ctx.listed
        return verdict

    given_folder = os.path.dirname(os.fspath(main_path))  # paths in the form given
    seen: set[str] = {main.name}
    total = 0
    level: list[tuple[str, str]] = [(main.name, main_text)]
    exhausted = False  # the reference bound was reached: read what was wanted, then stop
    while level and not exhausted:
        wanted: dict[str, None] = {}
        importer: dict[str, str] = {}
        looked: set[tuple[str, ...]] = set()
        for name, text in level:
            if exhausted:
                break
            for options in resolver(name, text, ctx):
                if not walk.references_left():
                    exhausted = True
                    break
                stop = walk.stop_reason()
                if stop is not None:
                    return walk.result(stop)
                key = tuple(options)
                if key in looked:
                    continue
                looked.add(key)
                choice = _first_existing(options, reader, seen, base)
                if choice is not None and choice not in wanted and not ignored(choice):
                    wanted[choice] = None
                    importer[choice] = name
        next_level: list[tuple[str, str]] = []
        for name in wanted:
            seen.add(name)
            if len(walk.found) + len(walk.oversized) >= bounds.max_files:
                return walk.result(f"stopped after {bounds.max_files} files")
            stop = walk.stop_reason()
            if stop is not None:
                return walk.result(stop)
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
                    walk.oversized[name] = size
                    continue
                if total + size > bounds.max_total_bytes:
                    return walk.result(f"stopped after reading {total} bytes")
                content = reader.read(path, bounds.max_file_bytes)
                if content is None:
                    continue
                if len(content) > bounds.max_file_bytes:
                    walk.oversized[name] = len(content)
                    continue
                item = SentFile.from_bytes(name, content, path=local, origin="disk", why=why)
            total += item.size
            walk.found[name] = item
            # decoded once, when the file was made; a file that is not UTF-8 is read leniently
            text = item.text if item.text is not None else item.content.decode("utf-8", "replace")
            next_level.append((name, text))
        level = next_level
    if exhausted:
        return walk.result(f"stopped after {bounds.max_references} import references")
    return walk.result()


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
