"""Where a job's code and input files are written, and where it starts: the job layouts.

The hosted API documents only that input files are "placed in the working directory"; its own
client repository's live tests find them under `/tmp/input/<name>`, and where the code itself is
written, and under what name, is documented nowhere. The local sandbox can therefore run jobs in
each plausible layout (`unsandbox-ls sandbox --layout …`), so that what works in one and fails in
another shows in tests:

| layout (default `docs`) | code | input files | cwd |
|---|---|---|---|
| `docs` | `/sandbox/main.<ext>` | `/sandbox/<name>` (`/tmp/input` links there) | `/sandbox` |
| `hosted` | `/sandbox/src/code.<ext>` | `/tmp/input/<name>` | `/tmp/input` |
| `hosted-code-cwd` | `/sandbox/src/code.<ext>` | `/tmp/input/<name>` | `/sandbox/src` |

Java keeps `Main.java` and Erlang `main.erl` in every layout: their compilers require the file
to be named after the class or module the program declares.

The names rule is separate and combines with any layout (`--names tree|flat`): `tree` accepts
relative names with folders (`pkg/util.py`), as the official C CLI's `-F` sends them; `flat`
refuses `/` and `..` in a name with the API docs' 400 `invalid_filename`.

Every layout makes the input files findable under `/tmp/input`, because programs written for the
hosted service open `/tmp/input/data.csv`. Without the sandbox (`--unsafe-no-sandbox`) the same
folders are made under the job's own directory on the host, so the absolute paths differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from unsandbox_ls.languages import EXTENSIONS, MAIN_FILE_NAMES

#: where the input files land in the hosted API's own tests
HOSTED_INPUT_DIR = "/tmp/input"
#: the tmpfs every layout writes the code into (its folder `src/` in the hosted layouts)
SANDBOX_DIR = "/sandbox"

#: names a compiler ties to what the program declares (the class, the module)
_FIXED_NAMES = {**MAIN_FILE_NAMES, "erlang": "main.erl"}

NAME_RULES = ("tree", "flat")


@dataclass(frozen=True)
class JobLayout:
    """One layout: the folders of the code and the input files, the code's stem, the cwd."""

    name: str
    code_dir: str
    input_dir: str
    cwd: str
    #: the code is saved as `<code_stem>.<ext>` (except `_FIXED_NAMES`)
    code_stem: str
    #: symbolic links made in the job (link path → what it points to)
    links: tuple[tuple[str, str], ...] = ()

    def code_name(self, language: str) -> str:
        """The file name the code is saved under: `main.py` (docs), `code.py` (hosted)."""
        if language in _FIXED_NAMES:
            return _FIXED_NAMES[language]
        for ext, lang in EXTENSIONS.items():
            if lang == language:
                return f"{self.code_stem}.{ext}"
        return f"{self.code_stem}.txt"

    def code_path(self, language: str, root: str = "") -> str:
        return f"{root}{self.code_dir}/{self.code_name(language)}"

    def input_path(self, name: str, root: str = "") -> str:
        return f"{root}{self.input_dir}/{name}"

    def code_argument(self, language: str, root: str = "") -> str:
        """How the job's command line names the code: relative when it sits in the cwd (so the
        docs layout's tracebacks stay `main.py`), else its absolute path."""
        if self.code_dir == self.cwd:
            return self.code_name(language)
        return self.code_path(language, root)

    def code_beside_inputs(self) -> bool:
        """True when an input file could overwrite the code (they share a folder)."""
        return self.code_dir == self.input_dir

    def describe(self) -> str:
        return (
            f"code {self.code_dir}/{self.code_stem}.<ext>, input files {self.input_dir}, "
            f"cwd {self.cwd}"
        )


LAYOUTS: dict[str, JobLayout] = {
    "docs": JobLayout(
        "docs",
        code_dir=SANDBOX_DIR,
        input_dir=SANDBOX_DIR,
        cwd=SANDBOX_DIR,
        code_stem="main",
        links=((HOSTED_INPUT_DIR, SANDBOX_DIR),),
    ),
    "hosted": JobLayout(
        "hosted",
        code_dir=f"{SANDBOX_DIR}/src",
        input_dir=HOSTED_INPUT_DIR,
        cwd=HOSTED_INPUT_DIR,
        code_stem="code",
    ),
    "hosted-code-cwd": JobLayout(
        "hosted-code-cwd",
        code_dir=f"{SANDBOX_DIR}/src",
        input_dir=HOSTED_INPUT_DIR,
        cwd=f"{SANDBOX_DIR}/src",
        code_stem="code",
    ),
}
DEFAULT_LAYOUT = "docs"


def flat_name_problem(name: str) -> str | None:
    """Why `name` breaks the API docs' rule for input file names, or None when it keeps it."""
    if "/" in name or ".." in name:
        return (
            f"input file name {name!r} is invalid: filenames cannot contain path separators "
            "('/') or '..'; send each file under a plain name such as 'util.py'"
        )
    return None
