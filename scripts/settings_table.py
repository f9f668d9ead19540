"""Write the README's settings table from the schema in `unsandbox_ls/server/settings.py`.

    python scripts/settings_table.py          # rewrite the table in README.md
    python scripts/settings_table.py --check  # exit 1 if README.md's table is not the schema's

The table sits between the two `settings table` comment lines of README.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN = "<!-- settings table: written by scripts/settings_table.py from server/settings.py -->"
END = "<!-- end of the settings table -->"


def with_table(text: str, table: str) -> str:
    """`text` (the README) with the part between the markers replaced by `table`."""
    head, found, rest = text.partition(BEGIN + "\n")
    _, closed, tail = rest.partition(END)
    if not found or not closed:
        raise SystemExit(f"README.md lacks the lines {BEGIN!r} and {END!r}")
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def main(argv: list[str]) -> int:
    from unsandbox_ls.server.settings import readme_table

    text = README.read_text(encoding="utf-8")
    wanted = with_table(text, readme_table())
    if "--check" in argv:
        if wanted != text:
            print("README.md's settings table differs from the schema: run "
                  "python scripts/settings_table.py", file=sys.stderr)  # fmt: skip
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
