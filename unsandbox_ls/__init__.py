"""unsandbox-ls: run the file you are editing in an unsandbox sandbox, from any LSP editor."""

# The single source of the version (pyproject reads it): a constant, because asking
# importlib.metadata costs the language server's start-up several milliseconds of imports.
__version__ = "0.1.0"

__all__ = ["__version__"]
