"""`unsandbox-ls run …` is parsed by a parser holding the run's arguments only (a few ms less at
every start): what it reads, and what `--help` prints, must be what the whole parser gives."""

from __future__ import annotations

import contextlib
import io

import pytest

from unsandbox_ls.cli import SUBCOMMANDS, build_parser

ARGVS = [
    ["run", "hello.py"],
    ["run", "hello.py", "--compact", "--timing", "--sync", "-e", "A=1", "-e", "B=2"],
    ["run", "main.rb", "-f", "data.csv", "--ttl", "30", "--network", "semitrusted", "--json"],
    ["run", "--backend", "local", "--account", "2", "--base-url", "http://127.0.0.1:9", "x.js"],
    ["run", "x.py", "--stdin", "-", "--annotate", "--no-in-place", "--vcpu", "2", "--raw"],
    ["sandbox", "--port", "0", "--layout", "hosted", "--names", "flat", "--pending-after", "0"],
    ["history", "x.py", "--diff", "-n", "3"],
    ["doctor", "--probe", "--timing", "--backend", "hosted"],
]


@pytest.mark.parametrize("argv", ARGVS, ids=lambda a: " ".join(a[:3]))
def test_the_subcommand_alone_reads_what_the_whole_parser_reads(argv: list[str]) -> None:
    alone = build_parser(argv[0]).parse_args(argv)
    whole = build_parser().parse_args(argv)
    assert vars(alone) == vars(whole)


def _help(argv: list[str], only: str | None) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        build_parser(only).parse_args(argv)
    return out.getvalue()


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_a_subcommands_help_is_the_same_either_way(name: str) -> None:
    alone = _help([name, "--help"], name)
    assert alone == _help([name, "--help"], None)
    assert "--" in alone  # its options are listed


def test_a_bad_value_is_refused_the_same_way() -> None:
    for only in ("run", None):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_info:
            build_parser(only).parse_args(["run", "x.py", "--ttl", "soon"])
        assert exit_info.value.code == 2
        assert "--ttl: invalid int value: 'soon'" in err.getvalue()
