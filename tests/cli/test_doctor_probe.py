"""`unsandbox-ls doctor --probe` against each job layout of the local sandbox: it reports the
cwd, where the input files landed, the code's path and name, and whether names with '/' are
accepted, and caches that per base URL (without any key) in the user cache."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from support.sandbox import SandboxServer

from unsandbox_ls.sandbox.layouts import LAYOUTS


def test_the_probe_reports_and_caches_the_layout(
    sandbox_layout: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    env = {**sandbox_layout.env, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "unsandbox_ls", "doctor", "--probe"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    layout = LAYOUTS[sandbox_layout.layout]
    code = layout.code_path("python")
    marker = layout.input_path("unsandbox-probe.txt")
    out = done.stdout
    assert f"[ok] cwd          {layout.cwd}\n" in out, out
    assert f"[ok] code         {code} (name {layout.code_name('python')};" in out, out
    assert marker in out and "/tmp/input/unsandbox-probe.txt" in out, out
    folders = "refused" if sandbox_layout.flat_names else "accepted"
    assert f"names with '/' {folders}" in out, out

    path = cache / "unsandbox-ls" / "layouts.json"
    text = path.read_text()
    assert sandbox_layout.secret_key not in text and sandbox_layout.public_key not in text
    entry = json.loads(text)[sandbox_layout.base_url]
    assert (entry["cwd"], entry["code_path"], entry["folders"]) == (layout.cwd, code, folders)
    assert marker in entry["input_paths"]
    assert path.stat().st_mode & 0o077 == 0  # the owner's only
