"""Async result latency: job completion → result at the client, against the official poll schedule.

Programs sleep durations drawn uniformly from 0.1-4 s (seeded; the same for both sides).
For the language server (default settings: a first pass over the files is polled with the
first-run plan, later passes are re-runs sent as one `POST /execute`; see
`learned_polling.py` for each mode apart) the
latency is the arrival of `unsandbox/runFinished` at the editor minus the job's `completed_at`
as recorded by the local sandbox; the polls are counted in the server's own debug log (one
`GET /jobs/<id> -> 200` line per poll, time-stamped). The baseline is the API client polling
with the official CLI's schedule (300, 450, 700, 900, 650, 1600, 2000 ms, then 2000), its
latency measured when `wait` returns, its polls counted by `on_update`.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from benchmarks.lsp import language_server
from benchmarks.report import Figure, median
from benchmarks.sandbox import SandboxServer, job_record, start_sandbox_server

#: sleeps are drawn uniformly (stratified, seeded) from this range, so that no schedule is
#: favoured by durations that happen to end just before one of its polls
SLEEP_RANGE = (0.1, 4.0)
FULL_RUNS = 12
QUICK_RUNS = 5
SEED = 20261122
EARLY_S = 2.0
_LOG_LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}) .*GET /jobs/([\w-]+) -> 200")


def program(seconds: float) -> str:
    return f"import time\ntime.sleep({seconds})\nprint('slept {seconds}')\n"


def poll_times(log_text: str) -> dict[str, list[float]]:
    """job id → epoch seconds of each successful poll, from the server's debug log."""
    polls: dict[str, list[float]] = {}
    for line in log_text.splitlines():
        match = _LOG_LINE.match(line)
        if match:
            stamp = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
            polls.setdefault(match[2], []).append(stamp)
    return polls


def late_rate(polls: list[tuple[float, list[float]]]) -> float:
    """Polls per second once 2 s have passed since submission: the number of gaps between
    consecutive polls that start after 2 s, over their summed length (all waits together)."""
    count = 0
    span = 0.0
    for created, times in polls:
        ordered = sorted(times)
        for before, after in itertools.pairwise(ordered):
            if before - created >= EARLY_S:
                count += 1
                span += after - before
    return count / span if span > 0 else float("nan")


async def _ours(server: SandboxServer, durations: tuple[float, ...], repeats: int) -> tuple[
    list[float], list[float], list[float], list[tuple[float, list[float]]]
]:  # fmt: skip
    latencies: list[float] = []
    early: list[float] = []
    late: list[float] = []
    waits: list[tuple[float, list[float]]] = []
    with tempfile.TemporaryDirectory() as folder:
        log_file = os.path.join(folder, "server.log")
        env = {**server.env, "HOME": folder, "XDG_CACHE_HOME": os.path.join(folder, "cache")}
        async with language_server(env, None, ("-vv", "--log-file", log_file)) as editor:
            uris = {d: editor.open(Path(folder) / f"sleep_{i}.py", program(d))
                    for i, d in enumerate(durations)}  # fmt: skip
            warm = await editor.command("unsandbox.runFile", uris[durations[0]])
            await editor.finished_run(warm["runId"])
            done: list[tuple[float, str, float]] = []
            for _ in range(repeats):
                for seconds in durations:
                    answer = await editor.command("unsandbox.runFile", uris[seconds])
                    arrived, params = await editor.finished_run(answer["runId"])
                    if params.status != "completed":
                        raise RuntimeError(f"run failed: {params.summary}")
                    done.append((arrived, str(params.jobId), seconds))
            time.sleep(0.2)
            polls = poll_times(Path(log_file).read_text(encoding="utf-8"))
    for arrived, job_id, _seconds in done:
        record = job_record(server, job_id)
        latency = (arrived - float(record["completed_at"])) * 1000
        latencies.append(latency)
        if float(record["completed_at"]) - float(record["created_at"]) < EARLY_S:
            early.append(latency)
        else:
            late.append(latency)
        waits.append((float(record["created_at"]), polls.get(job_id, [])))
    return latencies, early, late, waits


def _stamper(times: list[float]) -> Callable[[object], None]:
    return lambda _update: times.append(time.time())


async def _official(server: SandboxServer, durations: tuple[float, ...], repeats: int) -> tuple[
    list[float], list[tuple[float, list[float]]]
]:  # fmt: skip
    from unsandbox_ls.api import Credentials, ExecuteRequest, UnsandboxClient
    from unsandbox_ls.api.policy import OFFICIAL_POLL_SCHEDULE

    credentials = Credentials(
        public_key=server.public_key, secret_key=server.secret_key, source="benchmark"
    )
    latencies: list[float] = []
    waits: list[tuple[float, list[float]]] = []
    async with UnsandboxClient(
        server.base_url, credentials, poll_schedule=OFFICIAL_POLL_SCHEDULE
    ) as client:
        for _ in range(repeats):
            for seconds in durations:
                job = await client.submit(ExecuteRequest("python", program(seconds)))
                times: list[float] = []
                result = await client.wait(job, on_update=_stamper(times))
                arrived = time.time()
                record = job_record(server, str(result.job_id or job.job_id))
                latencies.append((arrived - float(record["completed_at"])) * 1000)
                waits.append((float(record["created_at"]), times))
    return latencies, waits


async def measure(repeats: int, quick: bool) -> list[Figure]:
    rng = random.Random(SEED)
    count = QUICK_RUNS if quick else FULL_RUNS
    low, high = SLEEP_RANGE
    # stratified: one uniform draw in each of `count` equal slices of the range
    durations = tuple(
        round(low + (i + rng.random()) * (high - low) / count, 2) for i in range(count)
    )
    server = start_sandbox_server(max_jobs=4)
    try:
        ours, early, late, our_waits = await _ours(server, durations, repeats)
        official, official_waits = await _official(server, durations, repeats)
    finally:
        server.stop()
    sleeps = f"{len(durations)} sleeps uniform in {SLEEP_RANGE[0]:g}-{SLEEP_RANGE[1]:g} s"
    return [
        Figure(
            "result latency after job completion (async)", median(ours), median(official), "ms",
            "max", 150.0, f"{sleeps}; baseline: official CLI poll schedule",
            len(ours),
        ),
        Figure(
            "  of jobs done within 2 s", median(early), None, "ms", "max", 150.0,
            "polls every 100-300 ms there", len(early),
        ),
        Figure(
            "  of jobs done after 2 s", median(late), None, "ms", "info", None,
            "one poll a second there: about 500 ms is the floor", len(late),
        ),
        Figure(
            "polls per second after the first 2 s", late_rate(our_waits),
            late_rate(official_waits), "/s", "max", 1.0, "baseline: official CLI schedule",
            sum(1 for d in durations if d > EARLY_S) * repeats,
        ),
    ]  # fmt: skip
