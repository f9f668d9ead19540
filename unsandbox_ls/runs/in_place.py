"""Results in place: which source line wrote what, and the values at the failure.

A run with its language's start-up hook and `inPlace` on carries `UNSANDBOX_LS_IN_PLACE` (the
run's nonce). The hook then records, without touching the program, which line of the user's
files wrote each piece of output and, for an uncaught exception, each user frame's local
variables, and writes them at exit in one block on stderr:

    --- unsandbox-ls in-place NONCE ---
    {"v": 1, "lines": [{"path", "line", "count", "first", "last", "text"}…],
     "frames": [{"path", "line", "function", "values": [[name, repr]…]}…], "error": "…"}
    --- unsandbox-ls end NONCE ---

`take_in_place` removes that block (from `execute`, before anyone reads the output) and parses
it; `place` puts each record on its local file's line (`Spot`), which the language server shows
as inlay hints and hovers and `unsandbox-ls run --annotate` prints. A program that ends through
`os._exit`, is killed, or runs where the sandbox ignores the hook has no block: no spots.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from unsandbox_ls.hooks.records import FrameValues, InPlace, LineOutput

if TYPE_CHECKING:
    from unsandbox_ls.problems.mapping import Target
    from unsandbox_ls.runs.plan import Plan

#: the variable that turns the hook's recording on (its value: the run's nonce)
IN_PLACE_VARIABLE = "UNSANDBOX_LS_IN_PLACE"
#: the most a block may hold (the hook keeps under it; a longer one is not read, only removed)
BLOCK_MAX_CHARS = 64_000
#: how much of an output line an inlay hint shows
HINT_CHARS = 60
#: before the count of a line that wrote many times (then its last line)
TIMES = "\N{MULTIPLICATION SIGN}"
#: how much of one value an inlay hint shows (the hover has the whole repr)
HINT_VALUE_CHARS = 40


def _pattern(nonce: str) -> re.Pattern[str]:
    n = re.escape(nonce)
    return re.compile(
        rf"--- unsandbox-ls in-place {n} ---\n(.{{0,{BLOCK_MAX_CHARS}}}?)\n"
        rf"--- unsandbox-ls end {n} ---\n?",
        re.S,
    )


def take_in_place(text: str, nonce: str | None) -> tuple[str, InPlace | None]:
    """`text` without this run's in-place block, and what the block held (None: no block, or
    one that cannot be read)."""
    if not nonce or "--- unsandbox-ls in-place " not in text:
        return text, None
    pattern = _pattern(nonce)
    match = pattern.search(text)
    if match is None:
        return text, None
    try:
        found = _parse(json.loads(match[1]))
    except (ValueError, TypeError, KeyError):
        found = None
    return pattern.sub("", text), found


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _number(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _parse(body: Any) -> InPlace | None:
    if not isinstance(body, dict) or body.get("v") != 1:
        return None
    lines = tuple(
        LineOutput(
            _text(item.get("path")),
            _number(item.get("line")),
            _number(item.get("count")),
            _text(item.get("first")),
            _text(item.get("last")),
            _text(item.get("text")),
        )
        for item in body.get("lines") or ()
        if isinstance(item, dict)
    )
    frames = tuple(
        FrameValues(
            _text(item.get("path")),
            _number(item.get("line")),
            _text(item.get("function")),
            tuple(
                (str(pair[0]), str(pair[1]))
                for pair in item.get("values") or ()
                if isinstance(pair, list) and len(pair) == 2
            ),
        )
        for item in body.get("frames") or ()
        if isinstance(item, dict)
    )
    error = body.get("error")
    return InPlace(
        tuple(o for o in lines if o.path and o.line),
        tuple(f for f in frames if f.path and f.line),
        error if isinstance(error, str) else None,
    )


# -- on the local files ------------------------------------------------------------------------
@dataclass(frozen=True)
class Spot:
    """The results of one source line of a local file: what it wrote, and the frame that was
    there when the program failed (`failing`: the innermost one, where it raised)."""

    uri: str
    path: str | None
    line: int  # 0-based line of the document
    source: str  # the line's text as it ran (an edited line loses its hint)
    output: LineOutput | None = None
    frame: FrameValues | None = None
    failing: bool = False
    error: str | None = None

    @property
    def label(self) -> str:
        """The inlay hint: `→ left 3`, or the count and the last line of a line that wrote
        many times; at a frame, the values of the names its line uses."""
        parts = []
        if self.output is not None:
            parts.append(output_label(self.output))
        if self.frame is not None:
            used = used_values(self.frame, self.source)
            if used:
                parts.append(", ".join(f"{n}={_trim(v, HINT_VALUE_CHARS)}" for n, v in used))
            elif self.failing and self.error:
                parts.append(_trim(self.error, HINT_CHARS))
        return " · ".join(parts)

    def hover(self) -> str:
        """Markdown: the line's whole output, then the frame's table of values."""
        parts = []
        if self.output is not None:
            times = "once" if self.output.count == 1 else f"{self.output.count} times"
            parts.append(f"**Output of this line** ({times}):\n\n```text\n{self.output.text}\n```")
        if self.frame is not None:
            parts.append(frame_table(self.frame, self.error if self.failing else None))
        return "\n\n".join(parts)


def output_label(out: LineOutput) -> str:
    if out.count > 1:
        return f"{TIMES}{out.count} {_trim(out.last, HINT_CHARS)}"
    more = "…" if out.text.rstrip("\n").count("\n") else ""
    return f"→ {_trim(out.first, HINT_CHARS)}{more}"


def frame_table(frame: FrameValues, error: str | None = None) -> str:
    """The frame's values as a Markdown table (with the error above it, at the failing line)."""
    head = f"**{error}**\n\n" if error else ""
    where = f"Locals of `{frame.function}` (line {frame.line}):"
    if not frame.values:
        return f"{head}{where} none"
    rows = "\n".join(f"| `{n}` | `{_cell(v)}` |" for n, v in frame.values)
    return f"{head}{where}\n\n| name | value |\n|---|---|\n{rows}"


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("`", "'").replace("\n", " ")


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def used_values(frame: FrameValues, source: str) -> list[tuple[str, str]]:
    """The frame's values of the names its source line uses, in the line's order."""
    values = dict(frame.values)
    seen: list[tuple[str, str]] = []
    for name in _NAME.findall(source.split("#", 1)[0]):
        if name in values and all(name != n for n, _ in seen):
            seen.append((name, values[name]))
    return seen


def _trim(text: str, limit: int) -> str:
    text = text.replace("\n", "⏎")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def program_name(plan: Plan) -> str:
    """The program's path in its tree in the sandbox, as the hook names its frames: its own
    file name (the hook re-runs it under it), or the sandbox's name for an untitled buffer."""
    from unsandbox_ls.runs.plan import submitted_name

    return plan.source.name if plan.source.path else submitted_name(plan.language)


def place(found: InPlace | None, target: Target, program: str) -> list[Spot]:
    """Each record on its local file's line: the program (under its tree name `program`) and
    the files sent with it; records of other files (the runtime's, or unknown) are dropped."""
    if found is None:
        return []
    spots: dict[tuple[str, int], Spot] = {}
    innermost = found.frames[-1] if found.frames else None

    def spot(path: str, line: int) -> Spot | None:
        if path == program:
            at, lines, uri = line - 1 + target.line_offset, target.lines, target.uri
            local = target.path
        else:
            sent = next((f for f in target.files if f.name == path and f.uri), None)
            if sent is None or sent.uri is None:
                return None
            at, lines, uri, local = line - 1, sent.lines, sent.uri, sent.path
        if not 0 <= at < len(lines):
            return None
        key = (uri, at)
        if key not in spots:
            spots[key] = Spot(uri, local, at, lines[at].rstrip("\r\n"))
        return spots[key]

    from dataclasses import replace

    for out in found.lines:
        s = spot(out.path, out.line)
        if s is not None:
            spots[(s.uri, s.line)] = replace(s, output=out)
    for frame in found.frames:
        s = spot(frame.path, frame.line)
        if s is not None:
            failing = frame is innermost
            spots[(s.uri, s.line)] = replace(
                s, frame=frame, failing=failing, error=found.error if failing else None
            )
    return list(spots.values())


def annotate(spots: list[Spot], name_of: dict[str, str]) -> list[str]:
    """`unsandbox-ls run --annotate`: each source line that wrote output or failed, with its
    output and values, file by file in the order they came; `name_of` gives a URI's name."""
    out: list[str] = []
    by_uri: dict[str, list[Spot]] = {}
    for s in spots:
        by_uri.setdefault(s.uri, []).append(s)
    for uri, items in by_uri.items():
        for s in sorted(items, key=lambda s: s.line):
            out.append(f"{name_of.get(uri, uri)}:{s.line + 1}: {s.source.strip()}")
            if s.output is not None:
                text = s.output.text.rstrip("\n")
                times = "" if s.output.count == 1 else f" ({TIMES}{s.output.count})"
                out.append(f"    output{times}:")
                out += [f"      {line}" for line in text.split("\n")]
            if s.frame is not None:
                if s.failing and s.error:
                    out.append(f"    failed: {s.error}")
                if s.frame.values:
                    out.append(f"    locals of {s.frame.function}:")
                    out += [f"      {n} = {v}" for n, v in s.frame.values]
                else:
                    out.append(f"    in {s.frame.function}: no values recorded")
    return out
