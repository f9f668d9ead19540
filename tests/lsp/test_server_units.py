"""The server's pure parts: settings, magic comments, command arguments, regions, lenses, output."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types

from unsandbox_ls.runs import output
from unsandbox_ls.runs.magic_comment import MagicCommentError, parse_magic_comment
from unsandbox_ls.server import lenses
from unsandbox_ls.server.command_args import parse_command_args
from unsandbox_ls.server.regions import cell_at, find_cells, is_code_selection, selection_region
from unsandbox_ls.server.settings import Settings, apply


class TestSettings:
    def test_nested_and_flat_shapes(self) -> None:
        nested, problems = apply(Settings(), {"unsandbox": {"ttl": 5, "mode": "sync"}})
        flat, flat_problems = apply(Settings(), {"ttl": 5, "mode": "sync", "other": 1})
        assert problems == flat_problems == []
        assert nested == flat
        assert (nested.ttl, nested.mode) == (5, "sync")

    def test_invalid_values_keep_the_previous_value(self) -> None:
        start = Settings(ttl=30)
        merged, problems = apply(
            start, {"ttl": 0, "networkMode": "open", "runOnSave": "yes", "env": {"A": 1}}
        )
        assert merged.ttl == 30 and merged.network_mode == "zerotrust"
        assert merged.run_on_save is False
        assert merged.env == {"A": "1"}  # numbers become strings
        assert len(problems) == 3
        assert all(p.startswith("unsandbox.") for p in problems)

    def test_key_values_never_appear_in_problems(self) -> None:
        secret = "s3cr3t-value-that-must-not-leak"
        _, problems = apply(Settings(), {"secretKey": [secret], "publicKey": 12})
        assert problems and not any(secret in p for p in problems)
        ok, _ = apply(Settings(), {"secretKey": secret, "publicKey": "pk"})
        assert secret not in repr(ok)

    def test_language_map_values_must_be_api_languages(self) -> None:
        merged, problems = apply(Settings(), {"languageMap": {"txt": "english"}})
        assert merged.language_map == {} and "english" in problems[0]
        merged, problems = apply(Settings(), {"languageMap": {"txt": "bash"}, "account": "2"})
        assert merged.language_map == {"txt": "bash"} and merged.account == 2 and not problems

    def test_vcpu_and_wasm(self) -> None:
        merged, problems = apply(Settings(), {"vcpu": 4, "returnWasmArtifact": True})
        assert (merged.vcpu, merged.return_wasm_artifact, problems) == (4, True, [])
        for bad in (0, 9, "2", True):
            kept, problems = apply(merged, {"vcpu": bad})
            assert (
                kept.vcpu == 4
                and "unsandbox.vcpu must be a whole number from 1 to 8" in problems[0]
            )


class TestMagicComment:
    def test_all_keys(self) -> None:
        lines = [
            "#!/usr/bin/env python3\n",
            "# unsandbox: ttl=120 network=semitrusted env.DEBUG=1 'env.MSG=a b' files=a.csv,b.txt"
            " artifact=yes mode=sync\n",
        ]
        magic = parse_magic_comment(lines, "#")
        assert magic.ttl == 120 and magic.network_mode == "semitrusted"
        assert magic.env == {"DEBUG": "1", "MSG": "a b"}
        assert magic.files == ("a.csv", "b.txt")
        assert magic.return_artifact is True and magic.mode == "sync" and magic.line == 1

    def test_only_the_language_leader_and_the_first_five_lines(self) -> None:
        assert parse_magic_comment(["// unsandbox: ttl=5\n"], "#").ttl is None
        assert parse_magic_comment(["// unsandbox: ttl=5\n"], "//").ttl == 5
        assert parse_magic_comment(["\n"] * 5 + ["# unsandbox: ttl=5\n"], "#").ttl is None

    def test_vcpu_and_wasm_words(self) -> None:
        magic = parse_magic_comment(["# unsandbox: vcpu=8 wasm=true\n"], "#")
        assert (magic.vcpu, magic.return_wasm_artifact) == (8, True)
        assert parse_magic_comment(["# unsandbox: wasm=no\n"], "#").return_wasm_artifact is False

    @pytest.mark.parametrize(
        "body",
        ["ttl=0", "ttl=abc", "network=open", "artifact=maybe", "colour=red", "ttl", "'a",
         "vcpu=0", "vcpu=9", "vcpu=two", "wasm=maybe"],
    )  # fmt: skip
    def test_bad_words_are_refused(self, body: str) -> None:
        with pytest.raises(MagicCommentError, match="magic comment on line 1"):
            parse_magic_comment([f"# unsandbox: {body}\n"], "#")


class TestCommandArgs:
    def test_shapes(self, tmp_path: Path) -> None:
        file = tmp_path / "a b.py"
        uri = file.as_uri()
        assert parse_command_args(()).uri is None
        assert parse_command_args((uri,)).uri == uri
        assert parse_command_args((str(file),)).uri == uri
        assert parse_command_args(({"uri": uri},)).uri == uri
        vscode_uri = {"$mid": 1, "scheme": "file", "path": str(file), "fsPath": str(file)}
        assert parse_command_args((vscode_uri,)).uri == uri
        assert parse_command_args(({"uri": vscode_uri},)).uri == uri
        rng = {"start": {"line": 1, "character": 2}, "end": {"line": 3, "character": 0}}
        target = parse_command_args(({"uri": uri, "range": rng, "wait": True},))
        assert (target.start, target.end, target.wait) == ((1, 2), (3, 0), True)
        assert parse_command_args(("untitled:Untitled-1",)).uri == "untitled:Untitled-1"


CELLS = ["# %% one\n", "a = 1\n", "\n", "  # %% two\n", "b = 2\n"]


class TestRegions:
    def test_cells(self) -> None:
        cells = find_cells(CELLS, "#")
        assert [(c.start, c.end) for c in cells] == [(0, 2), (3, 4)]
        assert cell_at(CELLS, "#", 4) == cells[1]
        assert cell_at(["x\n", "# %%\n"], "#", 0) is None
        assert find_cells(["-- %% lua cell\n"], "--")[0].start == 0
        assert find_cells(["#%% not a marker\n"], "#") == []

    def test_selection_in_client_units(self) -> None:
        lines = ["s = '😀x'\n", "print(s)\n"]
        # UTF-16: the emoji is two units, so character 7 is just before "x"
        region = selection_region(lines, (0, 7), (1, 5), encoding="utf-16")
        assert region.code == "x'\nprint"
        assert (region.line_offset, region.column_offset) == (0, 6)
        assert selection_region(lines, (0, 9), (0, 10), encoding="utf-8").code == "x"
        assert selection_region(lines, (1, 0), (2, 0)).code == "print(s)\n"


@pytest.mark.parametrize(
    ("start", "end", "runnable"),
    [
        ((1, 4), (1, 4), False),  # a cursor
        ((1, 4), (1, 5), False),  # Helix's block cursor: the character under it
        ((1, 5), (1, 4), False),  # the same, selected backwards
        ((1, 8), (2, 0), False),  # Helix's cursor on the line break at the end of line 1
        ((1, 4), (1, 6), True),
        ((1, 0), (2, 0), True),  # a whole line, as a triple click selects it
        ((0, 3), (1, 1), True),
    ],
)
def test_a_cursor_is_not_a_selection(
    start: tuple[int, int], end: tuple[int, int], runnable: bool
) -> None:
    lines = ["x = 1\n", "print(x)\n", "y = 2\n"]
    assert len(lines[1].rstrip()) == 8
    assert is_code_selection(lines, start, end) is runnable


def test_lenses_and_actions() -> None:
    lines = ["#!/usr/bin/env python3\n", "# %% cell\n", "print(1)\n"]
    titles = [
        lens.command.title
        for lens in lenses.code_lenses("file:///a.py", lines, "#", True, None)
        if lens.command
    ]
    assert titles == ["▶ Run remotely", "▶ Run via shebang", "■ Cancel", "▶ Run cell"]
    in_vscode = [
        lens.command.title
        for lens in lenses.code_lenses(
            "file:///a.py", lines, "#", False, "✗ exit 1 · boom", codicons=True
        )
        if lens.command
    ]
    assert in_vscode == [
        "$(play) Run remotely",
        "$(play) Run via shebang",
        "$(error) exit 1 · boom",
        "$(play) Run cell",
    ]
    rng = types.Range(types.Position(2, 0), types.Position(2, 5))
    actions = lenses.code_actions("file:///a.py", lines, "#", rng, False, None)
    assert [a.kind for a in actions] == [
        "source.unsandbox.run.file",
        "source.unsandbox.run.args",
        "source.unsandbox.run.shebang",
        "source.unsandbox.run.selection",
        "source.unsandbox.run.cell",
    ]
    cursor = types.Range(types.Position(2, 1), types.Position(2, 2))
    offered = lenses.code_actions("file:///a.py", lines, "#", cursor, False, None)
    assert "source.unsandbox.run.selection" not in [a.kind for a in offered]
    only = lenses.code_actions(
        "file:///a.py", lines, "#", rng, True, ["source.unsandbox.run.cancel"]
    )
    assert [a.kind for a in only] == ["source.unsandbox.run.cancel"]
    assert actions[0].command is not None
    assert actions[0].command.arguments == [
        {
            "uri": "file:///a.py",
            "range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 5}},
        }
    ]


def test_output_lines() -> None:
    assert output.lens_title("completed", 0, 412, None) == "✓ exit 0 · 0.4 s"
    assert (
        output.lens_title("completed", 1, 412, "KeyError: 'price'")
        == "✗ exit 1 · KeyError: 'price'"
    )
    assert output.summary_line("a.py", "completed", 1, 420, "boom") == "a.py: exit 1 in 0.4 s: boom"
    assert output.summary_line("a.py", "completed", 0, 42, None) == "a.py: exit 0 in 0.04 s"
    assert output.first_error_line("Traceback:\n  File x\nValueError: v\n") == "ValueError: v"


def test_run_logs_are_written_and_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(output, "KEEP_LOGS", 3)
    paths = [output.write_log(f"run{n}", "a.py", ["# head"], "out\n", "err\n") for n in range(5)]
    assert all(paths)
    kept = sorted(p.name for p in (tmp_path / "unsandbox-ls" / "runs").glob("*.log"))
    assert len(kept) == 3
    last = paths[-1]
    assert last is not None
    text = Path(last).read_text(encoding="utf-8")
    assert text == "# head\n\n=== stdout ===\nout\n\n=== stderr ===\nerr\n"


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("café.py", "café.py"),  # a decomposed é (e + U+0301) too, after NFC
        ("cafe\u0301.py", "café.py"),
        ("データ.py", "データ.py"),
        ("Straße über.rb", "Straße_über.rb"),
        ("../x\\y\x00z\n.py", ".._x_y_z_.py"),
    ],
)
def test_log_names_keep_letters_of_any_script(name: str, kept: str) -> None:
    assert output.safe_name(name) == kept


async def test_runs_share_one_api_client_per_settings() -> None:
    from unsandbox_ls.api.credentials import Credentials
    from unsandbox_ls.server.api_clients import ApiClients

    pool = ApiClients()
    first = Credentials(public_key="unsb-pk-a", secret_key="unsb-sk-a")
    a = await pool.borrow("http://127.0.0.1:9", first)
    b = await pool.borrow(
        "http://127.0.0.1:9", Credentials(public_key="unsb-pk-a", secret_key="unsb-sk-a")
    )
    assert a is b  # equal settings: the same client and its open connections
    await pool.give_back(b)
    changed = await pool.borrow(
        "http://127.0.0.1:9", Credentials(public_key="unsb-pk-b", secret_key="unsb-sk-b")
    )
    assert changed is not a
    assert not a.is_closed  # a run still uses the old client
    await pool.give_back(a)
    assert a.is_closed  # closed once its last run gave it back
    await pool.give_back(changed)
    assert not changed.is_closed  # the current settings' client stays open
    await pool.close_all()
    assert changed.is_closed


def test_log_file_of_a_non_ascii_file_keeps_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = output.write_log("run1", "café.py", ["# head"], "", "")
    assert path is not None and Path(path).name.endswith("-café.py-run1.log"), path
