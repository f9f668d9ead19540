"""Source + settings + magic comment → `Plan` (the API request, checked) or `RunRefused`.

The same for the language server and `unsandbox-ls run`: the language (explicit, `languageMap`,
extension, shebang, editor id), the file's magic comment (which overrides the settings, except
what the caller pins, such as a command-line flag), the files that go along (discovered imports,
the `inputFiles` globs, `files=` of the magic comment and the CLI's `-f`), and the API's limits.
Nothing here sends anything; reading files blocks, so the server calls `build_plan` in a worker
thread.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol, TypeVar

from unsandbox_ls.api.limits import MAX_INPUT_FILE_BYTES, TTL_DEFAULT
from unsandbox_ls.languages import EXTENSIONS, MAIN_FILE_NAMES, comment_leader, detect_language
from unsandbox_ls.runs.magic_comment import MagicCommentError, MagicOptions, parse_magic_comment
from unsandbox_ls.runs.source import Source
from unsandbox_ls.sent_file import SentFile

if TYPE_CHECKING:
    from unsandbox_ls.api.models import ExecuteRequest, RawRunRequest
    from unsandbox_ls.hooks.startup import Boot
    from unsandbox_ls.problems.mapping import Target
    from unsandbox_ls.runs.files import FileScope
    from unsandbox_ls.runs.imports import Discovery

T = TypeVar("T")
Mode = Literal["auto", "async", "sync"]
#: an open buffer's text for a local path, or None when it is not open
BufferText = Callable[[Path], "str | None"]

DISCOVERY_OFF = (
    "discover=false in the magic comment, the unsandbox.discoverImports setting, or "
    "--no-discover on the command line"
)


class Cancel(Protocol):
    """What stops discovery when set (a `threading.Event`)."""

    def is_set(self) -> bool: ...


class RunRefused(Exception):
    """The run cannot be sent (nothing was sent); the message is for the user."""


class RunSettings(NamedTuple):
    """What the caller decides: the editor's settings, or the command line's flags.

    `pinned` names the options (`ttl`, `network_mode`, `env`, `return_artifact`,
    `return_wasm_artifact`, `vcpu`, `mode`, `discover_imports`) the magic comment may not
    change: the CLI pins the flags given.
    `input_files` are globs that may match nothing (the `inputFiles` setting); they, `files=`
    of the magic comment and the discovered imports must lie inside the file's folder, the
    workspace folder holding it, or one of `extra_roots` (the user's own choice), see
    `runs.files`. `extra_files` are paths the user named on the command line (`-f`): any
    regular file, placed under its plain name.
    """

    ttl: int = TTL_DEFAULT
    network_mode: str = "zerotrust"
    env: Mapping[str, str] = {}  # one dict shared by the defaults: never changed in place
    input_files: tuple[str, ...] = ()
    extra_files: tuple[str, ...] = ()
    extra_roots: tuple[str, ...] = ()
    return_artifact: bool = False
    return_wasm_artifact: bool = False
    vcpu: int = 1
    mode: Mode = "async"
    language: str | None = None
    language_map: Mapping[str, str] = {}
    discover_imports: bool = True
    workspace_roots: tuple[str, ...] = ()
    pinned: frozenset[str] = frozenset()
    #: the program's standard input: a file relative to the file's folder (contained like
    #: `input_files`), or `stdin_data` (the command line's own stdin, `--stdin -`)
    stdin: str | None = None
    stdin_data: bytes | None = None
    #: the program's arguments (None: the magic comment's, else none)
    args: tuple[str, ...] | None = None
    #: results in place: the start-up hook records which line wrote what, and the values at
    #: an uncaught exception (`runs.in_place`)
    in_place: bool = True


class Plan(NamedTuple):
    """A run ready to send: the request, how to send it, and how to read its output.

    `files` is every file that goes, each a `SentFile` made once: the program first (origin
    `program`, under the name the sandbox gives it), then the files sent with it. The request's
    input files, the problems' `target` and every record of the run are views of them.
    """

    source: Source
    language: str | None
    request: ExecuteRequest | RawRunRequest
    mode: Mode
    files: tuple[SentFile, ...]
    notes: tuple[str, ...] = ()
    discovered: bool = False
    #: the start-up hook the run carries (its files, variables and nonce), or None
    boot: Boot | None = None
    #: the tree path of the file given as standard input, and the program's arguments
    stdin_name: str | None = None
    args: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.source.name

    @property
    def program(self) -> SentFile:
        return self.files[0]

    @property
    def target(self) -> Target:
        """Where the problems land: the buffer and the files a frame may land in, made when
        read (the diagnostics' module loads once the request is sent)."""
        return _target(self.source, self.program.name, self.sent)

    @property
    def sent(self) -> tuple[SentFile, ...]:
        """The files sent with the program (the request's input files)."""
        return self.files[1:]

    @property
    def shown_files(self) -> tuple[SentFile, ...]:
        """The files a user is told went: the program, then the others it may see."""
        return tuple(f for f in self.files if f.shown)

    @property
    def file_count(self) -> int:
        """How many files go, as a user counts them: the code and every file shown."""
        return len(self.shown_files)

    @property
    def given(self) -> str:
        """What the program was given, for the summary and the lens: `stdin: input.txt, args:
        5 --verbose`, or the empty string."""
        import shlex

        parts = []
        if self.stdin_name:
            parts.append(f"stdin: {self.stdin_name}")
        if self.args:
            parts.append("args: " + shlex.join(self.args))
        return ", ".join(parts)


def submitted_name(language: str | None) -> str:
    """The name the sandbox saves the code under: `main.py`, `Main.java` …"""
    if language is None:
        return "main"
    if language in MAIN_FILE_NAMES:
        return MAIN_FILE_NAMES[language]
    ext = next((e for e, lang in EXTENSIONS.items() if lang == language), language)
    return f"main.{ext}"


class _Detect:
    """The default of `build_plan`'s `language`: choose it there."""


DETECT = _Detect()


def choose_language(source: Source, settings: RunSettings) -> str | None:
    """The API language: explicit, else `languageMap`, extension, shebang, editor id.

    Chosen once per run: a caller that needs it before the plan (the server's `runStarted`, a
    cell's comment leader, the CLI's shebang fallback) passes it on to `build_plan`."""
    if settings.language:
        return settings.language
    detection = detect_language(
        source.path or source.name,
        source.text,
        editor_language_id=source.language_id,
        overrides=dict(settings.language_map),
    )
    return detection.language if detection else None


def _winner(settings: RunSettings, option: str, magic_value: T | None, setting: T) -> T:
    """The magic comment's value of an option, unless it has none or the caller pinned it."""
    return setting if option in settings.pinned or magic_value is None else magic_value


def _map_key(name: str, language_id: str | None) -> str:
    return name.rsplit(".", 1)[1] if "." in name.lstrip(".") else (language_id or "myLanguage")


def build_plan(
    source: Source,
    settings: RunSettings,
    *,
    buffer_text: BufferText | None = None,
    cancel: Cancel | None = None,
    language: str | _Detect | None = DETECT,
) -> Plan:
    """The plan of a run; `RunRefused` (saying why, and that nothing was sent) if it cannot go.

    Blocking: it reads the files that go along. `buffer_text` gives the editor's text of an
    open file (unsaved changes included), which is sent instead of the disk's. `language` is
    the caller's `choose_language(source, settings)` when it has one already. `cancel` (a
    `threading.Event`) set while discovery runs stops it, and the run is refused.
    The request is validated here, once.
    """
    from unsandbox_ls.api.errors import ValidationError
    from unsandbox_ls.api.models import ExecuteRequest, InputFile, RawRunRequest, RunOptions

    name = source.name
    if isinstance(language, _Detect):
        language = choose_language(source, settings)
    if language is None and source.kind != "shebang":
        raise RunRefused(
            f"cannot tell the language of {name}; map its extension or language id in the "
            f'unsandbox.languageMap setting (e.g. {{"{_map_key(name, source.language_id)}": '
            f'"python"}})'
        )
    try:
        magic = parse_magic_comment(list(source.lines), comment_leader(language or "python"))
    except MagicCommentError as exc:
        raise RunRefused(f"{name}: {exc}; nothing was sent") from None
    discover = _winner(settings, "discover_imports", magic.discover, settings.discover_imports)
    sent: list[SentFile] = []
    notes: tuple[str, ...] = ()
    discovered = False
    # a shebang run (`/run`) takes no input files: discovery is skipped, and files named by a
    # pattern are refused by the request's validation, saying so
    if source.kind != "shebang" and language is not None and discover and source.path:
        found = _discover(source, language, settings, buffer_text, cancel)
        if cancel is not None and cancel.is_set():
            raise RunRefused(f"{name}: cancelled; nothing was sent")
        discovered = True
        notes = found.notes
        _refuse_oversized(name, found)
        _contain_discovered(source, settings, found)
        sent += found.files  # paths in the form the source's was given (relative on a CLI)
    _merge(sent, _named_files(source, settings, magic), name)
    stdin_name = _add_stdin(source, settings, magic, sent)
    args = _winner(settings, "args", magic.args, settings.args) or ()
    code_name = submitted_name(language)
    clash = next((s for s in sent if s.name == code_name), None)
    if clash is not None:
        raise RunRefused(
            f"{name}: {clash.path} would be sent as {code_name}, the name the sandbox gives the "
            f"program itself; rename that file (or turn import discovery off: {DISCOVERY_OFF}); "
            f"nothing was sent"
        )
    pinned_env = "env" in settings.pinned
    env = {**magic.env, **settings.env} if pinned_env else {**settings.env, **magic.env}
    boot: Boot | None = None
    if source.kind != "shebang" and language is not None:
        from unsandbox_ls.runs.hooked import with_hook

        records = _winner(settings, "in_place", magic.in_place, settings.in_place)
        hooked = with_hook(source, language, sent, args, stdin_name, env, records=records)
        if hooked is not None:
            sent, env, boot = hooked
            if records:
                from unsandbox_ls.runs.in_place import IN_PLACE_VARIABLE

                env = {**env, IN_PLACE_VARIABLE: boot.nonce}
    if boot is None and (stdin_name or args):
        raise RunRefused(_no_hook(name, language, source.kind, stdin_name, args))
    options = RunOptions(
        ttl=_winner(settings, "ttl", magic.ttl, settings.ttl),
        network_mode=_winner(settings, "network_mode", magic.network_mode, settings.network_mode),
        env=env,
        input_files=tuple(InputFile(f.wire_name, f.content) for f in sent),
        return_artifact=_winner(
            settings, "return_artifact", magic.return_artifact, settings.return_artifact
        ),
        return_wasm_artifact=_winner(
            settings,
            "return_wasm_artifact",
            magic.return_wasm_artifact,
            settings.return_wasm_artifact,
        ),
        vcpu=_winner(settings, "vcpu", magic.vcpu, settings.vcpu),
    )
    request: ExecuteRequest | RawRunRequest
    if source.kind == "shebang" or language is None:
        request = RawRunRequest(source.code, options)
    else:
        request = ExecuteRequest(language, source.code, options)
    try:
        request.validate()
    except ValidationError as exc:
        hint = f" (turn import discovery off: {DISCOVERY_OFF})" if discovered and sent else ""
        raise RunRefused(f"{name}: {exc}{hint}; nothing was sent") from None
    mode = _winner(settings, "mode", magic.mode, settings.mode)
    program = SentFile.from_text(
        code_name, source.code, path=source.path, uri=source.uri, origin="program",
        why=f"the {source.kind} run's code",
    )  # fmt: skip
    return Plan(
        source=source,
        language=language,
        request=request,
        mode="auto" if mode == "auto" else "sync" if mode == "sync" else "async",
        files=(program, *sent),
        notes=notes,
        discovered=discovered,
        boot=boot,
        stdin_name=stdin_name,
        args=tuple(args),
    )


def _no_hook(
    name: str, language: str | None, kind: str, stdin: str | None, args: tuple[str, ...]
) -> str:
    from unsandbox_ls.hooks.startup import HOOKS

    what = " and ".join(w for w, given in (("standard input", stdin), ("arguments", args)) if given)
    if kind == "shebang" or language is None:
        return (
            f"{name}: {what} cannot be given to a shebang run (POST /run takes no files); "
            f"run the file normally; nothing was sent"
        )
    languages = ", ".join(sorted(HOOKS))
    return (
        f"{name}: {what} cannot be given to a {language} program: the API has no field for "
        f"them, and unsandbox-ls passes them through a start-up hook, which it has for "
        f"{languages}; nothing was sent"
    )


def _add_stdin(
    source: Source, settings: RunSettings, magic: MagicOptions, sent: list[SentFile]
) -> str | None:
    """Send the file given as standard input (contained like `inputFiles`); its name."""
    from unsandbox_ls.runs.files import resolve_entry
    from unsandbox_ls.runs.safe_read import FileRefused, read_regular_file

    entry = _winner(settings, "stdin", magic.stdin, settings.stdin)
    if entry is None:
        return None
    path: str | None
    if entry == "-":
        if settings.stdin_data is None:
            raise RunRefused(
                f"{source.name}: stdin=- means the command line's own standard input "
                f"(unsandbox-ls run --stdin -); name a file instead; nothing was sent"
            )
        data = settings.stdin_data
        tree, path = "stdin.txt", None
        while any(f.name == tree for f in sent):
            tree = "_" + tree
        why = "the command line's own standard input (--stdin -)"
    else:
        base = (os.path.dirname(source.path) or ".") if source.path else "."
        try:
            real = resolve_entry(entry, base, _scope(source, settings), what="stdin file")
            data = read_regular_file(real, limit=MAX_INPUT_FILE_BYTES, label=f"stdin file {entry}")
        except FileRefused as exc:
            raise RunRefused(f"{source.name}: {exc}; nothing was sent") from None
        tree = os.path.basename(entry.rstrip("/"))
        path = os.path.normpath(os.path.join(base, entry))
        why = "given as the program's standard input"
    same = next((f for f in sent if f.name == tree), None)
    if same is None:
        sent.append(SentFile.from_bytes(tree, data, path=path, origin="stdin", why=why))
    elif same.content != data:
        raise RunRefused(
            f"{source.name}: two different files would be sent as {tree!r} (one given as stdin); "
            f"rename one; nothing was sent"
        )
    return tree


def _discover(
    source: Source,
    language: str,
    settings: RunSettings,
    buffer_text: BufferText | None,
    cancel: Cancel | None,
) -> Discovery:
    from unsandbox_ls.runs.imports import discover_imports

    assert source.path is not None
    folder = os.path.dirname(os.path.abspath(source.path))
    root = next((r for r in settings.workspace_roots if _inside(folder, os.path.abspath(r))), None)
    return discover_imports(
        language, Path(source.path), source.code, root=root, buffer_text=buffer_text, cancel=cancel
    )


def _contain_discovered(source: Source, settings: RunSettings, found: Discovery) -> None:
    """The rule of `runs.files` for what discovery read from disk (discovery keeps to the file's
    folder already; this also refuses ~/.unsandbox and the kernel's pseudo file systems)."""
    from unsandbox_ls.runs.files import resolve_entry
    from unsandbox_ls.runs.safe_read import FileRefused

    assert source.path is not None
    base = os.path.dirname(os.path.abspath(source.path))
    scope = _scope(source, settings)
    try:
        for item in found.files:
            if item.origin == "disk":
                resolve_entry(item.name, base, scope, what="imported file")
    except FileRefused as exc:
        raise RunRefused(f"{source.name}: {exc}; nothing was sent") from None


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _refuse_oversized(name: str, found: Discovery) -> None:
    if not found.oversized:
        return
    listed = ", ".join(f"{n} ({size / 1e6:.1f} MB)" for n, size in found.oversized)
    raise RunRefused(
        f"{name} imports files over the API's limit of {MAX_INPUT_FILE_BYTES // (1024 * 1024)} "
        f"MB per file: {listed}; turn import discovery off ({DISCOVERY_OFF}) or make them "
        f"smaller; nothing was sent"
    )


def _scope(source: Source, settings: RunSettings) -> FileScope:
    from unsandbox_ls.runs.files import file_scope

    return file_scope(
        source.path, workspace_roots=settings.workspace_roots, extra_roots=settings.extra_roots
    )


def _named_files(source: Source, settings: RunSettings, magic: MagicOptions) -> list[SentFile]:
    """The files named by patterns, with their local paths: the settings' globs (which may match
    nothing) and `files=` of the magic comment (each must match), contained (`runs.files`); then
    the command line's `-f` files, read wherever they are."""
    from unsandbox_ls.runs.files import named_matches, read_input_files
    from unsandbox_ls.runs.safe_read import FileRefused, read_regular_file

    try:
        base = (os.path.dirname(source.path) or ".") if source.path else None
        matches = named_matches(settings.input_files, magic.files, base, _scope(source, settings))
        found = read_input_files(matches, base or ".")
        for name in settings.extra_files:
            content = read_regular_file(
                name, limit=MAX_INPUT_FILE_BYTES, label=f"input file {name}"
            )
            why = "named by -f on the command line"
            short = os.path.basename(name)
            found.append(SentFile.from_bytes(short, content, path=name, origin="named", why=why))
    except FileRefused as exc:
        raise RunRefused(f"{exc}; nothing was sent") from None
    return found


def _merge(sent: list[SentFile], named: list[SentFile], name: str) -> None:
    """Add the named files after the discovered ones; one name, one file."""
    by_name = {f.wire_name: f for f in sent}
    for item in named:
        other = by_name.get(item.wire_name)
        if other is None:
            sent.append(item)
            by_name[item.wire_name] = item
        elif other.content != item.content:
            raise RunRefused(
                f"{name}: two different files would be sent as {item.wire_name!r} (one imported, "
                f"one named by a file pattern); rename one; nothing was sent"
            )


def _target(source: Source, code_name: str, sent: Sequence[SentFile]) -> Target:
    from unsandbox_ls.problems.mapping import Target

    return Target(
        uri=source.uri,
        lines=source.lines,
        path=source.path,
        line_offset=source.line_offset,
        column_offset=source.column_offset,
        submitted_name=code_name,
        run_id=source.run_id,
        files=tuple(f for f in sent if f.is_target),  # a data file: no frame lands in it
    )
