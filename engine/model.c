/* model.c - GGUF metadata + tensors -> eng_model (views into the mapped file).
 *
 * Key and tensor names are llama.cpp's (src/llama-arch.cpp): "<arch>.embedding_length",
 * "blk.N.attn_q.weight", ... Every tensor the forward pass uses is checked for
 * presence, a supported type and the exact shape implied by the
 * hyper-parameters, so the forward pass never reads outside a tensor.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eng_internal.h"

const char *eng_status_str(eng_status s) {
    switch (s) {
    case ENG_OK: return "ok";
    case ENG_ERR_IO: return "I/O error";
    case ENG_ERR_FORMAT: return "malformed model";
    case ENG_ERR_UNSUPPORTED: return "unsupported";
    case ENG_ERR_NOMEM: return "out of memory";
    case ENG_ERR_ARG: return "bad argument";
    case ENG_ERR_CTX_FULL: return "context full";
    case ENG_ERR_BACKEND: return "backend failure";
    }
    return "unknown status";
}

eng_status eng_fail(char *err, size_t len, eng_status st, const char *fmt, ...) {
    if (err && len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* Weight types the engine runs (those with a vec_dot in the type table). */
static bool type_runnable(gguf_type t) {
    const gguf_type_info *ti = gguf_type_get(t);
    return ti && ti->vec_dot && ti->to_float;
}

/* Limits that reject absurd headers before anything is sized from them. */
#define ENG_MAX_DIM   (1 << 20)   /* n_embd, n_ff, n_vocab upper bound: 1,048,576 */
#define ENG_MAX_LAYER 4096
#define ENG_MAX_HEAD  4096

static eng_status get_i32(const gguf_ctx *g, const char *arch, const char *suffix, int32_t *out,
                          bool required, int32_t lo, int32_t hi, char *err, size_t len) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    int64_t v;
    gguf_status s = gguf_get_int(g, key, &v);
    if (s == GGUF_ERR_NOT_FOUND && !required) return ENG_OK;
    if (s != GGUF_OK)
        return eng_fail(err, len, ENG_ERR_FORMAT, "metadata key %s: %s", key, gguf_status_str(s));
    if (v < lo || v > hi)
        return eng_fail(err, len, ENG_ERR_FORMAT, "metadata key %s = %lld is outside [%d, %d]", key,
                    (long long)v, lo, hi);
    *out = (int32_t)v;
    return ENG_OK;
}

static eng_status get_f32(const gguf_ctx *g, const char *arch, const char *suffix, float *out,
                          double lo, double hi, char *err, size_t len) {
    char key[128];
    snprintf(key, sizeof key, "%s.%s", arch, suffix);
    double v;
    gguf_status s = gguf_get_float(g, key, &v);
    if (s == GGUF_ERR_NOT_FOUND) return ENG_OK;
    if (s != GGUF_OK)
        return eng_fail(err, len, ENG_ERR_FORMAT, "metadata key %s: %s", key, gguf_status_str(s));
    if (!(v >= lo && v <= hi))
        return eng_fail(err, len, ENG_ERR_FORMAT, "metadata key %s = %g is outside [%g, %g]", key, v, lo, hi);
    *out = (float)v;
    return ENG_OK;
}

/* Find tensor `name`, check type and shape [ne0, ne1] (ne1 = 1 for vectors). */
static eng_status bind(const gguf_ctx *g, const char *name, int64_t ne0, int64_t ne1, bool required,
                       eng_weight *w, char *err, size_t len) {
    memset(w, 0, sizeof *w);
    int64_t i = gguf_find_tensor(g, name);
    if (i < 0) {
        if (!required) return ENG_OK;
        return eng_fail(err, len, ENG_ERR_FORMAT, "missing tensor %s", name);
    }
    const gguf_tensor_info *ti = gguf_tensor(g, i);
    int64_t rows = 1;
    for (uint32_t d = 1; d < ti->n_dims; d++) rows *= ti->ne[d];
    if (ti->ne[0] != ne0 || rows != ne1 || (ne1 == 1 && ti->n_dims != 1))
        return eng_fail(err, len, ENG_ERR_FORMAT,
                    "tensor %s has shape [%lld, %lld], expected [%lld, %lld]", name,
                    (long long)ti->ne[0], (long long)rows, (long long)ne0, (long long)ne1);
    if (!type_runnable(ti->type))
        return eng_fail(err, len, ENG_ERR_UNSUPPORTED, "tensor %s has type %s, which the engine does not run",
                    name, gguf_type_name(ti->type) ? gguf_type_name(ti->type) : "(invalid)");
    if (ne1 == 1 && ti->type != GGUF_TYPE_F32)
        return eng_fail(err, len, ENG_ERR_UNSUPPORTED, "tensor %s: 1-D tensors must be F32, not %s", name,
                    gguf_type_name(ti->type));
    w->data = gguf_tensor_data(g, i);
    if (!w->data) return eng_fail(err, len, ENG_ERR_FORMAT, "tensor %s: data not available", name);
    w->type = ti->type;
    w->ne0 = ne0;
    w->ne1 = ne1;
    w->row_bytes = (size_t)gguf_type_row_bytes(ti->type, (uint64_t)ne0, NULL);
    return ENG_OK;
}

static eng_status load(gguf_ctx *g, eng_model *m, char *err, size_t len) {
    eng_hparams *hp = &m->hp;
    const char *arch;
    uint64_t alen;
    gguf_status gs = gguf_get_str(g, "general.architecture", &arch, &alen);
    if (gs != GGUF_OK)
        return eng_fail(err, len, ENG_ERR_FORMAT, "metadata key general.architecture: %s", gguf_status_str(gs));
    if (alen >= sizeof hp->arch) alen = sizeof hp->arch - 1;
    memcpy(hp->arch, arch, alen);
    hp->arch[alen] = 0;
    bool is_llama = !strcmp(hp->arch, "llama"), is_qwen2 = !strcmp(hp->arch, "qwen2");
    if (!is_llama && !is_qwen2)
        return eng_fail(err, len, ENG_ERR_UNSUPPORTED,
                    "unsupported architecture '%s' (the engine runs llama and qwen2)", hp->arch);
    const char *a = hp->arch;
    eng_status st;
#define TRY(x) do { if ((st = (x)) != ENG_OK) return st; } while (0)
    TRY(get_i32(g, a, "embedding_length", &hp->n_embd, true, 1, ENG_MAX_DIM, err, len));
    TRY(get_i32(g, a, "block_count", &hp->n_layer, true, 1, ENG_MAX_LAYER, err, len));
    TRY(get_i32(g, a, "feed_forward_length", &hp->n_ff, true, 1, ENG_MAX_DIM, err, len));
    TRY(get_i32(g, a, "attention.head_count", &hp->n_head, true, 1, ENG_MAX_HEAD, err, len));
    hp->n_head_kv = hp->n_head;
    TRY(get_i32(g, a, "attention.head_count_kv", &hp->n_head_kv, false, 1, ENG_MAX_HEAD, err, len));
    hp->n_ctx_train = 4096;
    TRY(get_i32(g, a, "context_length", &hp->n_ctx_train, false, 1, 1 << 24, err, len));
    if (hp->n_head % hp->n_head_kv)
        return eng_fail(err, len, ENG_ERR_FORMAT, "head_count %d is not a multiple of head_count_kv %d",
                    hp->n_head, hp->n_head_kv);
    hp->head_dim = hp->n_embd / hp->n_head;
    TRY(get_i32(g, a, "attention.key_length", &hp->head_dim, false, 1, 1 << 14, err, len));
    int32_t vlen = hp->head_dim;
    TRY(get_i32(g, a, "attention.value_length", &vlen, false, 1, 1 << 14, err, len));
    if (vlen != hp->head_dim)
        return eng_fail(err, len, ENG_ERR_UNSUPPORTED, "value_length %d differs from key_length %d", vlen,
                    hp->head_dim);
    if (hp->head_dim % 2 || hp->head_dim < 2)
        return eng_fail(err, len, ENG_ERR_FORMAT, "head dimension %d must be even", hp->head_dim);
    hp->n_rot = hp->head_dim;
    TRY(get_i32(g, a, "rope.dimension_count", &hp->n_rot, false, 2, hp->head_dim, err, len));
    if (hp->n_rot % 2) return eng_fail(err, len, ENG_ERR_FORMAT, "rope.dimension_count %d is odd", hp->n_rot);
    hp->rope_freq_base = 10000.0f;
    TRY(get_f32(g, a, "rope.freq_base", &hp->rope_freq_base, 1.0, 1e12, err, len));
    float scale_linear = 1.0f;
    TRY(get_f32(g, a, "rope.scale_linear", &scale_linear, 1e-6, 1e6, err, len));
    hp->rope_freq_scale = 1.0f / scale_linear;
    hp->norm_eps = is_qwen2 ? 1e-6f : 1e-5f;
    TRY(get_f32(g, a, "attention.layer_norm_rms_epsilon", &hp->norm_eps, 0.0, 1.0, err, len));
    hp->rope_type = is_qwen2 ? ENG_ROPE_NEOX : ENG_ROPE_NORM;
    int64_t ft;
    hp->file_type = gguf_get_int(g, "general.file_type", &ft) == GGUF_OK && ft >= 0 && ft < 1000 ? (int)ft : -1;

    /* the vocabulary size is the embedding's row count */
    int64_t ie = gguf_find_tensor(g, "token_embd.weight");
    if (ie < 0) return eng_fail(err, len, ENG_ERR_FORMAT, "missing tensor token_embd.weight");
    const gguf_tensor_info *te = gguf_tensor(g, ie);
    if (te->n_dims != 2 || te->ne[1] < 1 || te->ne[1] > ENG_MAX_DIM)
        return eng_fail(err, len, ENG_ERR_FORMAT, "token_embd.weight has %u dims and %lld rows", te->n_dims,
                    (long long)te->ne[1]);
    hp->n_vocab = (int32_t)te->ne[1];

    const int64_t E = hp->n_embd, Q = (int64_t)hp->n_head * hp->head_dim,
                  KV = (int64_t)hp->n_head_kv * hp->head_dim, F = hp->n_ff, V = hp->n_vocab;
    TRY(bind(g, "token_embd.weight", E, V, true, &m->tok_embd, err, len));
    TRY(bind(g, "output_norm.weight", E, 1, true, &m->output_norm, err, len));
    TRY(bind(g, "output.weight", E, V, false, &m->output, err, len));
    hp->tied_output = m->output.data == NULL;
    if (hp->tied_output) m->output = m->tok_embd;
    TRY(bind(g, "rope_freqs.weight", hp->n_rot / 2, 1, false, &m->rope_freqs, err, len));

    m->layers = calloc((size_t)hp->n_layer, sizeof *m->layers);
    if (!m->layers) return eng_fail(err, len, ENG_ERR_NOMEM, "out of memory for %d layers", hp->n_layer);
    for (int il = 0; il < hp->n_layer; il++) {
        eng_layer *L = &m->layers[il];
        char nm[96];
#define B(field, suffix, n0, n1, req)                                      \
        snprintf(nm, sizeof nm, "blk.%d.%s", il, suffix);                    \
        TRY(bind(g, nm, n0, n1, req, &L->field, err, len))
        B(attn_norm, "attn_norm.weight", E, 1, true);
        B(wq, "attn_q.weight", E, Q, true);
        B(wk, "attn_k.weight", E, KV, true);
        B(wv, "attn_v.weight", E, KV, true);
        B(wo, "attn_output.weight", Q, E, true);
        B(bq, "attn_q.bias", Q, 1, is_qwen2);
        B(bk, "attn_k.bias", KV, 1, is_qwen2);
        B(bv, "attn_v.bias", KV, 1, is_qwen2);
        B(ffn_norm, "ffn_norm.weight", E, 1, true);
        B(w_gate, "ffn_gate.weight", E, F, true);
        B(w_up, "ffn_up.weight", E, F, true);
        B(w_down, "ffn_down.weight", F, E, true);
#undef B
        if (il == 0) hp->qkv_bias = L->bq.data != NULL;
    }
#undef TRY
    for (int64_t i = 0; i < gguf_n_tensors(g); i++) {
        const gguf_tensor_info *ti = gguf_tensor(g, i);
        hp->n_params += ti->n_elements;
        hp->weight_bytes += ti->size_bytes;
    }

    if (gguf_find_key(g, "tokenizer.ggml.model") >= 0) {
        char terr[256];
        tok_status ts = tok_vocab_load(g, &m->vocab, terr, sizeof terr);
        if (ts != TOK_OK)
            return eng_fail(err, len, ts == TOK_ERR_UNSUPPORTED ? ENG_ERR_UNSUPPORTED : ENG_ERR_FORMAT,
                        "tokenizer: %s", terr);
        if (tok_n_vocab(m->vocab) > hp->n_vocab)
            return eng_fail(err, len, ENG_ERR_FORMAT, "tokenizer has %d tokens but token_embd has %d rows",
                        tok_n_vocab(m->vocab), hp->n_vocab);
    }
    return ENG_OK;
}

static eng_status finish(gguf_status gs, gguf_ctx *g, const char *what, char *gerr, eng_model **out,
                         char *err, size_t len) {
    *out = NULL;
    if (gs != GGUF_OK)
        return eng_fail(err, len, gs == GGUF_ERR_IO ? ENG_ERR_IO : gs == GGUF_ERR_NOMEM ? ENG_ERR_NOMEM : ENG_ERR_FORMAT,
                    "%s: %s", what, gerr);
    eng_model *m = calloc(1, sizeof *m);
    if (!m) {
        gguf_close(g);
        return eng_fail(err, len, ENG_ERR_NOMEM, "out of memory");
    }
    m->gguf = g;
    char lerr[400] = "";
    eng_status st = load(g, m, lerr, sizeof lerr);
    if (st != ENG_OK) {
        eng_model_free(m);
        return eng_fail(err, len, st, "%s: %s", what, lerr);
    }
    *out = m;
    return ENG_OK;
}

eng_status eng_model_open_file(const char *path, eng_model **out, char *err, size_t err_len) {
    gguf_ctx *g = NULL;
    char gerr[300] = "";
    gguf_status gs = gguf_open_file(path, &g, gerr, sizeof gerr);
    return finish(gs, g, path, gerr, out, err, err_len);
}

eng_status eng_model_open_memory(const void *buf, size_t len, eng_model **out, char *err, size_t err_len) {
    gguf_ctx *g = NULL;
    char gerr[300] = "";
    gguf_status gs = gguf_open_memory(buf, len, len, &g, NULL, gerr, sizeof gerr);
    return finish(gs, g, "model buffer", gerr, out, err, err_len);
}

void eng_model_free(eng_model *m) {
    if (!m) return;
    tok_vocab_free(m->vocab);
    free(m->layers);
    gguf_close(m->gguf);
    free(m);
}

void eng_model_desc(const eng_model *m, char *buf, size_t len) {
    /* llama-bench prints "<arch> <size> <ftype>"; size classes as in llama.cpp
     * (e.g. "1B", "8B") are named models; we print the rounded count instead. */
    double p = (double)m->hp.n_params;
    char size[32];
    if (p >= 1e9) snprintf(size, sizeof size, "%.1fB", p / 1e9);
    else snprintf(size, sizeof size, "%.0fM", p / 1e6);
    const char *ft = m->hp.file_type >= 0 ? gguf_ftype_name(m->hp.file_type) : NULL;
    snprintf(buf, len, "%s %s %s", m->hp.arch, size, ft ? ft : "?");
}
