r"""Lua (5.1 to 5.4, LuaJIT): errors with `stack traceback:` frames.

A real sample (Lua 5.4.4)::

    lua5.4: main.lua:2: attempt to index a nil value (field 'a')
    stack traceback:
        main.lua:2: in function <main.lua:1>
        (...tail calls...)
        main.lua:7: in main chunk
        [C]: in ?

and `lua5.4: syn.lua:1: unexpected symbol near '='`. `error(msg, 0)` has no location; the first
traceback frame outside `[C]` then locates it.
"""

from __future__ import annotations

import re

from ..model import Frame, Problem

_HEAD = re.compile(
    r"(?:(?:lua|luajit)[\w.-]{0,20}: )(?:(?P<file>[^:\s\[][^:]{0,1024}):(?P<line>\d{1,9}): )?"
    r"(?P<msg>.*)$"
)
_TRACE = re.compile(r"\t(?P<file>[^:\[\s][^:]{0,1024}):(?P<line>\d{1,9}): in (?P<where>.*)$")


def parse(lines: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    n = len(lines)
    i = 0
    while i < n:
        head = _HEAD.match(lines[i])
        if head is None:
            i += 1
            continue
        start = i
        frames: list[Frame] = []
        if head["file"]:
            frames.append(Frame(head["file"], int(head["line"])))
        i += 1
        if i < n and lines[i].strip() == "stack traceback:":
            i += 1
            traced: list[Frame] = []
            while i < n and lines[i].startswith("\t"):
                trace = _TRACE.match(lines[i])
                if trace:
                    traced.append(
                        Frame(trace["file"], int(trace["line"]), function=_where(trace["where"]))
                    )
                i += 1
            if frames and traced and traced[0].line == frames[0].line:
                frames[0] = Frame(frames[0].path, frames[0].line, function=traced[0].function)
                traced = traced[1:]
            frames.extend(traced)
        text = "\n".join(lines[start:i])
        problems.append(Problem(head["msg"], "error", tuple(frames), None, text))
    return problems


def _where(text: str) -> str:
    for prefix in ("local ", "function ", "method ", "field ", "upvalue "):
        if text.startswith(prefix):
            return text[len(prefix) :].strip("'")
    return text
