"""The run pipeline called directly, against the local sandbox: source → plan → result →
findings per file. What the language server and `unsandbox-ls run` show is tested elsewhere;
here is what a run *is*: which files go, which options win, what is refused before sending."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.sandbox import SandboxServer

from unsandbox_ls.api import Credentials, UnsandboxClient
from unsandbox_ls.runs.execute import execute
from unsandbox_ls.runs.outcome import Findings, read_findings
from unsandbox_ls.runs.plan import Plan, RunRefused, RunSettings, build_plan
from unsandbox_ls.runs.source import Source

MAIN = "from helpers import add\n\nprint(add(1, 2))\n"
HELPERS = "def add(a, b):\n    return a + b + missing\n"


def source_of(path: Path, text: str | None = None) -> Source:
    text = path.read_text() if text is None else text
    return Source(uri=path.as_uri(), path=str(path), lines=text.split("\n"), code=text)


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


async def run(server: SandboxServer, plan: Plan) -> Findings:
    credentials = Credentials(
        public_key=server.public_key, secret_key=server.secret_key, source="test keys"
    )
    async with UnsandboxClient(server.base_url, credentials) as client:
        result = await execute(plan, client)
    return read_findings(plan, result)


async def test_the_imported_file_goes_and_its_error_lands_in_it(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    root = project(tmp_path, {"main.py": MAIN, "helpers.py": HELPERS})
    plan = build_plan(source_of(root / "main.py"), RunSettings())
    assert [(s.name, s.origin) for s in plan.sent] == [("helpers.py", "disk")]
    assert plan.file_count == 2
    findings = await run(sandbox_server, plan)
    by_uri = findings.diagnostics()
    helpers, main = (root / "helpers.py").as_uri(), (root / "main.py").as_uri()
    assert [(d.severity, d.range.start.line) for d in by_uri[helpers]] == [(1, 1)]
    assert [(d.severity, d.range.start.line) for d in by_uri[main]] == [(4, 2)]
    assert findings.uris == (main, helpers)
    lines = findings.terminal_lines()
    assert lines[0].startswith(f"{root / 'helpers.py'}:2:") and "NameError" in lines[0]


async def test_unsaved_buffers_are_what_runs(sandbox_server: SandboxServer, tmp_path: Path) -> None:
    root = project(tmp_path, {"main.py": MAIN, "helpers.py": HELPERS})
    buffers = {root / "helpers.py": "def add(a, b):\n    return a + b\n"}
    plan = build_plan(source_of(root / "main.py"), RunSettings(), buffer_text=buffers.get)
    assert [(s.name, s.origin) for s in plan.sent] == [("helpers.py", "buffer")]
    findings = await run(sandbox_server, plan)
    assert findings.problems == ()


@pytest.mark.parametrize(
    ("first_line", "settings", "sent"),
    [
        ("# unsandbox: discover=false\n", RunSettings(), []),
        ("", RunSettings(discover_imports=False), []),
        ("# unsandbox: discover=true\n", RunSettings(discover_imports=False), ["helpers.py"]),
        (  # a command-line flag is pinned: the magic comment does not turn it back on
            "# unsandbox: discover=true\n",
            RunSettings(discover_imports=False, pinned=frozenset({"discover_imports"})),
            [],
        ),
        ("# unsandbox: discover=false files=data.txt\n", RunSettings(), ["data.txt"]),
        ("", RunSettings(discover_imports=False, input_files=("*.txt",)), ["data.txt"]),
    ],
)
def test_discovery_can_be_turned_off_and_patterns_still_add_files(
    tmp_path: Path, first_line: str, settings: RunSettings, sent: list[str]
) -> None:
    root = project(
        tmp_path, {"main.py": first_line + MAIN, "helpers.py": HELPERS, "data.txt": "1\n"}
    )
    plan = build_plan(source_of(root / "main.py"), settings)
    assert [s.name for s in plan.sent] == sent


async def test_without_discovery_the_import_fails_in_the_sandbox(
    sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    root = project(tmp_path, {"main.py": MAIN, "helpers.py": HELPERS})
    plan = build_plan(source_of(root / "main.py"), RunSettings(discover_imports=False))
    findings = await run(sandbox_server, plan)
    assert findings.headline is not None and "No module named 'helpers'" in findings.headline


def test_over_the_file_count_limit_the_run_is_refused_naming_files_and_sizes(
    tmp_path: Path,
) -> None:
    modules = {f"m{i:02}.py": f"X = {'1' * 1500}\n" for i in range(11)}
    main = "import " + ", ".join(n[:-3] for n in modules) + "\n"
    root = project(tmp_path, {"main.py": main, **modules})
    with pytest.raises(RunRefused) as refused:
        build_plan(source_of(root / "main.py"), RunSettings())
    message = str(refused.value)
    assert "11 input files" in message and "at most 10" in message
    assert "m00.py (1.5 kB)" in message and "m10.py (1.5 kB)" in message
    assert "discover=false" in message and "nothing was sent" in message


def test_an_oversized_import_is_refused_with_its_size(tmp_path: Path) -> None:
    root = project(tmp_path, {"main.py": "import big\n"})
    (root / "big.py").write_bytes(b"#" * (5 * 1024 * 1024 + 10))
    with pytest.raises(RunRefused, match=r"big.py \(5.2 MB\)"):
        build_plan(source_of(root / "main.py"), RunSettings())


def test_over_the_total_limit_the_run_is_refused(tmp_path: Path) -> None:
    root = project(tmp_path, {"main.py": "import a, b, c\n"})
    for name in "abc":
        (root / f"{name}.py").write_bytes(b"#" * (4 * 1024 * 1024))
    with pytest.raises(RunRefused, match=r"10 MB in all: a.py \(4.2 MB\), b.py"):
        build_plan(source_of(root / "main.py"), RunSettings())


def test_an_imported_main_would_overwrite_the_code(tmp_path: Path) -> None:
    root = project(tmp_path, {"app.py": "import main\n", "main.py": ""})
    with pytest.raises(RunRefused, match="rename that file"):
        build_plan(source_of(root / "app.py"), RunSettings())


@pytest.mark.parametrize(
    ("settings", "ttl", "mode"),
    [
        (RunSettings(), 7, "sync"),
        (RunSettings(ttl=30, pinned=frozenset({"ttl"})), 30, "sync"),
        (RunSettings(mode="async", pinned=frozenset({"mode"})), 7, "async"),
    ],
)
def test_the_magic_comment_overrides_settings_but_not_pinned_flags(
    tmp_path: Path, settings: RunSettings, ttl: int, mode: str
) -> None:
    root = project(tmp_path, {"main.py": "# unsandbox: ttl=7 mode=sync\nprint(1)\n"})
    plan = build_plan(source_of(root / "main.py"), settings)
    assert (plan.request.options.ttl, plan.mode) == (ttl, mode)


def test_a_bad_magic_word_refuses_the_run(tmp_path: Path) -> None:
    root = project(tmp_path, {"main.py": "# unsandbox: discover=maybe\n"})
    with pytest.raises(RunRefused, match="discover must be true or false"):
        build_plan(source_of(root / "main.py"), RunSettings())


def test_a_shebang_run_sends_no_imports_and_refuses_named_files(tmp_path: Path) -> None:
    root = project(tmp_path, {"tool": "#!/usr/bin/env python3\nimport helpers\n",
                              "helpers.py": HELPERS, "data.txt": "1\n"})  # fmt: skip
    text = (root / "tool").read_text()
    source = Source(root.joinpath("tool").as_uri(), str(root / "tool"), text.split("\n"), text,
                    kind="shebang")  # fmt: skip
    plan = build_plan(source, RunSettings())
    assert plan.sent == () and plan.request.options.input_files == ()
    with pytest.raises(RunRefused, match="cannot be sent with a shebang run"):
        build_plan(source, RunSettings(input_files=("*.txt",)))


def test_vcpu_and_wasm_follow_the_same_rule(tmp_path: Path) -> None:
    root = project(tmp_path, {"main.c": "// unsandbox: vcpu=2 wasm=true\nint main(void){}\n"})
    plan = build_plan(source_of(root / "main.c"), RunSettings(vcpu=4))
    options = plan.request.options
    assert (options.vcpu, options.return_wasm_artifact) == (2, True)
    pinned = RunSettings(vcpu=4, pinned=frozenset({"vcpu"}))
    assert build_plan(source_of(root / "main.c"), pinned).request.options.vcpu == 4
