"""Benchmarks of unsandbox-ls: `python -m benchmarks [--quick] [--only NAME …]` from the repo root.

Every figure is printed beside a baseline measured in the same run (these machines are noisy, so
targets are ratios or differences against that baseline) as the median over several repetitions.
The modules, one per figure family:

    startup         spawn → `initialize` result and idle RSS, against a minimal pygls server
    run_overhead    command → `unsandbox/runFinished` minus one direct HTTP call to the sandbox
    result_latency  job completion → result at the client, against the official poll schedule
    parsing         10 MB of real tracebacks and 1 MB adversarial lines, against `splitlines`
    lens_latency    code lens latency with 20 runs in flight, against an idle server
    sandbox_load    hello world through HTTP + bubblewrap against bare `python3`; 20 at once
"""
