// The browser calculator (build/web) in headless Chromium, against the native CLI.
//
//   node tests/web/test_page.mjs [WEB_DIR]      (make test-web; tests/run_all.sh when build/web exists)
//
// Serves WEB_DIR with tools/serve.py on 127.0.0.1 (a free port), then checks: the page loads with
// no console errors and asks for nothing but its own files; for several scenarios, given in the URL,
// the numbers shown equal `llmcap estimate --json` / `llmcap fit --json` for the same inputs; edits
// and "apply" buttons recompute and land in the URL; a dropped .gguf (made by llmcap-engine mkmodel)
// and a pasted config.json fill the model; malformed files and impossible numbers give an inline
// message and keep the last result; charts are drawn; the layout fits a phone.
// Env: LLMCAP, LLMCAP_ENGINE (binaries), LLMCAP_WEB_SCREENSHOT=FILE (also write the main view there).
// Prints one line per check and "N passed, N failed" last.

import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchChromium } from '../chromium.mjs';

const WEB_DIR = process.argv[2] || 'build/web';
const LLMCAP = process.env.LLMCAP || 'build/llmcap';
const ENGINE = process.env.LLMCAP_ENGINE || 'build/llmcap-engine';
const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'llmcap-web-'));

let passed = 0, failed = 0;
function check(name, ok, detail = '') {
  if (ok) { passed++; console.log(`ok   ${name}`); } else { failed++; console.log(`FAIL ${name}${detail ? ': ' + detail : ''}`); }
  return ok;
}
const info = (t) => console.log(`info ${t}`);
const txt = (page, sel) => page.evaluate((q) => (document.querySelector(q) || {}).textContent || '', sel);

// relative tolerance for floats that went through the same C code and JSON printer
const close = (a, b, rel = 1e-6) => a === b || (Number.isFinite(a) && Number.isFinite(b) && Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)));

// page state key -> CLI option
const CLI_OPT = { model: '--model', hw: '--hardware', quant: '--quant', ctx: '--ctx', gpus: '--gpus', host: '--host',
  ram: '--host-ram-gib', mem: '--gpu-mem-gib', bw: '--gpu-bw-gbps', tflops: '--gpu-tflops', batch: '-b', ubatch: '-ub',
  np: '-np', ctk: '-ctk', ctv: '-ctv', fa: '-fa', ngl: '-ngl', prompt: '-p', gen: '-n', depth: '-d' };

function cli(cmd, sc, extra = []) {
  const args = [cmd];
  for (const [k, v] of Object.entries(sc)) args.push(CLI_OPT[k], String(v));
  return JSON.parse(execFileSync(LLMCAP, [...args, ...extra, '--json'], { encoding: 'utf8' }));
}
const hashOf = (sc) => '#' + new URLSearchParams({ src: 'db', ...Object.fromEntries(Object.entries(sc).map(([k, v]) => [k, String(v)])) });

// What the page shows: data-value attributes (the estimator's numbers) and the texts.
async function shown(page) {
  return page.evaluate(() => {
    const g = (id) => document.getElementById(id);
    const val = (id) => g(id).dataset.value;
    return {
      fits: g('verdict').dataset.fits, verdict: g('verdict').textContent, reason: g('reason').dataset.value,
      decode: Number(val('decode')), prefill: Number(val('prefill')), ttft: Number(val('ttft')), total: Number(val('total')),
      decodeText: g('decode').textContent, flags: val('flags'),
      maxCtx: val('fit-ctx'), bestQuant: val('fit-quant'), maxNgl: val('fit-ngl'),
      devices: [...document.querySelectorAll('#membars .dev')].map((d) => ({
        name: d.dataset.name, total: Number(d.dataset.total), capacity: d.dataset.capacity === '' ? null : Number(d.dataset.capacity),
        fits: d.dataset.fits,
        parts: Object.fromEntries([...d.querySelectorAll('.seg')].map((s) => [s.dataset.part, Number(s.dataset.bytes)])) })),
    };
  });
}

function compare(label, s, r, f) {
  const bad = [];
  if (s.fits !== String(r.fits)) bad.push(`fits ${s.fits} != ${r.fits}`);
  if ((s.reason || null) !== (r.limit_reason || null)) bad.push(`reason '${s.reason}' != '${r.limit_reason}'`);
  for (const [k, j] of [['decode', 'decode_tok_s'], ['prefill', 'prefill_tok_s'], ['ttft', 'ttft_ms'], ['total', 'total_ms']])
    if (!close(s[k], r.speed[j])) bad.push(`${k} ${s[k]} != ${r.speed[j]}`);
  const want = r.speed.decode_tok_s >= 1000 ? Math.round(r.speed.decode_tok_s).toLocaleString('en-US') : r.speed.decode_tok_s.toFixed(1);
  if (s.decodeText !== want) bad.push(`decode text '${s.decodeText}' != '${want}'`);
  if (s.flags !== r.input.llama_cpp_flags) bad.push(`flags '${s.flags}' != '${r.input.llama_cpp_flags}'`);
  if (s.devices.length !== r.memory.devices.length) bad.push(`${s.devices.length} devices != ${r.memory.devices.length}`);
  r.memory.devices.forEach((d, i) => {
    const x = s.devices[i];
    if (!x) return;
    if (x.name !== d.name || x.total !== d.total_bytes || x.capacity !== d.capacity_bytes || x.fits !== String(d.fits))
      bad.push(`device ${i}: ${JSON.stringify([x.name, x.total, x.capacity, x.fits])} != ${JSON.stringify([d.name, d.total_bytes, d.capacity_bytes, d.fits])}`);
    for (const p of ['weights', 'kv', 'compute', 'output', 'overhead'])
      if ((x.parts[p] || 0) !== d[p + '_bytes']) bad.push(`device ${i} ${p} ${x.parts[p] || 0} != ${d[p + '_bytes']}`);
  });
  if (f) {
    if (String(f.max_ctx) !== s.maxCtx) bad.push(`max_ctx ${s.maxCtx} != ${f.max_ctx}`);
    if (String(f.best_quant) !== s.bestQuant) bad.push(`best_quant ${s.bestQuant} != ${f.best_quant}`);
    if (String(f.max_ngl) !== s.maxNgl) bad.push(`max_ngl ${s.maxNgl} != ${f.max_ngl}`);
  }
  return check(label, bad.length === 0, bad.slice(0, 4).join('; '));
}

async function startServer() {
  const srv = spawn('python3', ['tools/serve.py', '--dir', WEB_DIR, '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    const t = setTimeout(() => reject(new Error('server did not start')), 10000);
    srv.stdout.on('data', (d) => {
      buf += d;
      const m = buf.match(/serving (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    srv.on('exit', (c) => reject(new Error('server exited ' + c)));
  });
  return { srv, url };
}

async function main() {
  if (!fs.existsSync(path.join(WEB_DIR, 'index.html'))) { check('build/web exists (make web)', false, WEB_DIR); return; }
  const { srv, url } = await startServer();
  const browser = await launchChromium(chromium, '/usr/bin/chromium');
  const errors = [], foreign = [];
  async function open(hash = '', viewport = { width: 1280, height: 900 }) {
    const page = await browser.newPage({ viewport });
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push('pageerror: ' + e.message));
    page.on('request', (r) => { const u = r.url(); if (!u.startsWith(url) && !u.startsWith('data:') && !u.startsWith('blob:')) foreign.push(u); });
    const t0 = Date.now();
    await page.goto(url + hash);
    await page.waitForFunction(() => document.body.dataset.ready === '1' || /did not load/.test(document.getElementById('status').textContent), null, { timeout: 20000 });
    page.loadMs = Date.now() - t0;
    return page;
  }
  const chartsDone = (page, n) => page.waitForFunction((k) => Number(document.body.dataset.charts || 0) >= k, n, { timeout: 20000 });
  const settle = (page) => page.evaluate(() => new Promise((r) => setTimeout(r, 120)));

  try {
    // 1. plain load
    const page = await open();
    info(`page ready ${page.loadMs} ms after navigation`);
    check('page loads and the estimator starts', await page.evaluate(() => document.body.dataset.ready === '1'),
      await page.textContent('#status'));
    await chartsDone(page, 1);
    check('cross-origin isolated (COOP/COEP served)', await page.evaluate(() => self.crossOriginIsolated === true));
    const lists = await page.evaluate(() => [document.querySelectorAll('#model option').length,
      document.querySelectorAll('#hardware option').length, [...document.querySelectorAll('#hardware optgroup')].map((g) => g.label).join(',')]);
    check('model and hardware lists filled from the estimator', lists[0] >= 40 && lists[1] >= 70, JSON.stringify(lists));
    check('hardware grouped by vendor', /NVIDIA,AMD,Apple,Intel,CPU platforms/.test(lists[2]), lists[2]);
    compare('default view equals llmcap estimate/fit', await shown(page),
      cli('estimate', { model: 'llama-3.1-8b', quant: 'Q4_K_M', hw: 'rtx-4090', ctx: 8192 }),
      cli('fit', { model: 'llama-3.1-8b', quant: 'Q4_K_M', hw: 'rtx-4090', ctx: 8192 }));

    // charts: each canvas has a drawn line (pixels of some alpha), the comparison table has 4 devices
    const ink = await page.evaluate(() => ['bpw', 'ctx', 'ngl'].map((k) => {
      const c = document.querySelector(`#chart-${k} canvas`);
      if (!c) return -1;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    }));
    check('three charts drawn (non-blank canvases)', ink.every((n) => n > 2000), JSON.stringify(ink));
    check('hardware comparison shows four devices',
      (await page.evaluate(() => document.querySelectorAll('#cmp-table thead th').length)) === 5);
    const shot = await page.screenshot({ fullPage: false });
    check('screenshot of the main view is not blank', shot.length > 30000, `${shot.length} bytes`);
    if (process.env.LLMCAP_WEB_SCREENSHOT) await page.screenshot({ path: process.env.LLMCAP_WEB_SCREENSHOT, fullPage: true });

    // 2. scenarios given in the URL
    const scenarios = [
      { model: 'llama-3.1-70b', quant: 'Q4_K_M', hw: 'rtx-3090', gpus: 2, ctx: 16384, fa: 'on', ctk: 'q8_0', ctv: 'q8_0' },
      { model: 'qwen3-30b-a3b', quant: 'Q4_K_M', hw: 'rtx-4060-ti-16gb', ctx: 32768, fa: 'on', ngl: 30, host: 'cpu-ddr5-6400-2ch', ram: 64 },
      { model: 'llama-3.1-70b', quant: 'F16', hw: 'rtx-4090', ctx: 8192 },
      { model: 'mistral-7b-v0.3', quant: 'Q8_0', hw: 'custom', mem: 48, bw: 960, tflops: 180, ctx: 4096, np: 4, prompt: 1024, gen: 256 },
      { model: 'gemma-3-27b', quant: 'Q5_K_M', hw: 'apple-m2-ultra', ctx: 65536, depth: 4096, batch: 1024, ubatch: 256 },
    ];
    for (const sc of scenarios) {
      const p = await open(hashOf(sc));
      compare(`URL state ${sc.model} ${sc.quant} ${sc.hw}${sc.gpus ? ' x' + sc.gpus : ''} ctx ${sc.ctx} equals the CLI`,
        await shown(p), cli('estimate', sc), cli('fit', sc));
      if (sc.quant === 'F16' && sc.hw === 'rtx-4090')
        check('does-not-fit verdict with its reason', (await p.textContent('#verdict')) === 'Does not fit' &&
          (await p.textContent('#reason')).length > 5, await p.textContent('#reason'));
      await p.close();
    }

    // 3. editing: the result and the URL follow; the URL reproduces it in a fresh page
    await page.fill('#ctx', '16384');
    await page.selectOption('#fa', 'on');
    await page.selectOption('#ctk', 'q8_0');
    await page.selectOption('#ctv', 'q4_0');
    await settle(page);
    const edited = { model: 'llama-3.1-8b', quant: 'Q4_K_M', hw: 'rtx-4090', ctx: 16384, fa: 'on', ctk: 'q8_0', ctv: 'q4_0' };
    compare('edited inputs recompute to the CLI numbers', await shown(page), cli('estimate', edited), cli('fit', edited));
    const href = page.url();
    check('the URL carries the edits', /ctx=16384/.test(href) && /ctv=q4_0/.test(href) && /fa=on/.test(href), href);
    const again = await open(href.slice(href.indexOf('#')));
    const a = await shown(page), b = await shown(again);
    check('a shared URL reproduces the result', JSON.stringify(a) === JSON.stringify(b));
    await again.close();

    // the "what fits" buttons apply their answer
    await page.click('#apply-quant');
    await settle(page);
    const q = await page.inputValue('#quant');
    compare(`"best quant" applies (${q})`, await shown(page), cli('estimate', { ...edited, quant: q }));
    await page.click('#apply-ctx');
    await settle(page);
    const c = await page.inputValue('#ctx');
    check('"max context" applies', Number(c) > 16384, c);
    const fitted = await shown(page);
    check('... and the result at max context still fits', fitted.fits === 'true');

    // 4. bad input: inline message, the last good result kept, no exception
    const before = await shown(page);
    await page.fill('#ctx', '-5');
    await settle(page);
    check('negative n_ctx: inline message next to the field', (await txt(page, '#ferr-ctx')).length > 0);
    check('... the last good result is kept', JSON.stringify(await shown(page)) === JSON.stringify(before));
    await page.fill('#ctx', '8192');
    await page.fill('#gpus', '0');
    await settle(page);
    check('0 GPUs: inline message', (await txt(page, '#ferr-gpus')).length > 0);
    await page.fill('#gpus', '1');
    await page.selectOption('#fa', 'off');
    await settle(page);
    check('quantized V cache without flash attention: the estimator\'s message at the V field',
      /flash/i.test(await txt(page, '#ferr-ctv')), await txt(page, '#ferr-ctv'));
    await page.selectOption('#ctv', 'f16');
    await page.selectOption('#ctk', 'f16');
    await settle(page);
    check('a good input clears the message', (await txt(page, '#ferr-ctv')) === '');

    // 5. a dropped .gguf: only the header is read; the model is the file's
    const gguf = path.join(TMP, 'tiny.gguf');
    execFileSync(ENGINE, ['mkmodel', '--shape', 'tiny', '--type', 'Q4_0', '-o', gguf], { stdio: 'ignore' });
    const drop = async (bytes, name) => page.evaluate(([b64, n]) => {
      const bin = atob(b64), u8 = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
      const dt = new DataTransfer();
      dt.items.add(new File([u8], n));
      document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, [Buffer.from(bytes).toString('base64'), name]);
    await page.fill('#ctx', '8192');
    await settle(page);
    await drop(fs.readFileSync(gguf), 'tiny.gguf');
    await page.waitForFunction(() => document.getElementById('gguf-summary').textContent.length > 0 ||
      document.getElementById('err-model').textContent.length > 0, null, { timeout: 10000 });
    await settle(page);
    check('dropped .gguf is read', (await page.textContent('#err-model')) === '', await page.textContent('#err-model'));
    compare('dropped .gguf equals llmcap estimate --gguf', await shown(page),
      JSON.parse(execFileSync(LLMCAP, ['estimate', '--gguf', gguf, '--hardware', 'rtx-4090', '--ctx', '8192', '--json'], { encoding: 'utf8' })));
    const good = await shown(page);
    const junk = Buffer.alloc(4096, 7);
    junk.write('GGUF', 0);
    await drop(junk, 'broken.gguf');
    await page.waitForFunction(() => document.getElementById('err-model').textContent.length > 0, null, { timeout: 10000 });
    check('malformed .gguf: inline message', /broken\.gguf/.test(await page.textContent('#err-model')), await page.textContent('#err-model'));
    check('... the last good result is kept', JSON.stringify(await shown(page)) === JSON.stringify(good));

    // 6. a pasted config.json
    const cfg = JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: 2048, intermediate_size: 8192,
      num_attention_heads: 32, num_hidden_layers: 16, num_key_value_heads: 8, vocab_size: 128256, max_position_embeddings: 131072,
      rms_norm_eps: 1e-5, tie_word_embeddings: true, head_dim: 64 });
    fs.writeFileSync(path.join(TMP, 'config.json'), cfg);
    await page.check('input[name=src][value=hf]');
    await page.fill('#hf-text', cfg.slice(0, 60));
    await page.waitForFunction(() => document.getElementById('err-model').textContent.length > 0, null, { timeout: 5000 });
    check('malformed config.json: inline message', /config\.json/.test(await page.textContent('#err-model')));
    await page.fill('#hf-text', cfg);
    await page.selectOption('#quant', 'Q4_K_M');
    await page.waitForFunction(() => document.getElementById('err-model').textContent === '' && /LlamaForCausalLM|llama/i.test(document.getElementById('model-line').textContent), null, { timeout: 5000 }).catch(() => {});
    await settle(page);
    compare('pasted config.json equals llmcap estimate --hf-config', await shown(page),
      JSON.parse(execFileSync(LLMCAP, ['estimate', '--hf-config', path.join(TMP, 'config.json'), '--hardware', 'rtx-4090', '--ctx', '8192', '--quant', 'Q4_K_M', '--json'], { encoding: 'utf8' })));
    const hfUrl = page.url();
    const hfPage = await open(hfUrl.slice(hfUrl.indexOf('#')));
    check('a config.json travels in the URL', JSON.stringify(await shown(hfPage)) === JSON.stringify(await shown(page)));
    await hfPage.close();

    // 6b. the speed model: prediction intervals, a pasted calibration profile (in the URL too), engine sections
    {
      const base = { model: 'llama-3.1-8b', quant: 'Q4_K_M', hw: 'rtx-4090', ctx: 8192 };
      const baseArgs = ['estimate', '--model', 'llama-3.1-8b', '--quant', 'Q4_K_M', '--hardware', 'rtx-4090', '--ctx', '8192', '--json'];
      const cliJson = (extra) => JSON.parse(execFileSync(LLMCAP, [...baseArgs, ...extra], { encoding: 'utf8' }));
      const pp = await open(hashOf(base));
      await chartsDone(pp, 1);
      const rng = () => pp.evaluate(() => { const e = document.getElementById('decode-range'); return { low: Number(e.dataset.low), high: Number(e.dataset.high), text: e.textContent }; });
      const r0 = cliJson([]);
      const g0 = await rng();
      check('decode 90% interval shown, equal to the CLI\'s low/high', close(g0.low, r0.speed.decode_tok_s_low) && close(g0.high, r0.speed.decode_tok_s_high) &&
        g0.low < r0.speed.decode_tok_s && r0.speed.decode_tok_s < g0.high && /90% interval/.test(g0.text), JSON.stringify([g0, r0.speed]));
      const prof = JSON.stringify({ format: 'llmcap-profile 1', name: 'page-test', classes: { gpu: { bw_eff: 0.5, decode_pi_log: 0.2 } },
        engines: { 'llmcap-engine/webgpu': { gpu: { bw_eff: 0.3 } } } });
      fs.writeFileSync(path.join(TMP, 'profile.json'), prof);
      await pp.click('#prof-details summary');
      const before = await shown(pp);
      await pp.fill('#prof', prof.slice(0, 40));
      await pp.waitForFunction(() => document.getElementById('err-prof').textContent.length > 0, null, { timeout: 5000 }).catch(() => {});
      check('malformed profile: inline message', (await pp.textContent('#err-prof')).length > 0, await pp.textContent('#err-prof'));
      check('... the last good result is kept', JSON.stringify(await shown(pp)) === JSON.stringify(before));
      await pp.fill('#prof', prof);
      await pp.waitForFunction(() => /page-test/.test(document.getElementById('prof-summary').textContent), null, { timeout: 5000 }).catch(() => {});
      await settle(pp);
      compare('pasted profile equals llmcap estimate --profile', await shown(pp), cliJson(['--profile', path.join(TMP, 'profile.json')]));
      const profUrl = pp.url();
      check('the profile travels in the URL', /[#&]prof=/.test(profUrl), profUrl.slice(0, 120));
      const pp2 = await open(profUrl.slice(profUrl.indexOf('#')));
      check('... and a shared URL reproduces the result', JSON.stringify(await shown(pp2)) === JSON.stringify(await shown(pp)));
      await pp2.close();
      const engines = await pp.evaluate(() => [...document.querySelectorAll('#engine option')].map((o) => o.value));
      check('the engine list has the profile\'s sections', engines.join(',') === 'llama.cpp,llmcap-engine/webgpu', engines.join(','));
      await pp.selectOption('#engine', 'llmcap-engine/webgpu');
      await settle(pp);
      compare('an engine section equals llmcap estimate --engine', await shown(pp),
        cliJson(['--profile', path.join(TMP, 'profile.json'), '--engine', 'llmcap-engine/webgpu']));
      await pp.selectOption('#engine', 'llama.cpp');
      await pp.click('#prof-clear');
      await settle(pp);
      compare('"use the built-in profile" goes back to the default', await shown(pp), r0);
      check('... and the URL drops it', !/[#&]prof=/.test(pp.url()), pp.url().slice(0, 120));
      await pp.close();
    }

    // 7. speed (a benchmark, not a limit): recompute after one input change
    await page.check('input[name=src][value=db]');
    const ms = await page.evaluate(async () => {
      const t = [];
      const ctx = document.getElementById('ctx');
      for (let i = 0; i < 20; i++) {
        ctx.value = String(4096 + 256 * i);
        const t0 = performance.now();
        ctx.dispatchEvent(new Event('input'));
        t.push(performance.now() - t0);
      }
      t.sort((x, y) => x - y);
      return t[10];
    });
    info(`recompute after an input change: median ${ms.toFixed(2)} ms (target < 16 ms)`);

    // the searchable lists: typing picks the first match
    await page.fill('#hw-filter', 'm2 ultra');
    await settle(page);
    check('hardware search picks the first match', (await page.inputValue('#hardware')) === 'apple-m2-ultra', await page.inputValue('#hardware'));
    await page.fill('#model-filter', 'qwen3 30b');
    await settle(page);
    check('model search picks the first match', (await page.inputValue('#model')) === 'qwen3-30b-a3b', await page.inputValue('#model'));

    // 8. keyboard and phone
    const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')].filter((e) =>
      e.type !== 'radio' && e.type !== 'checkbox' && e.type !== 'file' && !e.labels.length && !e.getAttribute('aria-label')).map((e) => e.id || e.name));
    check('every field has a label', unlabeled.length === 0, unlabeled.join(','));
    await page.focus('#model-filter');
    for (let i = 0; i < 3; i++) await page.keyboard.press('Tab');
    check('Tab moves through the fields', await page.evaluate(() => ['INPUT', 'SELECT', 'TEXTAREA', 'BUTTON'].includes(document.activeElement.tagName)));
    const phone = await open('', { width: 390, height: 844 });
    await chartsDone(phone, 1);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check('readable on a phone (no sideways scrolling at 390 px)', overflow <= 1, `${overflow} px too wide`);
    await phone.close();

    check('no console errors or exceptions', errors.length === 0, errors.slice(0, 3).join(' | '));
    check('no request leaves the page\'s own server', foreign.length === 0, foreign.slice(0, 3).join(' '));
  } catch (e) {
    check('test ran to the end', false, e.stack || String(e));
  } finally {
    await browser.close().catch(() => {});
    srv.kill();
    fs.rmSync(TMP, { recursive: true, force: true });
  }
}

await main();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
