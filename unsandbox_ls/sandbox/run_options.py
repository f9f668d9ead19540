"""The run options the local sandbox accepts besides the job spec: `vcpu`, `return_artifact`
on `/run`, and `return_wasm_artifact`.

Read from the JSON body of `/execute` and `/execute/async`, and from the query of `/run` and
`/run/async` (where the client sends them under the same names, as it sends `ttl`). `vcpu`
(1-8) is validated and echoed in the job object, not enforced: jobs here share the machine's
CPUs. `return_wasm_artifact` is accepted, but no toolchain here builds WebAssembly, so such a
run answers without a WebAssembly artifact (a compiled binary still comes with
`return_artifact`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from unsandbox_ls.api.limits import VCPU_MAX, VCPU_MIN
from unsandbox_ls.sandbox.parsing import BadRequest

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


@dataclass(frozen=True)
class RunExtras:
    vcpu: int = 1
    return_artifact: bool = False
    return_wasm_artifact: bool = False


def parse_vcpu(value: Any) -> int:
    if value is None or value == "":
        return 1
    if isinstance(value, bool):
        raise BadRequest(f"vcpu must be a whole number from {VCPU_MIN} to {VCPU_MAX}")
    try:
        number = int(value) if isinstance(value, (int, str)) else None
    except ValueError:
        number = None
    if number is None or not VCPU_MIN <= number <= VCPU_MAX:
        raise BadRequest(
            f"vcpu must be a whole number from {VCPU_MIN} to {VCPU_MAX}, got {value!r}",
            code="invalid_vcpu",
        )
    return number


def parse_flag(name: str, value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise BadRequest(f"{name} must be true or false, got {value!r}")


def from_json_body(body: bytes) -> RunExtras:
    """The extras of an `/execute` body (already checked to be a JSON object)."""
    data = json.loads(body)
    return from_mapping(data if isinstance(data, dict) else {})


def from_mapping(data: dict[str, Any]) -> RunExtras:
    return RunExtras(
        vcpu=parse_vcpu(data.get("vcpu")),
        return_artifact=parse_flag("return_artifact", data.get("return_artifact")),
        return_wasm_artifact=parse_flag("return_wasm_artifact", data.get("return_wasm_artifact")),
    )
