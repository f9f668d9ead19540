"""`unsandbox-ls history [FILE]` and `unsandbox-ls history --diff FILE`.

The table lists the workspace's last runs (from the language server and from `unsandbox-ls run`)
newest first; `--diff` prints the change of exit code and duration, then a unified diff of the
outputs (stdout and stderr sections of the two logs) of FILE's last two runs. Everything goes to
stdout, so Helix can show it in a `:sh` popup. Names and messages have their control characters
made visible, and the diff of the outputs is escaped as `run` escapes a program's output
(`runs.terminal`) unless `--raw`. Exit status: 0, or 1 when there is nothing to show
or compare (the reason on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _say(message: str) -> None:
    from unsandbox_ls.runs.terminal import escape_line

    print(f"unsandbox-ls: {escape_line(message)}", file=sys.stderr, flush=True)


def history_command(args: argparse.Namespace) -> int:
    from unsandbox_ls.runs import history

    cwd = os.getcwd()
    folders = [args.workspace] if args.workspace else [cwd]
    if args.file and not Path(args.file).exists():
        _say(f"no such file: {args.file}")
        return 2
    if args.diff:
        if not args.file:
            _say("--diff needs the FILE whose last two runs to compare")
            return 2
        found = history.diff_last_runs(args.file, folders)
        if isinstance(found, str):
            _say(found.removeprefix("unsandbox: "))
            return 1
        if args.json:
            data = {"previous": found.previous, "latest": found.latest, "change": found.header}
            print(json.dumps(data, ensure_ascii=False, indent=2))
            return 0
        from unsandbox_ls.runs.terminal import escape_line, escape_output, is_terminal

        name = os.path.basename(args.file)
        print(escape_line(f"{name}: {found.header}"))
        diff = "".join(found.diff) if found.diff else "(same output)\n"
        if not args.raw:
            diff = escape_output(diff, terminal=is_terminal(sys.stdout))
        sys.stdout.write(diff)
        return 0
    if args.file:
        records = history.runs_of(args.file, folders)
    else:
        root = Path(os.path.realpath(args.workspace or history.folder_root(cwd)))
        records = history.runs_of(None, roots=[root])
    records = records[: max(args.limit, 1)]
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    if not records:
        _say("no runs recorded yet for " + (args.file or "this workspace"))
        return 1
    print(history.table(records, cwd))
    return 0
