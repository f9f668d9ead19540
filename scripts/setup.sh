#!/usr/bin/env bash
# Set up a development environment: a venv in .venv with the package and its test extras, and
# bubblewrap for the local sandbox. Idempotent; safe to run again.
#   scripts/setup.sh            venv + Python packages + bubblewrap
#   scripts/setup.sh --tests    also every runtime and editor the test suite drives
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=0
[ "${1:-}" = "--tests" ] && want_tests=1

apt_install() {
  # Installs Debian packages when we can (root, or passwordless sudo); otherwise says what to run.
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else
      echo "Please install: sudo apt-get install -y ${missing[*]}" >&2
      return 1
    fi
  fi
  echo "Installing Debian packages: ${missing[*]}" >&2
  $sudo apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq -o DPkg::Lock::Timeout=300 \
    --no-install-recommends "${missing[@]}" >/dev/null
}

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
# An editable install leaves the package's own modules uncompiled (pip compiles what it copies,
# and PYTHONDONTWRITEBYTECODE may keep Python from caching them): compile them once, so every
# `unsandbox-ls run` does not compile them from source again (~60 ms). Python recompiles any
# module edited since.
.venv/bin/python -m compileall -q unsandbox_ls >/dev/null

# The newest Python the package supports, for CI's second run of the core suite (.ci/run):
# `python3.13` on PATH if it runs, else pyenv's newest 3.13 build; none, no second venv.
newest_python() {
  if command -v python3.13 >/dev/null && python3.13 -c '' 2>/dev/null; then
    command -v python3.13
    return
  fi
  local root
  root=$( (command -v pyenv >/dev/null && pyenv root) || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  find "$root/versions" -maxdepth 3 -path '*/3.13.*/bin/python3.13' 2>/dev/null | sort -V | tail -n 1
}
if [ "$want_tests" = 1 ] && newest=$(newest_python) && [ -n "$newest" ]; then
  [ -x .venv313/bin/python ] || "$newest" -m venv .venv313
  .venv313/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
fi

if ! command -v bwrap >/dev/null; then
  apt_install bubblewrap || echo "Without bubblewrap the local sandbox refuses to start." >&2
fi

if [ "$want_tests" = 1 ]; then
  # Runtimes the stderr parsers are tested against, live, through the local sandbox.
  apt_install ruby golang-go php-cli lua5.4 r-base-core sbcl guile-3.0 ocaml-nox \
    elixir erlang-nox gfortran ghc kotlin
  # Deno runs TypeScript in the sandbox; its npm package carries the official binary.
  if ! command -v deno >/dev/null && [ "$(uname -m)" = x86_64 ] && [ "$(id -u)" -eq 0 ]; then
    npm install -g --no-audit --no-fund --loglevel=error @deno/linux-x64-glibc@2.9.6 >/dev/null
    ln -sf "$(npm root -g)/@deno/linux-x64-glibc/deno" /usr/local/bin/deno
  fi
  command -v deno >/dev/null || echo "No deno: the live TypeScript tests will skip." >&2
  bash scripts/install-editor-test-deps.sh .venv
fi
