"""One `save_artifacts` for the server and the CLI: names, executables, nothing of the run lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from unsandbox_ls.runs.artifacts import artifact_name, save_artifacts

ELF = b"\x7fELF" + b"\0" * 12


@pytest.mark.parametrize(
    ("filename", "content", "source", "expected"),
    [
        ("main", ELF, "/p/orders.c", "orders"),  # an executable takes the program's name
        ("main.jar", b"PK", "/p/orders.kt", "main.jar"),
        ("../../etc/passwd", b"x", None, "passwd"),
        ("a\\b\\c.bin", b"x", None, "c.bin"),
        ("..", b"x", None, "artifact"),
        ("", b"x", None, "artifact"),
        ("café (1).txt", b"x", None, "café_1_.txt"),
        ("main", ELF, "/p/..", "main"),
    ],
)
def test_names(filename: str, content: bytes, source: str | None, expected: str) -> None:
    assert artifact_name(filename, content, source) == expected


def test_executables_are_made_executable(tmp_path: Path) -> None:
    (saved,) = save_artifacts([("main", ELF)], tmp_path / "out", source=str(tmp_path / "x.c")).saved
    assert saved.filename == "x" and saved.size == len(ELF)
    assert os.access(saved.path, os.X_OK) and Path(saved.path).read_bytes() == ELF


def test_files_of_the_run_are_never_overwritten(tmp_path: Path) -> None:
    program = tmp_path / "main.ts"
    program.write_text("let x = 1\n")
    sent = tmp_path / "main.js"  # tsc's artifact has the name of a file that was sent
    sent.write_text("// mine\n")
    saved = save_artifacts(
        [("main.js", b"compiled"), ("main.ts", b"y")],
        tmp_path,
        source=str(program),
        protected=[str(sent)],
    ).saved
    assert [s.filename for s in saved] == ["main (2).js", "main (2).ts"]
    assert sent.read_text() == "// mine\n" and program.read_text() == "let x = 1\n"


def test_a_symlink_at_the_target_is_left_alone_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.bin").symlink_to(victim)
    (saved,) = save_artifacts([("a.bin", b"new")], out).saved
    assert victim.read_text() == "keep"
    assert (out / "a.bin").is_symlink()
    assert saved.filename == "a (2).bin" and (out / "a (2).bin").read_bytes() == b"new"
    assert saved.note == "'a.bin' exists, saved as 'a (2).bin'"


def test_two_artifacts_of_one_name_are_both_kept(tmp_path: Path) -> None:
    saved = save_artifacts([("x/a", b"1"), ("y/a", b"2")], tmp_path).saved
    assert [(s.filename, Path(s.path).read_bytes()) for s in saved] == [
        ("a", b"1"),
        ("a (2)", b"2"),
    ]
    assert sorted(os.listdir(tmp_path)) == ["a", "a (2)"]  # no temporary left behind
