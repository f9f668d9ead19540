"""The server's settings (section `unsandbox`, camelCase on the wire) and their validation.

Settings arrive as `initializationOptions` (either `{"unsandbox": {...}}` or the flat object),
through `workspace/configuration` and through `workspace/didChangeConfiguration`. Each source is
merged over the previous one. A value that does not validate is reported once and the default
is kept for that key; the other keys still apply.

`extraRoots` (folders beyond the file's folder and workspace that input files may come from) is
the user's own choice: it is taken only from `initializationOptions` — the editor's own client
configuration (VS Code: a machine-scoped setting, which a workspace's settings cannot set) — and
never from `workspace/configuration` or `workspace/didChangeConfiguration`, which carry a
workspace's settings. So a repository cannot widen what a run may send (`USER_ONLY`).

Credentials and the base URL also come from the `UNSANDBOX_*` environment variables; the API
client resolves those (`unsandbox_ls.api.credentials`). Key values never appear in messages.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import Any

from unsandbox_ls.api.limits import (
    NETWORK_MODES,
    TTL_DEFAULT,
    TTL_MAX,
    TTL_MIN,
    VCPU_MAX,
    VCPU_MIN,
)
from unsandbox_ls.languages import API_LANGUAGES
from unsandbox_ls.runs.magic_comment import RUN_MODES

SECTION = "unsandbox"
BACKENDS = ("auto", "hosted", "local")
#: when a run's outcome is shown as a message: failures only, every run, or never
NOTIFY = ("failures", "always", "never")


@dataclass(frozen=True)
class Settings:
    """Effective settings; every field has the documented default."""

    base_url: str | None = None
    public_key: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    account: int | None = None
    network_mode: str = "zerotrust"
    ttl: int = TTL_DEFAULT
    env: dict[str, str] = field(default_factory=dict)
    input_files: tuple[str, ...] = ()
    return_artifact: bool = False
    return_wasm_artifact: bool = False
    vcpu: int = 1
    artifact_directory: str | None = None
    mode: str = "auto"
    run_on_save: bool = False
    clear_on_change: bool = True
    open_output_log: bool = False
    language_map: dict[str, str] = field(default_factory=dict)
    discover_imports: bool = True
    backend: str | None = None  # None: $UNSANDBOX_BACKEND, else auto
    notify: str = "failures"
    extra_roots: tuple[str, ...] = ()
    #: the program's standard input (a file relative to the file) and arguments
    stdin: str | None = None
    args: tuple[str, ...] | None = None
    #: results in place: each line's output and the values at the failure as inlay hints
    in_place: bool = True


#: wire name → field name
WIRE_NAMES: dict[str, str] = {
    "baseUrl": "base_url",
    "publicKey": "public_key",
    "secretKey": "secret_key",
    "apiKey": "api_key",
    "account": "account",
    "networkMode": "network_mode",
    "ttl": "ttl",
    "env": "env",
    "inputFiles": "input_files",
    "returnArtifact": "return_artifact",
    "returnWasmArtifact": "return_wasm_artifact",
    "vcpu": "vcpu",
    "artifactDirectory": "artifact_directory",
    "mode": "mode",
    "runOnSave": "run_on_save",
    "clearOnChange": "clear_on_change",
    "openOutputLog": "open_output_log",
    "languageMap": "language_map",
    "discoverImports": "discover_imports",
    "backend": "backend",
    "notify": "notify",
    "extraRoots": "extra_roots",
    "stdin": "stdin",
    "args": "args",
    "inPlace": "in_place",
}
#: settings read only from the user's own configuration (initializationOptions)
USER_ONLY = frozenset({"extraRoots"})
_SECRET_NAMES = frozenset({"publicKey", "secretKey", "apiKey"})


class SettingError(ValueError):
    """One invalid value; the message names the setting and never shows a key's value."""


def section_of(raw: Any) -> dict[str, Any]:
    """The `unsandbox` section of a settings object, accepting the nested and the flat shapes."""
    if not isinstance(raw, dict):
        return {}
    nested = raw.get(SECTION)
    if isinstance(nested, dict):
        return nested
    return {k: v for k, v in raw.items() if k in WIRE_NAMES}


def _optional_str(name: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SettingError(f"{SECTION}.{name} must be a string")
    return value


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise SettingError(f"{SECTION}.{name} must be true or false, got {value!r}")
    return value


def _string_map(name: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SettingError(f'{SECTION}.{name} must be an object such as {{"KEY": "value"}}')
    out: dict[str, str] = {}
    for key, item in value.items():
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise SettingError(f"{SECTION}.{name}.{key} must be a string, got {item!r}")
        out[str(key)] = str(item)
    return out


def _arguments(value: Any) -> tuple[str, ...] | None:
    """`args`: a string split as a shell would (`5 --verbose "a b"`), or a list of strings."""
    import shlex

    if value is None:
        return None
    if isinstance(value, str):
        try:
            return tuple(shlex.split(value))
        except ValueError as exc:
            raise SettingError(f"{SECTION}.args: {exc}") from None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise SettingError(
        f'{SECTION}.args must be a string such as "5 --verbose" or a list of strings'
    )


def convert(name: str, value: Any) -> Any:
    """The field value for wire setting `name`, or `SettingError`."""
    if name in ("baseUrl", "artifactDirectory", "stdin", *_SECRET_NAMES):
        return _optional_str(name, value)
    if name == "args":
        return _arguments(value)
    if name == "account":
        if value is None or value == "":
            return None
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SettingError(f"{SECTION}.account must be a row number (0, 1, …), got {value!r}")
        return value
    if name == "networkMode":
        if value not in NETWORK_MODES:
            raise SettingError(
                f"{SECTION}.networkMode must be 'zerotrust' or 'semitrusted', got {value!r}"
            )
        return value
    if name == "ttl":
        if isinstance(value, bool) or not isinstance(value, int) or not TTL_MIN <= value <= TTL_MAX:
            raise SettingError(
                f"{SECTION}.ttl must be a whole number of seconds from {TTL_MIN} to {TTL_MAX}, "
                f"got {value!r}"
            )
        return value
    if name == "vcpu":
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole or not VCPU_MIN <= value <= VCPU_MAX:
            raise SettingError(
                f"{SECTION}.vcpu must be a whole number from {VCPU_MIN} to {VCPU_MAX}, "
                f"got {value!r}"
            )
        return value
    if name == "env":
        return _string_map(name, value)
    if name == "inputFiles":
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingError(f"{SECTION}.inputFiles must be a list of glob patterns")
        return tuple(value)
    if name == "extraRoots":
        if value is None:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingError(f"{SECTION}.extraRoots must be a list of absolute folder paths")
        relative = [v for v in value if not os.path.isabs(os.path.expanduser(v))]
        if relative:
            raise SettingError(
                f"{SECTION}.extraRoots must hold absolute folder paths (or ~/…), "
                f"got {relative[0]!r}"
            )
        return tuple(value)
    if name == "mode":
        if value not in RUN_MODES:
            raise SettingError(f"{SECTION}.mode must be 'auto', 'async' or 'sync', got {value!r}")
        return value
    if name == "backend":
        if value is None or value == "":
            return None
        if value not in BACKENDS:
            raise SettingError(
                f"{SECTION}.backend must be 'auto', 'hosted' or 'local', got {value!r}"
            )
        return value
    if name == "notify":
        if value not in NOTIFY:
            raise SettingError(
                f"{SECTION}.notify must be 'failures', 'always' or 'never', got {value!r}"
            )
        return value
    if name == "languageMap":
        mapping = _string_map(name, value)
        for key, lang in mapping.items():
            if lang not in API_LANGUAGES:
                raise SettingError(
                    f"{SECTION}.languageMap.{key}: {lang!r} is not a language of the API "
                    f"(for example 'python', 'javascript', 'bash')"
                )
        return mapping
    return _bool(name, value)


def apply(settings: Settings, raw: Any, *, user: bool = True) -> tuple[Settings, list[str]]:
    """Merge one settings object over `settings`; returns the result and the problems found.

    Unknown keys are ignored; an invalid value keeps the previous value of that key. A source
    that is not the user's own (`user=False`) cannot change the `USER_ONLY` settings: a
    different value is reported and ignored.
    """
    section = section_of(raw)
    changes: dict[str, Any] = {}
    problems: list[str] = []
    for wire, value in section.items():
        attr = WIRE_NAMES.get(wire)
        if attr is None:
            continue
        try:
            converted = convert(wire, value)
        except SettingError as exc:
            problems.append(str(exc))
            continue
        if wire in USER_ONLY and not user:
            if converted != getattr(settings, attr):
                problems.append(
                    f"{SECTION}.{wire} is read only from the editor's start-up options "
                    f"(initializationOptions) or UNSANDBOX_EXTRA_ROOTS, so that a workspace cannot "
                    f"widen what a run may read; restart the server after changing it"
                )
            continue
        changes[attr] = converted
    return replace(settings, **changes), problems


def problems_message(problems: list[str]) -> str:
    """One message for every invalid setting."""
    return "unsandbox: invalid settings, defaults kept for these: " + "; ".join(problems)


__all__ = [
    "SECTION",
    "USER_ONLY",
    "WIRE_NAMES",
    "SettingError",
    "Settings",
    "apply",
    "convert",
    "problems_message",
    "section_of",
]
