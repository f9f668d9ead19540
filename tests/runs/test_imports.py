"""Import discovery on real folders: what is found, by which name, and what is never sent."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from unsandbox_ls.runs.imports import Bounds, discover_imports


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def names(language: str, folder: Path, main: str, **kwargs: object) -> list[str]:
    text = (folder / main).read_text()
    found = discover_imports(language, folder / main, text, **kwargs)  # type: ignore[arg-type]
    return sorted(found.names)


CASES = [
    pytest.param(
        "python",
        {
            "main.py": "import helpers\nfrom pkg.sub import util\nimport os, json\n",
            "helpers.py": "from pkg import tools\n",
            "pkg/__init__.py": "",
            "pkg/tools.py": "from . import shared\nfrom .deep.x import y\n",
            "pkg/shared.py": "",
            "pkg/deep/x.py": "y = 1\n",
            "pkg/sub/__init__.py": "",
            "pkg/sub/util.py": "from .. import tools\n",
            "unused.py": "",
        },
        ["helpers.py", "pkg/__init__.py", "pkg/deep/x.py", "pkg/shared.py", "pkg/sub/__init__.py",
         "pkg/sub/util.py", "pkg/tools.py"],
        id="python",
    ),
    pytest.param(
        "javascript",
        {
            "main.js": "const h = require('./helpers');\nimport x from './lib';\n"
            "// require('./commented')\nconst fs = require('fs');\n",
            "helpers.js": "module.exports = require('./util/fmt.cjs');\n",
            "util/fmt.cjs": "",
            "lib/index.mjs": "export * from '../shared.js';\n",
            "shared.js": "",
            "commented.js": "",
        },
        ["helpers.js", "lib/index.mjs", "shared.js", "util/fmt.cjs"],
        id="javascript",
    ),
    pytest.param(
        "typescript",
        {"main.ts": "import { f } from './helpers.js';\n", "helpers.ts": ""},
        ["helpers.ts"],
        id="typescript",
    ),
    pytest.param(
        "ruby",
        {
            "main.rb": "require_relative 'helpers'\nrequire 'json'\nrequire './lib/x'\n",
            "helpers.rb": "require_relative \"lib/y.rb\"\n",
            "lib/x.rb": "",
            "lib/y.rb": "",
        },
        ["helpers.rb", "lib/x.rb", "lib/y.rb"],
        id="ruby",
    ),
    pytest.param(
        "lua",
        {"main.lua": 'local h = require("helpers")\nlocal u = require "pkg.util"\n',
         "helpers.lua": "", "pkg/util.lua": "-- require('gone')\n"},
        ["helpers.lua", "pkg/util.lua"],
        id="lua",
    ),
    pytest.param(
        "php",
        {"main.php": "<?php\nrequire_once 'helpers.php';\ninclude __DIR__ . '/lib/x.php';\n",
         "helpers.php": "<?php\n", "lib/x.php": "<?php require __DIR__ . '/y.php';\n",
         "lib/y.php": ""},
        ["helpers.php", "lib/x.php", "lib/y.php"],
        id="php",
    ),
    pytest.param(
        "perl",
        {"main.pl": "use strict;\nuse FindBin;\nuse lib \"$FindBin::Bin/lib\";\nuse lib '.';\n"
         "use Helpers;\nuse My::Util qw(f);\nrequire 'extra.pl';\nuse POSIX;\n",
         "Helpers.pm": "", "lib/My/Util.pm": "", "extra.pl": ""},
        ["Helpers.pm", "extra.pl", "lib/My/Util.pm"],
        id="perl",
    ),
    pytest.param(
        "perl",
        {"main.pl": "use Helpers;\n", "Helpers.pm": ""},
        [],
        id="perl-without-use-lib",
    ),
    pytest.param(
        "bash",
        {"main.sh": 'source helpers.sh\n. "$(dirname "$0")/lib/x.sh"\nsource "$HOME/y"\n',
         "helpers.sh": "", "lib/x.sh": ""},
        ["helpers.sh", "lib/x.sh"],
        id="bash",
    ),
    pytest.param(
        "tcl",
        {"main.tcl": "source helpers.tcl\n"
         "source [file join [file dirname [info script]] lib/x.tcl]\n",
         "helpers.tcl": "", "lib/x.tcl": ""},
        ["helpers.tcl", "lib/x.tcl"],
        id="tcl",
    ),
    pytest.param(
        "r",
        {"main.R": 'source("helpers.R")\n# source("old.R")\n', "helpers.R": "", "old.R": ""},
        ["helpers.R"],
        id="r",
    ),
    pytest.param(
        "c",
        {"main.c": '#include <stdio.h>\n#include "helpers.h"\n#include "lib/x.h"\n',
         "helpers.h": "", "lib/x.h": '#include "y.h"\n', "lib/y.h": ""},
        ["helpers.h", "lib/x.h", "lib/y.h"],
        id="c",
    ),
    pytest.param(
        "rust",
        {"main.rs": "mod helpers;\npub mod net;\n// mod old;\nfn main() {}\n",
         "helpers.rs": "mod inner;\n", "helpers/inner.rs": "", "net/mod.rs": "", "old.rs": ""},
        ["helpers.rs", "helpers/inner.rs", "net/mod.rs"],
        id="rust",
    ),
    pytest.param(
        "java",
        {"Main.java": "import util.Text;\npublic class Main { Helper h; /* Unused */ }\n",
         "Helper.java": "class Helper { Other o; }\n", "Other.java": "", "Unused.java": "",
         "util/Text.java": "package util;\n"},
        ["Helper.java", "Other.java", "util/Text.java"],
        id="java",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("language", "files", "expected"), CASES)
def test_local_imports_are_found_transitively(
    tmp_path: Path, language: str, files: dict[str, str], expected: list[str]
) -> None:
    root = tree(tmp_path, files)
    main = next(iter(files))
    assert names(language, root, main) == expected


def test_what_is_never_sent(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("")
    root = tree(
        tmp_path / "proj",
        {
            "main.py": "import linked, secret, vendored, up, folder, fifo\n"
            "from node_modules import x\n",
            ".venv/secret.py": "",
            "node_modules/x.py": "",
            "folder/__init__.py/README": "",
        },
    )
    (root / "linked.py").symlink_to(outside)  # a symlink out of the folder
    (root / "secret.py").symlink_to(root / ".venv" / "secret.py")
    os.mkfifo(root / "fifo.py")
    assert names("python", root, "main.py") == []


def test_a_symlink_inside_the_folder_is_sent_under_the_name_imported(tmp_path: Path) -> None:
    root = tree(tmp_path, {"main.py": "import alias\n", "real.py": "x = 1\n"})
    (root / "alias.py").symlink_to(root / "real.py")
    found = discover_imports("python", root / "main.py", "import alias\n")
    assert [(f.name, f.content) for f in found.files] == [("alias.py", b"x = 1\n")]


def test_git_ignored_files_stay_home(tmp_path: Path) -> None:
    root = tree(
        tmp_path,
        {"main.py": "import helpers, settings_local\n", "helpers.py": "", "settings_local.py": "",
         ".gitignore": "settings_local.py\n"},
    )  # fmt: skip
    assert names("python", root, "main.py") == ["helpers.py", "settings_local.py"]
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    assert names("python", root, "main.py") == ["helpers.py"]


def test_open_buffers_come_first_unsaved_and_new(tmp_path: Path) -> None:
    root = tree(tmp_path, {"main.py": "import helpers, fresh\n", "helpers.py": "old\n"})
    buffers = {root / "helpers.py": "new = 1\n", root / "fresh.py": "never saved\n"}
    found = discover_imports(
        "python", root / "main.py", "import helpers, fresh\n", buffer_text=buffers.get
    )
    assert [(f.name, f.content, f.origin) for f in found.files] == [
        ("helpers.py", b"new = 1\n", "buffer"),
        ("fresh.py", b"never saved\n", "buffer"),
    ]


def test_the_unsaved_text_decides_what_else_is_imported(tmp_path: Path) -> None:
    root = tree(tmp_path, {"main.py": "", "helpers.py": "import a\n", "a.py": "", "b.py": ""})
    found = discover_imports(
        "python",
        root / "main.py",
        "import helpers\n",
        buffer_text={root / "helpers.py": "import b\n"}.get,
    )
    assert found.names == ("helpers.py", "b.py")


def test_names_are_relative_to_the_file_even_in_a_subfolder(tmp_path: Path) -> None:
    root = tree(tmp_path, {"app/main.py": "import helpers\nimport common\n",
                           "app/helpers.py": "", "common.py": ""})  # fmt: skip
    assert names("python", root, "app/main.py", root=root) == ["helpers.py"]


def test_bounds_stop_discovery_and_say_so(tmp_path: Path) -> None:
    files = {"main.py": "import " + ", ".join(f"m{i}" for i in range(30)) + "\n"}
    files.update({f"m{i}.py": "" for i in range(30)})
    root = tree(tmp_path, files)
    found = discover_imports(
        "python", root / "main.py", files["main.py"], bounds=Bounds(max_files=12)
    )
    assert len(found.files) == 12 and found.notes == ("stopped after 12 files",)


def test_oversized_files_are_reported_not_read(tmp_path: Path) -> None:
    root = tree(tmp_path, {"main.py": "import big\n"})
    (root / "big.py").write_bytes(b"#" * 2000)
    found = discover_imports(
        "python", root / "main.py", "import big\n", bounds=Bounds(max_file_bytes=1000)
    )
    assert found.files == () and found.oversized == (("big.py", 2000),)


def test_a_file_being_edited_that_does_not_parse_still_has_its_imports(tmp_path: Path) -> None:
    root = tree(tmp_path, {"main.py": "", "helpers.py": ""})
    found = discover_imports("python", root / "main.py", "import helpers\ndef broken(:\n")
    assert found.names == ("helpers.py",)


def test_languages_without_discovery_find_nothing(tmp_path: Path) -> None:
    root = tree(tmp_path, {"main.go": 'import "./x"\n', "x.go": ""})
    assert names("go", root, "main.go") == []
