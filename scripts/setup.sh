#!/usr/bin/env bash
# Installs what ftbench needs on a fresh Debian/Ubuntu machine, then the npm packages.
#   scripts/setup.sh          system BLAS for the native kernel pack + npm ci
#   scripts/setup.sh --dev    also Debian's Chromium, for the report's browser test
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(libopenblas-dev)                     # optional speed-up: the native kernel pack links it
[[ "${1:-}" == "--dev" ]] && pkgs+=(chromium)

if command -v apt-get >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  missing=()
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
else
  echo "ftbench: no apt-get here; install a CBLAS (OpenBLAS) yourself for the fast backend, or run without it." >&2
fi

npm ci --no-audit --no-fund
