"""Programs of several files, with stdin and arguments, run through their start-up hook by the
real runtimes: in the local sandbox, in each of its job layouts (`sandbox_layout`), and in a
bwrap stand-in of the hosted API's layout (`support.hosted_layout`: input files in /tmp/input
under flat names, the code elsewhere under another name).

Each program under `programs/<language>/` is `app.<ext>`, which imports a file in a subfolder,
reads `data.txt` by its plain name, prints its argv and its stdin lines, then calls a function
that fails in the imported file on the line marked `RAISE`. The test builds the plan the way the
editor and `unsandbox-ls run` do (`build_plan`), runs it, and checks the output and where the
error lands.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.hosted_layout import LAYOUTS, run_in_layout
from support.sandbox import SandboxServer

from unsandbox_ls.api import Credentials, UnsandboxClient
from unsandbox_ls.api.models import ExecuteRequest, RunResult
from unsandbox_ls.runs.execute import execute, without_boot_report
from unsandbox_ls.runs.outcome import read_findings
from unsandbox_ls.runs.plan import Plan, RunSettings, build_plan
from unsandbox_ls.runs.source import Source

PROGRAMS = Path(__file__).resolve().parent / "programs"
EXT = {"python": "py", "javascript": "js", "ruby": "rb", "lua": "lua", "bash": "sh",
       "php": "php", "perl": "pl", "r": "R"}  # fmt: skip
#: (imported file, the runtime it needs)
IMPORTED = {"python": "shop/cart.py", "javascript": "lib/cart.js", "ruby": "lib/cart.rb",
            "lua": "lib/cart.lua", "bash": "lib/cart.sh", "php": "lib/cart.php",
            "perl": "Lib/Cart.pm", "r": "lib/cart.R"}  # fmt: skip
RUNTIME = {"python": "python3", "javascript": "node", "ruby": "ruby", "lua": "lua",
           "bash": "bash", "php": "php", "perl": "perl", "r": "Rscript"}  # fmt: skip
#: R's failure is reported by R itself without a file or line: no diagnostic to place
NO_LOCATION = {"r"}
ARGS = ("5", "--verbose")


def copy_program(language: str, tmp_path: Path) -> Path:
    shutil.copytree(PROGRAMS / language, tmp_path / language)
    return tmp_path / language / f"app.{EXT[language]}"


def plan_of(app: Path, *, stdin: str | None = "input.txt", args: tuple[str, ...] = ARGS) -> Plan:
    text = app.read_text()
    source = Source(uri=app.as_uri(), path=str(app), lines=text.split("\n"), code=text)
    settings = RunSettings(ttl=20, input_files=("data.txt",), stdin=stdin, args=args or None)
    return build_plan(source, settings)


def expected_stdout(app: Path, *, stdin: bool = True, args: tuple[str, ...] = ARGS) -> list[str]:
    lines = [f"argv: {' '.join((app.name, *args))}", "total: 5", "data: hello data"]
    if stdin:
        lines += ["stdin: line one", "stdin: line two"]
    return lines


def raise_line(app: Path, language: str) -> int:
    lines = (app.parent / IMPORTED[language]).read_text().split("\n")
    return next(i for i, line in enumerate(lines) if "RAISE" in line)


async def run_local(server: SandboxServer, plan: Plan) -> RunResult:
    credentials = Credentials(
        public_key=server.public_key, secret_key=server.secret_key, source="test keys"
    )
    async with UnsandboxClient(server.base_url, credentials) as client:
        return await execute(plan, client)


def run_hosted(plan: Plan, layout: str) -> RunResult:
    assert isinstance(plan.request, ExecuteRequest)
    result = run_in_layout(plan.request, layout)
    assert plan.boot is not None
    return without_boot_report(result, plan.boot.nonce, plan.name)


def check(app: Path, language: str, plan: Plan, result: RunResult, *, stdin: bool = True) -> None:
    shown = [line.rstrip() for line in result.stdout.split("\n") if line.strip()]
    assert shown == expected_stdout(app, stdin=stdin), result.stderr
    assert result.status == "completed" and result.exit_code not in (0, None)
    assert "unsandbox-ls boot" not in result.stderr and "unsandbox_boot" not in result.stderr
    assert "sitecustomize" not in result.stderr and "UnsandboxBoot" not in result.stderr
    if language in NO_LOCATION:
        return
    findings = read_findings(plan, result)
    imported = (app.parent / IMPORTED[language]).as_uri()
    errors = [d for d in findings.diagnostics().get(imported, []) if d.severity == 1]
    assert [d.range.start.line for d in errors] == [raise_line(app, language)], result.stderr


def needs(language: str) -> None:
    if shutil.which(RUNTIME[language]) is None:
        pytest.skip(f"{RUNTIME[language]} is not installed")


@pytest.mark.parametrize("language", sorted(EXT))
async def test_local_sandbox(language: str, sandbox_layout: SandboxServer, tmp_path: Path) -> None:
    """In each of the local sandbox's job layouts (docs, hosted, hosted-code-cwd)."""
    sandbox_server = sandbox_layout
    needs(language)
    app = copy_program(language, tmp_path)
    plan = plan_of(app)
    assert sorted(s.name for s in plan.sent if s.shown) == sorted(
        [IMPORTED[language], "data.txt", "input.txt"]
        + (["shop/__init__.py"] if language == "python" else [])
    )
    names = [f.filename for f in plan.request.options.input_files]
    assert all("/" not in n for n in names), names  # flat names, rebuilt by the hook
    assert plan.given == "stdin: input.txt, args: 5 --verbose"
    check(app, language, plan, await run_local(sandbox_server, plan))


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("language", sorted(EXT))
def test_hosted_layout(language: str, layout: str, tmp_path: Path) -> None:
    needs(language)
    if shutil.which("bwrap") is None:
        pytest.skip("bubblewrap is not installed")
    app = copy_program(language, tmp_path)
    plan = plan_of(app)
    check(app, language, plan, run_hosted(plan, layout))


@pytest.mark.parametrize("language", ["python", "javascript", "ruby", "bash"])
@pytest.mark.parametrize("layout", ["local", *LAYOUTS])
async def test_no_stdin_is_end_of_file_at_once(
    language: str, layout: str, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    """No stdin given: the program's read ends at once (a hang would hit the 20 s ttl)."""
    needs(language)
    app = copy_program(language, tmp_path)
    plan = plan_of(app, stdin=None)
    assert plan.given == "args: 5 --verbose"
    if layout == "local":
        result = await run_local(sandbox_server, plan)
    else:
        result = run_hosted(plan, layout)
    check(app, language, plan, result, stdin=False)


LISTING = """\
import os
for folder, _, names in sorted(os.walk(".")):
    for name in sorted(names):
        if "__pycache__" not in folder:
            print(os.path.normpath(os.path.join(folder, name)))
"""


@pytest.mark.parametrize("layout", ["local", *LAYOUTS])
async def test_the_programs_folder_holds_what_the_local_one_does(
    layout: str, sandbox_server: SandboxServer, tmp_path: Path
) -> None:
    """No flat copies and no hook files beside the program: its folder, as sent."""
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "cart.py").write_text("X = 1\n")
    (tmp_path / "data.txt").write_text("d\n")
    app = tmp_path / "walk.py"
    app.write_text("import shop.cart\n" + LISTING)
    plan = plan_of(app, stdin=None, args=())
    result = (
        await run_local(sandbox_server, plan) if layout == "local" else run_hosted(plan, layout)
    )
    listed = set(result.stdout.split())
    expected = {"walk.py", "data.txt", "shop/__init__.py", "shop/cart.py"}
    # the local sandbox keeps the program under its own name beside it too
    assert listed - {"main.py"} == expected, result.stderr
