/* estimator_wasm.js - estimates per second of the estimator in WASM (node) and
 * natively, measured side by side in one run, and their ratio (target: WASM
 * >= 50% of native). Run by `make bench-wasm-estimator`.
 *
 * usage: node bench/estimator_wasm.js [WASM_DIR] [NATIVE_DRIVER] [SECONDS]
 *   defaults: build/wasm build/wasm-native/llmcap-estimator-native 1
 *
 * Two measures, each the same C code compiled twice (estimator/wasm/estimator_wasm.c;
 * natively in estimator/wasm/native_driver.c):
 *   1. core: llmcap_estimate() calls, the loop of bench/speed.c (5 model/hardware cases,
 *      n_ctx / depth / n_gpu_layers varying per call);
 *   2. API: one est.estimate(opts) = options parsed from JSON, resolved, estimated, written as
 *      JSON, and (WASM only) JSON.parse'd in JS; natively llmcap_wasm_estimate() without JS.
 * Native and WASM runs alternate (3 rounds) on one core when taskset exists; the best of each
 * is reported (shared machines are noisy: compare ratios). */
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');

const wasmDir = path.resolve(process.argv[2] || 'build/wasm');
const native = path.resolve(process.argv[3] || 'build/wasm-native/llmcap-estimator-native');
const seconds = Number(process.argv[4] || 1);
const ROUNDS = 3;

/* run the native driver, pinned to CPU 0 when possible */
function runNative(args) {
  const hasTaskset = spawnSync('sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).status === 0;
  const r = hasTaskset ? spawnSync('taskset', ['-c', '0', native, ...args], { encoding: 'utf8' })
                       : spawnSync(native, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('native driver failed: ' + r.stderr);
  return r.stdout.trim().split(' ').map(Number);
}

(async () => {
  const LlmcapEstimator = require(path.join(wasmDir, 'estimator.js'));
  const factory = require(path.join(wasmDir, 'llmcap-estimator.js'));
  const est = await LlmcapEstimator.create({ factory, wasmBinary: fs.readFileSync(path.join(wasmDir, 'llmcap-estimator.wasm')) });
  try { spawnSync('taskset', ['-pc', '0', String(process.pid)]); } catch (e) { /* not pinned */ }

  /* 1. core: size reps so a run lasts about `seconds` */
  let reps = 2;
  for (;;) {
    const t0 = performance.now();
    est.benchEstimates(reps);
    const t = (performance.now() - t0) / 1000;
    if (t > 0.2) { reps = Math.max(1, Math.round(reps * seconds / t)); break; }
    reps *= 4;
  }
  let bestW = 0, bestN = 0, sumW = 0, sumN = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const [calls, t, sum] = runNative(['bench', String(reps)]);
    bestN = Math.max(bestN, calls / t);
    sumN = sum;
    const t0 = performance.now();
    sumW = est.benchEstimates(reps);
    const tw = (performance.now() - t0) / 1000;
    bestW = Math.max(bestW, (5000 * reps) / tw);
  }
  const same = Math.abs(sumW - sumN) <= 1e-9 * Math.abs(sumN);
  console.log('== full estimates per second, one core (llmcap_estimate; the loop of bench/speed.c) ==');
  console.log(`native: ${(bestN / 1e6).toFixed(3)} million/s`);
  console.log(`WASM:   ${(bestW / 1e6).toFixed(3)} million/s (node ${process.version})`);
  console.log(`ratio WASM/native: ${(bestW / bestN).toFixed(2)} (target >= 0.50)${same ? '' : '  WARNING: checksums differ'}`);

  /* 2. the API: est.estimate(opts) */
  const opts = { model: 'llama-3.1-8b', hardware: 'rtx-4090', quant: 'Q4_K_M', ctx: 8192 };
  const optsJson = JSON.stringify(Object.fromEntries(Object.entries(opts).map(([k, v]) => [k, String(v)])));
  est.estimate(opts);
  let n = 1000;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) est.estimate(opts);
    const t = (performance.now() - t0) / 1000;
    if (t > 0.2) { n = Math.max(100, Math.round(n * seconds / t)); break; }
    n *= 4;
  }
  let apiW = 0, apiN = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const [calls, t] = runNative(['api-bench', String(n), optsJson]);
    apiN = Math.max(apiN, calls / t);
    const t0 = performance.now();
    for (let k = 0; k < n; k++) est.estimate(opts);
    apiW = Math.max(apiW, n / ((performance.now() - t0) / 1000));
  }
  console.log('\n== est.estimate(opts) per second: options JSON in, result JSON out ==');
  console.log(`native (C, no JS): ${Math.round(apiN)} /s`);
  console.log(`WASM + JS API:     ${Math.round(apiW)} /s (including JSON.stringify / JSON.parse in JS)`);
  console.log(`ratio WASM/native: ${(apiW / apiN).toFixed(2)}`);
})().catch((e) => {
  console.error('bench: ' + (e && e.stack ? e.stack : e));
  process.exitCode = 1;
});
