"""The run history store: appends from two processes at once, trimming, a corrupt line skipped."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from unsandbox_ls.runs import history, report
from unsandbox_ls.runs.report import RunReport
from unsandbox_ls.sent_file import SentFile


@pytest.fixture(autouse=True)
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder


def _record(file: Path, number: int, writer: str = "t") -> dict[str, object]:
    return {"file": str(file), "when": f"2026-01-01T00:00:{number % 60:02d}Z", "kind": "file",
            "status": "completed", "exitCode": number % 3, "durationMs": number,
            "runId": f"{writer}-{number}", "summary": "x" * 300}  # fmt: skip


def _writer(root: str, file: str, writer: str, count: int, cache: str) -> None:
    os.environ["XDG_CACHE_HOME"] = cache
    for number in range(count):
        history.append(Path(root), _record(Path(file), number, writer), keep=1000)


def test_two_processes_append_at_once_without_losing_or_tearing_a_line(
    tmp_path: Path, cache: Path
) -> None:
    root, file = tmp_path / "ws", tmp_path / "ws" / "a.py"
    root.mkdir()
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_writer, args=(str(root), str(file), name, 150, str(cache)))
        for name in ("server", "cli")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    lines = history.store_path(root).read_text().splitlines()
    assert len(lines) == 300
    ids = {json.loads(line)["runId"] for line in lines}  # every line parses
    assert ids == {f"{w}-{n}" for w in ("server", "cli") for n in range(150)}


def test_the_store_keeps_the_last_runs(tmp_path: Path) -> None:
    file = tmp_path / "a.py"
    for number in range(25):
        history.append(tmp_path, _record(file, number), keep=10)
    records = history.load(tmp_path)
    assert [r["runId"] for r in records] == [f"t-{n}" for n in range(15, 25)]
    assert history.runs_of(str(file), [str(tmp_path)])[0]["runId"] == "t-24"  # newest first


def test_a_corrupt_line_is_skipped_and_the_rest_kept(tmp_path: Path) -> None:
    file = tmp_path / "a.py"
    history.append(tmp_path, _record(file, 1))
    with history.store_path(tmp_path).open("a") as store:
        store.write(
            '{"file": "torn',
        )
        store.write("\nnot json at all\n[1, 2]\n")
    history.append(tmp_path, _record(file, 2))
    assert [r["runId"] for r in history.load(tmp_path)] == ["t-1", "t-2"]


def test_workspaces_are_kept_apart_and_found_from_a_marker(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "pkg").mkdir()
    other = tmp_path / "other"
    other.mkdir()
    assert history.workspace_root(repo / "pkg" / "a.py") == repo
    assert history.folder_root(repo) == history.folder_root(repo / "pkg") == repo
    assert history.workspace_root(other / "b.py", [str(tmp_path)]) == tmp_path
    assert history.workspace_root(other / "b.py") == other
    assert history.store_path(repo) != history.store_path(other)


def test_a_record_from_a_report_keeps_no_output_and_no_environment(tmp_path: Path) -> None:
    file = tmp_path / "a.py"
    sent = (
        SentFile.from_text("main.py", "x", path=str(file), origin="program"),
        SentFile.from_bytes("d.csv", b"SECRET-DATA", path=str(tmp_path / "d.csv"), origin="named"),
    )
    done = RunReport(
        run_id="r1", uri=file.as_uri(), path=str(file), name="a.py", kind="file",
        language="python", status="completed", exit_code=1, duration_ms=420.2, job_id="j1",
        summary="a.py: exit 1", files=sent, stdout="SECRET-OUT", stderr="SECRET-ERR",
        shown_stdout="SECRET-OUT", shown_stderr="SECRET-ERR", log_path="/x.log",
    )  # fmt: skip
    row = report.history_row(done, source="server")
    history.record(row, path=str(file), folders=[str(tmp_path)])
    text = history.store_path(tmp_path).read_text()
    assert "SECRET" not in text
    (record,) = history.load(tmp_path)
    assert record["file"] == str(file) and record["files"] == ["d.csv"]
    assert record["exitCode"] == 1 and record["durationMs"] == 420 and record["jobId"] == "j1"
    assert record["logPath"] == "/x.log" and record["when"].endswith("Z")


def test_diff_of_the_last_two_runs_reads_their_logs(tmp_path: Path) -> None:
    file = tmp_path / "a.py"
    logs = []
    runs = history._runs_folder()  # a record's log is read only from the cache's runs folder
    runs.mkdir(parents=True)
    for number, (out, err) in enumerate([("one\ntwo\n", ""), ("one\nthree\n", "Boom\n")]):
        log = runs / f"{number}.log"
        log.write_text(f"# header\n# more\n\n=== stdout ===\n{out}\n=== stderr ===\n{err}")
        logs.append(log)
        extra = {"logPath": str(log), "exitCode": number, "durationMs": 300 + 100 * number}
        history.append(tmp_path, {**_record(file, number), **extra})
    assert isinstance(history.diff_last_runs(str(tmp_path / "none.py"), [str(tmp_path)]), str)
    found = history.diff_last_runs(str(file), [str(tmp_path)])
    assert not isinstance(found, str)
    assert found.header == "exit 0 → exit 1 · 0.30 s → 0.40 s (+0.10 s)"
    assert "-two\n" in found.diff and "+three\n" in found.diff and "+Boom\n" in found.diff
    assert found.latest["stdout"] == "one\nthree\n" and found.latest["stderr"] == "Boom\n"
    assert found.previous["stdout"] == "one\ntwo\n" and found.previous["stderr"] == ""


def test_the_log_keeps_the_code_and_the_diff_opens_with_its_change(tmp_path: Path) -> None:
    from unsandbox_ls.runs import output

    file = tmp_path / "a.py"
    for number, code in enumerate(["x = 1\nprint(x)\n", "x = 2\nprint(x)\n"]):
        log = output.write_log(f"r{number}", "a.py", ["# a.py"], f"{number + 1}\n", "", code=code)
        assert log is not None and history.read_code(log) == code
        extra = {"logPath": log, "exitCode": 0, "durationMs": 300}
        history.append(tmp_path, {**_record(file, number), **extra})
    found = history.diff_last_runs(str(file), [str(tmp_path)])
    assert not isinstance(found, str)
    changed = [line for line in found.diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == ["-x = 1\n", "+x = 2\n", "-1\n", "+2\n"]  # the code's line, then the output's
    assert found.latest["code"] == "x = 2\nprint(x)\n" and found.latest["stdout"] == "2\n"
    assert found.latest["output"].startswith("=== code ===\nx = 2\n")
