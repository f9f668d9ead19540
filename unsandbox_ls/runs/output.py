"""What a finished run leaves behind: the summary line, the result lens, the log file and where
the editor's artifacts go (saving them is `unsandbox_ls.runs.artifacts`). Used by the language
server, `unsandbox-ls run` (its log and history, `--compact`) and the history.

Pure formatting plus a small file writer; nothing here talks LSP.
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

from unsandbox_ls.runs.artifacts import safe_name


def seconds(duration_ms: float | None) -> str:
    """`0.4 s`, `12 s`, `2 min 5 s`."""
    if duration_ms is None:
        return "? s"
    secs = duration_ms / 1000
    if secs < 10:
        return f"{secs:.1f} s" if secs >= 0.1 else f"{secs:.2f} s"
    if secs < 120:
        return f"{secs:.0f} s"
    return f"{int(secs // 60)} min {int(secs % 60)} s"


#: invisible format characters kept as they are: the joiners that emoji and many scripts need
_KEPT_FORMAT = frozenset("\u200c\u200d")


def visible(text: str) -> str:
    """`text` with bidi controls (U+202E …) and other invisible format or control characters
    shown as `<U+202E>`: a file name or an error text must not reorder or hide what a lens
    title or a message says."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        f"<U+{ord(c):04X}>"
        if (unicodedata.category(c) in ("Cf", "Cc") and c not in _KEPT_FORMAT and c not in "\n\t")
        else c
        for c in text
    )


def first_error_line(stderr: str) -> str | None:
    """The line a reader wants first: the last non-indented non-empty stderr line.

    For a Python traceback that is `KeyError: 'price'`; for most compilers the last line is a
    count, so parsers' first problem message is preferred by the caller when available. The
    local sandbox's line saying the stream was cut is not the program's: it is skipped.
    """
    from unsandbox_ls.problems.cleaning import clean

    lines = [line.rstrip() for line in clean(stderr).splitlines() if line.strip()]
    for line in reversed(lines):
        if not line[:1].isspace():
            return line[:200]
    return lines[-1].strip()[:200] if lines else None


def lens_title(
    status: str,
    exit_code: int | None,
    duration_ms: float | None,
    error: str | None,
    given: str = "",
) -> str:
    """The result lens: `✓ exit 0 · 0.4 s` or `✗ exit 1 · KeyError: 'price'`, then what the
    program was given (`· stdin: input.txt, args: 5`)."""
    error = visible(error) if error else error
    tail = f" · {visible(given)}" if given else ""
    if status == "completed" and exit_code == 0:
        return f"✓ exit 0 · {seconds(duration_ms)}{tail}"
    if status == "cancelled":
        return "■ cancelled"
    head = f"✗ exit {exit_code}" if exit_code is not None else f"✗ {status}"
    return (f"{head} · {error}" if error else f"{head} · {seconds(duration_ms)}") + tail


#: how to give a program its standard input, for the message after it read none
STDIN_HOW = (
    "stdin=FILE in the magic comment, the unsandbox.stdin setting, or --stdin FILE on the "
    "command line"
)


def no_input_hint(stdin_name: str | None, error_line: str | None, language: str | None) -> str:
    """A sentence for a program that failed reading standard input when none was given."""
    if stdin_name or not error_line:
        return ""
    read_none = (language == "python" and error_line.startswith("EOFError")) or (
        language == "ruby" and "for nil" in error_line and "NoMethodError" in error_line
    )
    if not read_none:
        return ""
    return f"; it read standard input, which was empty: give it a file with {STDIN_HOW}"


def summary_line(
    name: str,
    status: str,
    exit_code: int | None,
    duration_ms: float | None,
    error_line: str | None,
    files: int = 1,
    given: str = "",
) -> str:
    """One line for `window/showMessage`: `main.py: exit 1 in 0.4 s: KeyError: 'price'`, or
    `main.py (3 files): …` when files went along with the code, `main.py (stdin: input.txt,
    args: 5): …` with what the program was given."""
    extra = [f"{files} files"] if files > 1 else []
    if given:
        extra.append(given)
    if extra:
        name = f"{name} ({', '.join(extra)})"
    name = visible(name)
    error_line = visible(error_line) if error_line else error_line
    if status == "cancelled":
        return f"{name}: run cancelled after {seconds(duration_ms)}"
    if status == "timeout":
        text = f"{name}: timed out after {seconds(duration_ms)}"
    elif exit_code is not None:
        text = f"{name}: exit {exit_code} in {seconds(duration_ms)}"
    else:
        text = f"{name}: {status} after {seconds(duration_ms)}"
    if error_line and not (status == "completed" and exit_code == 0):
        text += f": {error_line}"
    return text


def cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("unsandbox-ls"))


def write_log(
    run_id: str,
    name: str,
    header: list[str],
    stdout: str,
    stderr: str,
    code: str | None = None,
) -> str | None:
    """Write the run's full output to `<cache>/runs/…log`, after the file's text as it ran
    (`code`, for comparing two runs); its path, or None if it failed."""
    directory = cache_dir() / "runs"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = directory / f"{stamp}-{safe_name(name)[:60]}-{run_id}.log"
    text = "\n".join(header)
    if code is not None:
        text += "\n\n" + CODE_MARK + code + ("" if code.endswith("\n") or not code else "\n")
    text += "\n\n=== stdout ===\n" + stdout
    if stdout and not stdout.endswith("\n"):
        text += "\n"
    text += "\n=== stderr ===\n" + stderr
    try:
        directory.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", errors="replace")
        _prune(directory, KEEP_LOGS)
    except OSError:
        return None
    return str(path)


#: the start of a log's section holding the file's text as it ran
CODE_MARK = "=== code ===\n"

#: run logs kept in the cache; older ones are removed when a new one is written
KEEP_LOGS = 200


def _prune(directory: Path, keep: int) -> None:
    logs = sorted(directory.glob("*.log"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in logs[keep:]:
        old.unlink(missing_ok=True)
