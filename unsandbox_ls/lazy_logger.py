"""A module's logger that imports `logging` at its first message instead of at import time.

The modules a command-line run passes before its request goes out (the backend, the run, the
run times) log only when something is unusual; `logging` with `threading`, `traceback` and
`string` costs some 4 ms of every `unsandbox-ls run`. What loads later may import it as usual.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import logging


class _LazyLogger:
    """`logging.getLogger(name)`, looked up when an attribute (`info`, `warning` …) is first
    read; the method is the logger's own, so a record names the real caller."""

    __slots__ = ("_logger", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._logger: logging.Logger | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._logger is None:
            import logging

            self._logger = logging.getLogger(self._name)
        return getattr(self._logger, attribute)


def lazy_logger(name: str) -> logging.Logger:
    """The logger `name`, typed as one, whose `logging` import waits for its first use."""
    return cast("logging.Logger", _LazyLogger(name))
