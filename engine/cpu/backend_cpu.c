/* backend_cpu.c - the CPU backend: eng_backend_ops on host memory, threads from
 * pool.h, kernels from kernels.h (SIMD level chosen at run time).
 *
 * Weights are read in place from the mapped GGUF. A matmul first converts its
 * input rows to the weight type's activation type (Q8_0 / Q8_1 / Q8_K blocks,
 * F16, BF16 or F32 as llama.cpp does) once, and reuses that conversion while the
 * input is unchanged (Q, K and V share one, as do gate and up). Decode (one
 * token) runs vec_dot over a contiguous share of the rows per thread; prefill
 * runs register-blocked gemm_tile over chunks of rows x all tokens, so each
 * weight block is read once per CPU_TILE_MAX tokens instead of once per token.
 *
 * Numerics follow ggml's CPU ops (facts): RMSNorm sums squares in double;
 * softmax subtracts the max, exponentiates, then scales by 1/sum; RoPE angles
 * are pos * freq_scale * base^(-2i/n_rot) (divided by rope_freqs[i] when the
 * model has them); SiLU is x / (1 + exp(-x)).
 */
#include <math.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "eng_internal.h"
#include "kernels.h"
#include "pool.h"

struct eng_act {
    float *data;
    size_t n;
    /* cached conversion of the rows to an activation type */
    void *q;
    size_t q_cap;       /* bytes */
    int q_type;         /* gguf_type, or -1 when the cache is stale */
    int q_rows;
    int64_t q_ne0;
    struct eng_act *next;
};

/* A thread's share of a matmul's rows: [next, end), `next` advanced atomically
 * by the owner and, once they are done with their own, by the other threads.
 * One per cache line: the counters are written while the task is read. */
struct mm_range {
    _Alignas(64) atomic_llong next;
    int64_t end;
};

typedef struct cpu_be {
    const cpu_kernels *k;
    cpu_pool *pool;
    int n_threads;
    void *k_cache, *v_cache;   /* [n_layer][n_ctx][n_kv_dim] of type_kv */
    size_t kv_elem;            /* 2 or 4 bytes */
    size_t kv_layer_bytes;
    float *scores;             /* [n_threads][n_ctx] attention scratch */
    float *rope_cs;            /* [n_batch][n_rot] cos, sin interleaved */
    int rope_pos0, rope_n;     /* what rope_cs holds */
    eng_act *acts;
    struct mm_range *ranges;   /* [n_threads] */
} cpu_be;

static cpu_be *impl(const eng_backend *be) { return (cpu_be *)be->impl; }

static inline void touch(eng_act *a) { a->q_type = -1; }

/* ------------------------------------------------------------------ */
static eng_status cpu_init(eng_backend *be, char *err, size_t err_len) {
    const eng_hparams *hp = &be->m->hp;
    cpu_be *c = calloc(1, sizeof *c);
    if (!c) return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory");
    be->impl = c;
    c->k = cpu_kernels_best();
    c->n_threads = be->p.n_threads;
    c->pool = cpu_pool_create(c->n_threads);
    if (!c->pool) return eng_fail(err, err_len, ENG_ERR_BACKEND, "could not start %d threads", c->n_threads);
    c->n_threads = cpu_pool_n(c->pool);
    c->ranges = aligned_alloc(64, (size_t)c->n_threads * sizeof *c->ranges);
    if (!c->ranges) return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory");
    c->kv_elem = be->p.type_kv == GGUF_TYPE_F16 ? 2 : 4;
    uint64_t kv_dim = (uint64_t)hp->n_head_kv * (uint64_t)hp->head_dim;
    uint64_t layer = (uint64_t)be->p.n_ctx * kv_dim * c->kv_elem;
    uint64_t total = layer * (uint64_t)hp->n_layer;
    if (total / (uint64_t)hp->n_layer != layer || total > (uint64_t)SIZE_MAX / 4)
        return eng_fail(err, err_len, ENG_ERR_NOMEM, "KV cache for n_ctx %d is too large", be->p.n_ctx);
    c->kv_layer_bytes = (size_t)layer;
    c->k_cache = malloc((size_t)total);
    c->v_cache = malloc((size_t)total);
    c->scores = malloc((size_t)c->n_threads * (size_t)be->p.n_ctx * sizeof(float));
    c->rope_cs = malloc((size_t)be->p.n_batch * (size_t)hp->n_rot * sizeof(float));
    if (!c->k_cache || !c->v_cache || !c->scores || !c->rope_cs)
        return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory for a KV cache of %.1f MiB (n_ctx %d)",
                    2.0 * (double)total / 1048576.0, be->p.n_ctx);
    c->rope_n = -1;
    return ENG_OK;
}

static void cpu_destroy(eng_backend *be) {
    cpu_be *c = impl(be);
    if (!c) return;
    for (eng_act *a = c->acts; a;) {
        eng_act *nx = a->next;
        free(a->data);
        free(a->q);
        free(a);
        a = nx;
    }
    cpu_pool_free(c->pool);
    free(c->ranges);
    free(c->k_cache);
    free(c->v_cache);
    free(c->scores);
    free(c->rope_cs);
    free(c);
    be->impl = NULL;
}

static eng_act *cpu_act_new(eng_backend *be, size_t n) {
    cpu_be *c = impl(be);
    eng_act *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->data = calloc(n ? n : 1, sizeof(float));
    /* activation rows take at most 4 bytes per value in any level's layout
     * (cpu_act_row_bytes; GGUF's F16/BF16 take 2, Q8_0/Q8_1/Q8_K 34/32,
     * 36/32 and 292/256, WASM128's Q8_0 and F16 layouts 3.625 and 4) */
    a->q_cap = 4 * n + 64;
    a->q = malloc(a->q_cap);
    if (!a->data || !a->q) { free(a->data); free(a->q); free(a); return NULL; }
    a->n = n;
    a->q_type = -1;
    a->next = c->acts;
    c->acts = a;
    return a;
}

static void cpu_embed(eng_backend *be, const eng_weight *emb, const int32_t *tok, int n_tok, eng_act *x) {
    const gguf_type_info *ti = gguf_type_get(emb->type);
    for (int t = 0; t < n_tok; t++)
        ti->to_float((const char *)emb->data + (size_t)tok[t] * emb->row_bytes, x->data + (size_t)t * emb->ne0,
                     emb->ne0);
    touch(x);
}

static void cpu_rmsnorm(eng_backend *be, const eng_act *x, const eng_weight *w, float eps, int n_tok, eng_act *y) {
    const int64_t d = w->ne0;
    const float *g = w->data;
    for (int t = 0; t < n_tok; t++) {
        const float *xr = x->data + (size_t)t * d;
        float *yr = y->data + (size_t)t * d;
        double sum = 0.0;
        for (int64_t i = 0; i < d; i++) sum += (double)(xr[i] * xr[i]);
        const float scale = 1.0f / sqrtf((float)(sum / (double)d) + eps);
        for (int64_t i = 0; i < d; i++) yr[i] = (xr[i] * scale) * g[i];
    }
    touch(y);
}

/* ---- matmul ---- */
typedef struct {
    const cpu_kernels *k;
    const eng_weight *w;
    const void *a;          /* activation rows */
    size_t a_row_bytes;
    int n_tok;
    float *y;
    /* quantization of the inputs, split over threads */
    const float *x;
    void *q;
    gguf_from_float_fn quant;
    struct mm_range *ranges; /* one per thread */
} mm_task;

static void mm_quant_task(void *v, int ith, int nth) {
    mm_task *t = v;
    const int64_t K = t->w->ne0;
    for (int r = ith; r < t->n_tok; r += nth) t->quant(t->x + (size_t)r * K, (char *)t->q + (size_t)r * t->a_row_bytes, K);
}

/* Rows per chunk of the prefill path: a chunk's weight rows stay in L1/L2
 * while every token group passes over them. */
#define MM_CHUNK_ROWS 16

/* Rows are split into one contiguous range per thread (sequential reads keep
 * the hardware prefetchers streaming); each thread works through its range in
 * chunks and then takes chunks from the other ranges, so a thread the OS
 * delays (a shared machine, more threads than free cores) does not hold the
 * others up. */
static void mm_rows(const mm_task *t, int64_t r0, int64_t r1) {
    const eng_weight *w = t->w;
    const int64_t M = w->ne1, K = w->ne0;
    if (t->n_tok == 1) {
        const gguf_vec_dot_fn dot = t->k->vec_dot[w->type];
        const void *a = t->a;
        float *y = t->y;
        const size_t rb = w->row_bytes;
        const char *wr = (const char *)w->data + (size_t)r0 * rb;
        for (int64_t r = r0; r < r1; r++, wr += rb) y[r] = dot(K, wr, a);
        return;
    }
    const cpu_gemm_tile_fn tile = t->k->gemm_tile[w->type];
    for (int tb = 0; tb < t->n_tok; tb += CPU_TILE_MAX) {
        int nc = t->n_tok - tb < CPU_TILE_MAX ? t->n_tok - tb : CPU_TILE_MAX;
        for (int64_t r = r0; r < r1; r += CPU_TILE_MAX) {
            int nr = r1 - r < CPU_TILE_MAX ? (int)(r1 - r) : CPU_TILE_MAX;
            tile(K, (const char *)w->data + (size_t)r * w->row_bytes, w->row_bytes, nr,
                 (const char *)t->a + (size_t)tb * t->a_row_bytes, t->a_row_bytes, nc,
                 t->y + (size_t)tb * M + r, (size_t)M);
        }
    }
}

static void mm_task_fn(void *v, int ith, int nth) {
    mm_task *t = v;
    const int64_t M = t->w->ne1;
    /* decode: chunks of 1/8 of a share (>= 16 rows); prefill: MM_CHUNK_ROWS rows */
    int64_t chunk = MM_CHUNK_ROWS;
    if (t->n_tok == 1) {
        chunk = M / ((int64_t)nth * 8);
        if (chunk < 16) chunk = 16;
    }
    for (int k = 0; k < nth; k++) {
        struct mm_range *rg = &t->ranges[(ith + k) % nth];
        for (;;) {
            int64_t r0 = atomic_fetch_add_explicit(&rg->next, chunk, memory_order_relaxed);
            if (r0 >= rg->end) break;
            mm_rows(t, r0, r0 + chunk < rg->end ? r0 + chunk : rg->end);
        }
    }
}

static void cpu_matmul(eng_backend *be, const eng_weight *w, const eng_weight *bias, const eng_act *xc,
                       int n_tok, eng_act *y) {
    cpu_be *c = impl(be);
    eng_act *x = (eng_act *)xc; /* the conversion cache is mutable state */
    const gguf_type_info *ti = gguf_type_get(w->type);
    const int vt = ti->vec_dot_type;
    const int64_t K = w->ne0, M = w->ne1;
    mm_task t = {.k = c->k, .w = w, .n_tok = n_tok, .y = y->data, .x = x->data, .ranges = c->ranges};
    const int nth = c->n_threads;
    for (int i = 0; i < nth; i++) {
        /* shares rounded to whole prefill chunks, so chunks never straddle shares */
        int64_t b = M * i / nth, e = M * (i + 1) / nth;
        if (n_tok > 1) {
            b = i == 0 ? 0 : (b + MM_CHUNK_ROWS / 2) / MM_CHUNK_ROWS * MM_CHUNK_ROWS;
            e = i == nth - 1 ? M : (e + MM_CHUNK_ROWS / 2) / MM_CHUNK_ROWS * MM_CHUNK_ROWS;
        }
        atomic_store_explicit(&c->ranges[i].next, b, memory_order_relaxed);
        c->ranges[i].end = e;
    }
    t.a_row_bytes = cpu_act_row_bytes(c->k, vt, K);
    if (vt == GGUF_TYPE_F32) {
        t.a = x->data;
    } else {
        if (x->q_type != vt || x->q_rows < n_tok || x->q_ne0 != K) {
            t.q = x->q;
            t.quant = c->k->quantize_act[vt];
            if (n_tok >= 4) cpu_pool_run(c->pool, mm_quant_task, &t);
            else mm_quant_task(&t, 0, 1);
            x->q_type = vt;
            x->q_rows = n_tok;
            x->q_ne0 = K;
        }
        t.a = x->q;
    }
    cpu_pool_run(c->pool, mm_task_fn, &t);
    if (bias && bias->data) {
        const float *b = bias->data;
        for (int tt = 0; tt < n_tok; tt++) {
            float *yr = y->data + (size_t)tt * M;
            for (int64_t r = 0; r < M; r++) yr[r] += b[r];
        }
    }
    touch(y);
}

/* ---- RoPE ---- */
static void rope_table(eng_backend *be, int n_tok, int pos0) {
    cpu_be *c = impl(be);
    if (c->rope_pos0 == pos0 && c->rope_n == n_tok) return;
    eng_rope_table(be->m, pos0, n_tok, c->rope_cs);
    c->rope_pos0 = pos0;
    c->rope_n = n_tok;
}

static void cpu_rope(eng_backend *be, eng_act *x, int n_tok, int n_head, int pos0) {
    cpu_be *c = impl(be);
    const eng_hparams *hp = &be->m->hp;
    rope_table(be, n_tok, pos0);
    const int hd = hp->head_dim, half = hp->n_rot / 2;
    for (int t = 0; t < n_tok; t++) {
        const float *cs = c->rope_cs + (size_t)t * hp->n_rot;
        for (int h = 0; h < n_head; h++) {
            float *v = x->data + ((size_t)t * n_head + h) * hd;
            if (hp->rope_type == ENG_ROPE_NEOX) {
                for (int i = 0; i < half; i++) {
                    float x0 = v[i], x1 = v[i + half], co = cs[2 * i], si = cs[2 * i + 1];
                    v[i] = x0 * co - x1 * si;
                    v[i + half] = x0 * si + x1 * co;
                }
            } else {
                for (int i = 0; i < half; i++) {
                    float x0 = v[2 * i], x1 = v[2 * i + 1], co = cs[2 * i], si = cs[2 * i + 1];
                    v[2 * i] = x0 * co - x1 * si;
                    v[2 * i + 1] = x0 * si + x1 * co;
                }
            }
        }
    }
    touch(x);
}

/* ---- attention ---- */
typedef struct {
    eng_backend *be;
    int il, n_tok, pos0;
    const float *q;
    float *out;
} att_task;

static void att_task_fn(void *v, int ith, int nth) {
    att_task *a = v;
    cpu_be *c = impl(a->be);
    const eng_hparams *hp = &a->be->m->hp;
    const int hd = hp->head_dim, nh = hp->n_head, group = hp->n_head / hp->n_head_kv;
    const size_t kv_dim = (size_t)hp->n_head_kv * hd;
    const float scale = 1.0f / sqrtf((float)hd);
    const char *kc = (const char *)c->k_cache + (size_t)a->il * c->kv_layer_bytes;
    const char *vc = (const char *)c->v_cache + (size_t)a->il * c->kv_layer_bytes;
    float *sc = c->scores + (size_t)ith * a->be->p.n_ctx;
    const bool f16 = c->kv_elem == 2;
    const int total = a->n_tok * nh;
    for (int job = ith; job < total; job += nth) {
        const int t = job / nh, h = job % nh, g = h / group;
        const int n_kv = a->pos0 + t + 1;
        const float *q = a->q + ((size_t)t * nh + h) * hd;
        float mx = -INFINITY;
        for (int j = 0; j < n_kv; j++) {
            size_t off = ((size_t)j * kv_dim + (size_t)g * hd) * c->kv_elem;
            float s = f16 ? c->k->dot_f32_f16(hd, q, (const uint16_t *)(kc + off))
                          : c->k->dot_f32(hd, q, (const float *)(kc + off));
            s *= scale;
            sc[j] = s;
            if (s > mx) mx = s;
        }
        double sum = 0.0;
        for (int j = 0; j < n_kv; j++) {
            float e = expf(sc[j] - mx);
            sc[j] = e;
            sum += e;
        }
        const float inv = (float)(1.0 / sum);
        float *o = a->out + ((size_t)t * nh + h) * hd;
        memset(o, 0, (size_t)hd * sizeof(float));
        for (int j = 0; j < n_kv; j++) {
            size_t off = ((size_t)j * kv_dim + (size_t)g * hd) * c->kv_elem;
            if (f16) c->k->axpy_f16(hd, sc[j] * inv, (const uint16_t *)(vc + off), o);
            else c->k->axpy_f32(hd, sc[j] * inv, (const float *)(vc + off), o);
        }
    }
}

static void cpu_attention(eng_backend *be, int il, const eng_act *q, const eng_act *k, const eng_act *v,
                          int n_tok, int pos0, eng_act *out) {
    cpu_be *c = impl(be);
    const eng_hparams *hp = &be->m->hp;
    const size_t kv_dim = (size_t)hp->n_head_kv * hp->head_dim;
    char *kc = (char *)c->k_cache + (size_t)il * c->kv_layer_bytes + (size_t)pos0 * kv_dim * c->kv_elem;
    char *vc = (char *)c->v_cache + (size_t)il * c->kv_layer_bytes + (size_t)pos0 * kv_dim * c->kv_elem;
    size_t n = (size_t)n_tok * kv_dim;
    if (c->kv_elem == 2) {
        uint16_t *kh = (uint16_t *)kc, *vh = (uint16_t *)vc;
        for (size_t i = 0; i < n; i++) {
            kh[i] = gguf_fp32_to_fp16(k->data[i]);
            vh[i] = gguf_fp32_to_fp16(v->data[i]);
        }
    } else {
        memcpy(kc, k->data, n * sizeof(float));
        memcpy(vc, v->data, n * sizeof(float));
    }
    att_task a = {.be = be, .il = il, .n_tok = n_tok, .pos0 = pos0, .q = q->data, .out = out->data};
    cpu_pool_run(c->pool, att_task_fn, &a);
    touch(out);
}

static void cpu_swiglu(eng_backend *be, eng_act *gate, const eng_act *up, size_t n) {
    float *g = gate->data;
    const float *u = up->data;
    for (size_t i = 0; i < n; i++) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
    touch(gate);
}

static void cpu_add(eng_backend *be, eng_act *x, const eng_act *y, size_t n) {
    for (size_t i = 0; i < n; i++) x->data[i] += y->data[i];
    touch(x);
}

static void cpu_get_row(eng_backend *be, const eng_act *src, int row, int dim, eng_act *dst) {
    memcpy(dst->data, src->data + (size_t)row * dim, (size_t)dim * sizeof(float));
    touch(dst);
}

static eng_status cpu_read(eng_backend *be, const eng_act *x, size_t n, float *host, char *err, size_t err_len) {
    memcpy(host, x->data, n * sizeof(float));
    return ENG_OK;
}

static uint64_t cpu_kv_bytes(const eng_backend *be) {
    return 2ull * impl(be)->kv_layer_bytes * (uint64_t)be->m->hp.n_layer;
}

static const char *cpu_simd_name_fn(const eng_backend *be) { return impl(be)->k->name; }

const eng_backend_ops eng_backend_cpu = {
    .name = "cpu",
    .init = cpu_init,
    .destroy = cpu_destroy,
    .act_new = cpu_act_new,
    .embed = cpu_embed,
    .rmsnorm = cpu_rmsnorm,
    .matmul = cpu_matmul,
    .rope = cpu_rope,
    .attention = cpu_attention,
    .swiglu = cpu_swiglu,
    .add = cpu_add,
    .get_row = cpu_get_row,
    .read = cpu_read,
    .kv_bytes = cpu_kv_bytes,
    .simd_name = cpu_simd_name_fn,
};
