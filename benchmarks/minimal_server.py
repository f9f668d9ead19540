"""The baseline of the start-up figures: the smallest pygls 2 server, nothing registered."""

from pygls.lsp.server import LanguageServer


def main() -> None:
    LanguageServer("minimal", "0").start_io()


if __name__ == "__main__":
    main()
