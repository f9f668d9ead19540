"""The local sandbox answers as the official C client (`clients/c/src/un.c` of the official client
repository russellballestrini/un-inception, version 4.3.4, commit a9f1d62) accepts, in every
answer variant.

un.c does not parse JSON: it looks for the literal text `"key":"` (a string) or `"key":` (a
number, `null` read as missing) anywhere in the body, and takes the first match (un.c lines
745-798, `extract_json_string` and `extract_json_number`). `c_string` and `c_number` below read a
body the same way, so an answer with a space after a colon, a field under another name, or a
status code it does not take fails here as it fails for that client. Each assertion names the
lines of un.c it stands for.

un.c never calls `POST /run`; the `/run` test holds it to the reading un.c gives every result body
(`parse_execute_response`, lines 7401-7419), since an official client that sends raw code reads
the same fields.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from support.sandbox import SandboxServer

TERMINAL = ("completed", "failed", "timeout", "cancelled")  # un.c lines 1211-1214


def c_string(body: str, key: str) -> str | None:
    """The value un.c's `extract_json_string` finds: after the first `"key":"`, up to the next
    quote not preceded by a backslash, with \\n \\t \\r \\\\ \\" unescaped (lines 745-782)."""
    start = body.find(f'"{key}":"')
    if start < 0:
        return None
    i = start + len(key) + 4
    j = i
    while j < len(body) and not (body[j] == '"' and body[j - 1] != "\\"):
        j += 1
    escapes = {"n": "\n", "t": "\t", "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m[1], m[1]), body[i:j])


def c_number(body: str, key: str) -> int:
    """The value un.c's `extract_json_number` finds: after the first `"key":`, spaces skipped,
    `null` or no such key is -1, else `atoll` (leading digits only; lines 784-798)."""
    start = body.find(f'"{key}":')
    if start < 0:
        return -1
    rest = body[start + len(key) + 3 :].lstrip(" \t")
    if rest.startswith("null"):
        return -1
    match = re.match(r"[+-]?\d+", rest)
    return int(match[0]) if match else 0


def poll_as_un_c(server: SandboxServer, job_id: str) -> str:
    """`poll_job_status` (lines 1101-1225): a 404 is retried (at most 5 times), any other status
    but 200 ends the wait; a body without `"status":"` is final; else poll until terminal."""
    missing = 0
    for _ in range(600):
        time.sleep(0.05)
        response = server.request("GET", f"/jobs/{job_id}")
        if response.status_code == 404 and missing < 5:  # lines 1159-1177
            missing += 1
            continue
        assert response.status_code == 200, response.text  # lines 1193-1198
        status = c_string(response.text, "status")
        if status is None or status in TERMINAL:  # lines 1204-1220
            return response.text
    raise AssertionError(f"job {job_id} did not end")


def execute_as_un_c(server: SandboxServer, body: dict[str, Any]) -> str:
    """The C CLI's run (lines 11508-11580): HTTP 200 or it fails with `Error: HTTP <code>`; a
    `job_id` with status pending or running is polled; else the body is the result."""
    response = server.request("POST", "/execute", body)
    assert response.status_code == 200, (response.status_code, response.text)  # line 11539
    job_id = c_string(response.text, "job_id")
    status = c_string(response.text, "status")
    if job_id and status in ("pending", "running"):  # lines 11561-11572 (library: 7507-7512)
        return poll_as_un_c(server, job_id)
    return response.text


PROGRAM = "sleep 0.3\necho 'out \"quoted\"'\necho err >&2\nexit 3\n"


def check_result(body: str) -> None:
    """What `parse_execute_response` (lines 7401-7419) and `parse_and_print_response` (lines
    893-912) read from a finished run's body."""
    assert c_string(body, "stdout") == 'out "quoted"\n', body  # lines 895, 7410
    assert c_string(body, "stderr") == "err\n", body  # lines 902, 7411
    assert c_number(body, "exit_code") == 3, body  # line 7414
    # success is `exit_code == 0 && !error`: a run that ended by itself has no "error" string
    assert c_string(body, "error") is None, body  # lines 7412, 7417, 909
    assert c_string(body, "language") == "bash", body  # line 7413
    # the run time, in milliseconds (`exec_time_ms / 1000.0` gives seconds): the job slept 0.3 s
    assert c_number(body, "execution_time") >= 300, body  # lines 7415-7416


def test_execute_answers_as_the_c_cli_reads_it(sandbox_variant: SandboxServer) -> None:
    body = {"language": "bash", "code": PROGRAM, "ttl": 30}  # as lines 11426-11488 build it
    check_result(execute_as_un_c(sandbox_variant, body))


def test_run_answers_as_un_c_reads_a_result(sandbox_variant: SandboxServer) -> None:
    response = sandbox_variant.request("POST", "/run", content=b"#!/bin/bash\n" + PROGRAM.encode())
    assert response.status_code == 200, response.text
    body = response.text
    job_id = c_string(body, "job_id")
    if job_id and c_string(body, "status") in ("pending", "running"):
        body = poll_as_un_c(sandbox_variant, job_id)
    check_result(body)


def test_async_submission_and_the_job_as_un_c_reads_them(
    sandbox_variant: SandboxServer,
) -> None:
    response = sandbox_variant.request(
        "POST", "/execute/async", {"language": "bash", "code": PROGRAM}
    )
    assert response.status_code in (200, 202), response.text  # line 7597
    job_id = c_string(response.text, "job_id")
    assert job_id, response.text  # lines 7603-7608
    check_result(poll_as_un_c(sandbox_variant, job_id))  # `unsandbox_wait_job`, lines 7612-7638
    # `un jobs --get ID` (lines 10744-10810) and `unsandbox_get_job` (lines 7640-7712)
    got = sandbox_variant.request("GET", f"/jobs/{job_id}")
    assert got.status_code == 200  # lines 7689, 10771
    text = got.text
    assert c_string(text, "job_id") == job_id  # lines 7702, 10776
    assert c_string(text, "status") == "completed"  # lines 7705, 10777
    assert c_string(text, "language") == "bash"  # lines 7704, 10778
    assert c_number(text, "created_at") > 0 and c_number(text, "completed_at") > 0  # 7706-7707
    assert c_string(text, "stdout") == 'out "quoted"\n'  # lines 10791-10796
    # `un jobs` / `unsandbox_list_jobs` (lines 10813-10870, 7766-7860): `"jobs":[` and each
    # job's fields inside its own object
    listed = sandbox_variant.request("GET", "/jobs")
    assert listed.status_code == 200  # lines 7806, 10839
    text = listed.text
    start = text.find('"jobs":[')
    assert start >= 0, text  # lines 809-811, 7830, 10851
    ours = text[text.find(f'"job_id":"{job_id}"', start) :]
    assert ours and c_string(ours, "status") == "completed", text  # lines 10855-10860
    assert c_string(ours, "language") == "bash" and c_number(ours, "created_at") > 0


def test_cancel_answers_as_un_c_accepts(sandbox_variant: SandboxServer) -> None:
    response = sandbox_variant.request(
        "POST", "/execute/async", {"language": "bash", "code": "sleep 30"}
    )
    job_id = c_string(response.text, "job_id")
    assert job_id
    cancelled = sandbox_variant.request("DELETE", f"/jobs/{job_id}")
    # `un jobs --cancel` and `unsandbox_cancel_job` take 200 or 204 (lines 10737, 7763)
    assert cancelled.status_code in (200, 204), cancelled.text
    # after it, the job reads as terminal (lines 1211-1214)
    assert c_string(poll_as_un_c(sandbox_variant, job_id), "status") == "cancelled"


def test_languages_and_health_as_un_c_reads_them(sandbox_variant: SandboxServer) -> None:
    response = sandbox_variant.request("GET", "/languages")
    assert response.status_code == 200  # line 2086
    text = response.text
    start = text.find('"languages":[')  # line 2093 (and 7900 in the library)
    assert start >= 0, text
    names = re.findall(r'"([^"]+)"', text[text.index("[", start) : text.index("]", start)])
    assert "bash" in names and "python" in names, names  # lines 2117-2131: one per line
    # `unsandbox_health_check` asks with CURLOPT_NOBODY, i.e. HEAD, and wants 200 (6876-6890)
    health = httpx.head(sandbox_variant.base_url + "/health", timeout=10)
    assert health.status_code == 200
