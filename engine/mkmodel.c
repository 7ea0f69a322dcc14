/* mkmodel.c - synthetic GGUF models of real shapes (see mkmodel.h).
 *
 * The file is produced in three steps: plan (tensor list, per-tensor types,
 * validation), header (a gguf_writer holding the metadata and tensor infos
 * only), then the data, streamed tensor by tensor in chunks of rows that a
 * few threads fill in parallel: each row is drawn from its own PRNG stream and
 * quantized with the type table's reference quantizer (types.h from_float).
 *
 * Sources (facts, not code):
 *   - tensor names, shapes and metadata keys: llama.cpp `src/llama-arch.cpp`
 *     (LLM_TENSOR_NAMES, LLM_KV_NAMES) and gguf-py `constants.py`;
 *   - token types (1 normal, 2 unknown, 3 control, 5 unused, 6 byte): llama.cpp
 *     `include/llama.h` enum llama_token_type;
 *   - general.file_type numbers: llama.cpp enum llama_ftype (types.h);
 *   - SplitMix64 and xoshiro256** (constants and shifts): D. Blackman and
 *     S. Vigna, "Scrambled linear pseudorandom number generators" (2018),
 *     https://prng.di.unimi.it/;
 *   - the polar form of the Box-Muller transform: G. Marsaglia and T. A. Bray,
 *     "A convenient method for generating normal variables", SIAM Review 6 (1964);
 *   - rope_theta and rms_norm_eps per family: each model's Hugging Face
 *     config.json (cited in the table below).
 */
#include "mkmodel.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "llmcap.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "mkmodel writes F32 data with memcpy: little-endian hosts only"
#endif

/* Output written per round of the worker threads: large enough that thread
 * start-up is noise, small enough to keep memory flat on 1B-class models. */
#define CHUNK_BYTES (8u << 20)
/* Cap on the per-thread rows of output and floats together. */
#define WORK_BYTES_MAX (UINT64_C(1) << 30)
/* Token type numbers (llama.cpp enum llama_token_type). */
enum { TOK_NORMAL = 1, TOK_UNKNOWN = 2, TOK_CONTROL = 3, TOK_UNUSED = 5, TOK_BYTE = 6 };
/* Score of padding tokens: far below any real piece, so a BPE/SPM merge never picks them. */
#define PAD_SCORE (-1e9f)
/* Built-in vocab: <unk>, <s>, </s> and the 256 byte tokens come first. */
#define BUILTIN_FIXED_TOKENS 259u
/* Standard deviation of bias values. */
#define BIAS_STD 0.02f

const char *mkmodel_status_str(mkmodel_status s) {
    switch (s) {
    case MKMODEL_OK:              return "ok";
    case MKMODEL_ERR_INVALID:     return "invalid parameters";
    case MKMODEL_ERR_UNSUPPORTED: return "unsupported";
    case MKMODEL_ERR_IO:          return "I/O error";
    case MKMODEL_ERR_NOMEM:       return "out of memory";
    }
    return "unknown status";
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static mkmodel_status set_err(char *err, size_t err_len, mkmodel_status st, const char *fmt, ...) {
    if (err && err_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return st;
}

mkmodel_params mkmodel_default_params(void) {
    mkmodel_params p;
    memset(&p, 0, sizeof p);
    snprintf(p.arch, sizeof p.arch, "llama");
    p.weight_type = GGUF_TYPE_F32;
    p.ftype = -1;
    p.seed = 42;
    return p;
}

/* ------------------------------------------------------------------------ */
/* Shapes                                                                    */
/* ------------------------------------------------------------------------ */

mkmodel_status mkmodel_builtin_shape(const char *name, mkmodel_params *p) {
    if (!name || !p) return MKMODEL_ERR_INVALID;
    /* the benchmark shapes of shared/testdata/models/README.md */
    if (strcmp(name, "small") == 0) {
        snprintf(p->arch, sizeof p->arch, "llama");
        snprintf(p->name, sizeof p->name, "synthetic-small-llama");
        p->n_embd = 1024; p->n_layer = 8; p->n_head = 16; p->n_head_kv = 4; p->head_dim = 64;
        p->n_ff = 2816; p->n_vocab = 32000; p->n_ctx = 2048; p->tied = false;
    } else if (strcmp(name, "tiny") == 0) {
        snprintf(p->arch, sizeof p->arch, "llama");
        snprintf(p->name, sizeof p->name, "synthetic-tiny-llama");
        p->n_embd = 256; p->n_layer = 4; p->n_head = 8; p->n_head_kv = 4; p->head_dim = 32;
        p->n_ff = 768; p->n_vocab = 32000; p->n_ctx = 512; p->tied = true;
    } else {
        return MKMODEL_ERR_INVALID;
    }
    p->rope_base = 10000.0f;
    p->rms_eps = 1e-5f;
    p->qkv_bias = false;
    return MKMODEL_OK;
}

/* rope_theta per model id or family, from the models' config.json; ids and
 * families not listed use the llama default 10000 (Llama 2, TinyLlama, the
 * DeepSeek-R1 Qwen distill). The weights are random, so this only sets the
 * RoPE angles the engine uses. */
static const struct { const char *key; bool is_family; float rope_base; } ROPE_BASES[] = {
    {"llama-3", true, 500000.0f},          /* meta-llama/Llama-3.x: rope_theta 500000.0 */
    {"qwen2.5", true, 1000000.0f},         /* Qwen/Qwen2.5-*: rope_theta 1000000.0 */
    {"mistral-7b-v0.3", false, 1000000.0f},/* mistralai/Mistral-7B-v0.3: rope_theta 1000000.0 */
    {"mistral-nemo-12b", false, 1000000.0f},/* mistralai/Mistral-Nemo-Base-2407: 1000000.0 */
    {"smollm2-135m", false, 100000.0f},    /* HuggingFaceTB/SmolLM2-135M: rope_theta 100000 */
    {"smollm2-360m", false, 100000.0f},    /* HuggingFaceTB/SmolLM2-360M: rope_theta 100000 */
    {"smollm2-1.7b", false, 130000.0f},    /* HuggingFaceTB/SmolLM2-1.7B: rope_theta 130000 */
};

mkmodel_status mkmodel_params_from_spec(const struct llmcap_model_spec *spec, mkmodel_params *p,
                                        char *err, size_t err_len) {
    if (!spec || !p) return set_err(err, err_len, MKMODEL_ERR_INVALID, "no model spec");
    if (strcmp(spec->arch, "llama") != 0 && strcmp(spec->arch, "qwen2") != 0) {
        return set_err(err, err_len, MKMODEL_ERR_UNSUPPORTED,
                       "shape %s has architecture %s; mkmodel writes llama or qwen2", spec->id, spec->arch);
    }
    if (spec->n_expert > 1) {
        return set_err(err, err_len, MKMODEL_ERR_UNSUPPORTED,
                       "shape %s is a mixture of %u experts; mkmodel writes dense llama or qwen2 models",
                       spec->id, spec->n_expert);
    }
    if (spec->head_dim_v && spec->head_dim_v != spec->head_dim) {
        return set_err(err, err_len, MKMODEL_ERR_UNSUPPORTED,
                       "shape %s has V head dim %u != K head dim %u; mkmodel writes equal head dims",
                       spec->id, spec->head_dim_v, spec->head_dim);
    }
    snprintf(p->arch, sizeof p->arch, "%s", strcmp(spec->arch, "qwen2") == 0 ? "qwen2" : "llama");
    snprintf(p->name, sizeof p->name, "synthetic-%s", spec->id);
    p->n_embd = spec->n_embd;
    p->n_layer = spec->n_layer;
    p->n_head = spec->n_head;
    p->n_head_kv = spec->n_head_kv ? spec->n_head_kv : spec->n_head;
    p->head_dim = spec->head_dim;
    p->n_ff = spec->n_ff;
    p->n_vocab = spec->n_vocab;
    p->n_ctx = spec->n_ctx_train;
    p->tied = spec->tied_embeddings;
    p->qkv_bias = spec->qkv_bias || strcmp(spec->arch, "qwen2") == 0;
    /* rms_norm_eps: 1e-5 in the Llama/Mistral/SmolLM/TinyLlama configs, 1e-6 in Qwen2/2.5's */
    p->rms_eps = strcmp(spec->arch, "qwen2") == 0 ? 1e-6f : 1e-5f;
    p->rope_base = 10000.0f;
    for (size_t i = 0; i < sizeof ROPE_BASES / sizeof ROPE_BASES[0]; i++) {
        const char *v = ROPE_BASES[i].is_family ? spec->family : spec->id;
        if (strcmp(v, ROPE_BASES[i].key) == 0) p->rope_base = ROPE_BASES[i].rope_base;
    }
    return MKMODEL_OK;
}

/* Tensor types the engine runs as weights, with the file type a --pure file of
 * that type records (llama_ftype; the K-quants have no "pure" file type, so
 * the small mix of the same base type is written). */
static const struct { gguf_type type; int ftype; } PURE_TYPES[] = {
    {GGUF_TYPE_F32, GGUF_FTYPE_ALL_F32}, {GGUF_TYPE_F16, GGUF_FTYPE_F16},
    {GGUF_TYPE_BF16, GGUF_FTYPE_BF16},   {GGUF_TYPE_Q8_0, GGUF_FTYPE_Q8_0},
    {GGUF_TYPE_Q4_0, GGUF_FTYPE_Q4_0},   {GGUF_TYPE_Q4_1, GGUF_FTYPE_Q4_1},
    {GGUF_TYPE_Q5_0, GGUF_FTYPE_Q5_0},   {GGUF_TYPE_Q5_1, GGUF_FTYPE_Q5_1},
    {GGUF_TYPE_Q4_K, GGUF_FTYPE_Q4_K_S}, {GGUF_TYPE_Q5_K, GGUF_FTYPE_Q5_K_S},
    {GGUF_TYPE_Q6_K, GGUF_FTYPE_Q6_K},
};
#define N_PURE_TYPES (sizeof PURE_TYPES / sizeof PURE_TYPES[0])

static int pure_ftype(int type) {
    for (size_t i = 0; i < N_PURE_TYPES; i++)
        if ((int)PURE_TYPES[i].type == type) return PURE_TYPES[i].ftype;
    return -1;
}

mkmodel_status mkmodel_parse_type(const char *name, int *weight_type, int *ftype,
                                  char *err, size_t err_len) {
    if (!name || !weight_type || !ftype) return set_err(err, err_len, MKMODEL_ERR_INVALID, "no type given");
    int t = gguf_type_from_name(name);
    if (t >= 0 && pure_ftype(t) >= 0) {
        *weight_type = t;
        *ftype = -1;
        return MKMODEL_OK;
    }
    int ft = gguf_ftype_from_name(name);
    if (ft >= 0 && gguf_ftype_get(ft)->base_type != GGUF_TYPE_F32) {
        *weight_type = -1;
        *ftype = ft;
        return MKMODEL_OK;
    }
    char list[256];
    size_t pos = 0;
    for (size_t i = 0; i < N_PURE_TYPES && pos < sizeof list; i++)
        pos += (size_t)snprintf(list + pos, sizeof list - pos, "%s%s", i ? ", " : "",
                                gguf_type_name((int)PURE_TYPES[i].type));
    if (t >= 0) {
        return set_err(err, err_len, MKMODEL_ERR_UNSUPPORTED,
                       "type %s is not one the engine runs; use one of %s, or a file type such as Q4_K_M",
                       gguf_type_name(t), list);
    }
    return set_err(err, err_len, MKMODEL_ERR_INVALID,
                   "unknown type '%s'; use one of %s, or a file type such as Q4_K_M or Q5_K_M", name, list);
}

/* ------------------------------------------------------------------------ */
/* Plan: the tensor list, each tensor's type, and the checks                 */
/* ------------------------------------------------------------------------ */

typedef enum mk_kind { MK_MATRIX, MK_NORM, MK_BIAS } mk_kind;

typedef struct mk_tensor {
    char name[48];
    uint32_t n_dims;
    int64_t ne[2];          /* ne[0] = row length (input features), ne[1] = rows */
    mk_kind kind;
    gguf_type type;
    uint64_t size_bytes;
} mk_tensor;

typedef struct mk_plan {
    mkmodel_params p;       /* with defaults filled in */
    mk_tensor *tensors;
    size_t n_tensors;
    int ftype;              /* general.file_type */
    uint64_t n_params;
} mk_plan;

static void plan_free(mk_plan *pl) {
    free(pl->tensors);
    pl->tensors = NULL;
    pl->n_tensors = 0;
}

/* Append tensor "blk.<layer>.<name>", or "<name>" when layer < 0. */
static void add_t(mk_plan *pl, mk_kind kind, int64_t ne0, int64_t ne1, int layer, const char *name) {
    mk_tensor *t = &pl->tensors[pl->n_tensors++];
    if (layer >= 0) snprintf(t->name, sizeof t->name, "blk.%d.%s", layer, name);
    else snprintf(t->name, sizeof t->name, "%s", name);
    t->kind = kind;
    t->n_dims = kind == MK_MATRIX ? 2 : 1;
    t->ne[0] = ne0;
    t->ne[1] = kind == MK_MATRIX ? ne1 : 1;
}

double mkmodel_n_params(const mkmodel_params *p) {
    if (!p) return 0;
    double e = p->n_embd, hd = p->head_dim ? p->head_dim : (p->n_head ? (double)p->n_embd / p->n_head : 0);
    double q = p->n_head * hd, kv = p->n_head_kv * hd;
    double layer = 2 * e                               /* attn_norm, ffn_norm */
                 + e * q + 2 * e * kv + q * e         /* attn_q, attn_k, attn_v, attn_output */
                 + 3 * e * (double)p->n_ff;           /* ffn_gate, ffn_up, ffn_down */
    bool bias = p->qkv_bias || strcmp(p->arch, "qwen2") == 0;
    if (bias) layer += q + 2 * kv;
    return (double)p->n_vocab * e * (p->tied ? 1 : 2) + e + (double)p->n_layer * layer;
}

static mkmodel_status check_dim(const char *what, uint32_t v, uint32_t max, char *err, size_t err_len) {
    if (v == 0) return set_err(err, err_len, MKMODEL_ERR_INVALID, "%s must be > 0", what);
    if (v > max) return set_err(err, err_len, MKMODEL_ERR_INVALID, "%s %u is too large (limit %u)", what, v, max);
    return MKMODEL_OK;
}

/* Which parameter sets the row length of a tensor, for messages. */
static const char *row_dim_name(const mk_plan *pl, const mk_tensor *t) {
    if ((uint64_t)t->ne[0] == pl->p.n_embd) return "n_embd";
    if ((uint64_t)t->ne[0] == pl->p.n_ff) return "n_ff";
    return "n_head*head_dim";
}

/* Build the tensor list and types of validated dims; fills pl. */
static mkmodel_status plan_build(const mkmodel_params *in, mk_plan *pl, char *err, size_t err_len) {
    memset(pl, 0, sizeof *pl);
    mkmodel_params p = *in;
    mkmodel_status st;

    if (strcmp(p.arch, "llama") != 0 && strcmp(p.arch, "qwen2") != 0) {
        return set_err(err, err_len, MKMODEL_ERR_UNSUPPORTED, "architecture '%s': mkmodel writes llama or qwen2",
                       p.arch);
    }
    if ((st = check_dim("n_embd", p.n_embd, MKMODEL_MAX_DIM, err, err_len)) ||
        (st = check_dim("n_layer", p.n_layer, MKMODEL_MAX_LAYERS, err, err_len)) ||
        (st = check_dim("n_head", p.n_head, MKMODEL_MAX_HEADS, err, err_len)) ||
        (st = check_dim("n_head_kv", p.n_head_kv, MKMODEL_MAX_HEADS, err, err_len)) ||
        (st = check_dim("n_ff", p.n_ff, MKMODEL_MAX_DIM, err, err_len)) ||
        (st = check_dim("n_vocab", p.n_vocab, MKMODEL_MAX_DIM, err, err_len))) {
        return st;
    }
    if (p.head_dim == 0) {
        if (p.n_embd % p.n_head != 0) {
            return set_err(err, err_len, MKMODEL_ERR_INVALID,
                           "n_embd %u is not a multiple of n_head %u (give head_dim to set it explicitly)",
                           p.n_embd, p.n_head);
        }
        p.head_dim = p.n_embd / p.n_head;
    }
    if ((st = check_dim("head_dim", p.head_dim, MKMODEL_MAX_DIM, err, err_len))) return st;
    if ((uint64_t)p.n_head * p.head_dim > MKMODEL_MAX_DIM) {
        return set_err(err, err_len, MKMODEL_ERR_INVALID, "n_head*head_dim = %llu is too large (limit %u)",
                       (unsigned long long)p.n_head * p.head_dim, MKMODEL_MAX_DIM);
    }
    if (p.head_dim % 2 != 0) {
        return set_err(err, err_len, MKMODEL_ERR_INVALID, "head_dim %u must be even (RoPE rotates pairs)",
                       p.head_dim);
    }
    if (p.n_head % p.n_head_kv != 0) {
        return set_err(err, err_len, MKMODEL_ERR_INVALID, "n_head_kv %u does not divide n_head %u",
                       p.n_head_kv, p.n_head);
    }
    if (p.n_ctx == 0) p.n_ctx = 2048;
    if (p.n_ctx > MKMODEL_MAX_DIM) {
        return set_err(err, err_len, MKMODEL_ERR_INVALID, "context length %u is too large (limit %u)",
                       p.n_ctx, MKMODEL_MAX_DIM);
    }
    if (p.rope_base == 0) p.rope_base = 10000.0f;
    if (!(p.rope_base > 0) || !isfinite(p.rope_base)) {
        return set_err(err, err_len, MKMODEL_ERR_INVALID, "rope base %g must be a finite number > 0",
                       (double)p.rope_base);
    }
    if (p.rms_eps == 0) p.rms_eps = strcmp(p.arch, "qwen2") == 0 ? 1e-6f : 1e-5f;
    if (!(p.rms_eps > 0 && p.rms_eps < 1)) {
        return set_err(err, err_len, MKMODEL_ERR_INVALID, "RMS norm epsilon %g must be in (0, 1)",
                       (double)p.rms_eps);
    }
    if (strcmp(p.arch, "qwen2") == 0) p.qkv_bias = true;
    if (!p.name[0]) snprintf(p.name, sizeof p.name, "synthetic-%s", p.arch);

    pl->p = p; /* defaults filled in; messages below read it */
    double n_params = mkmodel_n_params(&p);
    if (n_params > MKMODEL_MAX_PARAMS) {
        return set_err(err, err_len, MKMODEL_ERR_INVALID, "the shape has %.3g parameters, more than the %.0e "
                       "mkmodel writes", n_params, MKMODEL_MAX_PARAMS);
    }

    /* the vocab must fit in n_vocab */
    if (p.vocab) {
        gguf_value_type et;
        uint64_t n_tok;
        if (gguf_get_arr_info(p.vocab, "tokenizer.ggml.tokens", &et, &n_tok) != GGUF_OK || et != GGUF_VAL_STRING) {
            return set_err(err, err_len, MKMODEL_ERR_INVALID, "the vocab file has no tokenizer.ggml.tokens string array");
        }
        if (n_tok > p.n_vocab) {
            return set_err(err, err_len, MKMODEL_ERR_INVALID,
                           "the vocab has %llu tokens, more than the model's n_vocab %u",
                           (unsigned long long)n_tok, p.n_vocab);
        }
    } else if (p.n_vocab < BUILTIN_FIXED_TOKENS) {
        return set_err(err, err_len, MKMODEL_ERR_INVALID, "n_vocab %u is smaller than the %u special and byte "
                       "tokens of the built-in vocab", p.n_vocab, BUILTIN_FIXED_TOKENS);
    }

    /* tensors, in convert_hf_to_gguf.py's order */
    const int64_t e = p.n_embd, q = (int64_t)p.n_head * p.head_dim, kv = (int64_t)p.n_head_kv * p.head_dim;
    size_t cap = 4 + (size_t)p.n_layer * 12;
    pl->tensors = calloc(cap, sizeof *pl->tensors);
    if (!pl->tensors) return set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for %zu tensors", cap);
    add_t(pl, MK_MATRIX, e, p.n_vocab, -1, "token_embd.weight");
    for (uint32_t l = 0; l < p.n_layer; l++) {
        int il = (int)l;
        add_t(pl, MK_NORM, e, 1, il, "attn_norm.weight");
        add_t(pl, MK_MATRIX, e, q, il, "attn_q.weight");
        if (p.qkv_bias) add_t(pl, MK_BIAS, q, 1, il, "attn_q.bias");
        add_t(pl, MK_MATRIX, e, kv, il, "attn_k.weight");
        if (p.qkv_bias) add_t(pl, MK_BIAS, kv, 1, il, "attn_k.bias");
        add_t(pl, MK_MATRIX, e, kv, il, "attn_v.weight");
        if (p.qkv_bias) add_t(pl, MK_BIAS, kv, 1, il, "attn_v.bias");
        add_t(pl, MK_MATRIX, q, e, il, "attn_output.weight");
        add_t(pl, MK_NORM, e, 1, il, "ffn_norm.weight");
        add_t(pl, MK_MATRIX, e, p.n_ff, il, "ffn_gate.weight");
        add_t(pl, MK_MATRIX, e, p.n_ff, il, "ffn_up.weight");
        add_t(pl, MK_MATRIX, p.n_ff, e, il, "ffn_down.weight");
    }
    add_t(pl, MK_NORM, e, 1, -1, "output_norm.weight");
    if (!p.tied) add_t(pl, MK_MATRIX, e, p.n_vocab, -1, "output.weight");

    /* types */
    if (p.weight_type >= 0) {
        pl->ftype = pure_ftype(p.weight_type);
        if (pl->ftype < 0) {
            plan_free(pl);
            return set_err(err, err_len, MKMODEL_ERR_UNSUPPORTED, "weight type %s is not one the engine runs",
                           gguf_type_name(p.weight_type) ? gguf_type_name(p.weight_type) : "(invalid)");
        }
        for (size_t i = 0; i < pl->n_tensors; i++)
            pl->tensors[i].type = pl->tensors[i].kind == MK_MATRIX ? (gguf_type)p.weight_type : GGUF_TYPE_F32;
    } else {
        if (!gguf_ftype_get(p.ftype)) {
            plan_free(pl);
            return set_err(err, err_len, MKMODEL_ERR_INVALID, "invalid file type %d", p.ftype);
        }
        pl->ftype = p.ftype;
        gguf_plan_tensor *pt = calloc(pl->n_tensors, sizeof *pt);
        gguf_type *types = calloc(pl->n_tensors, sizeof *types);
        if (!pt || !types) {
            free(pt);
            free(types);
            plan_free(pl);
            return set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < pl->n_tensors; i++) {
            pt[i].name = pl->tensors[i].name;
            pt[i].n_dims = pl->tensors[i].n_dims;
            pt[i].ne[0] = pl->tensors[i].ne[0];
            pt[i].ne[1] = pl->tensors[i].ne[1];
            pt[i].ne[2] = pt[i].ne[3] = 1;
        }
        gguf_plan_model pm = {
            .arch = p.arch, .n_layer = p.n_layer, .n_head = p.n_head, .n_head_kv = p.n_head_kv,
            .n_expert = 0, .has_output = !p.tied,
            /* llama.cpp LLM_TYPE_70B: llama with 80 layers */
            .is_70b = strcmp(p.arch, "llama") == 0 && p.n_layer == 80,
        };
        bool ok = gguf_plan_types(p.ftype, &pm, pt, pl->n_tensors, types);
        for (size_t i = 0; ok && i < pl->n_tensors; i++) pl->tensors[i].type = types[i];
        free(pt);
        free(types);
        if (!ok) {
            plan_free(pl);
            return set_err(err, err_len, MKMODEL_ERR_INVALID, "cannot plan file type %s", gguf_ftype_name(p.ftype));
        }
    }

    /* every row whole blocks, a quantizer for every type, sizes */
    uint64_t total = 0;
    for (size_t i = 0; i < pl->n_tensors; i++) {
        mk_tensor *t = &pl->tensors[i];
        const gguf_type_info *ti = gguf_type_get((int)t->type);
        bool ok;
        t->size_bytes = gguf_type_tensor_bytes((int)t->type, (uint64_t)t->ne[0],
                                               (uint64_t)t->ne[0] * (uint64_t)t->ne[1], &ok);
        if (!ok) {
            mkmodel_status s2 = set_err(err, err_len, MKMODEL_ERR_INVALID,
                                        "%s %lld is not a multiple of the %s block size %u (rows of %s are whole blocks)",
                                        row_dim_name(pl, t), (long long)t->ne[0], gguf_type_name((int)t->type),
                                        ti ? ti->block_elems : 0, t->name);
            plan_free(pl);
            return s2;
        }
        if (t->type != GGUF_TYPE_F32 && (!ti || !ti->from_float)) {
            mkmodel_status s2 = set_err(err, err_len, MKMODEL_ERR_UNSUPPORTED,
                                        "no %s quantizer in this build (needed for %s)",
                                        gguf_type_name((int)t->type), t->name);
            plan_free(pl);
            return s2;
        }
        total += (uint64_t)t->ne[0] * (uint64_t)t->ne[1];
    }
    pl->n_params = total;
    pl->p = p;
    return MKMODEL_OK;
}

mkmodel_status mkmodel_validate(mkmodel_params *p, char *err, size_t err_len) {
    if (!p) return set_err(err, err_len, MKMODEL_ERR_INVALID, "no parameters");
    mk_plan pl;
    mkmodel_status st = plan_build(p, &pl, err, err_len);
    if (st != MKMODEL_OK) return st;
    *p = pl.p;
    plan_free(&pl);
    return MKMODEL_OK;
}

/* ------------------------------------------------------------------------ */
/* Random numbers                                                            */
/* ------------------------------------------------------------------------ */

/* SplitMix64 output function (Vigna): a bijective 64-bit mix. */
static uint64_t mix64(uint64_t z) {
    z += UINT64_C(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

typedef struct mk_rng { uint64_t s[4]; } mk_rng;

static uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* xoshiro256** next output. */
static uint64_t rng_next(mk_rng *r) {
    uint64_t *s = r->s;
    const uint64_t out = rotl64(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl64(s[3], 45);
    return out;
}

/* The stream of row `row` of tensor `tensor`: independent of thread count. */
static void rng_seed(mk_rng *r, uint64_t seed, uint64_t tensor, uint64_t row) {
    uint64_t x = mix64(mix64(mix64(seed) ^ tensor) ^ row);
    for (int k = 0; k < 4; k++) {
        x = mix64(x);
        r->s[k] = x;
    }
}

/* n values of N(0, std^2): the polar Box-Muller method, one 64-bit draw per
 * candidate pair (two signed 32-bit halves scaled to [-1, 1)), two values per
 * accepted pair (acceptance pi/4). Float arithmetic: ample for weights, and
 * twice the speed of double. */
static void rng_normal(mk_rng *r, float *y, int64_t n, float std) {
    int64_t i = 0;
    while (i < n) {
        float u, v, s;
        do {
            uint64_t x = rng_next(r);
            u = (float)(int32_t)(uint32_t)x * (1.0f / 2147483648.0f);          /* 2^31 */
            v = (float)(int32_t)(uint32_t)(x >> 32) * (1.0f / 2147483648.0f);
            s = u * u + v * v;
        } while (s >= 1.0f || s == 0.0f);
        float f = sqrtf(-2.0f * logf(s) / s) * std;
        y[i++] = u * f;
        if (i < n) y[i++] = v * f;
    }
}

/* ------------------------------------------------------------------------ */
/* Output sink: a file descriptor or a preallocated buffer                   */
/* ------------------------------------------------------------------------ */

typedef struct mk_sink {
    int fd;                 /* >= 0: write here */
    uint8_t *mem;           /* else copy here */
    uint64_t mem_len;
    uint64_t pos;           /* bytes written so far */
    int err_no;             /* errno of a failed write; 0 = none */
    bool failed;
} mk_sink;

static bool sink_write(mk_sink *s, const void *data, uint64_t n) {
    if (s->failed) return false;
    if (s->fd < 0) {
        if (n > s->mem_len - s->pos) { s->failed = true; s->err_no = ENOSPC; return false; }
        if (data) memcpy(s->mem + s->pos, data, (size_t)n);
        else memset(s->mem + s->pos, 0, (size_t)n);
        s->pos += n;
        return true;
    }
    static const uint8_t zeros[64];
    const uint8_t *p = data;
    while (n > 0) {
        size_t k = data ? (size_t)(n > (1u << 30) ? (1u << 30) : n) : (size_t)(n > sizeof zeros ? sizeof zeros : n);
        ssize_t w = write(s->fd, data ? (const void *)p : (const void *)zeros, k);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { s->failed = true; s->err_no = w < 0 ? errno : EIO; return false; }
        if (data) p += w;
        n -= (uint64_t)w;
        s->pos += (uint64_t)w;
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Tokenizer metadata                                                        */
/* ------------------------------------------------------------------------ */

/* A growable set of NUL-terminated strings (token pieces). */
typedef struct str_list {
    char **v;
    size_t n, cap;
    char *arena;
    size_t arena_len, arena_cap;
    size_t *offs;           /* offsets into arena until finished */
} str_list;

static bool sl_push(str_list *l, const char *s, size_t len) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 1024;
        size_t *p = realloc(l->offs, cap * sizeof *p);
        if (!p) return false;
        l->offs = p;
        l->cap = cap;
    }
    if (l->arena_len + len + 1 > l->arena_cap) {
        size_t cap = l->arena_cap ? l->arena_cap * 2 : 65536;
        while (cap < l->arena_len + len + 1) cap *= 2;
        char *p = realloc(l->arena, cap);
        if (!p) return false;
        l->arena = p;
        l->arena_cap = cap;
    }
    memcpy(l->arena + l->arena_len, s, len);
    l->arena[l->arena_len + len] = '\0';
    l->offs[l->n++] = l->arena_len;
    l->arena_len += len + 1;
    return true;
}

/* Pointers into the arena (valid until sl_free). */
static bool sl_finish(str_list *l) {
    l->v = malloc((l->n ? l->n : 1) * sizeof *l->v);
    if (!l->v) return false;
    for (size_t i = 0; i < l->n; i++) l->v[i] = l->arena + l->offs[i];
    return true;
}

static void sl_free(str_list *l) {
    free(l->v);
    free(l->arena);
    free(l->offs);
    memset(l, 0, sizeof *l);
}

/* U+2581 LOWER ONE EIGHTH BLOCK: SentencePiece's word-boundary marker. */
static const char SPM_SPACE[] = "\xe2\x96\x81";

/* The built-in vocab, n_vocab entries: <unk> <s> </s>, the 256 byte tokens
 * <0x00>..<0xFF> (type byte), "▁", the printable ASCII characters, then
 * lower-case pieces and their "▁"-prefixed forms by length (a..z, ▁a..▁z,
 * aa, ▁aa, ...), so every piece's prefixes are pieces too and SPM merging
 * reaches all of them. Scores fall with the index (earlier pieces merge
 * first); special and byte tokens score 0. */
static bool builtin_vocab(uint32_t n_vocab, str_list *tok, float *scores, int32_t *types) {
    char buf[64];
    uint32_t n = 0;
#define PUSH(s, len, ty, sc)                           \
    do {                                               \
        if (n >= n_vocab) return true;                 \
        if (!sl_push(tok, (s), (len))) return false;   \
        types[n] = (ty);                               \
        scores[n] = (sc);                              \
        n++;                                           \
    } while (0)
    PUSH("<unk>", 5, TOK_UNKNOWN, 0.0f);
    PUSH("<s>", 3, TOK_CONTROL, 0.0f);
    PUSH("</s>", 4, TOK_CONTROL, 0.0f);
    for (int b = 0; b < 256; b++) {
        int len = snprintf(buf, sizeof buf, "<0x%02X>", b);
        PUSH(buf, (size_t)len, TOK_BYTE, 0.0f);
    }
    PUSH(SPM_SPACE, 3, TOK_NORMAL, -(float)n);
    for (int c = 0x21; c < 0x7f; c++) {
        buf[0] = (char)c;
        PUSH(buf, 1, TOK_NORMAL, -(float)n);
    }
    /* pieces of length L over a..z, each alone (L >= 2) and after "▁" */
    for (int len = 1; len <= 12; len++) {
        int digits[12] = {0};
        for (;;) {
            char piece[16];
            for (int k = 0; k < len; k++) piece[k] = (char)('a' + digits[k]);
            if (len >= 2) PUSH(piece, (size_t)len, TOK_NORMAL, -(float)n);
            memcpy(buf, SPM_SPACE, 3);
            memcpy(buf + 3, piece, (size_t)len);
            PUSH(buf, (size_t)len + 3, TOK_NORMAL, -(float)n);
            int k = len - 1;
            while (k >= 0 && ++digits[k] == 26) digits[k--] = 0;
            if (k < 0) break;
        }
    }
#undef PUSH
    return n == n_vocab;
}

static bool starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* tokenizer.* keys of p->vocab into w, token arrays padded to n_vocab. */
static mkmodel_status copy_vocab(gguf_writer *w, const mkmodel_params *p, char *err, size_t err_len) {
    const gguf_ctx *v = p->vocab;
    for (int64_t i = 0; i < gguf_n_kv(v); i++) {
        const char *key = gguf_kv_key(v, i);
        if (!starts_with(key, "tokenizer.")) continue;
        if (!gguf_writer_copy_kv(w, v, i)) return set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory copying %s", key);
    }
    uint64_t n_tok = 0;
    gguf_value_type et;
    gguf_get_arr_info(v, "tokenizer.ggml.tokens", &et, &n_tok); /* checked in plan_build */
    if (n_tok == p->n_vocab) return MKMODEL_OK;

    /* pad: "<unused_N>" tokens of type unused with a score no merge picks */
    const uint64_t n_pad = p->n_vocab - n_tok;
    mkmodel_status st = MKMODEL_OK;
    str_list tok = {0};
    float *scores = NULL;
    int32_t *types = NULL;
    for (uint64_t i = 0; i < n_tok && st == MKMODEL_OK; i++) {
        const char *s;
        uint64_t len;
        gguf_get_arr_str(v, "tokenizer.ggml.tokens", i, &s, &len);
        if (memchr(s, 0, (size_t)len)) {
            st = set_err(err, err_len, MKMODEL_ERR_INVALID, "vocab token %llu contains a NUL byte; cannot pad it",
                         (unsigned long long)i);
        } else if (!sl_push(&tok, s, (size_t)len)) {
            st = set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for tokens");
        }
    }
    for (uint64_t i = 0; i < n_pad && st == MKMODEL_OK; i++) {
        char buf[32];
        int len = snprintf(buf, sizeof buf, "<unused_%llu>", (unsigned long long)i);
        if (!sl_push(&tok, buf, (size_t)len)) st = set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for tokens");
    }
    if (st == MKMODEL_OK && (!sl_finish(&tok) ||
                             !gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)tok.v, tok.n))) {
        st = set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for tokens");
    }
    uint64_t n_arr;
    if (st == MKMODEL_OK && gguf_get_arr_info(v, "tokenizer.ggml.scores", &et, &n_arr) == GGUF_OK &&
        (et == GGUF_VAL_FLOAT32 || et == GGUF_VAL_FLOAT64)) {
        scores = malloc((size_t)p->n_vocab * sizeof *scores);
        if (!scores) st = set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for scores");
        for (uint64_t i = 0; st == MKMODEL_OK && i < p->n_vocab; i++) {
            double d = PAD_SCORE;
            if (i < n_arr) gguf_get_arr_float(v, "tokenizer.ggml.scores", i, &d);
            scores[i] = (float)d;
        }
        if (st == MKMODEL_OK && !gguf_writer_set_arr_f32(w, "tokenizer.ggml.scores", scores, p->n_vocab))
            st = set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for scores");
    }
    if (st == MKMODEL_OK && gguf_get_arr_info(v, "tokenizer.ggml.token_type", &et, &n_arr) == GGUF_OK &&
        et != GGUF_VAL_STRING && et != GGUF_VAL_FLOAT32 && et != GGUF_VAL_FLOAT64) {
        types = malloc((size_t)p->n_vocab * sizeof *types);
        if (!types) st = set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for token types");
        for (uint64_t i = 0; st == MKMODEL_OK && i < p->n_vocab; i++) {
            int64_t t = TOK_UNUSED;
            if (i < n_arr) gguf_get_arr_int(v, "tokenizer.ggml.token_type", i, &t);
            types[i] = (int32_t)t;
        }
        if (st == MKMODEL_OK && !gguf_writer_set_arr_i32(w, "tokenizer.ggml.token_type", types, p->n_vocab))
            st = set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for token types");
    }
    sl_free(&tok);
    free(scores);
    free(types);
    return st;
}

static mkmodel_status write_builtin_vocab(gguf_writer *w, uint32_t n_vocab, char *err, size_t err_len) {
    str_list tok = {0};
    float *scores = malloc((size_t)n_vocab * sizeof *scores);
    int32_t *types = malloc((size_t)n_vocab * sizeof *types);
    bool ok = scores && types && builtin_vocab(n_vocab, &tok, scores, types) && sl_finish(&tok);
    ok = ok && gguf_writer_set_str(w, "tokenizer.ggml.model", "llama") &&
         gguf_writer_set_str(w, "tokenizer.ggml.pre", "default") &&
         gguf_writer_set_arr_str(w, "tokenizer.ggml.tokens", (const char *const *)tok.v, tok.n) &&
         gguf_writer_set_arr_f32(w, "tokenizer.ggml.scores", scores, n_vocab) &&
         gguf_writer_set_arr_i32(w, "tokenizer.ggml.token_type", types, n_vocab) &&
         gguf_writer_set_u32(w, "tokenizer.ggml.bos_token_id", 1) &&
         gguf_writer_set_u32(w, "tokenizer.ggml.eos_token_id", 2) &&
         gguf_writer_set_u32(w, "tokenizer.ggml.unknown_token_id", 0) &&
         gguf_writer_set_bool(w, "tokenizer.ggml.add_bos_token", true) &&
         gguf_writer_set_bool(w, "tokenizer.ggml.add_eos_token", false);
    sl_free(&tok);
    free(scores);
    free(types);
    return ok ? MKMODEL_OK : set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for the vocab");
}

/* ------------------------------------------------------------------------ */
/* Header                                                                    */
/* ------------------------------------------------------------------------ */

static mkmodel_status build_header(const mk_plan *pl, gguf_writer **out, char *err, size_t err_len) {
    const mkmodel_params *p = &pl->p;
    gguf_writer *w = gguf_writer_create();
    if (!w) return set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory");
    char k[128];
    bool ok = true;
#define KEY(suffix) (snprintf(k, sizeof k, "%s.%s", p->arch, suffix), k)
    ok = ok && gguf_writer_set_str(w, "general.architecture", p->arch);
    ok = ok && gguf_writer_set_str(w, "general.name", p->name);
    ok = ok && gguf_writer_set_u32(w, "general.file_type", (uint32_t)pl->ftype);
    ok = ok && gguf_writer_set_u32(w, KEY("vocab_size"), p->n_vocab);
    ok = ok && gguf_writer_set_u32(w, KEY("context_length"), p->n_ctx);
    ok = ok && gguf_writer_set_u32(w, KEY("embedding_length"), p->n_embd);
    ok = ok && gguf_writer_set_u32(w, KEY("block_count"), p->n_layer);
    ok = ok && gguf_writer_set_u32(w, KEY("feed_forward_length"), p->n_ff);
    ok = ok && gguf_writer_set_u32(w, KEY("attention.head_count"), p->n_head);
    ok = ok && gguf_writer_set_u32(w, KEY("attention.head_count_kv"), p->n_head_kv);
    if (p->head_dim * p->n_head != p->n_embd) {
        ok = ok && gguf_writer_set_u32(w, KEY("attention.key_length"), p->head_dim);
        ok = ok && gguf_writer_set_u32(w, KEY("attention.value_length"), p->head_dim);
    }
    ok = ok && gguf_writer_set_u32(w, KEY("rope.dimension_count"), p->head_dim);
    ok = ok && gguf_writer_set_f32(w, KEY("rope.freq_base"), p->rope_base);
    ok = ok && gguf_writer_set_f32(w, KEY("attention.layer_norm_rms_epsilon"), p->rms_eps);
#undef KEY
    if (!ok) {
        gguf_writer_free(w);
        return set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory");
    }
    mkmodel_status st = p->vocab ? copy_vocab(w, p, err, err_len) : write_builtin_vocab(w, p->n_vocab, err, err_len);
    for (size_t i = 0; st == MKMODEL_OK && i < pl->n_tensors; i++) {
        const mk_tensor *t = &pl->tensors[i];
        if (!gguf_writer_add_tensor_info(w, t->name, t->type, t->n_dims, t->ne))
            st = set_err(err, err_len, MKMODEL_ERR_NOMEM, "cannot add tensor %s", t->name);
    }
    if (st != MKMODEL_OK) {
        gguf_writer_free(w);
        return st;
    }
    *out = w;
    return MKMODEL_OK;
}

/* ------------------------------------------------------------------------ */
/* Data                                                                      */
/* ------------------------------------------------------------------------ */

/* One worker's share of a chunk: rows [row_begin, row_end) of one tensor. */
typedef struct mk_work {
    const mk_tensor *t;
    uint64_t tensor_index;
    uint64_t seed;
    uint64_t row_begin, row_end;
    uint64_t chunk_row0;    /* first row of the chunk: its bytes start at out */
    uint64_t row_bytes;
    uint8_t *out;
    float *scratch;         /* ne[0] floats */
} mk_work;

static void fill_rows(const mk_work *wk) {
    const mk_tensor *t = wk->t;
    const int64_t ne0 = t->ne[0];
    const float std = (float)(1.0 / sqrt((double)ne0)); /* fan_in: N(0, 1/in) */
    const gguf_type_info *ti = gguf_type_get((int)t->type);
    for (uint64_t r = wk->row_begin; r < wk->row_end; r++) {
        mk_rng rng;
        rng_seed(&rng, wk->seed, wk->tensor_index, r);
        rng_normal(&rng, wk->scratch, ne0, std);
        uint8_t *dst = wk->out + (r - wk->chunk_row0) * wk->row_bytes;
        if (t->type == GGUF_TYPE_F32) memcpy(dst, wk->scratch, (size_t)ne0 * sizeof(float));
        else ti->from_float(wk->scratch, dst, ne0);
    }
}

static void *fill_rows_thread(void *arg) {
    fill_rows(arg);
    return NULL;
}

/* Rows [row0, row1) of a matrix into out, split over n_threads workers. */
static void fill_chunk(mk_work *works, uint32_t n_threads, const mk_tensor *t, uint64_t tensor_index,
                       uint64_t seed, uint64_t row0, uint64_t row1, uint64_t row_bytes, uint8_t *out) {
    uint64_t n_rows = row1 - row0;
    uint32_t n_w = n_threads;
    if (n_w > n_rows) n_w = (uint32_t)n_rows;
    pthread_t tids[256];
    bool started[256] = {false};
    for (uint32_t k = 0; k < n_w; k++) {
        mk_work *wk = &works[k];
        wk->t = t;
        wk->tensor_index = tensor_index;
        wk->seed = seed;
        wk->row_begin = row0 + n_rows * k / n_w;
        wk->row_end = row0 + n_rows * (k + 1) / n_w;
        wk->chunk_row0 = row0;
        wk->row_bytes = row_bytes;
        wk->out = out;
        if (k > 0) started[k] = pthread_create(&tids[k], NULL, fill_rows_thread, wk) == 0;
    }
    fill_rows(&works[0]);
    for (uint32_t k = 1; k < n_w; k++) {
        if (started[k]) pthread_join(tids[k], NULL);
        else fill_rows(&works[k]); /* no thread: do its share here */
    }
}

static uint32_t pick_threads(uint32_t requested) {
    long n = requested ? (long)requested : sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    if (n > 256) n = 256;
    return (uint32_t)n;
}

/* Every tensor's data, padded to the alignment, into the sink. */
static mkmodel_status write_data(const mk_plan *pl, uint32_t alignment, mk_sink *sink, char *err, size_t err_len) {
    uint32_t n_threads = pick_threads(pl->p.n_threads);
    int64_t max_ne0 = 1;
    uint64_t max_row_bytes = 1;
    for (size_t i = 0; i < pl->n_tensors; i++) {
        const mk_tensor *t = &pl->tensors[i];
        if (t->ne[0] > max_ne0) max_ne0 = t->ne[0];
        uint64_t rb = t->size_bytes / (uint64_t)t->ne[1];
        if (rb > max_row_bytes) max_row_bytes = rb;
    }
    /* each worker needs a row of output and a row of floats: keep that under
     * WORK_BYTES_MAX in all (only absurd row lengths come near it) */
    uint64_t per_thread = max_row_bytes + (uint64_t)max_ne0 * sizeof(float);
    if ((uint64_t)n_threads * per_thread > WORK_BYTES_MAX) {
        uint64_t fit = WORK_BYTES_MAX / per_thread;
        n_threads = fit > 0 ? (uint32_t)fit : 1;
    }
    /* a chunk holds CHUNK_BYTES of output, but at least one row per thread */
    uint64_t chunk_cap = CHUNK_BYTES;
    if (chunk_cap < max_row_bytes * n_threads) chunk_cap = max_row_bytes * n_threads;
    uint8_t *chunk = malloc((size_t)chunk_cap);
    float *scratch = malloc((size_t)max_ne0 * n_threads * sizeof(float));
    mk_work *works = calloc(n_threads, sizeof *works);
    mkmodel_status st = MKMODEL_OK;
    if (!chunk || !scratch || !works) st = set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for a %llu-byte chunk",
                                                  (unsigned long long)chunk_cap);
    for (uint32_t k = 0; works && scratch && k < n_threads; k++) works[k].scratch = scratch + (size_t)max_ne0 * k;

    for (size_t i = 0; st == MKMODEL_OK && i < pl->n_tensors; i++) {
        const mk_tensor *t = &pl->tensors[i];
        const uint64_t n_rows = (uint64_t)t->ne[1], row_bytes = t->size_bytes / n_rows;
        if (t->kind == MK_MATRIX) {
            const uint64_t rows_per_chunk = chunk_cap / row_bytes;
            for (uint64_t r0 = 0; r0 < n_rows && !sink->failed; r0 += rows_per_chunk) {
                uint64_t r1 = r0 + rows_per_chunk < n_rows ? r0 + rows_per_chunk : n_rows;
                fill_chunk(works, n_threads, t, i, pl->p.seed, r0, r1, row_bytes, chunk);
                sink_write(sink, chunk, (r1 - r0) * row_bytes);
            }
        } else {
            /* 1-D F32: norms 1.0, biases N(0, 0.02^2); ne0 floats fit the scratch */
            float *v = works[0].scratch;
            if (t->kind == MK_NORM) {
                for (int64_t k = 0; k < t->ne[0]; k++) v[k] = 1.0f;
            } else {
                mk_rng rng;
                rng_seed(&rng, pl->p.seed, i, 0);
                rng_normal(&rng, v, t->ne[0], BIAS_STD);
            }
            sink_write(sink, v, t->size_bytes);
        }
        sink_write(sink, NULL, (alignment - t->size_bytes % alignment) % alignment);
    }
    free(chunk);
    free(scratch);
    free(works);
    return st;
}

/* ------------------------------------------------------------------------ */
/* Entry points                                                              */
/* ------------------------------------------------------------------------ */

/* Plan, header and total size: everything before the data is written. */
typedef struct mk_job {
    mk_plan plan;
    uint8_t *header;
    size_t header_len;
    uint32_t alignment;
    uint64_t file_bytes;
    uint64_t tensor_bytes;
} mk_job;

static void job_free(mk_job *j) {
    plan_free(&j->plan);
    free(j->header);
    j->header = NULL;
}

static mkmodel_status job_prepare(const mkmodel_params *params, mk_job *j, char *err, size_t err_len) {
    memset(j, 0, sizeof *j);
    if (err && err_len) err[0] = '\0';
    if (!params) return set_err(err, err_len, MKMODEL_ERR_INVALID, "no parameters");
    mkmodel_status st = plan_build(params, &j->plan, err, err_len);
    if (st != MKMODEL_OK) return st;
    gguf_writer *w = NULL;
    st = build_header(&j->plan, &w, err, err_len);
    if (st != MKMODEL_OK) {
        job_free(j);
        return st;
    }
    j->alignment = gguf_writer_alignment(w);
    bool ok = gguf_writer_header_to_memory(w, &j->header, &j->header_len);
    gguf_writer_free(w);
    if (!ok) {
        job_free(j);
        return set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for the header");
    }
    j->file_bytes = j->header_len;
    for (size_t i = 0; i < j->plan.n_tensors; i++) {
        uint64_t b = j->plan.tensors[i].size_bytes;
        j->tensor_bytes += b;
        j->file_bytes += b + (j->alignment - b % j->alignment) % j->alignment;
    }
    return MKMODEL_OK;
}

static void fill_result(const mk_job *j, mkmodel_result *res) {
    if (!res) return;
    res->n_params = j->plan.n_params;
    res->n_tensors = j->plan.n_tensors;
    res->tensor_bytes = j->tensor_bytes;
    res->file_bytes = j->file_bytes;
    res->ftype = j->plan.ftype;
}

mkmodel_status mkmodel_write_memory(const mkmodel_params *params, uint8_t **out, size_t *len,
                                    mkmodel_result *res, char *err, size_t err_len) {
    if (!out || !len) return set_err(err, err_len, MKMODEL_ERR_INVALID, "no output buffer");
    *out = NULL;
    *len = 0;
    mk_job j;
    mkmodel_status st = job_prepare(params, &j, err, err_len);
    if (st != MKMODEL_OK) return st;
    if (j.file_bytes > SIZE_MAX) {
        job_free(&j);
        return set_err(err, err_len, MKMODEL_ERR_NOMEM, "a %llu-byte model does not fit in memory",
                       (unsigned long long)j.file_bytes);
    }
    mk_sink sink = {.fd = -1, .mem = malloc((size_t)j.file_bytes), .mem_len = j.file_bytes};
    if (!sink.mem) {
        job_free(&j);
        return set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory for a %llu-byte model",
                       (unsigned long long)j.file_bytes);
    }
    sink_write(&sink, j.header, j.header_len);
    st = write_data(&j.plan, j.alignment, &sink, err, err_len);
    if (st == MKMODEL_OK && (sink.failed || sink.pos != j.file_bytes)) {
        st = set_err(err, err_len, MKMODEL_ERR_NOMEM, "internal size mismatch (%llu of %llu bytes)",
                     (unsigned long long)sink.pos, (unsigned long long)j.file_bytes);
    }
    if (st == MKMODEL_OK) {
        *out = sink.mem;
        *len = (size_t)j.file_bytes;
        fill_result(&j, res);
    } else {
        free(sink.mem);
    }
    job_free(&j);
    return st;
}

mkmodel_status mkmodel_write_file(const mkmodel_params *params, const char *path,
                                  mkmodel_result *res, char *err, size_t err_len) {
    if (!path || !path[0]) return set_err(err, err_len, MKMODEL_ERR_INVALID, "no output path");
    mk_job j;
    mkmodel_status st = job_prepare(params, &j, err, err_len);
    if (st != MKMODEL_OK) return st;

    /* temp file beside the target, so rename() stays on one filesystem */
    static const char suffix[] = ".tmp.XXXXXX";
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof suffix);
    if (!tmp) {
        job_free(&j);
        return set_err(err, err_len, MKMODEL_ERR_NOMEM, "out of memory");
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, suffix, sizeof suffix);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        st = set_err(err, err_len, MKMODEL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
        free(tmp);
        job_free(&j);
        return st;
    }
    mk_sink sink = {.fd = fd};
    sink_write(&sink, j.header, j.header_len);
    st = write_data(&j.plan, j.alignment, &sink, err, err_len);
    if (st == MKMODEL_OK && sink.failed) {
        st = set_err(err, err_len, MKMODEL_ERR_IO, "cannot write '%s': %s", path, strerror(sink.err_no));
    }
    if (st == MKMODEL_OK && (fchmod(fd, 0644) != 0 || fsync(fd) != 0)) {
        st = set_err(err, err_len, MKMODEL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    }
    if (close(fd) != 0 && st == MKMODEL_OK) {
        st = set_err(err, err_len, MKMODEL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    }
    if (st == MKMODEL_OK && rename(tmp, path) != 0) {
        st = set_err(err, err_len, MKMODEL_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    }
    if (st != MKMODEL_OK) unlink(tmp);
    else fill_result(&j, res);
    free(tmp);
    job_free(&j);
    return st;
}
