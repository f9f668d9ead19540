"""The settings schema (`server/settings.py`) is the one list of settings: the README's table is
written from it, and the editors' own setting lists must agree with it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from unsandbox_ls.server.settings import (
    SCHEMA,
    SPECS,
    WIRE_NAMES,
    SettingError,
    Settings,
    convert,
)

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_JSON = ROOT / "editors" / "vscode" / "package.json"
NVIM_CONFIG = ROOT / "editors" / "nvim" / "lsp" / "unsandbox.lua"
#: settings of the VS Code extension itself, which the server never sees
VSCODE_ONLY = {"serverCommand", "revealOutputChannel"}


def vscode_properties() -> dict[str, dict[str, Any]]:
    data = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    sections = data["contributes"]["configuration"]
    sections = sections if isinstance(sections, list) else [sections]
    found: dict[str, dict[str, Any]] = {}
    for section in sections:
        for key, value in section["properties"].items():
            assert key.startswith("unsandbox."), key
            found[key.removeprefix("unsandbox.")] = value
    return found


def test_every_field_is_in_the_schema_and_back() -> None:
    assert [spec.attr for spec in SCHEMA] == list(Settings.__dataclass_fields__)
    assert {spec.wire: spec.attr for spec in SCHEMA} == WIRE_NAMES
    for spec in SCHEMA:
        assert getattr(Settings(), spec.attr) == spec.default
        assert convert(spec.wire, spec.editor_default) in (spec.default, spec.editor_default)


def test_the_readme_table_is_the_schemas() -> None:
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "settings_table.py"), "--check"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr


def test_vscode_declares_each_setting_with_the_schemas_default() -> None:
    properties = vscode_properties()
    assert set(properties) - VSCODE_ONLY == set(SPECS)
    for wire, spec in SPECS.items():
        declared = properties[wire]
        assert declared.get("default") == spec.editor_default, wire
        if spec.user_only or spec.secret:
            # a workspace's settings must not set these: machine scope
            assert declared.get("scope") == "machine", wire


def test_the_neovim_config_names_each_setting_but_the_keys() -> None:
    text = NVIM_CONFIG.read_text(encoding="utf-8")
    match = re.search(r"-- Keys: (.*?) \(see", text, re.S)
    assert match, "the Keys: comment of lsp/unsandbox.lua"
    named = {k.strip() for k in re.sub(r"\s*--\s*", " ", match[1]).split(",")}
    assert named == {spec.wire for spec in SCHEMA if not spec.secret}


@pytest.mark.parametrize("spec", SCHEMA, ids=lambda s: s.wire)
def test_each_validator_refuses_a_value_of_the_wrong_kind(spec: Any) -> None:
    numeric = isinstance(spec.default, int) and not isinstance(spec.default, bool)
    wrong = "x" if numeric else 3.5
    with pytest.raises(SettingError, match=spec.wire):
        convert(spec.wire, wrong)
