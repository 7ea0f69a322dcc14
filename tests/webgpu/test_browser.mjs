#!/usr/bin/env node
/* test_browser.mjs - the WebGPU WASM build in headless Chromium (its WebGPU
 * adapter here is SwiftShader), with the same checks as the node test
 * (tests/webgpu/checks.mjs).
 *
 * usage: node tests/webgpu/test_browser.mjs [WASM_DIR]
 *   Serves tests/webgpu/browser.html, checks.mjs, WASM_DIR (default build/wasm)
 *   as /wasm/ and the shared test data as /shared/ from an HTTP server on
 *   127.0.0.1 (a free port), opens the page with playwright-core driving
 *   /usr/bin/chromium (CHROMIUM overrides), runs window.llmcapRun() and prints
 *   the page's lines as they come.
 *   SwiftShader decodes the tiny models at about 1-2 tokens/s on this
 *   machine class (2 cores), so by default the engine checks run on the F32
 *   and Q4_0 models with 4 greedy / teacher-forced steps per prompt and a tg2
 *   bench (about a minute); LLMCAP_BROWSER_MODELS=f32,q8_0,q4_0 and
 *   LLMCAP_BROWSER_STEPS=16 run everything the node test runs (a few minutes;
 *   LLMCAP_BROWSER_TIMEOUT_S raises the 540 s limit).
 * No WebGPU (playwright-core or Chromium missing, no adapter): prints
 * "skip: <reason>" and "0 passed, 0 failed"; with LLMCAP_REQUIRE_WEBGPU=1 that
 * is a failure. Last line: "N passed, N failed".
 */
import fs from 'fs';
import http from 'http';
import os from 'os';
import path from 'path';
import { fileURLToPath } from 'url';
import { launchChromium } from '../chromium.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const wasmDir = path.resolve(process.argv[2] || 'build/wasm');
const requireGpu = process.env.LLMCAP_REQUIRE_WEBGPU === '1';
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shared = process.env.LLMCAP_SHARED || [path.resolve(here, '../../../shared'), '../shared', '/work/shared']
  .find((d) => fs.existsSync(path.join(d, 'testdata/reference/README.md')));
/* the whole run (seconds) */
const TIMEOUT_MS = 1000 * (Number(process.env.LLMCAP_BROWSER_TIMEOUT_S) || 540);

let pass = 0, fail = 0;
let browser = null, server = null;
const check = (ok, what) => { if (ok) pass++; else { fail++; console.log('FAIL: ' + what); } };
async function done() {
  if (browser) await browser.close().catch(() => {});
  if (server) server.close();
  console.log(`${pass} passed, ${fail} failed`);
  process.exit(fail ? 1 : 0);
}
async function unavailable(reason) {
  if (requireGpu) check(false, `WebGPU required (LLMCAP_REQUIRE_WEBGPU=1) but unavailable: ${reason}`);
  else console.log(`skip: ${reason}`);
  await done();
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.json': 'application/json' };

/* URL path -> file, or null: only these roots, never outside them */
function resolveFile(urlPath) {
  const p = decodeURIComponent(urlPath.split('?')[0]);
  if (p === '/' || p === '/index.html') return path.join(here, 'browser.html');
  if (p === '/checks.mjs') return path.join(here, 'checks.mjs');
  const inside = (root, rel) => {
    const f = path.resolve(root, '.' + path.posix.normalize('/' + rel));
    return f.startsWith(root + path.sep) ? f : null;
  };
  if (p.startsWith('/wasm/')) return inside(wasmDir, p.slice(5));
  if (p.startsWith('/shared/testdata/') && shared) return inside(path.resolve(shared), p.slice(7));
  return null;
}

function serve() {
  return new Promise((resolve) => {
    const s = http.createServer((req, res) => {
      const f = resolveFile(req.url);
      if (!f || !fs.existsSync(f) || !fs.statSync(f).isFile()) { res.writeHead(404); res.end('not found'); return; }
      res.writeHead(200, { 'Content-Type': TYPES[path.extname(f)] || 'application/octet-stream',
        'Content-Length': fs.statSync(f).size, 'Cache-Control': 'no-store' });
      fs.createReadStream(f).pipe(res);
    });
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

(async () => {
  const haveSmoke = fs.existsSync(path.join(wasmDir, 'llmcap-wg-smoke.js'));
  const haveEngine = fs.existsSync(path.join(wasmDir, 'llmcap-engine-webgpu.js'));
  if (!fs.existsSync(path.join(wasmDir, 'api_webgpu.js')) || (!haveSmoke && !haveEngine)) {
    check(false, `nothing to test in ${wasmDir}: run make wasm-webgpu wasm-webgpu-smoke`);
    await done();
  }
  if (haveEngine && !shared) { check(false, 'shared test data not found (set LLMCAP_SHARED)'); await done(); }
  let chromium;
  try { ({ chromium } = await import('playwright-core')); } catch (e) {
    await unavailable(`npm package 'playwright-core' not installed (${e.code || e.message})`);
  }
  if (!fs.existsSync(chromiumPath)) await unavailable(`no Chromium at ${chromiumPath} (Debian package chromium; or set CHROMIUM)`);

  const timer = setTimeout(() => { check(false, `timed out after ${TIMEOUT_MS / 1e3} s`); done(); }, TIMEOUT_MS);
  server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/index.html`;
  browser = await launchChromium(chromium, chromiumPath, { webgpu: true });
  const page = await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'log') console.log(m.text()); });
  page.on('pageerror', (e) => check(false, 'page error: ' + e.message));
  await page.goto(url);
  await page.waitForFunction(() => window.llmcapReady === true, null, { timeout: 30000 });
  console.log(`  ${await browser.version()} (${os.platform()}), page ${url}`);
  const models = (process.env.LLMCAP_BROWSER_MODELS || 'f32,q4_0').split(',');
  const nGreedy = Number(process.env.LLMCAP_BROWSER_STEPS) || 4;
  const r = await page.evaluate((o) => window.llmcapRun(o), { models, nGreedy, benchGen: nGreedy >= 8 ? 8 : 2 });
  clearTimeout(timer);
  if (r.unavailable) await unavailable(`Chromium has no WebGPU: ${r.unavailable}`);
  pass += r.pass;
  fail += r.fail;
  await done();
})().catch(async (e) => { check(false, 'exception: ' + (e.stack || e)); await done(); });
