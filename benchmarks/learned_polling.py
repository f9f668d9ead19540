"""Polling that learns each file's run time, against same-run baselines, over a mix of lengths.

Jobs sleep a nominal length (0.1-30 s; fewer, shorter ones with --quick) times a uniform
±10 % jitter drawn per run (seeded; the same draws for every strategy). Each "file" is a chain
of runs: a first run (no history) and re-runs that know the chain's earlier run times. Every
chain of every strategy runs at once in one local sandbox (started with enough slots), so
the strategies meet the same load. Strategies, all through the API client:

- `learned`: what the language server now does (`run_request(mode="auto", recent=…)`): a
  first run polls with the first-run plan; a re-run goes out as one `POST /execute` when its
  recent runs all ended within 5 s, else is polled around the expected end;
- `learned-async`: the same plans, never `/execute` (for lengths up to 3 s: what the sync
  request gains over the best polling);
- `today`: `/execute/async`, then the previous schedule (100-300 ms for 2 s, then 1 s);
- `official`: `/execute/async`, then the official clients' schedule.

Latency is the result's arrival at the client minus the job's `completed_at` recorded by the
sandbox. Requests per run count the submission and every poll (`on_update`). Polls per second
after 10 s are counted over first runs of jobs longer than 10 s (the gaps between polls that
both come after 10 s, over their summed length).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.report import Figure, median, percentile
from benchmarks.sandbox import SandboxServer, job_record, start_sandbox_server

SEED = 20261130
JITTER = 0.10
#: nominal length (s) → chains (files) per strategy; re-runs per chain
FULL_MIX: dict[float, int] = {0.1: 2, 0.3: 2, 1.0: 2, 3.0: 2, 10.0: 2, 30.0: 1}
QUICK_MIX: dict[float, int] = {0.1: 2, 0.5: 2, 2.0: 2, 12.0: 1}
FULL_RERUNS = 4
QUICK_RERUNS = 3
STRATEGIES = ("learned", "learned-async", "today", "official")
ASYNC_ONLY_UP_TO = 3.0
STEADY_AFTER = 10.0
#: extra one-run files per length ≤ 2 s, for the first-run figures
FIRST_ONLY = 6
#: runs of jobs this short go one at a time (interleaved across strategies): a dozen chains
#: starting processes back to back would saturate two cores and delay every answer
SERIAL_UP_TO = 1.0


def program(seconds: float) -> str:
    return f"import time\ntime.sleep({seconds:.4f})\n"


@dataclass
class Sample:
    strategy: str
    length: float
    rerun: bool
    job_id: str
    arrived: float
    requests: int
    poll_times: list[float] = field(default_factory=list)
    latency_ms: float = float("nan")


async def _one(client: object, strategy: str, seconds: float, recent: list[float]) -> Sample:
    from unsandbox_ls.api import ExecuteRequest, JobUpdate, UnsandboxClient
    from unsandbox_ls.api.policy import DEFAULT_POLL_SCHEDULE, OFFICIAL_POLL_SCHEDULE
    from unsandbox_ls.api.run_mode import RunObservation

    assert isinstance(client, UnsandboxClient)
    request = ExecuteRequest("python", program(seconds))
    polls: list[float] = []

    def seen(update: JobUpdate) -> None:
        if update.polls:
            polls.append(update.elapsed)

    if strategy in ("learned", "learned-async"):
        observed = RunObservation()
        mode = "auto" if strategy == "learned" else "async"
        result = await client.run_request(
            request, mode=mode, recent=tuple(recent), observed=observed, on_update=seen
        )
        if observed.run_s is not None:
            recent.append(observed.run_s)
            del recent[:-5]
    else:
        schedule = DEFAULT_POLL_SCHEDULE if strategy == "today" else OFFICIAL_POLL_SCHEDULE
        job = await client.submit(request)
        result = await client.wait(job, poll_schedule=schedule, on_update=seen)
    arrived = time.time()
    if result.status != "completed" or not result.job_id:
        raise RuntimeError(f"{strategy} run of {seconds} s: {result.status} {result.error}")
    return Sample(strategy, seconds, False, result.job_id, arrived, 1 + len(polls), polls)


async def _chain(
    client: object,
    strategy: str,
    length: float,
    draws: Sequence[float],
    start_in: float,
    one_at_a_time: asyncio.Semaphore,
) -> list[Sample]:
    await asyncio.sleep(start_in)
    recent: list[float] = []
    samples = []
    for i, factor in enumerate(draws):
        if length <= SERIAL_UP_TO:
            async with one_at_a_time:
                sample = await _one(client, strategy, round(length * factor, 3), recent)
        else:
            sample = await _one(client, strategy, round(length * factor, 3), recent)
        sample.length, sample.rerun = length, i > 0
        samples.append(sample)
    return samples


def steady_rate(samples: Sequence[Sample]) -> float:
    count, span = 0, 0.0
    for sample in samples:
        for before, after in itertools.pairwise(sample.poll_times):
            if before >= STEADY_AFTER:
                count += 1
                span += after - before
    return count / span if span > 0 else float("nan")


async def run_mix(quick: bool) -> tuple[list[Sample], SandboxServer | None]:
    from unsandbox_ls.api import Credentials, UnsandboxClient

    mix = QUICK_MIX if quick else FULL_MIX
    reruns = QUICK_RERUNS if quick else FULL_RERUNS
    rng = random.Random(SEED)
    plan: list[tuple[str, float, list[float], float]] = []
    for length, chains in mix.items():
        for _ in range(chains):
            draws = [rng.uniform(1 - JITTER, 1 + JITTER) for _ in range(reruns + 1)]
            # long chains start first, short ones once those have started: dozens of jobs
            # starting at once on a small machine would delay every answer meanwhile
            start_in = rng.uniform(0, 2.0) if length > ASYNC_ONLY_UP_TO else 4 + rng.uniform(0, 1)
            for strategy in STRATEGIES:
                if strategy == "learned-async" and length > ASYNC_ONLY_UP_TO:
                    continue
                plan.append((strategy, length, draws, start_in))
    # more first runs of short jobs (one run per file): their latency is spread over a
    # 100-300 ms poll gap, so a handful of samples says little
    for length in mix:
        if length <= 2.0:
            for _ in range(FIRST_ONLY):
                start_in = 4 + rng.uniform(0, 1)
                draw = [rng.uniform(1 - JITTER, 1 + JITTER)]
                for strategy in ("learned", "today"):
                    plan.append((strategy, length, draw, start_in))
    server = start_sandbox_server(max_jobs=len(plan) + 2)
    try:
        credentials = Credentials(
            public_key=server.public_key, secret_key=server.secret_key, source="benchmark"
        )
        async with UnsandboxClient(server.base_url, credentials) as warm:
            from unsandbox_ls.api import ExecuteRequest

            await warm.execute(ExecuteRequest("python", "pass"))
        clients = {}
        for strategy in STRATEGIES:  # one client (one connection pool) per strategy
            clients[strategy] = UnsandboxClient(server.base_url, credentials)
        try:
            serial = asyncio.Semaphore(1)
            chains = await asyncio.gather(
                *(_chain(clients[s], s, length, d, t, serial) for s, length, d, t in plan)
            )
        finally:
            for client in clients.values():
                await client.aclose()
        samples = [s for chain in chains for s in chain]
        for sample in samples:
            record = job_record(server, sample.job_id)
            sample.latency_ms = (sample.arrived - float(record["completed_at"])) * 1000
    finally:
        server.stop()
    return samples, None


def _pick(samples: Sequence[Sample], strategy: str, rerun: bool | None = None,
          length: float | None = None) -> list[Sample]:  # fmt: skip
    return [
        s for s in samples
        if s.strategy == strategy and (rerun is None or s.rerun == rerun)
        and (length is None or s.length == length)
    ]  # fmt: skip


def _lat(samples: Sequence[Sample]) -> list[float]:
    return [s.latency_ms for s in samples]


def _requests(samples: Sequence[Sample]) -> float:
    return sum(s.requests for s in samples) / len(samples) if samples else float("nan")


async def measure(quick: bool) -> list[Figure]:
    samples, _ = await run_mix(quick)
    lengths = sorted({s.length for s in samples})
    per_length = []
    worst50 = worst90 = 0.0
    worst50_official = worst90_official = 0.0
    for length in lengths:
        ours = _lat(_pick(samples, "learned", True, length))
        official = _lat(_pick(samples, "official", True, length))
        today = _lat(_pick(samples, "today", True, length))
        p50, p90 = median(ours), percentile(ours, 0.9)
        worst50, worst90 = max(worst50, p50), max(worst90, p90)
        worst50_official = max(worst50_official, median(official))
        worst90_official = max(worst90_official, percentile(official, 0.9))
        per_length.append(
            f"{length:g} s: {p50:.0f}/{p90:.0f} (today {median(today):.0f}/"
            f"{percentile(today, 0.9):.0f}, official {median(official):.0f}/"
            f"{percentile(official, 0.9):.0f}; requests "
            f"{_requests(_pick(samples, 'learned', True, length)):.1f} vs "
            f"{_requests(_pick(samples, 'official', True, length)):.1f})"
        )
    short = [length for length in lengths if length <= ASYNC_ONLY_UP_TO]
    sync_vs_async = "; ".join(
        f"{length:g} s: {median(_lat(_pick(samples, 'learned', True, length))):.0f} vs "
        f"{median(_lat(_pick(samples, 'learned-async', True, length))):.0f}"
        for length in short
    )
    first_ours = [s for s in _pick(samples, "learned", False) if s.length <= 2.0]
    first_today = [s for s in _pick(samples, "today", False) if s.length <= 2.0]
    long_first = [length for length in lengths if length > STEADY_AFTER]
    steady_ours = steady_rate(
        [s for s in _pick(samples, "learned", False) if s.length in long_first]
    )
    steady_today = steady_rate(
        [s for s in _pick(samples, "today", False) if s.length in long_first]
    )
    steady_official = steady_rate(
        [s for s in _pick(samples, "official", False) if s.length in long_first]
    )
    reruns = _pick(samples, "learned", True)
    mix = f"lengths {', '.join(f'{x:g}' for x in lengths)} s ±10 %"
    return [
        Figure(
            "re-runs: latency after completion, worst p50 over lengths", worst50,
            worst50_official, "ms", "max", 60.0,
            f"{mix}; baseline: official schedule's worst p50; p50/p90 ms per length: "
            + "; ".join(per_length), len(reruns),
        ),
        Figure(
            "re-runs: latency after completion, worst p90 over lengths", worst90,
            worst90_official, "ms", "max", 150.0, "baseline: official schedule's worst p90",
            len(reruns),
        ),
        Figure(
            "re-runs: requests per run (submission + polls)", _requests(reruns),
            _requests(_pick(samples, "official", True)), "", "ratio", 1.0,
            f"baseline: official schedule; today's {_requests(_pick(samples, 'today', True)):.1f}",
            len(reruns),
        ),
        Figure(
            "  re-runs ≤ 3 s: one POST /execute vs learned polling (p50 ms)",
            median(_lat([s for s in reruns if s.length <= ASYNC_ONLY_UP_TO])),
            median(_lat([s for s in _pick(samples, "learned-async", True)])), "ms", "info", None,
            sync_vs_async + " (/execute for re-runs whose recent runs all ended within 5 s)",
            len([s for s in reruns if s.length <= ASYNC_ONLY_UP_TO]),
        ),
        Figure(
            "first runs ≤ 2 s: latency after completion p50", median(_lat(first_ours)),
            median(_lat(first_today)), "ms", "diff", 20.0,
            "baseline: today's schedule (the same polls within 2 s: the difference is noise)",
            len(first_ours),
        ),
        Figure(
            "first runs: polls per second after 10 s", steady_ours, steady_today, "/s", "max",
            0.5, f"baseline: today's schedule; official {steady_official:.2f}/s",
            len([s for s in _pick(samples, "learned", False) if s.length in long_first]),
        ),
    ]  # fmt: skip
