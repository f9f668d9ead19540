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


def test_shebang_runs_cannot_carry_input_files() -> None:
    with pytest.raises(ValidationError, match="input files"):
        RawRunRequest("#!/bin/sh", RunOptions(input_files=(InputFile("a", b""),))).validate()


def test_result_duration_field_variants() -> None:
    assert RunResult.from_wire({"total_time_ms": 12}).duration_ms == 12
    assert RunResult.from_wire({"execution_time_ms": "7.5"}).duration_ms == 7.5
    assert RunResult.from_wire({"execution_time": 0.25}).duration_ms == 250
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


def test_key_info() -> None:
    info = KeyInfo.from_wire({"valid": True, "tier": "pro", "rate_per_minute": "60",
                              "concurrency": 4, "public_key": "unsb-pk-a"})  # fmt: skip
    assert (info.valid, info.tier, info.rate_per_minute, info.concurrency) == (True, "pro", 60, 4)
    assert not KeyInfo.from_wire({"valid": False, "reason": "expired"}).valid


def test_public_names_are_exported_once_and_importable() -> None:
    assert len(set(api.__all__)) == len(api.__all__)
    for name in api.__all__:
        assert hasattr(api, name), name
