"""Where problems land in the files that were run, without knowing where the sandbox put them.

A run sends the buffer (the code) and, with it, other local files under relative names
(`helpers.py`, `pkg/util.py`: `Target.files`). A frame belongs to a sent file when its path is
that name or ends with `/name` (`/sandbox/pkg/util.py`, `./helpers.rb`, `file:///src/x.mjs`),
or, for a bare file name such as Java's `Helper.java`, when exactly one sent file has that
name. Otherwise it belongs to the buffer when its basename is the name the code was submitted
under or the client file's own name, when it follows the language's main-script conventions
(`main.<ext>`, `Main.java`, `Main.kt`, `<stdin>`, `<string>`, `-`), or when it is the only
file of the output, apart from the sent files, that is not a runtime internal. Internal frames
(standard libraries, site-packages, `node:` modules, `/rustc/<hash>/`, GOROOT, JDK modules …)
never do. A Tcl procedure frame lands in the file that defines the procedure.

Lines are shifted by the line offset of a selection or cell run and clamped into the document;
columns (1-based code points from the parsers) become 0-based code points here and are converted
to the client's position encoding by `encode_column`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

# the run's own type, re-exported: the files a frame may land in are the files that were sent
from unsandbox_ls.sent_file import SentFile as SentFile

from .model import ColumnUnit, Frame, Problem

_MAIN_NAMES = frozenset({"<stdin>", "<string>", "-", "main", "Main", "MainKt", "Main.kt"})
_MAIN_STEMS = frozenset({"main", "Main", "MainKt"})

_INTERNAL = re.compile(
    r"^(?:node:|internal/|<frozen |\[C\]|\[builtin|native|bun:|ext:|\(\w[\w. -]*\d\) )"
    r"|/lib/python\d|site-packages/|dist-packages/|/rustc/[0-9a-f]{6,}|/\.cargo/registry/"
    r"|/\.rustup/|/usr/lib/go[^/]*/src/|/usr/local/go/src/|^/usr/include/|/usr/lib/gcc/"
    r"|^(?:java|javax|jdk|sun|kotlin|kotlinx)\.[\w.]*/|/usr/share/|/usr/lib/ruby/|/gems/"
    r"|^<internal:|/lib/node_modules/|/node_modules/|^/usr/lib/(?:x86_64|aarch64)-linux-gnu/"
)


@dataclass(frozen=True)
class Target:
    """The buffer a run came from, and the files sent with it.

    `path` is the local file (None for an untitled buffer), `uri` the client's URI, `lines` the
    document's lines at the time of the run, `line_offset` the 0-based document line of the first
    line that was sent (a selection or cell), `column_offset` the code-point column where that
    first line starts (a selection that starts mid-line), and `submitted_name` the file name the
    code was sent under (such as `main.py`), when known. `files` are the other files sent that
    a frame may land in (`SentFile.is_target`: text, with a URI).
    """

    uri: str
    lines: tuple[str, ...] | list[str]
    path: str | None = None
    line_offset: int = 0
    column_offset: int = 0
    submitted_name: str | None = None
    run_id: str | None = None
    extra_names: frozenset[str] = field(default_factory=frozenset)
    files: tuple[SentFile, ...] = ()

    @property
    def basename(self) -> str | None:
        """The local file's name (`script.py`), or None for an untitled buffer."""
        source = self.path or (self.uri if self.uri.startswith("file:") else None)
        if not source:
            return None
        return basename(source)

    def documents(self) -> list[Target]:
        """This buffer, then one target per sent file (whole files: no offsets)."""
        return [self, *(self.sent_document(f) for f in self.files)]

    def sent_document(self, sent: SentFile) -> Target:
        """The target of one sent file, for mapping the frames that land there."""
        return Target(
            uri=sent.uri or "", lines=sent.lines, path=sent.path, submitted_name=sent.name,
            run_id=self.run_id,
        )  # fmt: skip

    def sent_file_for(self, path: str) -> SentFile | None:
        """The sent file a frame's path names, or None (the buffer, or no file that was sent)."""
        if not self.files:
            return None
        clean = path.removeprefix("file://").replace("\\", "/")
        while clean.startswith("./"):
            clean = clean[2:]
        best: SentFile | None = None
        for sent in self.files:
            if (clean == sent.name or clean.endswith("/" + sent.name)) and (
                best is None or len(sent.name) > len(best.name)
            ):
                best = sent
        if best is not None or "/" in clean:
            return best
        if clean in _names(self) or _is_main_name(clean):
            return None
        same = [sent for sent in self.files if basename(sent.name) == clean]
        return same[0] if len(same) == 1 else None


@dataclass(frozen=True)
class Spot:
    """A mapped position: 0-based document line and 0-based code-point columns (end exclusive)."""

    line: int
    start: int
    end: int


@dataclass(frozen=True)
class MappedFrame:
    """A frame of a problem that lies in the buffer or a sent file, with where it lands.

    `document` is the target of the file it lands in (the run's own target for the buffer)."""

    frame: Frame
    spot: Spot
    index: int  # position among the problem's frames, innermost first
    document: Target


def basename(path: str) -> str:
    """The last component of a path or `file://` URL (`/a/b/main.py:3` is not expected here)."""
    path = path.removeprefix("file://")
    return re.split(r"[/\\]", path)[-1]


def is_internal(frame: Frame) -> bool:
    """A runtime, standard-library or third-party frame: shown in messages, never a location."""
    return frame.internal or _INTERNAL.search(frame.path) is not None


def _names(target: Target) -> set[str]:
    names = set(target.extra_names)
    if target.submitted_name:
        names.add(basename(target.submitted_name))
    if target.basename:
        names.add(target.basename)
    return names


def _is_main_name(name: str) -> bool:
    if name in _MAIN_NAMES:
        return True
    stem = name.split(".", 1)[0]
    return stem in _MAIN_STEMS and "." in name


def output_paths(problems: list[Problem]) -> frozenset[str]:
    """The paths of all non-internal frames of a run's problems (and of their related ones)."""
    paths: set[str] = set()
    pending = list(problems)
    while pending:
        problem = pending.pop()
        paths.update(f.path for f in problem.frames if not is_internal(f))
        pending.extend(problem.related)
    return frozenset(paths)


def buffer_frames(
    problem: Problem, target: Target, paths: frozenset[str] | None = None
) -> list[MappedFrame]:
    """The problem's frames that belong to the buffer or to a sent file, innermost first, with
    the document each lands in and its spot there.

    `paths` are the non-internal paths of the whole output (`output_paths`); when it holds a
    single path apart from the sent files', that file is the buffer whatever its name. Without
    it, this problem's own.
    """
    names = _names(target)
    candidates = [(i, f) for i, f in enumerate(problem.frames) if not is_internal(f)]
    if paths is None:
        paths = output_paths([problem])
    only_file = len([p for p in paths if target.sent_file_for(p) is None]) == 1
    mapped: list[MappedFrame] = []
    for index, frame in candidates:
        sent = target.sent_file_for(frame.path)
        document: Target | None = None
        if sent is not None:
            document = target.sent_document(sent)
        else:
            name = basename(frame.path)
            if only_file or name in names or _is_main_name(name):
                document = target
        if document is None:
            continue
        if frame.relative_to and target.files:
            document = _definer(frame.relative_to, document, target)
        mapped.append(MappedFrame(frame, frame_spot(frame, document), index, document))
    return mapped


def _proc_pattern(name: str) -> re.Pattern[str]:
    return re.compile(r"\s*proc\s+:{0,2}" + re.escape(name) + r"(?:\s|$)")


def _definer(name: str, document: Target, target: Target) -> Target:
    """The document defining procedure `name` (Tcl): the frame's own, else the first that does."""
    pattern = _proc_pattern(name)
    for candidate in [document, *target.documents()]:
        if any(pattern.match(text) for text in candidate.lines):
            return candidate
    return document


def clamp_line(target: Target, line: int) -> int:
    """A 0-based document line kept inside the document."""
    last = max(len(target.lines) - 1, 0)
    return min(max(line, 0), last)


def _line_text(target: Target, line: int) -> str:
    return target.lines[line] if 0 <= line < len(target.lines) else ""


def _resolve_line(frame: Frame, target: Target) -> int:
    """The 0-based document line of a frame, resolving definition-relative lines (Tcl procs)."""
    line = frame.line - 1 + target.line_offset
    if frame.relative_to:
        pattern = _proc_pattern(frame.relative_to)
        for number, text in enumerate(target.lines):
            if pattern.match(text):
                return clamp_line(target, number + frame.line - 1)
    return clamp_line(target, line)


def frame_spot(frame: Frame, target: Target) -> Spot:
    """Where in the document a frame lands: the marked span, else the rest of the line from the
    column, else the line's non-blank text."""
    line = _resolve_line(frame, target)
    text = _line_text(target, line)
    body_start = len(text) - len(text.lstrip())
    body_end = len(text.rstrip())
    if frame.column is None:
        return Spot(line, body_start, max(body_end, body_start))
    column, end_column = frame.column, frame.end_column
    if frame.unit != "char":
        basis = frame.echo if frame.echo is not None else text
        column = to_code_points(basis, column, frame.unit)
        if end_column is not None:
            end_column = to_code_points(basis, end_column, frame.unit)
    shift = 0
    if frame.echo is not None:
        echo_body = frame.echo.strip()
        echo_lead = len(frame.echo) - len(frame.echo.lstrip())
        found = text.find(echo_body) if echo_body else -1
        shift = (found if found >= 0 else body_start) - echo_lead
    if frame.echo is None and line == target.line_offset and frame.line == 1:
        shift = target.column_offset
    start = min(max(column - 1 + shift, 0), len(text))
    if end_column is not None and end_column > column:
        end = min(end_column - 1 + shift, len(text))
    else:
        end = body_end
    return Spot(line, start, max(end, start))


def _width(char: str, position: int, unit: ColumnUnit) -> int:
    """How many `unit`s a character takes when it starts at `position` (0-based, in units)."""
    if unit == "byte":
        return len(char.encode("utf-8", "surrogatepass"))
    if unit == "utf-16":
        return 2 if ord(char) > 0xFFFF else 1
    if char == "\t":
        return 8 - position % 8
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def to_code_points(text: str, column: int, unit: ColumnUnit) -> int:
    """A 1-based column counted in `unit` over `text`, as a 1-based code-point column."""
    if unit == "char":
        return column
    target = column - 1
    position = 0
    for index, char in enumerate(text):
        if position >= target:
            return index + 1
        position += _width(char, position, unit)
    return len(text) + 1 + max(target - position, 0)


def excerpt_spot(problem: Problem, target: Target) -> Spot | None:
    """For a problem without a line: the first line of the buffer containing its excerpt."""
    found = excerpt_location(problem, target)
    return found[1] if found is not None and found[0] is target else None


def excerpt_location(problem: Problem, target: Target) -> tuple[Target, Spot] | None:
    """For a problem without a line: the first line containing its excerpt, in the buffer,
    else in the sent files, with the document it is in."""
    if not problem.excerpt:
        return None
    needle = problem.excerpt.strip()
    if not needle:
        return None
    for document in target.documents():
        first = clamp_line(document, document.line_offset)
        for number in range(first, len(document.lines)):
            column = document.lines[number].find(needle)
            if column >= 0:
                return document, Spot(number, column, column + len(needle))
    return None


def file_spot(target: Target) -> Spot:
    """File level: the non-blank text of the first line that was run."""
    line = clamp_line(target, target.line_offset)
    text = _line_text(target, line)
    start = len(text) - len(text.lstrip())
    return Spot(line, start, max(len(text.rstrip()), start))


def encode_column(text: str, column: int, encoding: str = "utf-16") -> int:
    """A 0-based code-point column of `text` in the client's units (utf-16, utf-8 or utf-32)."""
    column = min(max(column, 0), len(text))
    encoding = str(getattr(encoding, "value", encoding)).lower()
    if encoding == "utf-32":
        return column
    prefix = text[:column]
    if encoding == "utf-8":
        return len(prefix.encode("utf-8", "surrogatepass"))
    return column + sum(1 for char in prefix if ord(char) > 0xFFFF)
