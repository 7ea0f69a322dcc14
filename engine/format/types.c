/* types.c - the GGUF tensor-type table, the llama.cpp file-type table, and the
 * quantization plan (which type llama-quantize gives each tensor).
 *
 * Sources (facts only; the code is ours):
 *   - ggml `ggml.h` enum ggml_type and the block structs of `ggml-common.h`
 *     (the block layout of every row is quoted beside it below);
 *   - llama.cpp `include/llama.h` enum llama_ftype and the option table of
 *     `tools/quantize/quantize.cpp` (names, and the Llama-3-8B size / perplexity
 *     figures used to order file types by quality);
 *   - llama.cpp `src/llama-quant.cpp` (2025): llama_tensor_get_type() and the
 *     "quantize this tensor?" test in llama_model_quantize_impl().
 */
#include "types.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Tensor types                                                              */
/* ------------------------------------------------------------------------ */

/* QK_K = 256 is the super-block of the k-quants, i-quants and t-quants;
 * "half" is a 2-byte IEEE binary16 (ggml_half). Each row's byte count is the
 * sizeof of the ggml block struct whose fields are listed beside it. */
static const gguf_type_info TYPE_TABLE[GGUF_TYPE_COUNT] = {
    [GGUF_TYPE_F32]     = {"f32",       1,   4, false, /* float */
                           gguf_to_float_f32, gguf_from_float_f32, gguf_vec_dot_f32, GGUF_TYPE_F32},
    [GGUF_TYPE_F16]     = {"f16",       1,   2, false, /* half */
                           gguf_to_float_f16, gguf_from_float_f16, gguf_vec_dot_f16, GGUF_TYPE_F16},
    [GGUF_TYPE_Q4_0]    = {"q4_0",     32,  18, true, /* block_q4_0: half d; u8 qs[16] */
                           gguf_to_float_q4_0, gguf_from_float_q4_0, gguf_vec_dot_q4_0_q8_0, GGUF_TYPE_Q8_0},
    [GGUF_TYPE_Q4_1]    = {"q4_1",     32,  20, true, /* block_q4_1: half d, m; u8 qs[16] */
                           gguf_to_float_q4_1, gguf_from_float_q4_1, gguf_vec_dot_q4_1_q8_1, GGUF_TYPE_Q8_1},
    [GGUF_TYPE_Q5_0]    = {"q5_0",     32,  22, true, /* block_q5_0: half d; u8 qh[4]; u8 qs[16] */
                           gguf_to_float_q5_0, gguf_from_float_q5_0, gguf_vec_dot_q5_0_q8_0, GGUF_TYPE_Q8_0},
    [GGUF_TYPE_Q5_1]    = {"q5_1",     32,  24, true, /* block_q5_1: half d, m; u8 qh[4]; u8 qs[16] */
                           gguf_to_float_q5_1, gguf_from_float_q5_1, gguf_vec_dot_q5_1_q8_1, GGUF_TYPE_Q8_1},
    [GGUF_TYPE_Q8_0]    = {"q8_0",     32,  34, true, /* block_q8_0: half d; i8 qs[32] */
                           gguf_to_float_q8_0, gguf_from_float_q8_0, gguf_vec_dot_q8_0_q8_0, GGUF_TYPE_Q8_0},
    [GGUF_TYPE_Q8_1]    = {"q8_1",     32,  36, true, /* block_q8_1: half d, s; i8 qs[32] */
                           gguf_to_float_q8_1, gguf_from_float_q8_1, NULL, GGUF_TYPE_F32},
    [GGUF_TYPE_Q2_K]    = {"q2_K",    256,  84, true},  /* block_q2_K: u8 scales[16]; u8 qs[64]; half d, dmin */
    [GGUF_TYPE_Q3_K]    = {"q3_K",    256, 110, true},  /* block_q3_K: u8 hmask[32]; u8 qs[64]; u8 scales[12]; half d */
    [GGUF_TYPE_Q4_K]    = {"q4_K",    256, 144, true, /* block_q4_K: half d, dmin; u8 scales[12]; u8 qs[128] */
                           gguf_to_float_q4_K, gguf_from_float_q4_K, gguf_vec_dot_q4_K_q8_K, GGUF_TYPE_Q8_K},
    [GGUF_TYPE_Q5_K]    = {"q5_K",    256, 176, true, /* block_q5_K: half d, dmin; u8 scales[12]; u8 qh[32]; u8 qs[128] */
                           gguf_to_float_q5_K, gguf_from_float_q5_K, gguf_vec_dot_q5_K_q8_K, GGUF_TYPE_Q8_K},
    [GGUF_TYPE_Q6_K]    = {"q6_K",    256, 210, true, /* block_q6_K: u8 ql[128]; u8 qh[64]; i8 scales[16]; half d */
                           gguf_to_float_q6_K, gguf_from_float_q6_K, gguf_vec_dot_q6_K_q8_K, GGUF_TYPE_Q8_K},
    [GGUF_TYPE_Q8_K]    = {"q8_K",    256, 292, true, /* block_q8_K: float d; i8 qs[256]; i16 bsums[16] */
                           gguf_to_float_q8_K, gguf_from_float_q8_K, NULL, GGUF_TYPE_F32},
    [GGUF_TYPE_IQ2_XXS] = {"iq2_xxs", 256,  66, true},  /* block_iq2_xxs: half d; u16 qs[32] */
    [GGUF_TYPE_IQ2_XS]  = {"iq2_xs",  256,  74, true},  /* block_iq2_xs: half d; u16 qs[32]; u8 scales[8] */
    [GGUF_TYPE_IQ3_XXS] = {"iq3_xxs", 256,  98, true},  /* block_iq3_xxs: half d; u8 qs[96] */
    [GGUF_TYPE_IQ1_S]   = {"iq1_s",   256,  50, true},  /* block_iq1_s: half d; u8 qs[32]; u16 qh[8] */
    [GGUF_TYPE_IQ4_NL]  = {"iq4_nl",   32,  18, true},  /* block_iq4_nl: half d; u8 qs[16] */
    [GGUF_TYPE_IQ3_S]   = {"iq3_s",   256, 110, true},  /* block_iq3_s: half d; u8 qs[64]; u8 qh[8]; u8 signs[32]; u8 scales[4] */
    [GGUF_TYPE_IQ2_S]   = {"iq2_s",   256,  82, true},  /* block_iq2_s: half d; u8 qs[64]; u8 qh[8]; u8 scales[8] */
    [GGUF_TYPE_IQ4_XS]  = {"iq4_xs",  256, 136, true},  /* block_iq4_xs: half d; u16 scales_h; u8 scales_l[4]; u8 qs[128] */
    [GGUF_TYPE_I8]      = {"i8",        1,   1, false}, /* int8_t */
    [GGUF_TYPE_I16]     = {"i16",       1,   2, false}, /* int16_t */
    [GGUF_TYPE_I32]     = {"i32",       1,   4, false}, /* int32_t */
    [GGUF_TYPE_I64]     = {"i64",       1,   8, false}, /* int64_t */
    [GGUF_TYPE_F64]     = {"f64",       1,   8, false}, /* double */
    [GGUF_TYPE_IQ1_M]   = {"iq1_m",   256,  56, true},  /* block_iq1_m: u8 qs[32]; u8 qh[16]; u8 scales[8] (scale packed in scales) */
    [GGUF_TYPE_BF16]    = {"bf16",      1,   2, false, /* bfloat16 */
                           gguf_to_float_bf16, gguf_from_float_bf16, gguf_vec_dot_bf16, GGUF_TYPE_BF16},
    [GGUF_TYPE_TQ1_0]   = {"tq1_0",   256,  54, true},  /* block_tq1_0: u8 qs[48]; u8 qh[4]; half d */
    [GGUF_TYPE_TQ2_0]   = {"tq2_0",   256,  66, true},  /* block_tq2_0: u8 qs[64]; half d */
    [GGUF_TYPE_MXFP4]   = {"mxfp4",    32,  17, true},  /* block_mxfp4: u8 e (E8M0 scale); u8 qs[16] */
};

/* Upper-case display names, the spelling llama.cpp logs use ("Q4_K", "IQ4_XS"). */
static const char *const TYPE_DISPLAY[GGUF_TYPE_COUNT] = {
    [GGUF_TYPE_F32] = "F32",         [GGUF_TYPE_F16] = "F16",
    [GGUF_TYPE_Q4_0] = "Q4_0",       [GGUF_TYPE_Q4_1] = "Q4_1",
    [GGUF_TYPE_Q5_0] = "Q5_0",       [GGUF_TYPE_Q5_1] = "Q5_1",
    [GGUF_TYPE_Q8_0] = "Q8_0",       [GGUF_TYPE_Q8_1] = "Q8_1",
    [GGUF_TYPE_Q2_K] = "Q2_K",       [GGUF_TYPE_Q3_K] = "Q3_K",
    [GGUF_TYPE_Q4_K] = "Q4_K",       [GGUF_TYPE_Q5_K] = "Q5_K",
    [GGUF_TYPE_Q6_K] = "Q6_K",       [GGUF_TYPE_Q8_K] = "Q8_K",
    [GGUF_TYPE_IQ2_XXS] = "IQ2_XXS", [GGUF_TYPE_IQ2_XS] = "IQ2_XS",
    [GGUF_TYPE_IQ3_XXS] = "IQ3_XXS", [GGUF_TYPE_IQ1_S] = "IQ1_S",
    [GGUF_TYPE_IQ4_NL] = "IQ4_NL",   [GGUF_TYPE_IQ3_S] = "IQ3_S",
    [GGUF_TYPE_IQ2_S] = "IQ2_S",     [GGUF_TYPE_IQ4_XS] = "IQ4_XS",
    [GGUF_TYPE_I8] = "I8",           [GGUF_TYPE_I16] = "I16",
    [GGUF_TYPE_I32] = "I32",         [GGUF_TYPE_I64] = "I64",
    [GGUF_TYPE_F64] = "F64",         [GGUF_TYPE_IQ1_M] = "IQ1_M",
    [GGUF_TYPE_BF16] = "BF16",       [GGUF_TYPE_TQ1_0] = "TQ1_0",
    [GGUF_TYPE_TQ2_0] = "TQ2_0",     [GGUF_TYPE_MXFP4] = "MXFP4",
};

/* ASCII case-insensitive equality (locale-independent). */
static bool name_equal_ci(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
    }
    return *a == *b;
}

const gguf_type_info *gguf_type_get(int t) {
    if (t < 0 || t >= GGUF_TYPE_COUNT || TYPE_TABLE[t].name == NULL) return NULL;
    return &TYPE_TABLE[t];
}

const char *gguf_type_name(int t) {
    return gguf_type_get(t) ? TYPE_DISPLAY[t] : NULL;
}

int gguf_type_from_name(const char *name) {
    if (!name) return -1;
    for (int t = 0; t < GGUF_TYPE_COUNT; t++) {
        if (TYPE_TABLE[t].name && name_equal_ci(name, TYPE_TABLE[t].name)) return t;
    }
    return -1;
}

double gguf_type_bpw(int t) {
    const gguf_type_info *ti = gguf_type_get(t);
    return ti ? 8.0 * (double)ti->block_bytes / (double)ti->block_elems : 0.0;
}

uint64_t gguf_type_row_bytes(int t, uint64_t ne0, bool *ok) {
    const gguf_type_info *ti = gguf_type_get(t);
    if (ok) *ok = false;
    if (!ti || ne0 % ti->block_elems != 0) return 0;
    uint64_t n_blocks = ne0 / ti->block_elems;
    if (n_blocks > UINT64_MAX / ti->block_bytes) return 0; /* overflow */
    if (ok) *ok = true;
    return n_blocks * ti->block_bytes;
}

uint64_t gguf_type_tensor_bytes(int t, uint64_t ne0, uint64_t n_elements, bool *ok) {
    const gguf_type_info *ti = gguf_type_get(t);
    if (ok) *ok = false;
    if (!ti || ne0 % ti->block_elems != 0) return 0;
    /* a tensor is whole rows of ne0 elements */
    if (ne0 == 0 ? n_elements != 0 : n_elements % ne0 != 0) return 0;
    uint64_t n_blocks = n_elements / ti->block_elems;
    if (n_blocks > UINT64_MAX / ti->block_bytes) return 0; /* overflow */
    if (ok) *ok = true;
    return n_blocks * ti->block_bytes;
}

/* ------------------------------------------------------------------------ */
/* File types                                                                */
/* ------------------------------------------------------------------------ */

/* Names as llama-quantize lists them (tools/quantize/quantize.cpp); base types
 * as llama_model_quantize_impl() maps ftype -> default tensor type. */
static const gguf_ftype_info FTYPE_TABLE[GGUF_FTYPE_COUNT] = {
    [GGUF_FTYPE_ALL_F32]   = {"F32",       GGUF_TYPE_F32},
    [GGUF_FTYPE_F16]       = {"F16",       GGUF_TYPE_F16},
    [GGUF_FTYPE_Q4_0]      = {"Q4_0",      GGUF_TYPE_Q4_0},
    [GGUF_FTYPE_Q4_1]      = {"Q4_1",      GGUF_TYPE_Q4_1},
    [GGUF_FTYPE_Q8_0]      = {"Q8_0",      GGUF_TYPE_Q8_0},
    [GGUF_FTYPE_Q5_0]      = {"Q5_0",      GGUF_TYPE_Q5_0},
    [GGUF_FTYPE_Q5_1]      = {"Q5_1",      GGUF_TYPE_Q5_1},
    [GGUF_FTYPE_Q2_K]      = {"Q2_K",      GGUF_TYPE_Q2_K},
    [GGUF_FTYPE_Q3_K_S]    = {"Q3_K_S",    GGUF_TYPE_Q3_K},
    [GGUF_FTYPE_Q3_K_M]    = {"Q3_K_M",    GGUF_TYPE_Q3_K},
    [GGUF_FTYPE_Q3_K_L]    = {"Q3_K_L",    GGUF_TYPE_Q3_K},
    [GGUF_FTYPE_Q4_K_S]    = {"Q4_K_S",    GGUF_TYPE_Q4_K},
    [GGUF_FTYPE_Q4_K_M]    = {"Q4_K_M",    GGUF_TYPE_Q4_K},
    [GGUF_FTYPE_Q5_K_S]    = {"Q5_K_S",    GGUF_TYPE_Q5_K},
    [GGUF_FTYPE_Q5_K_M]    = {"Q5_K_M",    GGUF_TYPE_Q5_K},
    [GGUF_FTYPE_Q6_K]      = {"Q6_K",      GGUF_TYPE_Q6_K},
    [GGUF_FTYPE_IQ2_XXS]   = {"IQ2_XXS",   GGUF_TYPE_IQ2_XXS},
    [GGUF_FTYPE_IQ2_XS]    = {"IQ2_XS",    GGUF_TYPE_IQ2_XS},
    [GGUF_FTYPE_Q2_K_S]    = {"Q2_K_S",    GGUF_TYPE_Q2_K},
    [GGUF_FTYPE_IQ3_XS]    = {"IQ3_XS",    GGUF_TYPE_IQ3_S},
    [GGUF_FTYPE_IQ3_XXS]   = {"IQ3_XXS",   GGUF_TYPE_IQ3_XXS},
    [GGUF_FTYPE_IQ1_S]     = {"IQ1_S",     GGUF_TYPE_IQ1_S},
    [GGUF_FTYPE_IQ4_NL]    = {"IQ4_NL",    GGUF_TYPE_IQ4_NL},
    [GGUF_FTYPE_IQ3_S]     = {"IQ3_S",     GGUF_TYPE_IQ3_S},
    [GGUF_FTYPE_IQ3_M]     = {"IQ3_M",     GGUF_TYPE_IQ3_S},
    [GGUF_FTYPE_IQ2_S]     = {"IQ2_S",     GGUF_TYPE_IQ2_XS},
    [GGUF_FTYPE_IQ2_M]     = {"IQ2_M",     GGUF_TYPE_IQ2_S},
    [GGUF_FTYPE_IQ4_XS]    = {"IQ4_XS",    GGUF_TYPE_IQ4_XS},
    [GGUF_FTYPE_IQ1_M]     = {"IQ1_M",     GGUF_TYPE_IQ1_M},
    [GGUF_FTYPE_BF16]      = {"BF16",      GGUF_TYPE_BF16},
    [GGUF_FTYPE_TQ1_0]     = {"TQ1_0",     GGUF_TYPE_TQ1_0},
    [GGUF_FTYPE_TQ2_0]     = {"TQ2_0",     GGUF_TYPE_TQ2_0},
    [GGUF_FTYPE_MXFP4_MOE] = {"MXFP4_MOE", GGUF_TYPE_MXFP4},
};

const gguf_ftype_info *gguf_ftype_get(int ft) {
    if (ft < 0 || ft >= GGUF_FTYPE_COUNT || FTYPE_TABLE[ft].name == NULL) return NULL;
    return &FTYPE_TABLE[ft];
}

const char *gguf_ftype_name(int ft) {
    const gguf_ftype_info *fi = gguf_ftype_get(ft);
    return fi ? fi->name : NULL;
}

int gguf_ftype_from_name(const char *name) {
    if (!name) return -1;
    for (int ft = 0; ft < GGUF_FTYPE_COUNT; ft++) {
        if (FTYPE_TABLE[ft].name && name_equal_ci(name, FTYPE_TABLE[ft].name)) return ft;
    }
    /* llama-quantize's aliases: "Q3_K", "Q4_K", "Q5_K" mean the _M mixes */
    if (name_equal_ci(name, "Q3_K")) return GGUF_FTYPE_Q3_K_M;
    if (name_equal_ci(name, "Q4_K")) return GGUF_FTYPE_Q4_K_M;
    if (name_equal_ci(name, "Q5_K")) return GGUF_FTYPE_Q5_K_M;
    return -1;
}

/* Largest / best first. Where llama-quantize's option table gives a Llama-3-8B
 * perplexity increase, that sets the order (Q8_0 +0.0026, Q6_K +0.0217,
 * Q5_K_M +0.0569, Q5_K_S +0.1049, Q5_1 +0.1062, Q5_0 +0.1316, Q4_K_M +0.1754,
 * Q4_K_S +0.2689, Q4_1 +0.4511, Q4_0 +0.4685, Q3_K_L +0.5562, Q3_K_M +0.6569,
 * Q3_K_S +1.6321); the other types are placed by their listed bits per weight
 * (IQ4_NL 4.50, IQ4_XS 4.25, IQ3_M 3.66, IQ3_S 3.44, IQ3_XS 3.3, IQ3_XXS 3.06,
 * IQ2_M 2.7, IQ2_S 2.5, IQ2_XS 2.31, IQ2_XXS 2.06, TQ2_0 2.06, IQ1_M 1.75,
 * TQ1_0 1.69, IQ1_S 1.56). Q2_K_S comes after Q2_K: same base type, fewer
 * upgrades. MXFP4_MOE is placed by its expert tensors (4.25 bpw). */
static const int FTYPE_BY_QUALITY[] = {
    GGUF_FTYPE_ALL_F32, GGUF_FTYPE_F16,    GGUF_FTYPE_BF16,   GGUF_FTYPE_Q8_0,
    GGUF_FTYPE_Q6_K,    GGUF_FTYPE_Q5_K_M, GGUF_FTYPE_Q5_K_S, GGUF_FTYPE_Q5_1,
    GGUF_FTYPE_Q5_0,    GGUF_FTYPE_Q4_K_M, GGUF_FTYPE_IQ4_NL, GGUF_FTYPE_Q4_K_S,
    GGUF_FTYPE_IQ4_XS,  GGUF_FTYPE_MXFP4_MOE, GGUF_FTYPE_Q4_1, GGUF_FTYPE_Q4_0,
    GGUF_FTYPE_Q3_K_L,  GGUF_FTYPE_Q3_K_M, GGUF_FTYPE_IQ3_M,  GGUF_FTYPE_IQ3_S,
    GGUF_FTYPE_Q3_K_S,  GGUF_FTYPE_IQ3_XS, GGUF_FTYPE_IQ3_XXS, GGUF_FTYPE_Q2_K,
    GGUF_FTYPE_Q2_K_S,  GGUF_FTYPE_IQ2_M,  GGUF_FTYPE_IQ2_S,  GGUF_FTYPE_IQ2_XS,
    GGUF_FTYPE_IQ2_XXS, GGUF_FTYPE_TQ2_0,  GGUF_FTYPE_IQ1_M,  GGUF_FTYPE_TQ1_0,
    GGUF_FTYPE_IQ1_S,
};

size_t gguf_ftype_by_quality(const int **out) {
    if (out) *out = FTYPE_BY_QUALITY;
    return sizeof FTYPE_BY_QUALITY / sizeof FTYPE_BY_QUALITY[0];
}

/* ------------------------------------------------------------------------ */
/* Quantization plan                                                         */
/* Source for every rule below: llama.cpp src/llama-quant.cpp (2025),        */
/* llama_tensor_get_type() and the quantize test in                          */
/* llama_model_quantize_impl(). Without an imatrix, no user overrides.       */
/* ------------------------------------------------------------------------ */

/* What a tensor is, from its name. The order of the tests in plan_role()
 * matches the order of llama.cpp's else-if chain, so a name that contains two
 * patterns gets the same role it gets there. */
typedef enum plan_role {
    ROLE_OTHER,
    ROLE_OUTPUT,       /* "output.weight" */
    ROLE_TOKEN_EMBD,   /* "token_embd.weight", "per_layer_token_embd.weight" */
    ROLE_ATTN_V,       /* contains "attn_v.weight" */
    ROLE_ATTN_K,       /* contains "attn_k.weight" */
    ROLE_ATTN_Q,       /* contains "attn_q.weight" */
    ROLE_FFN_DOWN,     /* contains "ffn_down" (dense, _exps, _shexp) */
    ROLE_ATTN_OUTPUT,  /* contains "attn_output.weight" */
    ROLE_ATTN_QKV,     /* contains "attn_qkv.weight" */
    ROLE_FFN_GATE,     /* contains "ffn_gate" */
    ROLE_FFN_UP,       /* contains "ffn_up" */
} plan_role;

static plan_role plan_role_of(const char *name) {
    if (strcmp(name, "output.weight") == 0) return ROLE_OUTPUT;
    if (strcmp(name, "token_embd.weight") == 0 ||
        strcmp(name, "per_layer_token_embd.weight") == 0) return ROLE_TOKEN_EMBD;
    if (strstr(name, "attn_v.weight")) return ROLE_ATTN_V;
    if (strstr(name, "attn_k.weight")) return ROLE_ATTN_K;
    if (strstr(name, "attn_q.weight")) return ROLE_ATTN_Q;
    if (strstr(name, "ffn_down")) return ROLE_FFN_DOWN;
    if (strstr(name, "attn_output.weight")) return ROLE_ATTN_OUTPUT;
    if (strstr(name, "attn_qkv.weight")) return ROLE_ATTN_QKV;
    if (strstr(name, "ffn_gate")) return ROLE_FFN_GATE;
    if (strstr(name, "ffn_up")) return ROLE_FFN_UP;
    return ROLE_OTHER;
}

/* Name fragments of 2-D+ weights llama-quantize leaves alone: norms, MoE
 * routers, tiny Gemma-3n / Mamba / LFM2 / RWKV weights, position and
 * relative-position embeddings (llama_model_quantize_impl's `quantize &=`). */
static const char *const KEEP_IF_CONTAINS[] = {
    "_norm.weight", "ffn_gate_inp.weight", "altup", "laurel", "per_layer_model_proj",
    "ssm_conv1d.weight", "shortconv.conv.weight",
    "time_mix_first.weight", "time_mix_w0.weight", "time_mix_w1.weight",
    "time_mix_w2.weight", "time_mix_v0.weight", "time_mix_v1.weight",
    "time_mix_v2.weight", "time_mix_a0.weight", "time_mix_a1.weight",
    "time_mix_a2.weight", "time_mix_g1.weight", "time_mix_g2.weight",
    "time_mix_decay_w1.weight", "time_mix_decay_w2.weight", "time_mix_lerp_fused.weight",
    "attn_rel_b.weight", ".position_embd.",
};
/* Exact names kept: BERT-style position embeddings and token types (LLM_TN). */
static const char *const KEEP_IF_EQUALS[] = { "position_embd.weight", "token_types.weight" };

/* ne[i], with dimensions past n_dims read as 1 whatever the array holds. */
static int64_t plan_ne(const gguf_plan_tensor *t, uint32_t i) {
    return i < t->n_dims && i < 4 ? t->ne[i] : 1;
}

/* ggml_n_dims(): dimensions up to the last one larger than 1 ([4096, 1] is 1-D). */
static uint32_t plan_effective_dims(const gguf_plan_tensor *t) {
    for (uint32_t i = 4; i > 1; i--) {
        if (plan_ne(t, i - 1) > 1) return i;
    }
    return 1;
}

static bool plan_is_quantizable(const gguf_plan_tensor *t) {
    if (!t->name) return false;
    size_t len = strlen(t->name);
    if (len < 6 || strcmp(t->name + len - 6, "weight") != 0) return false;
    if (plan_effective_dims(t) < 2) return false;
    for (size_t i = 0; i < sizeof KEEP_IF_CONTAINS / sizeof KEEP_IF_CONTAINS[0]; i++) {
        if (strstr(t->name, KEEP_IF_CONTAINS[i])) return false;
    }
    for (size_t i = 0; i < sizeof KEEP_IF_EQUALS / sizeof KEEP_IF_EQUALS[0]; i++) {
        if (strcmp(t->name, KEEP_IF_EQUALS[i]) == 0) return false;
    }
    return true;
}

/* File-type sets as bit masks (every ftype number is < 64). */
#define FT(x) (UINT64_C(1) << GGUF_FTYPE_##x)
static bool ft_in(int ftype, uint64_t set) { return (set >> ftype) & 1u; }

/* The very low-bit i-quant mixes, which have their own branch in llama.cpp. */
static const uint64_t FT_IQ_LOW = FT(IQ2_XXS) | FT(IQ2_XS) | FT(IQ1_S) | FT(IQ2_S) | FT(IQ2_M) | FT(IQ1_M);
/* Mixes whose output tensor gets Q5_K instead of Q6_K. */
static const uint64_t FT_OUTPUT_Q5_K = FT_IQ_LOW | FT(IQ3_XXS);
/* Mixes whose attn_output gets Q5_K in an 8-expert model. */
static const uint64_t FT_MOE8_ATTN_OUT_Q5_K =
    FT(Q2_K) | FT(IQ3_XS) | FT(IQ3_XXS) | FT(Q3_K_S) | FT(Q3_K_M) | FT(IQ4_NL) |
    FT(Q4_K_S) | FT(Q4_K_M) | FT(IQ3_S) | FT(IQ3_M) | FT(IQ4_XS);

/* Counters and model facts carried across tensors (llama.cpp quantize_state_impl). */
typedef struct plan_state {
    int ftype;
    gguf_type base;      /* the ftype's default type */
    bool falcon;         /* arch "falcon" has its own rules */
    bool has_output;     /* false: token_embd is also the output and gets its rule */
    bool is_70b;
    int n_gqa;           /* n_head / n_head_kv, 0 when n_head_kv is 0 */
    int n_expert;        /* as given (0 or 1 = dense) */
    int n_attn_wv;       /* tensors named attn_v / attn_qkv / attn_kv_b */
    int i_attn_wv;
    int n_ffn;           /* "n_layer" of the ffn rules: hparams.n_layer */
    int i_ffn_down, i_ffn_gate, i_ffn_up;
} plan_state;

/* llama.cpp's use_more_bits(): the first and last eighth of the layers and
 * every third layer in between get more bits. */
static bool use_more_bits(int i, int n) {
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

/* Layer index for the ffn rules. Dense models use the running counter; MoE
 * models (n_expert > 1) parse "blk.N." because expert tensors are not in layer
 * order. Where llama.cpp would throw (no "blk.N." or N out of range), the
 * counter is used instead. */
static int plan_ffn_layer(const plan_state *s, const char *name, int counter) {
    if (s->n_expert > 1) {
        int layer = -1;
        if (sscanf(name, "blk.%d.", &layer) == 1 && layer >= 0 && layer < s->n_ffn) return layer;
    }
    return counter;
}

static bool divisible(gguf_type t, int64_t ne0) {
    const gguf_type_info *ti = gguf_type_get((int)t);
    return ti && ne0 >= 0 && (uint64_t)ne0 % ti->block_elems == 0;
}

/* output.weight, and token_embd.weight when it doubles as the output. */
static gguf_type rule_output(const plan_state *s, const gguf_plan_tensor *t) {
    if (s->ftype == GGUF_FTYPE_MXFP4_MOE) return GGUF_TYPE_Q8_0;
    if (s->falcon || !divisible(s->base, t->ne[0])) return GGUF_TYPE_Q8_0;
    if (ft_in(s->ftype, FT_OUTPUT_Q5_K)) return GGUF_TYPE_Q5_K;
    return s->base == GGUF_TYPE_Q8_0 ? GGUF_TYPE_Q8_0 : GGUF_TYPE_Q6_K;
}

static gguf_type rule_token_embd(const plan_state *s) {
    switch (s->ftype) {
    case GGUF_FTYPE_IQ2_XXS: case GGUF_FTYPE_IQ2_XS:
    case GGUF_FTYPE_IQ1_S:   case GGUF_FTYPE_IQ1_M:   return GGUF_TYPE_Q2_K;
    case GGUF_FTYPE_IQ2_S:   case GGUF_FTYPE_IQ2_M:
    case GGUF_FTYPE_IQ3_XXS:                          return GGUF_TYPE_IQ3_S;
    case GGUF_FTYPE_TQ1_0:   case GGUF_FTYPE_TQ2_0:   return GGUF_TYPE_Q4_K;
    default:                                          return s->base;
    }
}

/* IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ2_M: one branch for all roles. */
static gguf_type rule_iq_low(plan_state *s, plan_role role) {
    const bool iq2_sm = s->ftype == GGUF_FTYPE_IQ2_S || s->ftype == GGUF_FTYPE_IQ2_M;
    gguf_type t = s->base;
    switch (role) {
    case ROLE_ATTN_V:
        if (s->n_gqa >= 4 || s->n_expert >= 4) t = GGUF_TYPE_Q4_K;
        else t = iq2_sm ? GGUF_TYPE_IQ3_S : GGUF_TYPE_Q2_K;
        s->i_attn_wv++;
        break;
    case ROLE_ATTN_K:
        if (s->n_expert == 8) t = GGUF_TYPE_Q4_K;
        break;
    case ROLE_FFN_DOWN:
        if (s->i_ffn_down < s->n_ffn / 8) t = iq2_sm ? GGUF_TYPE_IQ3_S : GGUF_TYPE_Q2_K;
        s->i_ffn_down++;
        break;
    case ROLE_ATTN_OUTPUT:
        if (s->n_expert == 8) t = GGUF_TYPE_Q5_K;
        else if (s->ftype == GGUF_FTYPE_IQ1_S || s->ftype == GGUF_FTYPE_IQ1_M) t = GGUF_TYPE_IQ2_XXS;
        else if (iq2_sm) t = GGUF_TYPE_IQ3_S;
        break;
    default:
        break;
    }
    return t;
}

static gguf_type rule_attn_v(plan_state *s) {
    gguf_type t = s->base;
    const bool gqa4 = s->n_gqa >= 4;
    switch (s->ftype) {
    case GGUF_FTYPE_Q2_K:    t = gqa4 ? GGUF_TYPE_Q4_K : GGUF_TYPE_Q3_K; break;
    case GGUF_FTYPE_Q2_K_S:  if (gqa4) t = GGUF_TYPE_Q4_K; break;
    case GGUF_FTYPE_IQ3_XXS: t = gqa4 ? GGUF_TYPE_Q4_K : GGUF_TYPE_IQ3_S; break; /* no imatrix */
    case GGUF_FTYPE_IQ3_XS:
    case GGUF_FTYPE_IQ3_S:   if (gqa4) t = GGUF_TYPE_Q4_K; break;
    case GGUF_FTYPE_IQ3_M:   t = GGUF_TYPE_Q4_K; break;
    case GGUF_FTYPE_Q3_K_M:  t = s->i_attn_wv < 2 ? GGUF_TYPE_Q5_K : GGUF_TYPE_Q4_K; break;
    case GGUF_FTYPE_Q3_K_L:  t = GGUF_TYPE_Q5_K; break;
    case GGUF_FTYPE_IQ4_NL:
    case GGUF_FTYPE_IQ4_XS:  if (gqa4) t = GGUF_TYPE_Q5_K; break;
    case GGUF_FTYPE_Q4_K_M:
    case GGUF_FTYPE_Q5_K_M:  if (use_more_bits(s->i_attn_wv, s->n_attn_wv)) t = GGUF_TYPE_Q6_K; break;
    case GGUF_FTYPE_Q4_K_S:  if (s->i_attn_wv < 4) t = GGUF_TYPE_Q5_K; break;
    default: break;
    }
    /* 70B: 8 query heads share each V head, so attn_v is small; more bits are cheap */
    if (s->is_70b && (t == GGUF_TYPE_Q3_K || t == GGUF_TYPE_Q4_K)) t = GGUF_TYPE_Q5_K;
    if (s->n_expert == 8) t = GGUF_TYPE_Q8_0;
    s->i_attn_wv++;
    return t;
}

static gguf_type rule_attn_k(const plan_state *s) {
    if (s->n_expert == 8) return GGUF_TYPE_Q8_0;
    if (s->ftype == GGUF_FTYPE_IQ3_XS) return GGUF_TYPE_IQ3_XXS;
    if (s->ftype == GGUF_FTYPE_IQ3_XXS) return GGUF_TYPE_IQ2_S;
    return s->base;
}

static gguf_type rule_attn_q(const plan_state *s) {
    if (s->ftype == GGUF_FTYPE_IQ3_XS) return GGUF_TYPE_IQ3_XXS;
    if (s->ftype == GGUF_FTYPE_IQ3_XXS) return GGUF_TYPE_IQ2_S;
    return s->base;
}

static gguf_type rule_ffn_down(plan_state *s, const char *name) {
    const int i = plan_ffn_layer(s, name, s->i_ffn_down), n = s->n_ffn;
    gguf_type t = s->base;
    switch (s->ftype) {
    case GGUF_FTYPE_Q2_K:    t = GGUF_TYPE_Q3_K; break;
    case GGUF_FTYPE_Q2_K_S:  if (i < n / 8) t = GGUF_TYPE_Q4_K; break;
    case GGUF_FTYPE_IQ3_XXS: t = i < n / 8 ? GGUF_TYPE_Q4_K : GGUF_TYPE_Q3_K; break; /* no imatrix */
    case GGUF_FTYPE_Q3_K_M:
        if (i < n / 16) t = GGUF_TYPE_Q5_K;
        else if (!s->falcon || use_more_bits(i, n)) t = GGUF_TYPE_Q4_K;
        else t = GGUF_TYPE_Q3_K;
        break;
    case GGUF_FTYPE_IQ3_M:
        if (i < n / 8 || (s->n_expert == 8 && use_more_bits(i, n))) t = GGUF_TYPE_Q4_K;
        break;
    case GGUF_FTYPE_Q3_K_L:  t = s->falcon ? GGUF_TYPE_Q4_K : GGUF_TYPE_Q5_K; break;
    case GGUF_FTYPE_Q4_K_M:
        if (s->falcon) t = i < n / 16 ? GGUF_TYPE_Q6_K : use_more_bits(i, n) ? GGUF_TYPE_Q5_K : GGUF_TYPE_Q4_K;
        else if (use_more_bits(i, n)) t = GGUF_TYPE_Q6_K;
        break;
    case GGUF_FTYPE_IQ4_NL:
    case GGUF_FTYPE_IQ4_XS:  if (i < n / 8) t = GGUF_TYPE_Q5_K; break; /* no imatrix */
    case GGUF_FTYPE_Q5_K_M:  if (use_more_bits(i, n)) t = GGUF_TYPE_Q6_K; break;
    case GGUF_FTYPE_Q4_K_S:  if (!s->falcon && i < n / 8) t = GGUF_TYPE_Q5_K; break;
    default: break; /* Q4_0/Q5_0 -> Q4_1/Q5_1 needs an imatrix */
    }
    s->i_ffn_down++;
    return t;
}

static gguf_type rule_attn_output(const plan_state *s) {
    if (s->falcon) return s->ftype == GGUF_FTYPE_Q3_K_L ? GGUF_TYPE_Q4_K : s->base;
    if (s->n_expert == 8) return ft_in(s->ftype, FT_MOE8_ATTN_OUT_Q5_K) ? GGUF_TYPE_Q5_K : s->base;
    switch (s->ftype) {
    case GGUF_FTYPE_Q2_K:    return GGUF_TYPE_Q3_K;
    case GGUF_FTYPE_IQ3_XXS: return GGUF_TYPE_IQ3_S;
    case GGUF_FTYPE_Q3_K_M:  return GGUF_TYPE_Q4_K;
    case GGUF_FTYPE_Q3_K_L:  return GGUF_TYPE_Q5_K;
    case GGUF_FTYPE_IQ3_M:   return GGUF_TYPE_Q4_K;
    default:                 return s->base;
    }
}

static gguf_type rule_attn_qkv(const plan_state *s) {
    switch (s->ftype) {
    case GGUF_FTYPE_Q3_K_M: case GGUF_FTYPE_Q3_K_L: case GGUF_FTYPE_IQ3_M: return GGUF_TYPE_Q4_K;
    case GGUF_FTYPE_Q4_K_M: return GGUF_TYPE_Q5_K;
    case GGUF_FTYPE_Q5_K_M: return GGUF_TYPE_Q6_K;
    default:                return s->base;
    }
}

/* ffn_gate and ffn_up: IQ3_XS drops the middle layers to IQ3_XXS. */
static gguf_type rule_ffn_gate_up(plan_state *s, const char *name, int *counter) {
    const int i = plan_ffn_layer(s, name, *counter), n = s->n_ffn;
    gguf_type t = s->base;
    if (s->ftype == GGUF_FTYPE_IQ3_XS && i >= n / 8 && i < 7 * n / 8) t = GGUF_TYPE_IQ3_XXS;
    (*counter)++;
    return t;
}

/* The type llama_tensor_get_type() picks for one quantizable tensor, before
 * the block-size fallback. */
static gguf_type plan_rule(plan_state *s, const gguf_plan_tensor *t) {
    const plan_role role = plan_role_of(t->name);
    if (role == ROLE_OUTPUT || (role == ROLE_TOKEN_EMBD && !s->has_output &&
                                strcmp(t->name, "token_embd.weight") == 0)) {
        return rule_output(s, t);
    }
    if (s->ftype == GGUF_FTYPE_MXFP4_MOE) {
        /* merged expert tensors (ne[2] = n_expert) -> MXFP4, all else Q8_0 */
        return plan_ne(t, 2) > 1 ? GGUF_TYPE_MXFP4 : GGUF_TYPE_Q8_0;
    }
    if (role == ROLE_TOKEN_EMBD) return rule_token_embd(s);
    if (ft_in(s->ftype, FT_IQ_LOW)) return rule_iq_low(s, role);
    switch (role) {
    case ROLE_ATTN_V:      return rule_attn_v(s);
    case ROLE_ATTN_K:      return rule_attn_k(s);
    case ROLE_ATTN_Q:      return rule_attn_q(s);
    case ROLE_FFN_DOWN:    return rule_ffn_down(s, t->name);
    case ROLE_ATTN_OUTPUT: return rule_attn_output(s);
    case ROLE_ATTN_QKV:    return rule_attn_qkv(s);
    case ROLE_FFN_GATE:    return rule_ffn_gate_up(s, t->name, &s->i_ffn_gate);
    case ROLE_FFN_UP:      return rule_ffn_gate_up(s, t->name, &s->i_ffn_up);
    default:               return s->base;
    }
}

/* ggml needs whole blocks per row. When ne[0] is not a multiple of the chosen
 * type's block, llama.cpp substitutes a type with a 32-wide block, and F16
 * when even that does not divide. Where llama.cpp has no substitute (it
 * aborts: Q4_0, Q8_0, IQ4_NL, MXFP4, ... with ne[0] % 32 != 0) we use F16. */
static gguf_type block_fallback(gguf_type t, int64_t ne0) {
    if (divisible(t, ne0)) return t;
    gguf_type alt;
    switch (t) {
    case GGUF_TYPE_TQ1_0: case GGUF_TYPE_TQ2_0:
        alt = GGUF_TYPE_Q4_0; break;
    case GGUF_TYPE_IQ2_XXS: case GGUF_TYPE_IQ2_XS: case GGUF_TYPE_IQ2_S:
    case GGUF_TYPE_IQ3_XXS: case GGUF_TYPE_IQ3_S:  case GGUF_TYPE_IQ1_S:
    case GGUF_TYPE_IQ1_M:   case GGUF_TYPE_Q2_K:   case GGUF_TYPE_Q3_K:
    case GGUF_TYPE_IQ4_XS:
        alt = GGUF_TYPE_IQ4_NL; break;
    case GGUF_TYPE_Q4_K: alt = GGUF_TYPE_Q5_0; break;
    case GGUF_TYPE_Q5_K: alt = GGUF_TYPE_Q5_1; break;
    case GGUF_TYPE_Q6_K: alt = GGUF_TYPE_Q8_0; break;
    default:             alt = GGUF_TYPE_F16; break;
    }
    return divisible(alt, ne0) ? alt : GGUF_TYPE_F16;
}

bool gguf_plan_types(int ftype, const gguf_plan_model *model,
                     const gguf_plan_tensor *tensors, size_t n, gguf_type *out_types) {
    const gguf_ftype_info *fi = gguf_ftype_get(ftype);
    if (!fi || !model || (n > 0 && (!tensors || !out_types))) return false;

    plan_state s = {0};
    s.ftype = ftype;
    s.base = fi->base_type;
    s.falcon = model->arch && strcmp(model->arch, "falcon") == 0;
    s.has_output = model->has_output;
    s.is_70b = model->is_70b;
    s.n_gqa = model->n_head_kv ? (int)(model->n_head / model->n_head_kv) : 0;
    s.n_expert = (int)model->n_expert;
    s.n_ffn = (int)model->n_layer;

    /* first pass, over all tensors as llama.cpp does: count attention-V-like
     * tensors and note a separate output.weight; when n_layer is 0, take the
     * number of layers from the highest "blk.N." */
    int max_blk = -1;
    for (size_t k = 0; k < n; k++) {
        const char *name = tensors[k].name ? tensors[k].name : "";
        if (strstr(name, "attn_v.weight") || strstr(name, "attn_qkv.weight") ||
            strstr(name, "attn_kv_b.weight")) s.n_attn_wv++;
        if (strcmp(name, "output.weight") == 0) s.has_output = true;
        int layer;
        if (sscanf(name, "blk.%d.", &layer) == 1 && layer > max_blk) max_blk = layer;
    }
    if (s.n_ffn <= 0) s.n_ffn = max_blk + 1;

    const bool quantized = gguf_type_get((int)s.base)->quantized;
    for (size_t k = 0; k < n; k++) {
        const gguf_plan_tensor *t = &tensors[k];
        if (!plan_is_quantizable(t)) {
            out_types[k] = GGUF_TYPE_F32;
        } else if (!quantized) {
            out_types[k] = s.base; /* F32 / F16 / BF16: no rules */
        } else {
            out_types[k] = block_fallback(plan_rule(&s, t), t->ne[0]);
        }
    }
    return true;
}

bool gguf_plan_types_pure(int type, const gguf_plan_tensor *tensors, size_t n,
                          gguf_type *out_types) {
    const gguf_type_info *ti = gguf_type_get(type);
    if (!ti || (n > 0 && (!tensors || !out_types))) return false;
    for (size_t k = 0; k < n; k++) {
        const gguf_plan_tensor *t = &tensors[k];
        if (!plan_is_quantizable(t)) out_types[k] = GGUF_TYPE_F32;
        else out_types[k] = ti->quantized ? block_fallback((gguf_type)type, t->ne[0]) : (gguf_type)type;
    }
    return true;
}
