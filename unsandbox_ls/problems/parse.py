"""The entry point from a run's output to problems: pick the language's parsers and run them."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import replace
from typing import cast

from .cleaning import clean_lines
from .model import Problem
from .parsers import BOTH_STREAMS, FALLBACK, PARSERS

Parser = Callable[[list[str]], list[Problem]]
_Key = tuple[str, str, str | None, tuple[tuple[str, int, int | None], ...]]


def _parser(name: str) -> Parser:
    module = importlib.import_module(f"{__package__}.parsers.{name}")
    return cast(Parser, module.parse)


def parse_output(language: str, stderr: str, stdout: str = "") -> list[Problem]:
    """Problems found in a run's output, in the order printed; frames innermost first.

    The text is cleaned first (ANSI escapes, CRLF). Languages in `BOTH_STREAMS` (PHP) are also
    read on stdout, and identical problems are reported once: the same severity, message and
    code at the same frames (path, line and column), so that one message printed at several
    columns of a line stays several problems; `repeats` counts how many times one stream
    printed it.
    """
    names = PARSERS.get(language.lower(), FALLBACK)
    streams = [stderr]
    if language.lower() in BOTH_STREAMS and stdout:
        streams.append(stdout)
    found: list[Problem] = []
    #: a problem's key → (its index in `found`, the stream it was first read on)
    seen: dict[_Key, tuple[int, int]] = {}
    for number, stream in enumerate(streams):
        if not stream:
            continue
        lines = clean_lines(stream)
        for name in names:
            for problem in _parser(name)(lines):
                key = _key(problem)
                if key not in seen:
                    seen[key] = (len(found), number)
                    found.append(problem)
                elif seen[key][1] == number:  # printed again (a loop), not on the other stream
                    at = seen[key][0]
                    found[at] = replace(found[at], repeats=found[at].repeats + 1)
    return found


def _key(problem: Problem) -> _Key:
    frames = tuple((frame.path, frame.line, frame.column) for frame in problem.frames)
    return (problem.severity, problem.message, problem.code, frames)
