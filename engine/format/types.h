/* types.h - GGUF tensor types and llama.cpp file types (ftypes), one table each.
 *
 * Shared by the estimator (bytes per weight, quantization mixes) and, later, the
 * engine (dequantize / dot kernels are added to the same table).
 *
 * Sources (facts, not code):
 *   - tensor type numbers, block elements and block bytes: ggml's `ggml.h` enum
 *     ggml_type and the block structs of `ggml-common.h` (each struct's size is
 *     the block bytes, e.g. block_q4_K = 2*2 + 12 + 128 = 144 bytes / 256 weights).
 *   - file type numbers: llama.cpp `include/llama.h` enum llama_ftype.
 *   - the per-tensor rules that make a file type a mix (Q4_K_M = Q4_K with Q6_K on
 *     attn_v / ffn_down of some layers and on the output tensor, ...):
 *     llama.cpp `src/llama-quant.cpp`, function llama_tensor_get_type().
 */
#ifndef LLMCAP_FORMAT_TYPES_H
#define LLMCAP_FORMAT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------ */
/* Tensor types. Values equal the GGUF/ggml numbers (gaps are removed types). */
/* ------------------------------------------------------------------------ */
typedef enum gguf_type {
    GGUF_TYPE_F32 = 0,
    GGUF_TYPE_F16 = 1,
    GGUF_TYPE_Q4_0 = 2,
    GGUF_TYPE_Q4_1 = 3,
    GGUF_TYPE_Q5_0 = 6,
    GGUF_TYPE_Q5_1 = 7,
    GGUF_TYPE_Q8_0 = 8,
    GGUF_TYPE_Q8_1 = 9,
    GGUF_TYPE_Q2_K = 10,
    GGUF_TYPE_Q3_K = 11,
    GGUF_TYPE_Q4_K = 12,
    GGUF_TYPE_Q5_K = 13,
    GGUF_TYPE_Q6_K = 14,
    GGUF_TYPE_Q8_K = 15,
    GGUF_TYPE_IQ2_XXS = 16,
    GGUF_TYPE_IQ2_XS = 17,
    GGUF_TYPE_IQ3_XXS = 18,
    GGUF_TYPE_IQ1_S = 19,
    GGUF_TYPE_IQ4_NL = 20,
    GGUF_TYPE_IQ3_S = 21,
    GGUF_TYPE_IQ2_S = 22,
    GGUF_TYPE_IQ4_XS = 23,
    GGUF_TYPE_I8 = 24,
    GGUF_TYPE_I16 = 25,
    GGUF_TYPE_I32 = 26,
    GGUF_TYPE_I64 = 27,
    GGUF_TYPE_F64 = 28,
    GGUF_TYPE_IQ1_M = 29,
    GGUF_TYPE_BF16 = 30,
    GGUF_TYPE_TQ1_0 = 34,
    GGUF_TYPE_TQ2_0 = 35,
    GGUF_TYPE_MXFP4 = 39,
    GGUF_TYPE_COUNT = 40 /* one past the largest value; not a type */
} gguf_type;

#include "quants.h"

/* One row per tensor type, indexed by gguf_type. The kernel pointers are the
 * scalar reference kernels of quants.h; they are NULL for types the engine does
 * not run (only F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q4_K, Q5_K, Q6_K
 * as weights, and Q8_0, Q8_1, Q8_K as activations, have them). */
typedef struct gguf_type_info {
    const char *name;     /* lower-case ggml name, e.g. "q4_K", "f16"; NULL for unused numbers */
    uint32_t block_elems; /* weights per block (1 for plain types, 32, 256) */
    uint32_t block_bytes; /* bytes per block */
    bool quantized;       /* true for block-quantized types */
    gguf_to_float_fn to_float;     /* dequantize; NULL when unsupported */
    gguf_from_float_fn from_float; /* quantize (reference); NULL when unsupported */
    gguf_vec_dot_fn vec_dot;       /* weight row . activation row; NULL when not a weight type */
    int vec_dot_type;              /* gguf_type the activations are converted to for vec_dot */
} gguf_type_info;

/* Row for type t, or NULL when t is not a valid type number. */
const gguf_type_info *gguf_type_get(int t);

/* Upper-case display name ("Q4_K", "F16", "IQ4_XS"), or NULL for an invalid type. */
const char *gguf_type_name(int t);

/* Parse a type name, case-insensitive ("q4_k", "Q4_K", "f16", "bf16", "mxfp4").
 * Returns the type, or -1 when unknown. */
int gguf_type_from_name(const char *name);

/* Bits per weight = 8 * block_bytes / block_elems (e.g. Q4_K: 4.5); 0 for invalid. */
double gguf_type_bpw(int t);

/* Bytes of a row-major tensor of n_elements whose first dimension is ne0.
 * Returns 0 and sets *ok=false when t is invalid or ne0 is not a multiple of
 * the block size (ggml requires rows to be whole blocks). ok may be NULL. */
uint64_t gguf_type_row_bytes(int t, uint64_t ne0, bool *ok);
uint64_t gguf_type_tensor_bytes(int t, uint64_t ne0, uint64_t n_elements, bool *ok);

/* ------------------------------------------------------------------------ */
/* File types (llama_ftype). Values equal llama.cpp's numbers.                */
/* ------------------------------------------------------------------------ */
typedef enum gguf_ftype {
    GGUF_FTYPE_ALL_F32 = 0,
    GGUF_FTYPE_F16 = 1,
    GGUF_FTYPE_Q4_0 = 2,
    GGUF_FTYPE_Q4_1 = 3,
    GGUF_FTYPE_Q8_0 = 7,
    GGUF_FTYPE_Q5_0 = 8,
    GGUF_FTYPE_Q5_1 = 9,
    GGUF_FTYPE_Q2_K = 10,
    GGUF_FTYPE_Q3_K_S = 11,
    GGUF_FTYPE_Q3_K_M = 12,
    GGUF_FTYPE_Q3_K_L = 13,
    GGUF_FTYPE_Q4_K_S = 14,
    GGUF_FTYPE_Q4_K_M = 15,
    GGUF_FTYPE_Q5_K_S = 16,
    GGUF_FTYPE_Q5_K_M = 17,
    GGUF_FTYPE_Q6_K = 18,
    GGUF_FTYPE_IQ2_XXS = 19,
    GGUF_FTYPE_IQ2_XS = 20,
    GGUF_FTYPE_Q2_K_S = 21,
    GGUF_FTYPE_IQ3_XS = 22,
    GGUF_FTYPE_IQ3_XXS = 23,
    GGUF_FTYPE_IQ1_S = 24,
    GGUF_FTYPE_IQ4_NL = 25,
    GGUF_FTYPE_IQ3_S = 26,
    GGUF_FTYPE_IQ3_M = 27,
    GGUF_FTYPE_IQ2_S = 28,
    GGUF_FTYPE_IQ2_M = 29,
    GGUF_FTYPE_IQ4_XS = 30,
    GGUF_FTYPE_IQ1_M = 31,
    GGUF_FTYPE_BF16 = 32,
    GGUF_FTYPE_TQ1_0 = 36,
    GGUF_FTYPE_TQ2_0 = 37,
    GGUF_FTYPE_MXFP4_MOE = 38,
    GGUF_FTYPE_COUNT = 39
} gguf_ftype;

typedef struct gguf_ftype_info {
    const char *name;     /* "Q4_K_M", "F16", "IQ4_XS", "MXFP4_MOE"; NULL for unused numbers */
    gguf_type base_type;  /* the default type of quantized 2-D weights */
} gguf_ftype_info;

const gguf_ftype_info *gguf_ftype_get(int ft);   /* NULL when invalid */
const char *gguf_ftype_name(int ft);              /* NULL when invalid */
int gguf_ftype_from_name(const char *name);       /* case-insensitive; -1 when unknown */

/* Valid ftypes ordered from largest to smallest typical size (F32, F16, BF16,
 * Q8_0, Q6_K, Q5_K_M, ..., IQ1_S). Used by "best quant that fits".
 * Returns the count; *out points to a static array. */
size_t gguf_ftype_by_quality(const int **out);

/* ------------------------------------------------------------------------ */
/* Quantization plan: which type llama-quantize gives each tensor.           */
/* ------------------------------------------------------------------------ */

/* A tensor as the quantizer sees it. ne[] are ggml dimensions: ne[0] is the
 * row length (input features), ne[1] rows, ne[2] experts for merged MoE tensors. */
typedef struct gguf_plan_tensor {
    const char *name;   /* GGUF name, e.g. "blk.3.ffn_down.weight", "output.weight" */
    uint32_t n_dims;    /* 1..4 */
    int64_t ne[4];      /* unused dims are 1 */
} gguf_plan_tensor;

/* Model facts the rules depend on (llama.cpp hparams). */
typedef struct gguf_plan_model {
    const char *arch;      /* GGUF general.architecture, e.g. "llama", "falcon", "qwen3moe" */
    uint32_t n_layer;      /* repeating blocks */
    uint32_t n_head;       /* query heads (layer 0) */
    uint32_t n_head_kv;    /* KV heads (layer 0); n_gqa = n_head / n_head_kv */
    uint32_t n_expert;     /* 0 or 1 = dense */
    bool has_output;       /* a separate output.weight exists (false = tied to token_embd) */
    bool is_70b;           /* llama.cpp LLM_TYPE_70B (llama with 80 layers): attn_v gets Q5_K */
} gguf_plan_model;

/* Assign a type to every tensor of `tensors` (in file order, which matters:
 * llama.cpp counts attn_v / ffn_down tensors as it goes) for file type ftype,
 * exactly as llama-quantize does without an imatrix and without --pure:
 * 1-D tensors, norms and MoE routers (ffn_gate_inp) stay F32; F32/F16/BF16
 * file types give every 2-D+ weight that type; quantized file types start from
 * the base type and apply llama_tensor_get_type()'s rules, including the
 * fallback when ne[0] is not a multiple of the block size
 * (Q2_K..IQ4_XS -> IQ4_NL, Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, then F16).
 * out_types has n entries. Returns false (and fills nothing) when ftype is invalid. */
bool gguf_plan_types(int ftype, const gguf_plan_model *model,
                     const gguf_plan_tensor *tensors, size_t n, gguf_type *out_types);

/* As gguf_plan_types but with every quantizable 2-D+ weight set to `type`
 * (llama-quantize --pure); 1-D tensors and routers stay F32. */
bool gguf_plan_types_pure(int type, const gguf_plan_tensor *tensors, size_t n,
                          gguf_type *out_types);

#endif
