#!/usr/bin/env bash
# gpu_bench.sh OUT_DIR [SHAPES] [TYPES] - run on the GPU machine from the
# bundle (see gpu_bundle.sh): generate models of the given shapes and types
# with mkmodel (seeded random weights, every matrix the named type, as the
# llama.cpp H200 figures in ../shared/docs/toolchain.md), then for each one
# llmcap-engine bench --backend webgpu -p 512 -n 128 (JSON, plus the Markdown
# table with GPU time per kernel from --profile). Results: OUT_DIR/*.json,
# OUT_DIR/*.md, OUT_DIR/adapter.txt.
# Defaults: SHAPES="llama-3.2-1b llama-3.1-8b", TYPES="Q4_0 Q8_0 F16";
# MODELS_DIR (default /tmp/llmcap-models) holds the generated files; REPS=5.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
eng="$here/bin/llmcap-engine"
out=${1:?usage: gpu_bench.sh OUT_DIR [SHAPES] [TYPES]}
shapes=${2:-llama-3.2-1b llama-3.1-8b}
types=${3:-Q4_0 Q8_0 F16}
models=${MODELS_DIR:-/tmp/llmcap-models}
reps=${REPS:-5}
mkdir -p "$out" "$models"
# probe: a tiny model on the GPU. Some containers ship NVIDIA's Vulkan ICD as
# libGLX_nvidia.so.0 without the GLX pieces it needs ("Could not get
# 'vkCreateInstance'"); the same driver's libEGL_nvidia.so.0 exports the ICD
# entry points too, so retry with an ICD file that names it.
"$eng" mkmodel --shape tiny --type Q8_0 -o "$models/probe.gguf" > /dev/null
probe() { "$eng" run -m "$models/probe.gguf" --ids 1,2,3 -n 4 --print-ids --backend webgpu --quiet > /dev/null 2>&1; }
if ! probe; then
  egl=$(ls /usr/local/nvidia/lib64/libEGL_nvidia.so.0 2>/dev/null || ldconfig -p | awk '/libEGL_nvidia.so.0/ && !f {f = $NF} END {print f}')
  if [ -n "$egl" ]; then
    printf '{"file_format_version":"1.0.1","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$egl" > "$out/nvidia_egl_icd.json"
    export VK_ICD_FILENAMES="$out/nvidia_egl_icd.json"
    echo "gpu_bench: using the EGL flavour of the NVIDIA Vulkan ICD ($egl)"
  fi
  probe || { "$eng" run -m "$models/probe.gguf" --ids 1,2,3 -n 4 --backend webgpu; exit 1; }
fi
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.memory --format=csv > "$out/adapter.txt" 2>&1 || true
# the ceiling: a plain WGSL streaming read through the same layer (bench/gpu_membw.c)
"$here/bin/gpu_membw" 1024 > "$out/gpu_membw.txt" 2>&1 || true
for shape in $shapes; do
  for type in $types; do
    f="$models/$shape-$type.gguf"
    [ -f "$f" ] || "$eng" mkmodel --shape "$shape" --type "$type" -o "$f"
    tag="$shape-$type"
    "$eng" bench -m "$f" --backend webgpu -p 512 -n 128 -r "$reps" --membw-mib 0 -o json > "$out/$tag.json"
    "$eng" bench -m "$f" --backend webgpu -p 0 -n 32 -r 2 --membw-mib 0 --profile > "$out/$tag.md" 2>&1 || true
    echo "== $tag"; grep -E '"avg_ts"|"eff_gbps"' "$out/$tag.json" | tr -d ' \n'; echo
    [ -n "${KEEP_MODELS:-}" ] || rm -f "$f"
  done
done
