"""The Node and Ruby start-up hooks' recording of results in place, run by this machine's node
and ruby on small programs (the hook file itself, loaded as the sandbox's re-run loads it:
`--require` / `-r`), read back by the client's `take_in_place`: which line each write is
attributed to, the per-line count, first, last and text, the bounds, and that the program's
own output (its stack traces included) is the same as without the hook."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from unsandbox_ls.hooks.records import InPlace
from unsandbox_ls.hooks.startup import hook_file
from unsandbox_ls.runs.in_place import take_in_place

NONCE = "0123abcd4567ef89"
#: language → (hook file, how the interpreter loads it, the interpreter)
RUNTIMES = {
    "javascript": ("unsandbox_boot.js", "--require", "node"),
    "ruby": ("unsandbox_boot.rb", "-r", "ruby"),
}

NODE_CALLS = """\
const dep = require('dep');
function shout(word) {
  console.log('shout', word);
}
for (let i = 0; i < 3; i++) shout(i);
for (let i = 0; i < 2; i++) dep.say(i);
process.stdout.write('a\\nb');
process.stdout.write('c\\n');
console.error('to', 'stderr');
console.group('grouped');
console.groupEnd();
[7, 8].forEach((n) => console.info('each', n));
"""
NODE_DEP = "exports.say = (n) => console.log('dep', n);\n"
NODE_STACKS = """\
Error.stackTraceLimit = 3;
function where() { return new Error('here').stack; }
console.log(where());
console.trace('traced');
Error.prepareStackTrace = (error, sites) => `custom ${sites.length} ${error.message}`;
console.log(new Error('own').stack);
process.stdout.write(`${new Error('direct').stack}\\n`);
console.log(typeof Error.prepareStackTrace, Error.stackTraceLimit);
console.log(console.log.name, console.log.length);
Error.prepareStackTrace = undefined;
console.log(new Error('plain').stack);
"""
RUBY_CALLS = """\
require DEP
def shout(word)
  puts "shout #{word}"
end
3.times { |i| shout(i) }
2.times { |i| Dep.say(i) }
print "a\\nb"
print "c\\n"
$stdout << "d" << "\\n"
$stderr.puts "to stderr"
p [1, 2]
$stdout.write("e\\n", "f\\n", "g")
"""
RUBY_DEP = 'module Dep\n  def self.say(n)\n    puts "dep #{n}"\n  end\nend\n'
FLOOD = {
    "javascript": "for (let n = 0; n < 20000; n++) console.log('line', n, 'x'.repeat(n % 50));\n",
    "ruby": '20000.times { |n| puts "line #{n} #{"x" * (n % 50)}" }\n',
}
MANY_LINES = {
    "javascript": "console.log('row {n}');",
    "ruby": "puts 'row {n}'",
}


def run(language: str, folder: Path, name: str, *, hooked: bool = True) -> tuple[str, str]:
    hook, how, interpreter = RUNTIMES[language]
    if shutil.which(interpreter) is None:
        pytest.skip(f"no {interpreter} on this machine")
    hooks = folder.parent / "hooks"
    hooks.mkdir(exist_ok=True)
    (hooks / hook).write_bytes(hook_file(hook))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNSANDBOX", "RUBY", "NODE"))}
    command = [interpreter, name]
    if hooked:
        env["UNSANDBOX_LS_IN_PLACE"] = NONCE
        command = [interpreter, how, str(hooks / hook), name]
    done = subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stdout, done.stderr


def block(stderr: str) -> dict[str, object]:
    match = re.search(
        rf"--- unsandbox-ls in-place {NONCE} ---\n(.*?)\n--- unsandbox-ls end", stderr
    )
    assert match is not None, stderr
    found: dict[str, object] = json.loads(match[1])
    return found


def recorded(language: str, folder: Path, name: str) -> InPlace:
    """What the hook recorded for `name`, whose output is what it is without the hook."""
    stdout, stderr = run(language, folder, name)
    plain_out, plain_err = run(language, folder, name, hooked=False)
    rest, found = take_in_place(stderr, NONCE)
    assert (stdout, rest) == (plain_out, plain_err) and found is not None
    return found


def test_node_writes_go_to_the_nearest_line_of_the_users_files(tmp_path: Path) -> None:
    folder = tmp_path / "program"
    (folder / "node_modules" / "dep").mkdir(parents=True)
    (folder / "node_modules" / "dep" / "index.js").write_text(NODE_DEP)
    (folder / "calls.js").write_text(NODE_CALLS)
    found = recorded("javascript", folder, "calls.js")
    assert [(o.path, o.line, o.count, o.first, o.last, o.text) for o in found.lines] == [
        ("calls.js", 3, 3, "shout 0", "shout 2", "shout 0\nshout 1\nshout 2\n"),
        ("calls.js", 6, 2, "dep 0", "dep 1", "dep 0\ndep 1\n"),  # node_modules is not the user's
        ("calls.js", 7, 2, "a", "b", "a\nb"),
        ("calls.js", 8, 1, "c", "c", "c\n"),
        ("calls.js", 9, 1, "to stderr", "to stderr", "to stderr\n"),
        ("calls.js", 10, 1, "grouped", "grouped", "grouped\n"),
        ("calls.js", 12, 2, "each 7", "each 8", "each 7\neach 8\n"),
    ]


def test_node_programs_own_stack_traces_are_as_without_the_hook(tmp_path: Path) -> None:
    folder = tmp_path / "program"
    folder.mkdir()
    (folder / "stacks.js").write_text(NODE_STACKS)
    stdout, stderr = run("javascript", folder, "stacks.js")
    plain_out, plain_err = run("javascript", folder, "stacks.js", hooked=False)
    rest, found = take_in_place(stderr, NONCE)
    assert stdout == plain_out and rest == plain_err
    assert "custom 3 own\ncustom 3 direct\nfunction 3\nlog 0\n" in stdout
    assert "at where (" in stdout and "Trace: traced" in rest and "unsandbox" not in rest
    assert found is not None
    assert [(o.line, o.count) for o in found.lines] == [
        (3, 4), (4, 4), (6, 1), (7, 1), (8, 1), (9, 1), (11, 4),
    ]  # fmt: skip


def test_ruby_writes_go_to_the_nearest_line_of_the_users_files(tmp_path: Path) -> None:
    folder = tmp_path / "program"
    folder.mkdir()
    outside = tmp_path / "gems" / "dep.rb"  # not under the program's folder: not the user's
    outside.parent.mkdir()
    outside.write_text(RUBY_DEP)
    (folder / "calls.rb").write_text(RUBY_CALLS.replace("DEP", repr(str(outside))))
    found = recorded("ruby", folder, "calls.rb")
    assert [(o.path, o.line, o.count, o.first, o.last, o.text) for o in found.lines] == [
        ("calls.rb", 3, 3, "shout 0", "shout 2", "shout 0\nshout 1\nshout 2\n"),
        ("calls.rb", 6, 2, "dep 0", "dep 1", "dep 0\ndep 1\n"),
        ("calls.rb", 7, 2, "a", "b", "a\nb"),
        ("calls.rb", 8, 1, "c", "c", "c\n"),
        ("calls.rb", 9, 1, "d", "d", "d\n"),
        ("calls.rb", 10, 1, "to stderr", "to stderr", "to stderr\n"),
        ("calls.rb", 11, 1, "[1, 2]", "[1, 2]", "[1, 2]\n"),
        ("calls.rb", 12, 3, "e", "g", "e\nf\ng"),
    ]


@pytest.mark.parametrize("language", RUNTIMES)
def test_a_flood_of_output_gives_the_bounded_counts_first_and_last(
    language: str, tmp_path: Path
) -> None:
    folder = tmp_path / "program"
    folder.mkdir()
    name = "flood." + ("js" if language == "javascript" else "rb")
    (folder / name).write_text(FLOOD[language])
    stdout, stderr = run(language, folder, name)
    rest, found = take_in_place(stderr, NONCE)
    assert rest == "" and stdout.count("\n") == 20000 and found is not None
    (line,) = found.lines
    assert (line.line, line.count, line.first) == (1, 20000, "line 0 ")
    assert line.last == "line 19999 " + "x" * 49 and len(line.text) == 2000


@pytest.mark.parametrize("language", RUNTIMES)
def test_lines_past_the_most_recorded_are_counted_as_dropped(language: str, tmp_path: Path) -> None:
    folder = tmp_path / "program"
    folder.mkdir()
    name = "many." + ("js" if language == "javascript" else "rb")
    (folder / name).write_text("\n".join(MANY_LINES[language].format(n=n) for n in range(350)))
    stdout, stderr = run(language, folder, name)
    body = block(stderr)
    assert stdout.count("\n") == 350 and body["dropped"] == 50
    lines = body["lines"]
    assert isinstance(lines, list) and [o["line"] for o in lines] == list(range(1, 301))
