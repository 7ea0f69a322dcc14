/* wasm.c - the engine's exports for the WebAssembly build (make wasm).
 *
 * The JS wrapper (engine/wasm/api.mjs) copies a GGUF file into the WASM heap
 * (llmcap_eng_alloc), opens it from memory, and calls these functions; results
 * that are more than a number come back as a JSON string owned by the module
 * (valid until the next call that returns a string). Errors are reported as
 * {"error": "..."} JSON, or -1 / NULL with llmcap_eng_last_error().
 * Only compiled by emcc: the native build never sees this file's exports.
 *
 * Threads: the pthreads build (llmcap-engine-mt.js, -pthread) defines
 * LLMCAP_WASM_MAX_THREADS, the size of its worker pool; calls that run the
 * model take n_threads and clamp it to [1, that] (the single-threaded build:
 * always 1), since a thread beyond the pool could only start after the call
 * returned to the event loop.
 *
 * Models made in the page (no file to fetch): llmcap_eng_mkmodel writes a
 * synthetic GGUF of given dimensions into the heap (mkmodel.h,
 * mkmodel_write_memory); the buffer can go straight to llmcap_eng_load, or be
 * copied out for another module (the pthreads or WebGPU build) and freed.
 */
#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "strbuf.h"
#include "engine.h"
#include "membw.h"
#include "mkmodel.h"

#define MAX_MODELS 8
#ifndef LLMCAP_WASM_MAX_THREADS
#define LLMCAP_WASM_MAX_THREADS 1
#endif

static int clamp_threads(int n) {
    return n < 1 ? 1 : n > LLMCAP_WASM_MAX_THREADS ? LLMCAP_WASM_MAX_THREADS : n;
}

typedef struct {
    eng_model *m;
    void *buf;          /* the file image; owned */
} wasm_model;

static wasm_model models[MAX_MODELS];
static char last_error[512];
static eng_strbuf out_buf;  /* the last returned string */

static void out_reset(void) { eng_strbuf_reset(&out_buf); }

static void out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out_printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    eng_strbuf_vprintf(&out_buf, fmt, ap);
    va_end(ap);
}

/* Raw bytes as a JSON string: every byte >= 0x80 becomes \u00XX (one code point
 * per byte), so text cut inside a UTF-8 sequence survives; api.js turns the
 * code points back into bytes and decodes them as UTF-8. */
static void out_json_str(const char *s, size_t n) {
    out_printf("\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') out_printf("\\%c", c);
        else if (c < 0x20 || c >= 0x80) out_printf("\\u%04x", c);
        else out_printf("%c", c);
    }
    out_printf("\"");
}

static wasm_model *get(int h) {
    if (h < 0 || h >= MAX_MODELS || !models[h].m) {
        snprintf(last_error, sizeof last_error, "invalid model handle %d", h);
        return NULL;
    }
    return &models[h];
}

EMSCRIPTEN_KEEPALIVE void *llmcap_eng_alloc(size_t n) { return malloc(n ? n : 1); }
EMSCRIPTEN_KEEPALIVE void llmcap_eng_free(void *p) { free(p); }
EMSCRIPTEN_KEEPALIVE const char *llmcap_eng_last_error(void) { return last_error; }
/* The most threads a call can use: the pthreads build's pool size, else 1. */
EMSCRIPTEN_KEEPALIVE int llmcap_eng_max_threads(void) { return LLMCAP_WASM_MAX_THREADS; }

/* Take ownership of buf (from llmcap_eng_alloc) holding a GGUF file of len bytes.
 * Returns a handle >= 0, or -1 (buf is freed; see llmcap_eng_last_error). */
EMSCRIPTEN_KEEPALIVE int llmcap_eng_load(void *buf, size_t len) {
    int h = -1;
    for (int i = 0; i < MAX_MODELS; i++)
        if (!models[i].m) { h = i; break; }
    if (h < 0) {
        free(buf);
        snprintf(last_error, sizeof last_error, "too many models open (%d)", MAX_MODELS);
        return -1;
    }
    eng_model *m = NULL;
    eng_status st = eng_model_open_memory(buf, len, &m, last_error, sizeof last_error);
    if (st != ENG_OK) { free(buf); return -1; }
    models[h].m = m;
    models[h].buf = buf;
    return h;
}

EMSCRIPTEN_KEEPALIVE void llmcap_eng_unload(int h) {
    wasm_model *w = get(h);
    if (!w) return;
    eng_model_free(w->m);
    free(w->buf);
    memset(w, 0, sizeof *w);
}

/* A synthetic model (mkmodel.h) of the given dimensions, arch "llama" or
 * "qwen2", every 2-D weight of type_name (a tensor type, "Q4_0", or a file-type
 * mix, "Q4_K_M"; mkmodel_parse_type), written into a heap buffer. head_dim 0 =
 * n_embd / n_head; n_ctx 0 = 2048; tied: no output.weight. Generated on
 * n_threads threads (clamped to the pool; the bytes do not depend on it).
 * Returns the buffer (*out_len bytes; give it to llmcap_eng_load, which takes
 * it, or free it with llmcap_eng_free), or NULL (see llmcap_eng_last_error). */
EMSCRIPTEN_KEEPALIVE void *llmcap_eng_mkmodel(const char *arch, int n_embd, int n_layer, int n_head, int n_head_kv,
                                              int n_ff, int n_vocab, int head_dim, int n_ctx, int tied,
                                              const char *type_name, double seed, int n_threads, size_t *out_len) {
    if (n_embd <= 0 || n_layer <= 0 || n_head <= 0 || n_head_kv <= 0 || n_ff <= 0 || n_vocab <= 0 || head_dim < 0 ||
        n_ctx < 0 || !out_len) {
        snprintf(last_error, sizeof last_error, "mkmodel: dimensions must be positive");
        return NULL;
    }
    mkmodel_params p = mkmodel_default_params();
    snprintf(p.arch, sizeof p.arch, "%s", arch && arch[0] ? arch : "llama");
    p.n_embd = (uint32_t)n_embd;
    p.n_layer = (uint32_t)n_layer;
    p.n_head = (uint32_t)n_head;
    p.n_head_kv = (uint32_t)n_head_kv;
    p.n_ff = (uint32_t)n_ff;
    p.n_vocab = (uint32_t)n_vocab;
    p.head_dim = (uint32_t)head_dim;
    p.n_ctx = (uint32_t)n_ctx;
    p.tied = tied != 0;
    p.seed = (uint64_t)seed;
    p.n_threads = (uint32_t)clamp_threads(n_threads);
    if (mkmodel_parse_type(type_name ? type_name : "", &p.weight_type, &p.ftype, last_error, sizeof last_error) !=
        MKMODEL_OK)
        return NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    if (mkmodel_write_memory(&p, &buf, &len, NULL, last_error, sizeof last_error) != MKMODEL_OK) return NULL;
    *out_len = len;
    return buf;
}

/* STREAM-style memory bandwidth (membw.h) over three arrays of array_mib MiB
 * each, best of reps passes, on n_threads threads (clamped):
 * {"triad_gbps":..,"read_gbps":..,"array_bytes":..,"n_threads":..}, or NULL. */
EMSCRIPTEN_KEEPALIVE const char *llmcap_eng_membw(int n_threads, int array_mib, int reps) {
    cpu_membw bw;
    if (array_mib < 1 || reps < 1 ||
        cpu_membw_measure(clamp_threads(n_threads), (size_t)array_mib << 20, reps, &bw) != 0) {
        snprintf(last_error, sizeof last_error, "membw: cannot allocate 3 x %d MiB or start the threads", array_mib);
        return NULL;
    }
    out_reset();
    out_printf("{\"triad_gbps\":%.4f,\"read_gbps\":%.4f,\"array_bytes\":%llu,\"n_threads\":%d}", bw.triad_gbps,
               bw.read_gbps, (unsigned long long)bw.array_bytes, bw.n_threads);
    return out_buf.s;
}

/* {"arch":..., "n_vocab":..., "n_embd":..., "n_layer":..., "n_params":..., "size":..., "desc":...} */
EMSCRIPTEN_KEEPALIVE const char *llmcap_eng_info(int h) {
    wasm_model *w = get(h);
    if (!w) return NULL;
    const eng_hparams *hp = &w->m->hp;
    char desc[96];
    eng_model_desc(w->m, desc, sizeof desc);
    out_reset();
    out_printf("{\"arch\":\"%s\",\"desc\":\"%s\",\"n_vocab\":%d,\"n_embd\":%d,\"n_layer\":%d,\"n_head\":%d,"
               "\"n_head_kv\":%d,\"n_ff\":%d,\"n_ctx_train\":%d,\"n_params\":%llu,\"model_size\":%llu,"
               "\"has_tokenizer\":%s,\"max_threads\":%d,\"simd\":\"%s\"}",
               hp->arch, desc, hp->n_vocab, hp->n_embd, hp->n_layer, hp->n_head, hp->n_head_kv, hp->n_ff,
               hp->n_ctx_train, (unsigned long long)hp->n_params, (unsigned long long)hp->weight_bytes,
               w->m->vocab ? "true" : "false", LLMCAP_WASM_MAX_THREADS,
#ifdef __wasm_simd128__
               "wasm-simd128"
#else
               "scalar"
#endif
    );
    return out_buf.s;
}

/* Token ids of text as a JSON array (BOS added when the vocabulary says so and add_special). */
EMSCRIPTEN_KEEPALIVE const char *llmcap_eng_tokenize(int h, const char *text, int add_special) {
    wasm_model *w = get(h);
    if (!w) return NULL;
    if (!w->m->vocab) { snprintf(last_error, sizeof last_error, "the model has no tokenizer"); return NULL; }
    size_t len = strlen(text);
    int64_t n = tok_encode(w->m->vocab, text, len, add_special != 0, NULL, 0);
    int32_t *ids = n >= 0 ? malloc((size_t)(n ? n : 1) * sizeof *ids) : NULL;
    if (!ids) { snprintf(last_error, sizeof last_error, "tokenizer failed"); return NULL; }
    tok_encode(w->m->vocab, text, len, add_special != 0, ids, n);
    out_reset();
    out_printf("[");
    for (int64_t i = 0; i < n; i++) out_printf(i ? ",%d" : "%d", ids[i]);
    out_printf("]");
    free(ids);
    return out_buf.s;
}

static double now_ms(void) { return emscripten_get_now(); }

/* Generate n_predict tokens after the prompt ids (JSON-free: a pointer to n
 * int32 ids in the heap) on n_threads threads (clamped). Returns {"tokens":[...],"text":"...","prompt_ms":..,
 * "gen_ms":..,"logits_last_prompt": [top-5 [id, logit]...]} or NULL. */
EMSCRIPTEN_KEEPALIVE const char *llmcap_eng_generate(int h, const int32_t *ids, int n, int n_predict, float temp,
                                                     int top_k, float top_p, double seed, int n_ctx, int kv_f32,
                                                     int stop_at_eog, int n_threads) {
    wasm_model *w = get(h);
    if (!w) return NULL;
    eng_ctx_params cp = eng_ctx_default_params();
    cp.n_ctx = n_ctx > 0 ? n_ctx : n + n_predict;
    cp.type_kv = kv_f32 ? GGUF_TYPE_F32 : GGUF_TYPE_F16;
    cp.n_threads = clamp_threads(n_threads);
    eng_ctx *c;
    if (eng_ctx_create(w->m, &cp, &c, last_error, sizeof last_error) != ENG_OK) return NULL;
    double t0 = now_ms();
    if (eng_decode(c, ids, n, last_error, sizeof last_error) != ENG_OK) { eng_ctx_free(c); return NULL; }
    double t_prompt = now_ms() - t0;
    eng_sampler_params sp = {.temperature = temp, .top_k = top_k, .top_p = top_p, .seed = (uint64_t)seed};
    eng_sampler s;
    eng_sampler_init(&s, &sp);
    int32_t *gen = malloc((size_t)(n_predict > 0 ? n_predict : 1) * sizeof *gen);
    if (!gen) { eng_ctx_free(c); snprintf(last_error, sizeof last_error, "out of memory"); return NULL; }
    /* the top 5 of the prompt's last logits, for checks against references */
    int top[5];
    for (int k = 0; k < 5; k++) {
        int best = -1;
        for (int i = 0; i < w->m->hp.n_vocab; i++) {
            bool used = false;
            for (int j = 0; j < k; j++) used |= top[j] == i;
            if (!used && (best < 0 || c->logits[i] > c->logits[best])) best = i;
        }
        top[k] = best;
    }
    out_reset();
    out_printf("{\"top5\":[");
    for (int k = 0; k < 5; k++) out_printf("%s[%d,%.9g]", k ? "," : "", top[k], c->logits[top[k]]);
    out_printf("],");
    int n_gen = 0;
    eng_status st = ENG_OK;
    t0 = now_ms();
    while (n_gen < n_predict) {
        int32_t tok = eng_sample(&s, c->logits, w->m->hp.n_vocab);
        gen[n_gen++] = tok;
        if (stop_at_eog && w->m->vocab && tok_is_eog(w->m->vocab, tok)) break;
        if (n_gen == n_predict || c->n_past >= c->params.n_ctx) break;
        if ((st = eng_decode(c, &tok, 1, last_error, sizeof last_error)) != ENG_OK) break;
    }
    double t_gen = now_ms() - t0;
    if (st != ENG_OK) { free(gen); eng_ctx_free(c); return NULL; }
    out_printf("\"tokens\":[");
    for (int i = 0; i < n_gen; i++) out_printf(i ? ",%d" : "%d", gen[i]);
    out_printf("],\"text\":");
    char *text = NULL;
    size_t tl = 0;
    if (w->m->vocab) {
        text = malloc((size_t)n_gen * 64 + 1);
        for (int i = 0; text && i < n_gen; i++) {
            int l = tok_piece(w->m->vocab, gen[i], text + tl, 64);
            if (l > 0) tl += (size_t)(l < 64 ? l : 64);
        }
    }
    out_json_str(text ? text : "", text ? tl : 0);
    free(text);
    out_printf(",\"prompt_ms\":%.3f,\"gen_ms\":%.3f,\"n_prompt\":%d,\"n_gen\":%d}", t_prompt, t_gen, n, n_gen);
    free(gen);
    eng_ctx_free(c);
    return out_buf.s;
}

/* The last-position logits of a prompt, copied to out (n_vocab floats), on
 * n_threads threads (clamped). 0 or -1. */
EMSCRIPTEN_KEEPALIVE int llmcap_eng_logits(int h, const int32_t *ids, int n, int kv_f32, float *out, int n_threads) {
    wasm_model *w = get(h);
    if (!w) return -1;
    eng_ctx_params cp = eng_ctx_default_params();
    cp.n_ctx = n;
    cp.type_kv = kv_f32 ? GGUF_TYPE_F32 : GGUF_TYPE_F16;
    cp.n_threads = clamp_threads(n_threads);
    eng_ctx *c;
    if (eng_ctx_create(w->m, &cp, &c, last_error, sizeof last_error) != ENG_OK) return -1;
    int rc = eng_decode(c, ids, n, last_error, sizeof last_error) == ENG_OK ? 0 : -1;
    if (!rc) memcpy(out, c->logits, (size_t)w->m->hp.n_vocab * sizeof(float));
    eng_ctx_free(c);
    return rc;
}

/* llama-bench-style pp n_prompt and tg n_gen (either may be 0), reps timed
 * repetitions after one warm-up, on n_threads threads (clamped). Returns JSON with llama-bench field names:
 * [{"n_prompt":..,"n_gen":..,"avg_ts":..,"stddev_ts":..,"samples_ts":[..],...}] */
EMSCRIPTEN_KEEPALIVE const char *llmcap_eng_bench(int h, int n_prompt, int n_gen, int reps, int n_threads) {
    wasm_model *w = get(h);
    if (!w) return NULL;
    if (reps < 1 || n_prompt < 0 || n_gen < 0 || n_prompt + n_gen < 1) {
        snprintf(last_error, sizeof last_error, "bench: need reps >= 1 and a test (n_prompt or n_gen > 0)");
        return NULL;
    }
    const int V = w->m->hp.n_vocab;
    char desc[96];
    eng_model_desc(w->m, desc, sizeof desc);
    static char rows[2][2048];
    int n_rows = 0;
    uint64_t rng = 1234;
    for (int test = 0; test < 2; test++) {
        int np = test == 0 ? n_prompt : 0, ng = test == 1 ? n_gen : 0;
        if (np + ng == 0) continue;
        eng_ctx_params cp = eng_ctx_default_params();
        cp.n_ctx = np + ng;
        cp.n_threads = clamp_threads(n_threads);
        eng_ctx *c;
        if (eng_ctx_create(w->m, &cp, &c, last_error, sizeof last_error) != ENG_OK) return NULL;
        double ts[1000];
        int nr = reps < 1000 ? reps : 1000;
        int32_t *toks = malloc((size_t)(np > 0 ? np : 1) * sizeof *toks);
        if (!toks) { eng_ctx_free(c); return NULL; }
        for (int r = -1; r < nr; r++) { /* r = -1: warm-up */
            eng_ctx_reset(c);
            double t0 = now_ms();
            eng_status st = ENG_OK;
            if (np) {
                for (int i = 0; i < np; i++) toks[i] = (int32_t)(eng_splitmix64(&rng) % (uint64_t)V);
                st = eng_decode(c, toks, r < 0 ? (np < c->params.n_batch ? np : c->params.n_batch) : np,
                                last_error, sizeof last_error);
            } else {
                int32_t tok = w->m->vocab && tok_bos(w->m->vocab) >= 0 ? tok_bos(w->m->vocab) : 0;
                for (int i = 0; i < (r < 0 ? 1 : ng) && st == ENG_OK; i++) {
                    st = eng_decode(c, &tok, 1, last_error, sizeof last_error);
                    tok = (int32_t)(eng_splitmix64(&rng) % (uint64_t)V);
                }
            }
            if (st != ENG_OK) { free(toks); eng_ctx_free(c); return NULL; }
            if (r >= 0) ts[r] = (double)(np + ng) / ((now_ms() - t0) / 1e3);
        }
        free(toks);
        eng_ctx_free(c);
        double sum = 0, sum2 = 0;
        for (int r = 0; r < nr; r++) { sum += ts[r]; sum2 += ts[r] * ts[r]; }
        double avg = sum / nr, sd = nr > 1 ? sqrt(fmax(0, (sum2 - sum * sum / nr) / (nr - 1))) : 0;
        int off = snprintf(rows[n_rows], sizeof rows[0],
                           "{\"engine\":\"llmcap-engine\",\"backend\":\"cpu\",\"backends\":\"CPU\",\"simd\":\"%s\","
                           "\"build_version\":\"%s\",\"model_type\":\"%s\",\"model_size\":%llu,\"model_n_params\":%llu,"
                           "\"n_threads\":%d,\"n_batch\":%d,\"type_k\":\"f16\",\"type_v\":\"f16\",\"n_gpu_layers\":0,"
                           "\"n_prompt\":%d,\"n_gen\":%d,\"n_depth\":0,\"avg_ts\":%.6f,\"stddev_ts\":%.6f,\"samples_ts\":[",
#ifdef __wasm_simd128__
                           "wasm-simd128",
#else
                           "scalar",
#endif
#ifdef LLMCAP_VERSION
                           LLMCAP_VERSION,
#else
                           "0.0.0",
#endif
                           desc, (unsigned long long)w->m->hp.weight_bytes, (unsigned long long)w->m->hp.n_params,
                           cp.n_threads, cp.n_batch, np, ng, avg, sd);
        for (int r = 0; r < nr && off < (int)sizeof rows[0] - 32; r++)
            off += snprintf(rows[n_rows] + off, sizeof rows[0] - (size_t)off, r ? ",%.4f" : "%.4f", ts[r]);
        snprintf(rows[n_rows] + off, sizeof rows[0] - (size_t)off, "]}");
        n_rows++;
    }
    out_reset();
    out_printf("[%s%s%s]", rows[0], n_rows > 1 ? "," : "", n_rows > 1 ? rows[1] : "");
    return out_buf.s;
}
#else
/* keep ISO C happy: a translation unit must not be empty */
typedef int llmcap_wasm_native_build_placeholder;
#endif
