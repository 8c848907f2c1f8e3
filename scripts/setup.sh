#!/usr/bin/env bash
# Installs what ftbench needs on a fresh Debian/Ubuntu machine, then the npm packages.
#   scripts/setup.sh          system BLAS for the native kernel pack + npm ci
#   scripts/setup.sh --dev    also Debian's Chromium, for the report's browser test, PyTorch (python3-torch with
#                             libopenblas0) for the parity test against PyTorch (bench/parity), and Mesa's lavapipe (a CPU
#                             Vulkan driver) for the webgpu backend's test; on Debian bookworm from bookworm-backports,
#                             since bookworm's own Mesa 22.3 lacks a Vulkan feature Dawn requires
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(libopenblas-dev)                     # optional speed-up: the native kernel pack links it
[[ "${1:-}" == "--dev" ]] && pkgs+=(chromium redis-server)   # redis-server: the queue tests start their own

if command -v apt-get >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  missing=()
  for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})); then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [[ "${1:-}" == "--dev" ]] && ! dpkg -s python3-torch libopenblas0 >/dev/null 2>&1; then
    # Without recommends: they add compilers and libtorch-dev, which the parity test does not need.
    torch=(env DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends python3-torch libopenblas0)
    "${torch[@]}" >/dev/null 2>&1 || { $SUDO apt-get update -qq && "${torch[@]}" >/dev/null; } \
      || echo "ftbench: could not install python3-torch; the PyTorch parity test will skip." >&2
  fi
  if [[ "${1:-}" == "--dev" ]]; then
    . /etc/os-release 2>/dev/null || true
    if [[ "${VERSION_CODENAME:-}" == bookworm ]]; then
      list=/etc/apt/sources.list.d/ftbench-bookworm-backports.list
      if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ \
        && ! grep -rqs '^Suites:.*bookworm-backports' /etc/apt/sources.list.d/; then
        echo 'deb http://deb.debian.org/debian bookworm-backports main' | $SUDO tee "$list" >/dev/null
        $SUDO apt-get update -qq
      fi
      # Dawn needs Mesa >= 23 (bookworm has 22.3): take lavapipe and the Vulkan loader from backports.
      if ! dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q '~bpo12'; then
        bpo=(env DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1)
        "${bpo[@]}" >/dev/null 2>&1 || { $SUDO apt-get update -qq && "${bpo[@]}" >/dev/null; } \
          || echo "ftbench: could not install lavapipe from bookworm-backports; the webgpu test will skip." >&2
      fi
    elif ! dpkg -s mesa-vulkan-drivers >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq mesa-vulkan-drivers libvulkan1 >/dev/null \
        || echo "ftbench: could not install lavapipe (mesa-vulkan-drivers); the webgpu test will skip." >&2
    fi
  fi
else
  echo "ftbench: no apt-get here; install a CBLAS (OpenBLAS) yourself for the fast backend, or run without it." >&2
fi

# Built-in task data from Debian (optional: without it those tasks are listed as unavailable, the default suite still runs).
#   SWORD Bible modules + mod2imp for the paraphrase task; python3-pattern's test corpora for the polarity and hedge tasks,
#   downloaded and unpacked into the cache only, because installing it pulls scipy, nltk and boost.
if command -v apt-get >/dev/null; then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  data_pkgs=(libsword-utils sword-text-kjv sword-text-web)
  missing=()
  for p in "${data_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if ((${#missing[@]})) && ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    echo "ftbench: could not install ${missing[*]}; the bible-para task stays unavailable." >&2
  fi
  pattern="${FTBENCH_CACHE:-.cache}/debian/python3-pattern"
  if [[ ! -d "$pattern/usr/share/doc/python3-pattern/test/corpora" ]]; then
    tmp=$(mktemp -d)
    if (cd "$tmp" && apt-get download -qq python3-pattern >/dev/null 2>&1) && mkdir -p "$pattern" && dpkg-deb -x "$tmp"/python3-pattern_*.deb "$pattern"; then :; else
      echo "ftbench: could not fetch python3-pattern; the pang-lee and hedge tasks stay unavailable." >&2
    fi
    rm -rf "$tmp"
  fi
fi

npm ci --no-audit --no-fund
