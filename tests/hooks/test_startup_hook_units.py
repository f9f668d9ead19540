"""The client's side of the start-up hooks, one function at a time: flat names, the manifest
(read back by the Python hook's own parser), the hook's framed report, and what the plan, the
magic comment, the settings and the summary make of stdin and arguments."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from unsandbox_ls.hooks.startup import manifest, startup, take_report, wire_names
from unsandbox_ls.runs.magic_comment import MagicCommentError, parse_magic_comment
from unsandbox_ls.runs.output import lens_title, no_input_hint, summary_line
from unsandbox_ls.runs.plan import RunRefused, RunSettings, build_plan
from unsandbox_ls.runs.source import Source
from unsandbox_ls.server.settings import SettingError, convert

HOOK = Path(__file__).resolve().parents[2] / "unsandbox_ls" / "hooks" / "data" / "sitecustomize.py"


def python_hook(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.delenv("UNSANDBOX_LS_BOOT", raising=False)  # loading it then does nothing
    spec = importlib.util.spec_from_file_location("unsandbox_ls_python_hook", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_flat_names_keep_plain_names_and_number_clashes() -> None:
    names = wire_names(
        ["data.csv", "shop/cart.py", "shop__cart.py", "a/b/c.py", "sitecustomize.py"],
        frozenset({"sitecustomize.py"}),
    )
    assert names["data.csv"] == "data.csv"
    assert names["shop__cart.py"] == "shop__cart.py"  # a real file keeps its own name
    assert names["shop/cart.py"] == "shop__cart__2.py"
    assert names["a/b/c.py"] == "a__b__c.py"
    assert names["sitecustomize.py"] == "sitecustomize__2.py"  # the hook's own name is taken
    assert len(set(names.values())) == len(names)
    assert all("/" not in n for n in names.values())


def test_the_python_hook_reads_the_manifest_back(monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["5", "", "two words", "naïve ✓", "--x='q'"]
    text = manifest(
        "00ff", "args.py", "in put.txt", args, [("shop__cart.py", "shop/cart.py")],
        [("PYTHONPATH", None), ("X", "")],
    )  # fmt: skip
    boot = python_hook(monkeypatch)._parse(text)
    assert boot == {
        "nonce": "00ff",
        "code": "args.py",
        "stdin": "in put.txt",
        "args": args,
        "files": [("shop__cart.py", "shop/cart.py")],
        "env": [("PYTHONPATH", None), ("X", "")],
    }


def test_the_variables_keep_the_users_own_and_give_them_back() -> None:
    boot = startup("python", code="a.py", files=[], user_env={"PYTHONPATH": "/mine"})
    assert boot.env["PYTHONPATH"].startswith("/mine:")
    assert "/tmp/input" in boot.env["PYTHONPATH"]
    assert [name for name, _ in boot.files] == ["sitecustomize.py"]
    restore = boot.env["UNSANDBOX_LS_BOOT"].split(" ")[-2:]
    assert restore == [b"PYTHONPATH".hex(), b"/mine".hex()]


def test_the_report_block_of_this_run_is_removed() -> None:
    block = (
        "--- unsandbox-ls boot abc ---\nhook python\ninput /tmp/input\n"
        "--- unsandbox-ls end abc ---\n"
    )
    other = "--- unsandbox-ls boot zzz ---\nhook python\n--- unsandbox-ls end zzz ---\n"
    text, report = take_report(block + "Traceback …\n" + other, "abc")
    assert text == "Traceback …\n" + other  # another run's (or the program's own) text stays
    assert report.ran and report.value("input") == "/tmp/input"
    unchanged, nothing = take_report("plain\n", "abc")
    assert unchanged == "plain\n" and not nothing.ran


def test_magic_comment_stdin_and_args() -> None:
    magic = parse_magic_comment(["# unsandbox: stdin=input.txt args=\"5 --verbose 'a b'\""], "#")
    assert magic.stdin == "input.txt"
    assert magic.args == ("5", "--verbose", "a b")
    with pytest.raises(MagicCommentError, match="args: No closing quotation"):
        parse_magic_comment(["# unsandbox: args='\"5'"], "#")


def test_args_setting_is_a_shell_string_or_a_list() -> None:
    assert convert("args", '5 "a b"') == ("5", "a b")
    assert convert("args", ["5", "a b"]) == ("5", "a b")
    with pytest.raises(SettingError, match="args"):
        convert("args", 5)


def source(path: Path, text: str) -> Source:
    path.write_text(text)
    return Source(uri=path.as_uri(), path=str(path), lines=text.split("\n"), code=text)


@pytest.mark.parametrize(
    ("name", "settings", "said"),
    [
        ("main.rs", RunSettings(args=("5",)), "arguments cannot be given to a rust program"),
        ("main.go", RunSettings(stdin="in.txt"), "standard input cannot be given to a go program"),
    ],
)
def test_stdin_and_args_are_refused_where_no_hook_takes_them(
    tmp_path: Path, name: str, settings: RunSettings, said: str
) -> None:
    (tmp_path / "in.txt").write_text("x\n")
    with pytest.raises(RunRefused, match=said) as refused:
        build_plan(source(tmp_path / name, "fn main() {}\n"), settings)
    assert "nothing was sent" in str(refused.value) and "python" in str(refused.value)


def test_the_stdin_file_is_contained_like_input_files(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("secret\n")
    project = tmp_path / "project"
    project.mkdir()
    with pytest.raises(RunRefused, match="stdin file"):
        build_plan(
            source(project / "a.py", "print(input())\n"),
            RunSettings(stdin="../outside.txt", workspace_roots=(str(project),)),
        )


def test_the_plan_sends_flat_names_and_counts_only_the_users_files(tmp_path: Path) -> None:
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "cart.py").write_text("def total():\n    return 5\n")
    (tmp_path / "in.txt").write_text("1\n")
    plan = build_plan(
        source(tmp_path / "a.py", "# unsandbox: stdin=in.txt args='5 6'\nimport shop.cart\n"),
        RunSettings(),
    )
    names = sorted(f.filename for f in plan.request.options.input_files)
    assert names == ["in.txt", "shop____init__.py", "shop__cart.py", "sitecustomize.py"]
    shown = sorted(s.name for s in plan.sent if s.shown)
    assert shown == ["in.txt", "shop/__init__.py", "shop/cart.py"]
    assert plan.file_count == 4
    assert plan.given == "stdin: in.txt, args: 5 6"
    assert plan.boot is not None and "UNSANDBOX_LS_BOOT" in plan.request.options.env


def test_summary_and_lens_say_what_the_program_was_given() -> None:
    given = "stdin: input.txt, args: 5 --verbose"
    assert summary_line("a.py", "completed", 0, 400, None, 3, given) == (
        "a.py (3 files, stdin: input.txt, args: 5 --verbose): exit 0 in 0.4 s"
    )
    assert lens_title("completed", 0, 400, None, given) == f"✓ exit 0 · 0.4 s · {given}"


def test_reading_empty_stdin_says_how_to_give_input() -> None:
    hint = no_input_hint(None, "EOFError: EOF when reading a line", "python")
    assert "stdin=FILE" in hint and "--stdin FILE" in hint
    assert no_input_hint("in.txt", "EOFError: EOF when reading a line", "python") == ""
    assert no_input_hint(None, "KeyError: 'price'", "python") == ""
