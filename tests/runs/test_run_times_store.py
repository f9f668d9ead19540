"""The store of each file's recent run times: persisted, bounded, tolerant of a bad file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from unsandbox_ls.runs import timing
from unsandbox_ls.runs.timing import KEEP_FILES, KEEP_RUNS, RunTimes, key_for


def _in_new_process(cache: Path, code: str) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_run_times_survive_a_new_process(tmp_path: Path) -> None:
    write = (
        "from unsandbox_ls.runs import timing\n"
        "timing.learn('/w/a.py', 'python', 'file', 'completed', 1.25)\n"
        "timing.learn('/w/a.py', 'python', 'file', 'failed', 1.5)\n"
        "timing.learn('/w/a.py', 'python', 'file', 'cancelled', 9.0)\n"
        "timing.learn('/w/a.py', 'python', 'file', 'timeout', 60.0)\n"
    )
    _in_new_process(tmp_path, write)
    read = (
        "from unsandbox_ls.runs import timing\n"
        "print(timing.recent('/w/a.py', 'python', 'file'),"
        " timing.recent('/w/a.py', 'python', 'selection'))\n"
    )
    assert _in_new_process(tmp_path, read) == "(1.25, 1.5) ()"
    stored = (tmp_path / "unsandbox-ls" / "run-times.json").read_text(encoding="utf-8")
    assert "a.py" not in stored and "python" not in stored  # only digests of the key


def test_keeps_the_last_runs_of_each_file_and_a_bounded_number_of_files(tmp_path: Path) -> None:
    store = RunTimes(tmp_path / "run-times.json")
    for i in range(KEEP_RUNS + 3):
        store.record("k", float(i))
    assert store.recent("k") == tuple(float(i) for i in range(3, KEEP_RUNS + 3))
    for i in range(KEEP_FILES + 20):
        store.record(f"file-{i}", 1.0)
    data = json.loads((tmp_path / "run-times.json").read_text(encoding="utf-8"))
    assert len(data["runs"]) == KEEP_FILES
    assert "file-0" not in data["runs"] and f"file-{KEEP_FILES + 19}" in data["runs"]


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe", b"[]", b'{"runs": {"k": {"t": ["x", -1, 1e9, 2.0]}}}', b""],
)
def test_a_corrupt_file_is_ignored_and_replaced(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "run-times.json"
    path.write_bytes(content)
    store = RunTimes(path)
    kept = store.recent("k")
    assert kept in ((), (2.0,))
    store.record("other", 0.5)
    assert RunTimes(path).recent("other") == (0.5,)


def test_another_process_runs_are_merged_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "run-times.json"
    first, second = RunTimes(path), RunTimes(path)
    first.record("a", 1.0)
    second.record("b", 2.0)
    assert RunTimes(path).recent("a") == (1.0,) and RunTimes(path).recent("b") == (2.0,)


def test_keys_separate_file_language_and_kind() -> None:
    keys = {
        key_for("/w/a.py", "python", "file"),
        key_for("/w/a.py", "python", "selection"),
        key_for("/w/a.py", None, "shebang"),
        key_for("/w/b.py", "python", "file"),
    }
    assert len(keys) == 4
    assert timing.LEARN_FROM == ("completed", "failed")
