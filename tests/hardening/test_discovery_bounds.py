"""Import discovery keeps its bounds whatever the file holds, and a cancel stops it (issue 21, M4).

A 4 MB file of 300,000 imports used to take 22 to 25 s: the time bound was only checked between
files, never while one file's references were looked up, and nothing could stop the worker
thread. The work is measured as a count (`Discovery.references`), never as a time.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from unsandbox_ls.runs.imports import Bounds, discover_imports
from unsandbox_ls.runs.plan import RunRefused, RunSettings, build_plan
from unsandbox_ls.runs.source import Source
from unsandbox_ls.server.state import Run

COUNT = 300_000


@pytest.fixture
def huge(tmp_path: Path) -> tuple[Path, str]:
    """A folder with a 4 MB main.py of 300,000 imports (of modules that mostly do not exist,
    the first few that do)."""
    text = "".join(f"import mod{i:07d}\n" for i in range(COUNT))
    assert len(text) > 4_000_000
    main = tmp_path / "main.py"
    main.write_text(text)
    for i in range(3):
        (tmp_path / f"mod{i:07d}.py").write_text("")
    return main, text


def test_a_file_of_300000_imports_stops_at_a_bound(huge: tuple[Path, str]) -> None:
    """With the default bounds: the reference bound, or the 3 s one on a busy machine."""
    main, text = huge
    found = discover_imports("python", main, text)
    bound = Bounds().max_references
    assert found.references <= bound < COUNT
    assert found.notes in [(f"stopped after {bound} import references",), ("stopped after 3 s",)]


def test_the_reference_bound_stops_discovery_and_keeps_what_it_found(
    huge: tuple[Path, str],
) -> None:
    main, text = huge
    found = discover_imports("python", main, text, bounds=Bounds(seconds=600))
    bound = Bounds().max_references
    assert found.references == bound < COUNT
    assert found.notes == (f"stopped after {bound} import references",)
    assert found.names == ("mod0000000.py", "mod0000001.py", "mod0000002.py")


def test_the_time_bound_is_checked_at_every_reference(huge: tuple[Path, str]) -> None:
    main, text = huge
    found = discover_imports("python", main, text, bounds=Bounds(seconds=0, max_references=COUNT))
    assert found.references == 1
    assert found.notes == ("stopped after 0 s",)


def test_a_cancel_stops_discovery_within_one_reference(huge: tuple[Path, str]) -> None:
    main, text = huge
    cancel = threading.Event()
    looked: list[Path] = []

    def buffer_text(path: Path) -> str | None:  # the editor's buffers; the 500th look cancels
        looked.append(path)
        if len(looked) == 500:
            cancel.set()
        return None

    found = discover_imports(
        "python", main, text, buffer_text=buffer_text, cancel=cancel,
        bounds=Bounds(max_references=COUNT, seconds=600),
    )  # fmt: skip
    assert found.notes == ("cancelled",)
    assert found.references < 500 < len(looked) <= 502


def test_a_cancelled_run_sends_nothing(huge: tuple[Path, str]) -> None:
    """The server's run holds the event its cancel sets (a new click on ▶ cancels the previous
    run), and a plan whose discovery was cancelled is refused."""
    main, text = huge
    run = Run(uri=main.as_uri(), kind="file")
    assert run.cancel() is False  # no task yet; the discovery event is set all the same
    source = Source(uri=main.as_uri(), path=str(main), lines=text.splitlines(), code=text)
    with pytest.raises(RunRefused, match="cancelled; nothing was sent"):
        build_plan(source, RunSettings(), cancel=run.stop)
