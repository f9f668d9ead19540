"""The shipped Helix files parse and use only what Helix 25.07.1 documents.

The key lists below are transcribed from Helix 25.07.1's book: `book/src/languages.md` (the
`[[language]]` keys, the `[language-server.*]` keys and the `only-features` names),
`book/src/editor.md` (`[editor]`, `[editor.inline-diagnostics]`, `[editor.lsp]`),
`book/src/remapping.md` (`[keys.normal]` / `[keys.select]`), `book/src/generated/static-cmd.md`
and `book/src/generated/typable-cmd.md` (command names).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from editor_env import EDITORS, REPO, load_toml

HELIX = EDITORS / "helix"

# book/src/languages.md, "Language configuration"
LANGUAGE_KEYS = {
    "name", "language-id", "scope", "injection-regex", "file-types", "shebangs", "roots",
    "auto-format", "diagnostic-severity", "comment-tokens", "comment-token",
    "block-comment-tokens", "indent", "language-servers", "grammar", "formatter", "soft-wrap",
    "text-width", "rulers", "path-completion", "workspace-lsp-roots",
    "persistent-diagnostic-sources",
}  # fmt: skip
# book/src/languages.md, "Language Server configuration"
LANGUAGE_SERVER_KEYS = {
    "command", "args", "config", "timeout", "environment", "required-root-patterns",
}  # fmt: skip
# book/src/languages.md, "Configuring Language Servers for a language"
LANGUAGE_SERVER_REF_KEYS = {"name", "only-features", "except-features"}
FEATURES = {
    "format", "goto-definition", "goto-declaration", "goto-type-definition", "goto-reference",
    "goto-implementation", "signature-help", "hover", "document-highlight", "completion",
    "code-action", "workspace-command", "document-symbols", "workspace-symbols", "diagnostics",
    "rename-symbol", "inlay-hints",
}  # fmt: skip
# book/src/editor.md (only the keys and sections config.toml uses are listed)
EDITOR_KEYS = {"end-of-line-diagnostics", "inline-diagnostics", "lsp"}
INLINE_DIAGNOSTICS_KEYS = {
    "cursor-line",
    "other-lines",
    "prefix-len",
    "max-wrap",
    "max-diagnostics",
}
LSP_KEYS = {
    "enable", "display-messages", "display-progress-messages", "auto-signature-help",
    "display-inlay-hints", "inlay-hints-length-limit", "display-color-swatches",
    "display-signature-help-docs", "snippets", "goto-reference-include-declaration",
}  # fmt: skip
SEVERITIES = {"error", "warning", "info", "hint", "disable"}
# book/src/remapping.md: at most one section each of keys.normal, keys.insert and keys.select
KEY_MODES = {"normal", "insert", "select"}
STATIC_COMMANDS_USED = {"code_action"}  # static-cmd.md: `code_action`, Space a
TYPABLE_COMMANDS_USED = {"lsp-workspace-command", "write", "sh"}  # typable-cmd.md

#: Helix 25.07.1's default `language-servers` of the languages that matter most (languages.toml
#: of that release). languages.toml must repeat them, since a user list replaces the default one.
HELIX_DEFAULT_SERVERS = {
    "python": ["ty", "ruff", "jedi", "pylsp"],
    "javascript": ["typescript-language-server"],
    "typescript": ["typescript-language-server"],
    "ruby": ["ruby-lsp", "solargraph"],
    "go": ["gopls", "golangci-lint-lsp"],
    "rust": ["rust-analyzer"],
    "c": ["clangd"],
    "cpp": ["clangd"],
    "java": ["jdtls"],
    "bash": ["bash-language-server"],
    "lua": ["lua-language-server"],
    "php": ["intelephense"],
    "perl": ["perlnavigator"],
}


def _load(name: str) -> dict[str, Any]:
    return load_toml(HELIX / name)


LANGUAGES = _load("languages.toml")
CONFIG = _load("config.toml")


def test_languages_toml_uses_documented_keys_only() -> None:
    assert set(LANGUAGES) <= {"language-server", "language", "grammar", "use-grammars"}
    for name, server in LANGUAGES["language-server"].items():
        unknown = set(server) - LANGUAGE_SERVER_KEYS
        assert not unknown, f"[language-server.{name}] has undocumented keys {unknown}"
    for language in LANGUAGES["language"]:
        unknown = set(language) - LANGUAGE_KEYS
        assert not unknown, f"{language['name']}: undocumented keys {unknown}"
        for ref in language["language-servers"]:
            if isinstance(ref, dict):
                assert set(ref) <= LANGUAGE_SERVER_REF_KEYS, ref
                assert set(ref.get("only-features", [])) <= FEATURES, ref


def test_unsandbox_server_definition() -> None:
    server = LANGUAGES["language-server"]["unsandbox"]
    pyproject = load_toml(REPO / "pyproject.toml")
    assert server["command"] in pyproject["project"]["scripts"], (
        "command must be the console script"
    )
    assert server["args"] == []
    assert isinstance(server["timeout"], int) and server["timeout"] >= 20
    # Helix answers workspace/configuration by walking the section name ("unsandbox") into
    # `config`, and sends `config` as initializationOptions: the settings sit under `unsandbox`.
    assert set(server["config"]) == {"unsandbox"}
    from unsandbox_ls.server.settings import WIRE_NAMES, Settings, apply

    settings, problems = apply(Settings(), server["config"])
    assert problems == []
    assert set(server["config"]["unsandbox"]) <= set(WIRE_NAMES)
    assert settings.run_on_save is False


def test_every_language_keeps_helix_defaults_and_adds_unsandbox() -> None:
    languages = {lang["name"]: lang for lang in LANGUAGES["language"]}
    assert len(languages) == len(LANGUAGES["language"]), "a language is listed twice"
    for name, defaults in HELIX_DEFAULT_SERVERS.items():
        servers = languages[name]["language-servers"]
        plain = [s for s in servers if isinstance(s, str)]
        assert plain == defaults, f"{name}: Helix's default servers must stay, in order"
    for name, language in languages.items():
        refs = [s for s in language["language-servers"] if isinstance(s, dict)]
        assert len(refs) == 1 and refs[0]["name"] == "unsandbox", name
        assert refs[0]["only-features"] == [
            "code-action", "workspace-command", "diagnostics", "inlay-hints",
        ]  # fmt: skip


def test_languages_are_ones_the_server_runs() -> None:
    from unsandbox_ls.languages import API_LANGUAGES, language_from_editor_id

    for language in LANGUAGES["language"]:
        name = language["name"]
        api = language_from_editor_id(name) or {"c-sharp": "csharp"}.get(name)
        assert api in API_LANGUAGES, f"Helix language {name} maps to no API language"


def test_config_toml_uses_documented_keys_and_commands() -> None:
    assert set(CONFIG) <= {"keys", "editor", "theme"}
    assert set(CONFIG["keys"]) <= KEY_MODES
    editor = CONFIG["editor"]
    assert set(editor) <= EDITOR_KEYS
    assert editor["end-of-line-diagnostics"] in SEVERITIES
    assert set(editor["inline-diagnostics"]) <= INLINE_DIAGNOSTICS_KEYS
    assert editor["inline-diagnostics"]["cursor-line"] in SEVERITIES
    assert set(editor["lsp"]) <= LSP_KEYS
    bindings = [v for mode in CONFIG["keys"].values() for v in _leaves(mode)]
    for binding in bindings:
        if binding.startswith(":"):
            assert binding[1:].split()[0] in TYPABLE_COMMANDS_USED, binding
        else:
            assert binding in STATIC_COMMANDS_USED, binding


@pytest.mark.parametrize(
    "binding",
    [b for b in CONFIG["keys"]["normal"]["+"].values() if " unsandbox." in str(b)],
)
def test_typed_bindings_name_server_commands_and_valid_json(binding: str) -> None:
    from unsandbox_ls.server.commands import COMMANDS

    words = binding.split(maxsplit=2)
    assert words[1] in COMMANDS
    if len(words) == 3:
        # after expansion the argument is a JSON string: it must be quoted
        assert re.fullmatch(r'"%sh\{realpath %\{buffer_name\}\}"', words[2]), words[2]


def _leaves(table: dict[str, Any]) -> list[str]:
    out: list[str] = []
    for value in table.values():
        if isinstance(value, dict):
            out.extend(_leaves(value))
        elif isinstance(value, list):
            out.extend(value)
        else:
            out.append(value)
    return out
