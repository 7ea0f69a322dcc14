/* api_webgpu.js - the JS API of the WebGPU WASM build
 * (build/wasm/llmcap-engine-webgpu.{js,wasm}; exports in engine/webgpu/wasm_webgpu.c).
 *
 *   // node: const factory = require('./llmcap-engine-webgpu.js'), gpu = create([]) of npm `webgpu`
 *   // page: <script src="llmcap-engine-webgpu.js"> (global createLlmcapEngineWebGPU), gpu = navigator.gpu
 *   const engine = await LlmcapWebGPU.create({factory, gpu, wasmBinary});  // gpu, wasmBinary optional
 *   engine.adapterInfo                 -> what JS saw: {vendor, architecture, device, description, isFallbackAdapter}
 *   await engine.adapter()             -> the C side's view: {..., backend: "webgpu", limits: {...}}
 *   const model = await engine.loadModel(bytes)        // Uint8Array | ArrayBuffer; throws Error on bad files
 *   await model.info(), await model.tokenize('Hello world')
 *   const ctx = await model.createContext({backend: 'webgpu', nCtx: 512, nBatch: 0, kvF32: true})
 *   await ctx.generate({ids | prompt, n: 16})          -> {tokens, promptLogits: Float32Array, prompt_ms, gen_ms}
 *   await ctx.decode(ids); await ctx.logits()          -> Float32Array(n_vocab) of the last token decoded
 *                                                         (by decode: generate keeps only promptLogits)
 *   await ctx.reset(); await ctx.info(); await ctx.free()
 *   await model.bench({backend: 'webgpu', nPrompt: 64, nGen: 32, reps: 3}) -> llama-bench-style rows
 *   await model.free()
 *
 * Every method is async: the module is linked with -sASYNCIFY and the WebGPU
 * layer waits by yielding to the event loop, so calls go through ccall
 * {async: true}; they are queued here so that no two are ever in flight at
 * once (Asyncify allows one). The GPU device is made here (the adapter's
 * limits are requested, so storage bindings may be as large as the adapter
 * allows) and handed to the module as Module.preinitializedWebGPUDevice, with
 * the adapter's description as Module.llmcapAdapterInfo (read by
 * engine/webgpu/wg_emscripten.c).
 * Works in node (CommonJS) and in a page (global LlmcapWebGPU).
 */
(function (root) {
  'use strict';

  /* limits the engine cares about, asked for by name when the adapter's
   * limits object does not enumerate its attributes */
  const LIMIT_NAMES = ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage',
    'maxUniformBufferBindingSize', 'maxBindGroups', 'maxDynamicUniformBuffersPerPipelineLayout'];

  /* The adapter's description as plain data (GPUAdapterInfo's attributes live
   * on its prototype; older browsers had requestAdapterInfo() and
   * adapter.isFallbackAdapter). */
  async function describeAdapter(adapter) {
    let info = adapter.info;
    if (!info && typeof adapter.requestAdapterInfo === 'function') info = await adapter.requestAdapterInfo();
    info = info || {};
    const fallback = info.isFallbackAdapter !== undefined ? info.isFallbackAdapter : adapter.isFallbackAdapter;
    return {
      vendor: info.vendor || '', architecture: info.architecture || '', device: info.device || '',
      description: info.description || '', isFallbackAdapter: !!fallback,
      vendorId: info.vendorID || info.vendorId || 0, deviceId: info.deviceID || info.deviceId || 0,
    };
  }

  /* {gpu, adapter, device, info}: a device with all of the adapter's limits.
   * gpu: navigator.gpu, or npm webgpu's create([...]); throws when there is none. */
  async function requestDevice(gpu, options) {
    const o = options || {};
    gpu = gpu || (typeof navigator !== 'undefined' ? navigator.gpu : undefined);
    if (!gpu) throw new Error('WebGPU is not available: no navigator.gpu and no gpu object given');
    const adapter = await gpu.requestAdapter(Object.assign({ powerPreference: 'high-performance' }, o.adapterOptions));
    if (!adapter) throw new Error('WebGPU: no adapter (in Chromium, --enable-unsafe-webgpu may be needed)');
    const info = await describeAdapter(adapter);
    const requiredLimits = {};
    const names = new Set(LIMIT_NAMES);
    for (const k in adapter.limits) names.add(k);
    for (const k of names) {
      const v = adapter.limits[k];
      if (typeof v === 'number' && Number.isFinite(v)) requiredLimits[k] = v;
    }
    const device = await adapter.requestDevice({ requiredLimits });
    /* gpu is kept with the device: in node, npm webgpu's instance must stay
     * reachable while its devices are used (a collected instance crashes the
     * process) */
    return { gpu, adapter, device, info };
  }

  /* An engine on a new module instance. o.factory: createLlmcapEngineWebGPU;
   * o.gpu: as requestDevice; o.device + o.adapterInfo: use this device instead;
   * o.wasmBinary: the .wasm bytes (node); o.moduleArgs: more Module fields. */
  async function create(o) {
    if (!o || typeof o.factory !== 'function') throw new Error('LlmcapWebGPU.create: need {factory}');
    const dev = o.device ? { gpu: o.gpu, device: o.device, info: o.adapterInfo || {} } : await requestDevice(o.gpu, o);
    const args = Object.assign({}, o.moduleArgs || {}, {
      preinitializedWebGPUDevice: dev.device,
      llmcapAdapterInfo: dev.info,
      llmcapGpu: dev.gpu,   /* keeps node's GPU instance alive as long as the module */
    });
    if (o.wasmBinary) args.wasmBinary = o.wasmBinary;
    const M = await o.factory(args);
    return wrap(M, dev);
  }

  function wrap(M, dev) {
    let chain = Promise.resolve();
    /* run fn after every call queued before it; fn may await module calls */
    const serial = (fn) => {
      const p = chain.then(fn);
      chain = p.then(() => {}, () => {});
      return p;
    };
    const call = (name, ret, types, args) => M.ccall(name, ret, types, args, { async: true });
    const lastError = () => M.UTF8ToString(M.ccall('llmcap_wgpu_last_error', 'number', [], []));
    const jsonOrThrow = (ptr) => {
      if (!ptr) throw new Error(lastError());
      return JSON.parse(M.UTF8ToString(ptr));
    };
    const alloc = (n) => {
      const p = M.ccall('llmcap_wgpu_alloc', 'number', ['number'], [n]);
      if (!p) throw new Error('out of WASM memory for ' + n + ' bytes');
      return p;
    };
    const free = (p) => M.ccall('llmcap_wgpu_free', null, ['number'], [p]);
    const putIds = (ids) => {
      const p = alloc(Math.max(1, ids.length) * 4);
      M.HEAP32.set(Int32Array.from(ids), p >> 2);
      return p;
    };

    const adapter = () => serial(async () => jsonOrThrow(await call('llmcap_wgpu_adapter', 'number', [], [])));

    function loadModel(bytes) {
      return serial(async () => {
        if (!(bytes instanceof Uint8Array)) bytes = new Uint8Array(bytes);
        const p = alloc(bytes.length);
        M.HEAPU8.set(bytes, p);
        const h = await call('llmcap_wgpu_load', 'number', ['number', 'number'], [p, bytes.length]);
        if (h < 0) throw new Error(lastError());
        return modelApi(h);
      });
    }

    function modelApi(h) {
      let nVocab = 0;
      const info = () => serial(async () => {
        const i = jsonOrThrow(await call('llmcap_wgpu_info', 'number', ['number'], [h]));
        nVocab = i.n_vocab;
        return i;
      });
      const tokenize = (text, addSpecial = true) => serial(async () => jsonOrThrow(await call('llmcap_wgpu_tokenize',
        'number', ['number', 'string', 'number'], [h, text, addSpecial ? 1 : 0])));
      const bench = (o = {}) => serial(async () => jsonOrThrow(await call('llmcap_wgpu_bench', 'number',
        ['number', 'string', 'number', 'number', 'number'],
        [h, o.backend || 'webgpu', o.nPrompt ?? 64, o.nGen ?? 32, o.reps ?? 3])));
      const freeModel = () => serial(() => call('llmcap_wgpu_unload', null, ['number'], [h]));

      async function createContext(o = {}) {
        if (!nVocab) await info();
        return serial(async () => {
          const c = await call('llmcap_wgpu_ctx_create', 'number', ['number', 'string', 'number', 'number', 'number'],
            [h, o.backend || 'webgpu', o.nCtx || 0, o.nBatch || 0, o.kvF32 ? 1 : 0]);
          if (c < 0) throw new Error(lastError());
          return ctxApi(c, nVocab);
        });
      }
      return { handle: h, info, tokenize, bench, createContext, free: freeModel };

      function ctxApi(c, V) {
        const ctxInfo = () => serial(async () => jsonOrThrow(await call('llmcap_wgpu_ctx_info', 'number', ['number'], [c])));
        const reset = () => serial(() => call('llmcap_wgpu_reset', null, ['number'], [c]));
        const freeCtx = () => serial(() => call('llmcap_wgpu_ctx_free', null, ['number'], [c]));
        const readLogits = async () => {
          const out = alloc(V * 4);
          try {
            const rc = await call('llmcap_wgpu_logits', 'number', ['number', 'number'], [c, out]);
            if (rc !== 0) throw new Error(lastError());
            return new Float32Array(M.HEAPF32.buffer.slice(out, out + V * 4));
          } finally {
            free(out);
          }
        };
        const decode = (ids) => serial(async () => {
          const p = putIds(ids);
          try {
            const rc = await call('llmcap_wgpu_decode', 'number', ['number', 'number', 'number'], [c, p, ids.length]);
            if (rc !== 0) throw new Error(lastError());
          } finally {
            free(p);
          }
        });
        const logits = () => serial(readLogits);
        async function generate(o) {
          const ids = o.ids || await tokenize(o.prompt, true);
          return serial(async () => {
            const n = o.n ?? 16;
            const p = putIds(ids), outIds = alloc(Math.max(1, n) * 4), outLogits = alloc(V * 4);
            try {
              const r = await call('llmcap_wgpu_generate', 'number',
                ['number', 'number', 'number', 'number', 'number', 'number'], [c, p, ids.length, n, outIds, outLogits]);
              const res = jsonOrThrow(r);
              res.tokens = Array.from(M.HEAP32.subarray(outIds >> 2, (outIds >> 2) + res.n_gen));
              res.promptLogits = new Float32Array(M.HEAPF32.buffer.slice(outLogits, outLogits + V * 4));
              return res;
            } finally {
              free(p); free(outIds); free(outLogits);
            }
          });
        }
        return { handle: c, info: ctxInfo, reset, decode, logits, generate, free: freeCtx };
      }
    }

    return { module: M, gpu: dev.gpu, device: dev.device, adapterInfo: dev.info, adapter, loadModel, lastError };
  }

  const api = { create, requestDevice, describeAdapter, wrap };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.LlmcapWebGPU = api;
})(typeof self !== 'undefined' ? self : this);
