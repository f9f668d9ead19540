"""A run's request executed in the hosted API's file layout, with the real runtime under bwrap.

Until the local sandbox offers that layout itself, this stands in for it: the input files go to
`/tmp/input/<name>` (names with `/` refused, as the API's docs say), the code to another folder
under a name that is not `main.<ext>`, and the working directory is `/tmp/input` (`hosted`) or
the code's folder (`hosted-code-cwd`). The program runs with the local sandbox's own command line
for its language, stdin `/dev/null`, only the request's environment, no network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from unsandbox_ls.api.models import ExecuteRequest, RunResult
from unsandbox_ls.sandbox.toolchains import available_toolchains, search_path, source_name

LAYOUTS = ("hosted", "hosted-code-cwd")


class NameRefused(Exception):
    """What the API's 400 `invalid_filename` would say."""


def run_in_layout(request: ExecuteRequest, layout: str, *, timeout: float = 30) -> RunResult:
    path = search_path([])
    chain = available_toolchains(path).get(request.language)
    if chain is None or chain.compile:
        raise LookupError(f"no interpreter for {request.language} on this machine")
    for item in request.options.input_files:
        if "/" in item.filename or ".." in item.filename:
            raise NameRefused(f"invalid_filename: {item.filename!r} contains a path separator")
    base = tempfile.mkdtemp(prefix="hosted-layout-")
    try:
        inputs, code_dir = os.path.join(base, "input"), os.path.join(base, "code")
        os.mkdir(inputs)
        os.mkdir(code_dir)
        for item in request.options.input_files:
            with open(os.path.join(inputs, item.filename), "wb") as f:
                f.write(item.content)
        ext = source_name(request.language).rpartition(".")[2]
        code_name = f"job_code.{ext}"
        with open(os.path.join(code_dir, code_name), "w", encoding="utf-8") as f:
            f.write(request.code)
        cwd = "/tmp/input" if layout == "hosted" else "/tmp/code"
        env = {"PATH": path, "HOME": "/tmp", "LANG": "C.UTF-8", **request.options.env}
        argv = ["bwrap", "--ro-bind", "/", "/", "--tmpfs", "/tmp", "--dev", "/dev"]
        argv += ["--proc", "/proc", "--bind", inputs, "/tmp/input", "--ro-bind", code_dir]
        argv += ["/tmp/code", "--chdir", cwd, "--unshare-net", "--unshare-pid"]
        argv += ["--die-with-parent", "--clearenv"]
        for key, value in env.items():
            argv += ["--setenv", key, value]
        argv += ["bash", "-c", chain.run.format(src=f"/tmp/code/{code_name}")]
        try:
            done = subprocess.run(
                argv, capture_output=True, stdin=subprocess.DEVNULL, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode("utf-8", "replace")
            err = (exc.stderr or b"").decode("utf-8", "replace")
            return RunResult("timeout", None, out, err, language=request.language)
        return RunResult(
            "completed",
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
            language=request.language,
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
