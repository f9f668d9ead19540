"""Request validation and the lenient reading of results (documented variations of the API)."""

from __future__ import annotations

import base64

import pytest

import unsandbox_ls.api as api
from unsandbox_ls.api.errors import ValidationError
from unsandbox_ls.api.models import (
    ExecuteRequest,
    InputFile,
    Job,
    KeyInfo,
    RawRunRequest,
    RunOptions,
    RunResult,
)


def test_execute_body_sends_only_documented_fields() -> None:
    files = (InputFile("in.txt", b"\x00\xff"),)
    options = RunOptions(ttl=5, network_mode="semitrusted", env={"A": "b"}, input_files=files,
                         return_artifact=True)  # fmt: skip
    assert ExecuteRequest("go", "package main", options).to_wire() == {
        "language": "go",
        "code": "package main",
        "network_mode": "semitrusted",
        "ttl": 5,
        "env": {"A": "b"},
        "input_files": [{"filename": "in.txt", "content": "AP8="}],
        "return_artifact": True,
    }
    assert set(ExecuteRequest("c", "").to_wire()) == {"language", "code", "network_mode", "ttl"}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (RunOptions(ttl=0), "between 1 and 900"),
        (RunOptions(ttl=901), "between 1 and 900"),
        (RunOptions(ttl=True), "whole number"),
        (RunOptions(network_mode="semitrust"), "zerotrust"),
        (RunOptions(vcpu=0), "between 1 and 8"),
        (RunOptions(vcpu=9), "between 1 and 8"),
        (RunOptions(vcpu=True), "whole number"),
        (RunOptions(env={f"K{i}": "v" for i in range(257)}), "at most 256"),
        (RunOptions(env={"A=B": "v"}), "invalid environment variable name"),
        (RunOptions(input_files=tuple(InputFile(f"f{i}", b"") for i in range(11))), "at most 10"),
        (RunOptions(input_files=(InputFile("../x", b""),)), "relative path"),
        (RunOptions(input_files=(InputFile("a/../../x", b""),)), "relative path"),
        (RunOptions(input_files=(InputFile("/etc/x", b""),)), "relative path"),
        (RunOptions(input_files=(InputFile("a//b", b""),)), "relative path"),
        (RunOptions(input_files=(InputFile("a/./b", b""),)), "relative path"),
        (RunOptions(input_files=(InputFile("a\\b", b""),)), "relative path"),
        (RunOptions(input_files=(InputFile("a/", b""),)), "relative path"),
        (RunOptions(input_files=(InputFile("pkg", b""), InputFile("pkg/u.py", b""))),
         "also the folder of 'pkg/u.py'"),
        (RunOptions(input_files=(InputFile("a", b""), InputFile("a", b""))), "given twice"),
        (RunOptions(input_files=(InputFile("big", b"x" * (5 * 1024 * 1024 + 1)),)), "5 MB"),
        (RunOptions(input_files=tuple(InputFile(f"f{i}", b"x" * (4 * 1024 * 1024))
                                      for i in range(3))), r"10 MB in all: f0 \(4.2 MB\), f1"),
        (RunOptions(input_files=tuple(InputFile(f"f{i}.py", b"x" * 2000) for i in range(11))),
         r"at most 10: f0.py \(2.0 kB\), .*f10.py \(2.0 kB\)"),
    ],
)  # fmt: skip
def test_invalid_options_are_refused_before_sending(options: RunOptions, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        ExecuteRequest("python", "", options).validate()


def test_names_with_subfolders_are_accepted() -> None:
    files = (InputFile("pkg/__init__.py", b""), InputFile("pkg/sub/util.py", b"x"))
    ExecuteRequest("python", "", RunOptions(input_files=files)).validate()


def test_vcpu_and_wasm_are_sent_only_when_asked_for() -> None:
    body = ExecuteRequest("c", "", RunOptions(vcpu=4, return_wasm_artifact=True)).to_wire()
    assert (body["vcpu"], body["return_wasm_artifact"]) == (4, True)
    assert "vcpu" not in ExecuteRequest("c", "", RunOptions(vcpu=1)).to_wire()


def test_shebang_run_query_carries_every_option() -> None:
    options = RunOptions(ttl=9, env={"A": "b c"}, return_artifact=True, return_wasm_artifact=True,
                         vcpu=2)  # fmt: skip
    assert RawRunRequest("#!/bin/sh", options).query() == {
        "ttl": "9", "network_mode": "zerotrust", "env": '{"A":"b c"}',
        "return_artifact": "true", "return_wasm_artifact": "true", "vcpu": "2",
    }  # fmt: skip
    assert RawRunRequest("#!/bin/sh").query() == {"ttl": "60", "network_mode": "zerotrust"}


def test_shebang_runs_cannot_carry_input_files() -> None:
    with pytest.raises(ValidationError, match="input files"):
        RawRunRequest("#!/bin/sh", RunOptions(input_files=(InputFile("a", b""),))).validate()


def test_result_duration_field_variants() -> None:
    assert RunResult.from_wire({"total_time_ms": 12}).duration_ms == 12
    assert RunResult.from_wire({"execution_time_ms": "7.5"}).duration_ms == 7.5
    # the official C library reads `execution_time` as milliseconds (exec_time_ms / 1000.0)
    assert RunResult.from_wire({"execution_time": 250}).duration_ms == 250
    assert RunResult.from_wire({}).duration_ms is None


def test_result_tolerates_odd_types_and_extra_fields() -> None:
    result = RunResult.from_wire({
        "stdout": None, "stderr": 5, "exit_code": True, "language": ["x"], "surprise": {},
        "created_at": "2026-01-02T03:04:05Z", "completed_at": 1767323046.5, "error": None,
    })  # fmt: skip
    assert (result.stdout, result.stderr, result.exit_code, result.language) == (
        "",
        "5",
        None,
        None,
    )
    assert result.created_at == 1767323045.0 and result.completed_at == 1767323046.5
    assert result.error is None and result.status == "completed"


def test_artifacts_both_shapes() -> None:
    blob = base64.b64encode(b"\x7fELF...").decode()
    result = RunResult.from_wire({
        "artifacts": [{"filename": "main", "content_base64": blob, "mime_type": "x"}, "junk",
                      {"filename": "no-content"}],
        "artifact": {"type": "base64", "data": blob, "filename": "legacy"},
    })  # fmt: skip
    assert [(a.filename, a.content) for a in result.artifacts] == [
        ("main", b"\x7fELF..."), ("legacy", b"\x7fELF...")
    ]  # fmt: skip
    assert "ELF" not in repr(result.artifacts[0])


def test_job_result_is_flat_and_only_when_terminal() -> None:
    running = Job.from_wire({"job_id": "a", "status": "running", "stdout": "partial"})
    assert not running.done and running.result is None
    done = Job.from_wire({"job_id": "a", "status": "timeout", "stdout": "partial"})
    assert done.done and done.result is not None
    assert (done.result.status, done.result.stdout) == ("timeout", "partial")
    assert Job.from_wire({}).status == "pending"


#: a terminal job exactly as the API docs show it (result nested, integer timestamps, docs' id)
DOCS_JOB = {
    "job_id": "job_1234567890_abc", "status": "completed", "created_at": 1699564800,
    "started_at": 1699564801, "completed_at": 1699564802,
    "result": {"success": False, "stdout": "out\n", "stderr": "err\n", "error": None,
               "exit_code": 3, "language": "python", "detected_language": None,
               "artifacts": [], "execution_mode": "pooled", "network_mode": "zerotrust",
               "total_time_ms": 42},
}  # fmt: skip


def test_a_nested_job_is_read_like_a_flat_one() -> None:
    nested = Job.from_wire(DOCS_JOB)
    flat_data = {k: v for k, v in DOCS_JOB.items() if k != "result"}
    flat_data.update(DOCS_JOB["result"])  # type: ignore[arg-type]
    flat = Job.from_wire(flat_data)
    for job in (nested, flat):
        assert job.done and job.result is not None and job.language == "python"
        result = job.result
        assert (result.status, result.exit_code, result.stdout, result.stderr) == (
            "completed", 3, "out\n", "err\n")  # fmt: skip
        assert (result.job_id, result.duration_ms, result.created_at) == (
            "job_1234567890_abc", 42, 1699564800)  # fmt: skip
    assert nested.result == flat.result


def test_the_nested_result_wins_over_flat_leftovers() -> None:
    data = {"job_id": "7d3c3f1e-0000-4000-8000-000000000000", "status": "failed",
            "stdout": "", "completed_at": "2026-01-02T03:04:05Z",
            "result": {"stdout": "nested", "exit_code": 1, "status": "completed"}}  # fmt: skip
    result = RunResult.from_wire(data)
    assert (result.stdout, result.exit_code, result.status) == ("nested", 1, "failed")
    assert result.completed_at == 1767323045.0
    # `result` that is not an object is ignored
    assert RunResult.from_wire({"stdout": "flat", "result": "ok"}).stdout == "flat"


def test_the_docs_cancel_answer_is_a_cancelled_result_with_its_output() -> None:
    answer = {
        "message": "Job cancelled", "job_id": "job_1", "status": "cancelled",
        "result": {"success": False, "stdout": "Partial output before cancel...", "stderr": "",
                   "error": "Job cancelled by user", "exit_code": -1},
    }  # fmt: skip
    result = Job.from_wire(answer).result
    assert result is not None
    assert (result.status, result.stdout, result.error) == (
        "cancelled", "Partial output before cancel...", "Job cancelled by user")  # fmt: skip
    assert result.exit_code is None  # -1 marks the cancel; it is not the program's status


def test_key_info() -> None:
    info = KeyInfo.from_wire({"valid": True, "tier": "pro", "rate_per_minute": "60",
                              "concurrency": 4, "public_key": "unsb-pk-a"})  # fmt: skip
    assert (info.valid, info.tier, info.rate_per_minute, info.concurrency) == (True, "pro", 60, 4)
    assert not KeyInfo.from_wire({"valid": False, "reason": "expired"}).valid


def test_public_names_are_exported_once_and_importable() -> None:
    assert len(set(api.__all__)) == len(api.__all__)
    for name in api.__all__:
        assert hasattr(api, name), name
