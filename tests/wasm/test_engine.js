#!/usr/bin/env node
/* test_engine.js - the WASM engine in node against llama.cpp's references and
 * against the native build: same checks as tests/engine/test_forward.c.
 *
 * usage: node tests/wasm/test_engine.js BUILD_WASM_DIR [NATIVE_ENGINE]
 *   - the last-position logits of every reference prompt within TOL (F32 model:
 *     1e-2, the bound; Q8_0/Q4_0: 0.15, see test_forward.c);
 *   - greedy tokens equal the reference while the margins exceed 2*TOL;
 *   - tokenizer ids of the text prompts equal the reference ids;
 *   - with NATIVE_ENGINE given, `run --print-ids` gives the same 16 greedy
 *     tokens as the WASM build for every model and prompt;
 *   - bad input (a truncated file, a vocab-only file) throws a clear Error;
 *   - when the pthreads build (llmcap-engine-mt.js) exists: the same logit and
 *     greedy checks on it with 2 threads (a matmul split over threads sums
 *     each row in the same order, so the tolerances are the same);
 *   - when test_kernels.js exists: the kernel tests (tests/engine/test_kernels.c
 *     built with emcc, so with the WASM128 level) in node; their "N passed,
 *     N failed" counts are added to ours.
 * Last line: "N passed, N failed".
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const wasmDir = process.argv[2] || 'build/wasm';
const native = process.argv[3];
const shared = process.env.LLMCAP_SHARED || ['../shared', '/work/shared'].find((d) =>
  fs.existsSync(path.join(d, 'testdata/reference/README.md')));

let pass = 0, fail = 0;
const check = (ok, what) => { if (ok) pass++; else { fail++; console.log('FAIL: ' + what); } };

/* the logit and greedy checks of every tiny model on one build; `full` adds
 * tokenizer, native, sampling and bench checks */
async function checkBuild(base, nThreads, full) {
  const factory = require(path.resolve(wasmDir, base + '.js'));
  const api = require(path.resolve(wasmDir, 'api.js'));
  const M = await factory({ wasmBinary: fs.readFileSync(path.resolve(wasmDir, base + '.wasm')) });
  const engine = api.wrap(M, { nThreads });
  check(engine.maxThreads >= nThreads, `${base}: maxThreads ${engine.maxThreads} < ${nThreads}`);
  for (const [name, tol] of [['f32', 1e-2], ['q8_0', 0.15], ['q4_0', 0.15]]) {
    const ref = JSON.parse(fs.readFileSync(`${shared}/testdata/reference/tiny-llama-${name}.json`));
    const model = engine.loadModel(fs.readFileSync(`${shared}/testdata/models/tiny-llama-${name}.gguf`));
    const info = model.info();
    check(info.n_vocab === 32000 && info.arch === 'llama', `${name}: info ${JSON.stringify(info)}`);
    for (const p of ref.prompts) {
      const ids = p.token_ids;
      if (p.text && full) {
        const got = model.tokenize(p.text);
        check(JSON.stringify(got) === JSON.stringify(ids), `${name} ${p.name}: tokens ${got} vs ${ids}`);
      }
      const run = p.runs.kv_f32_fa_off;
      const refLogits = new Float32Array(fs.readFileSync(`${shared}/testdata/reference/${run.last_logits_file}`).buffer.slice(0));
      const lg = model.logits(ids, { kvF32: true });
      let d = 0;
      for (let i = 0; i < lg.length; i++) { const e = Math.abs(lg[i] - refLogits[i]); if (!(e <= d)) d = e; }
      check(d <= tol, `${name} ${p.name}: max |logit diff| ${d} > ${tol}`);
      const g = model.generate({ ids, n: 16, temp: 0, kvF32: true });
      let ok = true, checked = 0;
      for (let s = 0; s < 16; s++) {
        const st = run.greedy_steps[s];
        if (st.margin_top1_top2 <= 2 * tol) break;
        checked++;
        if (g.tokens[s] !== st.token) ok = false;
      }
      check(ok, `${name} ${p.name}: greedy ${g.tokens} vs ${run.greedy_tokens} (${checked} steps checked)`);
      console.log(`  ${base} (${nThreads} thr) ${name} ${p.name}: max |diff| ${d.toExponential(2)}, greedy ${checked} steps checked`);
      if (native && full) {
        /* same greedy tokens as the native build: all 16 on the F32 model; on the
         * quantized ones up to the first step whose reference margin is within
         * 2*tol (SIMD128 and AVX-512 sum in different orders; a last-bit change
         * can flip an activation's Q8_0 rounding there, as between llama.cpp's
         * own settings) */
        const out = execFileSync(native, ['run', '-m', `${shared}/testdata/models/tiny-llama-${name}.gguf`,
          '--ids', ids.join(','), '-n', '16', '--print-ids', '--quiet', '-c', '512', '--ctk', 'f32', '--ignore-eos'],
          { encoding: 'utf8' }).trim().split(' ').map(Number);
        let n = 16;
        if (name !== 'f32') { n = 0; while (n < 16 && run.greedy_steps[n].margin_top1_top2 > 2 * tol) n++; }
        const same = out.slice(0, n).join(' ') === g.tokens.slice(0, n).join(' ');
        check(out.length === 16 && same, `${name} ${p.name}: native ${out} vs wasm ${g.tokens} (first ${n} compared)`);
      }
    }
    if (full) {
      const gen = model.generate({ prompt: 'Hello world', n: 8, temp: 0.8, seed: 5 });
      check(gen.tokens.length === 8 && typeof gen.text === 'string', `${name}: sampled generation`);
    }
    const b = model.bench({ nPrompt: 16, nGen: 4, reps: 1 });
    check(b.length === 2 && b[0].n_prompt === 16 && b[1].n_gen === 4 && b[1].avg_ts > 0 &&
          b[1].n_threads === nThreads, `${name}: bench rows ${JSON.stringify(b[1])}`);
    model.free();
  }
  return engine;
}

(async () => {
  const engine = await checkBuild('llmcap-engine', 1, true);
  const f32 = fs.readFileSync(`${shared}/testdata/models/tiny-llama-q4_0.gguf`);
  let msg = '';
  try { engine.loadModel(f32.subarray(0, 100000)); } catch (e) { msg = e.message; }
  check(/truncat|cannot fit|past the end/i.test(msg), `truncated file: '${msg}'`);
  msg = '';
  try { engine.loadModel(fs.readFileSync(`${shared}/testdata/vocab/ggml-vocab-gpt-2.gguf`)); } catch (e) { msg = e.message; }
  check(/unsupported architecture 'gpt2'/.test(msg), `gpt2 vocab: '${msg}'`);
  if (fs.existsSync(path.resolve(wasmDir, 'llmcap-engine-mt.js'))) await checkBuild('llmcap-engine-mt', 2, false);
  else console.log('  note: no llmcap-engine-mt.js, the pthreads build is not tested');
  const tk = path.resolve(wasmDir, 'test_kernels.js');
  if (fs.existsSync(tk)) {
    let out = '';
    try {
      out = execFileSync(process.execPath, [tk], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    } catch (e) { out = String(e.stdout || ''); }
    const m = /(\d+) passed, (\d+) failed\s*$/.exec(out);
    check(m !== null, `test_kernels.js: no result line in '${out.slice(-200)}'`);
    if (m) { pass += Number(m[1]); fail += Number(m[2]); console.log(`  test_kernels.js (WASM128 vs SCALAR): ${m[0]}`); }
  }
  console.log(`${pass} passed, ${fail} failed`);
  process.exit(fail ? 1 : 0);
})().catch((e) => { console.log('FAIL: ' + (e.stack || e)); console.log(`${pass} passed, ${fail + 1} failed`); process.exit(1); });
