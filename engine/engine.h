/* engine.h - llmcap's reference inference engine: load a GGUF model, run the
 * transformer forward pass on a backend, sample tokens.
 *
 * Supported: architectures "llama" (Llama 2/3, TinyLlama, SmolLM, Mistral; tied
 * or separate output) and "qwen2" (QKV biases, NEOX RoPE); weight types F32,
 * F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K; KV cache F32 or F16.
 *
 * The forward pass is llama.cpp's for these architectures (facts from its
 * src/llama-model.cpp graph and ggml op semantics):
 *   x = token_embd[tok]
 *   per layer: h = x + Wo . Attn(RoPE(Wq n + bq), RoPE(Wk n + bk), Wv n + bv),
 *              n = RMSNorm(x) * attn_norm
 *              x = h + Wdown . (silu(Wgate m) * (Wup m)),  m = RMSNorm(h) * ffn_norm
 *   logits = Wout . (RMSNorm(x) * output_norm)   (Wout = token_embd when tied)
 * Attention is causal softmax(q.k / sqrt(head_dim)) . v over the KV cache; query
 * head h reads KV head h / (n_head / n_head_kv).
 *
 * Errors: every function that can fail returns an eng_status and writes a
 * one-line message (naming the file, key, tensor or value) into the caller's
 * err buffer. Nothing here prints or exits.
 */
#ifndef LLMCAP_ENGINE_H
#define LLMCAP_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gguf.h"
#include "tokenizer.h"

typedef enum eng_status {
    ENG_OK = 0,
    ENG_ERR_IO,           /* file cannot be opened or read */
    ENG_ERR_FORMAT,       /* malformed GGUF, missing/ill-shaped tensor or key */
    ENG_ERR_UNSUPPORTED,  /* architecture, tensor type or feature we do not run */
    ENG_ERR_NOMEM,
    ENG_ERR_ARG,          /* bad parameter (n_ctx <= 0, threads < 1, token id out of range...) */
    ENG_ERR_CTX_FULL,     /* the tokens do not fit in the remaining context */
    ENG_ERR_BACKEND       /* the backend failed (device lost, ...) */
} eng_status;

const char *eng_status_str(eng_status s);

typedef enum eng_rope_type {
    ENG_ROPE_NORM = 0,    /* rotate consecutive pairs (x[2i], x[2i+1]): llama */
    ENG_ROPE_NEOX = 2     /* rotate (x[i], x[i + rot/2]): qwen2, HF "rotate_half" */
} eng_rope_type;

/* Model hyper-parameters, read from GGUF metadata ("<arch>.*" keys). */
typedef struct eng_hparams {
    char arch[32];          /* general.architecture */
    int32_t n_vocab;        /* rows of token_embd */
    int32_t n_ctx_train;    /* <arch>.context_length */
    int32_t n_embd;         /* <arch>.embedding_length */
    int32_t n_layer;        /* <arch>.block_count */
    int32_t n_ff;           /* <arch>.feed_forward_length */
    int32_t n_head;         /* <arch>.attention.head_count */
    int32_t n_head_kv;      /* <arch>.attention.head_count_kv (default n_head) */
    int32_t head_dim;       /* <arch>.attention.key_length (default n_embd / n_head) */
    int32_t n_rot;          /* <arch>.rope.dimension_count (default head_dim) */
    float rope_freq_base;   /* <arch>.rope.freq_base (default 10000) */
    float rope_freq_scale;  /* 1 / <arch>.rope.scale_linear (default 1) */
    float norm_eps;         /* <arch>.attention.layer_norm_rms_epsilon */
    eng_rope_type rope_type;
    bool tied_output;       /* no output.weight: logits use token_embd */
    bool qkv_bias;          /* attn_q/k/v.bias present (qwen2) */
    int file_type;          /* general.file_type or -1 */
    uint64_t n_params;      /* sum of tensor elements */
    uint64_t weight_bytes;  /* sum of tensor data bytes */
} eng_hparams;

/* One layer's weights: pointers into the mapped file (no copies). */
typedef struct eng_weight {
    const void *data;       /* tensor data, gguf type `type` */
    gguf_type type;
    int64_t ne0, ne1;       /* ne0 = input features (row length), ne1 = rows (outputs) */
    size_t row_bytes;
} eng_weight;

typedef struct eng_layer {
    eng_weight attn_norm, wq, wk, wv, wo, bq, bk, bv, ffn_norm, w_gate, w_up, w_down;
} eng_layer;

typedef struct eng_model {
    gguf_ctx *gguf;         /* owns the mapping / buffer */
    eng_hparams hp;
    tok_vocab *vocab;       /* NULL when the file has no tokenizer metadata */
    eng_weight tok_embd, output_norm, output, rope_freqs;  /* rope_freqs.data NULL when absent */
    eng_layer *layers;      /* hp.n_layer entries */
} eng_model;

/* Open a model. The file is memory-mapped; open_memory uses buf in place (it
 * must outlive the model). Checks the architecture, every tensor's presence,
 * type and shape against the hyper-parameters, and loads the tokenizer. */
eng_status eng_model_open_file(const char *path, eng_model **out, char *err, size_t err_len);
eng_status eng_model_open_memory(const void *buf, size_t len, eng_model **out, char *err, size_t err_len);
void eng_model_free(eng_model *m);

/* llama-bench's model_type text, e.g. "llama 160M Q4_0" (arch, size class from
 * n_params, file type name). */
void eng_model_desc(const eng_model *m, char *buf, size_t len);

typedef struct eng_backend eng_backend;

typedef struct eng_ctx_params {
    int32_t n_ctx;          /* KV cache positions (default: min(n_ctx_train, 4096)) */
    int32_t n_batch;        /* max tokens per forward call (default 512) */
    int32_t n_threads;      /* CPU threads (default 1) */
    gguf_type type_kv;      /* GGUF_TYPE_F32 or GGUF_TYPE_F16 (default F16, as llama.cpp) */
    const char *backend;    /* "cpu" (default), "webgpu", or "auto" (webgpu when a real
                             * adapter opens, else cpu; eng_ctx_backend_note says why) */
    bool gpu_profile;       /* webgpu: enable timestamp queries for eng_ctx_profile_* */
} eng_ctx_params;

eng_ctx_params eng_ctx_default_params(void);

/* The device a GPU backend runs on, as its adapter reports it. */
typedef struct eng_device_info {
    char vendor[64];
    char architecture[64];
    char device[128];
    char description[160];
    char api[16];            /* the adapter's native API: "vulkan", "metal", ... ("webgpu" in a browser) */
    char adapter_type[16];   /* "discrete", "integrated", "cpu", "unknown" */
    uint32_t vendor_id, device_id;
    bool fallback;           /* a software fallback adapter (SwiftShader) */
    char features[96];       /* what the kernels use, e.g. "int8 dot: dot4I8Packed; timestamps yes" */
} eng_device_info;

/* GPU time of one kernel (summed over `count` dispatches), in nanoseconds. */
typedef struct eng_kernel_time {
    char name[32];
    double ns;
    int count;
} eng_kernel_time;

typedef struct eng_ctx {
    const eng_model *model;
    eng_ctx_params params;
    eng_backend *be;
    int32_t n_past;         /* positions already in the KV cache */
    float *logits;          /* n_vocab floats: the last token's logits */
    struct eng_scratch *scratch; /* forward.c's activation buffers */
    char backend_note[256];  /* why "auto" chose what it chose ("" otherwise) */
} eng_ctx;

eng_status eng_ctx_create(const eng_model *m, const eng_ctx_params *p, eng_ctx **out,
                          char *err, size_t err_len);
void eng_ctx_free(eng_ctx *c);
/* Forget the KV cache (n_past = 0). */
void eng_ctx_reset(eng_ctx *c);

/* Run n tokens at positions n_past .. n_past+n-1 (split into n_batch chunks),
 * append them to the KV cache and leave the logits of the last token in
 * c->logits (n_vocab floats). ENG_ERR_CTX_FULL when n_past + n > n_ctx;
 * ENG_ERR_ARG for an id outside [0, n_vocab). */
eng_status eng_decode(eng_ctx *c, const int32_t *tokens, int32_t n, char *err, size_t err_len);

/* Like eng_decode, then *next = the greedy (argmax, ties to the lowest id)
 * token after the last position. A backend with an on-device argmax (webgpu)
 * reads back 4 bytes instead of the logits; c->logits is then NOT updated. */
eng_status eng_decode_greedy(eng_ctx *c, const int32_t *tokens, int32_t n, int32_t *next, char *err,
                             size_t err_len);

/* The backend running the context: "cpu" or "webgpu". */
const char *eng_ctx_backend(const eng_ctx *c);
/* A GPU backend's device (true), or false for the CPU. */
bool eng_ctx_device_info(const eng_ctx *c, eng_device_info *out);
/* Per-kernel GPU time: begin, run eng_decode*, end. Needs a context created
 * with gpu_profile (ENG_ERR_UNSUPPORTED on the CPU or when the adapter has no
 * timestamp queries). end fills out[0 .. *n) (at most cap kernels, by name). */
eng_status eng_ctx_profile_begin(eng_ctx *c, char *err, size_t err_len);
eng_status eng_ctx_profile_end(eng_ctx *c, eng_kernel_time *out, int cap, int *n, char *err, size_t err_len);

/* Bytes of the KV cache for the context's n_ctx and type. */
uint64_t eng_ctx_kv_bytes(const eng_ctx *c);
/* Name of the SIMD level the CPU backend runs ("avx512", "avx2", "scalar",
 * "wasm-simd128"); "webgpu" for the GPU backend. */
const char *eng_ctx_simd_name(const eng_ctx *c);

/* ---- sampling ---- */
typedef struct eng_sampler_params {
    float temperature;      /* <= 0: greedy (argmax, ties to the lowest id) */
    int32_t top_k;          /* <= 0: off */
    float top_p;            /* >= 1: off */
    uint64_t seed;
} eng_sampler_params;

typedef struct eng_sampler { eng_sampler_params p; uint64_t state; } eng_sampler;

void eng_sampler_init(eng_sampler *s, const eng_sampler_params *p);
/* Pick a token from n_vocab logits (the array is not modified). */
int32_t eng_sample(eng_sampler *s, const float *logits, int32_t n_vocab);
/* The engine's PRNG: splitmix64 (Steele, Lea, Flood 2014); advances *state
 * and returns 64 random bits. Used by the sampler and bench's random prompts. */
uint64_t eng_splitmix64(uint64_t *state);
/* Argmax with ties to the lowest id. */
int32_t eng_argmax(const float *logits, int32_t n);

#endif
