#!/usr/bin/env bash
# tests/cli/test_engine_webgpu.sh - `llmcap-engine run` and `bench` with
# --backend webgpu|auto on the shared tiny models (native Dawn; lavapipe here).
#
# Checks: the greedy tokens equal the CPU backend's on the F32 model (whose
# logits agree to 1e-5); auto says which backend it took and why; a Null
# adapter (no usable driver) is an error with webgpu and a stated fall back to
# the CPU with auto; bench JSON names the adapter; --profile prints GPU time per
# kernel. Without a WebGPU adapter: "skip", unless LLMCAP_REQUIRE_WEBGPU=1.
# Last line: "N passed, N failed".
set -u

ENG=${LLMCAP_ENGINE:-build/llmcap-engine}
case $ENG in /*) ;; *) ENG=$PWD/$ENG ;; esac
SHARED=${LLMCAP_SHARED:-../shared}
[ -d "$SHARED/testdata" ] || SHARED=/work/shared
M=$SHARED/testdata/models
# shellcheck source=tests/cli/harness.bash
. "$(dirname "$0")/harness.bash" || exit 1
tmp_dir llmcap-wgpu
BIN=$ENG

# Under ASan (SANITIZED set by make): Mesa's lavapipe keeps a 128-byte block
# that LeakSanitizer reports from "<unknown module>" once the driver is
# unloaded (no suppression can name it; the unit tests pin the driver
# instead). Leaks of our own code are covered by the CPU tests and by
# tests/webgpu/test_*.c, so leak checking is off for this script only.
if [ -n "${SANITIZED:-}" ]; then export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"; fi

# is there an adapter at all?
if ! "$ENG" run -m "$M/tiny-llama-f32.gguf" --ids 1,2,3 -n 1 --backend webgpu --quiet >/dev/null 2>"$T/probe"; then
    if [ "${LLMCAP_REQUIRE_WEBGPU:-}" = 1 ]; then
        echo "FAIL: no WebGPU adapter: $(head -c 300 "$T/probe")"
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "skip: no WebGPU adapter ($(head -c 200 "$T/probe"))"
    echo "0 passed, 0 failed"
    exit 0
fi

# same greedy tokens as the CPU on the F32 model
run run -m "$M/tiny-llama-f32.gguf" -p "Once upon a time" -n 16 --print-ids --quiet
cpu=$(cat "$T/out")
run run -m "$M/tiny-llama-f32.gguf" -p "Once upon a time" -n 16 --print-ids --quiet --backend webgpu
gpu=$(cat "$T/out")
if [ "$RC" = 0 ] && [ -n "$cpu" ] && [ "$cpu" = "$gpu" ]; then ok; else bad "webgpu tokens '$gpu' != cpu '$cpu' (exit $RC)"; fi
[ "$(wc -w <<<"$gpu")" = 16 ] && ok || bad "expected 16 ids, got '$gpu'"

# sampling goes through the logits readback: same seed, same tokens as the CPU
run run -m "$M/tiny-llama-f32.gguf" -p "Once upon a time" -n 8 --print-ids --quiet --temp 0.8 --seed 7
cpu=$(cat "$T/out")
run run -m "$M/tiny-llama-f32.gguf" -p "Once upon a time" -n 8 --print-ids --quiet --temp 0.8 --seed 7 --backend webgpu
[ "$RC" = 0 ] && [ "$(cat "$T/out")" = "$cpu" ] && ok || bad "sampled tokens differ: '$(cat "$T/out")' vs '$cpu'"

# the timing line names the device; auto says what it chose
run run -m "$M/tiny-llama-q8_0.gguf" -p "Hello" -n 4 --backend webgpu
grep -q "WebGPU on .*(vulkan\|WebGPU on " "$T/err" && ok || bad "timing line without the device: $(tail -1 "$T/err")"
run run -m "$M/tiny-llama-q8_0.gguf" -p "Hello" -n 4 --backend auto
[ "$RC" = 0 ] && grep -q "^backend auto: WebGPU adapter found: .*; using it" "$T/err" && ok || bad "auto note: $(head -1 "$T/err")"

# a Null adapter (no usable driver): webgpu fails clearly, auto falls back and says so
LLMCAP_WEBGPU_BACKEND=null run run -m "$M/tiny-llama-q8_0.gguf" --ids 1,2 -n 2 --print-ids --backend webgpu
[ "$RC" = 1 ] && [ ! -s "$T/out" ] && grep -q "^llmcap-engine: webgpu: .*Null" "$T/err" && ok ||
    bad "null adapter with webgpu: exit $RC, stderr $(tail -1 "$T/err")"
LLMCAP_WEBGPU_BACKEND=null run run -m "$M/tiny-llama-q8_0.gguf" --ids 1,2 -n 2 --print-ids --backend auto
[ "$RC" = 0 ] && [ -s "$T/out" ] && grep -q "^backend auto: no usable WebGPU device (.*); using the CPU" "$T/err" && ok ||
    bad "null adapter with auto: exit $RC, stderr $(grep auto "$T/err")"
# an unusable library path: the search goes on or fails with the paths tried, never a crash
LLMCAP_DAWN_LIB=/nonexistent/libwebgpu_wrapper.so run run -m "$M/tiny-llama-q8_0.gguf" --ids 1,2 -n 2 --backend webgpu --quiet
[ "$RC" = 0 ] || { [ "$RC" = 1 ] && grep -q "libwebgpu_wrapper" "$T/err"; } && ok || bad "bad LLMCAP_DAWN_LIB: exit $RC"
# a model that does not fit the device's memory: refused before anything is allocated
LLMCAP_WEBGPU_MEM_MIB=1 run run -m "$M/tiny-llama-f32.gguf" --ids 1,2 -n 2 --backend webgpu
[ "$RC" = 1 ] && grep -q "needs .* GiB on the GPU (weights .* KV cache .*) but .* has 0.00 GiB (1 MiB)" "$T/err" && ok ||
    bad "model larger than the device: exit $RC, $(cat "$T/err")"
LLMCAP_WEBGPU_MEM_MIB=abc run run -m "$M/tiny-llama-f32.gguf" --ids 1,2 -n 2 --backend webgpu
[ "$RC" = 2 ] && grep -q "LLMCAP_WEBGPU_MEM_MIB='abc'" "$T/err" && ok || bad "bad LLMCAP_WEBGPU_MEM_MIB: exit $RC"
# tuning variables take only their documented values (engine/README.md)
for e in LLMCAP_WEBGPU_MM=3 LLMCAP_WEBGPU_ATT_MQ=yes LLMCAP_WEBGPU_AQ=0 LLMCAP_WEBGPU_SGMAT=x LLMCAP_WEBGPU_MVQ=2 \
         LLMCAP_WEBGPU_MMQ=on LLMCAP_WEBGPU_MV32=128,17 LLMCAP_WEBGPU_ADEC=100 LLMCAP_WEBGPU_ADEC=64x \
         LLMCAP_WEBGPU_MQB=3 LLMCAP_WEBGPU_MMQ_PF=2 LLMCAP_WEBGPU_AW=64x LLMCAP_WEBGPU_AQ=4z \
         LLMCAP_WEBGPU_SUBMIT_EVERY=-1; do
    env "$e" "$ENG" run -m "$M/tiny-llama-f32.gguf" --ids 1,2 -n 2 --backend webgpu > "$T/out" 2> "$T/err"
    RC=$?
    [ "$RC" = 2 ] && grep -q "${e%%=*}='${e#*=}'" "$T/err" && ok || bad "bad $e: exit $RC: $(cat "$T/err")"
done
# decode attention: attention_dec (the default) and kv_store + attention (ADEC=0) give the same
# greedy tokens as the CPU backend on the F32 model (the quantized ones have near-ties that int8
# input rounding can flip after a few steps)
for m in tiny-llama-f32; do
    "$ENG" run -m "$M/$m.gguf" --ids 1,2,3 -n 12 --print-ids --backend cpu --quiet > "$T/c" 2> "$T/err"
    "$ENG" run -m "$M/$m.gguf" --ids 1,2,3 -n 12 --print-ids --backend webgpu --quiet > "$T/g" 2>> "$T/err"
    LLMCAP_WEBGPU_ADEC=0 "$ENG" run -m "$M/$m.gguf" --ids 1,2,3 -n 12 --print-ids --backend webgpu --quiet > "$T/g0" 2>> "$T/err"
    [ -s "$T/c" ] && cmp -s "$T/c" "$T/g" && cmp -s "$T/c" "$T/g0" && ok ||
        bad "$m greedy ids cpu / webgpu / ADEC=0: $(cat "$T/c") / $(cat "$T/g") / $(cat "$T/g0") $(cat "$T/err")"
done
# a bad backend name
run run -m "$M/tiny-llama-q8_0.gguf" --ids 1,2 --backend tpu
[ "$RC" = 2 ] && grep -q "unknown backend 'tpu'" "$T/err" && ok || bad "--backend tpu: exit $RC"

# bench: JSON names the adapter; tg reads back one token
run bench -m "$M/tiny-llama-q4_0.gguf" --backend webgpu -p 8 -n 4 -r 2 --membw-mib 0 -o json
if [ "$RC" = 0 ] && python3 - "$T/out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
assert len(rows) == 2, rows
for r in rows:
    assert r["backend"] == "webgpu" and r["backends"] == "WebGPU", r["backend"]
    assert r["gpu_api"] == "vulkan" or r["gpu_api"], r
    for k in ("gpu_vendor", "gpu_device", "gpu_adapter_type", "gpu_description"):
        assert k in r, k
    assert r["gpu_info"], r
    assert r["gpu_features"].startswith("int8 dot: dot4I8Packed") or r["gpu_features"].startswith("int8 dot: shift fallback"), r["gpu_features"]
    assert r["n_gpu_layers"] == 2 or r["n_gpu_layers"] > 0, r["n_gpu_layers"]
    assert r["avg_ts"] > 0
PY
then ok; else bad "bench json: $(head -c 300 "$T/err")"; fi

# --profile: per-kernel GPU time (timestamp queries on lavapipe)
run bench -m "$M/tiny-llama-q4_0.gguf" --backend webgpu -p 0 -n 2 -r 1 --membw-mib 0 --profile
if [ "$RC" = 0 ] && grep -q "^GPU time per kernel" "$T/out" && grep -q "^| matvec_q4_0" "$T/out" && grep -q "^| attention_dec |" "$T/out"; then
    ok
elif [ "$RC" != 0 ] && grep -q "timestamp" "$T/err"; then
    ok # the adapter has no timestamp queries: a clear error is right
else
    bad "--profile: exit $RC, $(tail -3 "$T/out") $(head -c 200 "$T/err")"
fi
# --profile on the CPU: a clear error
run bench -m "$M/tiny-llama-q4_0.gguf" -p 0 -n 2 -r 1 --membw-mib 0 --profile
[ "$RC" != 0 ] && grep -q "no per-kernel timing" "$T/err" && ok || bad "--profile on cpu: exit $RC $(cat "$T/err")"

finish
