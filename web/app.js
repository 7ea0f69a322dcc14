// The browser calculator: one page on the WASM estimator (build/wasm/estimator.js).
// All state lives in `state` and in the URL fragment; every input change runs recompute(),
// which calls the estimator synchronously, and the charts follow a moment later.
// Nothing is fetched but this page's own files.

import uPlot from './uPlot.esm.js';

const GIB = 2 ** 30;
const KV_TYPES = ['f16', 'f32', 'bf16', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1', 'iq4_nl'];
const PARTS = ['weights', 'kv', 'compute', 'output', 'overhead'];
const PART_LABEL = { weights: 'weights', kv: 'KV cache', compute: 'compute', output: 'output', overhead: 'overhead' };
const GGUF_FIRST_SLICE_BYTES = 1 << 20;     // a GGUF header is usually well under 1 MiB ...
const GGUF_MAX_SLICE_BYTES = 512 << 20;     // ... but a big vocabulary can take tens of MiB
const CHART_DELAY_MS = 40;                  // charts wait for typing to pause

// Every input: its URL key, default, and the estimator option it feeds (the CLI's long name).
// kind: 'int' / 'num' (validated here first), 'str'.
const FIELDS = {
  model:   { def: 'llama-3.1-8b',      opt: 'model',        kind: 'str' },
  hw:      { def: 'rtx-4090',          opt: 'hardware',     kind: 'str', el: 'hardware' },
  mem:     { def: '',                  opt: 'gpu-mem-gib',  kind: 'num', min: 0.001, max: 1e6 },
  bw:      { def: '',                  opt: 'gpu-bw-gbps',  kind: 'num', min: 0.001, max: 1e6 },
  tflops:  { def: '',                  opt: 'gpu-tflops',   kind: 'num', min: 0.001, max: 1e6 },
  gpus:    { def: '1',                 opt: 'gpus',         kind: 'int', min: 1, max: 64 },
  host:    { def: 'cpu-ddr5-5600-2ch', opt: 'host',         kind: 'str' },
  ram:     { def: '',                  opt: 'host-ram-gib', kind: 'num', min: 0, max: 1e6 },
  quant:   { def: 'Q4_K_M',            opt: 'quant',        kind: 'str' },
  ctx:     { def: '8192',              opt: 'ctx',          kind: 'int', min: 0, max: 1 << 24 },
  batch:   { def: '2048',              opt: 'batch',        kind: 'int', min: 1, max: 1 << 20 },
  ubatch:  { def: '512',               opt: 'ubatch',       kind: 'int', min: 1, max: 1 << 20 },
  np:      { def: '1',                 opt: 'parallel',     kind: 'int', min: 1, max: 4096 },
  ctk:     { def: 'f16',               opt: 'cache-type-k', kind: 'str' },
  ctv:     { def: 'f16',               opt: 'cache-type-v', kind: 'str' },
  fa:      { def: 'off',               opt: 'flash-attn',   kind: 'str' },
  ngl:     { def: 'all',               opt: 'n-gpu-layers', kind: 'str' },
  prompt:  { def: '512',               opt: 'prompt',       kind: 'int', min: 1, max: 1 << 24 },
  gen:     { def: '128',               opt: 'gen',          kind: 'int', min: 1, max: 1 << 24 },
  depth:   { def: '0',                 opt: 'depth',        kind: 'int', min: 0, max: 1 << 24 },
  engine:  { def: 'llama.cpp',         opt: 'engine',       kind: 'str' },
};
const DEFAULT_CMP = 'rtx-4090,rtx-3090,apple-m2-ultra,h100-sxm';

// Which field an estimator error message is about (first match wins; ubatch before batch).
const ERROR_FIELDS = [
  ['engine', /engine section/i], ['prof', /profile|classes\.|global\.|engines\./i],
  ['ubatch', /ubatch/i], ['batch', /n_batch|\bbatch\b/i], ['np', /parallel|n_seq/i],
  ['ctk', /type_k|cache-type-k|\bK cache/i], ['ctv', /type_v|cache-type-v|V cache/i],
  ['fa', /flash/i], ['ngl', /gpu.layers|\bngl\b/i], ['ctx', /n_ctx|\bctx\b|context/i],
  ['prompt', /prompt/i], ['gen', /n_gen|\bgen\b/i], ['depth', /depth/i],
  ['ram', /host.ram|ram.gib/i], ['host', /\bhost\b/i], ['mem', /mem.gib|memory/i],
  ['bw', /bw|bandwidth/i], ['tflops', /tflops/i], ['gpus', /gpus|n_gpu\b/i],
  ['quant', /quant|file type|ftype/i], ['hw', /hardware|device/i],
  ['model', /model|gguf|config|arch/i],
];

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role' || k === 'scope') e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const kid of kids) if (kid != null) e.append(kid);
  return e;
};

const state = { src: 'db', cmp: DEFAULT_CMP, hf: '', prof: '' };
for (const [k, f] of Object.entries(FIELDS)) state[k] = f.def;

let est = null;             // the estimator (LlmcapEstimator)
let optName = {};           // our option key -> the estimator's option name
let lists = { models: [], hardware: [], quants: [] };
let ggufName = '';          // the file whose header the estimator holds, '' if none
let hfLoaded = '';          // the config.json text the estimator holds
let profLoaded = '';        // the calibration profile (JSON text) the estimator holds, '' = the built-in one
let profInfo = null;        // its summary {name, created, engines, classes}
let profError = '';         // why the profile in the state was not accepted
let last = null;            // the last good estimate (kept on bad input)
let lastFit = null;
let chartTimer = 0;
const charts = {};
const perf = { recomputeMs: [], chartsMs: 0 };

// ---------- loading ----------

// Loads a script that may be an ES module (export default / export class) or a classic script
// that defines a global; returns the module namespace, or globalThis for a classic script.
async function loadScript(url) {
  const text = await (await fetch(url)).text();
  if (/^\s*export\s|\nexport\s/.test(text) || /import\.meta/.test(text)) return import(url);
  await new Promise((resolve, reject) => {
    const s = el('script', { src: url });
    s.onload = resolve;
    s.onerror = () => reject(new Error('cannot load ' + url));
    document.head.append(s);
  });
  return globalThis;
}

async function loadEstimator() {
  const factoryMod = await loadScript('./llmcap-estimator.js');
  const factory = factoryMod.default || factoryMod.createLlmcapEstimator || globalThis.createLlmcapEstimator;
  const apiMod = await loadScript('./estimator.js');
  const Api = apiMod.LlmcapEstimator || (apiMod.default && (apiMod.default.LlmcapEstimator || apiMod.default)) ||
              globalThis.LlmcapEstimator;
  if (typeof factory !== 'function' || !Api || typeof Api.create !== 'function')
    throw new Error('the estimator files are not the expected API (createLlmcapEstimator, LlmcapEstimator.create)');
  return Api.create({ factory });
}

// An option's command-line spellings without dashes ("ctx,c,n-ctx" or "--ctx, -c").
const spellings = (o) => String(o.cli || '').split(/[\s,|]+/).map((t) => t.replace(/^-+/, '')).filter(Boolean);

// Maps our keys to the estimator's option names: by name, or by a long spelling in `cli`.
function resolveOptions(options) {
  const out = {};
  for (const [key, f] of Object.entries(FIELDS)) {
    const want = f.opt;
    const hit = options.find((o) => o.name === want) || options.find((o) => spellings(o).includes(want));
    out[key] = hit ? hit.name : want;
  }
  const named = (n, fallback) => (options.find((o) => o.name === n || spellings(o).includes(n)) || { name: fallback }).name;
  out.gguf = named('gguf', 'gguf');
  out.hf = named('hf-config', 'hf-config');
  out.profile = named('profile', 'profile');
  return out;
}

// ---------- URL state ----------

function b64urlEncode(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function b64urlDecode(s) {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'));
  return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
}

function readUrl() {
  const p = new URLSearchParams(location.hash.slice(1));
  for (const k of Object.keys(FIELDS)) if (p.has(k)) state[k] = p.get(k);
  if (p.has('src') && ['db', 'gguf', 'hf'].includes(p.get('src'))) state.src = p.get('src');
  if (p.has('cmp')) state.cmp = p.get('cmp');
  if (p.has('hf')) { try { state.hf = b64urlDecode(p.get('hf')); } catch { state.hf = ''; } }
  if (p.has('prof')) { try { state.prof = b64urlDecode(p.get('prof')); } catch { state.prof = ''; } }
}

function writeUrl() {
  const p = new URLSearchParams();
  p.set('src', state.src);
  for (const k of Object.keys(FIELDS)) {
    if (k === 'model' && state.src !== 'db') continue;
    if (k === 'quant' || (state[k] !== '' && (state[k] !== FIELDS[k].def || ['model', 'hw', 'ctx'].includes(k)))) p.set(k, state[k]);
  }
  if (state.src === 'hf' && state.hf) p.set('hf', b64urlEncode(state.hf));
  if (state.src === 'gguf' && ggufName) p.set('gguf', ggufName);
  if (state.cmp !== DEFAULT_CMP) p.set('cmp', state.cmp);
  if (state.prof) p.set('prof', b64urlEncode(state.prof));
  history.replaceState(null, '', '#' + p.toString());
}

// ---------- options for the estimator ----------

function baseOpts(over = {}) {
  const s = { ...state, ...over };
  const o = {};
  if (s.src === 'gguf') o[optName.gguf] = '@gguf';
  else if (s.src === 'hf') o[optName.hf] = '@hf';
  else o[optName.model] = s.model;
  if (profLoaded) o[optName.profile] = '@profile';
  for (const k of Object.keys(FIELDS)) {
    if (k === 'model' || s[k] === '' || s[k] == null) continue;
    const f = FIELDS[k];
    o[optName[k]] = f.kind === 'str' || (k === 'ngl' && s[k] === 'all') ? String(s[k]) : Number(s[k]);
  }
  return o;
}

// ---------- validation and messages ----------

function fieldMsg(key, msg) {
  const input = $(FIELDS[key]?.el || key);
  if (!input) return false;
  let m = $('ferr-' + key);
  if (!m) {
    m = el('small', { class: 'ferr', id: 'ferr-' + key, role: 'alert' });
    (input.closest('div') || input.parentNode).append(m);
  }
  m.textContent = msg || '';
  if (msg) input.setAttribute('aria-invalid', 'true'); else input.removeAttribute('aria-invalid');
  return true;
}

function clearMessages() {
  for (const k of Object.keys(FIELDS)) if ($('ferr-' + k)) fieldMsg(k, '');
  for (const id of ['err-model', 'err-hw', 'err-run', 'err-prof', 'input-error']) $(id).textContent = '';
}

// Checks the numeric fields here, so impossible numbers never reach the estimator.
function validate() {
  let ok = true;
  for (const [k, f] of Object.entries(FIELDS)) {
    if (f.kind === 'str') continue;
    const v = state[k];
    if (v === '') {
      if (f.def !== '') { fieldMsg(k, 'needed'); ok = false; }
      continue;
    }
    const n = Number(v);
    let msg = '';
    if (!Number.isFinite(n)) msg = 'not a number';
    else if (f.kind === 'int' && !Number.isInteger(n)) msg = 'a whole number, please';
    else if (n < f.min) msg = `at least ${f.min}`;
    else if (n > f.max) msg = `at most ${f.max}`;
    if (msg) { fieldMsg(k, msg); ok = false; }
  }
  if (state.hw === 'custom' && (state.mem === '' || state.bw === '' || state.tflops === '')) {
    $('err-hw').textContent = 'custom hardware needs memory, bandwidth and TFLOPS';
    ok = false;
  }
  if (state.src === 'gguf' && !ggufName) { $('err-model').textContent = 'drop or choose a .gguf file (a file cannot travel in a link)'; ok = false; }
  if (state.prof && !profLoaded) { $('err-prof').textContent = profError || 'the profile is not usable'; ok = false; }
  if (state.src === 'hf' && !hfLoaded) { $('err-model').textContent = state.hf ? $('err-model').textContent || 'the config.json is not usable' : 'paste a config.json'; ok = false; }
  return ok;
}

// Puts an estimator error next to the field it names, else in the results header.
function showEstimatorError(msg) {
  for (const [k, re] of ERROR_FIELDS) {
    if (!re.test(msg)) continue;
    if (k === 'model') { $('err-model').textContent = msg; return; }
    if (k === 'hw') { $('err-hw').textContent = msg; return; }
    if (k === 'prof') { $('err-prof').textContent = msg; return; }
    if (fieldMsg(k, msg)) return;
  }
  $('input-error').textContent = msg;
}

// ---------- formatting ----------

const fmt = (x, d) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(d));
const gib = (b) => fmt(b / GIB, 2);
const tokS = (x) => (x >= 1000 ? Math.round(x).toLocaleString('en-US') : fmt(x, 1));
function setNum(id, value, text) {
  const e = $(id);
  e.dataset.value = value == null ? '' : String(value);
  e.textContent = text;
}

// ---------- recompute ----------

function recompute() {
  const t0 = performance.now();
  clearMessages();
  writeUrl();
  syncControls();
  if (!validate()) { markStale(true); return; }
  let r, f;
  try {
    r = est.estimate(baseOpts());
  } catch (e) {
    showEstimatorError(String(e && e.message || e));
    markStale(true);
    return;
  }
  try { f = est.fit(baseOpts()); } catch (e) { f = null; }
  last = r; lastFit = f;
  markStale(false);
  render(r, f);
  const ms = performance.now() - t0;
  perf.recomputeMs.push(ms);
  $('timing').textContent = `recomputed in ${ms.toFixed(1)} ms`;
  scheduleCharts();
}

function markStale(stale) {
  $('results').classList.toggle('stale', stale && !!last);
  if (stale && last) $('status').textContent = 'Input needs fixing; showing the last good result.';
  else if (!stale) $('status').textContent = 'Ready.';
}

function render(r, f) {
  const fits = !!r.fits;
  const v = $('verdict');
  v.className = 'verdict ' + (fits ? 'yes' : 'no');
  v.dataset.fits = String(fits);
  v.textContent = fits ? 'Fits' : 'Does not fit';
  $('reason').textContent = r.limit_reason || (fits ? 'every device has room for its part' : '');
  $('reason').dataset.value = r.limit_reason || '';

  const m = r.model || {};
  const params = (x) => (x / 1e9).toFixed(2) + ' B';
  $('model-line').textContent = `${m.name || r.input.model}: ${params(m.params)} parameters` +
    (m.params_active && m.params_active !== m.params ? ` (${params(m.params_active)} active per token)` : '') +
    `, ${fmt(m.bits_per_weight, 2)} bits per weight, ${m.n_layer} layers` +
    (m.exact_from_gguf ? ', exact tensor bytes from the GGUF header' : '') +
    ` · ${r.input.quant} · n_ctx ${r.input.n_ctx} · n_gpu_layers ${r.input.n_gpu_layers} of ${m.n_layer + 1}`;

  renderBars(r.memory);

  const s = r.speed || {};
  setNum('decode', s.decode_tok_s, tokS(s.decode_tok_s));
  $('decode-bound').textContent = s.bound ? `${s.bound}-bound · ${fmt(s.decode_ms_per_tok, 2)} ms/token` : '';
  setNum('prefill', s.prefill_tok_s, tokS(s.prefill_tok_s));
  $('prefill-bound').textContent = s.prefill_bound ? `${s.prefill_bound}-bound` : '';
  // 90% prediction intervals from the profile's fitted spread (null: the profile has none for this class)
  const range = (id, lo, hi) => {
    const e = $(id);
    e.dataset.low = lo == null ? '' : String(lo);
    e.dataset.high = hi == null ? '' : String(hi);
    e.textContent = lo == null || hi == null ? '' : `90% interval ${tokS(lo)}–${tokS(hi)}`;
  };
  range('decode-range', s.decode_tok_s_low, s.decode_tok_s_high);
  range('prefill-range', s.prefill_tok_s_low, s.prefill_tok_s_high);
  $('prof-summary').textContent = `profile ${r.input.profile || '?'}${profLoaded ? '' : ' (built in)'}` +
    (profInfo && profInfo.created ? `, made ${profInfo.created}` : '') + ` · engine ${r.input.engine || 'llama.cpp'}`;
  setNum('ttft', s.ttft_ms, fmt(s.ttft_ms, 1));
  setNum('total', s.total_ms, fmt(s.total_ms / 1000, 2));
  $('total-what').textContent = `(${r.input.n_prompt} prompt + ${r.input.n_gen} generated)`;

  setNum('flags', r.input.llama_cpp_flags, r.input.llama_cpp_flags || '');

  if (f) {
    setNum('fit-ctx', f.max_ctx, f.max_ctx ? f.max_ctx.toLocaleString('en-US') + (f.max_ctx_capped ? ' (training context)' : '') : 'none');
    setNum('fit-quant', f.best_quant, f.best_quant || 'none');
    setNum('fit-ngl', f.max_ngl, f.max_ngl == null ? 'none' : String(f.max_ngl));
  } else {
    for (const id of ['fit-ctx', 'fit-quant', 'fit-ngl']) setNum(id, '', '–');
  }
  $('apply-ctx').disabled = !f || !f.max_ctx;
  $('apply-quant').disabled = !f || !f.best_quant;
  $('apply-ngl').disabled = !f || f.max_ngl == null;

  // n_gpu_layers slider range follows the model
  const maxNgl = (m.n_layer || 0) + 1;
  $('ngl').max = String(maxNgl);
  if (state.ngl === 'all') $('ngl').value = String(maxNgl);
  $('ngl-out').textContent = state.ngl === 'all' ? `all (${maxNgl})` : state.ngl;
}

function renderBars(mem) {
  const box = $('membars');
  box.textContent = '';
  // each bar spans its device's capacity; one without a capacity (host RAM unchecked) is drawn
  // on the largest other scale, so a small host part looks small
  const devs = mem.devices || [];
  const common = Math.max(1, ...devs.map((d) => Math.max(d.capacity_bytes || 0, d.total_bytes)));
  for (const d of devs) {
    const cap = d.capacity_bytes;
    const scale = cap ? Math.max(cap, d.total_bytes) : common;
    const bar = el('div', { class: 'bar', role: 'img',
      'aria-label': `${d.name}: ${gib(d.total_bytes)} GiB used` + (cap ? ` of ${gib(cap)} GiB` : '') });
    for (const p of PARTS) {
      const bytes = d[p + '_bytes'] || 0;
      if (!bytes) continue;
      bar.append(el('span', { class: 'seg ' + p, title: `${PART_LABEL[p]}: ${gib(bytes)} GiB`,
        'data-part': p, 'data-bytes': String(bytes) }));
      bar.lastChild.style.width = (100 * bytes / scale) + '%';
    }
    if (cap) {
      const mark = el('span', { class: 'cap' });
      mark.style.left = Math.min(100, 100 * cap / scale) + '%';
      bar.append(mark);
    }
    const verdict = cap == null ? 'not checked' : d.fits ? 'fits' : 'does not fit';
    const row = el('div', { class: 'dev ' + (d.fits === false ? 'over' : ''), 'data-name': d.name,
      'data-total': String(d.total_bytes), 'data-capacity': cap == null ? '' : String(cap), 'data-fits': String(d.fits) },
      el('div', { class: 'devname', text: d.name + (d.n_layers != null ? ` · ${d.n_layers} layers${d.has_output_layer ? ' + output' : ''}` : '') }),
      bar,
      el('div', { class: 'devnums', text: `${gib(d.total_bytes)}${cap ? ' / ' + gib(cap) : ''} GiB · ${verdict}` }));
    box.append(row);
  }
}

// ---------- charts (after the result, off the input path) ----------

function scheduleCharts() {
  clearTimeout(chartTimer);
  chartTimer = setTimeout(() => {
    const t0 = performance.now();
    try { drawCharts(); renderCompare(); } catch (e) { $('input-error').textContent = 'charts: ' + e.message; }
    perf.chartsMs = performance.now() - t0;
    document.body.dataset.charts = String(Number(document.body.dataset.charts || 0) + 1);
  }, CHART_DELAY_MS);
}

function tryEstimate(over) {
  try { return est.estimate(baseOpts(over)); } catch { return null; }
}

function cssVar(name) { return getComputedStyle(document.body).getPropertyValue(name).trim() || '#888'; }

function makeChart(key, opts, data) {
  const host = $('chart-' + key);
  if (charts[key]) { charts[key].destroy(); delete charts[key]; }
  const width = Math.max(260, host.clientWidth || 320);
  charts[key] = new uPlot({ width, height: 220, legend: { live: true }, cursor: { drag: { x: false, y: false } }, ...opts }, data, host);
}

// A draw hook: vertical line at x (plot units) with a label.
function vline(xv, label, color) {
  return (u) => {
    if (xv == null) return;
    const x = u.valToPos(xv, 'x', true);
    if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) return;
    const c = u.ctx;
    c.save();
    c.strokeStyle = color; c.setLineDash([5, 4]); c.lineWidth = 1.5 * devicePixelRatio;
    c.beginPath(); c.moveTo(x, u.bbox.top); c.lineTo(x, u.bbox.top + u.bbox.height); c.stroke();
    c.fillStyle = color; c.font = `${11 * devicePixelRatio}px sans-serif`;
    c.fillText(label, x + 4 * devicePixelRatio, u.bbox.top + 12 * devicePixelRatio);
    c.restore();
  };
}

// Splits y values into a "fits" and a "does not fit" series; the second also takes the fitting
// points next to it, so the dashed part joins the solid one.
function splitFits(ys, fits) {
  const yes = ys.map((y, i) => (fits[i] ? y : null));
  const no = ys.map((y, i) => (!fits[i] || (i > 0 && !fits[i - 1]) || (i + 1 < ys.length && !fits[i + 1]) ? y : null));
  return [yes, no];
}

function drawCharts() {
  const fitColor = cssVar('--accent'), noColor = cssVar('--bad'), preColor = cssVar('--accent2');
  const axes = (xl, yl, y2) => [
    { label: xl, stroke: cssVar('--fg') },
    { label: yl, stroke: cssVar('--fg'), size: 60 },
    ...(y2 ? [{ label: y2, side: 1, scale: 'y2', stroke: cssVar('--fg'), grid: { show: false }, size: 60 }] : []),
  ];
  const tok = (u, v) => (v == null ? '–' : tokS(v));

  // tokens/s against bits per weight: every quant, same other inputs
  const rows = [];
  for (const q of lists.quants) {
    if (state.src === 'gguf' && state.quant === '' && rows.length === 0) {
      const r0 = last;   // the file as it is, then what re-quantizing it would give
      if (r0) rows.push({ q: 'file', bpw: r0.model.bits_per_weight, fits: r0.fits, d: r0.speed.decode_tok_s, p: r0.speed.prefill_tok_s });
    }
    const r = tryEstimate({ quant: q.name });
    if (r) rows.push({ q: q.name, bpw: r.model.bits_per_weight, fits: r.fits, d: r.speed.decode_tok_s, p: r.speed.prefill_tok_s });
  }
  rows.sort((a, b) => a.bpw - b.bpw);
  const uniq = rows.filter((r, i) => i === 0 || r.bpw > rows[i - 1].bpw);
  makeChart('bpw', {
    scales: { x: { time: false }, y2: {} },
    axes: axes('bits per weight', 'decode tok/s', 'prefill tok/s'),
    series: [
      { label: 'quant', value: (u, v, si, i) => (i == null ? '–' : `${uniq[i].q} (${fmt(v, 2)} bpw)`) },
      { label: 'decode (fits)', stroke: fitColor, width: 2, value: tok, points: { size: 6 } },
      { label: 'decode (does not fit)', stroke: noColor, dash: [4, 4], value: tok, points: { show: true, size: 6 } },
      { label: 'prefill', stroke: preColor, scale: 'y2', value: tok },
    ],
    hooks: { draw: [vline(last && last.model.bits_per_weight, state.quant || 'file', cssVar('--fg'))] },
  }, [uniq.map((r) => r.bpw), ...splitFits(uniq.map((r) => r.d), uniq.map((r) => r.fits)), uniq.map((r) => r.p)]);

  // tokens/s against context: n_ctx doubling, decode at a full context
  const model = lists.models.find((x) => x.id === state.model);
  const top = Math.min(1 << 20, Math.max(state.src === 'db' && model ? model.n_ctx_train : 131072, Number(state.ctx) || 0, 1024));
  const cx = [];
  for (let c = 512; c <= top; c *= 2) cx.push(c);
  const used = Number(state.prompt) + Number(state.gen);
  const cr = cx.map((c) => tryEstimate({ ctx: String(c), depth: String(Math.max(0, c - used)) }));
  makeChart('ctx', {
    scales: { x: { time: false, distr: 3, log: 2 }, y2: {} },
    axes: axes('n_ctx (tokens)', 'decode tok/s', 'prefill tok/s'),
    series: [
      { label: 'n_ctx' },
      { label: 'decode (fits)', stroke: fitColor, width: 2, value: tok },
      { label: 'decode (does not fit)', stroke: noColor, dash: [4, 4], value: tok, points: { show: true, size: 5 } },
      { label: 'prefill', stroke: preColor, scale: 'y2', value: tok },
    ],
    hooks: { draw: [vline(lastFit && lastFit.max_ctx, 'max context', noColor)] },
  }, [cx, ...splitFits(cr.map((r) => (r ? r.speed.decode_tok_s : null)), cr.map((r) => !!(r && r.fits))),
      cr.map((r) => (r ? r.speed.prefill_tok_s : null))]);

  // decode tokens/s against n_gpu_layers, with GPU #0 memory and the VRAM limit
  const nMax = last ? last.model.n_layer + 1 : 0;
  const step = Math.max(1, Math.ceil(nMax / 48));
  const nx = [];
  for (let n = 0; n < nMax; n += step) nx.push(n);
  nx.push(nMax);
  const nr = nx.map((n) => tryEstimate({ ngl: String(n) }));
  const gpu0 = (r) => r && r.memory.devices.find((d) => !d.is_host);
  const capGiB = (() => { const d = gpu0(last); return d && d.capacity_bytes ? d.capacity_bytes / GIB : null; })();
  const hline = (u) => {
    if (capGiB == null) return;
    const y = u.valToPos(capGiB, 'y2', true), c = u.ctx;
    if (!(y >= u.bbox.top && y <= u.bbox.top + u.bbox.height)) return;
    c.save(); c.strokeStyle = noColor; c.setLineDash([2, 3]); c.lineWidth = devicePixelRatio;
    c.beginPath(); c.moveTo(u.bbox.left, y); c.lineTo(u.bbox.left + u.bbox.width, y); c.stroke(); c.restore();
  };
  makeChart('ngl', {
    scales: { x: { time: false }, y2: { range: (u, lo, hi) => [0, Math.max(hi, capGiB || 0) * 1.05] } },
    axes: axes('n_gpu_layers', 'decode tok/s', 'GPU #0 GiB'),
    series: [
      { label: 'ngl' },
      { label: 'decode (fits)', stroke: fitColor, width: 2, value: tok },
      { label: 'decode (does not fit)', stroke: noColor, dash: [4, 4], value: tok, points: { show: true, size: 5 } },
      { label: 'GPU #0 memory GiB', stroke: preColor, scale: 'y2', value: (u, v) => (v == null ? '–' : fmt(v, 2)) },
    ],
    hooks: { draw: [vline(lastFit && lastFit.max_ngl, 'VRAM limit', noColor), hline] },
  }, [nx, ...splitFits(nr.map((r) => (r ? r.speed.decode_tok_s : null)), nr.map((r) => !!(r && r.fits))),
      nr.map((r) => { const d = gpu0(r); return d ? d.total_bytes / GIB : null; })]);
}

// ---------- hardware comparison ----------

function renderCompare() {
  const ids = state.cmp.split(',').filter(Boolean).slice(0, 4);
  const pickers = $('cmp-pickers').querySelectorAll('select');
  pickers.forEach((s, i) => { s.value = ids[i] || ''; });
  const box = $('cmp-table');
  box.textContent = '';
  if (!ids.length) { box.append(el('p', { class: 'hint', text: 'Pick up to four devices to compare.' })); return; }
  const res = ids.map((id) => ({ id, r: tryEstimate({ hw: id, mem: '', bw: '', tflops: '' }), f: null }));
  for (const x of res) { try { x.f = est.fit(baseOpts({ hw: x.id, mem: '', bw: '', tflops: '' })); } catch { x.f = null; } }
  const best = Math.max(...res.map((x) => (x.r ? x.r.speed.decode_tok_s : 0)), 1e-9);
  const name = (id) => (lists.hardware.find((h) => h.id === id) || { name: id }).name;
  const t = el('table');
  const head = el('tr', {}, el('th', { text: '' }));
  for (const x of res) head.append(el('th', { scope: 'col', text: name(x.id) }));
  t.append(el('thead', {}, head));
  const body = el('tbody');
  const row = (label, f) => {
    const tr = el('tr', {}, el('th', { scope: 'row', text: label }));
    for (const x of res) tr.append(x.r ? f(x) : el('td', { text: 'error' }));
    body.append(tr);
  };
  row('verdict', (x) => el('td', { class: x.r.fits ? 'yes' : 'no', text: x.r.fits ? 'fits' : 'does not fit' }));
  row('memory (GPU #0)', (x) => {
    const d = x.r.memory.devices[0];
    return el('td', { text: `${gib(d.total_bytes)}${d.capacity_bytes ? ' / ' + gib(d.capacity_bytes) : ''} GiB` });
  });
  row('decode tok/s', (x) => {
    const td = el('td', { 'data-value': String(x.r.speed.decode_tok_s) }, el('span', { text: tokS(x.r.speed.decode_tok_s) }));
    const b = el('span', { class: 'minibar' }); b.style.width = (100 * x.r.speed.decode_tok_s / best) + '%';
    td.append(b);
    return td;
  });
  row('prefill tok/s', (x) => el('td', { text: tokS(x.r.speed.prefill_tok_s) }));
  row('time to first token', (x) => el('td', { text: fmt(x.r.speed.ttft_ms, 1) + ' ms' }));
  row('max context', (x) => el('td', { text: x.f && x.f.max_ctx ? x.f.max_ctx.toLocaleString('en-US') : '–' }));
  row('best quant', (x) => el('td', { text: (x.f && x.f.best_quant) || '–' }));
  t.append(body);
  box.append(t);
}

// ---------- controls ----------

function hwGroup(h) {
  if (h.kind === 'cpu') return 'CPU platforms';
  if (h.vendor === 'Apple') return 'Apple';
  if (['NVIDIA', 'AMD', 'Intel'].includes(h.vendor)) return h.vendor;
  return 'Other';
}
const HW_GROUPS = ['NVIDIA', 'AMD', 'Apple', 'Intel', 'CPU platforms', 'Other'];

function fillHardware(select, filter, withNone, withCustom) {
  const keep = select.value;
  select.textContent = '';
  if (withNone) select.append(el('option', { value: '', text: '—' }));
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const match = (h) => words.every((w) => (h.id + ' ' + h.name + ' ' + h.vendor).toLowerCase().includes(w));
  for (const g of HW_GROUPS) {
    const items = lists.hardware.filter((h) => hwGroup(h) === g && (match(h) || h.id === keep));
    if (!items.length) continue;
    const og = el('optgroup', { label: g });
    for (const h of items) {
      const mem = h.memory_gib ? `${h.memory_gib} GiB, ` : '';
      og.append(el('option', { value: h.id, text: `${h.name} (${mem}${h.bandwidth_gbps} GB/s)` }));
    }
    select.append(og);
  }
  if (withCustom) select.append(el('optgroup', { label: 'Your own' }, el('option', { value: 'custom', text: 'Custom figures…' })));
  select.value = keep;
}

function fillModels(filter) {
  const s = $('model'), keep = state.model;
  s.textContent = '';
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  const byArch = new Map();
  for (const m of lists.models) {
    const hay = `${m.id} ${m.name} ${m.arch} ${m.params_b_total}b`.toLowerCase();
    if (m.id !== keep && !words.every((w) => hay.includes(w))) continue;
    if (!byArch.has(m.arch)) byArch.set(m.arch, []);
    byArch.get(m.arch).push(m);
  }
  for (const [arch, ms] of byArch) {
    const og = el('optgroup', { label: arch });
    for (const m of ms) {
      const act = m.params_b_active < m.params_b_total ? `, ${m.params_b_active} B active` : '';
      og.append(el('option', { value: m.id, text: `${m.name} (${m.params_b_total} B${act})` }));
    }
    s.append(og);
  }
  s.value = keep;
}

// Puts state into the controls (after URL load, fit "apply", etc.).
function syncControls() {
  for (const k of Object.keys(FIELDS)) {
    const e = $(FIELDS[k].el || k);
    if (!e || k === 'ngl' || document.activeElement === e) continue;
    if (e.value !== state[k]) e.value = state[k];
  }
  for (const r of document.querySelectorAll('input[name=src]')) r.checked = r.value === state.src;
  for (const d of document.querySelectorAll('[data-src]')) d.hidden = d.dataset.src !== state.src;
  $('ngl-all').checked = state.ngl === 'all';
  if (state.ngl !== 'all') $('ngl').value = state.ngl;
  const custom = state.hw === 'custom';
  $('custom-hint').textContent = custom ? 'Custom hardware: give all three figures.' : 'Optional: figures here override the chosen device.';
}

function onField(key, value) {
  state[key] = value;
  recompute();
}

function bindInputs() {
  for (const k of Object.keys(FIELDS)) {
    const e = $(FIELDS[k].el || k);
    if (!e || k === 'ngl') continue;
    e.addEventListener(e.tagName === 'SELECT' ? 'change' : 'input', () => onField(k, e.value.trim()));
  }
  $('ngl').addEventListener('input', () => { $('ngl-all').checked = false; onField('ngl', $('ngl').value); });
  $('ngl-all').addEventListener('change', () => onField('ngl', $('ngl-all').checked ? 'all' : $('ngl').value));
  for (const r of document.querySelectorAll('input[name=src]')) {
    r.addEventListener('change', () => { if (r.checked) { state.src = r.value; recompute(); } });
  }
  $('model-filter').addEventListener('input', () => {
    fillModels($('model-filter').value);
    // the first match becomes the model, so typing a name and nothing else works
    const words = $('model-filter').value.toLowerCase().split(/\s+/).filter(Boolean);
    const first = words.length && lists.models.find((m) => words.every((w) => `${m.id} ${m.name} ${m.arch} ${m.params_b_total}b`.toLowerCase().includes(w)));
    if (first && first.id !== state.model) { state.model = first.id; $('model').value = first.id; recompute(); }
  });
  $('hw-filter').addEventListener('input', () => {
    fillHardware($('hardware'), $('hw-filter').value, false, true);
    const words = $('hw-filter').value.toLowerCase().split(/\s+/).filter(Boolean);
    const first = words.length && lists.hardware.find((h) => words.every((w) => (h.id + ' ' + h.name + ' ' + h.vendor).toLowerCase().includes(w)));
    if (first && first.id !== state.hw) { state.hw = first.id; $('hardware').value = first.id; recompute(); }
  });

  $('apply-ctx').addEventListener('click', () => lastFit && onField('ctx', String(lastFit.max_ctx)));
  $('apply-quant').addEventListener('click', () => lastFit && onField('quant', lastFit.best_quant));
  $('apply-ngl').addEventListener('click', () => {
    if (!lastFit) return;
    const all = last && lastFit.max_ngl >= last.model.n_layer + 1;
    onField('ngl', all ? 'all' : String(lastFit.max_ngl));
  });
  const copy = (text, btn) => {
    const done = () => { const t = btn.textContent; btn.textContent = 'copied'; setTimeout(() => { btn.textContent = t; }, 1200); };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text).then(done, () => {});
  };
  $('copy-flags').addEventListener('click', (ev) => copy($('flags').textContent, ev.target));
  $('copy-link').addEventListener('click', (ev) => copy(location.href, ev.target));

  // comparison pickers
  for (let i = 0; i < 4; i++) {
    const s = el('select', { 'aria-label': `comparison device ${i + 1}` });
    fillHardware(s, '', true, false);
    s.addEventListener('change', () => {
      const ids = [...$('cmp-pickers').querySelectorAll('select')].map((x) => x.value).filter(Boolean);
      state.cmp = ids.join(',');
      writeUrl();
      renderCompare();
    });
    $('cmp-pickers').append(s);
  }

  // calibration profile: a file, or pasted text (parsed after a pause), or back to the built-in one
  let profTimer = 0;
  $('prof').addEventListener('input', () => {
    clearTimeout(profTimer);
    profTimer = setTimeout(() => loadProfile($('prof').value, 'pasted profile'), 150);
  });
  $('prof-file').addEventListener('change', async () => {
    const f = $('prof-file').files[0];
    if (!f) return;
    try {
      const text = await f.text();
      $('prof').value = text;
      loadProfile(text, f.name);
    } catch (e) { $('err-prof').textContent = `${f.name}: cannot be read (${e.message})`; }
  });
  $('prof-clear').addEventListener('click', () => clearProfile());

  // config.json: parsed as the user types (after a pause)
  let hfTimer = 0;
  $('hf-text').addEventListener('input', () => {
    clearTimeout(hfTimer);
    hfTimer = setTimeout(() => loadHf($('hf-text').value), 150);
  });

  // .gguf: drop zone, file picker, and a drop anywhere on the page
  const drop = $('drop');
  $('gguf-file').addEventListener('change', () => { const f = $('gguf-file').files[0]; if (f) loadGguf(f); });
  drop.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); $('gguf-file').click(); } });
  window.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('over'); });
  window.addEventListener('dragleave', () => drop.classList.remove('over'));
  window.addEventListener('drop', (ev) => {
    ev.preventDefault();
    drop.classList.remove('over');
    const f = ev.dataTransfer && ev.dataTransfer.files[0];
    if (f) loadGguf(f);
  });
  window.addEventListener('resize', () => scheduleCharts());
}

function summaryText(s) {
  if (!s || typeof s !== 'object') return '';
  const parts = [];
  for (const k of ['name', 'arch', 'n_layer', 'params', 'file_type', 'ftype', 'n_tensors']) {
    if (s[k] != null) parts.push(`${k} ${k === 'params' ? (s[k] / 1e9).toFixed(2) + ' B' : s[k]}`);
  }
  return parts.join(', ');
}

// Reads only the header: slices of growing size until the estimator has all it needs.
async function loadGguf(file) {
  $('err-model').textContent = '';
  let size = Math.min(file.size, GGUF_FIRST_SLICE_BYTES);
  for (;;) {
    let bytes;
    try { bytes = new Uint8Array(await file.slice(0, size).arrayBuffer()); } catch (e) {
      $('err-model').textContent = `${file.name}: cannot be read (${e.message})`; return;
    }
    try {
      const s = est.setGguf(bytes, file.size, file.name);
      ggufName = file.name;
      state.src = 'gguf';
      state.quant = '';     // the file's own tensor types, unless a quant is picked (re-quantizing what-if)
      $('gguf-summary').textContent = `${file.name} (${(file.size / GIB).toFixed(2)} GiB): ${summaryText(s)}`;
      recompute();
      return;
    } catch (e) {
      const msg = String(e && e.message || e);
      const wantsMore = /more bytes|need(s)? more|larger|bigger|truncat|past the end|ends past|beyond|short/i.test(msg);
      if ((e && e.needBytes > size || wantsMore) && size < file.size && size < GGUF_MAX_SLICE_BYTES) {
        size = Math.min(file.size, Math.max(size * 4, (e && e.needBytes) || 0));
        continue;
      }
      $('err-model').textContent = `${file.name}: ${msg}`;
      markStale(true);
      return;
    }
  }
}

// The engines a profile has sections for (llama.cpp first), in the engine select.
function fillEngines(list) {
  const s = $('engine');
  const keep = state.engine;
  s.textContent = '';
  const names = [...new Set(['llama.cpp', ...(list || []), keep].filter(Boolean))];
  for (const n of names) s.append(el('option', { value: n, text: n === 'llama.cpp' ? 'llama.cpp (published runs)' : n }));
  s.value = keep;
}

// A calibration profile: given to the estimator, kept (compact) in the state and so in the URL.
function loadProfile(text, name) {
  $('err-prof').textContent = '';
  const t = String(text || '').trim();
  if (!t) { clearProfile(); return; }
  let compact = t;
  try { compact = JSON.stringify(JSON.parse(t)); } catch (e) {
    profError = `${name || 'profile'}: ${e.message}`;
    state.prof = t; profLoaded = '';
    recompute();
    return;
  }
  try {
    profInfo = est.setProfile(compact, name || 'profile.json');
    profLoaded = compact;
    profError = '';
    state.prof = compact;
    fillEngines(profInfo.engines);
  } catch (e) {
    profError = String(e && e.message || e);
    state.prof = compact; profLoaded = '';
  }
  recompute();
}

function clearProfile() {
  try { profInfo = est.setProfile(''); } catch { profInfo = null; }
  profLoaded = '';
  profError = '';
  state.prof = '';
  $('prof').value = '';
  const d = est.defaultProfile();
  profInfo = { name: d.name, created: d.created, engines: Object.keys(d.engines || {}) };
  fillEngines(profInfo.engines);
  recompute();
}

function loadHf(text) {
  $('err-model').textContent = '';
  if (!text.trim()) { hfLoaded = ''; state.hf = ''; return; }
  try {
    JSON.parse(text);   // a clear message for plain JSON typos, before the estimator's
  } catch (e) {
    $('err-model').textContent = `config.json: ${e.message}`;
    markStale(true);
    return;
  }
  try {
    const s = est.setHfConfig(text);
    hfLoaded = text;
    state.hf = text;
    state.src = 'hf';
    $('hf-summary').textContent = summaryText(s);
    recompute();
  } catch (e) {
    $('err-model').textContent = `config.json: ${e.message || e}`;
    markStale(true);
  }
}

// ---------- the measure panel (web/measure.js, when present) ----------

async function hookMeasure() {
  let info = {};
  try { info = await (await fetch('./build-info.json')).json(); } catch { return; }
  if (info.version) $('version').textContent = 'llmcap ' + info.version;
  if (!info.measure) return;
  try {
    const mod = await import('./measure.js');
    const btn = $('measure-run'), out = $('measure');
    if (typeof mod.init === 'function') { mod.init($('measure-panel'), { estimator: est, state, lists }); return; }
    if (typeof mod.measureDevice !== 'function') return;
    btn.disabled = false;
    btn.addEventListener('click', async () => {
      if (state.src !== 'db') { out.textContent = 'Measuring needs a built-in model (its layer shapes).'; return; }
      btn.disabled = true;
      out.textContent = 'Measuring…';
      try {
        const result = await mod.measureDevice({ model: state.model, quant: state.quant, est,
          onProgress: (t) => { out.textContent = String(t); } });
        if (typeof mod.renderMeasure === 'function') mod.renderMeasure(out, result);
        else out.textContent = JSON.stringify(result);
      } catch (e) {
        out.textContent = 'Measuring failed: ' + (e && e.message || e);
      } finally {
        btn.disabled = false;
      }
    });
  } catch (e) {
    $('measure').textContent = 'measure.js failed to load: ' + (e && e.message || e);
  }
}

// ---------- start ----------

async function main() {
  try {
    est = await loadEstimator();
    optName = resolveOptions(est.options());
    lists = { models: est.list('models'), hardware: est.list('hardware'), quants: est.list('quants') };
  } catch (e) {
    $('status').textContent = 'The estimator did not load: ' + (e.message || e);
    $('status').classList.add('err');
    return;
  }
  for (const t of KV_TYPES) { $('ctk').append(el('option', { value: t, text: t })); $('ctv').append(el('option', { value: t, text: t })); }
  $('quant').append(el('option', { value: '', text: 'as in the file / default' }));
  for (const q of lists.quants) $('quant').append(el('option', { value: q.name, text: q.name, title: `${q.base_bpw} bits per weight in its main type` }));
  fillHardware($('hardware'), '', false, true);
  fillHardware($('host'), '', false, false);
  const host = $('host');
  for (const og of [...host.querySelectorAll('optgroup')]) if (og.label !== 'CPU platforms') og.remove();
  {
    const d = est.defaultProfile();
    profInfo = { name: d.name, created: d.created, engines: Object.keys(d.engines || {}) };
  }
  readUrl();
  fillEngines(profInfo.engines);
  fillModels('');
  bindInputs();
  if (state.prof) {
    $('prof').value = state.prof;
    try {
      profInfo = est.setProfile(state.prof, 'profile from the link');
      profLoaded = state.prof;
      fillEngines(profInfo.engines);
    } catch (e) { profError = String(e && e.message || e); }
  }
  if (state.src === 'hf' && state.hf) {
    $('hf-text').value = state.hf;
    try { est.setHfConfig(state.hf); hfLoaded = state.hf; } catch (e) { $('err-model').textContent = `config.json: ${e.message}`; }
  }
  syncControls();
  recompute();
  document.body.dataset.ready = '1';
  window.__llmcap = { state, perf, recompute, get last() { return last; }, get fit() { return lastFit; } };
  hookMeasure();
}

main();
