"""Normalising a run's output before any pattern sees it.

ANSI escapes (colours, cursor moves, OSC hyperlinks) are removed, CRLF and lone CR become LF,
the note the local sandbox appends to a stream it cut (`[… N more bytes of stderr were
discarded]`, not the program's output) is dropped with the line before it (cut in the middle),
and every line is cut to `MAX_LINE` characters so that no regular expression ever runs over an
unbounded line. Of a very long output only the first and last `KEEP_LINES` lines are read:
compilers report first, runtimes print their traceback last, and an editor has no use for
thousands of diagnostics from the middle of a runaway loop's output.
"""

from __future__ import annotations

import re

#: Lines longer than this are cut before matching; no real location line comes close.
MAX_LINE = 4096

#: Lines kept from each end of a longer output (a 3000-frame recursion traceback fits).
KEEP_LINES = 10_000

_ANSI = re.compile(
    r"\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)"  # OSC ... BEL or ST (hyperlinks, titles)
    r"|\x1b\[[0-?]{0,64}[ -/]{0,8}[@-~]"  # CSI sequences (colours, cursor)
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
)

#: the note the local sandbox appends to a stream cut at its cap (`unsandbox_ls.sandbox.runner`),
#: with the line the cap cut in the middle just before it
TRUNCATION_MARKER = re.compile(
    r"^[^\n]*\n\[… \d+ more bytes of std(?:out|err) were discarded\]$\n?", re.M
)


def clean(text: str) -> str:
    """Strip ANSI escapes and the truncation marker; normalise line endings to LF."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "more bytes of std" in text:
        text = TRUNCATION_MARKER.sub("", text)
    return text


def clean_lines(text: str) -> list[str]:
    """`clean` the text and split it into lines of at most `MAX_LINE` characters; of more than
    twice `KEEP_LINES` lines, the first and the last `KEEP_LINES` with an empty line between."""
    if len(text) > 200 * KEEP_LINES:
        head_end = _nth_newline(text, KEEP_LINES)
        tail_start = _nth_newline_from_end(text, KEEP_LINES)
        if 0 <= head_end < tail_start:
            text = text[:head_end] + "\n\n" + text[tail_start + 1 :]
    lines = clean(text).split("\n")
    if len(lines) > 2 * KEEP_LINES:
        lines = [*lines[:KEEP_LINES], "", *lines[-KEEP_LINES:]]
    return [line[:MAX_LINE] for line in lines]


def _nth_newline(text: str, count: int) -> int:
    position = -1
    for _ in range(count):
        position = text.find("\n", position + 1)
        if position < 0:
            return -1
    return position


def _nth_newline_from_end(text: str, count: int) -> int:
    position = len(text)
    for _ in range(count):
        position = text.rfind("\n", 0, position)
        if position < 0:
            return -1
    return position
