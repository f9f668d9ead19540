"""Language detection: extension, shebang (first line only, env options), editor ids, overrides."""

from __future__ import annotations

import pytest

from unsandbox_ls.languages import (
    API_LANGUAGES,
    COMMENT_LEADERS,
    EDITOR_LANGUAGE_IDS,
    EXTENSIONS,
    INTERPRETERS,
    comment_leader,
    detect_language,
    language_from_extension,
    language_from_shebang,
    shebang_interpreter,
)


def test_every_mapping_targets_an_api_id() -> None:
    assert len(API_LANGUAGES) == 43
    for table in (EXTENSIONS, EDITOR_LANGUAGE_IDS, INTERPRETERS, COMMENT_LEADERS):
        unknown = {lang for lang in table.values() if lang not in API_LANGUAGES}
        if table is COMMENT_LEADERS:
            unknown = {key for key in table if key not in API_LANGUAGES}
        assert not unknown


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("main.py", "python"),
        ("dir.with.dots/Main.JAVA", "java"),
        ("C:\\src\\x.rs", "rust"),
        ("prog.m", "objc"),
        ("model.v", "v"),
        ("Makefile", None),
        (".bashrc", None),
        ("notes.txt", None),
    ],
)
def test_language_from_extension(path: str, expected: str | None) -> None:
    assert language_from_extension(path) == expected


@pytest.mark.parametrize(
    ("text", "interpreter", "language"),
    [
        ("#!/usr/bin/python3\n", "python3", "python"),
        ("#!/usr/bin/env python3.12\nprint()", "python3.12", "python"),
        ("#!/usr/bin/env -S python3 -u\n", "python3", "python"),
        ("#!/usr/bin/env -u HOME FOO=1 node\n", "node", "javascript"),
        ("#! /bin/sh\n", "sh", "bash"),
        ("#!/usr/bin/lua5.4\n", "lua5.4", "lua"),
        ("#!/usr/bin/env Rscript\n", "Rscript", "r"),
        ("#!/usr/bin/env perl6\n", "perl6", "raku"),
        ("#!/usr/bin/tclsh\n", "tclsh", "tcl"),
        ("#![allow(unused)]\nfn main() {}\n", None, None),
        ("print(1)\n#!/usr/bin/python\n", None, None),
        ("#!/usr/bin/env\n", None, None),
        ("#!/opt/bin/frobnicate\n", "frobnicate", None),
        ("#!/bin/bash\r\necho hi\r\n", "bash", "bash"),
    ],
)
def test_shebang(text: str, interpreter: str | None, language: str | None) -> None:
    assert shebang_interpreter(text) == interpreter
    assert language_from_shebang(text) == language


def test_detection_order_extension_then_shebang_then_editor_id() -> None:
    assert detect_language("a.py", "#!/bin/bash\n", editor_language_id="ruby") == (
        detect_language("b.py", "")
    )
    found = detect_language("tool", "#!/usr/bin/env ruby\n", editor_language_id="python")
    assert found is not None and (found.language, found.source) == ("ruby", "shebang")
    found = detect_language("untitled-1", "puts 1\n", editor_language_id="shellscript")
    assert found is not None and (found.language, found.source) == ("bash", "languageId")
    assert detect_language("untitled-1", "x", editor_language_id="plaintext") is None


def test_overrides_win_by_extension_or_editor_id() -> None:
    found = detect_language("x.mjs", "", overrides={"mjs": "deno"})
    assert found is not None and (found.language, found.source) == ("deno", "setting")
    found = detect_language("x.txt", "", editor_language_id="jsonc", overrides={"jsonc": "bash"})
    assert found is not None and found.language == "bash"


def test_comment_leaders() -> None:
    assert comment_leader("python") == "#"
    assert comment_leader("rust") == "//"
    assert comment_leader("lua") == "--"
    assert comment_leader("unknown-language") == "#"
