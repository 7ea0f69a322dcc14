/* estimator.js - the JS API of llmcap's estimator compiled to WebAssembly
 * (build/wasm/llmcap-estimator.{js,wasm}, estimator/wasm/estimator_wasm.c).
 * Works in node (CommonJS: require('./estimator.js')) and in browsers (a
 * plain <script>: the global LlmcapEstimator). The data (hardware, models) is
 * inside the module: no fetch, works offline.
 *
 *   const est = await LlmcapEstimator.create({
 *       factory: createLlmcapEstimator,  // from llmcap-estimator.js (node: require('./llmcap-estimator.js'))
 *       wasmBinary,                      // optional: the bytes of llmcap-estimator.wasm
 *       locateFile,                      // optional: (name, prefix) => URL of the .wasm
 *   });
 * After create every method is synchronous.
 *
 *   est.version                      "0.1.0"
 *   est.options()                    [{name, cli, help}]: the option table (llmcap_option_*): name is the
 *                                    canonical key ("n_ctx"), cli the command-line spellings ("ctx,c,n-ctx")
 *   est.list(kind)                   kind 'models' | 'hardware' | 'quants': the array `llmcap list KIND --json` prints
 *   est.estimate(opts)               the object `llmcap estimate --json` prints for the same options
 *   est.fit(opts)                    the object `llmcap fit --json` prints
 *   est.estimateText(opts), est.fitText(opts)
 *                                    the same as text, byte for byte what the CLI prints (without its newline)
 *       opts: {name: value, ...}: option names (canonical or any CLI spelling: n_ctx, ctx, c; n_gpu, gpus;
 *       hf_config, 'hf-config'; ...), applied in order; values are strings or numbers (booleans: on/off).
 *       Example: {model: 'llama-3.1-8b', hardware: 'rtx-4090', quant: 'Q4_K_M', ctx: 8192, fa: 'on', ngl: 20}.
 *       Bad input throws Error(message) with the library's message (the CLI's text after "llmcap: ");
 *       err.status is the llmcap_status name ('invalid argument', 'not found', 'parse error', ...).
 *
 *   est.setGguf(bytes, fileSize, name?)
 *       bytes: Uint8Array, a prefix of the GGUF file holding its whole header (metadata + tensor infos);
 *       fileSize: the file's size in bytes; name: the file name (labels; default 'model.gguf').
 *       Returns a summary {label, name, arch, n_layer, n_ctx_train, n_expert, params, n_tensors, exact,
 *       file_type}. Afterwards opts {gguf: '@gguf'} estimate this file. When the header continues past
 *       the bytes given it throws an Error saying more bytes are needed, with err.needBytes = how many
 *       to read (then call again with a larger slice).
 *   est.setHfConfig(text, name?)     a config.json text; returns the same summary; opts {'hf-config': '@hf'}
 *   est.setProfile(text, name?)      a calibration profile's JSON (llmcap calibrate -o FILE); returns
 *                                    {name, created, engines, classes}; opts {profile: '@profile'} use it
 *                                    (with {engine: 'llmcap-engine/webgpu'} for an engine section). Throws
 *                                    the CLI's --profile message on a bad profile. setProfile('') clears it.
 *   est.defaultProfile()             the built-in profile (data/profile.json) as an object
 *
 *   est.classic: the quick formulas (llmcap_classic_* in estimator/llmcap.h); invalid input gives NaN
 *     .vramBytes(paramsB, bitsPerWeight, nCtx, batch)     bytes (params in billions; n_ctx tokens per sequence)
 *     .tokS(bandwidthGbps, modelBytes, cpuFactor)          decode tokens/s (GB/s = 10^9 B/s; factor in (0, 1])
 *     .tokSCurve(bandwidthGbps, paramsB, bitsArray)        tokens/s for each bits-per-weight (array; null if invalid)
 *     .offloadBandwidthGbps(gpuBwGbps, ramBwGbps, gpuLayers, totalLayers)   effective GB/s
 *     .oomCheck(modelBytes, vramBytes, ramBytes, allowOffload)   'fits-vram' | ... (llmcap_oom_name)
 *     .cpuFactor(nThreads, nCores)                         CPU decode factor in (0, 1]
 *
 *   est.benchEstimates(reps)        runs reps x 5000 full estimates (for bench/estimator_wasm.js); checksum
 */
(function (root, factory) {
  if (typeof module === 'object' && module.exports) module.exports = factory();
  else root.LlmcapEstimator = factory();
})(typeof self !== 'undefined' ? self : this, function () {
  'use strict';

  const STATUS = ['ok', 'invalid argument', 'not found', 'parse error', 'I/O error', 'out of memory', 'unsupported'];

  function wrap(M) {
    const fn = (name, ret, args) => M.cwrap(name, ret, args);
    const c = {
      init: fn('llmcap_wasm_init', 'number', []),
      lastError: fn('llmcap_wasm_last_error', 'string', []),
      lastStatus: fn('llmcap_wasm_last_status', 'number', []),
      lastNeed: fn('llmcap_wasm_last_need_bytes', 'number', []),
      version: fn('llmcap_wasm_version', 'string', []),
      options: fn('llmcap_wasm_options', 'string', []),
      list: fn('llmcap_wasm_list', 'string', ['string', 'number']),
      estimate: fn('llmcap_wasm_estimate', 'string', ['string', 'number']),
      fit: fn('llmcap_wasm_fit', 'string', ['string', 'number']),
      setGguf: fn('llmcap_wasm_set_gguf', 'string', ['number', 'number', 'number', 'string']),
      setHf: fn('llmcap_wasm_set_hf_config', 'string', ['string', 'number', 'string']),
      setProfile: fn('llmcap_wasm_set_profile', 'string', ['string', 'number', 'string']),
      defaultProfile: fn('llmcap_wasm_default_profile', 'string', []),
      vram: fn('llmcap_wasm_classic_vram_bytes', 'number', ['number', 'number', 'number', 'number']),
      tokS: fn('llmcap_wasm_classic_tok_s', 'number', ['number', 'number', 'number']),
      curve: fn('llmcap_wasm_classic_tok_s_curve', 'number', ['number', 'number', 'number', 'number', 'number']),
      offload: fn('llmcap_wasm_classic_offload_bandwidth_gbps', 'number', ['number', 'number', 'number', 'number']),
      oom: fn('llmcap_wasm_classic_oom_check', 'string', ['number', 'number', 'number', 'number']),
      cpu: fn('llmcap_wasm_classic_cpu_factor', 'number', ['number', 'number']),
      bench: fn('llmcap_wasm_bench_estimates', 'number', ['number']),
    };

    /* the library's message as an Error */
    const fail = () => {
      const e = new Error(c.lastError());
      e.status = STATUS[c.lastStatus()] || 'error';
      const need = c.lastNeed();
      if (need > 0) e.needBytes = need;
      return e;
    };
    /* a NULL char * arrives as '' (UTF8ToString(0)); no success is empty */
    const check = (s) => { if (s === null || s === '') throw fail(); return s; };

    /* opts -> JSON object of strings, in the caller's key order */
    const optsJson = (opts) => {
      if (opts === null || typeof opts !== 'object' || Array.isArray(opts))
        throw new Error('options must be an object of option names and values');
      const o = {};
      for (const k of Object.keys(opts)) {
        const v = opts[k];
        if (v === undefined || v === null) o[k] = null;
        else if (typeof v === 'boolean') o[k] = v ? 'on' : 'off';
        else o[k] = String(v); /* numbers as JS prints them: NaN, -5, 1e+21 fail as the CLI's text would */
      }
      return JSON.stringify(o);
    };

    const num = (x) => (typeof x === 'number' ? x : Number(x));
    const strlen = (s) => {
      /* UTF-8 byte length */
      let n = 0;
      for (let i = 0; i < s.length; i++) {
        const u = s.charCodeAt(i);
        if (u < 0x80) n += 1;
        else if (u < 0x800) n += 2;
        else if (u >= 0xd800 && u < 0xdc00) { n += 4; i++; }
        else n += 3;
      }
      return n;
    };

    if (c.init() !== 0) throw fail();

    const est = {
      version: c.version(),
      options: () => JSON.parse(check(c.options())),
      list: (kind) => JSON.parse(check(c.list(String(kind), 0))),
      estimate: (opts) => JSON.parse(check(c.estimate(optsJson(opts), 0))),
      fit: (opts) => JSON.parse(check(c.fit(optsJson(opts), 0))),
      estimateText: (opts) => check(c.estimate(optsJson(opts), 1)),
      fitText: (opts) => check(c.fit(optsJson(opts), 1)),
      listText: (kind) => check(c.list(String(kind), 1)),
      setGguf(bytes, fileSize, name) {
        if (!(bytes instanceof Uint8Array)) throw new Error('setGguf: bytes must be a Uint8Array');
        const size = fileSize === undefined ? bytes.length : num(fileSize);
        const p = M._malloc(Math.max(1, bytes.length));
        if (!p) throw new Error('setGguf: out of memory');
        try {
          M.HEAPU8.set(bytes, p);
          return JSON.parse(check(c.setGguf(p, bytes.length, size, name ? String(name) : '')));
        } finally {
          M._free(p);
        }
      },
      setHfConfig(text, name) {
        const t = String(text);
        return JSON.parse(check(c.setHf(t, strlen(t), name ? String(name) : '')));
      },
      setProfile(text, name) {
        const t = text == null ? '' : String(text);
        return JSON.parse(check(c.setProfile(t, strlen(t), name ? String(name) : '')));
      },
      defaultProfile: () => JSON.parse(check(c.defaultProfile())),
      classic: {
        vramBytes: (paramsB, bitsPerWeight, nCtx, batch) => c.vram(num(paramsB), num(bitsPerWeight), num(nCtx), num(batch)),
        tokS: (bandwidthGbps, modelBytes, cpuFactor) => c.tokS(num(bandwidthGbps), num(modelBytes), num(cpuFactor)),
        tokSCurve(bandwidthGbps, paramsB, bits) {
          const arr = Array.from(bits || [], num);
          const n = arr.length;
          const pin = M._malloc(Math.max(8, n * 8)), pout = M._malloc(Math.max(8, n * 8));
          try {
            M.HEAPF64.set(arr, pin >> 3);
            if (!c.curve(num(bandwidthGbps), num(paramsB), pin, n, pout)) return null;
            return Array.from(M.HEAPF64.subarray(pout >> 3, (pout >> 3) + n));
          } finally {
            M._free(pin);
            M._free(pout);
          }
        },
        offloadBandwidthGbps: (gpuBwGbps, ramBwGbps, gpuLayers, totalLayers) =>
          c.offload(num(gpuBwGbps), num(ramBwGbps), num(gpuLayers), num(totalLayers)),
        oomCheck: (modelBytes, vramBytes, ramBytes, allowOffload) =>
          c.oom(num(modelBytes), num(vramBytes), num(ramBytes), allowOffload ? 1 : 0),
        cpuFactor: (nThreads, nCores) => c.cpu(num(nThreads), num(nCores)),
      },
      benchEstimates: (reps) => {
        const s = c.bench(num(reps));
        if (Number.isNaN(s)) throw fail();
        return s;
      },
    };
    return est;
  }

  async function create(o) {
    o = o || {};
    let factory = o.factory;
    if (!factory && typeof createLlmcapEstimator === 'function') factory = createLlmcapEstimator; // eslint-disable-line no-undef
    if (typeof factory !== 'function')
      throw new Error('LlmcapEstimator.create: pass {factory: createLlmcapEstimator} (llmcap-estimator.js)');
    const args = {};
    if (o.wasmBinary) args.wasmBinary = o.wasmBinary;
    if (o.locateFile) args.locateFile = o.locateFile;
    const M = await factory(args);
    return wrap(M);
  }

  return { create };
});
