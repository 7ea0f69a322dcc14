/* measure-worker.js - one engine backend measured in a Web Worker (a classic
 * worker: the engine builds are Emscripten -sMODULARIZE scripts loaded with
 * importScripts). web/measure.js starts one worker per backend and ends it
 * when its run is done, so each module's heap (which holds a copy of the
 * model) is released before the next one starts.
 *
 * Message in (one per worker):
 *   {backend: 'cpu' | 'cpu-mt' | 'webgpu',
 *    base: URL of the folder with llmcap-engine{,-mt,-webgpu}.js/.wasm, api.js, api_webgpu.js,
 *    gen: {arch, n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab, head_dim, tied, types: ['Q4_K_M', 'Q4_0'],
 *          seed}               make the model here (CPU builds only); the first type mkmodel accepts wins
 *    bytes: ArrayBuffer        or load this GGUF image
 *    returnBytes: bool         post the generated image back (for the next backend)
 *    nThreads, nPrompt, nGen, reps, membwMiB (0 = skip the bandwidth measurement),
 *    allowFallbackAdapter: bool (WebGPU on a software adapter such as SwiftShader)}
 * Messages out:
 *   {type: 'progress', text}
 *   {type: 'done', backend, info, type_used, gen_ms, bytes?, run: {pp_ts, tg_ts, rows, n_threads},
 *    membw?: {triad_gbps, read_gbps, ...} (CPU: the engine's STREAM triad; WebGPU: a buffer-copy rate),
 *    adapter?: {...}}
 *   {type: 'skip', backend, reason}     (WebGPU: no adapter, or only a software one)
 *   {type: 'error', backend, message}
 */
'use strict';

const progress = (text) => self.postMessage({ type: 'progress', text });

/* the pp and tg rows of a llama-bench-style result */
function ppTg(rows) {
  const pp = rows.find((r) => r.n_prompt > 0 && r.n_gen === 0);
  const tg = rows.find((r) => r.n_gen > 0 && r.n_prompt === 0);
  return { pp_ts: pp ? pp.avg_ts : null, tg_ts: tg ? tg.avg_ts : null, rows };
}

/* the model from the message: generated here, or loaded from m.bytes */
function cpuModel(engine, m, out) {
  if (m.bytes) {
    out.type_used = m.type_used || null;
    return engine.loadModel(new Uint8Array(m.bytes));
  }
  const g = m.gen;
  let lastErr = null;
  for (const type of g.types) {
    try {
      const t0 = performance.now();
      const o = Object.assign({}, g, { type, nThreads: m.nThreads });
      let model;
      if (m.returnBytes) {
        const bytes = engine.mkmodel(o);
        out.bytes = bytes.buffer;
        model = engine.loadModel(bytes);
      } else {
        model = engine.mkmodelLoad(o);
      }
      out.gen_ms = performance.now() - t0;
      out.type_used = type;
      return model;
    } catch (e) {
      lastErr = e;   /* e.g. K-quant blocks of 256 do not divide n_embd: try the next type */
      progress(`mkmodel ${type}: ${e.message}`);
    }
  }
  throw lastErr || new Error('mkmodel: no type given');
}

async function runCpu(m) {
  const mt = m.backend === 'cpu-mt';
  const script = mt ? 'llmcap-engine-mt.js' : 'llmcap-engine.js';
  importScripts(m.base + script, m.base + 'api.js');
  /* the pthreads build starts its workers from mainScriptUrlOrBlob (in a
   * worker Emscripten cannot find its own URL) */
  const M = await self.createLlmcapEngine({
    locateFile: (p) => m.base + p,
    mainScriptUrlOrBlob: m.base + script,
    print: () => {}, printErr: () => {},
  });
  const engine = self.LlmcapEngineApi.wrap(M, { nThreads: m.nThreads || 1 });
  const out = { type: 'done', backend: m.backend };
  progress(m.bytes ? `${m.backend}: loading the model` : `${m.backend}: generating the model`);
  const model = cpuModel(engine, m, out);
  out.info = model.info();
  const nThreads = Math.min(engine.maxThreads, m.nThreads || 1);
  if (m.membwMiB > 0) {
    progress(`${m.backend}: memory bandwidth (STREAM triad, ${nThreads} thread${nThreads > 1 ? 's' : ''})`);
    try { out.membw = engine.membw({ arrayMiB: m.membwMiB, reps: 3, nThreads }); } catch (e) { out.membw_error = e.message; }
  }
  progress(`${m.backend}: bench pp${m.nPrompt} tg${m.nGen} x${m.reps}, ${nThreads} thread${nThreads > 1 ? 's' : ''}`);
  out.run = Object.assign(ppTg(model.bench({ nPrompt: m.nPrompt, nGen: m.nGen, reps: m.reps, nThreads })),
    { n_threads: nThreads });
  model.free();
  return out;
}

/* Buffer-copy rate of the device (GB/s, 10^9 bytes/s, read + write counted):
 * `copies` copies of a size-byte buffer in one submission, timed from submit
 * to onSubmittedWorkDone, best of reps after one warm-up. A stand-in for the
 * memory bandwidth the decode shaders see: the engine exposes no GPU
 * bandwidth test of its own. */
async function gpuCopyGbps(device, sizeBytes, copies, reps) {
  const usage = GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
  const a = device.createBuffer({ size: sizeBytes, usage }), b = device.createBuffer({ size: sizeBytes, usage });
  let best = Infinity;
  try {
    for (let r = -1; r < reps; r++) {
      const enc = device.createCommandEncoder();
      for (let i = 0; i < copies; i++) {
        if (i & 1) enc.copyBufferToBuffer(b, 0, a, 0, sizeBytes);
        else enc.copyBufferToBuffer(a, 0, b, 0, sizeBytes);
      }
      const t0 = performance.now();
      device.queue.submit([enc.finish()]);
      await device.queue.onSubmittedWorkDone();
      const dt = (performance.now() - t0) / 1e3;
      if (r >= 0 && dt < best) best = dt;
    }
  } finally {
    a.destroy();
    b.destroy();
  }
  return { copy_gbps: (2 * sizeBytes * copies) / best / 1e9, bytes: sizeBytes, copies };
}

async function runWebGPU(m) {
  if (!self.navigator || !navigator.gpu) return { type: 'skip', backend: 'webgpu', reason: 'no navigator.gpu in a worker' };
  importScripts(m.base + 'llmcap-engine-webgpu.js', m.base + 'api_webgpu.js');
  let dev;
  try {
    dev = await self.LlmcapWebGPU.requestDevice(navigator.gpu);
  } catch (e) {
    return { type: 'skip', backend: 'webgpu', reason: e.message };
  }
  if (dev.info.isFallbackAdapter && !m.allowFallbackAdapter) {
    dev.device.destroy();
    return { type: 'skip', backend: 'webgpu', adapter: dev.info,
      reason: 'only a software (fallback) adapter: it would measure the CPU emulating a GPU' };
  }
  const out = { type: 'done', backend: 'webgpu', adapter: dev.info };
  if (m.membwMiB > 0) {
    progress('webgpu: buffer-copy bandwidth');
    const size = Math.min(m.membwMiB * 2 ** 20, dev.adapter.limits.maxBufferSize || 2 ** 28) & ~3;
    try { out.membw = await gpuCopyGbps(dev.device, size, 8, 3); } catch (e) { out.membw_error = e.message; }
  }
  const engine = await self.LlmcapWebGPU.create({
    factory: self.createLlmcapEngineWebGPU, device: dev.device, adapterInfo: dev.info, gpu: navigator.gpu,
    moduleArgs: { locateFile: (p) => m.base + p, print: () => {}, printErr: () => {} },
  });
  progress('webgpu: loading the model');
  out.type_used = m.type_used || null;
  const model = await engine.loadModel(new Uint8Array(m.bytes));
  out.info = await model.info();
  try { out.adapter_engine = await engine.adapter(); } catch (e) { /* the JS view above suffices */ }
  progress(`webgpu: bench pp${m.nPrompt} tg${m.nGen} x${m.reps}`);
  out.run = ppTg(await model.bench({ backend: 'webgpu', nPrompt: m.nPrompt, nGen: m.nGen, reps: m.reps }));
  await model.free();
  return out;
}

self.onmessage = async (ev) => {
  const m = ev.data;
  try {
    const out = m.backend === 'webgpu' ? await runWebGPU(m) : await runCpu(m);
    self.postMessage(out, out.bytes ? [out.bytes] : []);
  } catch (e) {
    self.postMessage({ type: 'error', backend: m.backend, message: String((e && e.message) || e) });
  }
};
