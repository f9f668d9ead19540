"""Each language the server offers: hello world, and an error with a non-zero exit.

The set of languages comes from the server's own `GET /languages` (toolchains present on this
machine); the core ones the project relies on must be there.
"""

from __future__ import annotations

import base64

import httpx
import pytest
from support.sandbox import SandboxServer

CORE = {"python", "javascript", "bash", "perl", "c", "cpp", "java", "rust", "tcl"}

#: language → (program printing "hello from <lang>", program failing with a message on stderr)
PROGRAMS: dict[str, tuple[str, str]] = {
    "python": ('print("hello from python")', "raise ValueError('boom')"),
    "javascript": ('console.log("hello from javascript")', "throw new Error('boom')"),
    "bash": ('echo "hello from bash"', "echo boom >&2; exit 3"),
    "perl": ('print "hello from perl\\n";', "die 'boom';"),
    "tcl": ('puts "hello from tcl"', 'error "boom"'),
    "ruby": ('puts "hello from ruby"', "raise 'boom'"),
    "php": ('<?php echo "hello from php\\n";', '<?php throw new Exception("boom");'),
    "lua": ('print("hello from lua")', 'error("boom")'),
    "awk": ('BEGIN { print "hello from awk" }', 'BEGIN { print "boom" > "/dev/stderr"; exit 2 }'),
    "r": ('cat("hello from r\\n")', 'stop("boom")'),
    "c": (
        '#include <stdio.h>\nint main(void) { puts("hello from c"); return 0; }\n',
        "int main(void) { return undefined_name; }\n",
    ),
    "cpp": (
        '#include <iostream>\nint main() { std::cout << "hello from cpp" << std::endl; }\n',
        "int main() { return undefined_name; }\n",
    ),
    "rust": (
        'fn main() { println!("hello from rust"); }\n',
        'fn main() { let v: Vec<i32> = Vec::new(); println!("{}", v[3]); }\n',
    ),
    "go": (
        'package main\nimport "fmt"\nfunc main() { fmt.Println("hello from go") }\n',
        'package main\nfunc main() { panic("boom") }\n',
    ),
    "java": (
        'public class Main { public static void main(String[] a) {\n'
        '  System.out.println("hello from java"); } }\n',
        'public class Main { public static void main(String[] a) {\n'
        '  throw new RuntimeException("boom"); } }\n',
    ),
    "deno": ('console.log("hello from deno")', "throw new Error('boom')"),
    "typescript": (
        'const s: string = "hello from typescript"; console.log(s)',
        "throw new Error('boom')",
    ),
    "haskell": ('main = putStrLn "hello from haskell"', 'main = error "boom"'),
    "ocaml": ('print_endline "hello from ocaml"', 'failwith "boom"'),
    "scheme": ('(display "hello from scheme") (newline)', "(error \"boom\")"),
    "commonlisp": ('(format t "hello from commonlisp~%")', '(error "boom")'),
    "elixir": ('IO.puts "hello from elixir"', 'raise "boom"'),
    "erlang": (
        '-module(main).\n-export([start/0]).\nstart() -> io:format("hello from erlang~n").\n',
        "-module(main).\n-export([start/0]).\nstart() -> erlang:error(boom).\n",
    ),
    "fortran": (
        "program main\n  print '(a)', 'hello from fortran'\nend program main\n",
        "program main\n  error stop 3\nend program main\n",
    ),
    "kotlin": ('fun main() { println("hello from kotlin") }', 'fun main() { error("boom") }'),
}  # fmt: skip


def offered(server: SandboxServer) -> list[str]:
    response = httpx.get(server.base_url + "/languages", timeout=10)
    languages: list[str] = response.json()["languages"]
    return languages


def test_languages_lists_at_least_the_core_ones(sandbox_server: SandboxServer) -> None:
    languages = offered(sandbox_server)
    assert all(isinstance(x, str) for x in languages)
    assert set(languages) >= CORE, CORE - set(languages)


@pytest.mark.parametrize("language", sorted(PROGRAMS))
def test_hello_world_and_error_exit(sandbox_server: SandboxServer, language: str) -> None:
    if language not in offered(sandbox_server):
        pytest.skip(f"no {language} toolchain on this machine")
    hello, failing = PROGRAMS[language]
    ok = sandbox_server.execute(language, hello)
    assert ok["status"] == "completed", ok
    assert ok["exit_code"] == 0 and ok["success"] is True, ok
    assert ok["stdout"].strip() == f"hello from {language}", ok
    assert ok["language"] == language
    bad = sandbox_server.execute(language, failing)
    assert bad["status"] == "completed", bad
    assert bad["exit_code"] != 0 and bad["success"] is False, bad
    assert bad["stderr"].strip() or bad["stdout"].strip(), bad


def test_c_compiler_error_goes_to_stderr(sandbox_server: SandboxServer) -> None:
    data = sandbox_server.execute("c", "int main(void) {\n  return undefined_name;\n}\n")
    assert data["exit_code"] != 0
    assert "main.c:2:" in data["stderr"] and "undefined_name" in data["stderr"]


def test_java_code_is_saved_as_main_java(sandbox_server: SandboxServer) -> None:
    code = "public class Main {\n  public static void main(String[] a) {\n    int x = ;\n  }\n}\n"
    data = sandbox_server.execute("java", code)
    assert data["exit_code"] != 0
    assert "Main.java:3:" in data["stderr"]


def test_c_artifact_is_the_compiled_binary(sandbox_server: SandboxServer) -> None:
    code = '#include <stdio.h>\nint main(void) { puts("built"); return 0; }\n'
    data = sandbox_server.execute("c", code, return_artifact=True)
    assert data["stdout"] == "built\n"
    (artifact,) = data["artifacts"]
    binary = base64.b64decode(artifact["content_base64"])
    assert binary[:4] == b"\x7fELF"
    assert artifact["size"] == len(binary)
    assert artifact["filename"] == "main" and artifact["mime_type"]


def test_no_artifacts_unless_asked(sandbox_server: SandboxServer) -> None:
    data = sandbox_server.execute("c", "int main(void) { return 0; }\n")
    assert data["artifacts"] == []
