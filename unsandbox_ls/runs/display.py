"""Output as the user reads it: the sandbox's paths of the files that were sent shown as the
local files, so a click in VS Code's output or `gf` in Neovim's split opens the right file.

Only the paths the parsers read as frames of the run's files are replaced (`/sandbox/helpers.py`,
`./helpers.lua`, `main.rb` → the local path of each), and only where the path stands whole:
between the start of a line, a space, a quote or a bracket and one of `:`, `"`, `'`, `(`, `)`,
`,`, a space or the end of the line; a local path holding control characters (a newline, ESC)
goes in with them made visible (`runs.terminal.escape_line`), so it cannot start a fake line. The
run's log keeps the program's output exactly as it came.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from unsandbox_ls.problems.mapping import Target
    from unsandbox_ls.problems.model import Problem
    from unsandbox_ls.runs.plan import Plan

#: where the sandbox saves the code and the files sent with it
SANDBOX_DIR = "/sandbox"
#: said while a job runs whose output the API does not show before the end
OUTPUT_AT_THE_END = "output comes when the run ends"


def local_paths(problems: list[Problem], target: Target) -> dict[str, str]:
    """Frame path as printed → local path, for every frame that lands in a file of the run."""
    from unsandbox_ls.problems.mapping import buffer_frames, output_paths

    paths = output_paths(problems)
    found: dict[str, str] = {}
    pending = list(problems)
    while pending:
        problem = pending.pop()
        pending.extend(problem.related)
        for mapped in buffer_frames(problem, target, paths):
            local = mapped.document.path
            printed = mapped.frame.path
            if local and printed and printed != local:
                found.setdefault(printed, local)
    return found


def localise(text: str, replacements: dict[str, str]) -> str:
    """`text` with each printed path replaced by its local path where the path stands whole."""
    if not text or not replacements:
        return text
    ordered = sorted(replacements, key=len, reverse=True)  # `/sandbox/pkg/a.py` before `a.py`
    pattern = re.compile(
        r"(?<![\w./\\-])(?:file://)?("
        + "|".join(re.escape(p) for p in ordered)
        + r")(?=[:\"'(),\s]|$)",
        re.M,
    )
    from unsandbox_ls.runs.terminal import escape_line

    return pattern.sub(lambda m: escape_line(replacements[m[1]]), text)


def live_localiser(plan: Plan) -> Callable[[str], str]:
    """For pieces of output shown while the job runs (before the whole traceback can be read):
    the sandbox's absolute paths of the run's files (`/sandbox/main.py`, or in the hosted API's
    layout `/sandbox/src/code.py` and `/tmp/input/<name>`) as the local paths."""
    program = plan.target.submitted_name or ""
    paths: dict[str, str] = {}
    if program and plan.source.path:
        paths[f"{SANDBOX_DIR}/{program}"] = plan.source.path
        ext = program.rsplit(".", 1)[1] if "." in program else ""
        # the hosted API's layout: the code in src/code.<ext>, the files sent in /tmp/input
        paths[f"{SANDBOX_DIR}/src/code{'.' + ext if ext else ''}"] = plan.source.path
        # the start-up hook runs the program under its own local name
        paths[f"{SANDBOX_DIR}/{plan.source.path.replace(os.sep, '/').rsplit('/', 1)[-1]}"] = (
            plan.source.path
        )
    for sent in plan.files:  # the program too: the start-up hook runs it under its own name
        if sent.path:
            paths[f"{SANDBOX_DIR}/{sent.name}"] = sent.path
            paths[f"/tmp/input/{sent.name}"] = sent.path
    return lambda text: localise(text, paths)
