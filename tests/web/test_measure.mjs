#!/usr/bin/env node
/* test_measure.mjs - "Measure this device" (web/measure.js, web/measure-worker.js)
 * and the engine's in-page model generation (llmcap_eng_mkmodel).
 *
 * usage: node tests/web/test_measure.mjs [WASM_DIR]
 *   1. node: the CPU WASM builds' mkmodel / mkmodelLoad / membw exports
 *      (api.js): a GGUF of the asked dimensions that loads and benches,
 *      a clear error on bad dimensions, a positive triad.
 *   2. headless Chromium (playwright-core, /usr/bin/chromium or CHROMIUM,
 *      --enable-unsafe-webgpu: the adapter is SwiftShader): a page of this
 *      test's own, served cross-origin-isolated from 127.0.0.1 with /web/,
 *      /wasm/ (WASM_DIR, default build/wasm) and /data/, imports measure.js and
 *      runs measureDevice on the smollm2-135m shape scaled to 8 MiB, with tiny
 *      counts (SwiftShader decodes a few tokens/s). est.estimate is the native
 *      CLI (build/llmcap estimate --json, LLMCAP overrides) reached through
 *      page.exposeFunction, so the predictions are the estimator's own.
 *      Checks: the CPU paths (threads and one thread) complete with positive
 *      tokens/s and a prediction; with a WebGPU adapter, the WebGPU path too;
 *      renderMeasure writes the table.
 *      LLMCAP_MEASURE_OPTS='{"model": "llama-3.2-1b", "budgetBytes": 0, ...}'
 *      overrides measureDevice's options (budgetBytes 0: the page's default).
 * No Chromium or playwright-core: the browser part prints "skip: ...".
 * Last line: "N passed, N failed".
 */
import fs from 'fs';
import http from 'http';
import path from 'path';
import { spawnSync } from 'child_process';
import { createRequire } from 'module';
import { fileURLToPath } from 'url';
import { launchChromium } from '../chromium.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const wasmDir = path.resolve(process.argv[2] || path.join(root, 'build/wasm'));
const cli = process.env.LLMCAP || path.join(root, 'build/llmcap');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_MS = 1000 * (Number(process.env.LLMCAP_BROWSER_TIMEOUT_S) || 540);

let pass = 0, fail = 0;
let browser = null, server = null;
const check = (ok, what) => {
  if (ok) { pass++; console.log('ok: ' + what); } else { fail++; console.log('FAIL: ' + what); }
};
async function done() {
  if (browser) await browser.close().catch(() => {});
  if (server) server.close();
  console.log(`${pass} passed, ${fail} failed`);
  process.exit(fail ? 1 : 0);
}

/* ------------------------------------------------------------ node part */
async function nodeChecks() {
  const require = createRequire(import.meta.url);
  const api = require(path.join(wasmDir, 'api.js'));
  const dims = { n_embd: 256, n_layer: 2, n_head: 8, n_head_kv: 4, n_ff: 768, n_vocab: 1000, type: 'Q4_0' };
  for (const [file, nThreads] of [['llmcap-engine.js', 1], ['llmcap-engine-mt.js', 2]]) {
    const factory = require(path.join(wasmDir, file));
    const M = await factory({ wasmBinary: fs.readFileSync(path.join(wasmDir, file.replace(/\.js$/, '.wasm'))),
      print: () => {}, printErr: () => {} });
    const e = api.wrap(M, { nThreads });
    const b = e.mkmodel(dims);
    check(b instanceof Uint8Array && String.fromCharCode(...b.slice(0, 4)) === 'GGUF', `${file}: mkmodel gives a GGUF image`);
    const m = e.loadModel(b);
    const i = m.info();
    check(i.n_embd === 256 && i.n_layer === 2 && i.n_head_kv === 4 && i.n_ff === 768 && i.n_vocab === 1000,
      `${file}: the loaded model has the asked dimensions (${i.desc})`);
    const rows = m.bench({ nPrompt: 8, nGen: 4, reps: 1 });
    check(rows.length === 2 && rows.every((r) => r.avg_ts > 0), `${file}: bench on it gives positive tokens/s`);
    m.free();
    const b2 = e.mkmodel(dims);
    check(b2.length === b.length && b2.every((x, k) => x === b[k]), `${file}: same seed, same bytes`);
    const m2 = e.mkmodelLoad(Object.assign({}, dims, { type: 'Q8_0' }));
    check(/Q8_0/.test(m2.info().desc), `${file}: mkmodelLoad of Q8_0 (${m2.info().desc})`);
    m2.free();
    let msg = '';
    try { e.mkmodel({ n_embd: 100, n_layer: 1, n_head: 3, n_ff: 64, n_vocab: 1000 }); } catch (err) { msg = err.message; }
    check(/multiple of n_head/.test(msg), `${file}: bad dimensions throw a clear error (${msg})`);
    const bw = e.membw({ arrayMiB: 8, reps: 2 });
    check(bw.triad_gbps > 0 && bw.read_gbps > 0, `${file}: membw triad ${bw.triad_gbps.toFixed(1)} GB/s`);
  }
}

/* ---------------------------------------------------------- browser part */
const PAGE = `<!doctype html><meta charset="utf-8"><title>measure test</title><div id="measure"></div>
<script type="module">
window.llmcapMeasure = async (opts) => {
  const { measureDevice, renderMeasure } = await import('/web/measure.js');
  const est = { estimate: (o) => window.llmcapEstimate(o) };
  const lines = [];
  const result = await measureDevice(Object.assign({ est, onProgress: (t) => { lines.push(t); console.log('  ' + t); } }, opts));
  renderMeasure(document.getElementById('measure'), result);
  return { result, lines, html: document.getElementById('measure').innerHTML };
};
window.llmcapReady = true;
</script>`;

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json' };

function resolveFile(urlPath) {
  const p = decodeURIComponent(urlPath.split('?')[0]);
  const inside = (dir, rel) => {
    const f = path.resolve(dir, '.' + path.posix.normalize('/' + rel));
    return f.startsWith(dir + path.sep) ? f : null;
  };
  if (p.startsWith('/web/')) return inside(path.join(root, 'web'), p.slice(4));
  if (p.startsWith('/wasm/')) return inside(wasmDir, p.slice(5));
  if (p.startsWith('/data/')) return inside(path.join(root, 'data'), p.slice(5));
  return null;
}

function serve() {
  return new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      /* cross-origin isolation, so that the pthreads build can run */
      const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
        'Cache-Control': 'no-store' };
      if (req.url === '/' || req.url === '/index.html') {
        res.writeHead(200, Object.assign(headers, { 'Content-Type': 'text/html' }));
        res.end(PAGE);
        return;
      }
      const f = resolveFile(req.url);
      if (!f || !fs.existsSync(f) || !fs.statSync(f).isFile()) { res.writeHead(404, headers); res.end('not found'); return; }
      res.writeHead(200, Object.assign(headers, { 'Content-Type': TYPES[path.extname(f)] || 'application/octet-stream',
        'Content-Length': fs.statSync(f).size }));
      fs.createReadStream(f).pipe(res);
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

/* est.estimate(opts) through the native CLI: canonical option names -> flags */
const FLAGS = { model: '--model', hardware: '--hardware', quant: '--quant', gpu_bw_gbps: '--gpu-bw-gbps',
  gpu_mem_gib: '--gpu-mem-gib', gpu_tflops: '--gpu-tflops', n_ctx: '--ctx', n_prompt: '--prompt', n_gen: '--gen',
  n_threads: '--threads' };
function estimateCli(o) {
  const args = ['estimate', '--json'];
  for (const [k, v] of Object.entries(o)) {
    if (!FLAGS[k]) throw new Error('test estimator: no flag for option ' + k);
    args.push(FLAGS[k], String(v));
  }
  const r = spawnSync(cli, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error('llmcap estimate: ' + (r.stderr || r.error));
  return JSON.parse(r.stdout);
}

async function browserChecks() {
  let chromium;
  try { ({ chromium } = await import('playwright-core')); } catch (e) {
    console.log(`skip: npm package 'playwright-core' not installed (${e.code || e.message})`);
    return;
  }
  if (!fs.existsSync(chromiumPath)) { console.log(`skip: no Chromium at ${chromiumPath}`); return; }
  if (!fs.existsSync(cli)) { check(false, `no estimator CLI at ${cli} (make build/llmcap)`); return; }
  server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/`;
  browser = await launchChromium(chromium, chromiumPath, { webgpu: true });
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'log') console.log(m.text()); });
  page.on('pageerror', (e) => check(false, 'page error: ' + e.message));
  await page.exposeFunction('llmcapEstimate', estimateCli);
  await page.goto(url);
  await page.waitForFunction(() => window.llmcapReady === true, null, { timeout: 30000 });
  console.log(`  ${browser.version()}, page ${url}`);
  const t0 = Date.now();
  const opts = Object.assign({
    model: 'smollm2-135m', quant: 'Q4_K_M', engineBase: '/wasm/', modelsUrl: '/data/models.json',
    budgetBytes: 8 * 2 ** 20, nPrompt: 8, nGen: 4, reps: 1, membwMiB: 8, allowFallbackAdapter: true,
  }, JSON.parse(process.env.LLMCAP_MEASURE_OPTS || '{}'));
  const { result: r, html } = await page.evaluate((o) => window.llmcapMeasure(o), opts);
  console.log(`  measured in ${((Date.now() - t0) / 1e3).toFixed(1)} s`);
  console.log(JSON.stringify({ features: r.features, model: r.model, runs: r.runs.map(({ backend, pp_ts, tg_ts, n_threads }) =>
    ({ backend, pp_ts, tg_ts, n_threads })), skipped: r.skipped,
    predicted: r.predicted.map(({ backend, decode_tok_s, bw_gbps, note }) => ({ backend, decode_tok_s, bw_gbps, note })) },
  null, 1));
  const f = r.features;
  check(f.simd === true && f.crossOriginIsolated === true && f.threads >= 1 && f.hardwareConcurrency >= 1,
    `features: SIMD, cross-origin isolated, ${f.threads} threads, ${f.hardwareConcurrency} cores, memory ${f.deviceMemoryGiB} GiB`);
  check(r.model.n_layer >= 1 && r.model.n_layer < r.model.n_layer_full && r.model.bytes > 0 &&
    r.model.bytes < 1.5 * r.model.budget_bytes, `scaled model: ${r.model.n_layer} of ${r.model.n_layer_full} layers, vocab ` +
    `${r.model.n_vocab}, ${r.model.type}, ${(r.model.bytes / 2 ** 20).toFixed(2)} MiB`);
  /* a mix: llama-quantize's rules give rows that are no multiple of 256 a fallback type */
  check(r.model.type === opts.quant, `the model is generated at the chosen quant (${r.model.type})`);
  const byBackend = (b) => r.runs.find((x) => x.backend === b);
  const pred = (b) => r.predicted.find((x) => x.backend === b);
  for (const b of f.threads > 1 ? ['cpu-mt', 'cpu'] : ['cpu']) {
    const run = byBackend(b);
    check(run && run.pp_ts > 0 && run.tg_ts > 0,
      `${b} path completes: pp${opts.nPrompt} ${run ? run.pp_ts.toFixed(1) : '-'} t/s, tg${opts.nGen} ${run ? run.tg_ts.toFixed(1) : '-'} t/s`);
    const p = pred(b);
    check(p && p.decode_tok_s > 0 && p.bw_gbps > 0 && p.prefill_tok_s === null,
      `${b} prediction: decode ${p && p.decode_tok_s ? p.decode_tok_s.toFixed(1) : '-'} t/s at ` +
      `${p && p.bw_gbps ? p.bw_gbps.toFixed(1) : '-'} GB/s triad; prefill not predicted without TFLOP/s`);
  }
  if (f.webgpu && (!f.webgpu.isFallbackAdapter || opts.allowFallbackAdapter)) {
    const run = byBackend('webgpu');
    check(run && run.pp_ts > 0 && run.tg_ts > 0,
      `webgpu path completes on ${f.webgpu.description || f.webgpu.vendor}: ` +
      `pp${opts.nPrompt} ${run ? run.pp_ts.toFixed(2) : '-'} t/s, tg${opts.nGen} ${run ? run.tg_ts.toFixed(2) : '-'} t/s` +
      (run ? '' : ` (${JSON.stringify(r.skipped)})`));
    const p = pred('webgpu');
    check(p && p.decode_tok_s > 0 && p.bw_gbps > 0, `webgpu prediction from the buffer-copy rate ` +
      `${p && p.bw_gbps ? p.bw_gbps.toFixed(2) : '-'} GB/s`);
  } else {
    console.log('skip: WebGPU path not checked (no adapter, or a software one and allowFallbackAdapter false)');
  }
  check(/<table/.test(html) && (html.match(/<tr>/g) || []).length === r.runs.length + 1 && /Detected: WebGPU/.test(html),
    'renderMeasure writes a table with a row per backend and the detected features');
}

(async () => {
  const timer = setTimeout(() => { check(false, `timed out after ${TIMEOUT_MS / 1e3} s`); done(); }, TIMEOUT_MS);
  if (!fs.existsSync(path.join(wasmDir, 'llmcap-engine.js'))) {
    check(false, `no engine build in ${wasmDir}: make wasm`);
    await done();
  }
  await nodeChecks();
  await browserChecks();
  clearTimeout(timer);
  await done();
})().catch(async (e) => { check(false, 'exception: ' + (e.stack || e)); await done(); });
