#!/usr/bin/env bash
# Set up (see scripts/setup.sh), then run a failing example program in the local sandbox through
# the language server, driving it as an editor would, and show its output and diagnostics.
# Usage: scripts/main-job.sh [FILE]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/main_job.py "$@"
