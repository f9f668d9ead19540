"""What the command line prints can never steer the terminal: control characters made visible.

A program's output, a file's name and whatever the API answers can hold escape sequences (an
OSC 52 clipboard write, a window title, cursor moves that repaint the screen) and newlines (a
name holding `\\nfake.py:9:9: error: …` would print a fake error line). Two helpers:

- `escape_line` for anything that must stay on one line (file names, `PATH:LINE:COL:` lines,
  the CLI's own messages, history rows): every C0 control, DEL and every C1 control is shown as
  a visible character: ESC as `␛`, the other C0 controls as their control pictures (`␊`, `␉`
  …), DEL as `␡`, a C1 control as `<9b>`.
- `escape_output` for a program's output. To a terminal: every control but newline and tab is
  made visible (a lone carriage return or a backspace could overwrite what was printed; a
  CRLF line end is kept as a newline). Elsewhere (a pipe, a file, a test): only what can steer a
  terminal that the text later reaches, ESC and the C1 controls, is made visible; newlines,
  tabs and carriage returns are kept. `unsandbox-ls run --raw` prints the output as it came.

The run's log file and `--json` keep the output exactly as it came (JSON escapes the C0
controls itself).
"""

from __future__ import annotations

ESC = "\x1b"


def _visible(code: int) -> str:
    if code == 0x1B:
        return "\u241b"  # ␛
    if code < 0x20:
        return chr(0x2400 + code)  # the control pictures: ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"<{code:02x}>"  # C1


_C0 = range(0x20)
_C1 = range(0x80, 0xA0)
#: one line: every control character visible
_LINE = {code: _visible(code) for code in (*_C0, 0x7F, *_C1)}
#: output to a terminal: all but newline and tab
_TTY = {code: text for code, text in _LINE.items() if code not in (0x0A, 0x09)}
#: output elsewhere: only what starts a terminal sequence
_PIPE = {code: _visible(code) for code in (0x1B, *_C1)}


def escape_line(text: str) -> str:
    """`text` with every control character visible: it prints as one line, steering nothing."""
    return text.translate(_LINE)


def escape_output(text: str, *, terminal: bool) -> str:
    """A program's output made safe to print, to a terminal or elsewhere (module docstring)."""
    if terminal:
        return text.replace("\r\n", "\n").translate(_TTY)
    return text.translate(_PIPE)


def is_terminal(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if isatty is not None else False
    except ValueError:  # a closed stream
        return False
