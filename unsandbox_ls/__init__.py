"""unsandbox-ls: run the file you are editing in an unsandbox sandbox, from any LSP editor."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("unsandbox-ls")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
