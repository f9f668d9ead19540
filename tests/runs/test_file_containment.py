"""`unsandbox_ls.runs.files` and `.safe_read` on their own: what a run may read, and what not."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from unsandbox_ls.runs import files
from unsandbox_ls.runs.safe_read import FileRefused, read_regular_file, read_source_file


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "src" / "data").mkdir(parents=True)
    (root / "src" / "data" / "a.csv").write_text("a\n")
    (root / "src" / "data" / ".hidden.csv").write_text("h\n")
    (root / "shared.csv").write_text("s\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("secret\n")
    return root


def scope_of(project: Path, *extra: Path) -> files.FileScope:
    return files.file_scope(
        str(project / "src" / "main.py"),
        workspace_roots=[str(project)],
        extra_roots=[str(e) for e in extra],
    )


def names(found: list[files.Match]) -> list[str]:
    return [m.entry for m in found]


def test_the_scope_is_the_folder_and_the_workspace_that_holds_it(project: Path) -> None:
    scope = scope_of(project)
    assert scope.roots == (str(project / "src"), str(project))
    elsewhere = files.file_scope("/somewhere/else.py", workspace_roots=[str(project)])
    assert elsewhere.roots == ("/somewhere",)  # a workspace that does not hold the file: no


def test_globs_inside_the_scope(project: Path) -> None:
    base = str(project / "src")
    scope = scope_of(project)
    assert names(files.find_files("data/*.csv", base, scope)) == ["data/a.csv"]
    assert names(files.find_files("**/*.csv", base, scope)) == ["data/a.csv"]
    assert names(files.find_files("data/.*.csv", base, scope)) == ["data/.hidden.csv"]
    assert names(files.find_files("../*.csv", base, scope)) == ["../shared.csv"]
    assert names(files.find_files("data/a.csv", base, scope)) == ["data/a.csv"]
    assert files.find_files("data/none.csv", base, scope) == []


@pytest.mark.parametrize(
    "entry", ["../../outside/secret.txt", "{outside}/secret.txt", "../../outside/*.txt", "/etc/*"]
)
def test_names_outside_are_refused_naming_the_entry(project: Path, entry: str) -> None:
    entry = entry.format(outside=project.parent / "outside")
    with pytest.raises(FileRefused) as refused:
        files.find_files(entry, str(project / "src"), scope_of(project))
    assert "outside the folders" in str(refused.value)
    assert repr(entry.split("*")[0].rstrip("/")) in str(refused.value) or repr(entry) in str(
        refused.value
    )


def test_an_extra_root_widens_the_scope(project: Path) -> None:
    outside = project.parent / "outside"
    found = files.find_files(str(outside / "secret.txt"), str(project), scope_of(project, outside))
    assert [m.path for m in found] == [str(outside / "secret.txt")]


def test_the_credentials_folder_is_never_sent(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(project))
    (project / ".unsandbox").mkdir()
    (project / ".unsandbox" / "accounts.csv").write_text("pk,sk\n")
    with pytest.raises(FileRefused, match="holds your API keys"):
        files.find_files("~/.unsandbox/accounts.csv", str(project), scope_of(project))


def test_symlinks_out_are_refused_and_folder_links_not_followed(project: Path) -> None:
    data = project / "src" / "data"
    os.symlink(project.parent / "outside", data / "out")  # a folder link: not descended
    os.symlink(".", data / "loop")
    os.symlink("..", data / "up")
    found = files.find_files("**/*.txt", str(project / "src"), scope_of(project))
    assert found == []
    os.symlink(project.parent / "outside" / "secret.txt", data / "evil.csv")
    with pytest.raises(FileRefused, match=re.escape("'data/evil.csv' resolves to")):
        files.find_files("data/*.csv", str(project / "src"), scope_of(project))


def test_a_walk_is_bounded_in_entries(project: Path) -> None:
    many = project / "src" / "many"
    many.mkdir()
    for i in range(300):
        (many / f"f{i}.txt").touch()
    started = time.monotonic()
    with pytest.raises(FileRefused, match="looked at more than 100 entries"):
        files.find_files("**/*.csv", str(project / "src"), scope_of(project), max_entries=100)
    assert time.monotonic() - started < 1.0


def test_reading_checks_the_api_limits_first(project: Path) -> None:
    base = str(project / "src")
    scope = scope_of(project)
    read = files.input_files(["data/*.csv"], ["../shared.csv"], base, scope)
    assert {f.name: f.content for f in read} == {"a.csv": b"a\n", "shared.csv": b"s\n"}
    with pytest.raises(FileRefused, match="matched no file"):
        files.input_files([], ["data/*.json"], base, scope)
    (project / "src" / "a.csv").write_text("other\n")
    with pytest.raises(FileRefused, match=re.escape("would both be placed as 'a.csv'")):
        files.input_files(["a.csv", "data/a.csv"], [], base, scope)
    for i in range(11):
        (project / "src" / f"n{i}.txt").write_text("n")
    with pytest.raises(FileRefused, match="11 input files matched"):
        files.input_files(["n*.txt"], [], base, scope)


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(FileRefused, match="FIFO"):
        read_regular_file(fifo, limit=10)
    with pytest.raises(FileRefused, match="/proc"):
        read_regular_file("/proc/self/environ", limit=10)
    with pytest.raises(FileRefused, match="/dev"):
        read_source_file("/dev/zero")
    big = tmp_path / "big.py"
    big.write_bytes(b"x" * 11)
    with pytest.raises(FileRefused, match="over the limit of 10 bytes"):
        read_regular_file(big, limit=10)
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"caf\xe9")
    with pytest.raises(FileRefused, match="not UTF-8"):
        read_source_file(latin)
    assert read_source_file(big) == "x" * 11
