/* measure.js - "Measure this device": the WASM engine run in Web Workers on a
 * synthetic model of the chosen model's layer shapes, scaled down in layer
 * count (and vocabulary, when the embedding alone would not fit) to a memory
 * budget, against the estimator's prediction for the same scaled model on
 * this device.
 *
 *   import { measureDevice, renderMeasure } from './measure.js';
 *   const result = await measureDevice({model: 'llama-3.2-1b', quant: 'Q4_K_M', est, onProgress: (s) => ...});
 *   renderMeasure(document.getElementById('measure'), result);
 *
 * model: a data/models.json id (looked up in est.models / est.listModels() /
 *   options.models, else fetched from options.modelsUrl or ./models.json,
 *   ./data/models.json, ../data/models.json) or a models.json row itself.
 * est: the estimator module (build/wasm/estimator.js; est.estimate(opts)
 *   returns `llmcap estimate --json`'s object); optional: without it there
 *   are no predictions.
 * More options (for tests, or a slower device): engineBase (the folder of the
 *   engine builds; default: this module's folder), budgetBytes (default
 *   min(256 MiB, navigator.deviceMemory / 16)), nPrompt (32), nGen (16),
 *   reps (2), membwMiB (32; 0 = no bandwidth measurement, hence no
 *   prediction), backends (['cpu-mt', 'cpu', 'webgpu'] subset),
 *   allowFallbackAdapter (false: a software WebGPU adapter is not measured),
 *   tflops ({cpu: x, 'cpu-mt': y, webgpu: z} dense FP16 TFLOP/s: only then is
 *   prefill predicted; nothing here measures compute throughput).
 *
 * Backends, each in its own worker (web/measure-worker.js; ended after its run
 * so that its heap is freed): 'cpu-mt' (the pthreads build, only on a
 * cross-origin-isolated page; min(4, hardwareConcurrency) threads), 'cpu' (one
 * thread, SIMD128), 'webgpu' (when navigator.gpu gives a hardware adapter).
 * The model is generated once, by the first CPU worker, and its bytes are
 * passed to the others.
 */

const MiB = 2 ** 20;

/* Bits per weight of the tensor types mkmodel writes "pure" (types.h: block
 * bytes * 8 / block elements; ggml's block layouts). */
const TYPE_BPW = { F32: 32, F16: 16, BF16: 16, Q8_0: 8.5, Q4_0: 4.5, Q4_1: 5, Q5_0: 5.5, Q5_1: 6, Q4_K: 4.5,
  Q5_K: 5.5, Q6_K: 6.5625 };
/* llama.cpp file-type mixes mkmodel also writes (gguf_ftype_from_name) */
const MIX_TYPES = /^(Q[2-6]_K_[SML]|Q3_K_L|Q4_K_S|Q4_K_M|Q5_K_S|Q5_K_M|Q2_K|Q3_K_S|Q3_K_M|Q6_K|MOSTLY_.*)$/;

/* ---------------------------------------------------------------- features */

/* WebAssembly SIMD128: a module of one function doing i8x16.splat and
 * i8x16.popcnt validates only where SIMD is supported (the engine builds need it). */
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0,
  65, 0, 253, 15, 253, 98, 11]);

async function adapterInfo() {
  if (typeof navigator === 'undefined' || !navigator.gpu) return null;
  try {
    const a = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!a) return null;
    let info = a.info;
    if (!info && typeof a.requestAdapterInfo === 'function') info = await a.requestAdapterInfo();
    info = info || {};
    return { vendor: info.vendor || '', architecture: info.architecture || '', device: info.device || '',
      description: info.description || '',
      isFallbackAdapter: !!(info.isFallbackAdapter !== undefined ? info.isFallbackAdapter : a.isFallbackAdapter),
      maxBufferSize: a.limits.maxBufferSize, maxStorageBufferBindingSize: a.limits.maxStorageBufferBindingSize };
  } catch (e) {
    return null;
  }
}

export async function detectFeatures() {
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated === true;
  const hc = (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1;
  return {
    webgpu: await adapterInfo(),
    simd: typeof WebAssembly !== 'undefined' && WebAssembly.validate(SIMD_PROBE),
    threads: isolated && typeof SharedArrayBuffer !== 'undefined' ? Math.min(4, hc) : 1,
    crossOriginIsolated: isolated,
    deviceMemoryGiB: (typeof navigator !== 'undefined' && navigator.deviceMemory) || null,
    hardwareConcurrency: hc,
  };
}

/* ------------------------------------------------------------------ shapes */

async function findSpec(model, est, o) {
  if (model && typeof model === 'object') return model;
  const pick = (list) => (Array.isArray(list) ? list : list && list.models)?.find(
    (m) => m.id === model || (m.aliases || []).includes(model));
  let lists = [o.models];
  if (est) {
    try { lists.push(typeof est.models === 'function' ? await est.models() : est.models); } catch (e) { /* next */ }
    try { if (typeof est.listModels === 'function') lists.push(await est.listModels()); } catch (e) { /* next */ }
  }
  for (const l of lists) { const s = pick(l); if (s) return s; }
  const urls = o.modelsUrl ? [o.modelsUrl] : [new URL('models.json', o.engineBase), new URL('data/models.json', o.engineBase),
    new URL('../data/models.json', import.meta.url), new URL('../../data/models.json', import.meta.url)];
  for (const u of urls) {
    try {
      const r = await fetch(u);
      if (!r.ok) continue;
      const s = pick(await r.json());
      if (s) return s;
    } catch (e) { /* next */ }
  }
  throw new Error(`model '${model}' not found in the estimator's model list`);
}

/* The engine runs llama and qwen2. Other dense architectures (qwen3, gemma,
 * phi) are measured as a llama of the same dimensions; a mixture of experts
 * as a dense model whose FFN is its active experts' (n_expert_used x
 * n_ff_exp): the weights one token reads. Both are noted in the result. */
function engineShape(s) {
  const notes = [];
  let arch = s.arch === 'qwen2' ? 'qwen2' : 'llama';
  if (s.arch !== 'llama' && s.arch !== 'qwen2') notes.push(`${s.arch} measured as a llama of the same dimensions`);
  let nFf = s.n_ff;
  if (s.n_expert > 1) {
    nFf = (s.n_expert_used || 1) * (s.n_ff_exp || s.n_ff) + (s.n_expert_shared || 0) * (s.n_ff_shexp || 0);
    notes.push(`mixture of experts measured as a dense FFN of its active experts (n_ff ${nFf})`);
  }
  const headDim = s.head_dim || s.n_embd / s.n_head;
  return { arch, n_embd: s.n_embd, n_layer: s.n_layer, n_head: s.n_head, n_head_kv: s.n_head_kv || s.n_head,
    n_ff: nFf, n_vocab: s.n_vocab, head_dim: headDim, tied: !!s.tied_embeddings, notes };
}

/* n_layer (and n_vocab) so that the file stays under budgetBytes at bpw bits
 * per weight: the embedding (and the output matrix unless tied) gets at most
 * half of the budget, then as many layers as fit, at least one. */
export function scaleShape(sh, bpw, budgetBytes) {
  const qdim = sh.n_head * sh.head_dim, kvdim = sh.n_head_kv * sh.head_dim;
  const layerBytes = ((sh.n_embd * qdim * 2 + sh.n_embd * kvdim * 2 + 3 * sh.n_embd * sh.n_ff) * bpw) / 8 +
    (2 * sh.n_embd + qdim + 2 * kvdim) * 4;   /* norms and biases stay F32 */
  const perVocabRow = (sh.n_embd * bpw / 8) * (sh.tied ? 1 : 2) + 24;   /* + the token's text in the header */
  let nVocab = sh.n_vocab;
  if (nVocab * perVocabRow > budgetBytes / 2) nVocab = Math.max(512, Math.floor(budgetBytes / 2 / perVocabRow / 64) * 64);
  const rest = budgetBytes - nVocab * perVocabRow - 64 * 1024;
  const nLayer = Math.max(1, Math.min(sh.n_layer, Math.floor(rest / layerBytes)));
  return Object.assign({}, sh, { n_layer: nLayer, n_vocab: Math.min(nVocab, sh.n_vocab),
    layer_bytes_est: layerBytes });
}

/* the quant as a mkmodel --type: "pure:Q4_K" -> "Q4_K"; then fallbacks the engine always has */
function typeCandidates(quant) {
  const q = String(quant || '').replace(/^pure:/i, '').toUpperCase();
  const list = [];
  if (q && (TYPE_BPW[q] || MIX_TYPES.test(q))) list.push(q);
  for (const t of ['Q4_0', 'Q8_0']) if (!list.includes(t)) list.push(t);
  return list;
}

/* ----------------------------------------------------------------- workers */

function runWorker(msg, transfer, onProgress) {
  return new Promise((resolve) => {
    const w = new Worker(new URL('./measure-worker.js', import.meta.url));
    const end = (r) => { w.terminate(); resolve(r); };
    w.onmessage = (ev) => {
      const d = ev.data;
      if (d.type === 'progress') { if (onProgress) onProgress(d.text); return; }
      end(d);
    };
    w.onerror = (ev) => end({ type: 'error', backend: msg.backend, message: ev.message || 'worker failed to start' });
    w.postMessage(msg, transfer || []);
  });
}

/* -------------------------------------------------------------- prediction */

/* The prediction for the scaled model on this device. The estimator knows the
 * full model (its data row), not the scaled file, so it is asked for the full
 * model on hardware 'custom' with this device's measured bandwidth, and its
 * decode time per token is scaled by the bytes one token reads: the scaled
 * file's weights, less the token embedding when the output matrix is separate
 * (a decode step reads one row of it), over the estimator's
 * decode_bytes_per_tok. The bandwidth is measured, not assumed: the CPU
 * builds' STREAM triad (engine/cpu/membw.c) on the run's threads, WebGPU a
 * buffer-copy rate on the device. Without a measured figure (or without the
 * estimator) the prediction is null and `note` says why. Prefill is
 * compute-bound and nothing here measures compute throughput: it is predicted
 * only when options.tflops gives a figure for the backend (scaled by the
 * parameters that take part in a token's matrix products). */
function predict(est, spec, run, o) {
  const bw = run.membw && (run.membw.triad_gbps || run.membw.copy_gbps);
  const base = { backend: run.backend, decode_tok_s: null, prefill_tok_s: null, bw_gbps: bw || null,
    bw_source: run.membw ? (run.membw.triad_gbps ? 'STREAM triad (engine)' : 'GPU buffer copy') : null };
  if (!est || typeof est.estimate !== 'function') return Object.assign(base, { note: 'no estimator loaded' });
  if (!bw) return Object.assign(base, { note: 'bandwidth not measured: prediction not available' });
  const tflops = o.tflops && o.tflops[run.backend];
  const opts = { model: spec.id, hardware: 'custom', quant: run.type_used, gpu_bw_gbps: bw,
    gpu_mem_gib: 1024,  /* fit is not the question here: the scaled file is known to fit */
    n_ctx: o.nPrompt + o.nGen, n_prompt: o.nPrompt, n_gen: o.nGen };
  if (tflops) opts.gpu_tflops = tflops;
  let e;
  try { e = est.estimate(opts); } catch (err) { return Object.assign(base, { note: 'estimator: ' + err.message }); }
  if (e && typeof e.then === 'function') return e.then((r) => finish(r));
  return finish(e);

  function finish(r) {
    if (!r || !r.speed) return Object.assign(base, { note: 'estimator: ' + ((r && r.error) || 'no speed in its result') });
    const info = run.info, sh = run.shape;
    const bpwTok = TYPE_BPW[run.type_used] || (r.model && r.model.bits_per_weight) || 8;
    const embdBytes = sh.tied ? 0 : (info.n_vocab * info.n_embd * bpwTok) / 8;
    const readBytes = info.model_size - embdBytes;
    const s = r.speed;
    const out = Object.assign(base, {
      decode_tok_s: s.decode_ms_per_tok > 0 && s.decode_bytes_per_tok > 0
        ? 1000 / (s.decode_ms_per_tok * readBytes / s.decode_bytes_per_tok) : null,
      full_model: { decode_tok_s: s.decode_tok_s, prefill_tok_s: tflops ? s.prefill_tok_s : null,
        decode_bytes_per_tok: s.decode_bytes_per_tok, params: r.model && r.model.params },
      scale_bytes: readBytes / s.decode_bytes_per_tok,
      note: tflops ? 'prefill with the given TFLOP/s' : 'prefill not predicted: compute throughput is not measured',
    });
    if (tflops && r.model && r.model.params) out.prefill_tok_s = s.prefill_tok_s * r.model.params / info.n_params;
    /* what the measured decode rate would be on the full model, by the same byte ratio */
    if (run.run && run.run.tg_ts) out.full_model.measured_decode_tok_s = run.run.tg_ts * out.scale_bytes;
    return out;
  }
}

/* ------------------------------------------------------------------- main */

export async function measureDevice({ model, quant, est, onProgress, ...opts } = {}) {
  const o = Object.assign({ nPrompt: 32, nGen: 16, reps: 2, membwMiB: 32, allowFallbackAdapter: false,
    backends: ['cpu-mt', 'cpu', 'webgpu'] }, opts);
  o.engineBase = String(o.engineBase || new URL('./', import.meta.url));
  if (!o.engineBase.endsWith('/')) o.engineBase += '/';
  const say = (t) => { if (onProgress) onProgress(t); };
  const features = await detectFeatures();
  const spec = await findSpec(model, est, o);
  const full = engineShape(spec);
  const types = typeCandidates(quant);

  /* bits per weight for the plan: the estimator's figure for the quant when it
   * has one, else the type table (a mix: 5, between its parts) */
  let bpw = TYPE_BPW[types[0]] || 5;
  if (est && typeof est.estimate === 'function' && quant) {
    try {
      const r = await est.estimate({ model: spec.id, quant, hardware: 'custom', gpu_bw_gbps: 100, gpu_mem_gib: 1024 });
      if (r && r.model && r.model.bits_per_weight > 0) bpw = Math.max(bpw, r.model.bits_per_weight);
    } catch (e) { /* keep the table's */ }
  }
  const budget = o.budgetBytes || Math.min(256 * MiB, features.deviceMemoryGiB ? features.deviceMemoryGiB * 2 ** 30 / 16 : 256 * MiB);
  const shape = scaleShape(full, bpw, budget);
  say(`model: ${spec.id} shape, ${shape.n_layer} of ${full.n_layer} layers, vocab ${shape.n_vocab}, budget ${(budget / MiB).toFixed(0)} MiB`);

  const cpuBackends = [];
  if (o.backends.includes('cpu-mt') && features.threads > 1 && features.simd) cpuBackends.push('cpu-mt');
  if (o.backends.includes('cpu') && features.simd) cpuBackends.push('cpu');
  const runs = [], skipped = [];
  if (!features.simd) skipped.push({ backend: 'cpu', reason: 'no WebAssembly SIMD: the engine builds need it' });
  let bytes = null, typeUsed = null, genMs = null;
  const common = { base: o.engineBase, nPrompt: o.nPrompt, nGen: o.nGen, reps: o.reps, membwMiB: o.membwMiB };
  const wantGpu = o.backends.includes('webgpu') && features.webgpu &&
    (!features.webgpu.isFallbackAdapter || o.allowFallbackAdapter);
  for (let i = 0; i < cpuBackends.length; i++) {
    const backend = cpuBackends[i];
    const needBytes = i + 1 < cpuBackends.length || wantGpu;
    const msg = Object.assign({}, common, { backend, nThreads: backend === 'cpu-mt' ? features.threads : 1 });
    if (bytes) Object.assign(msg, { bytes: bytes.slice(0), type_used: typeUsed });
    else Object.assign(msg, { gen: { ...shape, types, seed: 42 }, returnBytes: needBytes });
    const r = await runWorker(msg, msg.bytes ? [msg.bytes] : [], say);
    if (r.type === 'done') {
      if (r.bytes) bytes = r.bytes;
      if (r.type_used) typeUsed = r.type_used;
      if (r.gen_ms) genMs = r.gen_ms;
      runs.push(r);
    } else if (r.type === 'skip') skipped.push({ backend, reason: r.reason });
    else skipped.push({ backend, reason: 'error: ' + r.message });
  }
  if (o.backends.includes('webgpu')) {
    if (!features.webgpu) skipped.push({ backend: 'webgpu', reason: 'no WebGPU adapter' });
    else if (!wantGpu) skipped.push({ backend: 'webgpu', reason: 'only a software (fallback) adapter' });
    else if (!bytes) skipped.push({ backend: 'webgpu', reason: 'no model: the CPU build could not make one' });
    else {
      const r = await runWorker(Object.assign({}, common, { backend: 'webgpu', bytes, type_used: typeUsed,
        allowFallbackAdapter: o.allowFallbackAdapter }), [bytes], say);
      bytes = null;
      if (r.type === 'done') runs.push(r);
      else skipped.push({ backend: 'webgpu', reason: r.type === 'skip' ? r.reason : 'error: ' + r.message });
    }
  }
  const info = runs.length ? runs[0].info : null;
  const predicted = [];
  for (const r of runs) {
    r.shape = shape;
    say(`predicting ${r.backend}`);
    predicted.push(await predict(est, spec, r, o));
  }
  return {
    features,
    model: { id: spec.id, name: spec.name, arch: shape.arch, type: typeUsed, n_layer: shape.n_layer,
      n_layer_full: full.n_layer, n_vocab: shape.n_vocab, n_vocab_full: full.n_vocab, n_embd: shape.n_embd,
      n_head: shape.n_head, n_head_kv: shape.n_head_kv, n_ff: shape.n_ff, head_dim: shape.head_dim,
      bytes: info ? info.model_size : null, n_params: info ? info.n_params : null, budget_bytes: budget,
      gen_ms: genMs, notes: full.notes },
    runs: runs.map((r) => ({ backend: r.backend, pp_ts: r.run.pp_ts, tg_ts: r.run.tg_ts, n_threads: r.run.n_threads || null,
      n_prompt: o.nPrompt, n_gen: o.nGen, reps: o.reps, simd: r.info && r.info.simd, membw: r.membw || null,
      adapter: r.adapter || null })),
    skipped,
    predicted,
  };
}

/* ----------------------------------------------------------------- render */

const fmt = (x, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const LABEL = { 'cpu-mt': 'CPU, threads', cpu: 'CPU, 1 thread', webgpu: 'WebGPU' };

export function renderMeasure(el, result) {
  const f = result.features, m = result.model;
  const rows = result.runs.map((r) => {
    const p = result.predicted.find((q) => q.backend === r.backend) || {};
    const ratio = r.tg_ts && p.decode_tok_s ? fmt(r.tg_ts / p.decode_tok_s, 2) : '–';
    const label = (LABEL[r.backend] || r.backend) + (r.n_threads > 1 ? ` (${r.n_threads})` : '');
    return `<tr><td>${esc(label)}</td><td>${fmt(r.tg_ts)}</td><td>${fmt(p.decode_tok_s)}</td><td>${ratio}</td>` +
      `<td>${fmt(r.pp_ts)}</td><td>${fmt(p.prefill_tok_s)}</td>` +
      `<td>${p.bw_gbps ? fmt(p.bw_gbps) + ' GB/s ' + esc(p.bw_source) : '–'}</td></tr>`;
  }).join('');
  const skipped = result.skipped.map((s) => `<li>${esc(LABEL[s.backend] || s.backend)}: ${esc(s.reason)}</li>`).join('');
  const notes = [...new Set(result.predicted.map((p) => p.note).filter(Boolean).concat(m.notes || []))]
    .map((n) => `<li>${esc(n)}</li>`).join('');
  const gpu = f.webgpu ? `${f.webgpu.vendor} ${f.webgpu.architecture} ${f.webgpu.description}`.trim() +
    (f.webgpu.isFallbackAdapter ? ' (software fallback)' : '') : 'none';
  el.innerHTML =
    `<table class="measure"><thead><tr><th>backend</th><th>decode t/s measured</th><th>predicted</th>` +
    `<th>ratio</th><th>prefill t/s measured</th><th>predicted</th><th>bandwidth</th></tr></thead>` +
    `<tbody>${rows || '<tr><td colspan="7">no backend ran</td></tr>'}</tbody></table>` +
    `<p>Model: ${esc(m.id)} shape at ${esc(m.type || '?')}, ${m.n_layer} of ${m.n_layer_full} layers` +
    `${m.n_vocab !== m.n_vocab_full ? `, vocabulary ${m.n_vocab} of ${m.n_vocab_full}` : ''}, ` +
    `${m.bytes ? fmt(m.bytes / MiB) + ' MiB' : '?'}; tokens/s are for this scaled model.</p>` +
    `<p>Detected: WebGPU ${esc(gpu)}; SIMD ${f.simd ? 'yes' : 'no'}; threads ${f.threads}` +
    ` (cross-origin isolated: ${f.crossOriginIsolated ? 'yes' : 'no'}); cores ${f.hardwareConcurrency};` +
    ` memory ${f.deviceMemoryGiB ? f.deviceMemoryGiB + ' GiB' : 'unknown'}.</p>` +
    (skipped ? `<ul class="measure-skipped">${skipped}</ul>` : '') +
    (notes ? `<ul class="measure-notes">${notes}</ul>` : '');
}
