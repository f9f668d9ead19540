"""Learn where a backend puts a job's files: `unsandbox-ls doctor --probe`.

The hosted API documents neither where the code is written nor the working directory, and its
material disagrees on where input files land (see `sandbox/layouts.py`). The probe runs one tiny
Python job with one input file under a plain name and reads back: the cwd, the code's path and
name, and every place the input file can be found (the cwd, `/tmp/input`, `/root/input`,
`/tmp`, the code's folder, searched a few levels deep). A second job sends a name holding a
folder (`unsandbox-probe/nested.txt`): accepted (and where it landed) or refused with a 400.

The answer is cached per base URL in `<user cache>/unsandbox-ls/layouts.json` (at most
`MAX_ENTRIES` URLs, the oldest dropped): the URL without any user name, password, query or
fragment, and what the job reported; never a key. Which start-up hooks took effect is not
probed yet: the client sends none.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from unsandbox_ls.api import ExecuteRequest, UnsandboxClient
from unsandbox_ls.api.errors import ApiError
from unsandbox_ls.api.models import InputFile, RunOptions

MARKER = "unsandbox-probe.txt"
NESTED = "unsandbox-probe/nested.txt"
MAX_ENTRIES = 50
CACHE_NAME = "layouts.json"

#: The job: prints one JSON line. It only reads: the cwd, its own path, and where the file
#: holding `token` is found (a bounded walk of the plausible homes of input files).
PROBE_CODE = """\
import json, os, sys
code = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
want = {name!r}
token = {token!r}
roots = [os.getcwd(), "/tmp/input", "/root/input", "/tmp", os.path.dirname(code), "/sandbox"]
found, seen, budget = [], set(), 5000
for root in roots:
    for folder, dirs, files in os.walk(root):
        budget -= 1 + len(files)
        if budget < 0 or folder.count("/") - root.count("/") > 3:
            dirs[:] = []
            continue
        for f in files:
            path = os.path.join(folder, f)
            if path.endswith(want) and path not in seen:
                seen.add(path)
                try:
                    with open(path) as fh:
                        if fh.read(100) == token:
                            found.append(path)
                except OSError:
                    pass
print(json.dumps({{"cwd": os.getcwd(), "code": code, "found": found}}))
"""


@dataclass
class LayoutProbe:
    """What one backend showed; `folders` is `accepted`, `refused` or `unknown`."""

    base_url: str
    probed_at: float
    cwd: str | None = None
    code_path: str | None = None
    code_name: str | None = None
    input_paths: list[str] = field(default_factory=list)
    folders: str = "unknown"
    nested_paths: list[str] = field(default_factory=list)
    #: why something could not be learnt (the job failed, its output was not JSON …)
    problems: list[str] = field(default_factory=list)

    @property
    def code_beside_inputs(self) -> bool:
        folder = os.path.dirname(self.code_path or "")
        return any(os.path.dirname(p) == folder for p in self.input_paths)

    def lines(self) -> list[tuple[str, str, str]]:
        """(mark, label, text) for doctor, one per finding."""
        out: list[tuple[str, str, str]] = []
        ok = "ok" if self.cwd else "!!"
        out.append((ok, "cwd", self.cwd or "not learnt"))
        if self.code_path:
            where = "beside the input files" if self.code_beside_inputs else "apart from them"
            out.append(("ok", "code", f"{self.code_path} (name {self.code_name}; {where})"))
        else:
            out.append(("!!", "code", "not learnt"))
        files = ", ".join(self.input_paths) or "not found"
        out.append(("ok" if self.input_paths else "!!", "input files", files))
        if self.folders == "accepted":
            landed = ", ".join(self.nested_paths) or "not found"
            out.append(("ok", "folders", f"names with '/' accepted; {NESTED} at {landed}"))
        elif self.folders == "refused":
            out.append(("ok", "folders", "names with '/' refused (400): files must go flat"))
        else:
            out.append(("!!", "folders", "unknown"))
        out.append(("--", "hooks", "not probed: runs send no start-up hook yet"))
        out.extend(("!!", "probe", problem) for problem in self.problems)
        return out


def cache_key(base_url: str) -> str:
    """The base URL without user name, password, query or fragment."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def _job(token: str, name: str) -> str:
    return PROBE_CODE.format(token=token, name="/" + name.rsplit("/", 1)[-1])


def _read(stdout: str) -> dict[str, Any] | None:
    for line in reversed(stdout.splitlines()):
        with contextlib.suppress(ValueError):
            data = json.loads(line)
            if isinstance(data, dict):
                return data
    return None


async def probe(client: UnsandboxClient, base_url: str) -> LayoutProbe:
    """Run the two probe jobs on `client`'s backend."""
    found = LayoutProbe(cache_key(base_url), time.time())
    token = secrets.token_hex(8)
    options = RunOptions(ttl=30, input_files=(InputFile(MARKER, token.encode()),))
    result = await client.run_request(ExecuteRequest("python", _job(token, MARKER), options))
    data = _read(result.stdout)
    if data is None:
        detail = (result.stderr.strip().splitlines() or [result.error or "no output"])[-1]
        found.problems.append(
            f"the probe job printed no report (exit {result.exit_code}): {detail}"
        )
        return found
    found.cwd = str(data.get("cwd") or "") or None
    found.code_path = str(data.get("code") or "") or None
    found.code_name = os.path.basename(found.code_path) if found.code_path else None
    found.input_paths = [str(p) for p in data.get("found") or []]
    nested = RunOptions(ttl=30, input_files=(InputFile(NESTED, token.encode()),))
    try:
        second = await client.run_request(ExecuteRequest("python", _job(token, NESTED), nested))
    except ApiError as exc:
        if exc.status != 400:
            raise
        found.folders = "refused"
        return found
    report = _read(second.stdout)
    found.folders = "accepted"
    found.nested_paths = [str(p) for p in (report or {}).get("found") or []]
    return found


def cache_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("unsandbox-ls")) / CACHE_NAME


def load_cache(path: Path | None = None) -> dict[str, dict[str, Any]]:
    path = path or cache_path()
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def remember(found: LayoutProbe, path: Path | None = None) -> Path:
    """Write `found` into the cache (replacing that URL's entry, dropping the oldest beyond
    `MAX_ENTRIES`); the file is replaced atomically and readable by its owner only."""
    path = path or cache_path()
    entries = load_cache(path)
    entry = asdict(found)
    entries.pop(found.base_url, None)
    entries[found.base_url] = entry
    while len(entries) > MAX_ENTRIES:
        entries.pop(min(entries, key=lambda k: float(entries[k].get("probed_at") or 0)))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".layouts-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(entries, f, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def cached(base_url: str, path: Path | None = None) -> dict[str, Any] | None:
    """The last probe of `base_url`, or None."""
    return load_cache(path).get(cache_key(base_url))
