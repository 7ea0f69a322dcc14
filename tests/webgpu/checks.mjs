/* checks.mjs - the checks of the WebGPU WASM build, shared by the node test
 * (tests/webgpu/test_wasm_webgpu.mjs, npm webgpu = Dawn on lavapipe) and the
 * browser test (tests/webgpu/test_browser.mjs, Chromium on SwiftShader), so the
 * two run exactly the same assertions.
 *
 * An environment passes in:
 *   check(ok, what)      counts a check; `what` is printed when it fails
 *   log(line)            prints a line
 *   bytes(path)          Promise<Uint8Array> of a file under the shared test
 *                        data (e.g. 'testdata/models/tiny-llama-q4_0.gguf')
 *
 * smokeChecks: the layer alone (tests/webgpu/wasm_smoke.c's rows).
 * engineChecks: on the tiny models, against llama.cpp's references
 * (../shared/testdata/reference/README.md) as tests/wasm/test_engine.js does
 * for the CPU build, plus the WebGPU backend against the CPU backend of the
 * same module:
 *   - the prompt's last logits within TOL of the reference (F32 1e-2; Q8_0 and
 *     Q4_0 0.15: the GPU kernels take f32 activations where llama.cpp rounds
 *     them to Q8_0, which the README puts at 0.06-0.12);
 *   - greedy tokens equal the reference's while its margins exceed 2*TOL;
 *   - the same against the CPU backend: logits within TOL, greedy tokens
 *     equal for all 16 steps on F32 and, on the quantized models, up to the
 *     first step whose reference margin is within 2*TOL;
 *   - teacher forcing (the README's step-by-step check): feed the reference's
 *     greedy tokens one by one; at every step the logits of the reference's
 *     top-5 ids are within TOL of the reference's (this also covers the steps
 *     where the free-running comparisons above stop at a small margin);
 *   - text prompts tokenize to the reference ids;
 *   - bench rows, an out-of-range token id (a clear Error, and the context
 *     still works after it), a truncated file, and last a destroyed device
 *     (device lost: a clear Error from the next calls, no hang).
 */

export const MODELS = [['f32', 1e-2], ['q8_0', 0.15], ['q4_0', 0.15]];

function maxAbsDiff(a, b) {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]);
    if (!(e <= d)) d = e; /* NaN wins */
  }
  return d;
}

/* M: a createLlmcapWgSmoke module with the device set. */
export async function smokeChecks(M, { check, log }) {
  const rows = JSON.parse(await M.ccall('wg_smoke_run', 'string', [], [], { async: true }));
  for (const r of rows) {
    check(r.ok, `layer ${r.name}: ${r.detail}`);
    if (r.ok) log(`  layer ${r.name}: ${r.detail.length > 160 ? r.detail.slice(0, 160) + '...' : r.detail}`);
  }
  check(rows.length >= 12, `layer: ${rows.length} rows, expected 12 or more`);
  return rows;
}

/* engine: LlmcapWebGPU.create's result. o.models: a subset of MODELS;
 * o.nGreedy: greedy / teacher-forced steps per prompt (16, all the reference
 * has); o.benchGen: tokens of the tg bench (8). Returns {speeds: [{model,
 * pp16_ts, tg_ts}]}. */
export async function engineChecks(engine, { check, log, bytes, models = MODELS, nGreedy = 16, benchGen = 8 }) {
  const ad = await engine.adapter();
  check(ad.backend === 'webgpu' && ad.limits.max_storage_buffer_binding_size > 0,
    `adapter: ${JSON.stringify(ad)}`);
  log(`  adapter: ${ad.vendor} / ${ad.architecture} / ${ad.device} / ${ad.description} (fallback ${ad.fallback}); ` +
      `max binding ${ad.limits.max_storage_buffer_binding_size} B`);
  const speeds = [];
  const dec = new TextDecoder();
  for (const [name, tol] of models) {
    const ref = JSON.parse(dec.decode(await bytes(`testdata/reference/tiny-llama-${name}.json`)));
    const model = await engine.loadModel(await bytes(`testdata/models/tiny-llama-${name}.gguf`));
    const info = await model.info();
    check(info.n_vocab === 32000 && info.arch === 'llama', `${name}: info ${JSON.stringify(info)}`);
    const gpu = await model.createContext({ backend: 'webgpu', nCtx: 128, kvF32: true });
    const cpu = await model.createContext({ backend: 'cpu', nCtx: 128, kvF32: true });
    const ci = await gpu.info();
    check(ci.backend === 'webgpu' && ci.device && ci.device.api === 'webgpu' && ci.device.fallback === ad.fallback,
      `${name}: context info ${JSON.stringify(ci)}`);
    for (const p of ref.prompts) {
      const ids = p.token_ids;
      if (p.text) {
        const got = await model.tokenize(p.text);
        check(JSON.stringify(got) === JSON.stringify(ids), `${name} ${p.name}: tokens ${got} vs ${ids}`);
      }
      const run = p.runs.kv_f32_fa_off;
      const refBytes = await bytes(`testdata/reference/${run.last_logits_file}`);
      const refLogits = new Float32Array(refBytes.buffer.slice(refBytes.byteOffset, refBytes.byteOffset + refBytes.byteLength));
      const g = await gpu.generate({ ids, n: nGreedy });
      const c = await cpu.generate({ ids, n: nGreedy });
      const dRef = maxAbsDiff(g.promptLogits, refLogits), dCpu = maxAbsDiff(g.promptLogits, c.promptLogits);
      check(dRef <= tol, `${name} ${p.name}: webgpu vs llama.cpp max |logit diff| ${dRef} > ${tol}`);
      check(dCpu <= tol, `${name} ${p.name}: webgpu vs cpu max |logit diff| ${dCpu} > ${tol}`);
      let nRef = 0;
      while (nRef < nGreedy && run.greedy_steps[nRef].margin_top1_top2 > 2 * tol) nRef++;
      const same = (a, b, n) => a.slice(0, n).join(' ') === b.slice(0, n).join(' ');
      check(g.tokens.length === nGreedy && same(g.tokens, run.greedy_tokens, nRef),
        `${name} ${p.name}: webgpu greedy ${g.tokens} vs llama.cpp ${run.greedy_tokens} (first ${nRef} compared)`);
      const nCpu = name === 'f32' ? nGreedy : nRef;
      check(same(g.tokens, c.tokens, nCpu),
        `${name} ${p.name}: webgpu greedy ${g.tokens} vs cpu ${c.tokens} (first ${nCpu} compared)`);
      /* teacher forcing */
      await gpu.reset();
      let dTf = 0, worst = -1;
      for (let s = 0; s < nGreedy; s++) {
        await gpu.decode(s === 0 ? ids : [run.greedy_tokens[s - 1]]);
        const lg = await gpu.logits();
        for (const [id, v] of run.greedy_steps[s].top5) {
          const e = Math.abs(lg[id] - v);
          if (!(e <= dTf)) { dTf = e; worst = s; }
        }
      }
      check(dTf <= tol, `${name} ${p.name}: teacher-forced top-5 logits differ by ${dTf} > ${tol} (step ${worst})`);
      log(`  ${name} ${p.name}: |webgpu - llama.cpp| ${dRef.toExponential(2)} (teacher-forced top-5, ${nGreedy} steps: ` +
          `${dTf.toExponential(2)}), |webgpu - cpu| ${dCpu.toExponential(2)}, greedy ${nRef} steps vs llama.cpp, ` +
          `${nCpu} vs cpu; prompt ${g.prompt_ms.toFixed(0)} ms, ${g.n_gen - 1} decode steps ${g.gen_ms.toFixed(0)} ms`);
    }
    /* decode + logits directly: same as generate's prompt logits */
    const p0 = ref.prompts[0];
    await gpu.reset();
    await gpu.decode(p0.token_ids);
    const lg = await gpu.logits();
    const again = await gpu.generate({ ids: p0.token_ids, n: 1 });
    check(maxAbsDiff(lg, again.promptLogits) <= 1e-5, `${name}: decode+logits differs from generate's prompt logits`);
    /* a bad token id: a clear error, and the context keeps working */
    let msg = '';
    try { await gpu.decode([1, 99999]); } catch (e) { msg = e.message; }
    check(/99999|range|vocab/i.test(msg), `${name}: token 99999 gave '${msg}'`);
    const after = await gpu.generate({ ids: p0.token_ids, n: 2 });
    check(after.tokens.length === 2 && after.tokens[0] === again.tokens[0], `${name}: context unusable after an error`);
    const b = await model.bench({ backend: 'webgpu', nPrompt: 16, nGen: benchGen, reps: 1 });
    check(b.length === 2 && b[0].n_prompt === 16 && b[1].n_gen === benchGen && b[0].avg_ts > 0 && b[1].avg_ts > 0 &&
          b[0].backend === 'webgpu', `${name}: bench rows ${JSON.stringify(b)}`);
    if (b.length === 2) {
      speeds.push({ model: name, pp16_ts: b[0].avg_ts, tg_ts: b[1].avg_ts });
      log(`  ${name}: webgpu pp16 ${b[0].avg_ts.toFixed(2)} tok/s, tg${benchGen} ${b[1].avg_ts.toFixed(2)} tok/s`);
    }
    await gpu.free();
    await cpu.free();
    await model.free();
  }
  const q4 = await bytes('testdata/models/tiny-llama-q4_0.gguf');
  let msg = '';
  try { await engine.loadModel(q4.subarray(0, 100000)); } catch (e) { msg = e.message; }
  check(/truncat|cannot fit|past the end/i.test(msg), `truncated file: '${msg}'`);
  /* last (it ends the engine's device): a lost device is a clear Error from
   * the next call, not a hang */
  const model = await engine.loadModel(q4);
  const ctx = await model.createContext({ backend: 'webgpu', nCtx: 32 });
  engine.device.destroy();
  msg = '';
  try { await ctx.generate({ ids: [1, 15043, 3186], n: 2 }); } catch (e) { msg = e.message; }
  check(/lost|destroyed/i.test(msg), `after device.destroy(): '${msg}'`);
  msg = '';
  try { await model.createContext({ backend: 'webgpu', nCtx: 32 }); } catch (e) { msg = e.message; }
  check(/lost|destroyed/i.test(msg), `a context after device.destroy(): '${msg}'`);
  return { speeds };
}
