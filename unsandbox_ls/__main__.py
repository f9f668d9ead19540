"""`python -m unsandbox_ls` is the same as the `unsandbox-ls` command."""

from unsandbox_ls.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
