"""The start-up hook's framed blocks kept out of output shown while the job runs.

The hook writes its report (`--- unsandbox-ls boot NONCE ---`) and its results in place
(`--- unsandbox-ls in-place NONCE ---`) on stderr, each closed by `--- unsandbox-ls end NONCE ---`.
Once the run ends, `execute` takes them out of the whole stderr (`hooks.startup.take_report`,
`runs.in_place.take_in_place`); pieces shown while it runs go through `LiveBlockFilter` first,
so that what was shown live is what the result shows.
"""

from __future__ import annotations

_MARK = "--- unsandbox-ls "


class LiveBlockFilter:
    """Feed it stderr piece by piece; it returns what may be shown now.

    Lines inside one of this run's blocks are dropped; an unfinished last line that could
    still become a block's first line is held back until its end comes."""

    def __init__(self, nonce: str) -> None:
        self._opening = (f"{_MARK}boot {nonce} ---", f"{_MARK}in-place {nonce} ---")
        self._closing = f"{_MARK}end {nonce} ---"
        self._held = ""
        self._inside = False

    def feed(self, text: str) -> str:
        text = self._held + text
        self._held = ""
        shown: list[str] = []
        for line in text.splitlines(keepends=True):
            if not line.endswith("\n"):  # unfinished: hold it while it may be a marker
                if self._inside or line.startswith(_MARK) or _MARK.startswith(line):
                    self._held = line
                else:
                    shown.append(line)
                break
            bare = line.rstrip("\r\n")
            if self._inside:
                self._inside = bare != self._closing
            elif bare in self._opening:
                self._inside = True
            else:
                shown.append(line)
        return "".join(shown)
