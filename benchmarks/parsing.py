"""stderr parsing speed: 10 MB of real tracebacks and 1 MB adversarial lines, against `splitlines`.

The tracebacks are real: the problem test programs (`tests/problems/programs/`) are run through
the local sandbox here, and the committed captures of runtimes the sandbox lacks
(`tests/problems/captures/<runtime>/*.stderr`, parsed as the language of the program beside
them) are added when present. Each language's output is repeated
up to 10 MB and parsed by that language's parser. The adversarial inputs are single 1 MB lines
built to stress the patterns the parsers use (long runs of path characters, digits, separators,
open quotes, escape sequences); every language's parser reads each of them.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx

from benchmarks.report import Figure, median
from benchmarks.sandbox import SandboxServer, signed_headers, start_sandbox_server

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "tests" / "problems"
TEN_MB = 10 * 1024 * 1024
ONE_MB = 1024 * 1024
QUICK_LANGUAGES = ("python", "javascript", "bash")


def adversarial_lines() -> dict[str, str]:
    """Single lines of about 1 MB; none ends with a newline."""
    n = ONE_MB
    return {
        "one character": "x" * n,
        "path characters": "/a" * (n // 2),
        "file:line runs": "a.py:1:" * (n // 7),
        "digits after a python frame": 'File "main.py", line ' + "9" * n,
        "open quote": 'File "' + "a" * n,
        "open parenthesis frames": "    at f (" * (n // 10),
        "spaces then text": " " * n + "Error: x",
        "colons": ":" * n,
        "escape sequences": "\x1b[" * (n // 2),
        "error words": "error: " * (n // 7),
    }


def _timed(function: object, *args: object, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function(*args)  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return median(samples)


async def _run_program(
    http: httpx.AsyncClient, server: SandboxServer, language: str, code: str
) -> tuple[str, str] | None:
    import json

    body = json.dumps({"language": language, "code": code, "ttl": 60}).encode()
    headers = signed_headers(server.public_key, server.secret_key, "POST", "/execute", body)
    headers["Content-Type"] = "application/json"
    response = await http.post(server.base_url + "/execute", content=body, headers=headers)
    if response.status_code != 200:
        return None
    data = response.json()
    if data.get("status") != "completed":
        return None
    return str(data.get("stderr") or ""), str(data.get("stdout") or "")


async def real_outputs(quick: bool) -> dict[str, list[tuple[str, str]]]:
    """language → [(stderr, stdout)] of the problem programs, run now through the sandbox."""
    if str(PROBLEMS) not in sys.path:
        sys.path.insert(0, str(PROBLEMS))
    from problem_expectations import programs  # type: ignore[import-not-found]

    wanted = [
        p for p in programs() if not quick or p.language in QUICK_LANGUAGES
    ]  # fmt: skip
    server = start_sandbox_server(max_jobs=4)
    outputs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    try:
        gate = asyncio.Semaphore(4)
        async with httpx.AsyncClient(timeout=180) as http:

            async def one(language: str, code: str) -> None:
                async with gate:
                    got = await _run_program(http, server, language, code)
                if got and (got[0].strip() or got[1].strip()):
                    outputs[language].append(got)

            await asyncio.gather(*(one(p.language, p.code) for p in wanted))
    finally:
        server.stop()
    captures = PROBLEMS / "captures"
    if not quick and captures.is_dir():
        from problem_expectations import language_of

        for stderr in sorted(captures.glob("*/*.stderr")):
            stdout = stderr.with_suffix(".stdout")
            program = stderr.with_suffix("")  # captures/<runtime>/<name>.<ext>.stderr
            outputs[language_of(program)].append(
                (
                    stderr.read_text(encoding="utf-8", errors="replace"),
                    stdout.read_text(encoding="utf-8", errors="replace")
                    if stdout.is_file()
                    else "",
                )
            )
    return dict(outputs)


def ten_megabytes(samples: list[tuple[str, str]]) -> str:
    block = "".join(stderr if stderr.endswith("\n") else stderr + "\n" for stderr, _ in samples)
    if not block.strip():
        block = "".join(stdout for _, stdout in samples)
    return (block * (TEN_MB // max(1, len(block)) + 1))[:TEN_MB]


async def measure(repeats: int, quick: bool) -> list[Figure]:
    from unsandbox_ls.problems import parse_output

    outputs = await real_outputs(quick)
    if not outputs:
        raise RuntimeError("no program produced output through the sandbox")
    figures: list[Figure] = []
    per_language: dict[str, tuple[float, float, int]] = {}
    for language, samples in sorted(outputs.items()):
        text = ten_megabytes(samples)
        parse_output(language, text[:100_000])  # import and warm the parser
        ours = _timed(parse_output, language, text, repeats=repeats)
        base = _timed(str.splitlines, text, repeats=repeats)
        found = len(parse_output(language, text[: len(text) // 10]))
        per_language[language] = (ours, base, found)
    python = per_language.get("python")
    if python:
        figures.append(
            Figure(
                "parse 10 MB of real Python tracebacks", python[0] * 1000, python[1] * 1000,
                "ms", "max", 200.0, "baseline: str.splitlines over the same text", repeats,
            )
        )  # fmt: skip
    worst_language = max(per_language, key=lambda k: per_language[k][0])
    ours, base, _ = per_language[worst_language]
    listed = ", ".join(f"{k} {v[0] * 1000:.0f}" for k, v in sorted(per_language.items()))
    figures.append(
        Figure(
            f"parse 10 MB, slowest language ({worst_language})", ours * 1000, base * 1000, "ms",
            "max", 200.0, f"{len(per_language)} languages, ms: {listed}", repeats,
        )
    )  # fmt: skip

    # the worst of many (line, parser) pairs: a median of 5 keeps one noisy sample out of it
    tries = max(5, repeats)
    worst: tuple[float, float, str, str] = (0.0, 0.0, "", "")
    for label, line in adversarial_lines().items():
        base = _timed(str.splitlines, line, repeats=tries)
        for language in sorted(per_language):
            took = _timed(parse_output, language, line, repeats=tries)
            if took > worst[0]:
                worst = (took, base, label, language)
    took, base, label, language = worst
    figures.append(
        Figure(
            "parse a 1 MB adversarial line (worst case)", took * 1000, base * 1000, "ms", "max",
            50.0, f"worst: {label!r} read by the {language} parser; "
            f"{len(adversarial_lines())} lines x {len(per_language)} parsers", tries,
        )
    )  # fmt: skip
    return figures
