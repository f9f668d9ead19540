"""From a run's output to problems, and from problems to diagnostics or terminal lines.

`parse_output` (parse.py) reads the output; `Target` (mapping.py) describes the buffer that was
run and the files sent with it (`SentFile`); `to_diagnostics` (lsp.py) and `to_terminal_lines`
(text.py) present the result; `fallback_problem` (fallback.py) covers a failed run that printed
nothing recognisable. These names are importable from the package itself, but the submodules
(and lsprotocol) are only imported when a name is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fallback import fallback_problem
    from .lsp import to_diagnostics
    from .mapping import SentFile, Target
    from .model import Frame, Problem
    from .parse import parse_output
    from .text import to_terminal_lines

_EXPORTS = {
    "parse_output": "parse",
    "Target": "mapping",
    "SentFile": "mapping",
    "to_diagnostics": "lsp",
    "to_terminal_lines": "text",
    "fallback_problem": "fallback",
    "Problem": "model",
    "Frame": "model",
}

__all__ = [
    "Frame",
    "Problem",
    "SentFile",
    "Target",
    "fallback_problem",
    "parse_output",
    "to_diagnostics",
    "to_terminal_lines",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
