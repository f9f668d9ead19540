"""Normalising a run's output before any pattern sees it.

ANSI escapes (colours, cursor moves, OSC hyperlinks) are removed, CRLF and lone CR become LF,
and every line is cut to `MAX_LINE` characters so that no regular expression ever runs over an
unbounded line.
"""

from __future__ import annotations

import re

#: Lines longer than this are cut before matching; no real location line comes close.
MAX_LINE = 4096

_ANSI = re.compile(
    r"\x1b\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)"  # OSC ... BEL or ST (hyperlinks, titles)
    r"|\x1b\[[0-?]{0,64}[ -/]{0,8}[@-~]"  # CSI sequences (colours, cursor)
    r"|\x1b[@-Z\\-_]"  # other two-byte escapes
)


def clean(text: str) -> str:
    """Strip ANSI escapes and normalise line endings to LF."""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def clean_lines(text: str) -> list[str]:
    """`clean` the text and split it into lines of at most `MAX_LINE` characters."""
    return [line[:MAX_LINE] for line in clean(text).split("\n")]
