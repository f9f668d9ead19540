"""Where a CPython frame printed without column markers lands on its echoed source line.

CPython 3.10 prints no markers at all; 3.11 and later leave them out when they would mark the
whole line, and 3.13 also for `return f(...)` and `name = f(...)` when the call is the whole
value. Such a frame then covers, on the echoed line:

- the call of the frame it called, when that frame's function is known (`parse(text)` in
  `value = parse(text) or default`), with the names it is reached through (`self.parse(...)`);
- else the call a `return f(...)` or `name = f(...)` statement consists of, as 3.13 would have
  marked it;
- else the statement, without its trailing comment.

Spans are 0-based `[start, end)` code-point offsets within the echoed line.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

_OPENERS = {"(": ")", "[": "]", "{": "}"}


def statement_span(echo: str, callee: str | None) -> tuple[int, int] | None:
    """The span a marker-less frame covers in `echo`, or None for a blank line."""
    lead = len(echo) - len(echo.lstrip())
    end = code_end(echo)
    if end <= lead:
        return None
    code = echo[:end]
    if callee is not None and callee.isidentifier():
        call = _call_of(code, callee, lead)
        if call is not None:
            return call
    whole = _whole_value_call(code[lead:])
    if whole is not None:
        return lead + whole[0], lead + whole[1]
    return lead, end


def code_end(line: str) -> int:
    """Where the code of one source line ends: before its comment, trailing blanks dropped.
    A line the tokenizer cannot read to its end (an open bracket or string) keeps what it read
    before the trouble; without a comment found, the whole line counts."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                return len(line[: token.start[1]].rstrip())
    except (tokenize.TokenError, SyntaxError):
        pass
    return len(line.rstrip())


def _call_of(code: str, callee: str, lead: int) -> tuple[int, int] | None:
    """The first call of `callee` in `code` (with a dotted receiver), to its closing bracket
    (or the end of the code when the call goes on past this line)."""
    pattern = re.compile(r"(?<![\w.])(?:[A-Za-z_]\w*\s*\.\s*)*" + re.escape(callee) + r"\s*\(")
    match = pattern.search(code, lead)
    if match is None:
        return None
    close = _closing(code, match.end() - 1)
    return match.start(), close if close is not None else len(code)


def _closing(code: str, opening: int) -> int | None:
    """The offset just past the bracket closing the one at `opening`, skipping strings."""
    stack: list[str] = []
    quote: str | None = None
    i = opening
    while i < len(code):
        char = code[i]
        if quote is not None:
            if char == "\\":
                i += 1
            elif code.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif char in "\"'":
            quote = char * 3 if code.startswith(char * 3, i) else char
            i += len(quote) - 1
        elif char in _OPENERS:
            stack.append(_OPENERS[char])
        elif stack and char == stack[-1]:
            stack.pop()
            if not stack:
                return i + 1
        i += 1
    return None


def _whole_value_call(statement: str) -> tuple[int, int] | None:
    """For `return f(...)` or `name = f(...)` alone on the line: the call's span."""
    try:
        tree = ast.parse(statement)
    except (SyntaxError, ValueError):
        return None
    if len(tree.body) != 1:
        return None
    node = tree.body[0]
    value: ast.expr | None = None
    if isinstance(node, ast.Return) or (isinstance(node, ast.Assign) and len(node.targets) == 1):
        value = node.value
    if not isinstance(value, ast.Call) or value.end_col_offset is None:
        return None
    if value.lineno != 1 or value.end_lineno != 1:
        return None
    encoded = statement.encode("utf-8")
    start = len(encoded[: value.col_offset].decode("utf-8", "replace"))
    end = len(encoded[: value.end_col_offset].decode("utf-8", "replace"))
    return start, end
