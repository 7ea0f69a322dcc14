#!/usr/bin/env node
/* test_wasm_webgpu.mjs - the WebGPU WASM build in node, on a device from npm
 * `webgpu` (Dawn; on this machine class the lavapipe Vulkan adapter of Mesa 25).
 *
 * usage: NODE_OPTIONS=--no-experimental-fetch node tests/webgpu/test_wasm_webgpu.mjs [WASM_DIR]
 *   WASM_DIR (default build/wasm) holds llmcap-wg-smoke.{js,wasm} (the layer
 *   alone, make wasm-webgpu-smoke) and/or llmcap-engine-webgpu.{js,wasm} +
 *   api_webgpu.js (make wasm-webgpu); whichever is there is checked
 *   (tests/webgpu/checks.mjs says what), at least one must be.
 * No WebGPU here (npm webgpu missing, no adapter): prints "skip: <reason>" and
 * "0 passed, 0 failed"; with LLMCAP_REQUIRE_WEBGPU=1 that is a failure.
 * LLMCAP_SHARED overrides where the shared test data is (../shared or /work/shared).
 * Last line: "N passed, N failed".
 */
import fs from 'fs';
import path from 'path';
import { createRequire } from 'module';
import { fileURLToPath } from 'url';
import { smokeChecks, engineChecks } from './checks.mjs';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const wasmDir = path.resolve(process.argv[2] || 'build/wasm');
const require_gpu = process.env.LLMCAP_REQUIRE_WEBGPU === '1';
const shared = process.env.LLMCAP_SHARED || [path.resolve(here, '../../../shared'), '../shared', '/work/shared']
  .find((d) => fs.existsSync(path.join(d, 'testdata/reference/README.md')));

let pass = 0, fail = 0;
const check = (ok, what) => { if (ok) pass++; else { fail++; console.log('FAIL: ' + what); } };
const log = (s) => console.log(s);
const done = () => { console.log(`${pass} passed, ${fail} failed`); process.exit(fail ? 1 : 0); };

function unavailable(reason) {
  if (require_gpu) { check(false, `WebGPU required (LLMCAP_REQUIRE_WEBGPU=1) but unavailable: ${reason}`); done(); }
  console.log(`skip: ${reason}`);
  done();
}

/* {gpu, adapter-independent}: npm webgpu's GPU object, or null with a reason */
async function nodeGpu() {
  let webgpu;
  try { webgpu = await import('webgpu'); } catch (e) { return { reason: `npm package 'webgpu' not installed (${e.code || e.message})` }; }
  Object.assign(globalThis, webgpu.globals);
  /* default backend (Vulkan: Mesa 25 lavapipe here); then OpenGL ES in
   * compatibility mode, what works on stock Mesa 22 (docs/toolchain.md) */
  const tries = [[[], {}], [['backend=opengles'], { featureLevel: 'compatibility' }]];
  for (const [flags, opts] of tries) {
    if (flags.length && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
    const gpu = webgpu.create(flags);
    const adapter = await gpu.requestAdapter(opts).catch(() => null);
    if (adapter) return { gpu, adapterOptions: opts, flags };
  }
  return { reason: 'npm webgpu found no adapter (no Vulkan/GL driver: install mesa-vulkan-drivers 25 from bookworm-backports, make deps-webgpu)' };
}

(async () => {
  const smokeJs = path.join(wasmDir, 'llmcap-wg-smoke.js');
  const engineJs = path.join(wasmDir, 'llmcap-engine-webgpu.js');
  const apiJs = path.join(wasmDir, 'api_webgpu.js');
  const haveSmoke = fs.existsSync(smokeJs), haveEngine = fs.existsSync(engineJs) && fs.existsSync(apiJs);
  if (!haveSmoke && !haveEngine) {
    check(false, `nothing to test in ${wasmDir}: run make wasm-webgpu wasm-webgpu-smoke`);
    done();
  }
  const g = await nodeGpu();
  if (!g.gpu) unavailable(g.reason);
  const api = require(haveEngine ? apiJs : path.resolve(here, '../../engine/webgpu/api_webgpu.js'));
  const dev = await api.requestDevice(g.gpu, { adapterOptions: g.adapterOptions });
  log(`  device: ${dev.info.vendor} / ${dev.info.architecture} / ${dev.info.description} ` +
      `(fallback ${dev.info.isFallbackAdapter}${g.flags.length ? ', ' + g.flags.join(' ') : ''})`);

  if (haveSmoke) {
    const factory = require(smokeJs);
    const M = await factory({
      preinitializedWebGPUDevice: dev.device, llmcapAdapterInfo: dev.info,
      wasmBinary: fs.readFileSync(smokeJs.replace(/\.js$/, '.wasm')),
    });
    await smokeChecks(M, { check, log });
  } else {
    log('  (layer smoke module not built: make wasm-webgpu-smoke)');
  }

  if (haveEngine) {
    if (!shared) { check(false, 'shared test data not found (set LLMCAP_SHARED)'); done(); }
    const factory = require(engineJs);
    const t0 = Date.now();
    /* a device of its own: the smoke checks latch a validation error on theirs */
    const engine = await api.create({
      factory, gpu: g.gpu, adapterOptions: g.adapterOptions,
      wasmBinary: fs.readFileSync(engineJs.replace(/\.js$/, '.wasm')),
    });
    const bytes = async (rel) => new Uint8Array(fs.readFileSync(path.join(shared, rel)));
    const r = await engineChecks(engine, { check, log, bytes });
    log(`  engine checks took ${((Date.now() - t0) / 1e3).toFixed(1)} s; ` +
        r.speeds.map((s) => `${s.model} pp16 ${s.pp16_ts.toFixed(2)} / tg ${s.tg_ts.toFixed(2)} tok/s`).join(', '));
  } else {
    log('  (engine not built: make wasm-webgpu)');
  }
  done();
})().catch((e) => { console.log('FAIL: ' + (e.stack || e)); fail++; done(); });
