"""What part of a buffer a run sends: the whole file, a selection or a `%%` cell.

Every region keeps the 0-based buffer line where its code starts (`line_offset`), so that line 1
of the submitted program maps back to the right line of the buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from unsandbox_ls.runs.source import RunKind


@dataclass(frozen=True)
class Region:
    """The code to submit and where it came from."""

    kind: RunKind
    code: str
    line_offset: int = 0
    column_offset: int = 0


@dataclass(frozen=True)
class Cell:
    """A `%%` cell: the marker line and the last line (both 0-based, inclusive)."""

    start: int
    end: int


def cell_marker(leader: str) -> str:
    return f"{leader} %%"


def is_cell_marker(line: str, leader: str) -> bool:
    stripped = line.lstrip()
    marker = cell_marker(leader)
    return stripped.startswith(marker) or stripped.rstrip("\r\n") == marker.rstrip()


def find_cells(lines: list[str], leader: str) -> list[Cell]:
    """The cells of a buffer: each starts at a marker line and ends before the next one."""
    starts = [i for i, line in enumerate(lines) if is_cell_marker(line, leader)]
    cells: list[Cell] = []
    for n, start in enumerate(starts):
        end = starts[n + 1] - 1 if n + 1 < len(starts) else len(lines) - 1
        cells.append(Cell(start, max(start, end)))
    return cells


def cell_at(lines: list[str], leader: str, line: int) -> Cell | None:
    """The cell containing `line`, or None when it is above the first marker or there is none."""
    for cell in find_cells(lines, leader):
        if cell.start <= line <= cell.end:
            return cell
    return None


def cell_region(lines: list[str], cell: Cell) -> Region:
    """The cell's code; the marker line is sent too (it is a comment) so offsets stay simple."""
    return Region("cell", "".join(lines[cell.start : cell.end + 1]), line_offset=cell.start)


def column_to_index(text: str, units: int, encoding: str = "utf-16") -> int:
    """Index of the code point that starts at offset `units` (in `encoding` code units)."""
    if encoding == "utf-32":
        return min(max(units, 0), len(text))
    count = 0
    for index, char in enumerate(text):
        if count >= units:
            return index
        if encoding == "utf-8":
            count += len(char.encode("utf-8", errors="surrogatepass"))
        else:
            count += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def selection_region(
    lines: list[str],
    start: tuple[int, int],
    end: tuple[int, int],
    *,
    encoding: str = "utf-16",
) -> Region:
    """The selected text (positions are (line, character) in the client's units)."""
    (sl, sc), (el, ec) = sorted([start, end])
    if not lines:
        return Region("selection", "", line_offset=sl)
    past_end = el >= len(lines)  # a selection up to the end of the buffer
    sl = min(max(sl, 0), len(lines) - 1)
    el = min(max(el, 0), len(lines) - 1)

    def index(line: str, char: int) -> int:
        return column_to_index(line, char, encoding)

    if past_end:
        ec = 10**9  # any offset past the line's end means "to the end of the line"

    first, last = lines[sl], lines[el]
    if sl == el:
        code = first[index(first, sc) : index(first, ec)]
    else:
        code = first[index(first, sc) :] + "".join(lines[sl + 1 : el]) + last[: index(last, ec)]
    return Region("selection", code, line_offset=sl, column_offset=index(first, sc))


def is_code_selection(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> bool:
    """Whether a range selects code worth running: more than one character.

    An empty range is a cursor, and so is a one-character range: Helix's block cursor is always
    a selection of the character under it (or of the line break at the end of a line).
    """
    (sl, sc), (el, ec) = sorted((start, end))
    if sl == el:
        return ec - sc > 1
    if el == sl + 1 and ec == 0:  # the rest of line sl and its line break
        line = lines[sl].rstrip("\r\n") if sl < len(lines) else ""
        return sc < len(line)
    return True


def has_shebang(text: str) -> bool:
    return text.startswith("#!")
