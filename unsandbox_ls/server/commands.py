"""The ids of the server's workspace commands and of its code-action kinds.

Every command the server registers (`features`, `history_features`) and every lens or action
that names one (`lenses`) takes its id from here; the editors' configurations name the same ids
(`tests/editors/test_helix_config.py` checks Helix's bindings against `COMMANDS`).
"""

from __future__ import annotations

RUN_FILE = "unsandbox.runFile"
RUN_SHEBANG = "unsandbox.runShebang"
RUN_SELECTION = "unsandbox.runSelection"
RUN_CELL = "unsandbox.runCell"
RUN_WITH_ARGUMENTS = "unsandbox.runWithArguments"
CANCEL = "unsandbox.cancel"
LIST_JOBS = "unsandbox.listJobs"
SHOW_OUTPUT = "unsandbox.showOutput"
HISTORY = "unsandbox.history"
DIFF_LAST_RUN = "unsandbox.diffLastRun"

RUN_COMMANDS = (
    RUN_FILE, RUN_SHEBANG, RUN_SELECTION, RUN_CELL, CANCEL, LIST_JOBS, SHOW_OUTPUT,
    RUN_WITH_ARGUMENTS,
)  # fmt: skip
HISTORY_COMMANDS = (HISTORY, DIFF_LAST_RUN)
COMMANDS = RUN_COMMANDS + HISTORY_COMMANDS

KIND_RUN = "source.unsandbox.run"
KIND_FILE = f"{KIND_RUN}.file"
KIND_SHEBANG = f"{KIND_RUN}.shebang"
KIND_SELECTION = f"{KIND_RUN}.selection"
KIND_CELL = f"{KIND_RUN}.cell"
KIND_CANCEL = f"{KIND_RUN}.cancel"
KIND_ARGS = f"{KIND_RUN}.args"
ACTION_KINDS = (
    KIND_RUN, KIND_FILE, KIND_SHEBANG, KIND_SELECTION, KIND_CELL, KIND_CANCEL, KIND_ARGS,
)  # fmt: skip
