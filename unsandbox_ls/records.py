"""How the records on the command line's path are written, and their one shared helper.

The values a run is made of on its way to the request (the source, the plan and its settings,
the request, the files, the keys, the reply) are `typing.NamedTuple`s, not dataclasses: the
command line defines them at every start, and a dataclass costs ~0.7 ms to define on Python 3.11
(its methods are compiled from source each time) and the `dataclasses` module ~10 ms to import,
with `inspect`; a NamedTuple costs ~0.2 ms and needs nothing more. They are immutable; a changed
copy is `record._replace(field=value)`. Mutable state stays in plain classes, and what loads only
once the request is sent (the problems, the report) or in the language server may use
dataclasses.

A record holding a key shows it in no repr: `repr_hiding`.
"""

from __future__ import annotations

from typing import Any


def repr_hiding(record: Any, *secret: str) -> str:
    """`Name(field=value, …)` of a NamedTuple, with the `secret` fields' values hidden (their
    length only)."""
    shown = []
    for name, value in zip(record._fields, record, strict=True):
        if name in secret:
            shown.append(f"{name}=<{len(value or '')} characters hidden>")
        else:
            shown.append(f"{name}={value!r}")
    return f"{type(record).__name__}({', '.join(shown)})"
