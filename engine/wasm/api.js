/* api.js - a small JS API over the engine's WASM exports (engine/wasm.c).
 *
 *   const factory = require('./llmcap-engine.js');          // or a <script> tag in a page
 *   const M = await factory({ wasmBinary });                 // Emscripten module
 *   const engine = LlmcapEngineApi.wrap(M, { nThreads: 2 });  // options optional
 *   const model = engine.loadModel(new Uint8Array(arrayBuffer));   // throws Error on bad files
 *   model.info()                        -> {arch, n_vocab, n_params, model_size, simd, max_threads, ...}
 *   model.tokenize('Hello world')       -> [1, 15043, 3186]
 *   model.generate({prompt | ids, n: 16, temp: 0, topK: 40, topP: 0.95, seed: 1, kvF32: false, nThreads})
 *                                       -> {tokens, text, top5, prompt_ms, gen_ms}
 *   model.logits(ids, {kvF32, nThreads}) -> Float32Array(n_vocab) of the last position
 *   model.bench({nPrompt: 64, nGen: 32, reps: 3, nThreads}) -> llama-bench-style rows
 *   model.free()
 *   engine.maxThreads                   -> threads a call can use (1 unless the module is
 *                                          llmcap-engine-mt.js, the pthreads build)
 *   engine.mkmodel({arch: 'llama', n_embd, n_layer, n_head, n_head_kv, n_ff, n_vocab, head_dim: 0,
 *                   n_ctx: 0, tied: false, type: 'Q4_0', seed: 42, nThreads})
 *                                       -> Uint8Array: a synthetic GGUF (engine/mkmodel.h), made in
 *                                          the module's heap and copied out (for another module)
 *   engine.mkmodelLoad({...same})       -> a model as loadModel's, without the copy
 *   engine.membw({arrayMiB: 32, reps: 3, nThreads}) -> {triad_gbps, read_gbps, array_bytes, n_threads}
 * nThreads (per call, else wrap's, else 1) is clamped to [1, maxThreads]. The
 * pthreads build needs SharedArrayBuffer: in a page that means a
 * cross-origin-isolated one (COOP same-origin + COEP require-corp), and the
 * calls should run in a Worker (the main thread may not block).
 * Works in node (CommonJS) and in a page (global LlmcapEngineApi).
 */
(function (root) {
  'use strict';
  function wrap(M, opts = {}) {
    const call = (name, ret, types, args) => M.ccall(name, ret, types, args);
    const maxThreads = call('llmcap_eng_max_threads', 'number', [], []);
    const threads = (o) => Math.max(1, Math.min(maxThreads, Math.floor(o.nThreads ?? opts.nThreads ?? 1)));
    const lastError = () => M.UTF8ToString(call('llmcap_eng_last_error', 'number', [], []));
    const jsonOrThrow = (ptr) => {
      if (!ptr) throw new Error(lastError());
      return JSON.parse(M.UTF8ToString(ptr));
    };
    function withIds(ids, fn) {
      const p = call('llmcap_eng_alloc', 'number', ['number'], [Math.max(1, ids.length) * 4]);
      try {
        M.HEAP32.set(Int32Array.from(ids), p >> 2);
        return fn(p);
      } finally {
        call('llmcap_eng_free', null, ['number'], [p]);
      }
    }
    function loadModel(bytes) {
      if (!(bytes instanceof Uint8Array)) bytes = new Uint8Array(bytes);
      const p = call('llmcap_eng_alloc', 'number', ['number'], [bytes.length]);
      if (!p) throw new Error('out of memory for a ' + bytes.length + '-byte model');
      M.HEAPU8.set(bytes, p);
      return loadHeap(p, bytes.length);
    }
    /* a model from a GGUF image at heap pointer p (len bytes); the module takes p */
    function loadHeap(p, len) {
      const h = call('llmcap_eng_load', 'number', ['number', 'number'], [p, len]);
      if (h < 0) throw new Error(lastError());
      const info = () => jsonOrThrow(call('llmcap_eng_info', 'number', ['number'], [h]));
      const tokenize = (text, addSpecial = true) =>
        jsonOrThrow(call('llmcap_eng_tokenize', 'number', ['number', 'string', 'number'], [h, text, addSpecial ? 1 : 0]));
      function generate(o) {
        const ids = o.ids || tokenize(o.prompt, true);
        const r = withIds(ids, (p) => call('llmcap_eng_generate', 'number',
          ['number', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number',
           'number'],
          [h, p, ids.length, o.n ?? 16, o.temp ?? 0, o.topK ?? 40, o.topP ?? 0.95, o.seed ?? 0, o.nCtx ?? 0,
           o.kvF32 ? 1 : 0, o.stopAtEog ? 1 : 0, threads(o)]));
        const out = jsonOrThrow(r);
        out.text = Buffer_or_decoder(out.text);
        return out;
      }
      function logits(ids, o = {}) {
        const n = info().n_vocab;
        const out = call('llmcap_eng_alloc', 'number', ['number'], [n * 4]);
        try {
          const rc = withIds(ids, (p) => call('llmcap_eng_logits', 'number',
            ['number', 'number', 'number', 'number', 'number', 'number'],
            [h, p, ids.length, o.kvF32 ? 1 : 0, out, threads(o)]));
          if (rc !== 0) throw new Error(lastError());
          return new Float32Array(M.HEAPF32.buffer.slice(out, out + n * 4));
        } finally {
          call('llmcap_eng_free', null, ['number'], [out]);
        }
      }
      const bench = (o = {}) => jsonOrThrow(call('llmcap_eng_bench', 'number',
        ['number', 'number', 'number', 'number', 'number'], [h, o.nPrompt ?? 64, o.nGen ?? 32, o.reps ?? 3, threads(o)]));
      const free = () => call('llmcap_eng_unload', null, ['number'], [h]);
      return { info, tokenize, generate, logits, bench, free };
    }
    /* the synthetic GGUF of o's dimensions in the heap: {ptr, len} (ptr owned by the caller) */
    function mkmodelRaw(o) {
      const lenPtr = call('llmcap_eng_alloc', 'number', ['number'], [8]);
      try {
        M.HEAPU32[lenPtr >> 2] = 0;
        const p = call('llmcap_eng_mkmodel', 'number',
          ['string', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'number', 'string',
           'number', 'number', 'number'],
          [o.arch || 'llama', o.n_embd, o.n_layer, o.n_head, o.n_head_kv ?? o.n_head, o.n_ff, o.n_vocab,
           o.head_dim ?? 0, o.n_ctx ?? 0, o.tied ? 1 : 0, o.type || 'Q4_0', o.seed ?? 42, threads(o), lenPtr]);
        if (!p) throw new Error(lastError());
        return { ptr: p, len: M.HEAPU32[lenPtr >> 2] };   /* wasm32: size_t is 32 bits */
      } finally {
        call('llmcap_eng_free', null, ['number'], [lenPtr]);
      }
    }
    function mkmodel(o) {
      const { ptr, len } = mkmodelRaw(o);
      const out = M.HEAPU8.slice(ptr, ptr + len);
      call('llmcap_eng_free', null, ['number'], [ptr]);
      return out;
    }
    function mkmodelLoad(o) {
      const { ptr, len } = mkmodelRaw(o);
      return loadHeap(ptr, len);
    }
    const membw = (o = {}) => jsonOrThrow(call('llmcap_eng_membw', 'number', ['number', 'number', 'number'],
      [threads(o), o.arrayMiB ?? 32, o.reps ?? 3]));
    return { loadModel, mkmodel, mkmodelLoad, membw, maxThreads };
  }
  /* the C side returns the raw bytes of the text as JSON code points < 256
   * wherever they were >= 0x80; turn them back into UTF-8 text */
  function Buffer_or_decoder(s) {
    const bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i) & 0xff;
    return new TextDecoder('utf-8').decode(bytes);
  }
  const api = { wrap };
  if (typeof module !== 'undefined' && module.exports) module.exports = api;
  else root.LlmcapEngineApi = api;
})(typeof self !== 'undefined' ? self : this);
