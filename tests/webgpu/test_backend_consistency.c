/* test_backend_consistency.c - every WebGPU kernel compared with the CPU
 * reference over shapes and types (llama.cpp's test-backend-ops idea: run each
 * op on each backend, compare with a named tolerance).
 *
 * The models are built by hand in memory: hyper-parameters plus layers whose
 * eng_weight entries point to buffers quantized here, with the type table
 * (types.h: from_float / to_float / row bytes), from seeded random floats.
 * Both backends (eng_backend_cpu, eng_backend_webgpu) are initialised on the
 * same model (the WebGPU init uploads every layer weight, bias and norm and the
 * output tensors); inputs reach each device through ops->embed (an F32 table
 * whose rows are the inputs, token ids 0..n-1) and results come back through
 * ops->read. Outputs are poisoned with NaN before an op, so a kernel that
 * skips an element fails.
 *
 *   matmul  F32, F16, Q8_0, Q4_0, Q4_K, Q6_K (GPU-native layouts) and Q5_K,
 *           Q4_1 (converted to F16 at upload), one layer per type whose Q, K,
 *           V (and gate, up) the backend fuses into one tensor; row lengths
 *           K = 32k (256k for the K-quants), rows M in {1, 3, 5, 66, 130,
 *           300}; n_tok in {1, 2, 5, 64, 67, 130} (1: the matvec kernel, more:
 *           the 64x64 tiled one); with and without bias. Compared with a
 *           double-precision reference to_float(W) . x, relative to
 *           S = sum_k |w_k x_k| + |bias| per output; and, more loosely, with
 *           the CPU backend (which rounds the activations to Q8_0/Q8_K/F16
 *           blocks as llama.cpp does).
 *   fused   the optional norm_matmuls, norm_glu and matmul_add (one dispatch
 *           at n_tok 1) against the double reference of the plain sequence,
 *           on fused layers with and without biases and on a mixed-type one;
 *           a fused Q|K|V with an odd-row part (test_fused_upload_odd_rows).
 *   rmsnorm, rope (NORM and NEOX, n_rot < head_dim, pos0 > 0), attention
 *           (prefill of 130 so keys span three 64-key tiles, decode and more
 *           prefill at pos0 > 0, GQA 4, head_dim 64 / 128 / 256 (decode in
 *           attention_dec, which also appends the token to the cache that the
 *           next prefill reads) and 96 (decode through kv_store + attention),
 *           KV cache F32 and F16), swiglu, add, get_row and argmax (ties to the lowest
 *           index): GPU against the CPU backend's ops on the same inputs.
 *
 * Needs a real WebGPU adapter (here Mesa's lavapipe through Dawn). Without
 * one it prints "skip: <reason>" and "0 passed, 0 failed", unless
 * LLMCAP_REQUIRE_WEBGPU=1, where that is a failure; so main() is our own, as
 * in test_wg.c.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "test.h"
#include "types.h"

/* ---- named tolerances ---- */
/* GPU matmul vs the double reference, GPU-native types: the weights are
 * dequantized exactly in f32 (an f16 scale times a small integer), so the
 * only error is f32 accumulation over K <= 768 terms, at most K * 2^-24
 * = 4.6e-5 of S (the recursive-summation bound). */
#define TOL_MM_NATIVE 5e-5
/* Converted types (Q5_K, Q4_1 -> F16 at upload): each weight is rounded to
 * f16, 2^-11 = 4.9e-4 relative, plus the accumulation above. */
#define TOL_MM_CONVERTED (4.9e-4 + TOL_MM_NATIVE)
/* GPU vs the CPU backend: the CPU rounds activations to Q8 blocks (error up to
 * amax / 254 per value, amax / mean|x| = 2 for our uniform inputs, so
 * 2 / 254 = 7.9e-3 of S at worst) or to F16 (2^-11). */
#define TOL_MM_CPU 1e-2
/* RMSNorm, relative to the row's largest |y|: the GPU sums squares in f32
 * (256-way tree), the CPU in double; a few f32 roundings of the scale. */
#define TOL_NORM 1e-5
/* RoPE: both use the host's (cos, sin) table; x0 co - x1 si may differ by an
 * FMA contraction, one or two f32 ulps of |x| <= 1. */
#define TOL_ROPE 1e-6
/* Attention with an F32 cache (|v| <= 1, absolute): the GPU's online softmax
 * over 64-key tiles vs the CPU's two-pass softmax, f32 rounding only. */
#define TOL_ATT_F32 1e-5
/* An F16 cache: both round K and V to f16, but WGSL leaves pack2x16float's
 * rounding to the implementation: one f16 ulp (2^-11 relative) of v, and of
 * k through the scores (|q| <= 2, head_dim <= 256). */
#define TOL_ATT_F16 2e-3
/* SwiGLU, relative to max(|y|, 1e-3): WGSL's exp is accurate to 3 + 2|x| ulp
 * (|x| <= 8 here), about 1e-6. */
#define TOL_SWIGLU 1e-5

/* ---- random numbers (splitmix64) ---- */
static uint64_t rng = 0x5eed;
/* uniform in [-1, 1) */
static float frand(void) { return (float)((double)(eng_splitmix64(&rng) >> 40) * (2.0 / 16777216.0) - 1.0); }
static void fill(float *x, size_t n, float scale) {
    for (size_t i = 0; i < n; i++) x[i] = scale * frand();
}

/* ---- hand-built weights ---- */
/* A weight of type t, M rows of K, quantized from random rows (each row with
 * its own scale and offset, so block scales and mins vary); *deq (M*K floats,
 * malloc'd) receives to_float(W). Returns the data buffer to free. */
static void *make_weight(eng_weight *w, gguf_type t, int64_t K, int64_t M, float **deq) {
    const gguf_type_info *ti = gguf_type_get(t);
    bool ok = true;
    const size_t rb = (size_t)gguf_type_row_bytes(t, (uint64_t)K, &ok);
    float *f = malloc((size_t)(M * K) * sizeof(float));
    char *data = malloc((size_t)M * rb);
    *deq = malloc((size_t)(M * K) * sizeof(float));
    if (!ok || !f || !data || !*deq || !ti->from_float || !ti->to_float) {
        CHECK(!"make_weight");
        exit(1);
    }
    for (int64_t r = 0; r < M; r++) {
        float s = 0.25f + 0.875f * (frand() + 1.0f), o = 0.3f * frand();
        for (int64_t k = 0; k < K; k++) f[r * K + k] = s * (frand() + o);
        ti->from_float(f + r * K, data + (size_t)r * rb, K);
        ti->to_float(data + (size_t)r * rb, *deq + r * K, K);
    }
    free(f);
    *w = (eng_weight){.data = data, .type = t, .ne0 = K, .ne1 = M, .row_bytes = rb};
    return data;
}

/* An F32 vector of n values in [lo, hi). */
static float *make_vec(eng_weight *w, int64_t n, float lo, float hi) {
    float *v = malloc((size_t)n * sizeof(float));
    if (!v) exit(1);
    for (int64_t i = 0; i < n; i++) v[i] = lo + (hi - lo) * 0.5f * (frand() + 1.0f);
    *w = (eng_weight){.data = v, .type = GGUF_TYPE_F32, .ne0 = n, .ne1 = 1, .row_bytes = (size_t)n * 4};
    return v;
}

/* ---- the two backends on one model ---- */
typedef struct pair {
    eng_model m;
    eng_backend cpu, gpu;
    size_t embed_cap;   /* floats one embed may carry: n_batch * n_embd */
} pair;

static bool require_webgpu(void) {
    const char *r = getenv("LLMCAP_REQUIRE_WEBGPU");
    return r && !strcmp(r, "1");
}

/* Under AddressSanitizer: keep Mesa's lavapipe mapped after Dawn releases its
 * Vulkan instance, or LeakSanitizer reports a 128-byte block lavapipe keeps in
 * a static as a leak from "<unknown module>" (see tests/webgpu/test_wg.c). */
static void pin_vulkan_driver(void) {
#if defined(__SANITIZE_ADDRESS__)
    (void)dlopen("libvulkan_lvp.so", RTLD_NOW | RTLD_NOLOAD);
#endif
}

/* Initialise both backends on p->m with n_ctx, n_batch, KV type. Returns the
 * WebGPU init's status (the CPU must succeed); on failure nothing is left. */
static eng_status pair_init(pair *p, int n_ctx, int n_batch, gguf_type kv, char *err, size_t err_len) {
    eng_ctx_params prm = eng_ctx_default_params();
    prm.n_ctx = n_ctx;
    prm.n_batch = n_batch;
    prm.n_threads = 2;
    prm.type_kv = kv;
    p->cpu = (eng_backend){.ops = &eng_backend_cpu, .m = &p->m, .p = prm};
    p->gpu = (eng_backend){.ops = &eng_backend_webgpu, .m = &p->m, .p = prm};
    p->embed_cap = (size_t)n_batch * (size_t)p->m.hp.n_embd;
    eng_status st = p->cpu.ops->init(&p->cpu, err, err_len);
    CHECK_EQ_INT(st, ENG_OK);
    if (st != ENG_OK) {
        p->cpu.ops->destroy(&p->cpu);
        return st;
    }
    st = p->gpu.ops->init(&p->gpu, err, err_len);
    if (st != ENG_OK) {
        if (p->gpu.impl) p->gpu.ops->destroy(&p->gpu);
        p->cpu.ops->destroy(&p->cpu);
        return st;
    }
    pin_vulkan_driver();
    return ENG_OK;
}

static void pair_free(pair *p) {
    char err[512];
    eng_status st = p->gpu.ops->check(&p->gpu, err, sizeof err);
    if (st != ENG_OK) fprintf(stderr, "  webgpu latched: %s\n", err);
    CHECK_EQ_INT(st, ENG_OK);
    p->gpu.ops->destroy(&p->gpu);
    p->cpu.ops->destroy(&p->cpu);
}

/* act[0 .. rows*cols) = data, through ops->embed of an F32 table whose rows
 * are the data (token ids 0..rows-1). */
static void put(const pair *p, eng_backend *be, eng_act *a, const float *data, int rows, int64_t cols) {
    if ((size_t)rows * (size_t)cols > p->embed_cap) {
        CHECK(!"put: more floats than one embed carries");
        return;
    }
    eng_weight e = {.data = data, .type = GGUF_TYPE_F32, .ne0 = cols, .ne1 = rows, .row_bytes = (size_t)cols * 4};
    int32_t *tok = malloc((size_t)rows * sizeof *tok);
    if (!tok) exit(1);
    for (int i = 0; i < rows; i++) tok[i] = i;
    be->ops->embed(be, &e, tok, rows, a);
    free(tok);
}

/* The same data into a's twin on both backends. */
static void put2(pair *p, eng_act *ac, eng_act *ag, const float *data, int rows, int64_t cols) {
    put(p, &p->cpu, ac, data, rows, cols);
    put(p, &p->gpu, ag, data, rows, cols);
}

/* NaN into the first n floats of a, so an element an op skips fails. */
static void poison(const pair *p, eng_backend *be, eng_act *a, size_t n) {
    float *nan_buf = malloc(n * sizeof(float));
    if (!nan_buf) exit(1);
    for (size_t i = 0; i < n; i++) nan_buf[i] = NAN;
    put(p, be, a, nan_buf, 1, (int64_t)n);
    free(nan_buf);
}

static void poison2(pair *p, eng_act *ac, eng_act *ag, size_t n) {
    poison(p, &p->cpu, ac, n);
    poison(p, &p->gpu, ag, n);
}

/* twin activation buffers of n floats */
typedef struct twin { eng_act *c, *g; } twin;
static twin twin_new(pair *p, size_t n) {
    twin t = {p->cpu.ops->act_new(&p->cpu, n), p->gpu.ops->act_new(&p->gpu, n)};
    CHECK(t.c && t.g);
    if (!t.c || !t.g) exit(1);
    return t;
}

static bool get(eng_backend *be, const eng_act *a, size_t n, float *host) {
    char err[512];
    eng_status st = be->ops->read(be, a, n, host, err, sizeof err);
    if (st != ENG_OK) fprintf(stderr, "  %s read: %s\n", be->ops->name, err);
    CHECK_EQ_INT(st, ENG_OK);
    return st == ENG_OK;
}

/* Read both twins into hc, hg; false when a read failed. */
static bool get2(pair *p, const eng_act *ac, const eng_act *ag, size_t n, float *hc, float *hg) {
    bool a = get(&p->cpu, ac, n, hc), b = get(&p->gpu, ag, n, hg);
    return a && b;
}

/* a, b NaN-aware: the larger of m and |a-b|/scale (NaN wins) */
static double worse(double m, double a, double b, double scale) {
    double d = fabs(a - b) / scale;
    return (d > m || d != d) ? d : m;
}

/* ================================================================== */
/* matmul and the fused products                                      */
/* ================================================================== */
/* One layer per weight type, as a model has them: Q, K, V of one type and
 * row length (the WebGPU backend fuses them into one tensor; K and V are row
 * views of it), gate and up likewise, wo and w_down alone. Rows are not
 * multiples of 4 or 64 (300, 66, 3, 130, 5) and wo has one row. */
typedef struct mm_layout {
    int64_t K_qkv, M_q, M_k, M_v, K_o, M_o, K_glu, M_glu, K_down, M_down;
} mm_layout;
/* (K's rows are even here: odd rows in a fused part are test_fused_upload_odd_rows's) */
static const mm_layout LAYOUT32 = {96, 300, 66, 3, 32, 1, 416, 130, 256, 5};
static const mm_layout LAYOUT256 = {256, 300, 66, 3, 256, 1, 512, 130, 768, 5}; /* K-quants: K % 256 == 0 */
static const int NTOKS[6] = {1, 2, 5, 64, 67, 130};
#define MM_NTOK_MAX 130
#define MM_K_MAX 768
#define MM_M_MAX 300
static const gguf_type MM_TYPES[8] = {GGUF_TYPE_F32,  GGUF_TYPE_F16,  GGUF_TYPE_Q8_0, GGUF_TYPE_Q4_0,
                                      GGUF_TYPE_Q4_K, GGUF_TYPE_Q6_K, GGUF_TYPE_Q5_K, GGUF_TYPE_Q4_1};
#define N_MM_TYPES 8
/* layers 0..7: one per type (even ones with Q, K, V biases, odd ones without);
 * layer 8: mixed types as in a Q4_K_M file (V, up and down in Q6_K), so
 * nothing fuses there */
#define MM_LAYERS (N_MM_TYPES + 1)
#define MM_SLOTS 7

static bool is_kquant(gguf_type t) { return t == GGUF_TYPE_Q4_K || t == GGUF_TYPE_Q6_K || t == GGUF_TYPE_Q5_K; }
static bool is_converted(gguf_type t) { return t == GGUF_TYPE_Q5_K || t == GGUF_TYPE_Q4_1; }
static double mm_tol(gguf_type t) { return is_converted(t) ? TOL_MM_CONVERTED : TOL_MM_NATIVE; }

static eng_weight *mm_slot(eng_layer *L, int s) {
    eng_weight *w[MM_SLOTS] = {&L->wq, &L->wk, &L->wv, &L->wo, &L->w_gate, &L->w_up, &L->w_down};
    return w[s];
}
static const char *const SLOT_NAMES[MM_SLOTS] = {"wq", "wk", "wv", "wo", "w_gate", "w_up", "w_down"};

typedef struct mm_model {
    pair p;
    eng_layer layers[MM_LAYERS];
    float *deq[MM_LAYERS][MM_SLOTS];  /* to_float of each matrix */
    void *bufs[MM_LAYERS * 12 + 4];
    int nbufs;
} mm_model;

static mm_model mmm;   /* built once (quantizing is the slow part), used by two tests */
static bool mmm_ready;

static eng_status mm_model_build(char *err, size_t err_len) {
    mm_model *mm = &mmm;
    memset(mm, 0, sizeof *mm);
    eng_hparams *hp = &mm->p.m.hp;
    snprintf(hp->arch, sizeof hp->arch, "llama");
    hp->n_vocab = 8;
    hp->n_ctx_train = 16;
    hp->n_embd = MM_K_MAX; /* one embed carries n_batch * n_embd floats */
    hp->n_ff = MM_K_MAX;
    hp->n_head = 4;
    hp->n_head_kv = 4;
    hp->head_dim = 64;
    hp->n_rot = 64;
    hp->rope_freq_base = 10000.0f;
    hp->rope_freq_scale = 1.0f;
    hp->norm_eps = 1e-5f;
    hp->n_layer = MM_LAYERS;
    mm->p.m.layers = mm->layers;
    for (int li = 0; li < MM_LAYERS; li++) {
        eng_layer *L = &mm->layers[li];
        const bool mixed = li == N_MM_TYPES;
        const gguf_type t = mixed ? GGUF_TYPE_Q4_K : MM_TYPES[li];
        const mm_layout *lo = is_kquant(t) ? &LAYOUT256 : &LAYOUT32;
        const int64_t K[MM_SLOTS] = {lo->K_qkv, lo->K_qkv, lo->K_qkv, lo->K_o, lo->K_glu, lo->K_glu, lo->K_down};
        const int64_t M[MM_SLOTS] = {lo->M_q, lo->M_k, lo->M_v, lo->M_o, lo->M_glu, lo->M_glu, lo->M_down};
        for (int s = 0; s < MM_SLOTS; s++) {
            gguf_type ts = t;
            if (mixed && (s == 2 || s == 3 || s == 5 || s == 6)) ts = GGUF_TYPE_Q6_K;
            mm->bufs[mm->nbufs++] = make_weight(mm_slot(L, s), ts, K[s], M[s], &mm->deq[li][s]);
        }
        if (li % 2 == 0 && !mixed) {
            mm->bufs[mm->nbufs++] = make_vec(&L->bq, lo->M_q, -1.0f, 1.0f);
            mm->bufs[mm->nbufs++] = make_vec(&L->bk, lo->M_k, -1.0f, 1.0f);
            mm->bufs[mm->nbufs++] = make_vec(&L->bv, lo->M_v, -1.0f, 1.0f);
        }
        mm->bufs[mm->nbufs++] = make_vec(&L->attn_norm, lo->K_qkv, 0.5f, 1.5f);
        mm->bufs[mm->nbufs++] = make_vec(&L->ffn_norm, lo->K_glu, 0.5f, 1.5f);
    }
    mm->bufs[mm->nbufs++] = make_vec(&mm->p.m.output_norm, 32, 0.5f, 1.5f);
    float *out_deq;
    mm->bufs[mm->nbufs++] = make_weight(&mm->p.m.output, GGUF_TYPE_F32, 32, hp->n_vocab, &out_deq);
    free(out_deq);
    eng_status st = pair_init(&mm->p, 4, MM_NTOK_MAX, GGUF_TYPE_F32, err, err_len);
    mmm_ready = st == ENG_OK;
    return st;
}

static void mm_model_free(void) {
    if (mmm_ready) pair_free(&mmm.p);
    mmm_ready = false;
    for (int li = 0; li < MM_LAYERS; li++)
        for (int s = 0; s < MM_SLOTS; s++) free(mmm.deq[li][s]);
    for (int i = 0; i < mmm.nbufs; i++) free(mmm.bufs[i]);
    memset(&mmm, 0, sizeof mmm);
}

/* The bias of M rows an even layer of the same layout holds (odd layers have
 * none of their own; any uploaded vector of M floats serves matmul). */
static const eng_weight *bias_for(int li, int slot) {
    int src = li % 2 ? li - 1 : li;
    const eng_layer *L = &mmm.layers[src];
    return slot == 0 ? &L->bq : slot == 1 ? &L->bk : &L->bv;
}

/* random inputs, token t's values scaled by 1, 2 or 3 */
static void fill_tokens(float *x, int n_tok, int64_t K) {
    for (int t = 0; t < n_tok; t++) fill(x + (size_t)t * (size_t)K, (size_t)K, 1.0f + (float)(t % 3));
}

/* Whether the GPU rounds a product's inputs to int8 blocks: Q4_0 and Q8_0
 * weights, at one token in matvec32 (LLMCAP_WEBGPU_MVQ, on unless "0";
 * matvec32 itself off with LLMCAP_WEBGPU_MV32=0), at more in matmul_q
 * (LLMCAP_WEBGPU_MMQ, on unless "0"). */
static bool env_off(const char *name) {
    const char *v = getenv(name);
    return v && !strcmp(v, "0");
}
static bool mvq_applies(gguf_type t, int n_tok) {
    if (t != GGUF_TYPE_Q4_0 && t != GGUF_TYPE_Q8_0) return false;
    if (n_tok == 1) return !env_off("LLMCAP_WEBGPU_MVQ") && !env_off("LLMCAP_WEBGPU_MV32");
    return !env_off("LLMCAP_WEBGPU_MMQ");
}

/* out = scale * (x * g rounded as matvec32's int8 path does, in f32: per
 * 32-block amax, q = floor(0.5 + 127 * v / amax), back as q * amax / 127);
 * g may be NULL (all ones). K a multiple of 32. */
static void mvq_round(const float *x, const float *g, int64_t K, double scale, double *out) {
    float v[32];
    for (int64_t b = 0; b < K; b += 32) {
        float am = 0;
        for (int i = 0; i < 32; i++) {
            v[i] = g ? x[b + i] * g[b + i] : x[b + i];
            am = fmaxf(am, fabsf(v[i]));
        }
        const float inv = am > 0 ? 1.0f / am : 0.0f, dx = am / 127.0f;
        for (int i = 0; i < 32; i++) {
            const float c = fminf(1.0f, fmaxf(-1.0f, v[i] * inv));
            out[b + i] = scale * (double)dx * (double)floorf(0.5f + 127.0f * c);
        }
    }
}

static void test_matmul(void) {
    if (!mmm_ready) { CHECK(!"the matmul model did not initialise"); return; }
    pair *p = &mmm.p;
    twin x = twin_new(p, (size_t)MM_NTOK_MAX * MM_K_MAX), y = twin_new(p, (size_t)MM_NTOK_MAX * MM_M_MAX);
    float *hx = malloc((size_t)MM_NTOK_MAX * MM_K_MAX * sizeof(float));
    float *hc = malloc((size_t)MM_NTOK_MAX * MM_M_MAX * sizeof(float));
    float *hg = malloc((size_t)MM_NTOK_MAX * MM_M_MAX * sizeof(float));
    double *xr = malloc(MM_K_MAX * sizeof(double));
    if (!hx || !hc || !hg || !xr) exit(1);
    for (int li = 0; li < N_MM_TYPES; li++) {
        const gguf_type t = MM_TYPES[li];
        const double tol = mm_tol(t);
        double e_ref = 0, e_cpu = 0;
        int runs = 0;
        for (int s = 0; s < MM_SLOTS; s++) {
            const eng_weight *w = mm_slot(&mmm.layers[li], s);
            const int64_t K = w->ne0, M = w->ne1;
            const float *W = mmm.deq[li][s];
            fill_tokens(hx, MM_NTOK_MAX, K);
            put2(p, x.c, x.g, hx, MM_NTOK_MAX, K);
            for (int ni = 0; ni < 6; ni++) {
                for (int with_bias = 0; with_bias < 2; with_bias++) {
                    const int n = NTOKS[ni];
                    /* bias on Q, K, V with the matvec and both tile paths (5: one
                     * partial tile, 67: two) */
                    if (with_bias && (s > 2 || (n != 1 && n != 5 && n != 67))) continue;
                    const eng_weight *bias = with_bias ? bias_for(li, s) : NULL;
                    poison2(p, y.c, y.g, (size_t)n * (size_t)M);
                    p->cpu.ops->matmul(&p->cpu, w, bias, x.c, n, y.c);
                    p->gpu.ops->matmul(&p->gpu, w, bias, x.g, n, y.g);
                    if (!get2(p, y.c, y.g, (size_t)n * (size_t)M, hc, hg)) continue;
                    double er = 0, ec = 0;
                    for (int tk = 0; tk < n; tk++) {
                        const float *xt = hx + (size_t)tk * (size_t)K;
                        /* the inputs as the GPU uses them (int8 blocks on the MVQ path) */
                        if (mvq_applies(t, n)) mvq_round(xt, NULL, K, 1.0, xr);
                        else for (int64_t k = 0; k < K; k++) xr[k] = xt[k];
                        for (int64_t r = 0; r < M; r++) {
                            double ref = 0, S = 0;
                            const float *wr = W + r * K;
                            for (int64_t k = 0; k < K; k++) {
                                ref += (double)wr[k] * xr[k];
                                S += fabs((double)wr[k] * xr[k]);
                            }
                            if (bias) {
                                double b = ((const float *)bias->data)[r];
                                ref += b;
                                S += fabs(b);
                            }
                            const size_t o = (size_t)tk * (size_t)M + (size_t)r;
                            er = worse(er, hg[o], ref, S);
                            ec = worse(ec, hg[o], hc[o], S);
                        }
                    }
                    if (!(er <= tol) || !(ec <= TOL_MM_CPU))
                        fprintf(stderr, "  %s %s K %lld M %lld n_tok %d bias %d: |gpu-ref|/S %.3g, |gpu-cpu|/S %.3g\n",
                                gguf_type_name(t), SLOT_NAMES[s], (long long)K, (long long)M, n, with_bias, er, ec);
                    CHECK(er <= tol);
                    CHECK(ec <= TOL_MM_CPU);
                    e_ref = worse(e_ref, er, 0, 1);
                    e_cpu = worse(e_cpu, ec, 0, 1);
                    runs++;
                }
            }
        }
        printf("  matmul %-4s%s %2d runs: max |gpu-ref|/S %.2e (tol %.1e), |gpu-cpu|/S %.2e (tol %.0e)\n",
               gguf_type_name(t), is_converted(t) ? " (as F16)" : "         ", runs, e_ref, tol, e_cpu, TOL_MM_CPU);
    }
    free(hx);
    free(hc);
    free(hg);
    free(xr);
}

/* n = RMSNorm(x) * g of one row, in double; with q8 the inputs as the
 * int8 matvec path rounds them (mvq_round) */
static void norm_ref(const float *x, const float *g, int64_t K, float eps, bool q8, double *n) {
    double ss = 0;
    for (int64_t k = 0; k < K; k++) ss += (double)x[k] * x[k];
    const double sc = 1.0 / sqrt(ss / (double)K + eps);
    if (q8) mvq_round(x, g, K, sc, n);
    else for (int64_t k = 0; k < K; k++) n[k] = x[k] * sc * g[k];
}

/* W[r] . n and S = sum |W[r][k] n[k]| */
static double dot_ref(const float *wr, const double *n, int64_t K, double *S) {
    double s = 0, a = 0;
    for (int64_t k = 0; k < K; k++) {
        s += wr[k] * n[k];
        a += fabs(wr[k] * n[k]);
    }
    *S = a;
    return s;
}

/* The optional fused operations (norm_matmuls, norm_glu, matmul_add) on the
 * GPU against a double-precision reference of the plain sequence they stand
 * for; n_tok 1 runs the fused matvec (one dispatch for a fused Q|K|V or
 * gate|up), more tokens the backend's fallback. The CPU backend has none of
 * them (forward.c issues the plain ops there). */
static void test_fused_ops(void) {
    if (!mmm_ready) { CHECK(!"the matmul model did not initialise"); return; }
    pair *p = &mmm.p;
    const eng_backend_ops *o = p->gpu.ops;
    if (!o->norm_matmuls && !o->norm_glu && !o->matmul_add) {
        printf("  the webgpu backend has no fused operations: nothing to check\n");
        return;
    }
    const float eps = mmm.p.m.hp.norm_eps;
    const size_t XN = (size_t)MM_NTOK_MAX * MM_K_MAX, YN = (size_t)MM_NTOK_MAX * MM_M_MAX;
    twin x = twin_new(p, XN), scratch = twin_new(p, XN), y0 = twin_new(p, YN), y1 = twin_new(p, YN),
         y2 = twin_new(p, YN);
    float *hx = malloc(XN * sizeof(float)), *hy = malloc(3 * YN * sizeof(float)), *hr = malloc(YN * sizeof(float));
    double *nrm = malloc(MM_K_MAX * sizeof(double));
    if (!hx || !hy || !hr || !nrm) exit(1);
    const int ntoks[3] = {1, 5, 67};
    for (int li = 0; li < MM_LAYERS; li++) {
        eng_layer *L = &mmm.layers[li];
        const bool mixed = li == N_MM_TYPES;
        const gguf_type t = mixed ? GGUF_TYPE_Q4_K : MM_TYPES[li];
        const double tol = mm_tol(t);
        double e_qkv = 0, e_glu = 0, e_add = 0;
        for (int ni = 0; ni < 3; ni++) {
            const int n = ntoks[ni];
            /* y_i = W_i (RMSNorm(x) * attn_norm) + b_i for Q, K, V */
            if (o->norm_matmuls) {
                const int64_t K = L->wq.ne0;
                fill_tokens(hx, n, K);
                put(p, &p->gpu, x.g, hx, n, K);
                const eng_weight *w[3] = {&L->wq, &L->wk, &L->wv}, *b[3] = {&L->bq, &L->bk, &L->bv};
                eng_act *ys[3] = {y0.g, y1.g, y2.g};
                for (int i = 0; i < 3; i++) poison(p, &p->gpu, ys[i], (size_t)n * (size_t)w[i]->ne1);
                o->norm_matmuls(&p->gpu, &L->attn_norm, eps, x.g, n, 3, w, b, ys, scratch.g);
                for (int i = 0; i < 3; i++) {
                    const int64_t M = w[i]->ne1;
                    if (!get(&p->gpu, ys[i], (size_t)n * (size_t)M, hy)) continue;
                    double e = 0;
                    for (int tk = 0; tk < n; tk++) {
                        norm_ref(hx + (size_t)tk * K, L->attn_norm.data, K, eps, mvq_applies(w[i]->type, n), nrm);
                        for (int64_t r = 0; r < M; r++) {
                            double S, ref = dot_ref(mmm.deq[li][i] + r * K, nrm, K, &S);
                            if (b[i]->data) {
                                ref += ((const float *)b[i]->data)[r];
                                S += fabs(((const float *)b[i]->data)[r]);
                            }
                            e = worse(e, hy[(size_t)tk * M + r], ref, S);
                        }
                    }
                    if (!(e <= tol))
                        fprintf(stderr, "  norm_matmuls layer %d (%s) %s n_tok %d: |gpu-ref|/S %.3g\n", li,
                                gguf_type_name(w[i]->type), SLOT_NAMES[i], n, e);
                    CHECK(e <= tol);
                    e_qkv = worse(e_qkv, e, 0, 1);
                }
            }
            /* gate = silu(Wg m) * (Wu m), m = RMSNorm(x) * ffn_norm */
            if (o->norm_glu) {
                const int64_t K = L->w_gate.ne0, M = L->w_gate.ne1;
                fill_tokens(hx, n, K);
                put(p, &p->gpu, x.g, hx, n, K);
                poison(p, &p->gpu, y0.g, (size_t)n * (size_t)M);
                poison(p, &p->gpu, y1.g, (size_t)n * (size_t)M);
                o->norm_glu(&p->gpu, &L->ffn_norm, eps, x.g, n, &L->w_gate, &L->w_up, y0.g, y1.g, scratch.g);
                if (get(&p->gpu, y0.g, (size_t)n * (size_t)M, hy)) {
                    double e = 0;
                    for (int tk = 0; tk < n; tk++) {
                        norm_ref(hx + (size_t)tk * K, L->ffn_norm.data, K, eps, mvq_applies(L->w_gate.type, n), nrm);
                        for (int64_t r = 0; r < M; r++) {
                            double Sa, Su, a = dot_ref(mmm.deq[li][4] + r * K, nrm, K, &Sa),
                                           u = dot_ref(mmm.deq[li][5] + r * K, nrm, K, &Su);
                            const double sa = a / (1.0 + exp(-a)), ref = sa * u;
                            /* the product's error from its factors' (|silu'| <= 1.1), plus exp's */
                            const double bound = (1.1 * Sa * fabs(u) + fabs(sa) * Su) * tol + TOL_SWIGLU * fabs(ref);
                            e = worse(e, hy[(size_t)tk * M + r], ref, bound / tol);
                        }
                    }
                    if (!(e <= tol))
                        fprintf(stderr, "  norm_glu layer %d (%s/%s) n_tok %d: error %.3g\n", li,
                                gguf_type_name(L->w_gate.type), gguf_type_name(L->w_up.type), n, e);
                    CHECK(e <= tol);
                    e_glu = worse(e_glu, e, 0, 1);
                }
            }
            /* y += W x for wo (one row) and w_down */
            if (o->matmul_add) {
                const eng_weight *ws[2] = {&L->wo, &L->w_down};
                const int slots[2] = {3, 6};
                for (int i = 0; i < 2; i++) {
                    const int64_t K = ws[i]->ne0, M = ws[i]->ne1;
                    fill_tokens(hx, n, K);
                    fill(hr, (size_t)n * (size_t)M, 4.0f); /* the residual */
                    put(p, &p->gpu, x.g, hx, n, K);
                    put(p, &p->gpu, y0.g, hr, n, M);
                    o->matmul_add(&p->gpu, ws[i], x.g, n, y0.g, scratch.g);
                    if (!get(&p->gpu, y0.g, (size_t)n * (size_t)M, hy)) continue;
                    double e = 0;
                    for (int tk = 0; tk < n; tk++) {
                        const float *xt = hx + (size_t)tk * K;
                        if (mvq_applies(ws[i]->type, n)) mvq_round(xt, NULL, K, 1.0, nrm);
                        else for (int64_t k = 0; k < K; k++) nrm[k] = xt[k];
                        for (int64_t r = 0; r < M; r++) {
                            const float *wr = mmm.deq[li][slots[i]] + r * K;
                            double ref = hr[(size_t)tk * M + r], S = fabs(ref);
                            for (int64_t k = 0; k < K; k++) {
                                ref += (double)wr[k] * nrm[k];
                                S += fabs((double)wr[k] * nrm[k]);
                            }
                            e = worse(e, hy[(size_t)tk * M + r], ref, S);
                        }
                    }
                    if (!(e <= tol))
                        fprintf(stderr, "  matmul_add layer %d (%s) %s n_tok %d: |gpu-ref|/S %.3g\n", li,
                                gguf_type_name(ws[i]->type), SLOT_NAMES[slots[i]], n, e);
                    CHECK(e <= tol);
                    e_add = worse(e_add, e, 0, 1);
                }
            }
        }
        char what[48];
        if (mixed) snprintf(what, sizeof what, "Q4_K/Q6_K mixed");
        else snprintf(what, sizeof what, "%s%s", gguf_type_name(t), li % 2 ? "" : " +bias");
        printf("  fused %-15s n_tok 1/5/67: norm_matmuls %.2e, norm_glu %.2e, matmul_add %.2e (tol %.1e)\n", what,
               e_qkv, e_glu, e_add, tol);
    }
    free(hx);
    free(hy);
    free(hr);
    free(nrm);
}

/* A fused Q|K|V whose K part has an odd number of rows, with scales kept
 * apart in rows of 6 bytes (Q8_0, K = 96: 3 blocks): the init must upload it
 * and the parts must read their own rows. Minimal reproduction of a bug found
 * by this test (see the report in the check's message). */
static void test_fused_upload_odd_rows(void) {
    pair p;
    memset(&p, 0, sizeof p);
    eng_layer L;
    memset(&L, 0, sizeof L);
    eng_hparams *hp = &p.m.hp;
    snprintf(hp->arch, sizeof hp->arch, "llama");
    hp->n_vocab = 8;
    hp->n_ctx_train = 16;
    hp->n_embd = 96;
    hp->n_ff = 96;
    hp->n_head = 1;
    hp->n_head_kv = 1;
    hp->head_dim = 64;
    hp->n_rot = 64;
    hp->rope_freq_base = 10000.0f;
    hp->rope_freq_scale = 1.0f;
    hp->norm_eps = 1e-5f;
    hp->n_layer = 1;
    p.m.layers = &L;
    float *deq[3];
    void *bufs[5];
    const int64_t rows[3] = {64, 3, 5};
    eng_weight *ws[3] = {&L.wq, &L.wk, &L.wv};
    for (int i = 0; i < 3; i++) bufs[i] = make_weight(ws[i], GGUF_TYPE_Q8_0, 96, rows[i], &deq[i]);
    bufs[3] = make_vec(&p.m.output_norm, 32, 0.5f, 1.5f);
    float *od;
    bufs[4] = make_weight(&p.m.output, GGUF_TYPE_F32, 32, hp->n_vocab, &od);
    free(od);
    char err[512] = "";
    eng_status st = pair_init(&p, 4, 4, GGUF_TYPE_F32, err, sizeof err);
    if (st != ENG_OK)
        fprintf(stderr,
                "  KNOWN BUG (engine/webgpu/backend_webgpu.c, upload_rows): a fused Q|K|V with an odd-row part\n"
                "  and 6-byte scale rows fails to upload: %s\n",
                err);
    CHECK_EQ_INT(st, ENG_OK); /* fails while the bug is there */
    if (st == ENG_OK) {
        twin x = twin_new(&p, 96), y = twin_new(&p, 64);
        float hx[96], hy[64];
        fill(hx, 96, 1.0f);
        put2(&p, x.c, x.g, hx, 1, 96);
        double e = 0, xr[96];
        if (mvq_applies(GGUF_TYPE_Q8_0, 1)) mvq_round(hx, NULL, 96, 1.0, xr);
        else for (int k = 0; k < 96; k++) xr[k] = hx[k];
        for (int i = 0; i < 3; i++) {
            poison(&p, &p.gpu, y.g, (size_t)rows[i]);
            p.gpu.ops->matmul(&p.gpu, ws[i], NULL, x.g, 1, y.g);
            if (!get(&p.gpu, y.g, (size_t)rows[i], hy)) continue;
            for (int64_t r = 0; r < rows[i]; r++) {
                double ref = 0, S = 0;
                for (int k = 0; k < 96; k++) {
                    ref += (double)deq[i][r * 96 + k] * xr[k];
                    S += fabs((double)deq[i][r * 96 + k] * xr[k]);
                }
                e = worse(e, hy[r], ref, S);
            }
        }
        printf("  fused Q|K|V with rows 64|3|5 (Q8_0, K 96): max |gpu-ref|/S %.2e (tol %.1e)\n", e, TOL_MM_NATIVE);
        CHECK(e <= TOL_MM_NATIVE);
        pair_free(&p);
    }
    for (int i = 0; i < 3; i++) free(deq[i]);
    for (int i = 0; i < 5; i++) free(bufs[i]);
}

/* ================================================================== */
/* rmsnorm, rope, attention, swiglu, add, get_row, argmax              */
/* ================================================================== */
typedef struct op_cfg {
    int n_head, n_head_kv, head_dim, n_rot;
    eng_rope_type rope;
    gguf_type kv;
} op_cfg;

#define OP_N_BATCH 130
#define OP_N_CTX 256
#define OP_NORM2_DIM 68   /* the second norm's row length: not a multiple of 256 or 64 */

typedef struct op_model {
    pair p;
    eng_layer layers[2];
    float *bufs[4];
} op_model;

/* A two-layer model with cfg's heads (n_embd = n_head * head_dim), an
 * attn_norm of n_embd and an ffn_norm of OP_NORM2_DIM in layer 0. */
static eng_status op_model_init(op_model *om, const op_cfg *c, char *err, size_t err_len) {
    memset(om, 0, sizeof *om);
    eng_hparams *hp = &om->p.m.hp;
    snprintf(hp->arch, sizeof hp->arch, "llama");
    hp->n_vocab = 8;
    hp->n_ctx_train = OP_N_CTX;
    hp->n_head = c->n_head;
    hp->n_head_kv = c->n_head_kv;
    hp->head_dim = c->head_dim;
    hp->n_rot = c->n_rot;
    hp->n_embd = c->n_head * c->head_dim;
    hp->n_ff = 64;
    hp->n_layer = 2;
    hp->rope_type = c->rope;
    hp->rope_freq_base = 10000.0f;
    hp->rope_freq_scale = 1.0f;
    hp->norm_eps = 1e-5f;
    om->p.m.layers = om->layers;
    om->bufs[0] = make_vec(&om->layers[0].attn_norm, hp->n_embd, 0.5f, 1.5f);
    om->bufs[1] = make_vec(&om->layers[0].ffn_norm, OP_NORM2_DIM, 0.5f, 1.5f);
    om->bufs[2] = make_vec(&om->p.m.output_norm, 32, 0.5f, 1.5f);
    float *deq;
    om->bufs[3] = make_weight(&om->p.m.output, GGUF_TYPE_F32, 32, hp->n_vocab, &deq);
    free(deq);
    eng_status st = pair_init(&om->p, OP_N_CTX, OP_N_BATCH, c->kv, err, err_len);
    if (st != ENG_OK)
        for (int i = 0; i < 4; i++) free(om->bufs[i]);
    return st;
}

static void op_model_free(op_model *om) {
    pair_free(&om->p);
    for (int i = 0; i < 4; i++) free(om->bufs[i]);
}

static const op_cfg CFGS[] = {
    {8, 2, 64, 64, ENG_ROPE_NORM, GGUF_TYPE_F32},    /* GQA 4, llama layout */
    {8, 2, 64, 32, ENG_ROPE_NEOX, GGUF_TYPE_F16},    /* n_rot < head_dim */
    {4, 1, 128, 128, ENG_ROPE_NEOX, GGUF_TYPE_F32},  /* GQA 4, qwen2 layout */
    {4, 1, 128, 96, ENG_ROPE_NORM, GGUF_TYPE_F16},   /* n_rot < head_dim */
    {2, 2, 256, 256, ENG_ROPE_NEOX, GGUF_TYPE_F16},  /* the largest head_dim the kernel takes, no GQA */
    {4, 2, 96, 96, ENG_ROPE_NEOX, GGUF_TYPE_F16},    /* 12 chunks of 8 per head: decode without attention_dec */
};
#define N_CFGS ((int)(sizeof CFGS / sizeof CFGS[0]))

static const char *rope_name(eng_rope_type r) { return r == ENG_ROPE_NEOX ? "NEOX" : "NORM"; }

static void test_rope(void) {
    for (int ci = 0; ci < N_CFGS; ci++) {
        const op_cfg *c = &CFGS[ci];
        op_model om;
        char err[512];
        eng_status st = op_model_init(&om, c, err, sizeof err);
        if (st != ENG_OK) fprintf(stderr, "  init: %s\n", err);
        CHECK_EQ_INT(st, ENG_OK);
        if (st != ENG_OK) continue;
        pair *p = &om.p;
        const int hd = c->head_dim;
        const size_t cap = (size_t)OP_N_BATCH * (size_t)c->n_head * (size_t)hd;
        twin x = twin_new(p, cap);
        float *in = malloc(cap * sizeof(float)), *hc = malloc(cap * sizeof(float)), *hg = malloc(cap * sizeof(float));
        /* (n_tok, pos0, heads): decode and prefill, at 0 and later positions */
        const int cases[5][3] = {{1, 0, c->n_head}, {7, 3, c->n_head_kv}, {130, 1000, c->n_head},
                                 {1, 4095, c->n_head_kv}, {67, 131, c->n_head}};
        double e = 0;
        for (int k = 0; k < 5; k++) {
            const int n = cases[k][0], pos0 = cases[k][1], nh = cases[k][2];
            const size_t cnt = (size_t)n * (size_t)nh * (size_t)hd;
            fill(in, cnt, 1.0f);
            put2(p, x.c, x.g, in, n, (int64_t)nh * hd);
            p->cpu.ops->rope(&p->cpu, x.c, n, nh, pos0);
            p->gpu.ops->rope(&p->gpu, x.g, n, nh, pos0);
            if (!get2(p, x.c, x.g, cnt, hc, hg)) continue;
            double ek = 0;
            int moved = 0;
            for (size_t i = 0; i < cnt; i++) {
                ek = worse(ek, hg[i], hc[i], 1.0);
                moved += hc[i] != in[i];
            }
            /* the rotated part really moved (pos0 > 0), the rest of each head did not */
            if (pos0 > 0) CHECK(moved > 0);
            int kept_bad = 0;
            for (size_t i = 0; i < cnt; i++) kept_bad += (int)(i % (size_t)hd) >= c->n_rot && hg[i] != in[i];
            CHECK_EQ_INT(kept_bad, 0);
            if (!(ek <= TOL_ROPE))
                fprintf(stderr, "  rope %s n_rot %d/%d n_tok %d pos0 %d: max |gpu-cpu| %.3g\n", rope_name(c->rope),
                        c->n_rot, hd, n, pos0, ek);
            CHECK(ek <= TOL_ROPE);
            e = ek > e || ek != ek ? ek : e;
        }
        printf("  rope %s head_dim %3d n_rot %3d: max |gpu-cpu| %.2e (tol %.0e)\n", rope_name(c->rope), hd, c->n_rot,
               e, TOL_ROPE);
        free(in);
        free(hc);
        free(hg);
        op_model_free(&om);
    }
}

static void test_attention(void) {
    for (int ci = 0; ci < N_CFGS; ci++) {
        const op_cfg *c = &CFGS[ci];
        op_model om;
        char err[512];
        eng_status st = op_model_init(&om, c, err, sizeof err);
        if (st != ENG_OK) fprintf(stderr, "  init: %s\n", err);
        CHECK_EQ_INT(st, ENG_OK);
        if (st != ENG_OK) continue;
        pair *p = &om.p;
        const int hd = c->head_dim;
        const size_t qd = (size_t)c->n_head * hd, kvd = (size_t)c->n_head_kv * hd;
        twin q = twin_new(p, OP_N_BATCH * qd), k = twin_new(p, OP_N_BATCH * kvd), v = twin_new(p, OP_N_BATCH * kvd),
             o = twin_new(p, OP_N_BATCH * qd);
        float *hq = malloc(OP_N_BATCH * qd * sizeof(float)), *hk = malloc(OP_N_BATCH * kvd * sizeof(float)),
              *hv = malloc(OP_N_BATCH * kvd * sizeof(float)), *hc = malloc(OP_N_BATCH * qd * sizeof(float)),
              *hg = malloc(OP_N_BATCH * qd * sizeof(float));
        /* (pos0, n_tok): a prefill spanning three 64-key tiles, decode after
         * it, a short prefill, a prefill spanning two tiles of queries, decode */
        const int steps[5][2] = {{0, 130}, {130, 1}, {131, 5}, {136, 67}, {203, 1}};
        const double tol = c->kv == GGUF_TYPE_F16 ? TOL_ATT_F16 : TOL_ATT_F32;
        double e = 0;
        for (int s = 0; s < 5; s++) {
            const int pos0 = steps[s][0], n = steps[s][1];
            fill(hq, (size_t)n * qd, 2.0f); /* |q| up to 2: peaked softmax rows */
            fill(hk, (size_t)n * kvd, 1.0f);
            fill(hv, (size_t)n * kvd, 1.0f);
            put2(p, q.c, q.g, hq, n, (int64_t)qd);
            put2(p, k.c, k.g, hk, n, (int64_t)kvd);
            put2(p, v.c, v.g, hv, n, (int64_t)kvd);
            poison2(p, o.c, o.g, (size_t)n * qd);
            if (p->gpu.ops->rope_in_attention) { /* the GPU rotates q and k itself: the CPU does it first */
                p->cpu.ops->rope(&p->cpu, q.c, n, c->n_head, pos0);
                p->cpu.ops->rope(&p->cpu, k.c, n, c->n_head_kv, pos0);
            }
            p->cpu.ops->attention(&p->cpu, 1, q.c, k.c, v.c, n, pos0, o.c);
            p->gpu.ops->attention(&p->gpu, 1, q.g, k.g, v.g, n, pos0, o.g);
            if (!get2(p, o.c, o.g, (size_t)n * qd, hc, hg)) continue;
            double es = 0;
            for (size_t i = 0; i < (size_t)n * qd; i++) es = worse(es, hg[i], hc[i], 1.0);
            if (!(es <= tol))
                fprintf(stderr, "  attention head_dim %d n_head %d/%d kv %s pos0 %d n_tok %d: max |gpu-cpu| %.3g\n", hd,
                        c->n_head, c->n_head_kv, gguf_type_name(c->kv), pos0, n, es);
            CHECK(es <= tol);
            e = es > e || es != es ? es : e;
        }
        printf("  attention head_dim %3d heads %d/%d KV %s%s: max |gpu-cpu| %.2e (tol %.0e)\n", hd, c->n_head,
               c->n_head_kv, gguf_type_name(c->kv), p->gpu.ops->rope_in_attention ? " (+RoPE)" : "", e, tol);
        free(hq);
        free(hk);
        free(hv);
        free(hc);
        free(hg);
        op_model_free(&om);
    }
}

/* rmsnorm, swiglu, add, get_row and argmax on the first configuration */
static void test_eltwise_norm_argmax(void) {
    op_model om;
    char err[512];
    eng_status st = op_model_init(&om, &CFGS[0], err, sizeof err);
    if (st != ENG_OK) fprintf(stderr, "  init: %s\n", err);
    CHECK_EQ_INT(st, ENG_OK);
    if (st != ENG_OK) return;
    pair *p = &om.p;
    const int E = om.p.m.hp.n_embd;
    const size_t cap = (size_t)OP_N_BATCH * (size_t)E;
    twin a = twin_new(p, cap), b = twin_new(p, cap), y = twin_new(p, cap);
    float *ha = malloc(cap * sizeof(float)), *hb = malloc(cap * sizeof(float)), *hc = malloc(cap * sizeof(float)),
          *hg = malloc(cap * sizeof(float));

    /* rmsnorm: rows of scale 1, 1e3 and 1e-3 (where eps dominates), both norms */
    double en = 0;
    const eng_weight *norms[2] = {&om.layers[0].attn_norm, &om.layers[0].ffn_norm};
    const int ntoks[3] = {1, 5, 130};
    for (int wi = 0; wi < 2; wi++) {
        const int d = (int)norms[wi]->ne0;
        for (int k = 0; k < 3; k++) {
            const int n = ntoks[k];
            for (int t = 0; t < n; t++) fill(ha + (size_t)t * d, (size_t)d, t % 3 == 0 ? 1.0f : t % 3 == 1 ? 1e3f : 1e-3f);
            put2(p, a.c, a.g, ha, n, d);
            poison2(p, y.c, y.g, (size_t)n * d);
            p->cpu.ops->rmsnorm(&p->cpu, a.c, norms[wi], 1e-5f, n, y.c);
            p->gpu.ops->rmsnorm(&p->gpu, a.g, norms[wi], 1e-5f, n, y.g);
            if (!get2(p, y.c, y.g, (size_t)n * d, hc, hg)) continue;
            for (int t = 0; t < n; t++) {
                double mx = 0;
                for (int i = 0; i < d; i++) mx = fmax(mx, fabs(hc[(size_t)t * d + i]));
                double et = 0;
                for (int i = 0; i < d; i++) et = worse(et, hg[(size_t)t * d + i], hc[(size_t)t * d + i], mx);
                if (!(et <= TOL_NORM)) fprintf(stderr, "  rmsnorm d %d n_tok %d row %d: %.3g\n", d, n, t, et);
                CHECK(et <= TOL_NORM);
                en = et > en || et != et ? et : en;
            }
        }
    }
    printf("  rmsnorm d %d and %d, n_tok 1/5/130: max |gpu-cpu| / max|y| %.2e (tol %.0e)\n", E, OP_NORM2_DIM, en,
           TOL_NORM);

    /* swiglu and add over lengths below, at and past one 256-thread workgroup */
    const size_t lens[4] = {1, 256, 1000, cap - 3};
    double es = 0, ea = 0;
    for (int k = 0; k < 4; k++) {
        const size_t n = lens[k];
        fill(ha, n, 8.0f);
        fill(hb, n, 1.0f);
        put2(p, a.c, a.g, ha, 1, (int64_t)n);
        put2(p, b.c, b.g, hb, 1, (int64_t)n);
        p->cpu.ops->swiglu(&p->cpu, a.c, b.c, n);
        p->gpu.ops->swiglu(&p->gpu, a.g, b.g, n);
        if (get2(p, a.c, a.g, n, hc, hg))
            for (size_t i = 0; i < n; i++) es = worse(es, hg[i], hc[i], fmax(fabs(hc[i]), 1e-3));
        /* add: x += y, on the swiglu outputs */
        fill(hb, n, 1.0f);
        put2(p, b.c, b.g, hb, 1, (int64_t)n);
        p->cpu.ops->add(&p->cpu, a.c, b.c, n);
        p->gpu.ops->add(&p->gpu, a.g, b.g, n);
        float *hc2 = malloc(n * sizeof(float)), *hg2 = malloc(n * sizeof(float));
        if (get2(p, a.c, a.g, n, hc2, hg2))
            for (size_t i = 0; i < n; i++) {
                /* exact: the same f32 sum of the same operands (each side's own swiglu output) */
                ea = worse(ea, hg2[i], (double)(hg[i] + hb[i]), 1.0);
                ea = worse(ea, hc2[i], (double)(hc[i] + hb[i]), 1.0);
            }
        free(hc2);
        free(hg2);
    }
    printf("  swiglu n 1..%zu: max |gpu-cpu| / max(|y|, 1e-3) %.2e (tol %.0e); add: max error %.2e (exact)\n",
           cap - 3, es, TOL_SWIGLU, ea);
    CHECK(es <= TOL_SWIGLU);
    CHECK(ea == 0);

    /* get_row: row 3 of [5][E], and the last row of [130][E] */
    const int gr[2][2] = {{5, 3}, {130, 129}};
    for (int k = 0; k < 2; k++) {
        fill(ha, (size_t)gr[k][0] * E, 1.0f);
        put2(p, a.c, a.g, ha, gr[k][0], E);
        poison2(p, y.c, y.g, (size_t)E);
        p->cpu.ops->get_row(&p->cpu, a.c, gr[k][1], E, y.c);
        p->gpu.ops->get_row(&p->gpu, a.g, gr[k][1], E, y.g);
        if (get2(p, y.c, y.g, (size_t)E, hc, hg)) {
            CHECK(memcmp(hg, ha + (size_t)gr[k][1] * E, (size_t)E * sizeof(float)) == 0);
            CHECK(memcmp(hc, hg, (size_t)E * sizeof(float)) == 0);
        }
    }
    printf("  get_row: rows 3 of 5 and 129 of 130 exact\n");

    /* argmax: random, ties (to the lowest index: same thread, other threads),
     * the maximum last, all equal, all negative, one element */
    const int V = 32000;
    int cases = 0;
    for (int k = 0; k < 10; k++) {
        int n = k == 9 ? 2049 : k == 8 ? 1 : k == 7 ? 3 : k == 6 ? 257 : V;
        fill(ha, (size_t)n, 4.0f);
        int want_fixed = -1;
        switch (k) {
        case 1: ha[700] = ha[700 + 256] = ha[5000] = 9.0f; want_fixed = 700; break;  /* same thread, others */
        case 2: ha[31999] = ha[256] = 9.0f; want_fixed = 256; break;               /* lowest is not thread 0's */
        case 3: ha[n - 1] = 9.0f; want_fixed = n - 1; break;                        /* the last element */
        case 4: for (int i = 0; i < n; i++) ha[i] = 0.5f; want_fixed = 0; break;    /* all equal */
        case 5: for (int i = 0; i < n; i++) ha[i] = -1e30f - (float)i * 1e24f; ha[12345] = -1e29f; want_fixed = 12345; break;
        case 6: ha[1] = ha[256] = 9.0f; want_fixed = 1; break;
        case 7: ha[0] = ha[2] = 9.0f; want_fixed = 0; break;
        case 9: ha[2048] = 9.0f; want_fixed = 2048; break;                          /* alone past a 2048 chunk */
        default: break;
        }
        put(p, &p->gpu, a.g, ha, 1, n);
        int32_t got = -1;
        st = p->gpu.ops->argmax(&p->gpu, a.g, (size_t)n, &got, err, sizeof err);
        if (st != ENG_OK) fprintf(stderr, "  argmax: %s\n", err);
        CHECK_EQ_INT(st, ENG_OK);
        int32_t want = eng_argmax(ha, n);
        if (want_fixed >= 0) CHECK_EQ_INT(want, want_fixed);
        if (got != want) fprintf(stderr, "  argmax case %d (n %d): gpu %d, eng_argmax %d\n", k, n, got, want);
        CHECK_EQ_INT(got, want);
        cases += got == want;
    }
    printf("  argmax: %d/10 cases equal to eng_argmax (ties to the lowest index)\n", cases);

    free(ha);
    free(hb);
    free(hc);
    free(hg);
    op_model_free(&om);
}

int test_failures_ = 0;

int main(int argc, char **argv) {
    static const test_case cases[] = {
        TEST(test_matmul),    TEST(test_fused_ops),           TEST(test_fused_upload_odd_rows),
        TEST(test_rope),      TEST(test_attention),           TEST(test_eltwise_norm_argmax),
    };
    /* probe: a WebGPU backend on the smallest op model */
    op_model om;
    char err[1024] = "";
    eng_status st = op_model_init(&om, &CFGS[0], err, sizeof err);
    if (st != ENG_OK) {
        if (st == ENG_ERR_BACKEND && !require_webgpu()) {
            printf("skip: %s\n", err);
            printf("0 passed, 0 failed\n");
            return 0;
        }
        fprintf(stderr, "FAIL webgpu init%s: %s\n", require_webgpu() ? " (LLMCAP_REQUIRE_WEBGPU=1)" : "", err);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    eng_device_info di;
    om.p.gpu.ops->device_info(&om.p.gpu, &di);
    printf("  device: %s (%s, %s)\n", di.device[0] ? di.device : di.description, di.api, di.adapter_type);
    op_model_free(&om);
    st = mm_model_build(err, sizeof err);
    if (st != ENG_OK) fprintf(stderr, "  the matmul model: %s\n", err);
    int passed = 0, failed = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (argc > 1 && !strstr(cases[i].name, argv[1])) continue;
        test_failures_ = 0;
        cases[i].fn();
        if (test_failures_) {
            failed++;
            fprintf(stderr, "FAIL %s\n", cases[i].name);
        } else {
            passed++;
        }
    }
    mm_model_free();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
