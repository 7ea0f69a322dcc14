/* mkmodel.h - synthetic GGUF models of real shapes: llama.cpp's tensor names,
 * shapes and metadata keys, seeded random weights, any engine tensor type.
 *
 * What a written file holds (names and keys as llama.cpp's convert_hf_to_gguf.py
 * and llama-arch.cpp write them, ARCH = "llama" or "qwen2"):
 *   general.architecture, general.name, general.file_type (llama_ftype),
 *   ARCH.vocab_size, .context_length, .embedding_length, .block_count,
 *   .feed_forward_length, .attention.head_count, .attention.head_count_kv,
 *   .attention.key_length / .value_length (only when head_dim != n_embd/n_head),
 *   .rope.dimension_count (= head_dim), .rope.freq_base,
 *   .attention.layer_norm_rms_epsilon, and the tokenizer.* keys.
 *   Tensors (ggml ne order, ne[0] = row length = input features):
 *     token_embd.weight          [n_embd, n_vocab]
 *     blk.N.attn_norm.weight     [n_embd]
 *     blk.N.attn_q.weight        [n_embd, n_head*head_dim]     (+ .bias [n_head*head_dim] when qkv_bias)
 *     blk.N.attn_k.weight        [n_embd, n_head_kv*head_dim]  (+ .bias)
 *     blk.N.attn_v.weight        [n_embd, n_head_kv*head_dim]  (+ .bias)
 *     blk.N.attn_output.weight   [n_head*head_dim, n_embd]
 *     blk.N.ffn_norm.weight      [n_embd]
 *     blk.N.ffn_gate.weight      [n_embd, n_ff]
 *     blk.N.ffn_up.weight        [n_embd, n_ff]
 *     blk.N.ffn_down.weight      [n_ff, n_embd]
 *     output_norm.weight         [n_embd]
 *     output.weight              [n_embd, n_vocab]  (absent when tied to token_embd)
 *
 * Weights: every matrix of ne [in, out] is drawn N(0, 1/in) ("fan_in": logits
 * then have a standard deviation near 1, so greedy text varies), norm weights
 * are 1.0, biases N(0, 0.02^2). Each row has its own PRNG stream, seeded from
 * (seed, tensor index, row), so the output is byte-identical for a given seed
 * whatever the thread count, and a quantized model is the quantization of the
 * F32 model of the same seed. 1-D tensors stay F32.
 *
 * Files are written streaming (one chunk of rows at a time, never the whole
 * model in memory) into a temp file beside the target, renamed into place only
 * when complete: an error leaves no file behind.
 *
 * The library never prints: functions return an mkmodel_status and write a
 * one-line message into the caller's buffer.
 */
#ifndef LLMCAP_ENGINE_MKMODEL_H
#define LLMCAP_ENGINE_MKMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gguf.h"

struct llmcap_model_spec;

typedef enum mkmodel_status {
    MKMODEL_OK = 0,
    MKMODEL_ERR_INVALID,      /* bad parameters: dims, shape name, type, vocab too large */
    MKMODEL_ERR_UNSUPPORTED,  /* a shape of another architecture, or a type without a quantizer */
    MKMODEL_ERR_IO,           /* the output could not be created or written */
    MKMODEL_ERR_NOMEM
} mkmodel_status;

/* Short fixed description ("invalid parameters"); never NULL. */
const char *mkmodel_status_str(mkmodel_status s);

/* Hard limits that reject absurd requests before anything is allocated. */
#define MKMODEL_MAX_PARAMS 1e12          /* parameters in one file */
#define MKMODEL_MAX_DIM    (1u << 24)    /* any one of n_embd, n_ff, n_vocab, head_dim*heads */
#define MKMODEL_MAX_LAYERS 4096u
#define MKMODEL_MAX_HEADS  4096u

typedef struct mkmodel_params {
    char arch[16];          /* GGUF general.architecture: "llama" or "qwen2" */
    char name[96];          /* general.name; "" = "synthetic-<arch>" */
    uint32_t n_embd;        /* hidden size */
    uint32_t n_layer;       /* repeating blocks */
    uint32_t n_head;        /* query heads */
    uint32_t n_head_kv;     /* KV heads; must divide n_head */
    uint32_t n_ff;          /* FFN intermediate size */
    uint32_t n_vocab;       /* rows of token_embd / output */
    uint32_t head_dim;      /* 0 = n_embd / n_head (must divide then); must be even (RoPE pairs) */
    uint32_t n_ctx;         /* context_length written to the file; 0 = 2048 */
    float rope_base;        /* rope.freq_base; 0 = 10000 */
    float rms_eps;          /* layer_norm_rms_epsilon; 0 = 1e-5 (llama) / 1e-6 (qwen2) */
    bool tied;              /* no output.weight: the output projection is token_embd */
    bool qkv_bias;          /* attn_q/k/v biases (always on for qwen2) */
    int weight_type;        /* gguf_type of every 2-D weight ("pure"), or -1: use ftype */
    int ftype;              /* llama_ftype mix by llama-quantize's rules (gguf_plan_types);
                               used when weight_type < 0 */
    uint64_t seed;          /* PRNG seed */
    const gguf_ctx *vocab;  /* copy its tokenizer.* keys (padded to n_vocab with
                               "<unused_N>" tokens); NULL = the built-in byte-fallback vocab */
    uint32_t n_threads;     /* worker threads; 0 = online CPUs (the output does not depend on it) */
} mkmodel_params;

/* Zero dims, arch "llama", weight_type F32, seed 42, everything else 0/NULL/false. */
mkmodel_params mkmodel_default_params(void);

/* Dims of a built-in benchmark shape: "small" (1024 embd, 8 layers, 16/4 heads,
 * head_dim 64, n_ff 2816, vocab 32000, separate output, ctx 2048: 155.7 M
 * params) or "tiny" (256 embd, 4 layers, 8/4 heads, n_ff 768, vocab 32000,
 * tied output, ctx 512: 11.3 M params), as in shared/testdata/models/README.md.
 * Only the shape fields of *p are set. INVALID when the name is not one of these. */
mkmodel_status mkmodel_builtin_shape(const char *name, mkmodel_params *p);

/* Dims of a model of the estimator's database (llmcap_model_spec). Dense
 * llama-architecture specs (Llama, Mistral, TinyLlama, SmolLM) give "llama",
 * qwen2 specs give "qwen2" with QKV biases; the rope base and RMS epsilon are
 * family defaults from the models' Hugging Face config.json. UNSUPPORTED for
 * other architectures and for mixture-of-experts models. */
mkmodel_status mkmodel_params_from_spec(const struct llmcap_model_spec *spec, mkmodel_params *p,
                                        char *err, size_t err_len);

/* Parse a --type name, case-insensitive: a tensor type (F32, F16, BF16, Q8_0,
 * Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K: every 2-D weight gets it) sets
 * *weight_type and *ftype = -1; a llama.cpp file-type mix (Q4_K_M, Q5_K_M,
 * Q4_K_S, ...) sets *ftype and *weight_type = -1. INVALID when unknown. */
mkmodel_status mkmodel_parse_type(const char *name, int *weight_type, int *ftype,
                                  char *err, size_t err_len);

/* Check every field (dims, divisibility, limits, block sizes of the chosen
 * type(s), quantizers present, vocab size) and fill the defaults (head_dim,
 * n_ctx, rope_base, rms_eps, name, qkv_bias for qwen2) in *p. Writes nothing. */
mkmodel_status mkmodel_validate(mkmodel_params *p, char *err, size_t err_len);

/* Parameter count of the shape (all tensors); 0 when dims are zero. As a
 * double because absurd inputs may exceed 2^64 before validation. */
double mkmodel_n_params(const mkmodel_params *p);

/* What was written. */
typedef struct mkmodel_result {
    uint64_t n_params;       /* elements of all tensors */
    uint64_t n_tensors;
    uint64_t tensor_bytes;   /* sum of tensor data bytes, without padding */
    uint64_t file_bytes;     /* the whole file */
    int ftype;               /* general.file_type written */
} mkmodel_result;

/* Validate and write the model to path (temp file + rename; nothing is left
 * behind on error). res may be NULL. IO for file errors (the message names the
 * path and errno text), NOMEM, or the statuses of mkmodel_validate. */
mkmodel_status mkmodel_write_file(const mkmodel_params *params, const char *path,
                                  mkmodel_result *res, char *err, size_t err_len);

/* Validate and write the model into a malloc'ed buffer (*out, caller frees;
 * *len bytes). For tests and the browser; holds the whole file in memory. */
mkmodel_status mkmodel_write_memory(const mkmodel_params *params, uint8_t **out, size_t *len,
                                    mkmodel_result *res, char *err, size_t err_len);

#endif
