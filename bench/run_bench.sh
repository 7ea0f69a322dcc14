#!/usr/bin/env bash
# make bench: speed benchmarks, measured side by side in one run and printed
# as ratios to the targets (timings on shared machines are noisy: compare
# ratios, not single numbers).
#   1. full estimates per second on one core (bench/speed.c; target >= 2 M/s)
#   2. sweep rows per second written as CSV to /dev/null (target >= 1 M/s)
set -eu
build=${1:-build}
llmcap=${LLMCAP:-$build/llmcap}
echo "== estimates per second (one core) =="
taskset -c 0 "$build/bench/speed" 2 2>/dev/null || "$build/bench/speed" 2
echo
echo "== sweep rows per second, CSV to /dev/null (one core) =="
# 2 models x 5 quants x 200 contexts x 5 hardware x 10 n_gpu_layers x 10 depths = 1,000,000 rows
args=(sweep --model llama-3.1-8b,qwen2.5-7b --quant Q4_0,Q4_K_M,Q5_K_M,Q6_K,Q8_0 --ctx 512:102400:512
      --hardware rtx-4090,rtx-3090,apple-m2-ultra,h100-sxm,cpu-ddr5-6400-2ch --ngl 0:27:3 --depth 0:4608:512)
rows=1000000
t0=$(date +%s.%N)
if command -v taskset >/dev/null; then taskset -c 0 "$llmcap" "${args[@]}" > /dev/null; else "$llmcap" "${args[@]}" > /dev/null; fi
t1=$(date +%s.%N)
small=(sweep --model llama-3.1-8b,qwen2.5-7b --quant Q4_0,Q4_K_M,Q5_K_M,Q6_K,Q8_0 --ctx 512,1024
       --hardware rtx-4090,rtx-3090,apple-m2-ultra,h100-sxm,cpu-ddr5-6400-2ch --ngl 0:27:3 --depth 0:4608:512)
lines=$("$llmcap" "${small[@]}" | wc -l)
awk -v r=$rows -v a="$t0" -v b="$t1" 'BEGIN { s = b - a; printf "%d rows in %.2f s: %.2f million rows/s (target >= 1.0 million: ratio %.2f)\n", r, s, r / s / 1e6, r / s / 1e6 }'
echo "(check: a 2-context slice of the same grid has $lines lines = 1 header + 10000 rows)"
