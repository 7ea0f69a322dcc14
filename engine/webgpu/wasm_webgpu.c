/* wasm_webgpu.c - the exports of the WebGPU WASM build (make wasm-webgpu:
 * build/wasm/llmcap-engine-webgpu.{js,wasm}); engine/webgpu/api_webgpu.js
 * wraps them.
 *
 * JS gets integer handles (models, contexts) and JSON strings, never structs.
 * A returned string is owned by the module and valid until the next call that
 * returns one. Failures return -1 / NULL with the message in
 * llmcap_wgpu_last_error().
 *
 * Asyncify: the exports marked ASYNC can reach the WebGPU layer's wait
 * (engine/webgpu/wg_emscripten.c) and must be called with
 * ccall(..., {async: true}); JS must not call into the module while one of
 * them is in flight (api_webgpu.js queues every call).
 *
 * Contexts take a backend name, "webgpu" or "cpu", so one module can check the
 * two against each other.
 * Only compiled by emcc (the native build filters engine/webgpu/wasm_*.c out).
 */
#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "engine.h"
#include "wg.h"

#ifndef LLMCAP_VERSION
#define LLMCAP_VERSION "0.0.0"
#endif

#define MAX_MODELS 8
#define MAX_CTXS 16

/* the exports (ASYNC: call with ccall {async: true}) */
void *llmcap_wgpu_alloc(size_t n);
void llmcap_wgpu_free(void *p);
const char *llmcap_wgpu_last_error(void);
const char *llmcap_wgpu_adapter(void);                                             /* ASYNC */
int llmcap_wgpu_load(void *buf, size_t len);
void llmcap_wgpu_unload(int h);
const char *llmcap_wgpu_info(int h);
const char *llmcap_wgpu_tokenize(int h, const char *text, int add_special);
int llmcap_wgpu_ctx_create(int h, const char *backend, int n_ctx, int n_batch, int kv_f32); /* ASYNC */
void llmcap_wgpu_ctx_free(int ch);
const char *llmcap_wgpu_ctx_info(int ch);
void llmcap_wgpu_reset(int ch);
int llmcap_wgpu_decode(int ch, const int32_t *ids, int n);                         /* ASYNC */
int llmcap_wgpu_logits(int ch, float *out);
const char *llmcap_wgpu_generate(int ch, const int32_t *ids, int n, int n_predict, int32_t *out_ids,
                                 float *prompt_logits);                            /* ASYNC */
const char *llmcap_wgpu_bench(int h, const char *backend, int n_prompt, int n_gen, int reps); /* ASYNC */

typedef struct {
    eng_model *m;
    void *buf;              /* the file image; owned */
} wgpu_model;

typedef struct {
    eng_ctx *c;
    int model;              /* handle of its model */
    bool logits_valid;      /* c->logits belong to the last token decoded (not after a greedy step) */
} wgpu_ctx;

static wgpu_model models[MAX_MODELS];
static wgpu_ctx ctxs[MAX_CTXS];
static char last_error[1024];
static eng_strbuf out_buf;      /* the last returned string */

static void set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void set_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
}

static void out_reset(void)
{
    eng_strbuf_reset(&out_buf);
}

static void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    eng_strbuf_vprintf(&out_buf, fmt, ap);
    va_end(ap);
}

/* s as a JSON string; bytes >= 0x80 pass through (adapter strings are UTF-8) */
static void out_json_str(const char *s)
{
    out_printf("\"");
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') out_printf("\\%c", c);
        else if (c < 0x20) out_printf("\\u%04x", c);
        else out_printf("%c", c);
    }
    out_printf("\"");
}

static wgpu_model *get_model(int h)
{
    if (h < 0 || h >= MAX_MODELS || !models[h].m) {
        set_error("invalid model handle %d", h);
        return NULL;
    }
    return &models[h];
}

static wgpu_ctx *get_ctx(int h)
{
    if (h < 0 || h >= MAX_CTXS || !ctxs[h].c) {
        set_error("invalid context handle %d", h);
        return NULL;
    }
    return &ctxs[h];
}

static double now_ms(void) { return emscripten_get_now(); }

/* ---- memory, errors ---- */

EMSCRIPTEN_KEEPALIVE void *llmcap_wgpu_alloc(size_t n) { return malloc(n ? n : 1); }
EMSCRIPTEN_KEEPALIVE void llmcap_wgpu_free(void *p) { free(p); }
EMSCRIPTEN_KEEPALIVE const char *llmcap_wgpu_last_error(void) { return last_error; }

/* ---- the device ---- */

/* ASYNC (by convention; it does not wait today). The adapter and the device's
 * limits as JSON: {"vendor","architecture","device","description","backend",
 * "adapter_type","fallback","limits":{...}}, or NULL when there is no device. */
EMSCRIPTEN_KEEPALIVE const char *llmcap_wgpu_adapter(void)
{
    wg_dev *d = NULL;
    wg_open_params op = {0};
    if (wg_open(&op, &d, last_error, sizeof last_error) != ENG_OK) return NULL;
    const wg_adapter_info *i = wg_info(d);
    const wg_limits *l = wg_get_limits(d);
    out_reset();
    out_printf("{\"vendor\":");
    out_json_str(i->vendor);
    out_printf(",\"architecture\":");
    out_json_str(i->architecture);
    out_printf(",\"device\":");
    out_json_str(i->device);
    out_printf(",\"description\":");
    out_json_str(i->description);
    out_printf(",\"backend\":");
    out_json_str(i->backend);
    out_printf(",\"adapter_type\":");
    out_json_str(i->adapter_type);
    out_printf(",\"vendor_id\":%u,\"device_id\":%u,\"fallback\":%s,\"timestamps\":%s,", i->vendor_id, i->device_id,
               i->fallback ? "true" : "false", wg_has_timestamps(d) ? "true" : "false");
    out_printf("\"limits\":{\"max_storage_buffer_binding_size\":%llu,\"max_buffer_size\":%llu,"
               "\"min_storage_buffer_offset_alignment\":%u,\"min_uniform_buffer_offset_alignment\":%u,"
               "\"max_storage_buffers_per_shader_stage\":%u,\"max_compute_workgroup_storage_size\":%u,"
               "\"max_compute_invocations_per_workgroup\":%u,\"max_compute_workgroup_size_x\":%u,"
               "\"max_compute_workgroups_per_dimension\":%u}}",
               (unsigned long long)l->max_storage_buffer_binding_size, (unsigned long long)l->max_buffer_size,
               l->min_storage_buffer_offset_alignment, l->min_uniform_buffer_offset_alignment,
               l->max_storage_buffers_per_shader_stage, l->max_compute_workgroup_storage_size,
               l->max_compute_invocations_per_workgroup, l->max_compute_workgroup_size_x,
               l->max_compute_workgroups_per_dimension);
    wg_close(d);
    return out_buf.s;
}

/* ---- models ---- */

/* Take ownership of buf (from llmcap_wgpu_alloc) holding a GGUF file of len
 * bytes. Returns a handle >= 0, or -1 (buf is freed). */
EMSCRIPTEN_KEEPALIVE int llmcap_wgpu_load(void *buf, size_t len)
{
    int h = -1;
    for (int i = 0; i < MAX_MODELS; i++)
        if (!models[i].m) { h = i; break; }
    if (h < 0) {
        free(buf);
        set_error("too many models open (%d)", MAX_MODELS);
        return -1;
    }
    eng_model *m = NULL;
    if (eng_model_open_memory(buf, len, &m, last_error, sizeof last_error) != ENG_OK) {
        free(buf);
        return -1;
    }
    models[h].m = m;
    models[h].buf = buf;
    return h;
}

/* Free a model and every context made from it. */
EMSCRIPTEN_KEEPALIVE void llmcap_wgpu_unload(int h)
{
    wgpu_model *w = get_model(h);
    if (!w) return;
    for (int i = 0; i < MAX_CTXS; i++)
        if (ctxs[i].c && ctxs[i].model == h) { eng_ctx_free(ctxs[i].c); memset(&ctxs[i], 0, sizeof ctxs[i]); }
    eng_model_free(w->m);
    free(w->buf);
    memset(w, 0, sizeof *w);
}

/* {"arch","desc","n_vocab","n_embd","n_layer","n_head","n_head_kv","n_ff","n_ctx_train","n_params","model_size","has_tokenizer"} */
EMSCRIPTEN_KEEPALIVE const char *llmcap_wgpu_info(int h)
{
    wgpu_model *w = get_model(h);
    if (!w) return NULL;
    const eng_hparams *hp = &w->m->hp;
    char desc[96];
    eng_model_desc(w->m, desc, sizeof desc);
    out_reset();
    out_printf("{\"arch\":");
    out_json_str(hp->arch);
    out_printf(",\"desc\":");
    out_json_str(desc);
    out_printf(",\"n_vocab\":%d,\"n_embd\":%d,\"n_layer\":%d,\"n_head\":%d,\"n_head_kv\":%d,\"n_ff\":%d,"
               "\"n_ctx_train\":%d,\"n_params\":%llu,\"model_size\":%llu,\"has_tokenizer\":%s}",
               hp->n_vocab, hp->n_embd, hp->n_layer, hp->n_head, hp->n_head_kv, hp->n_ff, hp->n_ctx_train,
               (unsigned long long)hp->n_params, (unsigned long long)hp->weight_bytes, w->m->vocab ? "true" : "false");
    return out_buf.s;
}

/* Token ids of text as a JSON array (BOS when the vocabulary says so and add_special). */
EMSCRIPTEN_KEEPALIVE const char *llmcap_wgpu_tokenize(int h, const char *text, int add_special)
{
    wgpu_model *w = get_model(h);
    if (!w) return NULL;
    if (!w->m->vocab) { set_error("the model has no tokenizer"); return NULL; }
    size_t len = strlen(text);
    int64_t n = tok_encode(w->m->vocab, text, len, add_special != 0, NULL, 0);
    int32_t *ids = n >= 0 ? malloc((size_t)(n ? n : 1) * sizeof *ids) : NULL;
    if (!ids) { set_error("tokenizer failed"); return NULL; }
    tok_encode(w->m->vocab, text, len, add_special != 0, ids, n);
    out_reset();
    out_printf("[");
    for (int64_t i = 0; i < n; i++) out_printf(i ? ",%d" : "%d", ids[i]);
    out_printf("]");
    free(ids);
    return out_buf.s;
}

/* ---- contexts ---- */

/* ASYNC. A context on backend "webgpu" (or "cpu") with n_ctx positions (0 =
 * the engine's default), n_batch tokens per forward call (0 = default) and an
 * F32 (kv_f32) or F16 KV cache. Returns a handle >= 0 or -1. */
EMSCRIPTEN_KEEPALIVE int llmcap_wgpu_ctx_create(int h, const char *backend, int n_ctx, int n_batch, int kv_f32)
{
    wgpu_model *w = get_model(h);
    if (!w) return -1;
    int ch = -1;
    for (int i = 0; i < MAX_CTXS; i++)
        if (!ctxs[i].c) { ch = i; break; }
    if (ch < 0) { set_error("too many contexts open (%d)", MAX_CTXS); return -1; }
    eng_ctx_params cp = eng_ctx_default_params();
    cp.backend = backend && *backend ? backend : "webgpu";
    if (n_ctx > 0) cp.n_ctx = n_ctx;
    if (n_batch > 0) cp.n_batch = n_batch;
    cp.type_kv = kv_f32 ? GGUF_TYPE_F32 : GGUF_TYPE_F16;
    eng_ctx *c = NULL;
    if (eng_ctx_create(w->m, &cp, &c, last_error, sizeof last_error) != ENG_OK) return -1;
    ctxs[ch].c = c;
    ctxs[ch].model = h;
    ctxs[ch].logits_valid = false;
    return ch;
}

EMSCRIPTEN_KEEPALIVE void llmcap_wgpu_ctx_free(int ch)
{
    wgpu_ctx *x = get_ctx(ch);
    if (!x) return;
    eng_ctx_free(x->c);
    memset(x, 0, sizeof *x);
}

/* {"backend","n_ctx","n_batch","n_past","kv_bytes","simd","device":{...} or null} */
EMSCRIPTEN_KEEPALIVE const char *llmcap_wgpu_ctx_info(int ch)
{
    wgpu_ctx *x = get_ctx(ch);
    if (!x) return NULL;
    out_reset();
    out_printf("{\"backend\":");
    out_json_str(eng_ctx_backend(x->c));
    out_printf(",\"n_ctx\":%d,\"n_batch\":%d,\"n_past\":%d,\"kv_bytes\":%llu,\"simd\":", x->c->params.n_ctx,
               x->c->params.n_batch, x->c->n_past, (unsigned long long)eng_ctx_kv_bytes(x->c));
    out_json_str(eng_ctx_simd_name(x->c));
    eng_device_info di;
    if (eng_ctx_device_info(x->c, &di)) {
        out_printf(",\"device\":{\"vendor\":");
        out_json_str(di.vendor);
        out_printf(",\"architecture\":");
        out_json_str(di.architecture);
        out_printf(",\"device\":");
        out_json_str(di.device);
        out_printf(",\"description\":");
        out_json_str(di.description);
        out_printf(",\"api\":");
        out_json_str(di.api);
        out_printf(",\"adapter_type\":");
        out_json_str(di.adapter_type);
        out_printf(",\"fallback\":%s}", di.fallback ? "true" : "false");
    } else {
        out_printf(",\"device\":null");
    }
    out_printf("}");
    return out_buf.s;
}

EMSCRIPTEN_KEEPALIVE void llmcap_wgpu_reset(int ch)
{
    wgpu_ctx *x = get_ctx(ch);
    if (!x) return;
    eng_ctx_reset(x->c);
    x->logits_valid = false;
}

/* ASYNC. Append n tokens (int32 ids at `ids`) to the context; the last one's
 * logits are then read with llmcap_wgpu_logits. 0 or -1. */
EMSCRIPTEN_KEEPALIVE int llmcap_wgpu_decode(int ch, const int32_t *ids, int n)
{
    wgpu_ctx *x = get_ctx(ch);
    if (!x) return -1;
    x->logits_valid = false;
    if (eng_decode(x->c, ids, n, last_error, sizeof last_error) != ENG_OK) return -1;
    x->logits_valid = true;
    return 0;
}

/* Copy the last decoded token's logits (n_vocab floats) to out. 0 or -1. */
EMSCRIPTEN_KEEPALIVE int llmcap_wgpu_logits(int ch, float *out)
{
    wgpu_ctx *x = get_ctx(ch);
    if (!x) return -1;
    if (!x->logits_valid) {
        set_error("no logits: call llmcap_wgpu_decode first (generate keeps the prompt's logits only)");
        return -1;
    }
    memcpy(out, x->c->logits, (size_t)x->c->model->hp.n_vocab * sizeof(float));
    return 0;
}

/* ASYNC. Greedy generation: reset the context, decode the n prompt ids, then
 * n_predict tokens, each the argmax of the current logits (ties to the lowest
 * id; on the GPU computed there, eng_decode_greedy; no stop at
 * end-of-generation, as the references). The ids go to out_ids (n_predict
 * int32), the prompt's last logits to prompt_logits when not NULL (n_vocab
 * floats). Returns {"n_gen","n_prompt","prompt_ms","gen_ms"} or NULL. */
EMSCRIPTEN_KEEPALIVE const char *llmcap_wgpu_generate(int ch, const int32_t *ids, int n, int n_predict,
                                                      int32_t *out_ids, float *prompt_logits)
{
    wgpu_ctx *x = get_ctx(ch);
    if (!x) return NULL;
    eng_ctx *c = x->c;
    const int V = c->model->hp.n_vocab;
    if (n < 1 || n_predict < 0) { set_error("generate: need a prompt (n = %d) and n_predict >= 0", n); return NULL; }
    eng_ctx_reset(c);
    x->logits_valid = false;
    double t0 = now_ms();
    int32_t next = 0;
    if (prompt_logits) {
        if (eng_decode(c, ids, n, last_error, sizeof last_error) != ENG_OK) return NULL;
        memcpy(prompt_logits, c->logits, (size_t)V * sizeof(float));
        next = eng_argmax(c->logits, V);
    } else if (eng_decode_greedy(c, ids, n, &next, last_error, sizeof last_error) != ENG_OK) {
        return NULL;
    }
    double t_prompt = now_ms() - t0;
    int n_gen = 0;
    t0 = now_ms();
    while (n_gen < n_predict) {
        int32_t tok = next;
        out_ids[n_gen++] = tok;
        if (n_gen == n_predict || c->n_past >= c->params.n_ctx) break;
        if (eng_decode_greedy(c, &tok, 1, &next, last_error, sizeof last_error) != ENG_OK) return NULL;
    }
    double t_gen = now_ms() - t0;
    out_reset();
    out_printf("{\"n_gen\":%d,\"n_prompt\":%d,\"prompt_ms\":%.3f,\"gen_ms\":%.3f}", n_gen, n, t_prompt, t_gen);
    return out_buf.s;
}

/* ASYNC. llama-bench-style pp n_prompt and tg n_gen (either may be 0) on a
 * fresh context of `backend`, reps timed repetitions after one warm-up, as
 * engine/cli/cmd_bench.c: pp is random ids after BOS, decoded in n_batch
 * chunks; tg feeds random ids one at a time with eng_decode_greedy (the GPU
 * reads back its argmax, not the logits).
 * Returns JSON rows with llama-bench field names:
 * [{"n_prompt":..,"n_gen":..,"avg_ts":..,"stddev_ts":..,"samples_ts":[..],...}] */
EMSCRIPTEN_KEEPALIVE const char *llmcap_wgpu_bench(int h, const char *backend, int n_prompt, int n_gen, int reps)
{
    wgpu_model *w = get_model(h);
    if (!w) return NULL;
    if (reps < 1 || reps > 100 || n_prompt < 0 || n_gen < 0 || n_prompt + n_gen < 1) {
        set_error("bench: need 1 <= reps <= 100 and a test (n_prompt or n_gen > 0)");
        return NULL;
    }
    const int V = w->m->hp.n_vocab;
    char desc[96];
    eng_model_desc(w->m, desc, sizeof desc);
    eng_ctx_params cp = eng_ctx_default_params();
    cp.backend = backend && *backend ? backend : "webgpu";
    cp.n_ctx = n_prompt > n_gen ? n_prompt : n_gen;
    eng_ctx *c = NULL;
    if (eng_ctx_create(w->m, &cp, &c, last_error, sizeof last_error) != ENG_OK) return NULL;
    int32_t *toks = malloc((size_t)(n_prompt > 0 ? n_prompt : 1) * sizeof *toks);
    if (!toks) { eng_ctx_free(c); set_error("out of memory"); return NULL; }
    uint64_t rng = 1234;
    double ts[2][100];
    int n_rows = 0, tests[2][2];
    for (int test = 0; test < 2; test++) {
        int np = test == 0 ? n_prompt : 0, ng = test == 1 ? n_gen : 0;
        if (np + ng == 0) continue;
        for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
            eng_ctx_reset(c);
            double t0 = now_ms();
            eng_status st = ENG_OK;
            if (np) {
                for (int i = 0; i < np; i++) toks[i] = (int32_t)(eng_splitmix64(&rng) % (uint64_t)V);
                if (w->m->vocab && tok_bos(w->m->vocab) >= 0) toks[0] = tok_bos(w->m->vocab);
                st = eng_decode(c, toks, np, last_error, sizeof last_error);
            } else {
                int32_t tok = w->m->vocab && tok_bos(w->m->vocab) >= 0 ? tok_bos(w->m->vocab) : 0, next;
                for (int i = 0; i < ng && st == ENG_OK; i++) {
                    st = eng_decode_greedy(c, &tok, 1, &next, last_error, sizeof last_error);
                    tok = (int32_t)(eng_splitmix64(&rng) % (uint64_t)V);
                }
            }
            if (st != ENG_OK) { free(toks); eng_ctx_free(c); return NULL; }
            if (r >= 0) ts[n_rows][r] = (double)(np + ng) / ((now_ms() - t0) / 1e3);
        }
        tests[n_rows][0] = np;
        tests[n_rows][1] = ng;
        n_rows++;
    }
    free(toks);
    const char *simd = eng_ctx_simd_name(c);
    int n_batch = c->params.n_batch;
    out_reset();
    out_printf("[");
    for (int k = 0; k < n_rows; k++) {
        double sum = 0, sum2 = 0;
        for (int r = 0; r < reps; r++) { sum += ts[k][r]; sum2 += ts[k][r] * ts[k][r]; }
        double avg = sum / reps, sd = reps > 1 ? sqrt(fmax(0, (sum2 - sum * sum / reps) / (reps - 1))) : 0;
        out_printf("%s{\"engine\":\"llmcap-engine\",\"backend\":", k ? "," : "");
        out_json_str(eng_ctx_backend(c));
        out_printf(",\"simd\":");
        out_json_str(simd);
        out_printf(",\"build_version\":\"%s\",\"model_type\":", LLMCAP_VERSION);
        out_json_str(desc);
        out_printf(",\"model_size\":%llu,\"model_n_params\":%llu,\"n_threads\":1,\"n_batch\":%d,"
                   "\"type_k\":\"f16\",\"type_v\":\"f16\",\"n_prompt\":%d,\"n_gen\":%d,\"n_depth\":0,"
                   "\"avg_ts\":%.6f,\"stddev_ts\":%.6f,\"samples_ts\":[",
                   (unsigned long long)w->m->hp.weight_bytes, (unsigned long long)w->m->hp.n_params, n_batch,
                   tests[k][0], tests[k][1], avg, sd);
        for (int r = 0; r < reps; r++) out_printf(r ? ",%.4f" : "%.4f", ts[k][r]);
        out_printf("]}");
    }
    out_printf("]");
    eng_ctx_free(c);
    return out_buf.s;
}
#else
/* keep ISO C happy: a translation unit must not be empty */
typedef int llmcap_wasm_webgpu_native_build_placeholder;
#endif
