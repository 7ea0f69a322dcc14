/* test_estimator.js - the estimator's WASM module (build/wasm/llmcap-estimator.*
 * through build/wasm/estimator.js) against the native code, in node.
 *
 * usage: node tests/wasm/test_estimator.js [WASM_DIR] [LLMCAP] [LLMCAP_ENGINE] [NATIVE_DRIVER]
 *   defaults: build/wasm build/llmcap build/llmcap-engine build/wasm-native/llmcap-estimator-native
 *   (node 20: run with NODE_OPTIONS=--no-experimental-fetch, or the .wasm is given as bytes here anyway)
 *
 * Checks, each against the native CLI run on the same options:
 *   - est.estimate / est.fit deep-equal `llmcap estimate|fit ... --json` for scenarios varying the model,
 *     quant, hardware, n_ctx, gpus, n_gpu_layers (offload), KV types, flash attention, a GGUF header
 *     (made by `llmcap-engine mkmodel`, given as a prefix of the file) and a config.json; the text
 *     (estimateText / fitText) is byte-identical to what the CLI prints;
 *   - est.list(kind) equals `llmcap list KIND --json`;
 *   - bad input throws with the CLI's message (the text after "llmcap: ");
 *   - a GGUF prefix that cuts the header short throws "more bytes are needed" with err.needBytes,
 *     and a larger slice then works;
 *   - the classic calls equal the native values (estimator/wasm/native_driver.c).
 * Last line: "N passed, N failed"; exit status 1 when a check failed. */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const assert = require('assert');
const { spawnSync } = require('child_process');

const wasmDir = path.resolve(process.argv[2] || 'build/wasm');
const llmcap = path.resolve(process.argv[3] || 'build/llmcap');
const engine = path.resolve(process.argv[4] || 'build/llmcap-engine');
const native = path.resolve(process.argv[5] || 'build/wasm-native/llmcap-estimator-native');

let passed = 0, failed = 0;
function check(name, fn) {
  try {
    fn();
    passed++;
    console.log('ok   ' + name);
  } catch (e) {
    failed++;
    console.log('FAIL ' + name + ': ' + String(e.message || e).split('\n').slice(0, 12).join('\n     '));
  }
}

function cli(args) {
  const r = spawnSync(llmcap, args, { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/* option object -> CLI arguments (--key value; the option names are CLI spellings or canonical keys) */
function toArgs(opts) {
  const a = [];
  for (const [k, v] of Object.entries(opts)) a.push((k.length === 1 ? '-' : '--') + k.replace(/_/g, '-'), String(v));
  return a;
}

const T = fs.mkdtempSync(path.join(os.tmpdir(), 'llmcap-wasm-est.'));
process.on('exit', () => fs.rmSync(T, { recursive: true, force: true }));

(async () => {
  const LlmcapEstimator = require(path.join(wasmDir, 'estimator.js'));
  const factory = require(path.join(wasmDir, 'llmcap-estimator.js'));
  const est = await LlmcapEstimator.create({ factory, wasmBinary: fs.readFileSync(path.join(wasmDir, 'llmcap-estimator.wasm')) });

  check('version equals `llmcap --version`', () => {
    assert.strictEqual('llmcap ' + est.version, cli(['--version']).out.trim());
  });
  check('options() lists the option table with name, cli and help', () => {
    const o = est.options();
    assert.ok(o.length >= 20, 'only ' + o.length + ' options');
    const ctx = o.find((x) => x.name === 'n_ctx');
    assert.ok(ctx && ctx.cli.split(',').includes('ctx') && ctx.help.length > 0);
    /* every option appears in `llmcap estimate --help` */
    const help = cli(['estimate', '--help']).out;
    for (const x of o) assert.ok(help.includes(x.help), 'help of ' + x.name + ' missing from the CLI help');
  });
  for (const kind of ['models', 'hardware', 'quants']) {
    check(`list('${kind}') equals \`llmcap list ${kind} --json\``, () => {
      const r = cli(['list', kind, '--json']);
      assert.strictEqual(r.code, 0);
      assert.deepStrictEqual(est.list(kind), JSON.parse(r.out));
    });
  }

  /* --- a GGUF from our own generator, and a config.json --- */
  const gguf = path.join(T, 'tiny-q4_0.gguf');
  const mk = spawnSync(engine, ['mkmodel', '--shape', 'tiny', '--type', 'Q4_0', '-o', gguf], { encoding: 'utf8' });
  const haveGguf = mk.status === 0 && fs.existsSync(gguf);
  check('llmcap-engine mkmodel writes the test GGUF', () => assert.ok(haveGguf, mk.stderr));
  const hfPath = path.join(T, 'config.json');
  const hfText = JSON.stringify({
    architectures: ['Qwen2ForCausalLM'], model_type: 'qwen2', hidden_size: 2048, intermediate_size: 11008,
    num_hidden_layers: 36, num_attention_heads: 16, num_key_value_heads: 2, vocab_size: 151936,
    max_position_embeddings: 32768, tie_word_embeddings: true, torch_dtype: 'bfloat16',
  }, null, 2);
  fs.writeFileSync(hfPath, hfText);

  if (haveGguf) {
    const bytes = fs.readFileSync(gguf);
    check('setGguf: a prefix too short says more bytes are needed (err.needBytes)', () => {
      let err = null;
      try { est.setGguf(bytes.subarray(0, 64), bytes.length, 'tiny-q4_0.gguf'); } catch (e) { err = e; }
      assert.ok(err, 'no error');
      assert.match(err.message, /more bytes are needed/);
      assert.ok(err.needBytes > 64 && err.needBytes <= bytes.length, 'needBytes ' + err.needBytes);
    });
    check('setGguf: following needBytes until the header fits gives a summary', () => {
      let n = 64, s = null;
      for (let i = 0; i < 40 && !s; i++) {
        try { s = est.setGguf(bytes.subarray(0, n), bytes.length, gguf); } catch (e) {
          if (!e.needBytes) throw e;
          n = e.needBytes;
        }
      }
      assert.ok(s, 'no summary');
      assert.ok(n < bytes.length, `needed the whole file (${n} bytes)`);
      assert.strictEqual(s.exact, true);
      assert.ok(s.n_layer > 0 && s.n_tensors > 0 && s.arch.length > 0);
    });
  }
  check('setHfConfig gives a summary', () => {
    const s = est.setHfConfig(hfText, hfPath);
    assert.strictEqual(s.n_layer, 36);
    assert.strictEqual(s.arch, 'qwen2');
  });

  /* --- scenarios: [cli options, wasm options] (the same unless a file is involved) --- */
  const S = [
    { model: 'llama-3.1-8b', hardware: 'rtx-4090', quant: 'Q4_K_M', ctx: 8192 },
    { model: 'llama-3.1-8b', hardware: 'rtx-4090' },
    { model: 'qwen3-30b-a3b', hardware: 'rtx-4060-ti-16gb', c: 32768, fa: 'on', ngl: 30, host: 'cpu-ddr5-6400-2ch', 'host-ram-gib': 64 },
    { model: 'llama-3.1-70b', hardware: 'rtx-3090', gpus: 2, ctx: 16384, quant: 'IQ4_XS' },
    { model: 'deepseek-v3', hardware: 'h200-sxm', gpus: 8, ctx: 32768, quant: 'Q2_K' },
    { model: 'gemma-3-27b', hardware: 'cpu-ddr5-6400-2ch', ctx: 4096, quant: 'Q8_0', threads: 8 },
    { model: 'qwen2.5-7b', hardware: 'apple-m2-ultra', ctk: 'q8_0', ctv: 'q8_0', fa: 'on', ctx: 65536 },
    { model: 'llama-3.1-8b', hardware: 'rtx-3090', ngl: 10, ctk: 'q4_0', ctv: 'f16', b: 1024, ub: 256, np: 4 },
    { model: 'llama-3.1-8b', hardware: 'custom', 'gpu-mem-gib': 48, 'gpu-bw-gbps': 960, 'gpu-tflops': 180, quant: 'pure:Q4_K' },
    { model: 'llama-3.1-8b', hardware: 'rtx-4090', quant: 'F16', p: 2048, n: 256, d: 4096, ctx: 16384 },
    { model: 'llama-3.1-70b', hardware: 'rtx-4090', ctx: 8192 }, /* does not fit */
    { model: 'llama-3.2-1b', hardware: 'h200-sxm', quant: 'pure:Q4_0', engine: 'llmcap-engine/webgpu' }, /* the default profile's engine section */
  ];
  const fileCases = [];
  if (haveGguf) {
    fileCases.push([{ gguf, hardware: 'rtx-4090', ctx: 256 }, { gguf: '@gguf', hardware: 'rtx-4090', ctx: 256 }]);
    fileCases.push([{ gguf, hardware: 'rtx-3060-12gb', ngl: 1, quant: 'Q8_0' }, { gguf: '@gguf', hardware: 'rtx-3060-12gb', ngl: 1, quant: 'Q8_0' }]);
  }
  fileCases.push([{ 'hf-config': hfPath, hardware: 'rtx-4090', ctx: 8192 }, { 'hf-config': '@hf', hardware: 'rtx-4090', ctx: 8192 }]);
  /* a calibration profile: --profile FILE in the CLI, setProfile(text) + '@profile' here */
  const profPath = path.join(T, 'slow-profile.json');
  const profText = JSON.stringify({ format: 'llmcap-profile 1', name: 'slow', classes: { gpu: { bw_eff: 0.5, decode_pi_log: 0.2 } },
    engines: { 'llmcap-engine/webgpu': { gpu: { bw_eff: 0.3, tok_overhead_ms: 2 } } } });
  fs.writeFileSync(profPath, profText);
  check('setProfile gives a summary with the engine sections', () => {
    const s = est.setProfile(profText, profPath);
    assert.strictEqual(s.name, 'slow');
    assert.deepStrictEqual(s.engines, ['llama.cpp', 'llmcap-engine/webgpu']);
    assert.strictEqual(s.classes.gpu.decode_pi_log, 0.2);
  });
  fileCases.push([{ model: 'llama-3.1-8b', hardware: 'rtx-4090', profile: profPath }, { model: 'llama-3.1-8b', hardware: 'rtx-4090', profile: '@profile' }]);
  fileCases.push([{ model: 'llama-3.1-8b', hardware: 'h200-sxm', profile: profPath, engine: 'llmcap-engine/webgpu' },
    { model: 'llama-3.1-8b', hardware: 'h200-sxm', profile: '@profile', engine: 'llmcap-engine/webgpu' }]);
  const cases = S.map((o) => [o, o]).concat(fileCases);

  for (const [cliOpts, wOpts] of cases) {
    const label = JSON.stringify(wOpts);
    for (const cmd of ['estimate', 'fit']) {
      check(`${cmd} ${label} deep-equals the CLI's --json, text byte-identical`, () => {
        const r = cli([cmd, ...toArgs(cliOpts), '--json']);
        assert.strictEqual(r.code, 0, 'CLI failed: ' + r.err);
        const text = cmd === 'estimate' ? est.estimateText(wOpts) : est.fitText(wOpts);
        const obj = cmd === 'estimate' ? est.estimate(wOpts) : est.fit(wOpts);
        assert.deepStrictEqual(obj, JSON.parse(r.out));
        assert.strictEqual(text + '\n', r.out);
      });
    }
  }

  /* --- bad input: the same message as the CLI --- */
  const bad = [
    { model: 'llama-3.1-8x', hardware: 'rtx-4090' },
    { model: 'llama-3.1-8b', hardware: 'rtx-4900' },
    { model: 'llama-3.1-8b', hardware: 'rtx-4090', ctx: -5 },
    { model: 'llama-3.1-8b', hardware: 'rtx-4090', ctx: NaN },
    { model: 'llama-3.1-8b', hardware: 'rtx-4090', 'gpu-bw-gbps': NaN },
    { model: 'llama-3.1-8b', hardware: 'rtx-4090', ctx: 1e12 },
    { model: 'llama-3.1-8b', hardware: 'rtx-4090', quant: 'Q4_K_X' },
    { model: 'llama-3.1-8b', hardware: 'rtx-4090', ctv: 'q8_0' }, /* quantized V without flash attention */
    { model: 'llama-3.1-8b', hardware: 'rtx-4090', ub: 4096, b: 2048 },
    { model: 'llama-3.1-8b', hardware: 'rtx-4090', fa: 'maybe' },
    { model: 'llama-3.1-8b' },
    { hardware: 'rtx-4090' },
    { model: 'llama-3.1-8b', hardware: 'cpu-ddr5-6400-2ch', gpus: 2 },
  ];
  for (const o of bad) {
    check(`bad input ${JSON.stringify(o, (k, v) => (Number.isNaN(v) ? 'NaN' : v))} throws the CLI's message`, () => {
      const r = cli(['estimate', ...toArgs(o), '--json']);
      assert.strictEqual(r.code, 2, 'CLI exit ' + r.code);
      const msg = r.err.replace(/^llmcap: /, '').replace(/\n$/, '');
      assert.throws(() => est.estimate(o), (e) => e instanceof Error && e.message === msg);
    });
  }
  check('a truncated GGUF file throws the CLI\'s message', () => {
    assert.ok(haveGguf, 'no GGUF');
    const bytes = fs.readFileSync(gguf);
    const cut = bytes.subarray(0, 100); /* the whole "file": 100 bytes */
    const p = path.join(T, 'cut.gguf');
    fs.writeFileSync(p, cut);
    const r = cli(['estimate', '--gguf', p, '--hardware', 'rtx-4090', '--json']);
    assert.strictEqual(r.code, 2, 'CLI exit ' + r.code);
    const msg = r.err.replace(/^llmcap: /, '').replace(/\n$/, '');
    assert.throws(() => est.setGguf(cut, cut.length, p), (e) => e.message === msg && !e.needBytes);
  });
  check('a malformed config.json throws the CLI\'s message', () => {
    const p = path.join(T, 'bad-config.json');
    const text = '{"architectures": ["LlamaForCausalLM"], "hidden_size": 4096, "num_hidden_layers": ';
    fs.writeFileSync(p, text);
    const r = cli(['estimate', '--hf-config', p, '--hardware', 'rtx-4090', '--json']);
    assert.strictEqual(r.code, 2, 'CLI exit ' + r.code);
    const msg = r.err.replace(/^llmcap: /, '').replace(/\n$/, '');
    assert.throws(() => est.setHfConfig(text, p), (e) => e.message === msg);
  });
  check('a config.json without a required field throws the CLI\'s message', () => {
    const p = path.join(T, 'missing-config.json');
    const text = '{"architectures": ["LlamaForCausalLM"], "hidden_size": 4096}';
    fs.writeFileSync(p, text);
    const r = cli(['estimate', '--hf-config', p, '--hardware', 'rtx-4090', '--json']);
    assert.strictEqual(r.code, 2, 'CLI exit ' + r.code);
    const msg = r.err.replace(/^llmcap: /, '').replace(/\n$/, '');
    assert.throws(() => est.setHfConfig(text, p), (e) => e.message === msg);
  });
  check('a bad profile throws the CLI\'s --profile message', () => {
    const p = path.join(T, 'bad-profile.json');
    const text = '{"classes": {"gpu": {"bw_eff": 1.5}}}';
    fs.writeFileSync(p, text);
    const r = cli(['estimate', '--model', 'llama-3.1-8b', '--hardware', 'rtx-4090', '--profile', p, '--json']);
    assert.strictEqual(r.code, 2, 'CLI exit ' + r.code);
    const msg = r.err.replace(/^llmcap: /, '').replace(/\n$/, '');
    assert.match(msg, /classes\.gpu\.bw_eff: 1\.5 is out of range/);
    assert.throws(() => est.setProfile(text, p), (e) => e.message === msg);
  });
  check('an unknown engine section throws the CLI\'s message', () => {
    const o = { model: 'llama-3.1-8b', hardware: 'rtx-4090', engine: 'vllm' };
    const r = cli(['estimate', ...toArgs(o), '--json']);
    assert.strictEqual(r.code, 2, 'CLI exit ' + r.code);
    const msg = r.err.replace(/^llmcap: /, '').replace(/\n$/, '');
    assert.throws(() => est.estimate(o), (e) => e.message === msg);
  });
  check('the default profile is data/profile.json; setProfile(\'\') goes back to it', () => {
    const d = est.defaultProfile();
    const f = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'data', 'profile.json'), 'utf8'));
    assert.strictEqual(d.name, f.name);
    assert.strictEqual(d.classes.gpu.bw_eff.value, f.classes.gpu.bw_eff.value);
    est.setProfile('');
    assert.throws(() => est.estimate({ model: 'llama-3.1-8b', hardware: 'rtx-4090', profile: '@profile' }), /no profile given yet/);
    const r = est.estimate({ model: 'llama-3.1-8b', hardware: 'rtx-4090' });
    assert.strictEqual(r.input.profile, f.name);
    assert.ok(r.speed.decode_tok_s_low < r.speed.decode_tok_s && r.speed.decode_tok_s < r.speed.decode_tok_s_high);
  });
  check('an unknown list kind throws; a file path for gguf is refused', () => {
    assert.throws(() => est.list('gpus'), /unknown list 'gpus'/);
    assert.throws(() => est.estimate({ gguf: '/tmp/x.gguf', hardware: 'rtx-4090' }), /setGguf/);
  });
  check('fit: bad input throws the CLI\'s message', () => {
    const o = { model: 'llama-3.1-8b', hardware: 'rtx-4090', np: 0 };
    const r = cli(['fit', ...toArgs(o), '--json']);
    const msg = r.err.replace(/^llmcap: /, '').replace(/\n$/, '');
    assert.throws(() => est.fit(o), (e) => e.message === msg);
  });

  /* --- classic calls: the native values of the same exports --- */
  const nat = (args) => {
    const r = spawnSync(native, args.map(String), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error('native driver: ' + r.stderr);
    return r.stdout.trim();
  };
  const natNum = (args) => { const s = nat(args); return s === 'NaN' ? NaN : Number(s); };
  const C = est.classic;
  const classic = [
    ['vramBytes(8, 4.5, 8192, 1)', () => C.vramBytes(8, 4.5, 8192, 1), ['vram', 8, 4.5, 8192, 1]],
    ['vramBytes(70.6, 4.85, 32768, 4)', () => C.vramBytes(70.6, 4.85, 32768, 4), ['vram', 70.6, 4.85, 32768, 4]],
    ['vramBytes(-1, 4, 8192, 1) NaN', () => C.vramBytes(-1, 4, 8192, 1), ['vram', -1, 4, 8192, 1]],
    ['vramBytes(8, 4, 8192.5, 1) NaN', () => C.vramBytes(8, 4, 8192.5, 1), ['vram', 8, 4, 8192.5, 1]],
    ['tokS(1008, 4.9e9, 1)', () => C.tokS(1008, 4.9e9, 1), ['tok_s', 1008, 4.9e9, 1]],
    ['tokS(80, 4.9e9, 0.5)', () => C.tokS(80, 4.9e9, 0.5), ['tok_s', 80, 4.9e9, 0.5]],
    ['tokS(NaN, 1e9, 1) NaN', () => C.tokS(NaN, 1e9, 1), ['tok_s', 'nan', 1e9, 1]],
    ['offloadBandwidthGbps(1008, 80, 20, 33)', () => C.offloadBandwidthGbps(1008, 80, 20, 33), ['offload', 1008, 80, 20, 33]],
    ['offloadBandwidthGbps(1008, 80, 40, 33) NaN', () => C.offloadBandwidthGbps(1008, 80, 40, 33), ['offload', 1008, 80, 40, 33]],
    ['cpuFactor(4, 16)', () => C.cpuFactor(4, 16), ['cpu_factor', 4, 16]],
    ['cpuFactor(32, 16)', () => C.cpuFactor(32, 16), ['cpu_factor', 32, 16]],
    ['cpuFactor(0, 16) NaN', () => C.cpuFactor(0, 16), ['cpu_factor', 0, 16]],
  ];
  for (const [name, f, args] of classic) {
    check('classic.' + name + ' equals native', () => {
      const w = f(), n = natNum(args);
      assert.ok(Object.is(w, n) || w === n, `wasm ${w} != native ${n}`);
    });
  }
  check('classic.tokSCurve equals native', () => {
    const bits = [2.5, 3.5, 4.5, 4.85, 6.56, 8.5, 16];
    const w = C.tokSCurve(1008, 8.03, bits);
    const n = nat(['curve', 1008, 8.03, ...bits]).split(' ').map(Number);
    assert.deepStrictEqual(w, n);
    assert.strictEqual(C.tokSCurve(1008, 8.03, [4, -1]), null);
  });
  for (const [args, allow] of [[[5e9, 8e9, 32e9], true], [[1e10, 8e9, 32e9], true], [[1e10, 8e9, 32e9], false], [[-1, 8e9, 0], false]]) {
    check(`classic.oomCheck(${args}, ${allow}) equals native`, () => {
      assert.strictEqual(C.oomCheck(...args, allow), nat(['oom', ...args, allow ? 1 : 0]));
    });
  }

  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
})().catch((e) => {
  console.log('FAIL (crash): ' + (e && e.stack ? e.stack : e));
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exitCode = 1;
});
