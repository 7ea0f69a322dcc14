/* model.c - resolve a model to its tensors: from a spec (data id or
 * config.json) by synthesising llama.cpp's tensor list, or from a GGUF header
 * with exact per-tensor types and bytes. Builds the per-layer tables (weights
 * per quant, KV cache elements per layer) that estimate.c sums.
 *
 * Tensor names and shapes follow llama.cpp's loader (src/llama-model.cpp,
 * llm_tensor names in src/llama-arch.cpp): ggml ne[0] is the input width.
 */
#include "internal.h"
#include "gguf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- builders */

typedef struct tlist {
    mtensor *v;
    size_t n, cap;
    bool oom;
} tlist;

static void tl_add(tlist *tl, const char *name, int32_t layer, tensor_role role, uint32_t n_dims,
                   int64_t ne0, int64_t ne1, int64_t ne2)
{
    if (tl->oom) return;
    if (tl->n == tl->cap) {
        size_t cap = tl->cap ? tl->cap * 2 : 256;
        mtensor *v = realloc(tl->v, cap * sizeof *v);
        if (!v) { tl->oom = true; return; }
        tl->v = v;
        tl->cap = cap;
    }
    mtensor *t = &tl->v[tl->n++];
    memset(t, 0, sizeof *t);
    if (layer >= 0) snprintf(t->name, sizeof t->name, "blk.%d.%s", (int)layer, name);
    else snprintf(t->name, sizeof t->name, "%s", name);
    t->n_dims = n_dims;
    t->ne[0] = ne0; t->ne[1] = ne1; t->ne[2] = ne2; t->ne[3] = 1;
    if (n_dims < 2) t->ne[1] = 1;
    if (n_dims < 3) t->ne[2] = 1;
    t->layer = layer;
    t->role = (uint8_t)role;
    t->type = GGUF_TYPE_F32;
}

static bool layer_is_moe(const llmcap_model_spec *s, uint32_t il)
{
    return s->n_expert > 1 && il >= s->n_layer_dense_lead;
}

static bool layer_is_swa(const llmcap_model_spec *s, uint32_t il)
{
    if (!s->swa_window || !s->swa_pattern) return false;
    if (s->swa_pattern == 1) return true;
    return (il % s->swa_pattern) < s->swa_pattern - 1;
}

/* Synthesise llama.cpp's tensor list for an architecture spec. */
static void synth_tensors(const llmcap_model_spec *s, tlist *tl)
{
    const int64_t E = s->n_embd, V = s->n_vocab;
    const int64_t hd = s->head_dim, hdv = s->head_dim_v ? s->head_dim_v : s->head_dim;
    const int64_t H = s->n_head, HKV = s->n_head_kv;
    const bool mla = s->kv_lora_rank > 0;
    const bool gemma = strncmp(s->arch, "gemma", 5) == 0;
    const bool qk_norm = strcmp(s->arch, "qwen3") == 0 || strcmp(s->arch, "qwen3moe") == 0 ||
                         strcmp(s->arch, "gemma3") == 0;
    const bool gptoss = strcmp(s->arch, "gpt-oss") == 0;
    const int64_t ffe = s->n_ff_exp ? s->n_ff_exp : s->n_ff;
    const int64_t ffs = s->n_ff_shexp ? s->n_ff_shexp : ffe * (int64_t)s->n_expert_shared;

    tl_add(tl, "token_embd.weight", -1, ROLE_TOKEN_EMBD, 2, E, V, 1);
    for (uint32_t il = 0; il < s->n_layer; il++) {
        const int32_t l = (int32_t)il;
        tl_add(tl, "attn_norm.weight", l, ROLE_LAYER, 1, E, 1, 1);
        if (mla) {
            const int64_t rope = s->qk_rope_head_dim, nope = hd - rope;
            if (s->q_lora_rank) {
                tl_add(tl, "attn_q_a_norm.weight", l, ROLE_LAYER, 1, s->q_lora_rank, 1, 1);
                tl_add(tl, "attn_q_a.weight", l, ROLE_LAYER, 2, E, s->q_lora_rank, 1);
                tl_add(tl, "attn_q_b.weight", l, ROLE_LAYER, 2, s->q_lora_rank, H * hd, 1);
            } else {
                tl_add(tl, "attn_q.weight", l, ROLE_LAYER, 2, E, H * hd, 1);
            }
            tl_add(tl, "attn_kv_a_norm.weight", l, ROLE_LAYER, 1, s->kv_lora_rank, 1, 1);
            tl_add(tl, "attn_kv_a_mqa.weight", l, ROLE_LAYER, 2, E, s->kv_lora_rank + rope, 1);
            tl_add(tl, "attn_kv_b.weight", l, ROLE_LAYER, 2, s->kv_lora_rank, H * (nope + hdv), 1);
            tl_add(tl, "attn_output.weight", l, ROLE_LAYER, 2, H * hdv, E, 1);
        } else {
            tl_add(tl, "attn_q.weight", l, ROLE_LAYER, 2, E, H * hd, 1);
            tl_add(tl, "attn_k.weight", l, ROLE_LAYER, 2, E, HKV * hd, 1);
            tl_add(tl, "attn_v.weight", l, ROLE_LAYER, 2, E, HKV * hdv, 1);
            tl_add(tl, "attn_output.weight", l, ROLE_LAYER, 2, H * hdv, E, 1);
            if (s->qkv_bias) {
                tl_add(tl, "attn_q.bias", l, ROLE_LAYER, 1, H * hd, 1, 1);
                tl_add(tl, "attn_k.bias", l, ROLE_LAYER, 1, HKV * hd, 1, 1);
                tl_add(tl, "attn_v.bias", l, ROLE_LAYER, 1, HKV * hdv, 1, 1);
            }
            if (gptoss) {
                tl_add(tl, "attn_output.bias", l, ROLE_LAYER, 1, E, 1, 1);
                tl_add(tl, "attn_sinks.weight", l, ROLE_LAYER, 1, H, 1, 1);
            }
            if (qk_norm) {
                tl_add(tl, "attn_q_norm.weight", l, ROLE_LAYER, 1, hd, 1, 1);
                tl_add(tl, "attn_k_norm.weight", l, ROLE_LAYER, 1, hd, 1, 1);
            }
        }
        if (gemma) tl_add(tl, "post_attention_norm.weight", l, ROLE_LAYER, 1, E, 1, 1);
        tl_add(tl, "ffn_norm.weight", l, ROLE_LAYER, 1, E, 1, 1);
        if (layer_is_moe(s, il)) {
            const int64_t X = s->n_expert;
            tl_add(tl, "ffn_gate_inp.weight", l, ROLE_LAYER, 2, E, X, 1);
            tl_add(tl, "ffn_gate_exps.weight", l, ROLE_EXPERT, 3, E, ffe, X);
            tl_add(tl, "ffn_down_exps.weight", l, ROLE_EXPERT, 3, ffe, E, X);
            tl_add(tl, "ffn_up_exps.weight", l, ROLE_EXPERT, 3, E, ffe, X);
            if (gptoss) {
                tl_add(tl, "ffn_gate_inp.bias", l, ROLE_LAYER, 1, X, 1, 1);
                tl_add(tl, "ffn_gate_exps.bias", l, ROLE_EXPERT, 2, ffe, X, 1);
                tl_add(tl, "ffn_down_exps.bias", l, ROLE_EXPERT, 2, E, X, 1);
                tl_add(tl, "ffn_up_exps.bias", l, ROLE_EXPERT, 2, ffe, X, 1);
            }
            if (ffs > 0) {
                tl_add(tl, "ffn_gate_shexp.weight", l, ROLE_LAYER, 2, E, ffs, 1);
                tl_add(tl, "ffn_down_shexp.weight", l, ROLE_LAYER, 2, ffs, E, 1);
                tl_add(tl, "ffn_up_shexp.weight", l, ROLE_LAYER, 2, E, ffs, 1);
            }
        } else {
            tl_add(tl, "ffn_gate.weight", l, ROLE_LAYER, 2, E, s->n_ff, 1);
            tl_add(tl, "ffn_down.weight", l, ROLE_LAYER, 2, s->n_ff, E, 1);
            tl_add(tl, "ffn_up.weight", l, ROLE_LAYER, 2, E, s->n_ff, 1);
        }
        if (gemma) tl_add(tl, "post_ffw_norm.weight", l, ROLE_LAYER, 1, E, 1, 1);
    }
    tl_add(tl, "output_norm.weight", -1, ROLE_OUTPUT, 1, E, 1, 1);
    if (!s->tied_embeddings) tl_add(tl, "output.weight", -1, ROLE_OUTPUT, 2, E, V, 1);
}

/* ------------------------------------------------------------ spec checks */

static llmcap_status check_spec(const llmcap_model_spec *s, llmcap_error *err)
{
    const char *id = s->id[0] ? s->id : "model";
#define REQ(field, lo, hi)                                                                        \
    if (s->field < (lo) || s->field > (hi))                                                       \
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: %s = %lu is out of range (%lu..%lu)", id, \
                                #field, (unsigned long)s->field, (unsigned long)(lo), (unsigned long)(hi));
    REQ(n_layer, 1, 4096);
    REQ(n_embd, 1, 1000000);
    REQ(n_head, 1, 65536);
    REQ(n_head_kv, 1, 65536);
    REQ(head_dim, 1, 65536);
    REQ(n_vocab, 1, 10000000);
    if (s->n_ff > 10000000)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: n_ff = %u is out of range (0..10000000)", id, s->n_ff);
#undef REQ
    if (s->n_head % s->n_head_kv)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                "%s: n_head %u is not a multiple of n_head_kv %u", id, s->n_head, s->n_head_kv);
    if (s->n_expert > 1 && (s->n_expert_used < 1 || s->n_expert_used > s->n_expert))
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: n_expert_used %u must be 1..n_expert (%u)", id,
                                s->n_expert_used, s->n_expert);
    if (s->n_expert <= 1 && s->n_ff == 0)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: n_ff (intermediate_size) is missing", id);
    if (s->kv_lora_rank && s->qk_rope_head_dim >= s->head_dim)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                "%s: qk_rope_head_dim %u must be smaller than head_dim %u for MLA", id,
                                s->qk_rope_head_dim, s->head_dim);
    if (s->swa_window && !s->swa_pattern)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: swa_window given without swa_pattern", id);
    if (s->n_layer_dense_lead > s->n_layer)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: n_layer_dense_lead %u > n_layer %u", id,
                                s->n_layer_dense_lead, s->n_layer);
    return LLMCAP_OK;
}

/* -------------------------------------------------------- layer KV tables */

static llmcap_status build_layer_tables(llmcap_model *m, llmcap_error *err)
{
    const llmcap_model_spec *s = &m->spec;
    const uint32_t L = s->n_layer;
    m->kv_k_elems = calloc(L, sizeof *m->kv_k_elems);
    m->kv_v_elems = calloc(L, sizeof *m->kv_v_elems);
    m->is_swa = calloc(L, 1);
    m->cum_k_glob = calloc(L + 1, sizeof(double));
    m->cum_v_glob = calloc(L + 1, sizeof(double));
    m->cum_k_swa = calloc(L + 1, sizeof(double));
    m->cum_v_swa = calloc(L + 1, sizeof(double));
    m->cum_attn_flops = calloc(L + 1, sizeof(double));
    if (!m->kv_k_elems || !m->kv_v_elems || !m->is_swa || !m->cum_k_glob || !m->cum_v_glob ||
        !m->cum_k_swa || !m->cum_v_swa || !m->cum_attn_flops)
        return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory building layer tables");
    const uint32_t hdv = s->head_dim_v ? s->head_dim_v : s->head_dim;
    for (uint32_t il = 0; il < L; il++) {
        uint32_t k, v;
        if (s->kv_lora_rank) {
            /* MLA (DeepSeek-V2/V3): the cache holds the compressed latent plus the
             * RoPE part of K, kv_lora_rank + qk_rope_head_dim values per token per
             * layer (512 + 64 = 576 for DeepSeek-V3); V is read from the same latent.
             * Source: DeepSeek-V2 paper, sec. 2.1.2; models.csv notes; llama.cpp
             * deepseek2 MLA path (n_embd_head_k = kv_lora_rank + n_rot, one KV head). */
            k = s->kv_lora_rank + s->qk_rope_head_dim;
            v = 0;
        } else {
            /* GQA: n_embd_k_gqa = head_dim_k * n_head_kv (llama.cpp hparams). */
            k = s->head_dim * s->n_head_kv;
            v = hdv * s->n_head_kv;
        }
        m->kv_k_elems[il] = k;
        m->kv_v_elems[il] = v;
        m->is_swa[il] = layer_is_swa(s, il);
        const bool sw = m->is_swa[il];
        m->cum_k_glob[il + 1] = m->cum_k_glob[il] + (sw ? 0 : k);
        m->cum_v_glob[il + 1] = m->cum_v_glob[il] + (sw ? 0 : v);
        m->cum_k_swa[il + 1] = m->cum_k_swa[il] + (sw ? k : 0);
        m->cum_v_swa[il + 1] = m->cum_v_swa[il] + (sw ? v : 0);
        /* attention FLOPs per query token per cached token: Q.K^T (2*n_head*head_dim)
         * plus softmax(.)V (2*n_head*head_dim_v); MLA computes in the latent space
         * (2*n_head*(kv_lora_rank + rope) + 2*n_head*kv_lora_rank). */
        double f = s->kv_lora_rank ? 2.0 * s->n_head * (double)(k + s->kv_lora_rank)
                                   : 2.0 * s->n_head * (double)(s->head_dim + hdv);
        m->cum_attn_flops[il + 1] = m->cum_attn_flops[il] + f;
    }
    uint32_t ffa = s->n_ff;
    if (s->n_expert > 1) {
        uint32_t ffe = s->n_ff_exp ? s->n_ff_exp : s->n_ff;
        uint32_t ffs = s->n_ff_shexp ? s->n_ff_shexp : ffe * s->n_expert_shared;
        uint32_t moe = ffe * s->n_expert_used + ffs;
        if (moe > ffa) ffa = moe;
    }
    m->max_ff_active = ffa;
    return LLMCAP_OK;
}

static void model_free_tables(llmcap_model *m)
{
    for (size_t i = 0; i < m->n_qcache; i++) {
        free(m->qcache[i].cum_bytes);
        free(m->qcache[i].cum_active);
        free(m->qcache[i].cum_expert);
        free(m->qcache[i].cum_active_params);
    }
    m->n_qcache = 0;
    free(m->kv_k_elems); free(m->kv_v_elems); free(m->is_swa);
    free(m->cum_k_glob); free(m->cum_v_glob); free(m->cum_k_swa); free(m->cum_v_swa);
    free(m->cum_attn_flops);
}

void llmcap_model_free(llmcap_model *m)
{
    if (!m) return;
    model_free_tables(m);
    free(m->tensors);
    free(m->source_owned);
    free(m);
}

llmcap_status llmcap_model_from_spec(const llmcap_model_spec *spec, llmcap_model **out, llmcap_error *err)
{
    *out = NULL;
    llmcap_status st = check_spec(spec, err);
    if (st) return st;
    llmcap_model *m = calloc(1, sizeof *m);
    if (!m) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
    m->spec = *spec;
    m->file_ftype = -1;
    tlist tl = {0};
    synth_tensors(&m->spec, &tl);
    if (tl.oom) {
        free(tl.v);
        free(m);
        return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
    }
    m->tensors = tl.v;
    m->n_tensors = tl.n;
    st = build_layer_tables(m, err);
    if (st) { llmcap_model_free(m); return st; }
    *out = m;
    return LLMCAP_OK;
}

/* --------------------------------------------------------------- qtables */

static double tensor_elems(const mtensor *t)
{
    return (double)t->ne[0] * (double)t->ne[1] * (double)t->ne[2] * (double)t->ne[3];
}

llmcap_status llmcap_model_qtable(llmcap_model *m, int ftype, int tensor_type, bool exact, const qtable **out,
                                  llmcap_error *err)
{
    if (exact) { ftype = -1; tensor_type = -1; }
    for (size_t i = 0; i < m->n_qcache; i++) {
        const qtable *q = &m->qcache[i];
        if (q->exact == exact && q->ftype == ftype && q->tensor_type == tensor_type) {
            *out = q;
            return LLMCAP_OK;
        }
    }
    const llmcap_model_spec *s = &m->spec;
    const size_t n = m->n_tensors;
    gguf_type *types = malloc((n ? n : 1) * sizeof *types);
    gguf_plan_tensor *pt = malloc((n ? n : 1) * sizeof *pt);
    if (!types || !pt) {
        free(types); free(pt);
        return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
    }
    bool ok = true;
    if (!exact) {
        bool has_output = false;
        for (size_t i = 0; i < n; i++) {
            pt[i].name = m->tensors[i].name;
            pt[i].n_dims = m->tensors[i].n_dims;
            memcpy(pt[i].ne, m->tensors[i].ne, sizeof pt[i].ne);
            if (strcmp(m->tensors[i].name, "output.weight") == 0) has_output = true;
        }
        gguf_plan_model pm = {
            .arch = s->arch, .n_layer = s->n_layer, .n_head = s->n_head, .n_head_kv = s->n_head_kv,
            .n_expert = s->n_expert, .has_output = has_output,
            .is_70b = strcmp(s->arch, "llama") == 0 && s->n_layer == 80,
        };
        if (tensor_type >= 0) ok = gguf_plan_types_pure(tensor_type, pt, n, types);
        else ok = gguf_plan_types(ftype, &pm, pt, n, types);
    } else {
        for (size_t i = 0; i < n; i++) types[i] = m->tensors[i].type;
    }
    free(pt);
    if (!ok) {
        free(types);
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "quant %s cannot be applied to this model",
                                tensor_type >= 0 ? gguf_type_name(tensor_type) : gguf_ftype_name(ftype));
    }
    if (m->n_qcache == QCACHE_MAX) { /* evict the oldest */
        free(m->qcache[0].cum_bytes); free(m->qcache[0].cum_active); free(m->qcache[0].cum_expert);
        free(m->qcache[0].cum_active_params);
        memmove(&m->qcache[0], &m->qcache[1], (QCACHE_MAX - 1) * sizeof m->qcache[0]);
        m->n_qcache--;
    }
    qtable *q = &m->qcache[m->n_qcache];
    memset(q, 0, sizeof *q);
    const uint32_t L = s->n_layer;
    double *lb = calloc(L, sizeof(double)), *la = calloc(L, sizeof(double)), *lx = calloc(L, sizeof(double));
    double *lp = calloc(L, sizeof(double));
    q->cum_bytes = calloc(L + 1, sizeof(double));
    q->cum_active = calloc(L + 1, sizeof(double));
    q->cum_expert = calloc(L + 1, sizeof(double));
    q->cum_active_params = calloc(L + 1, sizeof(double));
    if (!lb || !la || !lx || !lp || !q->cum_bytes || !q->cum_active || !q->cum_expert || !q->cum_active_params) {
        free(lb); free(la); free(lx); free(lp); free(types);
        free(q->cum_bytes); free(q->cum_active); free(q->cum_expert); free(q->cum_active_params);
        return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
    }
    q->ftype = ftype;
    q->tensor_type = tensor_type;
    q->exact = exact;
    const double used_frac = s->n_expert > 1 ? (double)s->n_expert_used / s->n_expert : 1.0;
    double params = 0, params_active = 0;
    bool has_output_w = false;
    for (size_t i = 0; i < n; i++) {
        const mtensor *t = &m->tensors[i];
        double bytes;
        if (exact) {
            bytes = (double)t->bytes;
        } else {
            bool okb = true;
            bytes = (double)gguf_type_tensor_bytes(types[i], (uint64_t)t->ne[0], (uint64_t)tensor_elems(t), &okb);
            if (!okb) {
                const char *tname = gguf_type_name(types[i]); /* a static string: read before types is freed */
                free(lb); free(la); free(lx); free(lp); free(types);
                free(q->cum_bytes); free(q->cum_active); free(q->cum_expert); free(q->cum_active_params);
                return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                                        "tensor '%s' (row %lld) cannot be stored as %s", t->name,
                                        (long long)t->ne[0], tname);
            }
        }
        const double el = tensor_elems(t);
        params += el;
        switch ((tensor_role)t->role) {
        case ROLE_TOKEN_EMBD:
            q->embd_bytes += bytes;
            q->embd_row_bytes = t->ne[1] > 0 ? bytes / (double)t->ne[1] : 0;
            break;
        case ROLE_OUTPUT:
            q->output_bytes += bytes;
            q->output_unique_bytes += bytes;
            params_active += el;
            if (strcmp(t->name, "output.weight") == 0) has_output_w = true;
            break;
        case ROLE_LAYER:
            if (t->layer >= 0 && (uint32_t)t->layer < L) {
                lb[t->layer] += bytes;
                la[t->layer] += bytes;
                lp[t->layer] += el;
            } else {
                q->other_bytes += bytes;
            }
            params_active += el;
            break;
        case ROLE_EXPERT:
            if (t->layer >= 0 && (uint32_t)t->layer < L) {
                lb[t->layer] += bytes;
                la[t->layer] += bytes * used_frac;
                lx[t->layer] += bytes;
                lp[t->layer] += el * used_frac;
            } else {
                q->other_bytes += bytes;
            }
            params_active += el * used_frac;
            break;
        default:
            q->other_bytes += bytes;
            break;
        }
    }
    if (!has_output_w) {
        /* tied embeddings: llama.cpp loads a duplicate of token_embd as the
         * output matrix on the output layer's device (TENSOR_DUPLICATED). */
        q->output_bytes += q->embd_bytes;
        params_active += (double)s->n_embd * s->n_vocab;
    }
    for (uint32_t il = 0; il < L; il++) {
        q->cum_bytes[il + 1] = q->cum_bytes[il] + lb[il];
        q->cum_active[il + 1] = q->cum_active[il] + la[il];
        q->cum_expert[il + 1] = q->cum_expert[il] + lx[il];
        q->cum_active_params[il + 1] = q->cum_active_params[il] + lp[il];
    }
    q->output_params = (double)s->n_embd * s->n_vocab;
    q->total_bytes = q->embd_bytes + q->other_bytes + q->output_unique_bytes + q->cum_bytes[L];
    q->params = params;
    q->params_active = params_active;
    free(lb); free(la); free(lx); free(lp); free(types);
    m->n_qcache++;
    *out = q;
    return LLMCAP_OK;
}

/* ----------------------------------------------------------------- GGUF */

/* Read an integer hparam "<arch>.<key>"; arrays (per-layer values) give element 0. */
static bool gguf_hparam(const gguf_ctx *g, const char *arch, const char *key, int64_t *out)
{
    char k[160];
    snprintf(k, sizeof k, "%s.%s", arch, key);
    if (gguf_get_int(g, k, out) == GGUF_OK) return true;
    gguf_value_type et;
    uint64_t n;
    if (gguf_get_arr_info(g, k, &et, &n) == GGUF_OK && n > 0 && gguf_get_arr_int(g, k, 0, out) == GGUF_OK)
        return true;
    return false;
}

static int parse_layer(const char *name)
{
    if (strncmp(name, "blk.", 4) != 0) return -1;
    char *end;
    long v = strtol(name + 4, &end, 10);
    if (end == name + 4 || *end != '.' || v < 0 || v > 100000) return -1;
    return (int)v;
}

static llmcap_status model_from_gguf_ctx(gguf_ctx *g, llmcap_model **out, llmcap_error *err)
{
    const char *arch = NULL;
    uint64_t alen = 0;
    if (gguf_get_str(g, "general.architecture", &arch, &alen) != GGUF_OK || alen == 0 || alen >= 32)
        return llmcap_set_error(err, LLMCAP_ERR_PARSE, "gguf: missing or invalid 'general.architecture'");
    llmcap_model *m = calloc(1, sizeof *m);
    if (!m) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory");
    llmcap_model_spec *s = &m->spec;
    snprintf(s->arch, sizeof s->arch, "%s", arch);
    const char *name = NULL;
    uint64_t nlen = 0;
    if (gguf_get_str(g, "general.name", &name, &nlen) == GGUF_OK) snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->id, sizeof s->id, "gguf");
    m->exact = true;
    int64_t v = 0;
    m->file_ftype = gguf_get_int(g, "general.file_type", &v) == GGUF_OK && v >= 0 && v < 1000 ? (int)v : -1;

    struct { const char *key; uint32_t *dst; bool required; } hp[] = {
        {"block_count", &s->n_layer, true},
        {"embedding_length", &s->n_embd, true},
        {"feed_forward_length", &s->n_ff, false},
        {"attention.head_count", &s->n_head, true},
        {"attention.head_count_kv", &s->n_head_kv, false},
        {"context_length", &s->n_ctx_train, false},
        {"expert_count", &s->n_expert, false},
        {"expert_used_count", &s->n_expert_used, false},
        {"expert_feed_forward_length", &s->n_ff_exp, false},
        {"expert_shared_count", &s->n_expert_shared, false},
        {"expert_shared_feed_forward_length", &s->n_ff_shexp, false},
        {"leading_dense_block_count", &s->n_layer_dense_lead, false},
        {"attention.sliding_window", &s->swa_window, false},
        {"attention.kv_lora_rank", &s->kv_lora_rank, false},
        {"attention.q_lora_rank", &s->q_lora_rank, false},
        {"rope.dimension_count", &s->qk_rope_head_dim, false},
        {"vocab_size", &s->n_vocab, false},
    };
    for (size_t i = 0; i < sizeof hp / sizeof hp[0]; i++) {
        if (gguf_hparam(g, arch, hp[i].key, &v)) {
            if (v < 0 || v > 0xffffffffLL) {
                llmcap_model_free(m);
                return llmcap_set_error(err, LLMCAP_ERR_PARSE, "gguf: '%s.%s' = %lld is out of range", arch,
                                        hp[i].key, (long long)v);
            }
            *hp[i].dst = (uint32_t)v;
        } else if (hp[i].required) {
            llmcap_model_free(m);
            return llmcap_set_error(err, LLMCAP_ERR_PARSE, "gguf: missing required key '%s.%s'", arch, hp[i].key);
        }
    }
    if (!s->n_head_kv) s->n_head_kv = s->n_head;
    if (!s->n_head) {
        llmcap_model_free(m);
        return llmcap_set_error(err, LLMCAP_ERR_PARSE, "gguf: '%s.attention.head_count' is 0", arch);
    }
    int64_t kl = 0, vl = 0;
    s->head_dim = gguf_hparam(g, arch, "attention.key_length", &kl) && kl > 0 && kl < 65536
                      ? (uint32_t)kl : s->n_embd / s->n_head;
    s->head_dim_v = gguf_hparam(g, arch, "attention.value_length", &vl) && vl > 0 && vl < 65536 ? (uint32_t)vl : 0;
    if (!s->kv_lora_rank) s->qk_rope_head_dim = 0;
    else if (gguf_hparam(g, arch, "attention.key_length_mla", &kl) && kl > 0 && kl < 65536) {
        /* newer deepseek2 files store the MLA K dim separately and key_length = latent + rope */
        s->head_dim = (uint32_t)kl;
        if (gguf_hparam(g, arch, "attention.value_length_mla", &vl) && vl > 0 && vl < 65536)
            s->head_dim_v = (uint32_t)vl;
    }
    if (s->kv_lora_rank && s->qk_rope_head_dim >= s->head_dim) s->head_dim = s->qk_rope_head_dim + 128;
    if (!s->n_vocab) {
        gguf_value_type et;
        uint64_t nv = 0;
        if (gguf_get_arr_info(g, "tokenizer.ggml.tokens", &et, &nv) == GGUF_OK && nv < 10000000) s->n_vocab = (uint32_t)nv;
    }
    if (s->swa_window) {
        /* which layers slide: llama.cpp sets this per architecture (hparams.swa_layers);
         * gemma2 / gpt-oss alternate starting with a sliding layer, gemma3 5 of 6. */
        if (strcmp(arch, "gemma3") == 0) s->swa_pattern = 6;
        else if (strcmp(arch, "gemma2") == 0 || strcmp(arch, "gpt-oss") == 0 || strcmp(arch, "cohere2") == 0)
            s->swa_pattern = 2;
        else s->swa_pattern = 1;
    }

    /* tensors */
    const int64_t nt = gguf_n_tensors(g);
    m->tensors = calloc(nt > 0 ? (size_t)nt : 1, sizeof *m->tensors);
    if (!m->tensors) { llmcap_model_free(m); return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory"); }
    m->n_tensors = (size_t)nt;
    bool tied = true;
    for (int64_t i = 0; i < nt; i++) {
        const gguf_tensor_info *ti = gguf_tensor(g, i);
        mtensor *t = &m->tensors[i];
        snprintf(t->name, sizeof t->name, "%s", ti->name);
        t->n_dims = ti->n_dims;
        memcpy(t->ne, ti->ne, sizeof t->ne);
        t->type = ti->type;
        t->bytes = ti->size_bytes;
        t->layer = parse_layer(ti->name);
        if (t->layer >= (int32_t)s->n_layer) t->layer = -1;
        if (strcmp(ti->name, "token_embd.weight") == 0) {
            t->role = ROLE_TOKEN_EMBD;
            if (!s->n_vocab && ti->n_dims >= 2) s->n_vocab = (uint32_t)ti->ne[1];
        } else if (strcmp(ti->name, "output.weight") == 0 || strcmp(ti->name, "output_norm.weight") == 0 ||
                   strcmp(ti->name, "output_norm.bias") == 0 || strcmp(ti->name, "output.bias") == 0) {
            t->role = ROLE_OUTPUT;
            if (strcmp(ti->name, "output.weight") == 0) tied = false;
        } else if (t->layer >= 0) {
            t->role = strstr(ti->name, "_exps.") ? ROLE_EXPERT : ROLE_LAYER;
        } else {
            t->role = ROLE_OTHER;
        }
    }
    s->tied_embeddings = tied;
    for (int64_t i = 0; i < nt; i++) s->params_total += tensor_elems(&m->tensors[i]);
    if (!s->n_vocab) s->n_vocab = 1;
    if (!s->n_ff) {
        /* MoE-only files may omit feed_forward_length; use the expert width */
        s->n_ff = s->n_ff_exp ? s->n_ff_exp : 1;
    }
    llmcap_status st = check_spec(s, err);
    if (!st) st = build_layer_tables(m, err);
    if (st) { llmcap_model_free(m); return st; }
    *out = m;
    return LLMCAP_OK;
}

static llmcap_status map_gguf_status(gguf_status gs, const char *msg, llmcap_error *err)
{
    llmcap_status st = gs == GGUF_ERR_IO ? LLMCAP_ERR_IO : gs == GGUF_ERR_NOMEM ? LLMCAP_ERR_NOMEM : LLMCAP_ERR_PARSE;
    return llmcap_set_error(err, st, "%s", msg[0] ? msg : gguf_status_str(gs));
}

llmcap_status llmcap_model_from_gguf_memory(const void *buf, size_t len, uint64_t file_size, size_t *need_bytes,
                                            llmcap_model **out, llmcap_error *err)
{
    *out = NULL;
    char msg[400] = "";
    gguf_ctx *g = NULL;
    gguf_status gs = gguf_open_memory(buf, len, file_size, &g, need_bytes, msg, sizeof msg);
    if (gs != GGUF_OK) return map_gguf_status(gs, msg, err);
    llmcap_status st = model_from_gguf_ctx(g, out, err);
    gguf_close(g);
    return st;
}

llmcap_status llmcap_model_from_gguf_file(const char *path, llmcap_model **out, llmcap_error *err)
{
    *out = NULL;
    char msg[400] = "";
    gguf_ctx *g = NULL;
    gguf_status gs = gguf_open_file(path, &g, msg, sizeof msg);
    if (gs != GGUF_OK) return map_gguf_status(gs, msg, err);
    llmcap_status st = model_from_gguf_ctx(g, out, err);
    gguf_close(g);
    if (st == LLMCAP_OK) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        if (!(*out)->spec.name[0]) snprintf((*out)->spec.name, sizeof (*out)->spec.name, "%s", base);
    }
    return st;
}

/* ------------------------------------------------------------- accessors */

const llmcap_model_spec *llmcap_model_spec_get(const llmcap_model *m) { return &m->spec; }
bool llmcap_model_is_exact(const llmcap_model *m) { return m->exact; }
int llmcap_model_file_ftype(const llmcap_model *m) { return m->file_ftype; }
size_t llmcap_model_n_tensors(const llmcap_model *m) { return m->n_tensors; }

double llmcap_model_n_params(const llmcap_model *m)
{
    double p = 0;
    for (size_t i = 0; i < m->n_tensors; i++) p += tensor_elems(&m->tensors[i]);
    return p;
}
