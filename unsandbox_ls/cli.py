"""Command line: no argument starts the language server; `run`, `sandbox` and `doctor` are tools.

Only argparse is imported here (and not even that for a bare `unsandbox-ls`, what editors
spawn); each subcommand imports what it needs when it runs, so the
language server starts without loading httpx or the sandbox server.

Exit codes of `unsandbox-ls run` (documented in the README): the program's own exit code when the
run finished; otherwise 2 bad usage or request, 69 API or network failure, 77 missing or rejected
credentials, 124 the job timed out, 130 interrupted.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from unsandbox_ls import __version__

if TYPE_CHECKING:
    import argparse

#: when this command line began (for `run --timing`)
BEGAN = time.perf_counter()


def _add_api_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--backend",
        choices=("auto", "hosted", "local"),
        help="where runs go: hosted (the API at --base-url), local (a sandbox started for the "
        "run) or auto (default: $UNSANDBOX_BACKEND, else auto = local only when no keys, "
        "account or base URL are configured anywhere)",
    )
    parser.add_argument(
        "--base-url",
        help="API base URL (default: $UNSANDBOX_BASE_URL, else https://api.unsandbox.com)",
    )
    parser.add_argument(
        "--account",
        type=int,
        help="row of ~/.unsandbox/accounts.csv to use (default: $UNSANDBOX_ACCOUNT, else 0)",
    )


_COLUMNS: list[int] = []


def _columns() -> int:
    """The terminal's width as `shutil.get_terminal_size` tells it ($COLUMNS, else stdout's
    terminal, else 80), read once."""
    if not _COLUMNS:
        import os

        try:
            columns = int(os.environ.get("COLUMNS", "0"))
        except ValueError:
            columns = 0
        if columns <= 0:
            try:
                columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                columns = 0
        _COLUMNS.append(columns or 80)
    return _COLUMNS[0]


def _formatter(prog: str) -> argparse.HelpFormatter:
    """argparse's help formatter, told the width: left to itself it imports `shutil` for it
    (with the compression modules, ~4 ms), and argparse makes one for every argument added."""
    import argparse

    return argparse.HelpFormatter(prog, width=_columns() - 2)


#: the subcommands, each with the function that adds its arguments (below)
SUBCOMMANDS = ("run", "sandbox", "history", "doctor")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `only` (a subcommand), that subcommand's arguments alone
    (the others are listed, empty): what `main` parses `unsandbox-ls run …` with."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="unsandbox-ls",
        description="Run the file you are editing in an unsandbox sandbox. With no subcommand, "
        "start the language server on stdio (what editors spawn).",
        formatter_class=_formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--tcp", action="store_true", help="serve LSP over TCP (for debugging)")
    parser.add_argument("--host", default="127.0.0.1", help="TCP host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=2087, help="TCP port (default 2087)")
    parser.add_argument("--log-file", help="write the server log to this file (default: stderr)")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more")
    sub = parser.add_subparsers(dest="command", metavar="{run,history,sandbox,doctor}")
    run = sub.add_parser(
        "run",
        help="run a file and print its output and diagnostics",
        usage="%(prog)s FILE [options] [-- ARG ...]",
        epilog="Everything after -- is the program's arguments (its argv[0] is the file's name).",
        formatter_class=_formatter,
    )
    sandbox = sub.add_parser(
        "sandbox", help="serve the local unsandbox-compatible sandbox", formatter_class=_formatter
    )
    history = sub.add_parser(
        "history",
        help="list the workspace's recent runs, or diff two",
        formatter_class=_formatter,
    )
    doctor = sub.add_parser(
        "doctor",
        help="show which credentials and base URL would be used",
        formatter_class=_formatter,
    )
    adders = {
        "run": (_run_arguments, run),
        "sandbox": (_sandbox_arguments, sandbox),
        "history": (_history_arguments, history),
        "doctor": (_doctor_arguments, doctor),
    }
    for name, (add, subparser) in adders.items():
        if only is None or name == only:
            add(subparser)
    return parser


def _run_arguments(run: argparse.ArgumentParser) -> None:
    run.add_argument("file", help="the source file to run")
    run.add_argument("--language", help="API language id (default: from extension or shebang)")
    run.add_argument("--shebang", action="store_true", help="POST /run: language from the shebang")
    sending = run.add_mutually_exclusive_group()
    sending.add_argument("--async", dest="use_async", action="store_true",
                         help="submit and poll (default: auto)")  # fmt: skip
    sending.add_argument("--sync", dest="use_sync", action="store_true",
                         help="one request, answered when the job has ended")  # fmt: skip
    run.add_argument("--ttl", type=int, help="time limit in seconds, 1-900 (default 60)")
    run.add_argument("--network", choices=("zerotrust", "semitrusted"), help="network mode")
    run.add_argument("-e", "--env", action="append", default=[], metavar="K=V", help="env var")
    run.add_argument("-f", "--file", dest="input_files", action="append", default=[],
                     metavar="FILE", help="input file, placed beside the code")  # fmt: skip
    run.add_argument("--no-discover", action="store_true",
                     help="do not send the local files the program imports")  # fmt: skip
    run.add_argument("--stdin", metavar="FILE",
                     help="the program's standard input: a file ('-': this command's own "
                     "stdin); without it the program reads end-of-file at once")  # fmt: skip
    run.add_argument("--annotate", action="store_true",
                     help="print each source line that wrote output or failed, with its "
                     "output and the values at the failure (results in place)")  # fmt: skip
    run.add_argument("--no-in-place", action="store_true",
                     help="do not record which line wrote what (results in place)")  # fmt: skip
    run.add_argument("--artifact", action="store_true", help="return the compiled binary")
    run.add_argument("--wasm-artifact", action="store_true", help="return a WebAssembly build")
    run.add_argument("--vcpu", type=int, metavar="N", help="virtual CPUs, 1-8 (default 1)")
    run.add_argument("--artifact-dir",
                     help="where to save the artifacts asked for (default: the cache's "
                     "artifacts folder; an existing file is never overwritten)")  # fmt: skip
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.add_argument("--raw", action="store_true",
                     help="print the program's output exactly as it came (by default control "
                     "characters that could steer a terminal are shown visibly)")  # fmt: skip
    run.add_argument("--compact", action="store_true",
                     help="plain text for an editor popup (Helix :sh): output, problems, "
                     "summary, all on stdout; exit 0 whenever the program ran")  # fmt: skip
    run.add_argument("--timing", action="store_true",
                     help="last, on stderr: where the command's time went (start-up, import, "
                     "plan, backend, request, wait, output)")  # fmt: skip
    _add_api_options(run)


def _sandbox_arguments(sandbox: argparse.ArgumentParser) -> None:
    sandbox.add_argument("--host", default="127.0.0.1", help="bind address (default 127.0.0.1)")
    sandbox.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 = any)")
    sandbox.add_argument("--public-key", help="accepted public key (default $UNSANDBOX_PUBLIC_KEY)")
    sandbox.add_argument("--secret-key", help="its secret (default $UNSANDBOX_SECRET_KEY)")
    sandbox.add_argument("--api-key", help="accepted bearer key (default $UNSANDBOX_API_KEY)")
    sandbox.add_argument("--max-jobs", type=int, default=4, help="jobs run at once (default 4)")
    sandbox.add_argument("--unsafe-no-sandbox", action="store_true",
                         help="run jobs without bubblewrap (DANGEROUS: no isolation)")  # fmt: skip
    sandbox.add_argument("--job-shape", choices=("flat", "nested"), default="flat",
                         help="where a finished job's result fields sit in GET /jobs/{id}: on "
                         "the job (flat, default) or under 'result' (nested, as in the API "
                         "docs; DELETE then answers {message, job_id, result})")  # fmt: skip
    sandbox.add_argument("--stop", action="store_true",
                         help="stop this user's shared sandbox (the one `run` starts when no "
                         "keys exist) and exit")  # fmt: skip
    sandbox.add_argument("--pending-after", type=int, metavar="MS",
                         help="answer POST /execute and /run with {job_id, status: pending} "
                         "when the job has not finished within MS milliseconds (0: always); "
                         "the client then polls")  # fmt: skip
    sandbox.add_argument("--layout", choices=("docs", "hosted", "hosted-code-cwd"),
                         default="docs",
                         help="where a job's code and input files are written: docs (default: "
                         "both in the cwd /sandbox, code main.<ext>), hosted (files in "
                         "/tmp/input, the cwd; code /sandbox/src/code.<ext>), hosted-code-cwd "
                         "(the same, cwd at the code's folder); /tmp/input holds the files in "
                         "every layout")  # fmt: skip
    sandbox.add_argument("--names", choices=("tree", "flat"), default="tree",
                         help="input file names: tree (default: 'pkg/util.py' accepted) or "
                         "flat ('/' and '..' refused with 400 invalid_filename, as the API "
                         "docs say)")  # fmt: skip


def _history_arguments(history: argparse.ArgumentParser) -> None:
    history.add_argument("file", nargs="?", help="only the runs of this file")
    history.add_argument("--diff", action="store_true",
                         help="unified diff of the outputs of FILE's last two runs")  # fmt: skip
    history.add_argument("--json", action="store_true", help="print the records as JSON")
    history.add_argument("--raw", action="store_true",
                         help="print the diffed outputs exactly as they came")  # fmt: skip
    history.add_argument("-n", "--limit", type=int, default=20, help="runs listed (default 20)")
    history.add_argument("--workspace", help="workspace folder (default: found from FILE or .)")


def _doctor_arguments(doctor: argparse.ArgumentParser) -> None:
    doctor.add_argument("--probe", action="store_true",
                        help="also run one tiny job and report where the backend puts the code "
                        "and the input files, the cwd, and whether names with '/' are accepted "
                        "(cached per base URL in the user cache)")  # fmt: skip
    _add_api_options(doctor)
    doctor.add_argument("--timing", action="store_true",
                        help="then run a hello world and show where its time goes (start-up, "
                        "import, plan, backend, request, wait, output)")  # fmt: skip


def _missing_sandbox_extra() -> str | None:
    """The modules of the `[sandbox]` extra that cannot be imported, e.g. 'starlette'."""
    missing = []
    for name in ("starlette", "uvicorn"):
        try:
            __import__(name)
        except ImportError:
            missing.append(name)
    return " and ".join(missing) or None


def _without_httpx_cli() -> None:
    """`import httpx` also imports httpx's own command line (`httpx._main`: click, pygments,
    some 15 ms) whenever click is installed, as it is with the sandbox extra (uvicorn needs
    it); no command here uses it. Marked absent before httpx is first imported, httpx falls
    back to its stub `httpx.main`, as when click is missing."""
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def _before_exit() -> None:
    """The command is done and the process ends: move every object to the collector's
    permanent generation, so the interpreter's collections while it shuts down do not walk the
    whole run path again (tens of ms, as much as some phases of a run). Everything still
    ends as before: the streams are flushed, `atexit` handlers run, the memory goes with the
    process."""
    import gc

    gc.freeze()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv:  # an editor starting the server: skip building the parser (a few ms)
        from unsandbox_ls.server.main import serve_language_server

        return serve_language_server(None)
    program_args: list[str] = []
    if "run" in argv and "--" in argv[argv.index("run") :]:  # the program's own arguments
        cut = argv.index("--", argv.index("run"))
        argv, program_args = argv[:cut], argv[cut + 1 :]
    # `unsandbox-ls run …` builds the run's arguments only; any other form, the whole parser
    args = build_parser(argv[0] if argv[0] in SUBCOMMANDS else None).parse_args(argv)
    args.program_args = program_args
    if args.command == "run":
        _without_httpx_cli()
        from unsandbox_ls.run_command import run_command

        status = run_command(args, began=BEGAN)
        _before_exit()
        return status
    if args.command == "history":
        from unsandbox_ls.history_command import history_command

        return history_command(args)
    if args.command == "sandbox" and args.stop:
        from unsandbox_ls.local_backend import stop_command

        return stop_command()
    if args.command == "sandbox":
        missing = _missing_sandbox_extra()
        if missing:
            print(
                f"unsandbox-ls sandbox: {missing} not installed; the local sandbox needs the "
                "sandbox extra: pip install 'unsandbox-ls[sandbox]'",
                file=sys.stderr,
            )
            return 2
        from unsandbox_ls.sandbox.serve import serve_sandbox

        return serve_sandbox(args)
    if args.command == "doctor":
        _without_httpx_cli()
        from unsandbox_ls.doctor import doctor

        return doctor(args)
    from unsandbox_ls.server.main import serve_language_server

    return serve_language_server(args)
