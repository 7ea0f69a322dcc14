#!/usr/bin/env bash
# Runs every test binary given as arguments, then the CLI integration tests
# (tests/cli/*.sh, each printing its own "N passed, N failed" line), and prints
# the totals as the last line: "N passed, N failed". Exit status 1 on any failure.
set -u
total_pass=0; total_fail=0; crashed=0
run_one() {
  local name=$1; shift
  local out rc line p f
  out=$("$@" 2>&1); rc=$?
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n1)
  if [ -z "$line" ]; then
    printf '%s\n' "$out" | tail -n 20
    echo "CRASH $name (exit $rc, no summary line)"; crashed=$((crashed+1)); total_fail=$((total_fail+1)); return
  fi
  p=${line%% passed*}; f=${line#*, }; f=${f%% failed}
  total_pass=$((total_pass+p)); total_fail=$((total_fail+f))
  if [ "$f" != 0 ] || [ "$rc" != 0 ]; then printf '%s\n' "$out" | grep -v '^[0-9]* passed' | tail -n 40; fi
  printf '%-40s %s\n' "$name" "$line"
}
for t in "$@"; do run_one "$(basename "$t")" "$t"; done
for s in tests/cli/*.sh; do [ -f "$s" ] && run_one "cli/$(basename "$s")" bash "$s"; done
# a short fuzz run of the GGUF reader and the tokenizer (not in the sanitized run: it has its own sanitizers)
if [ -z "${SANITIZED:-}" ]; then run_one "fuzz/smoke.sh" bash tests/fuzz/smoke.sh; fi
# the WASM engine in node, when it was built (make wasm; WASM_DIR set by make test)
if [ -n "${WASM_DIR:-}" ] && [ -f "$WASM_DIR/llmcap-engine.js" ]; then
  NODE_OPTIONS=--no-experimental-fetch run_one "wasm/test_engine.js" node tests/wasm/test_engine.js "$WASM_DIR" "${LLMCAP_ENGINE:-}"
fi
# the WASM estimator in node against the native CLI, when it was built (make wasm-estimator)
if [ -n "${WASM_DIR:-}" ] && [ -f "$WASM_DIR/llmcap-estimator.js" ] && [ -f "$WASM_DIR/estimator.js" ]; then
  NODE_OPTIONS=--no-experimental-fetch run_one "wasm/test_estimator.js" node tests/wasm/test_estimator.js "$WASM_DIR" \
    "${LLMCAP:-build/llmcap}" "${LLMCAP_ENGINE:-build/llmcap-engine}" "${BUILD:-build}/wasm-native/llmcap-estimator-native"
fi
# the WebGPU WASM build in node (npm webgpu) and headless Chromium, when it was built
# (make wasm-webgpu wasm-webgpu-smoke); without WebGPU each says "skip:" (LLMCAP_REQUIRE_WEBGPU=1: fail)
if [ -n "${WASM_DIR:-}" ] && [ -f "$WASM_DIR/api_webgpu.js" ]; then
  NODE_OPTIONS=--no-experimental-fetch run_one "webgpu/test_wasm_webgpu.mjs" node tests/webgpu/test_wasm_webgpu.mjs "$WASM_DIR"
  run_one "webgpu/test_browser.mjs" node tests/webgpu/test_browser.mjs "$WASM_DIR"
fi
# the browser calculator in headless Chromium against the CLI, when it was assembled (make web)
if [ -z "${SANITIZED:-}" ] && [ -f "${BUILD:-build}/web/index.html" ]; then
  run_one "web/test_page.mjs" node tests/web/test_page.mjs "${BUILD:-build}/web"
fi
# "Measure this device": the engine builds' in-page model generation, and the measurement in
# headless Chromium (CPU, threads, WebGPU on SwiftShader); playwright-core needs node's fetch
if [ -z "${SANITIZED:-}" ] && [ -n "${WASM_DIR:-}" ] && [ -f "$WASM_DIR/api.js" ] && [ -f "$WASM_DIR/api_webgpu.js" ]; then
  run_one "web/test_measure.mjs" node tests/web/test_measure.mjs "$WASM_DIR"
fi
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
