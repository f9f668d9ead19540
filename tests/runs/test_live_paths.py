"""The local paths shown in pieces of output while a job runs (`runs/display.live_localiser`)."""

from __future__ import annotations

from pathlib import Path

from unsandbox_ls.runs.display import live_localiser
from unsandbox_ls.runs.plan import RunSettings, build_plan
from unsandbox_ls.runs.source import Source


def test_the_sandboxs_paths_of_the_program_show_as_the_local_file(tmp_path: Path) -> None:
    program = tmp_path / "my project" / "job.py"
    program.parent.mkdir()
    program.write_text("print(1)\n")
    text = program.read_text()
    source = Source(
        uri=program.as_uri(), path=str(program), lines=text.split("\n"), code=text, kind="file"
    )
    shown = live_localiser(build_plan(source, RunSettings(discover_imports=False)))
    piece = '  File "/sandbox/main.py", line 1\n  File "/sandbox/src/code.py", line 2\n'
    assert shown(piece) == f'  File "{program}", line 1\n  File "{program}", line 2\n'
    assert shown("main.py is a name, /sandbox/main.pyc another\n") == (
        "main.py is a name, /sandbox/main.pyc another\n"
    )
