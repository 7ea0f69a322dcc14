/* forward.c - the transformer forward pass (see engine.h for the equations),
 * sequenced as backend operations, and the inference context around it. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "eng_internal.h"

/* Activation buffers for up to n_batch tokens (shapes in floats). */
struct eng_scratch {
    eng_act *x;      /* [n_batch][n_embd]  residual stream */
    eng_act *xn;     /* [n_batch][n_embd]  normed input / projection output */
    eng_act *q;      /* [n_batch][n_head * head_dim] */
    eng_act *k, *v;  /* [n_batch][n_head_kv * head_dim] */
    eng_act *att;    /* [n_batch][n_head * head_dim] */
    eng_act *gate;   /* [n_batch][n_ff] */
    eng_act *up;     /* [n_batch][n_ff] */
    eng_act *last;   /* [n_embd] last token's residual */
    eng_act *lastn;  /* [n_embd] */
    eng_act *logits; /* [n_vocab] */
};

eng_ctx_params eng_ctx_default_params(void) {
    eng_ctx_params p = {0};
    p.n_ctx = 0;        /* 0 = min(n_ctx_train, 4096) */
    p.n_batch = 512;
    p.n_threads = 1;
    p.type_kv = GGUF_TYPE_F16;
    p.backend = "cpu";
    return p;
}

/* Largest n_ctx accepted: 1M positions (the KV size is checked separately). */
#define ENG_MAX_CTX (1 << 20)
/* Threads above this are refused as a typo rather than honoured. */
#define ENG_MAX_THREADS 512

eng_status eng_ctx_create(const eng_model *m, const eng_ctx_params *pin, eng_ctx **out, char *err,
                          size_t err_len) {
    *out = NULL;
    eng_ctx_params p = pin ? *pin : eng_ctx_default_params();
    const eng_hparams *hp = &m->hp;
    if (p.n_ctx == 0) p.n_ctx = hp->n_ctx_train < 4096 ? hp->n_ctx_train : 4096;
    if (p.n_ctx < 1 || p.n_ctx > ENG_MAX_CTX)
        return eng_fail(err, err_len, ENG_ERR_ARG, "n_ctx %d is outside [1, %d]", p.n_ctx, ENG_MAX_CTX);
    if (p.n_batch < 1 || p.n_batch > 65536)
        return eng_fail(err, err_len, ENG_ERR_ARG, "n_batch %d is outside [1, 65536]", p.n_batch);
    if (p.n_batch > p.n_ctx) p.n_batch = p.n_ctx;
    if (p.n_threads < 1 || p.n_threads > ENG_MAX_THREADS)
        return eng_fail(err, err_len, ENG_ERR_ARG, "threads %d is outside [1, %d]", p.n_threads, ENG_MAX_THREADS);
    if (p.type_kv != GGUF_TYPE_F32 && p.type_kv != GGUF_TYPE_F16)
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED, "KV cache type %s (f32 and f16 are supported)",
                    gguf_type_name(p.type_kv) ? gguf_type_name(p.type_kv) : "?");
    const eng_backend_ops *ops = NULL;
    bool is_auto = false;
    if (!p.backend || !strcmp(p.backend, "cpu")) ops = &eng_backend_cpu;
#ifdef LLMCAP_NO_WEBGPU /* a build without the WebGPU backend (the CPU-only WASM module) */
    else if (!strcmp(p.backend, "webgpu"))
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED, "this build has no WebGPU backend (available: cpu)");
    else if (!strcmp(p.backend, "auto")) ops = &eng_backend_cpu;
#else
    else if (!strcmp(p.backend, "webgpu")) ops = &eng_backend_webgpu;
    else if (!strcmp(p.backend, "auto")) ops = &eng_backend_webgpu, is_auto = true;
#endif
    else return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED, "unknown backend '%s' (available: cpu, webgpu, auto)",
                         p.backend);

    eng_ctx *c = calloc(1, sizeof *c);
    eng_backend *be = calloc(1, sizeof *be);
    struct eng_scratch *s = calloc(1, sizeof *s);
    float *logits = malloc((size_t)hp->n_vocab * sizeof(float));
    if (!c || !be || !s || !logits) {
        free(c); free(be); free(s); free(logits);
        return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory");
    }
    c->model = m;
    c->params = p;
    c->be = be;
    c->scratch = s;
    c->logits = logits;
    be->ops = ops;
    be->m = m;
    be->p = p;
    eng_status st = ops->init(be, err, err_len);
    if (st != ENG_OK && is_auto) {
        /* auto: say why the GPU was not used, then run on the CPU */
        snprintf(c->backend_note, sizeof c->backend_note, "no usable WebGPU device (%s); using the CPU", err);
        ops->destroy(be);
        ops = &eng_backend_cpu;
        be->ops = ops;
        be->impl = NULL;
        st = ops->init(be, err, err_len);
    } else if (st == ENG_OK && is_auto) {
        eng_device_info di;
        ops->device_info(be, &di);
        snprintf(c->backend_note, sizeof c->backend_note, "WebGPU adapter found: %s (%s, %s); using it",
                 di.device[0] ? di.device : di.description, di.api, di.adapter_type);
    }
    if (st != ENG_OK) {
        if (be->impl) ops->destroy(be);
        be->ops = NULL;
        eng_ctx_free(c);
        return st;
    }
    size_t B = (size_t)p.n_batch, E = (size_t)hp->n_embd, Q = (size_t)hp->n_head * hp->head_dim,
           KV = (size_t)hp->n_head_kv * hp->head_dim, F = (size_t)hp->n_ff;
    s->x = ops->act_new(be, B * E);
    s->xn = ops->act_new(be, B * E);
    s->q = ops->act_new(be, B * Q);
    s->k = ops->act_new(be, B * KV);
    s->v = ops->act_new(be, B * KV);
    s->att = ops->act_new(be, B * Q);
    s->gate = ops->act_new(be, B * F);
    s->up = ops->act_new(be, B * F);
    s->last = ops->act_new(be, E);
    s->lastn = ops->act_new(be, E);
    s->logits = ops->act_new(be, (size_t)hp->n_vocab);
    if (!s->x || !s->xn || !s->q || !s->k || !s->v || !s->att || !s->gate || !s->up || !s->last ||
        !s->lastn || !s->logits) {
        eng_ctx_free(c);
        return eng_fail(err, err_len, ENG_ERR_NOMEM, "out of memory for activation buffers (n_batch %d)", p.n_batch);
    }
    *out = c;
    return ENG_OK;
}

void eng_ctx_free(eng_ctx *c) {
    if (!c) return;
    if (c->be && c->be->ops) c->be->ops->destroy(c->be); /* frees the eng_act buffers too */
    free(c->be);
    free(c->scratch);
    free(c->logits);
    free(c);
}

void eng_ctx_reset(eng_ctx *c) { c->n_past = 0; }

uint64_t eng_ctx_kv_bytes(const eng_ctx *c) { return c->be->ops->kv_bytes(c->be); }

const char *eng_ctx_simd_name(const eng_ctx *c) { return c->be->ops->simd_name(c->be); }

void eng_rope_table(const eng_model *m, int pos0, int n_tok, float *cs) {
    const eng_hparams *hp = &m->hp;
    const int half = hp->n_rot / 2;
    const float theta_scale = powf(hp->rope_freq_base, -2.0f / (float)hp->n_rot);
    const float *ff = m->rope_freqs.data;
    for (int t = 0; t < n_tok; t++) {
        float theta = (float)(pos0 + t) * hp->rope_freq_scale;
        float *c = cs + (size_t)t * hp->n_rot;
        for (int i = 0; i < half; i++) {
            float th = ff ? theta / ff[i] : theta;
            c[2 * i] = cosf(th);
            c[2 * i + 1] = sinf(th);
            theta *= theta_scale;
        }
    }
}

/* What forward() hands back after the last ubatch. */
typedef enum { OUT_NONE, OUT_LOGITS, OUT_ARGMAX } fwd_out;

/* One ubatch of n tokens at positions pos0.. (n <= n_batch). */
static eng_status forward(eng_ctx *c, const int32_t *tok, int n, int pos0, fwd_out want, int32_t *next, char *err,
                          size_t err_len) {
    const eng_model *m = c->model;
    const eng_hparams *hp = &m->hp;
    eng_backend *be = c->be;
    const eng_backend_ops *o = be->ops;
    struct eng_scratch *s = c->scratch;
    const size_t E = (size_t)hp->n_embd, F = (size_t)hp->n_ff;

    o->embed(be, &m->tok_embd, tok, n, s->x);
    for (int il = 0; il < hp->n_layer; il++) {
        const eng_layer *L = &m->layers[il];
        if (o->norm_matmuls) {
            const eng_weight *w[3] = {&L->wq, &L->wk, &L->wv}, *b[3] = {&L->bq, &L->bk, &L->bv};
            eng_act *y[3] = {s->q, s->k, s->v};
            o->norm_matmuls(be, &L->attn_norm, hp->norm_eps, s->x, n, 3, w, b, y, s->xn);
        } else {
            o->rmsnorm(be, s->x, &L->attn_norm, hp->norm_eps, n, s->xn);
            o->matmul(be, &L->wq, &L->bq, s->xn, n, s->q);
            o->matmul(be, &L->wk, &L->bk, s->xn, n, s->k);
            o->matmul(be, &L->wv, &L->bv, s->xn, n, s->v);
        }
        if (!o->rope_in_attention) {
            o->rope(be, s->q, n, hp->n_head, pos0);
            o->rope(be, s->k, n, hp->n_head_kv, pos0);
        }
        o->attention(be, il, s->q, s->k, s->v, n, pos0, s->att);
        if (o->matmul_add) {
            o->matmul_add(be, &L->wo, s->att, n, s->x, s->xn);
        } else {
            o->matmul(be, &L->wo, NULL, s->att, n, s->xn);
            o->add(be, s->x, s->xn, (size_t)n * E);
        }
        if (o->norm_glu) {
            o->norm_glu(be, &L->ffn_norm, hp->norm_eps, s->x, n, &L->w_gate, &L->w_up, s->gate, s->up, s->xn);
        } else {
            o->rmsnorm(be, s->x, &L->ffn_norm, hp->norm_eps, n, s->xn);
            o->matmul(be, &L->w_gate, NULL, s->xn, n, s->gate);
            o->matmul(be, &L->w_up, NULL, s->xn, n, s->up);
            o->swiglu(be, s->gate, s->up, (size_t)n * F);
        }
        if (o->matmul_add) {
            o->matmul_add(be, &L->w_down, s->gate, n, s->x, s->xn);
        } else {
            o->matmul(be, &L->w_down, NULL, s->gate, n, s->xn);
            o->add(be, s->x, s->xn, (size_t)n * E);
        }
    }
    if (want == OUT_NONE) return o->check ? o->check(be, err, err_len) : ENG_OK;
    const eng_act *last = s->x;
    if (n > 1 || !o->norm_matmuls) {
        o->get_row(be, s->x, n - 1, (int)E, s->last);
        last = s->last;
    }
    if (o->norm_matmuls) {
        const eng_weight *w[1] = {&m->output}, *b[1] = {NULL};
        eng_act *y[1] = {s->logits};
        o->norm_matmuls(be, &m->output_norm, hp->norm_eps, last, 1, 1, w, b, y, s->lastn);
    } else {
        o->rmsnorm(be, last, &m->output_norm, hp->norm_eps, 1, s->lastn);
        o->matmul(be, &m->output, NULL, s->lastn, 1, s->logits);
    }
    if (want == OUT_ARGMAX && o->argmax) return o->argmax(be, s->logits, (size_t)hp->n_vocab, next, err, err_len);
    eng_status st = o->read(be, s->logits, (size_t)hp->n_vocab, c->logits, err, err_len);
    if (st == ENG_OK && want == OUT_ARGMAX) *next = eng_argmax(c->logits, hp->n_vocab);
    return st;
}

static eng_status decode(eng_ctx *c, const int32_t *tokens, int32_t n, fwd_out want, int32_t *next, char *err,
                         size_t err_len) {
    if (n < 1 || !tokens) return eng_fail(err, err_len, ENG_ERR_ARG, "no tokens to decode");
    if ((int64_t)c->n_past + n > c->params.n_ctx)
        return eng_fail(err, err_len, ENG_ERR_CTX_FULL,
                    "%d tokens do not fit: %d of n_ctx %d positions are used", n, c->n_past, c->params.n_ctx);
    for (int32_t i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= c->model->hp.n_vocab)
            return eng_fail(err, err_len, ENG_ERR_ARG, "token id %d at index %d is outside [0, %d)", tokens[i], i,
                        c->model->hp.n_vocab);
    for (int32_t done = 0; done < n;) {
        int32_t nb = n - done < c->params.n_batch ? n - done : c->params.n_batch;
        eng_status st = forward(c, tokens + done, nb, c->n_past, done + nb == n ? want : OUT_NONE, next, err, err_len);
        if (st != ENG_OK) return st;
        c->n_past += nb;
        done += nb;
    }
    return ENG_OK;
}

eng_status eng_decode(eng_ctx *c, const int32_t *tokens, int32_t n, char *err, size_t err_len) {
    return decode(c, tokens, n, OUT_LOGITS, NULL, err, err_len);
}

eng_status eng_decode_greedy(eng_ctx *c, const int32_t *tokens, int32_t n, int32_t *next, char *err,
                             size_t err_len) {
    return decode(c, tokens, n, OUT_ARGMAX, next, err, err_len);
}

const char *eng_ctx_backend(const eng_ctx *c) { return c->be->ops->name; }

bool eng_ctx_device_info(const eng_ctx *c, eng_device_info *out) {
    if (!c->be->ops->device_info) return false;
    c->be->ops->device_info(c->be, out);
    return true;
}

eng_status eng_ctx_profile_begin(eng_ctx *c, char *err, size_t err_len) {
    if (!c->be->ops->profile)
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED, "the %s backend has no per-kernel timing",
                        c->be->ops->name);
    return c->be->ops->profile(c->be, true, NULL, 0, NULL, err, err_len);
}

eng_status eng_ctx_profile_end(eng_ctx *c, eng_kernel_time *out, int cap, int *n, char *err, size_t err_len) {
    *n = 0;
    if (!c->be->ops->profile)
        return eng_fail(err, err_len, ENG_ERR_UNSUPPORTED, "the %s backend has no per-kernel timing",
                        c->be->ops->name);
    return c->be->ops->profile(c->be, false, out, cap, n, err, err_len);
}
