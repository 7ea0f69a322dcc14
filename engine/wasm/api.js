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
      const h = call('llmcap_eng_load', 'number', ['number', 'number'], [p, bytes.length]);
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
    return { loadModel, maxThreads };
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
