#!/usr/bin/env bash
# The GPU bench (bench/gpu.ts) on any machine, a bare one included. See docs/gpu.md.
#   bash bench/gpu.sh --pack     here (npm install done): builds .gpu/, everything the bench needs on a machine with no
#                                Node and no registry: Node itself, the bench bundled into one file, Dawn's binary,
#                                the wasm files and native kernel pack, and Debian's Vulkan loader and OpenBLAS debs
#   bash bench/gpu.sh [--json]   there (from the repository root): runs it from .gpu/ when that exists, else from the
#                                checkout (node + npm install); arguments go to bench/gpu.ts
set -euo pipefail
# Run from a payload folder (a copy of this script beside payload.tar.xz, e.g. .gpu/gpu.sh) or from bench/.
here=$(cd "$(dirname "$0")" && pwd)
if [[ -f "$here/payload.tar.xz" ]]; then G=$here; cd "$here/.."; else cd "$here/.."; G=.gpu; fi

if [[ "${1:-}" == "--pack" ]]; then
  rm -rf "$G" && mkdir -p "$G/payload/build/Release" "$G/payload/node_modules/webgpu/dist/linux-x64" "$G/debs"
  x=$(git rev-parse --git-path info/exclude) # a worktree's resolves to the shared one
  grep -qxs '/.gpu/' "$x" || { mkdir -p "$(dirname "$x")" && echo '/.gpu/' >>"$x"; }
  cp bench/gpu.sh "$G/gpu.sh" # the payload runs itself: bash .gpu/gpu.sh works from any checkout
  P="$G/payload"
  # One ES module with every JS dependency inlined; Dawn stays a package beside it (a native binary). The banner gives
  # CommonJS code (tfjs-backend-wasm's loader) the require/__dirname it expects: the wasm files sit beside the bundle.
  node_modules/.bin/esbuild bench/gpu.ts --bundle --platform=node --format=esm --target=node20 --log-level=warning \
    --outfile="$P/gpu-bench.mjs" --external:webgpu --external:@tensorflow/tfjs-node --external:@tensorflow/tfjs-node-gpu \
    --banner:js="import{createRequire as __cr}from'node:module';import{fileURLToPath as __fu}from'node:url';import{dirname as __dn}from'node:path';const require=__cr(import.meta.url);const __filename=__fu(import.meta.url);const __dirname=__dn(__filename);"
  cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm "$P/"
  cp node_modules/webgpu/package.json node_modules/webgpu/index.js "$P/node_modules/webgpu/"
  cp node_modules/webgpu/dist/linux-x64/dawn.node "$P/node_modules/webgpu/dist/linux-x64/"
  # The kernel pack looks for build/Release/ftbench_native.node beside the module that loads it: the bundle.
  cp harness/backend/native/build/Release/ftbench_native.node "$P/build/Release/" 2>/dev/null \
    || echo "gpu.sh: no native kernel pack built here; the CPU side will run on plain wasm (slower)." >&2
  cp "$(command -v node)" "$P/node"
  tar -C "$P" -cf - . | xz -T0 -6 >"$G/payload.tar.xz"
  rm -rf "$P"
  # Debian's Vulkan loader and the glvnd libraries NVIDIA's driver loads through (a bare machine may lack them),
  # and OpenBLAS for the native kernel pack.
  (cd "$G/debs" && apt-get download -qq -o APT::Sandbox::User=root libvulkan1 libglvnd0 libegl1 libopengl0 libgl1 libglx0 libgles2 \
    libopenblas0-pthread libgfortran5 >/dev/null)
  du -sh "$G" && ls -l "$G" "$G/debs"
  exit 0
fi

if [[ ! -f "$G/payload.tar.xz" ]]; then
  exec node --import tsx bench/gpu.ts "$@"
fi

T=${TMPDIR:-/tmp}/ftbench-gpu
rm -rf "$T" && mkdir -p "$T/root"
# python3's tarfile reads xz when the xz tool is missing.
if command -v xz >/dev/null; then tar -C "$T" -xJf "$G/payload.tar.xz"
else python3 -c "import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" "$G/payload.tar.xz" "$T"; fi

# Vulkan loader and glvnd: into / (the driver loads them by soname) and only when the loader is missing.
if ! ldconfig -p | grep 'libvulkan\.so\.1' >/dev/null; then
  for d in "$G"/debs/lib{vulkan1,glvnd0,egl1,opengl0,gl1,glx0,gles2}_*.deb; do dpkg -x "$d" /; done
  ldconfig
fi
# The NVIDIA driver's manifest, where the loader does not look by itself.
icds=$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null || true)
nv=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [[ -z "${VK_DRIVER_FILES:-}" && -f $nv ]] && ! grep -l nvidia $icds /dev/null >/dev/null 2>&1; then
  export VK_DRIVER_FILES=$nv __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
# OpenBLAS for the CPU side's kernel pack: unpacked aside, not into /.
for d in "$G"/debs/libopenblas0-pthread_*.deb "$G"/debs/libgfortran5_*.deb; do dpkg -x "$d" "$T/root"; done
export LD_LIBRARY_PATH="$T/root/usr/lib/x86_64-linux-gnu/openblas-pthread:$T/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

NODE="$T/node"
echo "gpu.sh: node $("$NODE" --version), Vulkan drivers: ${VK_DRIVER_FILES:-$icds}" >&2
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
if [[ -n "${OUT:-}" && -d "${OUT:-}" ]]; then
  # The device tool brings back what lands in $OUT: keep the whole log there.
  set -o pipefail
  "$NODE" "$T/gpu-bench.mjs" "$@" 2>&1 | tee "$OUT/gpu-bench.log"
  grep '^GPU_BENCH_JSON ' "$OUT/gpu-bench.log" | sed 's/^GPU_BENCH_JSON //' >"$OUT/gpu-bench.json" || true
else
  exec "$NODE" "$T/gpu-bench.mjs" "$@"
fi
