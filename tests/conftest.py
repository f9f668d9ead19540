"""Shared fixtures: the project's local sandbox server, one per variant for the whole session.

The server is the project's own (`python -m unsandbox_ls sandbox`), started on a free loopback
port with fresh random keys; see `support/sandbox.py` for what the yielded object offers and for
`start_sandbox_server`, which starts additional servers with other options.

Variants (`SANDBOX_VARIANTS`): the answer shapes the hosted API's own material shows, each served
by one server started on first use and kept for the session.

    flat      a terminal job's result fields on the job (the official clients' reading; default)
    nested    under "result", and DELETE answering {message, job_id, result} (the API docs)
    pending   nested, and POST /execute and /run answering {job_id, status: pending} (as the
              official clients expect it may), so even synchronous runs are polled

`sandbox_server` is the default variant's server (session scope). A test (or fixture) that asks
for `sandbox_variant` instead runs once per variant: `pytest_generate_tests` parametrises it.

Layouts (`SANDBOX_LAYOUTS`): where a job's code and input files are written and its cwd
(`unsandbox_ls/sandbox/layouts.py`). A test (or fixture) that asks for `sandbox_layout` runs once
per layout, each server started on first use and kept for the session:

    docs             code and files together in the cwd (the default server, `flat` variant)
    hosted           files in /tmp/input (the cwd), the code at /sandbox/src/code.<ext>, and
                     names with '/' refused (`--names flat`): the layout the hosted API's own
                     tests show, with the API docs' names rule
    hosted-code-cwd  the same folders, the cwd at the code's folder, names with folders accepted

A module whose tests depend only on the code's name and folder, not on the cwd, can run them in
fewer layouts by naming them in `SANDBOX_LAYOUTS_USED`.

A test module lists what fails in a layout today in `NEEDS_STARTUP_HOOK`, a set of
`(test function, layout, case)` (case: the test's `case` parameter, or None for every one);
those runs are marked `xfail(strict=True)`, so they show, and pass the day the client can run
them (then the entry goes).
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from support.sandbox import HOOK_REASON, SandboxServer, start_sandbox_server  # noqa: E402

#: variant name → the `unsandbox-ls sandbox` flags that select it
SANDBOX_VARIANTS: dict[str, tuple[str, ...]] = {
    "flat": ("--job-shape", "flat"),
    "nested": ("--job-shape", "nested"),
    "pending": ("--job-shape", "nested", "--pending-after", "0"),
}
DEFAULT_VARIANT = "flat"
#: layout name → the key of its server in `SERVER_FLAGS`
SANDBOX_LAYOUTS: dict[str, str] = {
    "docs": DEFAULT_VARIANT,
    "hosted": "layout-hosted",
    "hosted-code-cwd": "layout-hosted-code-cwd",
}
#: every server a test can ask for: the variants, and the layouts besides the default one
SERVER_FLAGS: dict[str, tuple[str, ...]] = {
    **SANDBOX_VARIANTS,
    "layout-hosted": ("--layout", "hosted", "--names", "flat"),
    "layout-hosted-code-cwd": ("--layout", "hosted-code-cwd"),
}


class SandboxServers:
    """The session's sandbox servers, one per variant, each started when first asked for."""

    def __init__(self) -> None:
        self._started: dict[str, SandboxServer] = {}

    def get(self, variant: str) -> SandboxServer:
        server = self._started.get(variant)
        if server is None or not server.alive():
            server = start_sandbox_server(max_jobs=4, extra_args=SERVER_FLAGS[variant])
            server.variant = variant if variant in SANDBOX_VARIANTS else DEFAULT_VARIANT
            flags = SERVER_FLAGS[variant]
            server.layout = flags[flags.index("--layout") + 1] if "--layout" in flags else "docs"
            server.flat_names = ("--names", "flat") in itertools.pairwise(flags)
            self._started[variant] = server
        return server

    def stop(self) -> None:
        for server in self._started.values():
            server.stop()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that uses `sandbox_variant` (directly or through a fixture) runs per variant."""
    if "sandbox_variant" in metafunc.fixturenames:
        metafunc.parametrize("sandbox_variant", list(SANDBOX_VARIANTS), indirect=True)
    if "sandbox_layout" in metafunc.fixturenames:
        used = getattr(metafunc.module, "SANDBOX_LAYOUTS_USED", SANDBOX_LAYOUTS)
        metafunc.parametrize("sandbox_layout", list(used), indirect=True, scope="module")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the runs a module's `NEEDS_STARTUP_HOOK` lists as strict expected failures."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        known = getattr(getattr(item, "module", None), "NEEDS_STARTUP_HOOK", None)
        if callspec is None or not known or "sandbox_layout" not in callspec.params:
            continue
        name = getattr(item, "originalname", item.name)
        layout = callspec.params["sandbox_layout"]
        case = callspec.params.get("case")
        if (name, layout, case) in known or (name, layout, None) in known:
            item.add_marker(pytest.mark.xfail(strict=True, reason=HOOK_REASON))


@pytest.fixture(scope="session")
def sandbox_servers() -> Iterator[SandboxServers]:
    servers = SandboxServers()
    try:
        yield servers
    finally:
        servers.stop()


@pytest.fixture(scope="session")
def sandbox_server(sandbox_servers: SandboxServers) -> SandboxServer:
    """The default variant's server (4 concurrent jobs), stopped at the end of the session."""
    return sandbox_servers.get(DEFAULT_VARIANT)


@pytest.fixture
def sandbox_variant(
    request: pytest.FixtureRequest, sandbox_servers: SandboxServers
) -> SandboxServer:
    """The server of one variant; a test using this runs once per variant (ids: the names)."""
    return sandbox_servers.get(getattr(request, "param", DEFAULT_VARIANT))


@pytest.fixture(scope="session")
def sandbox_layout(
    request: pytest.FixtureRequest, sandbox_servers: SandboxServers
) -> SandboxServer:
    """The server of one layout; a test using this runs once per layout (ids: the names).
    Its `layout` names it, and `flat_names` says whether names with '/' are refused."""
    return sandbox_servers.get(SANDBOX_LAYOUTS[getattr(request, "param", "docs")])
