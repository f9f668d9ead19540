"""Typed requests and results of the unsandbox API, and their validation.

Requests are validated before anything is sent (`ExecuteRequest.validate`); each failure is a
`ValidationError` whose message says what to change. Results are read leniently from the wire
(`RunResult.from_wire`): the documented variations of field names and types are all accepted and
unknown fields are ignored.

Two job shapes are in the wild and both are read (`result_fields`): the API docs show a terminal
job's result nested under `"result"` (`{job_id, status, created_at, …, result: {stdout, stderr,
exit_code, …}}`), the official clients read the same fields flat on the job. `result` is
preferred when it is an object; the job's own fields fill what it lacks. The `DELETE /jobs/{id}`
answer of the docs (`{message, job_id, result: {…, exit_code: -1}}`) is read the same way.

The records are `NamedTuple`s, as are the others on the command line's path to its request (see
docs/architecture.md, "Records"): immutable, with `_replace` for a changed copy.
"""

from __future__ import annotations

import base64
import contextlib
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import unsandbox_ls.api.limits as _limits
from unsandbox_ls.api.errors import ValidationError

if TYPE_CHECKING:
    from unsandbox_ls.hooks.records import InPlace

NetworkMode = Literal["zerotrust", "semitrusted"]
NETWORK_MODES = _limits.NETWORK_MODES
JobStatus = Literal["pending", "running", "completed", "failed", "timeout", "cancelled"]
TERMINAL_STATUSES: frozenset[str] = frozenset({"completed", "failed", "timeout", "cancelled"})

# the limits live in `limits` (the language server reads them at start-up without this module)
TTL_MIN, TTL_MAX, TTL_DEFAULT = _limits.TTL_MIN, _limits.TTL_MAX, _limits.TTL_DEFAULT
MAX_INPUT_FILES = _limits.MAX_INPUT_FILES
MAX_INPUT_FILE_BYTES = _limits.MAX_INPUT_FILE_BYTES
MAX_INPUT_TOTAL_BYTES = _limits.MAX_INPUT_TOTAL_BYTES
MAX_FILENAME_CHARS = _limits.MAX_FILENAME_CHARS
MAX_ENV_VARS = _limits.MAX_ENV_VARS
VCPU_MIN, VCPU_MAX = _limits.VCPU_MIN, _limits.VCPU_MAX
#: the exit code the API's cancel answer gives a killed job: not the program's own status
CANCELLED_EXIT_CODE = -1


class InputFile(NamedTuple):
    """A file placed in the job's working directory under its relative name (`data.csv`,
    `pkg/util.py`)."""

    filename: str
    content: bytes

    def __repr__(self) -> str:
        return f"InputFile(filename={self.filename!r}, size={len(self.content)})"

    def to_wire(self) -> dict[str, str]:
        return {"filename": self.filename, "content": base64.b64encode(self.content).decode()}


class RunOptions(NamedTuple):
    """What `/execute` and `/run` share: sandbox options of one run."""

    ttl: int = TTL_DEFAULT
    network_mode: str = "zerotrust"
    env: Mapping[str, str] = {}  # one dict shared by the defaults: never changed in place
    input_files: tuple[InputFile, ...] = ()
    return_artifact: bool = False
    return_wasm_artifact: bool = False
    #: virtual CPUs, 1-8 (each with 2 GB of memory); sent only when more than 1
    vcpu: int = 1

    def validate(self) -> None:
        """Raise `ValidationError` naming the first problem and what to change."""
        if isinstance(self.vcpu, bool) or not isinstance(self.vcpu, int):
            raise ValidationError(f"vcpu must be a whole number, got {self.vcpu!r}")
        if not VCPU_MIN <= self.vcpu <= VCPU_MAX:
            raise ValidationError(
                f"vcpu must be between {VCPU_MIN} and {VCPU_MAX}, got {self.vcpu}; "
                f"set a value in that range"
            )
        if isinstance(self.ttl, bool) or not isinstance(self.ttl, int):
            raise ValidationError(f"ttl must be a whole number of seconds, got {self.ttl!r}")
        if not TTL_MIN <= self.ttl <= TTL_MAX:
            raise ValidationError(
                f"ttl must be between {TTL_MIN} and {TTL_MAX} seconds, got {self.ttl}; "
                f"set a value in that range"
            )
        if self.network_mode not in NETWORK_MODES:
            raise ValidationError(
                f"network mode must be 'zerotrust' or 'semitrusted', got {self.network_mode!r}"
            )
        if len(self.env) > MAX_ENV_VARS:
            raise ValidationError(f"at most {MAX_ENV_VARS} environment variables can be sent")
        for key, value in self.env.items():
            if not isinstance(key, str) or not isinstance(value, str):
                raise ValidationError(
                    f"environment variables must be strings: {key!r}={value!r}; quote the value"
                )
            if not key or "=" in key or "\0" in key:
                raise ValidationError(f"invalid environment variable name {key!r}")
        validate_input_files(self.input_files)


def input_name_problem(name: str) -> str | None:
    """Why `name` cannot name an input file, or None when it can.

    A name is a relative path inside the job's working directory: `data.csv`, or `pkg/util.py`
    for a file in a subfolder (the folders are created there). Never absolute, never `..` or `.`
    parts, no empty parts, no backslashes, no NUL.
    """
    if not name or len(name) > MAX_FILENAME_CHARS:
        return f"input file name must be 1 to {MAX_FILENAME_CHARS} characters: {name[:40]!r}"
    parts = name.split("/")
    if "\\" in name or "\0" in name or any(p in ("", ".", "..") for p in parts):
        return (
            f"input file name {name!r} must be a relative path inside the job's folder, such as "
            f"'data.csv' or 'pkg/util.py' (no '..', no leading '/', no '\\', no empty parts)"
        )
    return None


def _size(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


def _sizes(files: tuple[InputFile, ...] | list[InputFile]) -> str:
    shown = ", ".join(f"{f.filename} ({_size(len(f.content))})" for f in files[:12])
    return shown + (f" and {len(files) - 12} more" if len(files) > 12 else "")


def validate_input_files(files: tuple[InputFile, ...] | list[InputFile]) -> None:
    """The API's documented limits: 10 files, 5 MB each, 10 MB in all, relative names.

    Over a limit, the message names the files and their sizes.
    """
    if len(files) > MAX_INPUT_FILES:
        raise ValidationError(
            f"{len(files)} input files given; the API accepts at most {MAX_INPUT_FILES}: "
            f"{_sizes(files)}"
        )
    total = 0
    seen: set[str] = set()
    for f in files:
        name = f.filename
        problem = input_name_problem(name)
        if problem:
            raise ValidationError(problem)
        if name in seen:
            raise ValidationError(f"input file {name!r} is given twice")
        seen.add(name)
        size = len(f.content)
        if size > MAX_INPUT_FILE_BYTES:
            raise ValidationError(
                f"input file {name!r} is {size / 1e6:.1f} MB; the limit is 5 MB per file"
            )
        total += size
    clash = folder_clash(seen)
    if clash:
        raise ValidationError(clash)
    if total > MAX_INPUT_TOTAL_BYTES:
        raise ValidationError(
            f"input files add up to {total / 1e6:.1f} MB; the limit is 10 MB in all: "
            f"{_sizes(files)}"
        )


def folder_clash(names: set[str] | frozenset[str]) -> str | None:
    """A file whose name is also another file's folder (`pkg` and `pkg/util.py`), or None."""
    for name in sorted(names):
        parts = name.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if folder in names:
                return f"input file {folder!r} is also the folder of {name!r}; rename one"
    return None


class ExecuteRequest(NamedTuple):
    """Body of `POST /execute` and `POST /execute/async`."""

    language: str
    code: str
    options: RunOptions = RunOptions()

    def validate(self) -> None:
        """`ValidationError` naming the first problem (where the request is built,
        `runs.plan.build_plan`, and again where it is sent: a few comparisons)."""
        if not self.language:
            raise ValidationError("no language given")
        self.options.validate()

    def to_wire(self) -> dict[str, Any]:
        o = self.options
        body: dict[str, Any] = {
            "language": self.language,
            "code": self.code,
            "network_mode": o.network_mode,
            "ttl": o.ttl,
        }
        if o.env:
            body["env"] = dict(o.env)
        if o.input_files:
            body["input_files"] = [f.to_wire() for f in o.input_files]
        if o.return_artifact:
            body["return_artifact"] = True
        if o.return_wasm_artifact:
            body["return_wasm_artifact"] = True
        if o.vcpu > 1:
            body["vcpu"] = o.vcpu
        return body


class RawRunRequest(NamedTuple):
    """Body and query of `POST /run` and `/run/async`: the language comes from the shebang."""

    code: str
    options: RunOptions = RunOptions()

    def validate(self) -> None:
        """As `ExecuteRequest.validate`."""
        if self.options.input_files:
            raise ValidationError("input files cannot be sent with a shebang run; use a normal run")
        self.options.validate()

    def query(self) -> dict[str, str]:
        """The query parameters: ttl, network_mode, env (JSON), and the optional fields of the
        JSON body under the same names (`return_artifact=true`, `return_wasm_artifact=true`,
        `vcpu=N`), sent only when set, as for `/execute`."""
        import json

        o = self.options
        params = {"ttl": str(o.ttl), "network_mode": o.network_mode}
        if o.env:
            params["env"] = json.dumps(dict(o.env), separators=(",", ":"), ensure_ascii=False)
        if o.return_artifact:
            params["return_artifact"] = "true"
        if o.return_wasm_artifact:
            params["return_wasm_artifact"] = "true"
        if o.vcpu > 1:
            params["vcpu"] = str(o.vcpu)
        return params


class Artifact(NamedTuple):
    """A file the job produced (a compiled binary with `return_artifact`)."""

    filename: str
    content: bytes
    mime_type: str | None = None

    def __repr__(self) -> str:
        return f"Artifact(filename={self.filename!r}, size={len(self.content)})"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            parsed = float(value)
        except ValueError:
            return None
        return parsed if math.isfinite(parsed) else None
    return None


def parse_timestamp(value: Any) -> float | None:
    """Unix seconds from a number or a numeric / ISO-8601 string; None when unreadable."""
    number = _number(value)
    if number is not None:
        return number
    if isinstance(value, str) and value:
        from datetime import UTC, datetime

        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    return None


def _artifacts(data: dict[str, Any]) -> tuple[Artifact, ...]:
    found: list[Artifact] = []
    items = data.get("artifacts")
    if isinstance(items, list):
        for item in items:
            if not isinstance(item, dict):
                continue
            payload = item.get("content_base64", item.get("data", item.get("content")))
            if not isinstance(payload, str):
                continue
            try:
                content = base64.b64decode(payload, validate=False)
            except ValueError:
                continue
            mime = item.get("mime_type")
            found.append(
                Artifact(
                    _text(item.get("filename")) or "a.out",
                    content,
                    mime if isinstance(mime, str) else None,
                )
            )
    legacy = data.get("artifact")
    if isinstance(legacy, dict) and legacy.get("type") == "base64":
        payload = legacy.get("data")
        if isinstance(payload, str):
            with contextlib.suppress(ValueError):
                found.append(
                    Artifact(_text(legacy.get("filename")) or "a.out", base64.b64decode(payload))
                )
    return tuple(found)


def result_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The result fields of a job or result object, whichever shape it has.

    A `result` object (the API docs' terminal job and cancel answer) wins over the same fields
    flat on the job (what the official clients read); the job's own fields (`job_id`, `status`,
    timestamps) stay, and fill in what `result` lacks.
    """
    nested = data.get("result")
    if not isinstance(nested, dict):
        return data
    merged = {k: v for k, v in data.items() if k != "result"}
    for key, value in nested.items():
        if key == "status" and isinstance(data.get("status"), str):
            continue  # the job's status is the job's, whatever the result object says
        if value is not None or key not in merged:
            merged[key] = value
    return merged


class RunResult(NamedTuple):
    """A finished run: the program's own outcome (a non-zero exit is not an API failure)."""

    status: str
    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    language: str | None = None
    job_id: str | None = None
    duration_ms: float | None = None
    detected_language: str | None = None
    network_mode: str | None = None
    error: str | None = None
    artifacts: tuple[Artifact, ...] = ()
    created_at: float | None = None
    completed_at: float | None = None
    #: what the start-up hook recorded for results in place (its block taken out of stderr)
    in_place: InPlace | None = None

    @property
    def ok(self) -> bool:
        return self.status == "completed" and self.exit_code == 0

    @classmethod
    def from_wire(cls, data: dict[str, Any], *, default_status: str = "completed") -> RunResult:
        """A result from a result object, a terminal job (flat or nested) or a cancel answer."""
        data = result_fields(data)
        exit_raw = data.get("exit_code")
        exit_code = (
            int(exit_raw)
            if isinstance(exit_raw, (int, float)) and not isinstance(exit_raw, bool)
            else None
        )
        # durations: `total_time_ms`, then `execution_time_ms`, then `execution_time`, which the
        # official C library reads as milliseconds too
        duration = _number(data.get("total_time_ms"))
        if duration is None:
            duration = _number(data.get("execution_time_ms"))
        if duration is None:
            duration = _number(data.get("execution_time"))
        error = data.get("error")
        status = data.get("status")
        status = status if isinstance(status, str) and status else default_status
        if status == "cancelled" and exit_code == CANCELLED_EXIT_CODE:
            exit_code = None  # the cancel answer's marker, not a status of the program
        return cls(
            status=status,
            exit_code=exit_code,
            stdout=_text(data.get("stdout")),
            stderr=_text(data.get("stderr")),
            language=data.get("language") if isinstance(data.get("language"), str) else None,
            job_id=data.get("job_id") if isinstance(data.get("job_id"), str) else None,
            duration_ms=duration,
            detected_language=(
                data["detected_language"]
                if isinstance(data.get("detected_language"), str)
                else None
            ),
            network_mode=(
                data["network_mode"] if isinstance(data.get("network_mode"), str) else None
            ),
            error=_text(error) or None if error is not None else None,
            artifacts=_artifacts(data),
            created_at=parse_timestamp(data.get("created_at")),
            completed_at=parse_timestamp(data.get("completed_at")),
        )


class Job(NamedTuple):
    """`GET /jobs/{id}`: a job's state; `result` is set once the status is terminal.

    `stdout`/`stderr` are the output printed so far of a job still in flight, when the answer
    carries it (the local sandbox does; None when it does not)."""

    job_id: str
    status: str
    language: str | None = None
    detected_language: str | None = None
    created_at: float | None = None
    result: RunResult | None = None
    stdout: str | None = None
    stderr: str | None = None

    @property
    def done(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Job:
        """A job in either shape (result nested under `result`, or flat); ids are opaque."""
        status = data.get("status")
        status = status if isinstance(status, str) and status else "pending"
        fields = result_fields(data)
        lang = fields.get("language")
        detected = fields.get("detected_language")
        terminal = status in TERMINAL_STATUSES
        so_far = [fields.get(name) if not terminal else None for name in ("stdout", "stderr")]
        return cls(
            job_id=_text(data.get("job_id")),
            status=status,
            language=lang if isinstance(lang, str) else None,
            detected_language=detected if isinstance(detected, str) else None,
            created_at=parse_timestamp(data.get("created_at")),
            result=RunResult.from_wire(data, default_status=status) if terminal else None,
            stdout=so_far[0] if isinstance(so_far[0], str) else None,
            stderr=so_far[1] if isinstance(so_far[1], str) else None,
        )


class KeyInfo(NamedTuple):
    """`POST /keys/validate`."""

    valid: bool
    reason: str | None = None
    public_key: str | None = None
    tier: str | None = None
    rate_per_minute: int | None = None
    concurrency: int | None = None
    raw: Mapping[str, Any] = {}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in zip(self._fields[:-1], self[:-1], strict=True))
        return f"KeyInfo({shown})"  # not `raw`: the whole answer

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> KeyInfo:
        def text(name: str) -> str | None:
            value = data.get(name)
            return value if isinstance(value, str) and value else None

        def whole(name: str) -> int | None:
            number = _number(data.get(name))
            return int(number) if number is not None else None

        valid = data.get("valid")
        return cls(
            valid=valid is True or (valid is None and text("status") in ("active", "valid")),
            reason=text("reason"),
            public_key=text("public_key"),
            tier=text("tier") if text("tier") else _text(data.get("tier")) or None,
            rate_per_minute=whole("rate_per_minute"),
            concurrency=whole("concurrency"),
            raw=dict(data),
        )


class JobUpdate(NamedTuple):
    """What `wait(on_update=…)` gets after each poll: the job, seconds since submission, polls.

    `stdout`/`stderr` are what the job printed since the previous poll, when the API shows a
    running job's output (`streams`); otherwise empty, and the output comes with the result."""

    job: Job
    elapsed: float
    polls: int
    stdout: str = ""
    stderr: str = ""
    streams: bool = False

    @property
    def status(self) -> str:
        return self.job.status


#: the keys of which a synchronous answer holds at least one when it carries a result
RESULT_KEYS = ("stdout", "stderr", "exit_code", "success", "status", "result")


def is_pending_job(data: dict[str, Any]) -> bool:
    """Whether a synchronous answer is a job still pending or running (to poll), not a result."""
    status = data.get("status")
    return bool(data.get("job_id")) and isinstance(status, str) and status in ("pending", "running")


def holds_result(data: dict[str, Any]) -> bool:
    """Whether a synchronous answer carries a result (in either documented shape)."""
    return any(k in data for k in RESULT_KEYS)


def json_body(payload: Any) -> bytes:
    """A JSON request body, as UTF-8 bytes (the signed bytes are the sent bytes)."""
    import json

    try:
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            "the code or an environment value holds text that is not valid Unicode "
            "(a lone surrogate); save the file as UTF-8"
        ) from None
