#!/usr/bin/env bash
# Set up everything the tests need (see scripts/setup.sh --tests), then run the linters and the
# whole test suite. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
.venv/bin/python -m pytest -q -rs "$@"
