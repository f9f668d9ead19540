"""Reading request bodies into `JobSpec`s: lenient on input, precise in its complaints.

Accepted leniently: `ttl` as a number or a numeric string; input file content under `content`
or `content_base64`; unknown fields (ignored). Enforced: the documented limits of `api.models`
(ttl range, network modes, env size, input file count, sizes and relative names such as
`pkg/util.py`), and what the kernel can take: every string must be encodable as UTF-8 (JSON
allows lone surrogates such as `"\\ud800"`, which are not), and each component of a file name
must fit in 255 bytes. A body nested deeper than the JSON parser's recursion limit, or holding
an integer too long to read, is refused too. Every `BadRequest` message says what to change.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any
from urllib.parse import unquote

from unsandbox_ls.api.models import (
    MAX_ENV_VARS,
    MAX_FILENAME_CHARS,
    MAX_INPUT_FILE_BYTES,
    MAX_INPUT_FILES,
    MAX_INPUT_TOTAL_BYTES,
    NETWORK_MODES,
    TTL_DEFAULT,
    TTL_MAX,
    TTL_MIN,
    folder_clash,
    input_name_problem,
)
from unsandbox_ls.languages import language_from_shebang
from unsandbox_ls.sandbox.executor import JobSpec
from unsandbox_ls.sandbox.layouts import DEFAULT_LAYOUT, LAYOUTS, JobLayout, flat_name_problem

#: the longest file name (one path component) the kernel accepts, in bytes
NAME_MAX_BYTES = 255


class BadRequest(Exception):
    """400 with `{"error": code, "message": str(self)}`."""

    def __init__(self, message: str, code: str = "bad_request") -> None:
        super().__init__(message)
        self.code = code


def utf8(text: str, what: str) -> bytes:
    """`text` as UTF-8, or `BadRequest` naming `what` when it holds a lone surrogate."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise BadRequest(
            f"{what} contains a lone UTF-16 surrogate ({text[exc.start]!r} at character "
            f"{exc.start}), which is not valid UTF-8: send real characters"
        ) from None


def load_json(text: bytes | str, what: str) -> Any:
    """`json.loads`, with a nesting too deep for the parser reported as a `BadRequest`."""
    try:
        return json.loads(text)
    except RecursionError:
        raise BadRequest(f"{what} is nested too deeply; send a flat JSON object") from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # an integer of more than 4300 digits
        raise BadRequest(f"{what} holds a number too large to read: {exc}") from None


def parse_ttl(value: Any) -> int:
    if value is None or value == "":
        return TTL_DEFAULT
    if isinstance(value, bool):
        raise BadRequest(f"ttl must be a number of seconds between {TTL_MIN} and {TTL_MAX}")
    number: float
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise BadRequest(
                f"ttl must be a number of seconds between {TTL_MIN} and {TTL_MAX}, got {value!r}"
            ) from None
    else:
        raise BadRequest(f"ttl must be a number of seconds between {TTL_MIN} and {TTL_MAX}")
    if not math.isfinite(number) or number != int(number):
        raise BadRequest(f"ttl must be a whole number of seconds, got {value!r}")
    ttl = int(number)
    if not TTL_MIN <= ttl <= TTL_MAX:
        raise BadRequest(f"ttl must be between {TTL_MIN} and {TTL_MAX} seconds, got {ttl}")
    return ttl


def parse_network_mode(value: Any) -> str:
    if value is None or value == "":
        return "zerotrust"
    if value not in NETWORK_MODES:
        raise BadRequest(f"network_mode must be 'zerotrust' or 'semitrusted', got {value!r}")
    return str(value)


def parse_env(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequest("env must be a JSON object of string names to string values")
    if len(value) > MAX_ENV_VARS:
        raise BadRequest(f"env has {len(value)} variables; at most {MAX_ENV_VARS} are accepted")
    env: dict[str, str] = {}
    for key, item in value.items():
        if not key or "=" in key or "\0" in key:
            raise BadRequest(f"invalid environment variable name {key!r}")
        utf8(key, "an environment variable name")
        if isinstance(item, bool) or not isinstance(item, (str, int, float)):
            raise BadRequest(f"environment variable {key!r} must have a string value")
        text = str(item)
        if "\0" in text:
            raise BadRequest(f"environment variable {key!r} contains a NUL byte")
        utf8(text, f"environment variable {key!r}")
        env[key] = text
    return env


def parse_input_files(
    value: Any, code_file: str | None, *, flat_names: bool = False
) -> tuple[tuple[str, bytes], ...]:
    """The input files; `code_file` is the code's name when it shares their folder (an input
    file may not replace it), `flat_names` refuses `/` and `..` in names (the API docs' rule)."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadRequest("input_files must be a list of {filename, content} objects")
    if len(value) > MAX_INPUT_FILES:
        raise BadRequest(f"{len(value)} input files sent; at most {MAX_INPUT_FILES} are accepted")
    files: list[tuple[str, bytes]] = []
    names: set[str] = set()
    total = 0
    for item in value:
        if not isinstance(item, dict):
            raise BadRequest("each input file must be an object {filename, content}")
        name = item.get("filename")
        if not isinstance(name, str) or not name or len(name) > MAX_FILENAME_CHARS:
            raise BadRequest(
                f"each input file needs a filename of 1 to {MAX_FILENAME_CHARS} characters"
            )
        problem = (flat_names and flat_name_problem(name)) or input_name_problem(name)
        if problem:
            raise BadRequest(problem, code="invalid_filename")
        if any(len(utf8(part, "an input file name")) > NAME_MAX_BYTES for part in name.split("/")):
            raise BadRequest(
                f"input file name {name[:40]!r}… is longer than {NAME_MAX_BYTES} bytes in UTF-8 "
                "(the file system's limit for one name); shorten it",
                code="invalid_filename",
            )
        if name in names:
            raise BadRequest(f"input file {name!r} is given twice")
        if code_file is not None and code_file in (name, name.split("/", 1)[0]):
            raise BadRequest(f"input file {name!r} would overwrite the code; rename it")
        names.add(name)
        payload = item.get("content", item.get("content_base64"))
        if not isinstance(payload, str):
            raise BadRequest(f"input file {name!r} needs base64 text in 'content'")
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest(f"input file {name!r}: 'content' is not valid base64") from None
        if len(data) > MAX_INPUT_FILE_BYTES:
            raise BadRequest(f"input file {name!r} is larger than 5 MB")
        total += len(data)
        files.append((name, data))
    if total > MAX_INPUT_TOTAL_BYTES:
        raise BadRequest("input files add up to more than 10 MB")
    clash = folder_clash(names)
    if clash:
        raise BadRequest(clash, code="invalid_filename")
    return tuple(files)


def parse_execute(
    body: bytes,
    languages: set[str],
    layout: JobLayout | None = None,
    *,
    flat_names: bool = False,
) -> JobSpec:
    """The JSON body of `POST /execute` and `/execute/async`, for jobs run in `layout`."""
    layout = layout or LAYOUTS[DEFAULT_LAYOUT]
    try:
        data = load_json(body, "the body")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequest(f"the body must be a JSON object: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object with 'language' and 'code'")
    language = data.get("language")
    if not isinstance(language, str) or not language:
        raise BadRequest("'language' is required: an API language id such as 'python'")
    if language not in languages:
        raise BadRequest(
            f"language {language!r} is not available here; GET /languages lists those that are",
            code="unsupported_language",
        )
    code = data.get("code")
    if not isinstance(code, str):
        raise BadRequest("'code' is required: the program's source text")
    utf8(code, "'code'")
    return JobSpec(
        language=language,
        code=code,
        ttl=parse_ttl(data.get("ttl")),
        network_mode=parse_network_mode(data.get("network_mode")),
        env=parse_env(data.get("env")),
        input_files=parse_input_files(
            data.get("input_files"),
            layout.code_name(language) if layout.code_beside_inputs() else None,
            flat_names=flat_names,
        ),
        return_artifact=bool(data.get("return_artifact", False)),
    )


def parse_run(body: bytes, query: dict[str, str], languages: set[str]) -> JobSpec:
    """The raw body and query of `POST /run` and `/run/async`: language from the shebang."""
    try:
        code = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body must be the program's UTF-8 source text") from None
    language = language_from_shebang(code)
    if language is None:
        raise BadRequest(
            "no language could be detected: start the code with a shebang such as "
            "'#!/usr/bin/env python3', or use POST /execute with a language",
            code="language_not_detected",
        )
    if language not in languages:
        raise BadRequest(
            f"the shebang names {language!r}, which is not available here",
            code="unsupported_language",
        )
    env_text = query.get("env")
    env: Any = None
    if env_text:
        for candidate in (env_text, unquote(env_text)):
            try:
                env = load_json(candidate, "the env query parameter")
                break
            except json.JSONDecodeError:
                continue
        else:
            raise BadRequest("the env query parameter must be a URL-encoded JSON object")
    return JobSpec(
        language=language,
        code=code,
        ttl=parse_ttl(query.get("ttl")),
        network_mode=parse_network_mode(query.get("network_mode")),
        env=parse_env(env),
    )
