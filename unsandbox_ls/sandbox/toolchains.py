"""Per-language command lines of the local sandbox: how each language is compiled and run.

Every job runs `bash -c <script>` inside the sandbox, in the working directory of its layout
(`layouts`: in the default one, the folder that holds the code saved as `main.<ext>`, `Main.java`
for Java, and the input files). The script is built from one `Toolchain` row: an optional
compile step (its failure ends the job with the compiler's exit code and its diagnostics on
stderr) and the run step, which `exec`s the program so that its exit code is the job's exit code.
Compiled output is written to the working directory whatever the layout.

Which languages are offered is decided at start-up by `available_toolchains`: a row is kept only
when every program it needs is found on the sandbox's PATH. Nothing here assumes a runtime is
installed; installing e.g. `ruby` or `golang-go` and restarting the server adds the language.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field

from unsandbox_ls.languages import EXTENSIONS, MAIN_FILE_NAMES


@dataclass(frozen=True)
class Toolchain:
    """How one API language id is compiled and run; `{src}` is the code file as the command line
    names it (relative to the cwd, or absolute), `{stem}` its name without the extension."""

    language: str
    #: programs that must be on PATH for the language to be offered (first word of each step)
    needs: tuple[str, ...]
    run: str
    compile: str | None = None
    #: files the compile step produces that `return_artifact` returns
    artifacts: tuple[str, ...] = ()
    #: extra environment the toolchain needs
    env: dict[str, str] = field(default_factory=dict)


def source_name(language: str) -> str:
    """The file name the code is saved under: `main.<ext>`, or `Main.java` for Java."""
    if language in MAIN_FILE_NAMES:
        return MAIN_FILE_NAMES[language]
    for ext, lang in EXTENSIONS.items():
        if lang == language:
            return f"main.{ext}"
    return "main.txt"


_PY = f"python{sys.version_info.major}"

#: Compile and run steps, one row per language. Programs are looked up on the sandbox PATH.
TOOLCHAINS: tuple[Toolchain, ...] = (
    Toolchain("python", (_PY,), f"exec {_PY} -u {{src}}"),
    Toolchain("javascript", ("node",), "exec node {src}"),
    Toolchain("bash", ("bash",), "exec bash {src}"),
    Toolchain("perl", ("perl",), "exec perl {src}"),
    Toolchain("tcl", ("tclsh",), "exec tclsh {src}"),
    Toolchain("ruby", ("ruby",), "exec ruby {src}"),
    Toolchain("php", ("php",), "exec php {src}"),
    Toolchain("lua", ("lua",), "exec lua {src}"),
    Toolchain("lua", ("lua5.4",), "exec lua5.4 {src}"),
    Toolchain("awk", ("awk",), "exec awk -f {src}"),
    Toolchain("r", ("Rscript",), "exec Rscript {src}"),
    Toolchain("deno", ("deno",), "exec deno run --quiet --no-prompt {src}"),
    Toolchain("typescript", ("deno",), "exec deno run --quiet --no-prompt {src}"),
    Toolchain(
        "typescript",
        ("tsc", "node"),
        "exec node {stem}.js",
        compile="tsc --pretty false --target es2020 --module commonjs --outDir . {src}",
        artifacts=("{stem}.js",),
    ),
    Toolchain("haskell", ("runghc",), "exec runghc {src}"),
    Toolchain("ocaml", ("ocaml",), "exec ocaml {src}"),
    Toolchain("scheme", ("guile",), "exec guile --no-auto-compile -s {src}"),
    # SBCL reserves its whole heap up front: keep it under the per-process data limit
    Toolchain("commonlisp", ("sbcl",), "exec sbcl --dynamic-space-size 512MB --script {src}"),
    Toolchain("elixir", ("elixir",), "exec elixir {src}"),
    Toolchain(
        "erlang",
        ("erlc", "erl"),
        "exec erl -noshell -s main start -s init stop",
        compile="erlc {src}",
        artifacts=("main.beam",),
    ),
    Toolchain(
        "fortran",
        ("gfortran",),
        "exec ./main",
        compile="gfortran -g -o main {src}",
        artifacts=("main",),
    ),
    Toolchain(
        "kotlin",
        ("kotlinc", "java"),
        "exec java -jar main.jar",
        compile="kotlinc {src} -include-runtime -d main.jar",
        artifacts=("main.jar",),
    ),
    Toolchain("c", ("cc",), "exec ./main", compile="cc -g -o main {src} -lm", artifacts=("main",)),
    Toolchain("cpp", ("c++",), "exec ./main", compile="c++ -g -o main {src}", artifacts=("main",)),
    Toolchain(
        "rust",
        ("rustc", "cc"),
        "exec ./main",
        compile="rustc --edition 2021 -o main {src}",
        artifacts=("main",),
    ),
    Toolchain(
        "go",
        ("go",),
        "exec ./main",
        compile="go build -o main {src}",
        artifacts=("main",),
        env={"GOCACHE": "/tmp/go-cache", "GOPATH": "/tmp/go", "GO111MODULE": "off"},
    ),
    Toolchain(
        "java",
        ("javac", "java"),
        "exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -cp . Main",
        compile="javac -J-XX:+UseSerialGC -J-XX:TieredStopAtLevel=1 -J-XX:-UsePerfData -d . {src}",
        artifacts=("Main.class",),
    ),
)


def available_toolchains(path: str) -> dict[str, Toolchain]:
    """The rows whose programs are all found on `path` (the sandbox's PATH), by language id."""
    found: dict[str, Toolchain] = {}
    for chain in TOOLCHAINS:
        if chain.language in found:
            continue
        if all(shutil.which(program, path=path) for program in chain.needs):
            found[chain.language] = chain
    return found


def artifact_names(chain: Toolchain, stem: str = "main") -> tuple[str, ...]:
    """The files the compile step leaves in the cwd for a code file named `<stem>.<ext>`."""
    return tuple(name.format(stem=stem) for name in chain.artifacts)


def script_for(
    chain: Toolchain, *, artifact_dir: str | None, src: str | None = None, stem: str = "main"
) -> str:
    """The bash script of one job (rlimits are prepended by the runner); `src` is how the
    command line names the code (default: the docs layout's `main.<ext>` in the cwd)."""
    src = shlex.quote(src if src is not None else source_name(chain.language))
    lines: list[str] = []
    if chain.compile:
        lines.append(f"{chain.compile.format(src=src, stem=stem)} || exit $?")
        if artifact_dir is not None:
            for name in artifact_names(chain, stem):
                lines.append(f"cp -- {name} {artifact_dir}/ 2>/dev/null")
    lines.append(chain.run.format(src=src, stem=stem))
    return "\n".join(lines) + "\n"


def search_path(extra_dirs: list[str]) -> str:
    """The PATH jobs get: toolchain directories found at start-up, then the system's."""
    system = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
    seen: list[str] = []
    for entry in [*extra_dirs, *system]:
        if entry not in seen:
            seen.append(entry)
    return os.pathsep.join(seen)
