#!/usr/bin/env bash
# gpu_bundle.sh BUILD_DIR OUT_DIR - a self-contained folder that runs the
# engine's WebGPU backend on a Linux GPU machine with no compiler, node or
# network: llmcap-engine, Dawn (libwebgpu_wrapper.so from npm
# bun-webgpu-linux-x64@0.1.7), the Vulkan loader and the C/C++ runtime
# libraries it needs, a wrapper (bin/llmcap-engine) that points the dynamic
# loader at them, and gpu_bench.sh, which generates the models on the machine
# (mkmodel) and benchmarks them. The GPU driver's Vulkan ICD must be installed
# there (NVIDIA's driver ships one).
#
# Usage: make bundle-gpu  (writes build/bundle-gpu/, about 25 MB), then copy
# that folder to the GPU machine and run  bundle-gpu/gpu_bench.sh OUT_DIR
set -euo pipefail
build=${1:-build}
out=${2:-$build/bundle-gpu}
dawn=node_modules/bun-webgpu-linux-x64/libwebgpu_wrapper.so
[ -f "$dawn" ] || { echo "gpu_bundle: $dawn is missing: run make deps-webgpu" >&2; exit 2; }
rm -rf "$out.tmp"
mkdir -p "$out.tmp/lib" "$out.tmp/bin"
cp "$build/llmcap-engine" "$out.tmp/lib/llmcap-engine"
cp "$build/bench/gpu_membw" "$out.tmp/lib/gpu_membw"
cp "$dawn" "$out.tmp/lib/"
# the shared libraries the engine and Dawn load, other than glibc's own
for lib in $( (ldd "$build/llmcap-engine"; ldd "$dawn") | awk '/=> \//{print $3}' | sort -u); do
  case $(basename "$lib") in
    libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*) ;;
    *) cp -L "$lib" "$out.tmp/lib/" ;;
  esac
done
vk=$(ldconfig -p | awk '/libvulkan.so.1 .*x86-64/ && !f {f = $NF} END {print f}')
[ -n "$vk" ] || { echo "gpu_bundle: the Vulkan loader libvulkan.so.1 is missing: apt-get install libvulkan1" >&2; exit 2; }
cp -L "$vk" "$out.tmp/lib/libvulkan.so.1"
cat > "$out.tmp/bin/llmcap-engine" <<'W'
#!/bin/sh
# run the bundled engine with the bundled Dawn, Vulkan loader and runtime libraries
d=$(cd "$(dirname "$0")/../lib" && pwd)
LD_LIBRARY_PATH="$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" LLMCAP_DAWN_LIB="$d/libwebgpu_wrapper.so" exec "$d/llmcap-engine" "$@"
W
chmod +x "$out.tmp/bin/llmcap-engine"
sed 's|/llmcap-engine" "\$@"|/gpu_membw" "$@"|' "$out.tmp/bin/llmcap-engine" > "$out.tmp/bin/gpu_membw"
chmod +x "$out.tmp/bin/gpu_membw"
cp bench/gpu_bench.sh "$out.tmp/gpu_bench.sh"
git rev-parse HEAD > "$out.tmp/COMMIT" 2>/dev/null || echo unknown > "$out.tmp/COMMIT"
rm -rf "$out"
mv "$out.tmp" "$out"
du -sh "$out"
