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

import json
import os
from collections.abc import Callable
from dataclasses import MISSING, Field, dataclass, field, fields, replace
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


class SettingError(ValueError):
    """One invalid value; the message names the setting and never shows a key's value."""


# ---------------------------------------------------------------------------- validators
# Each takes the wire name and the value as it arrived, and gives the field's value or raises
# `SettingError`.


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


def _account(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SettingError(f"{SECTION}.{name} must be a row number (0, 1, …), got {value!r}")
    return value


def _whole(low: int, high: int, unit: str = "") -> Callable[[str, Any], int]:
    def check(name: str, value: Any) -> int:
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole or not low <= value <= high:
            raise SettingError(
                f"{SECTION}.{name} must be a whole number{unit} from {low} to {high}, got {value!r}"
            )
        return int(value)

    return check


def _one_of(choices: tuple[str, ...], *, empty_is_none: bool = False) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> str | None:
        if empty_is_none and (value is None or value == ""):
            return None
        if value not in choices:
            quoted = [f"'{c}'" for c in choices]
            said = ", ".join(quoted[:-1]) + f" or {quoted[-1]}"
            raise SettingError(f"{SECTION}.{name} must be {said}, got {value!r}")
        return str(value)

    return check


def _strings(name: str, value: Any, what: str) -> tuple[str, ...]:
    """A list of strings (one string alone counts as a list of one; null as none)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SettingError(f"{SECTION}.{name} must be a list of {what}")
    return tuple(value)


def _patterns(name: str, value: Any) -> tuple[str, ...]:
    return _strings(name, value, "glob patterns")


def _folders(name: str, value: Any) -> tuple[str, ...]:
    value = _strings(name, value, "absolute folder paths")
    relative = [v for v in value if not os.path.isabs(os.path.expanduser(v))]
    if relative:
        raise SettingError(
            f"{SECTION}.{name} must hold absolute folder paths (or ~/…), got {relative[0]!r}"
        )
    return tuple(value)


def _language_map(name: str, value: Any) -> dict[str, str]:
    mapping = _string_map(name, value)
    for key, lang in mapping.items():
        if lang not in API_LANGUAGES:
            raise SettingError(
                f"{SECTION}.{name}.{key}: {lang!r} is not a language of the API "
                f"(for example 'python', 'javascript', 'bash')"
            )
    return mapping


def _arguments(name: str, value: Any) -> tuple[str, ...] | None:
    """`args`: a string split as a shell would (`5 --verbose "a b"`), or a list of strings."""
    import shlex

    if value is None or value == "":
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


# ---------------------------------------------------------------------------- the schema

_UNSET: Any = object()


@dataclass(frozen=True)
class SettingSpec:
    """One setting: its wire name, field, default, validator and what the README says of it.

    `editor_default` is the JSON value the editors' own setting lists declare as the default
    (`editors/vscode/package.json`); it must mean `default` to the validator (`backend`'s
    `"auto"` means "as `UNSANDBOX_BACKEND` says, else auto", the field's None)."""

    wire: str
    attr: str
    default: Any
    validate: Callable[[str, Any], Any]
    description: str
    shown_default: str
    editor_default: Any
    user_only: bool = False
    secret: bool = False


def setting(
    wire: str,
    default: Any,
    validate: Callable[[str, Any], Any],
    description: str,
    *,
    shown: str | None = None,
    editor_default: Any = _UNSET,
    user_only: bool = False,
    secret: bool = False,
) -> Any:
    """A `Settings` field carrying its schema (see `SettingSpec`)."""
    meta = {
        "wire": wire,
        "validate": validate,
        "description": description,
        "shown": shown,
        "editor_default": editor_default,
        "user_only": user_only,
        "secret": secret,
    }
    if isinstance(default, dict):
        return field(default_factory=dict, metadata=meta, repr=not secret)
    return field(default=default, metadata=meta, repr=not secret)


@dataclass(frozen=True)
class Settings:
    """Effective settings; every field has the documented default. Adding a setting is adding
    a field here (the conversion, `WIRE_NAMES` and the README's table follow from it)."""

    base_url: str | None = setting(
        "baseUrl", None, _optional_str, "API address (https unless loopback)",
        shown="`https://api.unsandbox.com`",
    )  # fmt: skip
    public_key: str | None = setting(
        "publicKey", None, _optional_str,
        "HMAC public key (prefer the environment or `accounts.csv`)", secret=True,
    )  # fmt: skip
    secret_key: str | None = setting(
        "secretKey", None, _optional_str,
        "HMAC secret key (prefer the environment or `accounts.csv`)", secret=True,
    )  # fmt: skip
    api_key: str | None = setting("apiKey", None, _optional_str, "legacy bearer key", secret=True)
    account: int | None = setting(
        "account", None, _account, "row of `~/.unsandbox/accounts.csv`",
        shown="`0`", editor_default=None,
    )  # fmt: skip
    network_mode: str = setting(
        "networkMode", "zerotrust", _one_of(NETWORK_MODES),
        "`zerotrust` (no network) or `semitrusted` (outbound via the API's proxy)",
    )  # fmt: skip
    ttl: int = setting(
        "ttl", TTL_DEFAULT, _whole(TTL_MIN, TTL_MAX, " of seconds"),
        f"time limit in seconds, {TTL_MIN} to {TTL_MAX}",
    )  # fmt: skip
    # `setting` gives a dict default a default_factory
    env: dict[str, str] = setting(  # noqa: RUF009
        "env", {}, _string_map, "environment variables for the program (strings)"
    )
    input_files: tuple[str, ...] = setting(
        "inputFiles", (), _patterns,
        "globs relative to the file; matches are placed beside the code (≤ 10 files, 5 MB "
        "each, 10 MB in all); see [Security](#security) for what they may reach",
    )  # fmt: skip
    extra_roots: tuple[str, ...] = setting(
        "extraRoots", (), _folders,
        "absolute folders beyond the file's folder and workspace that input files may come "
        "from; read **only** from the editor's start-up options (`initializationOptions`) and "
        "`UNSANDBOX_EXTRA_ROOTS`, never from a workspace's settings",
        user_only=True,
    )  # fmt: skip
    discover_imports: bool = setting(
        "discoverImports", True, _bool,
        "send the local files the program imports (see [Programs of several "
        "files](#programs-of-several-files))",
    )  # fmt: skip
    return_artifact: bool = setting(
        "returnArtifact", False, _bool, "return the compiled binary (compiled languages)"
    )
    return_wasm_artifact: bool = setting(
        "returnWasmArtifact", False, _bool,
        "return a WebAssembly build (`return_wasm_artifact`)",
    )  # fmt: skip
    vcpu: int = setting(
        "vcpu", 1, _whole(VCPU_MIN, VCPU_MAX),
        f"virtual CPUs, {VCPU_MIN} to {VCPU_MAX}, each with 2 GB of memory; sent only when more "
        f"than 1",
    )  # fmt: skip
    artifact_directory: str | None = setting(
        "artifactDirectory", None, _optional_str,
        "where the artifacts a run asked for are saved (relative: to the file's folder); "
        "default `<user cache>/unsandbox-ls/artifacts/<run id>/` (the newest 50 runs kept)",
        shown="cache dir",
    )  # fmt: skip
    mode: str = setting(
        "mode", "auto", _one_of(RUN_MODES),
        "`auto` (per run: one request for a re-run whose recent runs all ended within 5 s, "
        "else submit and poll), `async` (submit and poll: progress and cancel) or `sync` "
        "(one request)",
    )  # fmt: skip
    run_on_save: bool = setting("runOnSave", False, _bool, "run the file on every save")
    clear_on_change: bool = setting(
        "clearOnChange", True, _bool, "clear a file's run diagnostics when it is edited"
    )
    open_output_log: bool = setting(
        "openOutputLog", False, _bool,
        "open the run's log file with `window/showDocument` after each run",
    )  # fmt: skip
    language_map: dict[str, str] = setting(  # noqa: RUF009
        "languageMap", {}, _language_map,
        'extension or editor languageId → API language id, e.g. `{"mjs": "deno"}`',
    )  # fmt: skip
    backend: str | None = setting(
        "backend", None, _one_of(BACKENDS, empty_is_none=True),
        "`auto`, `hosted` or `local`: where runs go (see "
        "[Credentials](#credentials-and-where-runs-go)); `UNSANDBOX_BACKEND` when unset or "
        "`auto`",
        shown="`auto`", editor_default="auto",
    )  # fmt: skip
    notify: str = setting(
        "notify", "failures", _one_of(NOTIFY),
        "when an outcome pops up as a message: `failures` (a success shows only in the "
        "status bar / result lens and the log), `always` or `never`",
    )  # fmt: skip

    stdin: str | None = setting(
        "stdin", None, _optional_str,
        "a file (relative to the file's folder) given to the program as its standard input; "
        "see [stdin and arguments](#stdin-and-arguments)",
    )  # fmt: skip
    args: tuple[str, ...] | None = setting(
        "args", None, _arguments,
        'the program\'s arguments: a string split as a shell would (`5 --verbose "a b"`) or a '
        "list of strings",
    )  # fmt: skip
    in_place: bool = setting(
        "inPlace", True, _bool,
        "results in place: each line's output and the values at the failure as inlay hints "
        "and hover (see [Results in place](#results-in-place))",
    )  # fmt: skip


def _wire_form(default: Any) -> Any:
    """A default as JSON shows it: () → [], None → "" (an unset string)."""
    if isinstance(default, tuple):
        return list(default)
    return "" if default is None else default


def _shown(default: Any) -> str:
    if default is None:
        return "—"
    if isinstance(default, str):
        return f"`{default}`"
    return f"`{json.dumps(_wire_form(default), ensure_ascii=False)}`"


def _spec(item: Field[Any]) -> SettingSpec:
    meta = item.metadata
    default = {} if item.default_factory is not MISSING else item.default
    editor = meta["editor_default"]
    return SettingSpec(
        wire=meta["wire"],
        attr=item.name,
        default=default,
        validate=meta["validate"],
        description=meta["description"],
        shown_default=meta["shown"] or _shown(default),
        editor_default=_wire_form(default) if editor is _UNSET else editor,
        user_only=meta["user_only"],
        secret=meta["secret"],
    )


#: every setting, in the README's order
SCHEMA: tuple[SettingSpec, ...] = tuple(_spec(f) for f in fields(Settings))
SPECS: dict[str, SettingSpec] = {spec.wire: spec for spec in SCHEMA}
#: wire name → field name
WIRE_NAMES: dict[str, str] = {spec.wire: spec.attr for spec in SCHEMA}
#: settings read only from the user's own configuration (initializationOptions)
USER_ONLY = frozenset(spec.wire for spec in SCHEMA if spec.user_only)
_SECRET_NAMES = frozenset(spec.wire for spec in SCHEMA if spec.secret)


def section_of(raw: Any) -> dict[str, Any]:
    """The `unsandbox` section of a settings object, accepting the nested and the flat shapes."""
    if not isinstance(raw, dict):
        return {}
    nested = raw.get(SECTION)
    if isinstance(nested, dict):
        return nested
    return {k: v for k, v in raw.items() if k in WIRE_NAMES}


def convert(name: str, value: Any) -> Any:
    """The field value for wire setting `name`, or `SettingError`."""
    return SPECS[name].validate(name, value)


def readme_table() -> str:
    """The README's settings table (`scripts/settings_table.py` writes it there)."""
    rows = ["| Setting | Default | Meaning |", "|---|---|---|"]
    rows += [f"| `{s.wire}` | {s.shown_default} | {s.description} |" for s in SCHEMA]
    return "\n".join(rows)


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
    "SCHEMA",
    "SECTION",
    "SPECS",
    "USER_ONLY",
    "WIRE_NAMES",
    "SettingError",
    "SettingSpec",
    "Settings",
    "apply",
    "convert",
    "problems_message",
    "readme_table",
    "section_of",
    "setting",
]
