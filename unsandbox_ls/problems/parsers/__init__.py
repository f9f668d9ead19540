"""One parser module per language family; each exposes `parse(lines) -> list[Problem]`.

`PARSERS` maps an API language id to the modules tried, in order, on the cleaned output. The
generic `file:line[:col]` parser is the fallback for languages without a module.
"""

from __future__ import annotations

#: API language id → parser module names under this package, tried in order.
PARSERS: dict[str, tuple[str, ...]] = {
    "python": ("python",),
    "javascript": ("javascript",),
    "typescript": ("javascript",),
    "deno": ("javascript",),
    "ruby": ("ruby",),
    "go": ("go",),
    "rust": ("rust",),
    "c": ("c_family",),
    "cpp": ("c_family",),
    "objc": ("c_family",),
    "swift": ("c_family",),
    "java": ("jvm",),
    "kotlin": ("jvm",),
    "groovy": ("jvm",),
    "scala": ("jvm",),
    "csharp": ("csharp",),
    "dotnet": ("csharp",),
    "fsharp": ("csharp", "generic"),
    "php": ("php",),
    "perl": ("perl",),
    "lua": ("lua",),
    "bash": ("shell",),
    "sh": ("shell",),
    "tcl": ("tcl",),
    "elixir": ("elixir",),
    "haskell": ("haskell",),
    "julia": ("julia",),
    "r": ("r",),
}

#: Languages whose tools can print diagnostics on stdout as well as stderr (PHP with
#: `display_errors`; tsc and mcs report compile errors on stdout).
BOTH_STREAMS: frozenset[str] = frozenset({"php", "typescript", "csharp", "dotnet", "fsharp"})

FALLBACK: tuple[str, ...] = ("generic",)
