/* backend_webgpu.c - the WebGPU backend: eng_backend_ops on a GPU through wg.h
 * (native Dawn or Emscripten's WebGPU), every operation a WGSL compute kernel
 * (engine/webgpu/shaders/).
 *
 * Weights are uploaded once at init, in a GPU layout per type (below); the KV
 * cache and the activations live on the GPU. Operations are recorded into one
 * command encoder and submitted when the host needs a result (read, argmax) or
 * new input (embed), so a decode step is one submission. Each dispatch's
 * parameters go into a 256-byte slot of one uniform buffer (dynamic offset),
 * written with a single queue write just before the submission. Bind groups
 * are created on first use and cached (the buffers never change), pipelines
 * at init.
 *
 * GPU layout of a weight chunk (rows row0 .. row0+rows of a tensor; a tensor is
 * split into row chunks so each part fits maxStorageBufferBindingSize):
 *   F32, F16      the rows as in the file
 *   Q8_0          qs: 32 int8 per block (8 u32);      d: f16 per block, packed in pairs
 *   Q4_0          qs: 16 bytes of nibbles per block;  d: as Q8_0
 *   Q4_K          the 144-byte blocks as in the file (d, dmin, scales, qs)
 *   Q6_K          qs: ql, qh, scales (208 bytes);      d: as Q8_0
 *   others        converted to F16 at load (BF16, Q4_1, Q5_0, Q5_1, Q5_K)
 * Separating the 2-byte scales keeps every quant load 16-byte aligned without
 * padding the blocks, so the GPU reads exactly the file's bytes per weight.
 *
 * Numerics: Q4_0 and Q8_0 products round each 32-value block of their input
 * to int8 with one scale (amax / 127, as the CPU backend's Q8_0 activations;
 * LLMCAP_WEBGPU_MVQ / _MMQ = 0: f32 inputs), the other types take f32
 * activations; RMSNorm sums squares in f32, softmax is the online form; RoPE
 * angles come from a host table computed as the CPU backend does.
 */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "eng_internal.h"
#include "quants.h"
#include "types.h"
#include "wg.h"

/* ---- embedded WGSL (build/gen/wgsl_embed.c from engine/webgpu/shaders) ---- */
#define WGSL(name) extern const char wgsl_##name[];
WGSL(mm_common) WGSL(mm_kernels) WGSL(matvec32) WGSL(type_f32) WGSL(type_f16) WGSL(type_q8_0) WGSL(type_q4_0)
WGSL(type_q4_k) WGSL(type_q6_k) WGSL(ops_common) WGSL(rmsnorm) WGSL(rope) WGSL(kv_store)
WGSL(attention) WGSL(attention_dec) WGSL(eltwise) WGSL(argmax) WGSL(mmq)
#undef WGSL

/* Decode matvec: MV_WG threads per workgroup computing MV_R rows; the
 * environment variable LLMCAP_WEBGPU_MV="WG,R" overrides them (tuning). */
#define MV_WG 64
#define MV_R 2
#define MV_U 1   /* items per thread per step (LLMCAP_WEBGPU_MV="WG,R,U") */
/* Decode matvec over whole 32-weight blocks (shaders/matvec32.wgsl) for the
 * types with a w_dot32: MV32_WG threads per workgroup, MV32_R rows
 * (LLMCAP_WEBGPU_MV32="WG,R"; "0" = use matvec for every type). */
#define MV32_WG 128
#define MV32_R 8
/* Submit every SUBMIT_EVERY dispatches (LLMCAP_WEBGPU_SUBMIT_EVERY, 0 = once
 * per step): the GPU starts on the first layers while the CPU records the
 * rest. H200, 8B shape, decode: 24 was best of 0/6/12/24/48 (Q4_0 +15% over 0). */
#define SUBMIT_EVERY 24
/* argmax: floats per first-pass workgroup, and the partials' capacity */
#define AM_CHUNK 2048
#define AM_PARTS 1024
/* query tokens per attention_mq workgroup (AQ in attention.wgsl):
 * workgroup memory (AQ * 128 + 2 * AQ * AW) * 4 bytes. H200, 8B Q4_0 pp512:
 * AQ 4 1695, 8 1668, 16 1677 tokens/s (one token per workgroup: 1551) */
#define ATT_AQ 4
/* matmul_q (prefill on int8 inputs): 32-value blocks per K-step (MQB in
 * mmq.wgsl; workgroup memory 7168 bytes per block). H200, 8B pp512: 2 blocks
 * Q4_0 3046 against 2583 with 1 (before MMQ_PF) */
#define MMQ_BLOCKS 2
/* threads per attention workgroup; head_dim <= 4 * AW */
#define ATT_WG 64  /* LLMCAP_WEBGPU_AW overrides (32..256, a power of two) */
/* threads per attention_dec workgroup (decode: one new token, the cache
 * append folded in; at least head_dim), LLMCAP_WEBGPU_ADEC overrides
 * (32..256, a power of two; "0" = kv_store + attention as in prefill) */
#define ATT_DEC_WG 128
/* uniform slots per submission before a forced flush */
#define PARAM_SLOTS 4096
#define MAX_BIND 9

typedef struct wgt_chunk {
    wg_buffer buf;
    uint64_t qs_off, qs_size, d_off, d_size; /* byte ranges of the two regions */
    int64_t row0, rows;
} wgt_chunk;

/* A tensor on the GPU. Q, K, V (and gate, up) of a layer are uploaded as one
 * fused tensor when their types match (one matvec computes all three); their
 * entries then share its chunk at row offset part_row0. */
typedef struct wgt {
    const eng_weight *w;  /* the host tensor (key) */
    int type;             /* GPU type: the file's, or F16 when converted */
    int64_t ne0, ne1;
    int n_chunks;
    wgt_chunk *chunks;
    int64_t part_row0;    /* first row within a fused tensor (0 otherwise) */
    bool shared;          /* chunks belong to a fused tensor */
} wgt;

/* A layer's fused tensors (type -1 when not fused). */
typedef struct wfused {
    wgt qkv;              /* rows Q | K | V */
    wg_buffer qkv_bias;   /* Q | K | V biases, or NULL */
    int64_t nq, nk;       /* rows of the Q and K parts */
    wgt glu;              /* rows gate | up */
} wfused;

struct eng_act {
    wg_buffer buf;
    size_t n;
    struct eng_act *next;
};

/* bind group cache key */
typedef struct bg_key {
    const wg_pipeline *pipe;
    int n;
    wg_bind b[MAX_BIND];
} bg_key;
typedef struct bg_entry { bg_key key; wg_bindgroup g; bool used; } bg_entry;

/* the parameter blocks (mirror mm_common.wgsl MM and ops_common.wgsl OP) */
typedef struct mm_params {
    uint32_t K, M, row0, n_tok, ldy, bias, gx, nb, flags, n0, n1, glu_off, xoff;
    float eps;
    uint32_t wr0, pad1;
} mm_params;
typedef struct op_params {
    uint32_t n, n_tok, a, b, c, d, gx, e;
    float f0, f1, f2, f3;
    uint32_t n_rot, neox, u0, u1;
} op_params;
enum { MV_NORM = 1, MV_ADD = 2, MV_GLU = 4, MV_SPLIT = 8 };

typedef struct gpu_be {
    wg_dev *dev;
    wg_limits lim;
    wg_pipeline *mv[GGUF_TYPE_COUNT], *mm[GGUF_TYPE_COUNT];
    char mv_name[GGUF_TYPE_COUNT][16][40], mm_name[GGUF_TYPE_COUNT][24]; /* profiling labels (matvec: by flags) */
    unsigned mv_wg, mv_r, mv_u; /* matvec workgroup size, rows per workgroup, items per step */
    unsigned mv32_wg, mv32_r; /* 0 = no matvec32 */
    bool mvq;                 /* matvec32 on int8 inputs for Q4_0 / Q8_0 (LLMCAP_WEBGPU_MVQ) */
    bool mmq_pf;              /* matmul_q issues the next K-step's loads before this step's arithmetic (LLMCAP_WEBGPU_MMQ_PF) */
    unsigned mqb;             /* matmul_q: 32-value blocks per K-step (LLMCAP_WEBGPU_MQB: 1, 2, 4) */
    bool mmq;                 /* prefill on int8 inputs for them (LLMCAP_WEBGPU_MMQ): quant_x + matmul_q */
    wg_pipeline *quant_x[GGUF_TYPE_COUNT], *mm_q[GGUF_TYPE_COUNT]; /* NULL: the f32 matmul */
    wg_buffer xq, xd;         /* quant_x's output: [n_batch][K / 4] words, [n_batch][K / 32] (dx, sum) */
    bool idot_poly;           /* dot4I8Packed missing: idot4 is WGSL shifts and a dot */
    unsigned mm_tm;           /* prefill tile rows: 64 (`matmul`) or 128 (`matmul2`) */
    unsigned mv_rows[GGUF_TYPE_COUNT]; /* rows per matvec workgroup, by weight type */
    unsigned submit_every; /* submit after this many dispatches (0 = only when a result is read) */
    unsigned n_recorded;   /* dispatches recorded since the last submit */
    unsigned att_wg;       /* attention workgroup size (keys per tile) */
    bool att_mq;           /* prefill attention in blocks of att_aq queries (LLMCAP_WEBGPU_ATT_MQ=0: off) */
    unsigned att_aq;       /* queries per attention_mq workgroup (LLMCAP_WEBGPU_AQ, 1..16) */
    unsigned att_dec_wg;   /* attention_dec workgroup size; 0 = decode uses kv_store + attention */
    wg_pipeline *rmsnorm, *rope, *kv_store, *attention, *attention_mq, *swiglu, *add, *argmax_part, *argmax_final;
    wg_pipeline *attention_dec;
    wgt *tensors;          /* open-addressing table keyed by eng_weight pointer */
    size_t n_tensors_cap;
    wg_buffer *kc, *vc;    /* [n_layer] */
    uint64_t kv_layer_bytes;
    wg_buffer rope_cs;     /* [n_batch][n_rot] floats */
    int rope_pos0, rope_n;
    float *rope_host;
    wg_buffer params;      /* PARAM_SLOTS slots of slot_bytes */
    uint8_t *params_host;
    uint32_t slot_bytes;
    int n_slots;
    wg_buffer dummy, dummy_w1, dummy_w2; /* bound where a kernel has no such input/output */
    wg_buffer argmax_out;  /* AM_PARTS (value, index) pairs, then the result */
    wfused *fused;         /* [n_layer] */
    bg_entry *bgs;
    size_t bg_cap, bg_n;
    eng_act *acts;
    float *embed_host;     /* [n_batch][n_embd] */
    eng_status err;        /* first failure of an op that cannot return one */
    char err_msg[256];
    char name[48];
    bool profiling;
} gpu_be;

static gpu_be *impl(const eng_backend *be) { return (gpu_be *)be->impl; }

/* Remember the first failure of an op (ops return void): "webgpu: <what>: <detail>". */
static void latch(gpu_be *g, const char *what, const char *detail) {
    if (g->err != ENG_OK) return;
    g->err = ENG_ERR_BACKEND;
    snprintf(g->err_msg, sizeof g->err_msg, "webgpu: %s: %s", what, detail);
}

/* ---- small helpers ---- */
static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

static size_t ptr_hash(const void *p, size_t cap) {
    uint64_t v = (uint64_t)(uintptr_t)p;
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdULL;
    v ^= v >> 33;
    return (size_t)(v & (cap - 1));
}

static wgt *tensor_find(gpu_be *g, const eng_weight *w) {
    for (size_t i = ptr_hash(w, g->n_tensors_cap);; i = (i + 1) & (g->n_tensors_cap - 1)) {
        if (g->tensors[i].w == w) return &g->tensors[i];
        if (!g->tensors[i].w) return NULL;
    }
}

static wgt *tensor_slot(gpu_be *g, const eng_weight *w) {
    for (size_t i = ptr_hash(w, g->n_tensors_cap);; i = (i + 1) & (g->n_tensors_cap - 1))
        if (!g->tensors[i].w || g->tensors[i].w == w) return &g->tensors[i];
}

/* Bytes per row of the two regions in the GPU layout of type t. */
static void gpu_row_bytes(int t, int64_t K, uint64_t *qs, uint64_t *d) {
    const gguf_type_info *ti = gguf_type_get(t);
    uint64_t nb = (uint64_t)K / ti->block_elems;
    switch (t) {
    case GGUF_TYPE_F32: *qs = (uint64_t)K * 4; *d = 0; break;
    case GGUF_TYPE_F16: *qs = (uint64_t)K * 2; *d = 0; break;
    case GGUF_TYPE_Q8_0: *qs = nb * 32; *d = nb * 2; break;
    case GGUF_TYPE_Q4_0: *qs = nb * 16; *d = nb * 2; break;
    case GGUF_TYPE_Q4_K: *qs = nb * 144; *d = 0; break;
    case GGUF_TYPE_Q6_K: *qs = nb * 208; *d = nb * 2; break;
    default: *qs = 0; *d = 0; break;
    }
}

static bool gpu_native_type(int t) {
    return t == GGUF_TYPE_F32 || t == GGUF_TYPE_F16 || t == GGUF_TYPE_Q8_0 || t == GGUF_TYPE_Q4_0 ||
           t == GGUF_TYPE_Q4_K || t == GGUF_TYPE_Q6_K;
}

/* Repack rows [r0, r0+n) of host tensor w (file type) into GPU type gt:
 * qs region to qs, scales to d. */
static void repack_rows(const eng_weight *w, int gt, int64_t r0, int64_t n, uint8_t *qs, uint8_t *d) {
    const int64_t K = w->ne0;
    const uint8_t *src = (const uint8_t *)w->data + (size_t)r0 * w->row_bytes;
    if (gt != (int)w->type) { /* converted to F16 */
        const gguf_type_info *ti = gguf_type_get(w->type);
        float *tmp = malloc((size_t)K * sizeof(float));
        if (!tmp) return;
        uint16_t *o = (uint16_t *)qs;
        for (int64_t r = 0; r < n; r++) {
            ti->to_float(src + (size_t)r * w->row_bytes, tmp, K);
            for (int64_t i = 0; i < K; i++) o[(size_t)r * K + i] = gguf_fp32_to_fp16(tmp[i]);
        }
        free(tmp);
        return;
    }
    const size_t nbytes = (size_t)n * w->row_bytes;
    switch (gt) {
    case GGUF_TYPE_F32: case GGUF_TYPE_F16: case GGUF_TYPE_Q4_K:
        memcpy(qs, src, nbytes);
        break;
    case GGUF_TYPE_Q8_0: case GGUF_TYPE_Q4_0: case GGUF_TYPE_Q6_K: {
        const size_t bb = gguf_type_get(gt)->block_bytes;
        const size_t nblk = nbytes / bb;
        /* Q8_0: d then 32 q; Q4_0: d then 16 q; Q6_K: 208 bytes then d */
        const size_t qb = gt == GGUF_TYPE_Q8_0 ? 32 : gt == GGUF_TYPE_Q4_0 ? 16 : 208;
        const size_t qoff = gt == GGUF_TYPE_Q6_K ? 0 : 2;
        const size_t doff = gt == GGUF_TYPE_Q6_K ? 208 : 0;
        for (size_t b = 0; b < nblk; b++) {
            memcpy(qs + b * qb, src + b * bb + qoff, qb);
            memcpy(d + b * 2, src + b * bb + doff, 2);
        }
        break;
    }
    default: break;
    }
}

static uint64_t storage_align(const gpu_be *g) {
    return g->lim.min_storage_buffer_offset_alignment < 256 ? 256 : g->lim.min_storage_buffer_offset_alignment;
}

/* Rows per chunk of a tensor with these row sizes (0 when one row is too big). */
static uint64_t chunk_rows(const gpu_be *g, uint64_t qrow, uint64_t drow) {
    uint64_t cap_rows = g->lim.max_storage_buffer_binding_size / qrow;
    if (drow && g->lim.max_storage_buffer_binding_size / drow < cap_rows)
        cap_rows = g->lim.max_storage_buffer_binding_size / drow;
    uint64_t by_buf = (g->lim.max_buffer_size - 2 * storage_align(g)) / (qrow + drow);
    if (by_buf < cap_rows) cap_rows = by_buf;
    return cap_rows / 64 * 64; /* whole matmul tiles */
}

/* Upload parts[0..n) (same type and row length) as one tensor t whose rows
 * are the parts' rows one after another, in chunks of cap_rows rows. */
static eng_status upload_rows(gpu_be *g, wgt *t, const eng_weight *const *parts, int n, int gt, uint64_t cap_rows,
                              char *err, size_t err_len) {
    uint64_t qrow, drow;
    gpu_row_bytes(gt, parts[0]->ne0, &qrow, &drow);
    int64_t rows = 0;
    for (int i = 0; i < n; i++) rows += parts[i]->ne1 < 1 ? 1 : parts[i]->ne1;
    const uint64_t align = storage_align(g);
    int nc = (int)((rows + (int64_t)cap_rows - 1) / (int64_t)cap_rows);
    t->type = gt;
    t->ne0 = parts[0]->ne0;
    t->ne1 = rows;
    t->n_chunks = nc;
    t->chunks = calloc((size_t)nc, sizeof *t->chunks);
    if (!t->chunks) return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory");
    /* repack a bounded number of rows at a time (host scratch <= ~32 MiB) */
    int64_t step = (int64_t)((32u << 20) / (qrow + drow + 1));
    if (step < 1) step = 1;
    /* the scales of a chunk are gathered on the host and written once (a row's
     * scales need not be a multiple of 4 bytes; they are 1/9..1/17 of the data) */
    uint8_t *qs = malloc((size_t)((uint64_t)step * qrow + 16));
    uint8_t *dd = malloc((size_t)((uint64_t)(rows < (int64_t)cap_rows ? rows : (int64_t)cap_rows) * drow + 16));
    if (!qs || !dd) { free(qs); free(dd); return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory"); }
    eng_status st = ENG_OK;
    int part = 0;
    int64_t part_row = 0; /* next row of parts[part] */
    for (int c = 0; c < nc && st == ENG_OK; c++) {
        wgt_chunk *ch = &t->chunks[c];
        ch->row0 = (int64_t)c * (int64_t)cap_rows;
        ch->rows = rows - ch->row0 < (int64_t)cap_rows ? rows - ch->row0 : (int64_t)cap_rows;
        ch->qs_off = 0;
        ch->qs_size = align_up((uint64_t)ch->rows * qrow, 16);
        ch->d_off = drow ? align_up(ch->qs_size, align) : 0;
        ch->d_size = drow ? align_up((uint64_t)ch->rows * drow, 16) : ch->qs_size; /* no d: wd binds qs (unused) */
        uint64_t total = drow ? ch->d_off + ch->d_size : ch->qs_size;
        ch->buf = wg_buffer_create(g->dev, total, WG_BUF_STORAGE | WG_BUF_COPY_DST, "weight");
        if (!ch->buf) {
            st = eng_fail(err, err_len, ENG_ERR_NOMEM, "webgpu: could not allocate %.1f MiB for a weight",
                          (double)total / 1048576.0);
            break;
        }
        for (int64_t r = 0; r < ch->rows;) {
            const eng_weight *w = parts[part];
            const int64_t prow = w->ne1 < 1 ? 1 : w->ne1;
            int64_t nr = ch->rows - r < step ? ch->rows - r : step;
            if (nr > prow - part_row) nr = prow - part_row;
            repack_rows(w, gt, part_row, nr, qs, dd + (uint64_t)r * drow);
            /* qrow is a multiple of 4 for every GPU type (K % 32 == 0) */
            wg_write(g->dev, ch->buf, ch->qs_off + (uint64_t)r * qrow, qs, (size_t)((uint64_t)nr * qrow));
            r += nr;
            part_row += nr;
            if (part_row == prow) { part++; part_row = 0; }
        }
        if (drow) { /* zero the tail so the region is written in whole words */
            size_t dn = (size_t)((uint64_t)ch->rows * drow), dn4 = (size_t)align_up(dn, 4);
            memset(dd + dn, 0, dn4 - dn);
            wg_write(g->dev, ch->buf, ch->d_off, dd, dn4);
        }
    }
    free(qs);
    free(dd);
    return st;
}

static int gpu_type_of(const eng_weight *w) { return gpu_native_type(w->type) ? w->type : GGUF_TYPE_F16; }

/* Plan the chunks of one tensor and upload them. */
static eng_status upload_tensor(gpu_be *g, const eng_weight *w, char *err, size_t err_len) {
    wgt *t = tensor_slot(g, w);
    if (t->w) return ENG_OK; /* shared (tied output) or fused */
    const bool is_vec = w->ne1 <= 1 && w->type == GGUF_TYPE_F32;
    int gt = gpu_native_type(w->type) ? w->type : GGUF_TYPE_F16;
    if (!is_vec && w->ne0 % 32)
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED,
                        "webgpu: a weight with row length %lld (not a multiple of 32)", (long long)w->ne0);
    if (gt == GGUF_TYPE_F16 && w->type != GGUF_TYPE_F16 && !gguf_type_get(w->type)->to_float)
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED, "webgpu: weights of type %s",
                        gguf_type_name(w->type));
    uint64_t qrow, drow;
    gpu_row_bytes(gt, w->ne0, &qrow, &drow);
    uint64_t cap_rows = chunk_rows(g, qrow, drow);
    if (cap_rows == 0)
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED,
                        "webgpu: one row of %llu bytes exceeds the adapter's storage binding limit (%llu bytes)",
                        (unsigned long long)qrow, (unsigned long long)g->lim.max_storage_buffer_binding_size);
    t->w = w;
    return upload_rows(g, t, &w, 1, gt, cap_rows, err, err_len);
}

/* Fuse parts[0..n) of one layer into t when they share type and row length
 * and fit one chunk; then register each part as a view of it. false: not fused. */
static bool try_fuse(gpu_be *g, wgt *t, const eng_weight *const *parts, int n, eng_status *st, char *err,
                     size_t err_len) {
    t->type = -1;
    for (int i = 1; i < n; i++)
        if (parts[i]->type != parts[0]->type || parts[i]->ne0 != parts[0]->ne0) return false;
    if (parts[0]->ne0 % 32 || parts[0]->ne1 < 2) return false;
    int gt = gpu_type_of(parts[0]);
    uint64_t qrow, drow, rows = 0;
    gpu_row_bytes(gt, parts[0]->ne0, &qrow, &drow);
    for (int i = 0; i < n; i++) rows += (uint64_t)parts[i]->ne1;
    if (chunk_rows(g, qrow, drow) < rows) return false;
    *st = upload_rows(g, t, parts, n, gt, rows, err, err_len);
    if (*st != ENG_OK) return true;
    int64_t r0 = 0;
    for (int i = 0; i < n; i++) {
        wgt *v = tensor_slot(g, parts[i]);
        *v = *t;
        v->w = parts[i];
        v->ne1 = parts[i]->ne1;
        v->part_row0 = r0;
        v->shared = true;
        r0 += parts[i]->ne1;
    }
    return true;
}

/* ---- pipelines ---- */
static char *cat_code(const char *consts, const char *const *parts, int n) {
    size_t len = strlen(consts) + 1;
    for (int i = 0; i < n; i++) len += strlen(parts[i]) + 1;
    char *s = malloc(len);
    if (!s) return NULL;
    strcpy(s, consts);
    for (int i = 0; i < n; i++) {
        strcat(s, parts[i]);
        strcat(s, "\n");
    }
    return s;
}

static eng_status make_pipe(gpu_be *g, const char *label, const char *consts, const char *const *parts, int n,
                            const char *entry, const wg_binding_kind *kinds, int nb, wg_pipeline **out, char *err,
                            size_t err_len) {
    char *code = cat_code(consts, parts, n);
    if (!code) return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory");
    eng_status st = wg_pipeline_create(g->dev, label, code, entry, kinds, nb, NULL, 0, out, err, err_len);
    free(code);
    return st;
}

static const char *type_wgsl(int t) {
    switch (t) {
    case GGUF_TYPE_F32: return wgsl_type_f32;
    case GGUF_TYPE_F16: return wgsl_type_f16;
    case GGUF_TYPE_Q8_0: return wgsl_type_q8_0;
    case GGUF_TYPE_Q4_0: return wgsl_type_q4_0;
    case GGUF_TYPE_Q4_K: return wgsl_type_q4_k;
    case GGUF_TYPE_Q6_K: return wgsl_type_q6_k;
    default: return NULL;
    }
}

/* idot4(a, b): the dot product of the four signed bytes of a and of b, as
 * WGSL's dot4I8Packed (language feature packed_4x8_integer_dot_product, a
 * hardware instruction where the GPU has one) or, where the WGSL
 * implementation lacks it, sign-extending shifts and an integer dot. */
static const char IDOT4_BUILTIN[] = "fn idot4(a: u32, b: u32) -> i32 {\n    return dot4I8Packed(a, b);\n}\n";
static const char IDOT4_POLY[] =
    "fn idot4(a: u32, b: u32) -> i32 {\n"
    "    let s = vec4<u32>(24u, 16u, 8u, 0u);\n"
    "    let va = bitcast<vec4<i32>>(vec4<u32>(a) << s) >> vec4<u32>(24u);\n"
    "    let vb = bitcast<vec4<i32>>(vec4<u32>(b) << s) >> vec4<u32>(24u);\n"
    "    return dot(va, vb);\n"
    "}\n";

static void release_mm_pipes(gpu_be *g, int t) {
    wg_pipeline **ps[4] = {&g->mv[t], &g->mm[t], &g->quant_x[t], &g->mm_q[t]};
    for (int i = 0; i < 4; i++) {
        if (*ps[i]) wg_pipeline_release(*ps[i]);
        *ps[i] = NULL;
    }
}

static eng_status make_mm_pipes_try(gpu_be *g, int t, char *err, size_t err_len) {
    /* params, wq, wd, x, y, bias, g (norm), y1, y2 */
    static const wg_binding_kind k[9] = {WG_BIND_UNIFORM_DYNAMIC, WG_BIND_STORAGE_RO, WG_BIND_STORAGE_RO,
                                         WG_BIND_STORAGE_RO,      WG_BIND_STORAGE_RW, WG_BIND_STORAGE_RO,
                                         WG_BIND_STORAGE_RO,      WG_BIND_STORAGE_RW, WG_BIND_STORAGE_RW};
    char consts[640], label[64];
    /* the whole-block kernel for the types that define w_dot32 */
    const bool blk32 = g->mv32_wg && (t == GGUF_TYPE_Q4_0 || t == GGUF_TYPE_Q8_0 || t == GGUF_TYPE_F16);
    const bool mvq = blk32 && g->mvq && t != GGUF_TYPE_F16;
    snprintf(consts, sizeof consts, "const MV_WG = %uu;\nconst MV_R = %uu;\nconst MV_U = %uu;\nconst MV32_WG = %uu;\n"
             "const MV32_R = %uu;\nconst MVQ = %s;\nconst MMQ_PF = %s;\nconst MQB = %uu;\n%s", g->mv_wg, g->mv_r,
             g->mv_u, g->mv32_wg ? g->mv32_wg : 64, g->mv32_r ? g->mv32_r : 1, mvq ? "true" : "false",
             g->mmq_pf ? "true" : "false", g->mqb, g->idot_poly ? IDOT4_POLY : IDOT4_BUILTIN);
    const char *parts[4] = {wgsl_mm_common, type_wgsl(t), wgsl_mm_kernels, wgsl_matvec32};
    const int n_parts = blk32 ? 4 : 3;
    g->mv_rows[t] = blk32 ? g->mv32_r : g->mv_r;
    for (int f = 0; f < 16; f++)
        snprintf(g->mv_name[t][f], sizeof g->mv_name[t][f], "matvec_%s%s%s%s%s", gguf_type_get(t)->name,
                 f & MV_NORM ? "+norm" : "", f & MV_ADD ? "+add" : "", f & MV_GLU ? "+glu" : "",
                 f & MV_SPLIT ? "+qkv" : "");
    snprintf(g->mm_name[t], sizeof g->mm_name[t], "matmul_%s", gguf_type_get(t)->name);
    snprintf(label, sizeof label, "matvec_%s", gguf_type_get(t)->name);
    eng_status st = make_pipe(g, label, consts, parts, n_parts, blk32 ? "matvec32" : "matvec", k, 9, &g->mv[t], err,
                              err_len);
    if (st != ENG_OK) return st;
    snprintf(label, sizeof label, "matmul_%s", gguf_type_get(t)->name);
    st = make_pipe(g, label, consts, parts, 3, g->mm_tm == 128 ? "matmul2" : "matmul", k, 9, &g->mm[t], err, err_len);
    if (st != ENG_OK || !g->mmq || (t != GGUF_TYPE_Q4_0 && t != GGUF_TYPE_Q8_0)) return st;
    /* prefill on int8 inputs (mmq.wgsl) */
    const char *qparts[3] = {wgsl_mm_common, type_wgsl(t), wgsl_mmq};
    snprintf(label, sizeof label, "quant_x_%s", gguf_type_get(t)->name);
    st = make_pipe(g, label, consts, qparts, 3, "quant_x", k, 9, &g->quant_x[t], err, err_len);
    if (st != ENG_OK) return st;
    snprintf(g->mm_name[t], sizeof g->mm_name[t], "matmul_q_%s", gguf_type_get(t)->name);
    return make_pipe(g, g->mm_name[t], consts, qparts, 3, "matmul_q", k, 9, &g->mm_q[t], err, err_len);
}

/* The matvec and matmul pipelines of weight type t. A first compile with
 * dot4I8Packed that fails (a WGSL implementation without the language
 * feature) is retried once with the fallback idot4; a second failure is the
 * error. */
static eng_status make_mm_pipes(gpu_be *g, int t, char *err, size_t err_len) {
    if (g->mv[t]) return ENG_OK;
    eng_status st = make_mm_pipes_try(g, t, err, err_len);
    if (st == ENG_OK || g->idot_poly) return st;
    release_mm_pipes(g, t);
    g->idot_poly = true;
    return make_mm_pipes_try(g, t, err, err_len);
}

static eng_status make_op_pipes(gpu_be *g, bool kv_f16, unsigned head_dim, char *err, size_t err_len) {
    const wg_binding_kind U = WG_BIND_UNIFORM_DYNAMIC, R = WG_BIND_STORAGE_RO, W = WG_BIND_STORAGE_RW;
    char consts[192];
    snprintf(consts, sizeof consts,
             "const KV_F16 = %s;\nconst AW = %uu;\nconst AQ = %uu;\nconst AM_CHUNK = %uu;\nconst AM_OUT = %uu;\n",
             kv_f16 ? "true" : "false", g->att_wg, g->att_aq, AM_CHUNK, 2 * AM_PARTS);
    const wg_binding_kind k_norm[4] = {U, R, R, W}, k_rope[3] = {U, W, R}, k_kv[6] = {U, R, R, W, W, R},
                          k_att[6] = {U, R, R, R, W, R}, k_elt[3] = {U, W, R}, k_arg[3] = {U, R, W};
    eng_status st;
#define PIPE(field, file, entry, kinds)                                                                 \
    do {                                                                                                 \
        const char *parts[2] = {wgsl_ops_common, wgsl_##file};                                           \
        st = make_pipe(g, entry, consts, parts, 2, entry, kinds, (int)(sizeof kinds / sizeof kinds[0]), \
                       &g->field, err, err_len);                                                         \
        if (st != ENG_OK) return st;                                                                     \
    } while (0)
    PIPE(rmsnorm, rmsnorm, "rmsnorm", k_norm);
    PIPE(rope, rope, "rope", k_rope);
    PIPE(kv_store, kv_store, "kv_store", k_kv);
    PIPE(attention, attention, "attention", k_att);
    PIPE(attention_mq, attention, "attention_mq", k_att);
    PIPE(swiglu, eltwise, "swiglu", k_elt);
    PIPE(add, eltwise, "add", k_elt);
    PIPE(argmax_part, argmax, "argmax_part", k_arg);
    PIPE(argmax_final, argmax, "argmax_final", k_arg);
#undef PIPE
    if (!g->att_dec_wg) return ENG_OK;
    /* decode attention: params, q, k, v, kc, vc, out, cos/sin */
    const wg_binding_kind k_dec[8] = {U, R, R, R, W, W, W, R};
    const unsigned ch = kv_f16 ? 8 : 4;
    char dconsts[320];
    snprintf(dconsts, sizeof dconsts, "%sconst DW = %uu;\nconst HD = %uu;\nconst CH = %uu;\n", consts, g->att_dec_wg,
             head_dim, ch);
    const char *parts[2] = {wgsl_ops_common, wgsl_attention_dec};
    return make_pipe(g, "attention_dec", dconsts, parts, 2, "attention_dec", k_dec, 8, &g->attention_dec, err,
                     err_len);
}

/* attention_dec's workgroup memory in bytes (attention_dec.wgsl) */
static unsigned att_dec_smem(unsigned dw, unsigned hd, unsigned ch) { return 4 * (5 * hd + 2 * dw + dw * ch); }

/* Whether attention_dec runs this head size: a cache row of a head in whole
 * 16-byte chunks, a power of two of them, head_dim <= the workgroup <= 256. */
static bool att_dec_fits(const gpu_be *g, unsigned dw, unsigned hd, bool kv_f16) {
    const unsigned ch = kv_f16 ? 8 : 4;
    if (!dw || hd % ch || hd > dw || dw > 256 || ((hd / ch) & (hd / ch - 1))) return false;
    return att_dec_smem(dw, hd, ch) <= g->lim.max_compute_workgroup_storage_size;
}

/* ---- bind groups (cached) ---- */
static size_t key_hash(const bg_key *k) {
    const unsigned char *p = (const unsigned char *)k;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < sizeof *k; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return (size_t)h;
}

static wg_bindgroup bindgroup(gpu_be *g, const wg_pipeline *pipe, const wg_bind *b, int n) {
    bg_key k;
    memset(&k, 0, sizeof k);
    k.pipe = pipe;
    k.n = n;
    memcpy(k.b, b, (size_t)n * sizeof *b);
    if (g->bg_n * 2 >= g->bg_cap) { /* grow */
        size_t cap = g->bg_cap ? g->bg_cap * 2 : 1024;
        bg_entry *nt = calloc(cap, sizeof *nt);
        if (!nt) return NULL;
        for (size_t i = 0; i < g->bg_cap; i++) {
            if (!g->bgs[i].used) continue;
            size_t j = key_hash(&g->bgs[i].key) & (cap - 1);
            while (nt[j].used) j = (j + 1) & (cap - 1);
            nt[j] = g->bgs[i];
        }
        free(g->bgs);
        g->bgs = nt;
        g->bg_cap = cap;
    }
    size_t i = key_hash(&k) & (g->bg_cap - 1);
    for (; g->bgs[i].used; i = (i + 1) & (g->bg_cap - 1))
        if (!memcmp(&g->bgs[i].key, &k, sizeof k)) return g->bgs[i].g;
    wg_bindgroup bg = wg_bindgroup_create(g->dev, pipe, b, n);
    if (!bg) return NULL;
    g->bgs[i].key = k;
    g->bgs[i].g = bg;
    g->bgs[i].used = true;
    g->bg_n++;
    return bg;
}

/* ---- recording ---- */
static void flush_params(gpu_be *g) {
    if (g->n_slots) wg_write(g->dev, g->params, 0, g->params_host, (size_t)g->n_slots * g->slot_bytes);
    g->n_slots = 0;
}

static void submit(gpu_be *g) {
    flush_params(g);
    g->n_recorded = 0;
    wg_submit(g->dev);
}

/* Reserve a parameter slot holding `n` bytes of prm; returns its offset. */
static uint32_t param_slot(gpu_be *g, const void *prm, size_t n) {
    if (g->n_slots == PARAM_SLOTS) submit(g);
    uint32_t off = (uint32_t)g->n_slots * g->slot_bytes;
    memcpy(g->params_host + off, prm, n);
    g->n_slots++;
    return off;
}

/* Split n workgroups into a 2-D grid within maxComputeWorkgroupsPerDimension. */
static void grid(const gpu_be *g, uint64_t n, uint32_t *gx, uint32_t *gy) {
    uint64_t mx = g->lim.max_compute_workgroups_per_dimension ? g->lim.max_compute_workgroups_per_dimension : 65535;
    if (n == 0) n = 1;
    if (n <= mx) { *gx = (uint32_t)n; *gy = 1; return; }
    *gx = (uint32_t)mx;
    *gy = (uint32_t)((n + mx - 1) / mx);
}

static void dispatch(gpu_be *g, const wg_pipeline *pipe, const void *prm, size_t prm_n, const wg_bind *b, int n,
                     uint32_t gx, uint32_t gy, const char *name) {
    if (g->err != ENG_OK) return;
    wg_bind bb[MAX_BIND];
    memcpy(bb, b, (size_t)n * sizeof *b);
    bb[0].buf = g->params;
    bb[0].offset = 0;
    bb[0].size = align_up(sizeof(op_params) > sizeof(mm_params) ? sizeof(op_params) : sizeof(mm_params), 16);
    wg_bindgroup bg = bindgroup(g, pipe, bb, n);
    if (!bg) { latch(g, "could not create a bind group", name); return; }
    uint32_t off = param_slot(g, prm, prm_n);
    wg_dispatch(g->dev, pipe, bg, off, gx, gy, 1, name);
    /* hand the GPU what is recorded every submit_every dispatches, so it
     * runs while the rest of the step is recorded */
    if (g->submit_every && ++g->n_recorded >= g->submit_every) submit(g);
}

/* Element-wise launch over `items` invocations of 256-thread workgroups;
 * returns gx in *prm->gx. */
static void eltwise_grid(const gpu_be *g, uint64_t items, uint32_t *gx, uint32_t *gy) {
    grid(g, (items + 255) / 256, gx, gy);
}

/* ---- ops ---- */
static eng_status gpu_init(eng_backend *be, char *err, size_t err_len);
static void gpu_destroy(eng_backend *be);

static eng_act *gpu_act_new(eng_backend *be, size_t n) {
    gpu_be *g = impl(be);
    uint64_t bytes = align_up((uint64_t)(n ? n : 1) * sizeof(float), 16);
    if (bytes > g->lim.max_storage_buffer_binding_size || bytes > g->lim.max_buffer_size) {
        latch(g, "an activation buffer exceeds the adapter's storage binding limit", "reduce n_batch");
        return NULL;
    }
    eng_act *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->buf = wg_buffer_create(g->dev, bytes, WG_BUF_STORAGE | WG_BUF_COPY_SRC | WG_BUF_COPY_DST, "activation");
    if (!a->buf) { free(a); return NULL; }
    a->n = n;
    a->next = g->acts;
    g->acts = a;
    return a;
}

static wg_bind B(wg_buffer buf) { wg_bind b = {buf, 0, 0}; return b; }

static void gpu_embed(eng_backend *be, const eng_weight *emb, const int32_t *tok, int n_tok, eng_act *x) {
    gpu_be *g = impl(be);
    const gguf_type_info *ti = gguf_type_get(emb->type);
    for (int t = 0; t < n_tok; t++)
        ti->to_float((const char *)emb->data + (size_t)tok[t] * emb->row_bytes, g->embed_host + (size_t)t * emb->ne0,
                     emb->ne0);
    /* work recorded earlier (the previous ubatch) still reads x: submit it first */
    submit(g);
    wg_write(g->dev, x->buf, 0, g->embed_host, (size_t)n_tok * (size_t)emb->ne0 * sizeof(float));
}

static void gpu_rmsnorm(eng_backend *be, const eng_act *x, const eng_weight *w, float eps, int n_tok, eng_act *y) {
    gpu_be *g = impl(be);
    wgt *t = tensor_find(g, w);
    if (!t) { latch(g, "a norm weight was not uploaded", "internal error"); return; }
    op_params p = {0};
    p.n = (uint32_t)w->ne0;
    p.n_tok = (uint32_t)n_tok;
    p.f0 = eps;
    uint32_t gx, gy;
    grid(g, (uint64_t)n_tok, &gx, &gy);
    p.gx = gx;
    wg_bind b[4] = {{0}, B(x->buf), B(t->chunks[0].buf), B(y->buf)};
    dispatch(g, g->rmsnorm, &p, sizeof p, b, 4, gx, gy, "rmsnorm");
}

/* One matrix-product dispatch per chunk of t: n_tok == 1 runs the matvec
 * kernel (with the options in `flags`), more tokens the tiled matmul. */
static void mm_dispatch(gpu_be *g, const wgt *t, wg_buffer bias, const eng_act *x, uint32_t xoff, int n_tok,
                        wg_buffer y, wg_buffer y1, wg_buffer y2, wg_buffer norm, float eps, uint32_t flags,
                        uint32_t n0, uint32_t n1, uint32_t glu_off, int64_t rows_override) {
    const gguf_type_info *ti = gguf_type_get(t->type);
    /* prefill on int8 inputs: round x once for every chunk (quant_x) */
    const bool q8 = n_tok > 1 && g->mm_q[t->type];
    if (q8) {
        mm_params p = {0};
        p.K = (uint32_t)t->ne0;
        p.n_tok = (uint32_t)n_tok;
        uint32_t gx, gy;
        eltwise_grid(g, (uint64_t)n_tok * (p.K / 32), &gx, &gy);
        p.gx = gx;
        const wgt_chunk *ch = &t->chunks[0];
        wg_bind b[9] = {{0}, {ch->buf, ch->qs_off, ch->qs_size}, {ch->buf, ch->d_off, ch->d_size}, B(x->buf),
                        B(g->xq), B(g->dummy), B(g->dummy), B(g->xd), B(g->dummy_w2)};
        dispatch(g, g->quant_x[t->type], &p, sizeof p, b, 9, gx, gy, "quant_x");
    }
    for (int c = 0; c < t->n_chunks; c++) {
        const wgt_chunk *ch = &t->chunks[c];
        mm_params p = {0};
        p.K = (uint32_t)t->ne0;
        /* a part of a fused tensor: its rows only (one chunk) */
        int64_t rows = rows_override > 0 ? rows_override : t->shared ? t->ne1 : ch->rows;
        p.M = (uint32_t)rows;
        p.row0 = t->shared ? 0 : (uint32_t)ch->row0;
        p.wr0 = (uint32_t)t->part_row0;
        p.n_tok = (uint32_t)n_tok;
        p.ldy = (uint32_t)t->ne1;
        p.bias = bias ? 1 : 0;
        p.nb = (uint32_t)(t->ne0 / ti->block_elems);
        p.flags = flags;
        p.n0 = n0;
        p.n1 = n1;
        p.glu_off = glu_off;
        p.xoff = xoff;
        p.eps = eps;
        uint32_t gx, gy;
        const wg_pipeline *pipe;
        const char *name;
        if (n_tok == 1) {
            grid(g, ((uint64_t)rows + g->mv_rows[t->type] - 1) / g->mv_rows[t->type], &gx, &gy);
            pipe = g->mv[t->type];
            name = g->mv_name[t->type][flags & 15];
        } else {
            gx = (uint32_t)((rows + g->mm_tm - 1) / g->mm_tm); /* tiles of mm_tm rows x 64 tokens (mm_kernels.wgsl) */
            gy = (uint32_t)((n_tok + 63) / 64);
            pipe = q8 ? g->mm_q[t->type] : g->mm[t->type];
            name = g->mm_name[t->type];
        }
        p.gx = gx;
        wg_bind b[9] = {{0},
                        {ch->buf, ch->qs_off, ch->qs_size},
                        {ch->buf, ch->d_off, ch->d_size},
                        B(q8 ? g->xq : x->buf),
                        B(y),
                        B(bias ? bias : g->dummy),
                        B(q8 ? g->xd : norm ? norm : g->dummy),
                        B(y1 ? y1 : g->dummy_w1),
                        B(y2 ? y2 : g->dummy_w2)};
        dispatch(g, pipe, &p, sizeof p, b, 9, gx, gy, name);
    }
}

static void gpu_matmul(eng_backend *be, const eng_weight *w, const eng_weight *bias, const eng_act *x, int n_tok,
                       eng_act *y) {
    gpu_be *g = impl(be);
    wgt *t = tensor_find(g, w);
    if (!t) { latch(g, "a matrix weight was not uploaded", "internal error"); return; }
    wgt *bt = bias && bias->data ? tensor_find(g, bias) : NULL;
    mm_dispatch(g, t, bt ? bt->chunks[0].buf : NULL, x, 0, n_tok, y->buf, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0);
}

static void gpu_rmsnorm(eng_backend *be, const eng_act *x, const eng_weight *w, float eps, int n_tok, eng_act *y);

/* y_i = W_i (RMSNorm(x) * norm) + b_i: one dispatch for a fused Q|K|V at
 * n_tok == 1; else RMSNorm into a scratch buffer and one product per weight. */
static void gpu_norm_matmuls(eng_backend *be, const eng_weight *norm, float eps, const eng_act *x, int n_tok, int n,
                             const eng_weight *const *w, const eng_weight *const *b, eng_act *const *y,
                             eng_act *scratch) {
    gpu_be *g = impl(be);
    wgt *nt = tensor_find(g, norm);
    if (!nt) { latch(g, "a norm weight was not uploaded", "internal error"); return; }
    if (n_tok == 1) {
        wgt *t0 = tensor_find(g, w[0]);
        const eng_layer *L = be->m->layers;
        int64_t il = -1;
        if (t0 && t0->shared) {
            il = ((const char *)w[0] - (const char *)L - (ptrdiff_t)offsetof(eng_layer, wq)) / (ptrdiff_t)sizeof *L;
            if (il < 0 || il >= be->m->hp.n_layer || &L[il].wq != w[0]) il = -1;
        }
        if (n == 3 && il >= 0 && g->fused[il].qkv.type >= 0 && w[1] == &L[il].wk && w[2] == &L[il].wv) {
            const wfused *f = &g->fused[il];
            mm_dispatch(g, &f->qkv, f->qkv_bias, x, 0, 1, y[0]->buf, y[1]->buf, y[2]->buf, nt->chunks[0].buf, eps,
                        MV_NORM | MV_SPLIT, (uint32_t)f->nq, (uint32_t)f->nk, 0, 0);
            return;
        }
        for (int i = 0; i < n; i++) {
            wgt *t = tensor_find(g, w[i]);
            wgt *bt = b[i] && b[i]->data ? tensor_find(g, b[i]) : NULL;
            if (!t) { latch(g, "a matrix weight was not uploaded", "internal error"); return; }
            mm_dispatch(g, t, bt ? bt->chunks[0].buf : NULL, x, 0, 1, y[i]->buf, NULL, NULL, nt->chunks[0].buf, eps,
                        MV_NORM, 0, 0, 0, 0);
        }
        return;
    }
    gpu_rmsnorm(be, x, norm, eps, n_tok, scratch);
    for (int i = 0; i < n; i++) gpu_matmul(be, w[i], b[i], scratch, n_tok, y[i]);
}

static void gpu_swiglu(eng_backend *be, eng_act *gate, const eng_act *up, size_t n);

/* gate = silu(Wg m) * (Wu m), m = RMSNorm(x) * norm: one dispatch for a fused
 * gate|up at n_tok == 1. */
static void gpu_norm_glu(eng_backend *be, const eng_weight *norm, float eps, const eng_act *x, int n_tok,
                         const eng_weight *wg, const eng_weight *wu, eng_act *gate, eng_act *up, eng_act *scratch) {
    gpu_be *g = impl(be);
    wgt *nt = tensor_find(g, norm);
    wgt *tg = tensor_find(g, wg);
    if (!nt || !tg) { latch(g, "a weight was not uploaded", "internal error"); return; }
    const eng_layer *L = be->m->layers;
    int64_t il = ((const char *)wg - (const char *)L - (ptrdiff_t)offsetof(eng_layer, w_gate)) / (ptrdiff_t)sizeof *L;
    if (n_tok == 1 && il >= 0 && il < be->m->hp.n_layer && &L[il].w_gate == wg && &L[il].w_up == wu &&
        g->fused[il].glu.type >= 0) {
        const wgt *f = &g->fused[il].glu;
        mm_dispatch(g, f, NULL, x, 0, 1, gate->buf, NULL, NULL, nt->chunks[0].buf, eps, MV_NORM | MV_GLU, 0, 0,
                    (uint32_t)wg->ne1, wg->ne1);
        return;
    }
    gpu_rmsnorm(be, x, norm, eps, n_tok, scratch);
    gpu_matmul(be, wg, NULL, scratch, n_tok, gate);
    gpu_matmul(be, wu, NULL, scratch, n_tok, up);
    gpu_swiglu(be, gate, up, (size_t)n_tok * (size_t)wg->ne1);
}

static void gpu_add(eng_backend *be, eng_act *x, const eng_act *y, size_t n);

/* y += W x: the residual add in the matvec's epilogue at n_tok == 1. */
static void gpu_matmul_add(eng_backend *be, const eng_weight *w, const eng_act *x, int n_tok, eng_act *y,
                           eng_act *scratch) {
    gpu_be *g = impl(be);
    wgt *t = tensor_find(g, w);
    if (!t) { latch(g, "a matrix weight was not uploaded", "internal error"); return; }
    if (n_tok == 1) {
        mm_dispatch(g, t, NULL, x, 0, 1, y->buf, NULL, NULL, NULL, 0, MV_ADD, 0, 0, 0, 0);
        return;
    }
    gpu_matmul(be, w, NULL, x, n_tok, scratch);
    gpu_add(be, y, scratch, (size_t)n_tok * (size_t)w->ne1);
}

/* The (cos, sin) table for positions pos0 .. pos0+n_tok, as the CPU backend. */
static void rope_table(eng_backend *be, int n_tok, int pos0) {
    gpu_be *g = impl(be);
    if (g->rope_pos0 == pos0 && g->rope_n == n_tok) return;
    const eng_hparams *hp = &be->m->hp;
    eng_rope_table(be->m, pos0, n_tok, g->rope_host);
    /* earlier work of this ubatch does not read the table; the previous
     * ubatch's was submitted by embed */
    wg_write(g->dev, g->rope_cs, 0, g->rope_host, (size_t)n_tok * (size_t)hp->n_rot * sizeof(float));
    g->rope_pos0 = pos0;
    g->rope_n = n_tok;
}

static void gpu_rope(eng_backend *be, eng_act *x, int n_tok, int n_head, int pos0) {
    gpu_be *g = impl(be);
    const eng_hparams *hp = &be->m->hp;
    rope_table(be, n_tok, pos0);
    op_params p = {0};
    p.n = (uint32_t)n_head;
    p.n_tok = (uint32_t)n_tok;
    p.a = (uint32_t)hp->head_dim;
    p.b = (uint32_t)hp->n_rot;
    p.c = hp->rope_type == ENG_ROPE_NEOX ? 1 : 0;
    uint32_t gx, gy;
    eltwise_grid(g, (uint64_t)n_tok * (uint64_t)n_head * (uint64_t)(hp->n_rot / 2), &gx, &gy);
    p.gx = gx;
    wg_bind b[3] = {{0}, B(x->buf), B(g->rope_cs)};
    dispatch(g, g->rope, &p, sizeof p, b, 3, gx, gy, "rope");
}

/* RoPE happens here (rope_in_attention). Decode (n_tok == 1, attention_dec):
 * one dispatch rotates k and q, appends k and v to the cache and attends.
 * Otherwise kv_store rotates k and appends k and v, then attention (or
 * attention_mq for prefill) rotates q. */
static void gpu_attention(eng_backend *be, int il, const eng_act *q, const eng_act *k, const eng_act *v, int n_tok,
                          int pos0, eng_act *out) {
    gpu_be *g = impl(be);
    const eng_hparams *hp = &be->m->hp;
    rope_table(be, n_tok, pos0);
    const uint32_t kv_dim = (uint32_t)(hp->n_head_kv * hp->head_dim);
    uint32_t gx, gy;
    /* the attention kernels' parameters (attention.wgsl, attention_dec.wgsl) */
    op_params a = {0};
    a.n = (uint32_t)hp->n_head;
    a.n_tok = (uint32_t)n_tok;
    a.a = (uint32_t)pos0;
    a.b = (uint32_t)(hp->n_head / hp->n_head_kv);
    a.c = (uint32_t)hp->head_dim;
    a.d = kv_dim;
    a.f0 = 1.0f / sqrtf((float)hp->head_dim);
    a.n_rot = (uint32_t)hp->n_rot;
    a.neox = hp->rope_type == ENG_ROPE_NEOX ? 1 : 0;
    if (n_tok == 1 && g->attention_dec) {
        grid(g, (uint64_t)hp->n_head, &gx, &gy);
        a.gx = gx;
        wg_bind bd[8] = {{0}, B(q->buf), B(k->buf), B(v->buf), B(g->kc[il]), B(g->vc[il]), B(out->buf), B(g->rope_cs)};
        dispatch(g, g->attention_dec, &a, sizeof a, bd, 8, gx, gy, "attention_dec");
        return;
    }
    op_params p = {0};
    p.n = (uint32_t)n_tok * kv_dim / 2;
    p.n_tok = (uint32_t)n_tok;
    p.a = (uint32_t)pos0;
    p.b = kv_dim / 2;
    p.c = (uint32_t)hp->head_dim;
    p.n_rot = a.n_rot;
    p.neox = a.neox;
    eltwise_grid(g, p.n, &gx, &gy);
    p.gx = gx;
    wg_bind bs[6] = {{0}, B(k->buf), B(v->buf), B(g->kc[il]), B(g->vc[il]), B(g->rope_cs)};
    dispatch(g, g->kv_store, &p, sizeof p, bs, 6, gx, gy, "kv_store");

    wg_bind ba[6] = {{0}, B(q->buf), B(g->kc[il]), B(g->vc[il]), B(out->buf), B(g->rope_cs)};
    /* prefill: blocks of ATT_AQ query tokens per workgroup (attention_mq) */
    if (n_tok > 1 && hp->head_dim <= 128 && g->att_mq) {
        grid(g, (uint64_t)((n_tok + g->att_aq - 1) / g->att_aq) * (uint64_t)hp->n_head, &gx, &gy);
        a.gx = gx;
        dispatch(g, g->attention_mq, &a, sizeof a, ba, 6, gx, gy, "attention_mq");
        return;
    }
    grid(g, (uint64_t)n_tok * (uint64_t)hp->n_head, &gx, &gy);
    a.gx = gx;
    dispatch(g, g->attention, &a, sizeof a, ba, 6, gx, gy, "attention");
}

static void elt(eng_backend *be, const wg_pipeline *pipe, eng_act *a, const eng_act *b, size_t n, const char *name) {
    gpu_be *g = impl(be);
    op_params p = {0};
    uint32_t gx, gy;
    p.n = (uint32_t)n;
    eltwise_grid(g, n, &gx, &gy);
    p.gx = gx;
    wg_bind bb[3] = {{0}, B(a->buf), B(b->buf)};
    dispatch(g, pipe, &p, sizeof p, bb, 3, gx, gy, name);
}

static void gpu_swiglu(eng_backend *be, eng_act *gate, const eng_act *up, size_t n) {
    elt(be, impl(be)->swiglu, gate, up, n, "swiglu");
}

static void gpu_add(eng_backend *be, eng_act *x, const eng_act *y, size_t n) {
    elt(be, impl(be)->add, x, y, n, "add");
}

static void gpu_get_row(eng_backend *be, const eng_act *src, int row, int dim, eng_act *dst) {
    gpu_be *g = impl(be);
    if (g->err != ENG_OK) return;
    wg_copy(g->dev, src->buf, (uint64_t)row * (uint64_t)dim * 4, dst->buf, 0, (uint64_t)dim * 4);
}

static eng_status gpu_read(eng_backend *be, const eng_act *x, size_t n, float *host, char *err, size_t err_len) {
    gpu_be *g = impl(be);
    if (g->err != ENG_OK) return eng_fail(err, err_len, g->err, "%s", g->err_msg);
    flush_params(g);
    return wg_read(g->dev, x->buf, 0, host, n * sizeof(float), err, err_len);
}

static eng_status gpu_argmax(eng_backend *be, const eng_act *x, size_t n, int32_t *out, char *err, size_t err_len) {
    gpu_be *g = impl(be);
    uint32_t parts = (uint32_t)((n + AM_CHUNK - 1) / AM_CHUNK);
    if (parts > AM_PARTS) return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED, "webgpu: argmax over %zu values", n);
    op_params p = {0};
    p.n = (uint32_t)n;
    p.a = parts;
    p.gx = parts;
    wg_bind b[3] = {{0}, B(x->buf), B(g->argmax_out)};
    dispatch(g, g->argmax_part, &p, sizeof p, b, 3, parts, 1, "argmax");
    dispatch(g, g->argmax_final, &p, sizeof p, b, 3, 1, 1, "argmax");
    if (g->err != ENG_OK) return eng_fail(err, err_len, g->err, "%s", g->err_msg);
    flush_params(g);
    uint32_t v = 0;
    eng_status st = wg_read(g->dev, g->argmax_out, 8u * AM_PARTS, &v, 4, err, err_len);
    if (st != ENG_OK) return st;
    if (v >= n) return eng_fail(err, err_len, ENG_ERR_BACKEND, "webgpu: argmax returned %u of %zu (NaN logits?)", v, n);
    *out = (int32_t)v;
    return ENG_OK;
}

static uint64_t gpu_kv_bytes(const eng_backend *be) {
    return 2ull * impl(be)->kv_layer_bytes * (uint64_t)be->m->hp.n_layer;
}

static const char *gpu_simd_name(const eng_backend *be) { return "webgpu"; }

static void gpu_device_info(const eng_backend *be, eng_device_info *out) {
    const wg_adapter_info *ai = wg_info(impl(be)->dev);
    memset(out, 0, sizeof *out);
    snprintf(out->vendor, sizeof out->vendor, "%s", ai->vendor);
    snprintf(out->architecture, sizeof out->architecture, "%s", ai->architecture);
    snprintf(out->device, sizeof out->device, "%s", ai->device);
    snprintf(out->description, sizeof out->description, "%s", ai->description);
    snprintf(out->api, sizeof out->api, "%s", ai->backend);
    snprintf(out->adapter_type, sizeof out->adapter_type, "%s", ai->adapter_type);
    out->vendor_id = ai->vendor_id;
    out->device_id = ai->device_id;
    out->fallback = ai->fallback;
    const gpu_be *g = impl(be);
    bool int8 = false;
    for (int t = 0; t < GGUF_TYPE_COUNT; t++) int8 |= g->quant_x[t] != NULL || (g->mv[t] && g->mvq && g->mv32_wg &&
                                                                              (t == GGUF_TYPE_Q4_0 || t == GGUF_TYPE_Q8_0));
    snprintf(out->features, sizeof out->features, "int8 dot: %s; timestamps %s",
             !int8 ? "unused" : g->idot_poly ? "shift fallback" : "dot4I8Packed", wg_has_timestamps(g->dev) ? "yes" : "no");
}

static eng_status gpu_profile(eng_backend *be, bool on, eng_kernel_time *out, int cap, int *n, char *err,
                              size_t err_len) {
    gpu_be *g = impl(be);
    if (on) {
        submit(g);
        eng_status st = wg_profile_begin(g->dev, 2048, err, err_len);
        g->profiling = st == ENG_OK;
        return st;
    }
    if (!g->profiling) return eng_fail(err, err_len, ENG_ERR_ARG, "webgpu: profiling was not started");
    g->profiling = false;
    flush_params(g);
    const char **names = malloc(8192 * sizeof *names);
    double *ns = malloc(8192 * sizeof *ns);
    if (!names || !ns) { free(names); free(ns); return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory"); }
    int m = 0;
    eng_status st = wg_profile_end(g->dev, names, ns, 8192, &m, err, err_len);
    *n = 0;
    for (int i = 0; st == ENG_OK && i < m; i++) { /* aggregate by name */
        int j = 0;
        while (j < *n && strcmp(out[j].name, names[i])) j++;
        if (j == *n) {
            if (*n == cap) continue;
            snprintf(out[j].name, sizeof out[j].name, "%s", names[i]);
            out[j].ns = 0;
            out[j].count = 0;
            (*n)++;
        }
        out[j].ns += ns[i];
        out[j].count++;
    }
    free(names);
    free(ns);
    return st;
}

/* ---- init / destroy ---- */
static eng_status check_limits(gpu_be *g, const eng_hparams *hp, const eng_ctx_params *p, char *err, size_t err_len) {
    const wg_limits *l = &g->lim;
    if (l->max_compute_invocations_per_workgroup < 256 || l->max_compute_workgroup_size_x < 256 ||
        l->max_compute_workgroup_storage_size < 16384 || l->max_storage_buffers_per_shader_stage < 8)
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED,
                        "webgpu: the adapter's limits are below what the kernels need "
                        "(256 invocations per workgroup, 16 KiB workgroup storage, 8 storage buffers)");
    if (hp->head_dim > 4 * (int)g->att_wg || hp->head_dim > 512 || hp->head_dim % 2 || hp->n_rot % 2)
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED, "webgpu: head_dim %d (even, at most %d)", hp->head_dim,
                        4 * (int)g->att_wg < 512 ? 4 * (int)g->att_wg : 512);
    if (hp->n_embd % 4)
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED, "webgpu: n_embd %d is not a multiple of 4", hp->n_embd);
    uint64_t kv_dim = (uint64_t)hp->n_head_kv * (uint64_t)hp->head_dim;
    uint64_t layer = (uint64_t)p->n_ctx * kv_dim * (p->type_kv == GGUF_TYPE_F16 ? 2 : 4);
    if (layer > l->max_storage_buffer_binding_size || layer > l->max_buffer_size)
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED,
                        "webgpu: one layer's KV cache (%llu bytes for n_ctx %d) exceeds the adapter's storage "
                        "binding limit (%llu bytes); use a smaller n_ctx",
                        (unsigned long long)layer, p->n_ctx, (unsigned long long)l->max_storage_buffer_binding_size);
    uint64_t big = (uint64_t)p->n_batch * (uint64_t)(hp->n_ff > hp->n_embd ? hp->n_ff : hp->n_embd) * 4;
    if ((uint64_t)hp->n_vocab * 4 > big) big = (uint64_t)hp->n_vocab * 4;
    if (big > l->max_storage_buffer_binding_size)
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED,
                        "webgpu: activations of %.1f MiB (n_batch %d) exceed the adapter's storage binding "
                        "limit (%.1f MiB); use a smaller n_batch",
                        (double)big / 1048576.0, p->n_batch, (double)l->max_storage_buffer_binding_size / 1048576.0);
    return ENG_OK;
}

/* Every eng_weight a matmul, norm or bias reads. */
static int collect_weights(const eng_model *m, const eng_weight **w) {
    int n = 0;
    for (int il = 0; il < m->hp.n_layer; il++) {
        const eng_layer *L = &m->layers[il];
        const eng_weight *lw[] = {&L->attn_norm, &L->wq, &L->wk, &L->wv, &L->wo, &L->bq, &L->bk,
                                  &L->bv, &L->ffn_norm, &L->w_gate, &L->w_up, &L->w_down};
        for (size_t i = 0; i < sizeof lw / sizeof lw[0]; i++)
            if (lw[i]->data) w[n++] = lw[i];
    }
    w[n++] = &m->output_norm;
    w[n++] = &m->output;
    return n;
}

/* A switch from the environment: unset = dflt, else "0" or "1" (anything else
 * is ENG_ERR_ARG with a message naming the variable). */
static eng_status env_switch(const char *name, bool dflt, bool *out, char *err, size_t err_len) {
    const char *v = getenv(name);
    *out = dflt;
    if (!v) return ENG_OK;
    if (strcmp(v, "0") && strcmp(v, "1")) return eng_fail(err, err_len, ENG_ERR_ARG, "%s='%s': expected 0 or 1", name, v);
    *out = v[0] == '1';
    return ENG_OK;
}

/* A count from the environment: unset = dflt; else a whole decimal number in
 * [lo, hi], a power of two when pow2, or "0" when zero_ok; anything else
 * (trailing characters, a sign, out of range) is ENG_ERR_ARG with a message
 * naming the variable. */
static eng_status env_count(const char *name, unsigned dflt, unsigned lo, unsigned hi, bool pow2, bool zero_ok,
                            unsigned *out, char *err, size_t err_len) {
    const char *v = getenv(name);
    *out = dflt;
    if (!v) return ENG_OK;
    char *end = NULL;
    unsigned long n = v[0] >= '0' && v[0] <= '9' ? strtoul(v, &end, 10) : 0;
    const bool ok = end && !*end &&
                    ((zero_ok && n == 0) || (n >= lo && n <= hi && (!pow2 || (n & (n - 1)) == 0)));
    if (!ok)
        return eng_fail(err, err_len, ENG_ERR_ARG, "%s='%s': %s in [%u, %u]%s", name, v,
                        pow2 ? "a power of two" : "a count", lo, hi, zero_ok ? ", or 0 (off)" : "");
    *out = (unsigned)n;
    return ENG_OK;
}

/* matmul_q's workgroup memory in bytes for mqb blocks per K-step (mmq.wgsl:
 * wsq, wsd, xsq, xsd, xss) */
static unsigned mmq_smem(unsigned mqb) { return mqb * (256 + 32 + 128 + 16 + 16) * 16; }

/* matvec32's workgroup memory in bytes for WG threads and R rows (its arrays
 * red and red_s) */
static unsigned mv32_smem(unsigned wg, unsigned r) { return 2 * ((r + 3) / 4) * wg * 16 + wg * 4; }

static eng_status gpu_init(eng_backend *be, char *err, size_t err_len) {
    const eng_model *m = be->m;
    const eng_hparams *hp = &m->hp;
    gpu_be *g = calloc(1, sizeof *g);
    if (!g) return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory");
    be->impl = g;
    g->rope_n = -1;
    wg_open_params op = {0};
    op.want_timestamps = getenv("LLMCAP_WEBGPU_PROFILE") != NULL || be->p.gpu_profile;
    eng_status st = wg_open(&op, &g->dev, err, err_len);
    if (st != ENG_OK) return st;
    g->lim = *wg_get_limits(g->dev);
    if ((st = env_count("LLMCAP_WEBGPU_AW", ATT_WG, 32, 256, true, false, &g->att_wg, err, err_len)) != ENG_OK)
        return st;
    if ((st = env_switch("LLMCAP_WEBGPU_ATT_MQ", true, &g->att_mq, err, err_len)) != ENG_OK) return st;
    if ((st = env_count("LLMCAP_WEBGPU_ADEC", ATT_DEC_WG, 32, 256, true, true, &g->att_dec_wg, err, err_len)) !=
        ENG_OK)
        return st;
    /* at least head_dim threads; off where the head does not fit the kernel */
    while (g->att_dec_wg && g->att_dec_wg < (unsigned)hp->head_dim && g->att_dec_wg < 256) g->att_dec_wg *= 2;
    if (!att_dec_fits(g, g->att_dec_wg, (unsigned)hp->head_dim, be->p.type_kv == GGUF_TYPE_F16)) g->att_dec_wg = 0;
    if ((st = env_count("LLMCAP_WEBGPU_AQ", ATT_AQ, 1, 16, false, false, &g->att_aq, err, err_len)) != ENG_OK)
        return st;
    g->mv_wg = MV_WG;
    g->mv_r = MV_R;
    g->mv_u = MV_U;
    const char *mv = getenv("LLMCAP_WEBGPU_MV");
    if (mv) {
        unsigned a = 0, b = 0, u = MV_U;
        int n = sscanf(mv, "%u,%u,%u", &a, &b, &u);
        if (n < 2 || a < 32 || a > 256 || (a & (a - 1)) || b < 1 || b > 8 || u < 1 || u > 8)
            return eng_fail(err, err_len, ENG_ERR_ARG,
                            "LLMCAP_WEBGPU_MV='%s': expected \"WG,R[,U]\" (WG a power of two in [32, 256], "
                            "R and U in [1, 8])", mv);
        g->mv_wg = a;
        g->mv_r = b;
        g->mv_u = u;
    }
    if ((st = env_count("LLMCAP_WEBGPU_SUBMIT_EVERY", SUBMIT_EVERY, 0, 100000, false, false, &g->submit_every, err,
                        err_len)) != ENG_OK)
        return st;
    g->mv32_wg = MV32_WG;
    g->mv32_r = MV32_R;
    if ((st = env_switch("LLMCAP_WEBGPU_MVQ", true, &g->mvq, err, err_len)) != ENG_OK) return st;
    if ((st = env_switch("LLMCAP_WEBGPU_MMQ", true, &g->mmq, err, err_len)) != ENG_OK) return st;
    if ((st = env_switch("LLMCAP_WEBGPU_MMQ_PF", true, &g->mmq_pf, err, err_len)) != ENG_OK) return st;
    if ((st = env_count("LLMCAP_WEBGPU_MQB", MMQ_BLOCKS, 1, 4, true, false, &g->mqb, err, err_len)) != ENG_OK)
        return st;
    /* matmul_q's workgroup memory must fit the device */
    if (mmq_smem(g->mqb) > g->lim.max_compute_workgroup_storage_size) {
        if (getenv("LLMCAP_WEBGPU_MQB"))
            return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED,
                            "LLMCAP_WEBGPU_MQB=%u: needs %u bytes of workgroup memory, the adapter has %u", g->mqb,
                            mmq_smem(g->mqb), (unsigned)g->lim.max_compute_workgroup_storage_size);
        g->mqb = 1;
    }
    /* prefill tiles: matmul2's 128 x 64 by default (H200, 8B shape, pp512:
     * Q4_0 1551 against 1402 tokens/s with matmul's 64 x 64, Q8_0 1497 / 1421,
     * F16 1598 / 1359; 128 x 128 tiles with 8 x 8 per thread were slower:
     * 1411 and 1349); LLMCAP_WEBGPU_MM=1 picks matmul */
    const char *mm = getenv("LLMCAP_WEBGPU_MM");
    if (mm && strcmp(mm, "1") && strcmp(mm, "2"))
        return eng_fail(err, err_len, ENG_ERR_ARG, "LLMCAP_WEBGPU_MM='%s': expected 1 (matmul) or 2 (matmul2)", mm);
    g->mm_tm = mm && !strcmp(mm, "1") ? 64 : 128;
    const char *mv32 = getenv("LLMCAP_WEBGPU_MV32");
    if (mv32) {
        unsigned a = 0, b = 0;
        if (!strcmp(mv32, "0")) {
            g->mv32_wg = g->mv32_r = 0;
        } else if (sscanf(mv32, "%u,%u", &a, &b) != 2 || a < 32 || a > 256 || (a & (a - 1)) || b < 1 || b > 16) {
            return eng_fail(err, err_len, ENG_ERR_ARG,
                            "LLMCAP_WEBGPU_MV32='%s': expected \"WG,R\" (WG a power of two in [32, 256], R in [1, "
                            "16]) or \"0\"", mv32);
        } else if (mv32_smem(a, b) > g->lim.max_compute_workgroup_storage_size) {
            return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED,
                            "LLMCAP_WEBGPU_MV32='%s': needs %u bytes of workgroup memory, the adapter has %u", mv32,
                            mv32_smem(a, b), (unsigned)g->lim.max_compute_workgroup_storage_size);
        } else {
            g->mv32_wg = a;
            g->mv32_r = b;
        }
    }
    /* attention_mq's workgroup memory must fit the device */
    if ((uint64_t)(g->att_aq * 128 + 2 * g->att_aq * g->att_wg) * 4 > g->lim.max_compute_workgroup_storage_size)
        g->att_mq = false;
    st = check_limits(g, hp, &be->p, err, err_len);
    if (st != ENG_OK) return st;

    /* the whole footprint first, so a model that cannot fit fails before any allocation */
    size_t maxw = (size_t)hp->n_layer * 12 + 2;
    const eng_weight **ws = malloc(maxw * sizeof *ws);
    if (!ws) return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory");
    int nw = collect_weights(m, ws);
    uint64_t wbytes = 0;
    for (int i = 0; i < nw; i++) {
        int gt = gpu_native_type(ws[i]->type) ? ws[i]->type : GGUF_TYPE_F16;
        uint64_t q, d;
        gpu_row_bytes(gt, ws[i]->ne0, &q, &d);
        wbytes += (q + d) * (uint64_t)(ws[i]->ne1 < 1 ? 1 : ws[i]->ne1);
    }
    const uint64_t kv_dim = (uint64_t)hp->n_head_kv * (uint64_t)hp->head_dim;
    g->kv_layer_bytes = (uint64_t)be->p.n_ctx * kv_dim * (be->p.type_kv == GGUF_TYPE_F16 ? 2 : 4);
    uint64_t total = wbytes + 2 * g->kv_layer_bytes * (uint64_t)hp->n_layer;
    const wg_adapter_info *ai = wg_info(g->dev);
    /* the device's memory (Dawn's memory heaps; 0 = unknown), or less with
     * LLMCAP_WEBGPU_MEM_MIB (room left for other programs, or a test) */
    uint64_t mem = ai->memory_bytes;
    const char *cap = getenv("LLMCAP_WEBGPU_MEM_MIB");
    if (cap) {
        char *end;
        unsigned long long mib = strtoull(cap, &end, 10);
        if (end == cap || *end || mib == 0 || mib > (1ull << 40)) {
            free(ws);
            return eng_fail(err, err_len, ENG_ERR_ARG, "LLMCAP_WEBGPU_MEM_MIB='%s': a number of MiB in [1, 2^40]", cap);
        }
        if (!mem || mib << 20 < mem) mem = mib << 20;
    }
    if (mem && total > mem) {
        free(ws);
        return eng_fail(err, err_len, ENG_ERR_NOMEM,
                        "webgpu: the model needs %.2f GiB on the GPU (weights %.2f GiB + KV cache %.2f GiB) but "
                        "%s has %.2f GiB (%llu MiB); use a smaller n_ctx, a smaller quant or --backend cpu",
                        (double)total / 1073741824.0, (double)wbytes / 1073741824.0,
                        (double)(total - wbytes) / 1073741824.0, ai->device, (double)mem / 1073741824.0,
                        (unsigned long long)(mem >> 20));
    }

    g->n_tensors_cap = 64;
    while (g->n_tensors_cap < (size_t)nw * 2) g->n_tensors_cap *= 2;
    g->tensors = calloc(g->n_tensors_cap, sizeof *g->tensors);
    g->fused = calloc((size_t)hp->n_layer, sizeof *g->fused);
    if (!g->tensors || !g->fused) { free(ws); return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory"); }
    /* fused Q|K|V and gate|up per layer, where the types allow (before the rest) */
    for (int il = 0; il < hp->n_layer && st == ENG_OK; il++) {
        const eng_layer *L = &m->layers[il];
        wfused *f = &g->fused[il];
        const eng_weight *qkv[3] = {&L->wq, &L->wk, &L->wv}, *glu[2] = {&L->w_gate, &L->w_up};
        const bool nb = !L->bq.data && !L->bk.data && !L->bv.data, ab = L->bq.data && L->bk.data && L->bv.data;
        if (nb || ab) {
            st = make_mm_pipes(g, gpu_type_of(&L->wq), err, err_len);
            if (st == ENG_OK && try_fuse(g, &f->qkv, qkv, 3, &st, err, err_len) && st == ENG_OK && ab) {
                int64_t nq = L->wq.ne1, nk = L->wk.ne1, nv = L->wv.ne1;
                f->qkv_bias = wg_buffer_create(g->dev, align_up((uint64_t)(nq + nk + nv) * 4, 16),
                                               WG_BUF_STORAGE | WG_BUF_COPY_DST, "qkv bias");
                if (!f->qkv_bias) st = eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory");
                else {
                    wg_write(g->dev, f->qkv_bias, 0, L->bq.data, (size_t)nq * 4);
                    wg_write(g->dev, f->qkv_bias, (uint64_t)nq * 4, L->bk.data, (size_t)nk * 4);
                    wg_write(g->dev, f->qkv_bias, (uint64_t)(nq + nk) * 4, L->bv.data, (size_t)nv * 4);
                }
            }
        } else {
            f->qkv.type = -1;
        }
        f->nq = L->wq.ne1;
        f->nk = L->wk.ne1;
        if (st == ENG_OK) st = make_mm_pipes(g, gpu_type_of(&L->w_gate), err, err_len);
        if (st == ENG_OK) try_fuse(g, &f->glu, glu, 2, &st, err, err_len);
        if (st == ENG_OK && il % 4 == 3) st = wg_finish(g->dev, err, err_len);
    }
    if (st != ENG_OK) { free(ws); return st; }
    for (int i = 0; i < nw && st == ENG_OK; i++) {
        const eng_weight *w = ws[i];
        /* a product's pipelines (F32 always: a one-row F32 matrix looks like a vector) */
        st = make_mm_pipes(g, gpu_type_of(w), err, err_len);
        if (st == ENG_OK) st = upload_tensor(g, w, err, err_len); /* no-op for fused parts */
        /* bound the staging memory the queue holds for uploads */
        if (st == ENG_OK && i % 16 == 15) st = wg_finish(g->dev, err, err_len);
    }
    free(ws);
    if (st != ENG_OK) return st;

    g->kc = calloc((size_t)hp->n_layer, sizeof *g->kc);
    g->vc = calloc((size_t)hp->n_layer, sizeof *g->vc);
    if (!g->kc || !g->vc) return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory");
    for (int il = 0; il < hp->n_layer; il++) {
        g->kc[il] = wg_buffer_create(g->dev, align_up(g->kv_layer_bytes, 16), WG_BUF_STORAGE, "k cache");
        g->vc[il] = wg_buffer_create(g->dev, align_up(g->kv_layer_bytes, 16), WG_BUF_STORAGE, "v cache");
        if (!g->kc[il] || !g->vc[il])
            return eng_fail(err, err_len, ENG_ERR_NOMEM, "webgpu: could not allocate the KV cache (%.1f MiB)",
                            2.0 * (double)g->kv_layer_bytes * hp->n_layer / 1048576.0);
    }
    size_t rope_n = (size_t)be->p.n_batch * (size_t)hp->n_rot;
    g->rope_cs = wg_buffer_create(g->dev, align_up(rope_n * 4, 16), WG_BUF_STORAGE | WG_BUF_COPY_DST, "rope table");
    g->rope_host = malloc(rope_n * sizeof(float));
    g->embed_host = malloc((size_t)be->p.n_batch * (size_t)hp->n_embd * sizeof(float));
    g->slot_bytes = g->lim.min_uniform_buffer_offset_alignment > 256 ? g->lim.min_uniform_buffer_offset_alignment : 256;
    g->params = wg_buffer_create(g->dev, (uint64_t)PARAM_SLOTS * g->slot_bytes, WG_BUF_UNIFORM | WG_BUF_COPY_DST,
                                 "params");
    g->params_host = calloc(PARAM_SLOTS, g->slot_bytes);
    g->dummy = wg_buffer_create(g->dev, 16, WG_BUF_STORAGE, "dummy");
    g->dummy_w1 = wg_buffer_create(g->dev, 16, WG_BUF_STORAGE, "dummy");
    g->dummy_w2 = wg_buffer_create(g->dev, 16, WG_BUF_STORAGE, "dummy");
    g->argmax_out = wg_buffer_create(g->dev, 8u * AM_PARTS + 16, WG_BUF_STORAGE | WG_BUF_COPY_SRC, "argmax");
    if (g->mmq) { /* quant_x's output for the longest row of a product */
        int64_t kmax = hp->n_embd > hp->n_ff ? hp->n_embd : hp->n_ff;
        if ((int64_t)hp->n_head * hp->head_dim > kmax) kmax = (int64_t)hp->n_head * hp->head_dim;
        g->xq = wg_buffer_create(g->dev, align_up((uint64_t)be->p.n_batch * (uint64_t)kmax, 16), WG_BUF_STORAGE,
                                 "int8 inputs");
        g->xd = wg_buffer_create(g->dev, align_up((uint64_t)be->p.n_batch * (uint64_t)kmax / 4, 16), WG_BUF_STORAGE,
                                 "int8 input scales");
        if (!g->xq || !g->xd) return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory");
    }
    if (!g->rope_cs || !g->rope_host || !g->embed_host || !g->params || !g->params_host || !g->dummy ||
        !g->dummy_w1 || !g->dummy_w2 || !g->argmax_out)
        return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory");
    st = make_op_pipes(g, be->p.type_kv == GGUF_TYPE_F16, (unsigned)hp->head_dim, err, err_len);
    if (st != ENG_OK) return st;
    st = wg_finish(g->dev, err, err_len);
    if (st != ENG_OK) return st;
    return wg_check(g->dev, err, err_len);
}

static void gpu_destroy(eng_backend *be) {
    gpu_be *g = impl(be);
    if (!g) return;
    for (size_t i = 0; i < g->bg_cap; i++)
        if (g->bgs[i].used) wg_bindgroup_release(g->bgs[i].g);
    free(g->bgs);
    for (eng_act *a = g->acts; a;) {
        eng_act *nx = a->next;
        wg_buffer_release(a->buf);
        free(a);
        a = nx;
    }
    for (size_t i = 0; g->tensors && i < g->n_tensors_cap; i++) {
        wgt *t = &g->tensors[i];
        if (!t->w || t->shared) continue;
        for (int c = 0; c < t->n_chunks; c++)
            if (t->chunks[c].buf) wg_buffer_release(t->chunks[c].buf);
        free(t->chunks);
    }
    free(g->tensors);
    for (int il = 0; g->fused && il < be->m->hp.n_layer; il++) {
        wgt *ts[2] = {&g->fused[il].qkv, &g->fused[il].glu};
        for (int k = 0; k < 2; k++) {
            for (int c = 0; c < ts[k]->n_chunks; c++)
                if (ts[k]->chunks[c].buf) wg_buffer_release(ts[k]->chunks[c].buf);
            free(ts[k]->chunks);
        }
        if (g->fused[il].qkv_bias) wg_buffer_release(g->fused[il].qkv_bias);
    }
    free(g->fused);
    for (int il = 0; il < be->m->hp.n_layer; il++) {
        if (g->kc && g->kc[il]) wg_buffer_release(g->kc[il]);
        if (g->vc && g->vc[il]) wg_buffer_release(g->vc[il]);
    }
    free(g->kc);
    free(g->vc);
    wg_buffer rel[] = {g->rope_cs, g->params, g->dummy, g->dummy_w1, g->dummy_w2, g->argmax_out, g->xq, g->xd};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++)
        if (rel[i]) wg_buffer_release(rel[i]);
    for (int t = 0; t < GGUF_TYPE_COUNT; t++) release_mm_pipes(g, t);
    wg_pipeline *ps[] = {g->rmsnorm, g->rope, g->kv_store, g->attention, g->attention_mq, g->attention_dec,
                         g->swiglu, g->add, g->argmax_part, g->argmax_final};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
        if (ps[i]) wg_pipeline_release(ps[i]);
    free(g->rope_host);
    free(g->embed_host);
    free(g->params_host);
    if (g->dev) wg_close(g->dev);
    free(g);
    be->impl = NULL;
}

/* After a failed op (which cannot return a status), the next read reports it;
 * device loss and validation errors come from wg_check. */
static eng_status gpu_check(eng_backend *be, char *err, size_t err_len) {
    gpu_be *g = impl(be);
    if (g->err != ENG_OK) return eng_fail(err, err_len, g->err, "%s", g->err_msg);
    return wg_check(g->dev, err, err_len);
}

const eng_backend_ops eng_backend_webgpu = {
    .name = "webgpu",
    .init = gpu_init,
    .destroy = gpu_destroy,
    .act_new = gpu_act_new,
    .embed = gpu_embed,
    .rmsnorm = gpu_rmsnorm,
    .matmul = gpu_matmul,
    .rope = gpu_rope,
    .attention = gpu_attention,
    .swiglu = gpu_swiglu,
    .add = gpu_add,
    .get_row = gpu_get_row,
    .read = gpu_read,
    .kv_bytes = gpu_kv_bytes,
    .simd_name = gpu_simd_name,
    .argmax = gpu_argmax,
    .device_info = gpu_device_info,
    .profile = gpu_profile,
    .check = gpu_check,
    .norm_matmuls = gpu_norm_matmuls,
    .norm_glu = gpu_norm_glu,
    .matmul_add = gpu_matmul_add,
    .rope_in_attention = true,
};
