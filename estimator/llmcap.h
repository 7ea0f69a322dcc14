/* llmcap.h - the whole public API of the llmcap estimator library.
 *
 * Will this model fit, and how fast will it run? Given a model (an id from
 * data/models.json, a GGUF header, or a Hugging Face config.json), hardware (an
 * id from data/hardware.json or custom figures) and run options (quant, n_ctx,
 * n_batch/n_ubatch, KV cache type, flash attention, n_gpu_layers, ...), the
 * library computes a per-device memory plan and decode / prefill speed.
 *
 * Units: bytes (and GiB = 2^30 bytes where a name says gib), GB/s = 10^9 bytes/s
 * (`_gbps`), TFLOPS = 10^12 FLOP/s (`_tflops`), tokens/s (`_tok_s`), ms (`_ms`).
 *
 * Conventions: the library never prints and never exits. Functions return an
 * llmcap_status (0 = OK) and, when given an llmcap_error, fill it with a
 * one-line message naming the problem ("n_ctx 1000000000000 is out of range
 * (1..16777216)"). Objects come in _create/_free or _load/_free pairs and are
 * owned by the caller.
 */
#ifndef LLMCAP_H
#define LLMCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ========================================================================= */
/* Status                                                                     */
/* ========================================================================= */
typedef enum llmcap_status {
    LLMCAP_OK = 0,
    LLMCAP_ERR_INVALID_ARG, /* a number or option out of range, or inconsistent options */
    LLMCAP_ERR_NOT_FOUND,   /* unknown model / hardware / quant name */
    LLMCAP_ERR_PARSE,       /* malformed or truncated JSON or GGUF */
    LLMCAP_ERR_IO,          /* a file could not be read or written */
    LLMCAP_ERR_NOMEM,
    LLMCAP_ERR_UNSUPPORTED  /* valid input the estimator cannot model */
} llmcap_status;

/* Short fixed description of a status ("invalid argument"). Never NULL. */
const char *llmcap_status_str(llmcap_status s);

/* Error detail filled by failing calls: the status and a one-line message. */
typedef struct llmcap_error {
    llmcap_status status;
    char msg[512];
} llmcap_error;

/* Version string, e.g. "0.1.0". */
const char *llmcap_version(void);

/* ========================================================================= */
/* Data: hardware and model specifications (data/ JSON files, loaded with cJSON)  */
/* ========================================================================= */
typedef enum llmcap_hw_kind {
    LLMCAP_HW_GPU = 0,   /* discrete GPU with its own VRAM, host link over PCIe/NVLink-C2C */
    LLMCAP_HW_APPLE,     /* Apple Silicon: unified memory, Metal */
    LLMCAP_HW_IGPU,      /* other unified-memory GPU (Strix Halo, GB10) */
    LLMCAP_HW_CPU,       /* a CPU memory platform: RAM bandwidth, no fixed capacity */
    LLMCAP_HW_KIND_COUNT
} llmcap_hw_kind;

const char *llmcap_hw_kind_name(llmcap_hw_kind k);   /* "gpu", "apple", "igpu", "cpu" */

/* One device or memory platform (a row of data/hardware.json, or custom). */
typedef struct llmcap_hardware {
    char id[64];             /* "rtx-4090"; "custom" for user-given figures */
    char vendor[32];         /* "NVIDIA", "AMD", "Apple", "Intel", "generic" */
    char name[128];          /* "GeForce RTX 4090" */
    llmcap_hw_kind kind;
    double memory_bytes;     /* device memory capacity, bytes; 0 for CPU platforms (RAM is given per run) */
    double bandwidth_gbps;   /* theoretical peak memory bandwidth, GB/s (10^9 B/s); > 0 */
    double fp16_tflops;      /* dense FP16 matrix throughput (FP32 accumulate), TFLOPS; 0 = unknown */
    double fp32_tflops;      /* FP32 vector throughput, TFLOPS; 0 = unknown */
    double int8_tops;        /* dense INT8 matrix throughput, TOPS; 0 = unknown */
    double pcie_gbps;        /* host link bandwidth per direction, GB/s; 0 = unified memory / not applicable */
    double tdp_w;            /* board power or TDP, W; 0 = unknown */
    int launch_year;         /* 0 = unknown */
    char memory_type[48];    /* "GDDR6X", "HBM3e", "LPDDR5X-8533", "DDR5-4800 RDIMM" */
    char interconnect[128];  /* as published: "PCIe 4.0 x16", "NVLink 4 900 GB/s; PCIe 5.0 x16 host" */
    const char *source;      /* where the figures come from (owned by the db); may be NULL */
    const char *notes;       /* owned by the db; may be NULL */
} llmcap_hardware;

/* One model architecture (a row of data/models.json, or from GGUF / config.json).
 * Names follow llama.cpp's hparams; 0 means "not applicable" unless stated. */
typedef struct llmcap_model_spec {
    char id[64];              /* "llama-3.1-8b" */
    char name[96];            /* "Llama 3.1 8B" */
    char family[32];          /* "llama-3" */
    char arch[32];            /* GGUF general.architecture: llama, qwen2, qwen3, qwen3moe, gemma2,
                                 gemma3, phi3, deepseek2, gpt-oss, ... (mistral/mixtral -> llama) */
    double params_total;      /* parameter count (not billions); 0 = derive from the shapes */
    double params_active;     /* parameters used per token (MoE); 0 = same as total */
    uint32_t n_layer;         /* repeating blocks */
    uint32_t n_embd;          /* hidden size */
    uint32_t n_ff;            /* dense FFN intermediate size (dense layers) */
    uint32_t n_head;          /* query heads */
    uint32_t n_head_kv;       /* KV heads (GQA); == n_head for MHA */
    uint32_t head_dim;        /* K/Q head dim (head_dim_k); for MLA the full q/k head dim (192) */
    uint32_t head_dim_v;      /* V head dim; 0 = head_dim */
    uint32_t n_vocab;
    uint32_t n_ctx_train;     /* max_position_embeddings */
    bool tied_embeddings;     /* output projection shares token_embd (no output.weight) */
    bool qkv_bias;            /* Q/K/V projections have biases (qwen2) */
    /* MoE */
    uint32_t n_expert;        /* routed experts; 0 = dense */
    uint32_t n_expert_used;   /* routed experts active per token */
    uint32_t n_ff_exp;        /* per-expert FFN size; 0 = n_ff */
    uint32_t n_expert_shared; /* shared experts (always active) */
    uint32_t n_ff_shexp;      /* shared expert FFN size; 0 = n_ff_exp * n_expert_shared */
    uint32_t n_layer_dense_lead; /* leading dense layers before MoE layers (DeepSeek first_k_dense_replace) */
    /* sliding-window attention */
    uint32_t swa_window;      /* tokens; 0 = no sliding window */
    uint32_t swa_pattern;     /* 1 = every layer slides; N > 1 = in each group of N layers the
                                 first N-1 slide and the last is global (Gemma 2: 2, Gemma 3: 6) */
    /* multi-head latent attention (DeepSeek-V2/V3) */
    uint32_t kv_lora_rank;    /* 0 = no MLA */
    uint32_t q_lora_rank;
    uint32_t qk_rope_head_dim;
    const char *source;       /* owned by the db / model; may be NULL */
    const char *notes;
} llmcap_model_spec;

/* The loaded data files. */
typedef struct llmcap_db llmcap_db;

/* Load data/hardware.json and data/models.json from JSON text in memory (the
 * browser has no filesystem). Every entry is validated; on error the message
 * names the file label, the entry (index and id) and the field:
 *   "hardware.json: entry 12 (rtx-4090): field 'bandwidth_gbps' must be a number > 0".
 * hw_label/models_label name the sources in messages (e.g. "data/hardware.json"). */
llmcap_status llmcap_db_load_json(const char *hardware_json, size_t hardware_len, const char *hw_label,
                                  const char *models_json, size_t models_len, const char *models_label,
                                  llmcap_db **out, llmcap_error *err);
/* Load from a directory holding hardware.json and models.json. */
llmcap_status llmcap_db_load_dir(const char *dir, llmcap_db **out, llmcap_error *err);
void llmcap_db_free(llmcap_db *db);

size_t llmcap_db_n_hardware(const llmcap_db *db);
const llmcap_hardware *llmcap_db_hardware_at(const llmcap_db *db, size_t i);
size_t llmcap_db_n_models(const llmcap_db *db);
const llmcap_model_spec *llmcap_db_model_at(const llmcap_db *db, size_t i);

/* Find by id or alias (case-insensitive; aliases come from the "aliases" arrays,
 * e.g. "4090 24GB" -> rtx-4090). NULL when not found. */
const llmcap_hardware *llmcap_db_find_hardware(const llmcap_db *db, const char *name);
const llmcap_model_spec *llmcap_db_find_model(const llmcap_db *db, const char *name);

/* As find, but on failure fills err (LLMCAP_ERR_NOT_FOUND) with the nearest
 * names: "unknown hardware 'rtx-4900'; did you mean rtx-4090, rtx-4080, rtx-4060?" */
const llmcap_hardware *llmcap_db_lookup_hardware(const llmcap_db *db, const char *name, llmcap_error *err);
const llmcap_model_spec *llmcap_db_lookup_model(const llmcap_db *db, const char *name, llmcap_error *err);

/* Up to max names from `names` nearest to `query` (edit distance on lower-case
 * strings, substring matches first); returns how many were written to out. */
size_t llmcap_nearest_names(const char *query, const char *const *names, size_t n_names,
                            const char **out, size_t max);

/* ========================================================================= */
/* Models resolved to tensors                                                 */
/* ========================================================================= */

/* A model resolved to its list of tensors (names, shapes, layer, role) and,
 * when it comes from a GGUF file, their exact types and bytes. */
typedef struct llmcap_model llmcap_model;

/* From a spec (data id or config.json): tensors synthesised with llama.cpp's
 * names and shapes; types are assigned per estimate from the quant option. */
llmcap_status llmcap_model_from_spec(const llmcap_model_spec *spec, llmcap_model **out, llmcap_error *err);

/* From a GGUF image in memory: buf holds the first len bytes of a file of
 * file_size bytes (header + tensor infos suffice; see gguf_open_memory).
 * Weights are exact: per-tensor types and bytes from the file. When the header
 * is longer than len: LLMCAP_ERR_PARSE with *need_bytes (if not NULL) set. */
llmcap_status llmcap_model_from_gguf_memory(const void *buf, size_t len, uint64_t file_size,
                                            size_t *need_bytes, llmcap_model **out, llmcap_error *err);
/* From a GGUF file path (memory-mapped; only the header pages are read). */
llmcap_status llmcap_model_from_gguf_file(const char *path, llmcap_model **out, llmcap_error *err);

/* From a Hugging Face config.json text (LlamaForCausalLM, Qwen2/3, Mistral,
 * Mixtral, Gemma 2/3, Phi-3, DeepSeek-V3, gpt-oss ...). Missing required fields
 * are named in the error. */
llmcap_status llmcap_spec_from_hf_config(const char *json, size_t len, llmcap_model_spec *out, llmcap_error *err);

void llmcap_model_free(llmcap_model *m);

/* The architecture facts (for GGUF models, read from the metadata). */
const llmcap_model_spec *llmcap_model_spec_get(const llmcap_model *m);
/* True when the weights are exact (from a GGUF file). */
bool llmcap_model_is_exact(const llmcap_model *m);
/* File type recorded in the GGUF (general.file_type), or -1. */
int llmcap_model_file_ftype(const llmcap_model *m);
/* Number of tensors. */
size_t llmcap_model_n_tensors(const llmcap_model *m);
/* Total parameter count (sum of tensor elements). */
double llmcap_model_n_params(const llmcap_model *m);

/* ========================================================================= */
/* Model parameters (efficiencies, overheads): one table, overridable         */
/* ========================================================================= */

/* Free parameters of the performance model for one class of device. Defaults
 * (llmcap_profile_default) are named constants in estimator/profile.c, each with
 * a comment on where its value comes from. A calibration profile replaces them. */
typedef struct llmcap_backend_params {
    double bw_eff;            /* fraction of peak memory bandwidth reached by decode (0..1] */
    double compute_eff;       /* fraction of peak FP16 (CPU: FP32) FLOPS reached by prefill (0..1] */
    double tok_overhead_ms;   /* fixed time per decode step (launches, sync, sampling), ms */
    double layer_overhead_us; /* extra time per layer per decode step, microseconds */
    double runtime_bytes;     /* memory taken by the runtime/context on the device, bytes */
    double default_tflops;    /* compute assumed when the device lists none (CPU platforms), TFLOPS */
    double attn_eff;          /* fraction of peak compute reached by decode attention over the KV cache */
    double bw_cap_gbps;       /* ceiling on the effective bandwidth of quantized matrix-vector
                                 kernels, GB/s; 0 = none */
    double usable_mem_frac;   /* fraction of the device memory llama.cpp may use (Metal's
                                 recommendedMaxWorkingSetSize on Apple) (0..1] */
    double prefill_cap_tflops;/* prefill throughput ceiling combined harmonically with
                                 compute_eff * peak: 1/rate = 1/(eff*peak) + 1/cap; 0 = none */
    double prefill_attn_eff;  /* attention FLOPs in prefill run at this fraction of the matmul rate */
    double decode_compute_eff;/* fraction of peak compute reached by the matrix-vector products of decode
                                 (kernels bound by dequantization rather than memory: 2 FLOPs per weight);
                                 0 = compute_eff */
    /* Spread of log(measured / predicted tokens/s) over the runs a calibration was fitted to
     * (llmcap calibrate, estimator/calibrate.c); 0 = unknown. */
    double decode_sd_log;     /* residual standard deviation of log decode tokens/s (dof-corrected) */
    double prefill_sd_log;    /* the same for prefill */
    double decode_pi_log;     /* half-width of the 90% prediction interval of log decode tokens/s:
                                 an estimate prints decode_tok_s * exp(-/+ decode_pi_log) as low/high */
    double prefill_pi_log;    /* the same for prefill */
} llmcap_backend_params;

/* The parameters of one engine other than llama.cpp (a calibration profile's
 * "engines" section, e.g. "llmcap-engine/webgpu"): used instead of the
 * profile's classes when llmcap_params.engine names it. */
typedef struct llmcap_engine_profile {
    char engine[48];                                       /* "llmcap-engine/webgpu", "llmcap-engine/cpu" */
    llmcap_backend_params kind[LLMCAP_HW_KIND_COUNT];      /* as llmcap_profile.kind */
    llmcap_backend_params kind_stderr[LLMCAP_HW_KIND_COUNT]; /* standard errors of fitted fields; 0 = not fitted */
} llmcap_engine_profile;

#define LLMCAP_PROFILE_MAX_ENGINES 4

typedef struct llmcap_profile {
    char name[64];                                  /* "default" or the profile's name */
    llmcap_backend_params kind[LLMCAP_HW_KIND_COUNT]; /* indexed by llmcap_hw_kind */
    double multi_gpu_overhead_ms;  /* per extra GPU per decode step (layer split hand-off), ms */
    double pcie_eff;               /* fraction of the host link bandwidth reached for weight uploads */
    double host_bw_eff;            /* fraction of host RAM bandwidth reached by CPU decode of offloaded layers */
    /* what a calibration adds (all 0 / "" in the hand-set constants) */
    llmcap_backend_params kind_stderr[LLMCAP_HW_KIND_COUNT]; /* standard error of each fitted field, same
                                                                units; 0 = not fitted (a start value) */
    double multi_gpu_overhead_ms_stderr, pcie_eff_stderr, host_bw_eff_stderr;
    char created[32];              /* date the profile was made (YYYY-MM-DD), "" = unknown */
    uint32_t n_engines;            /* engine sections in use */
    llmcap_engine_profile engines[LLMCAP_PROFILE_MAX_ENGINES];
} llmcap_profile;

/* The default profile: the calibration shipped in data/profile.json (made by
 * `make profile` from ../shared/reference/measured_runs.csv and data/measured/,
 * embedded into the library), parsed on first use. Never NULL; should the
 * embedded text not parse, the hand-set constants. */
const llmcap_profile *llmcap_profile_default(void);
/* The hand-set constants of estimator/profile.c (each with its source): the
 * starting point of a calibration and the base a profile file's missing
 * parameters come from. Never NULL. */
const llmcap_profile *llmcap_profile_handset(void);
/* The parameters of device class k under engine ("" or "llama.cpp" = the
 * profile's classes, else one of its engine sections); NULL when p has no
 * section of that name. */
const llmcap_backend_params *llmcap_profile_class(const llmcap_profile *p, const char *engine, llmcap_hw_kind k);
/* A profile file's parameters, loaded once per path (llmcap_profile_load_file)
 * and kept for the life of the process (at most 16 files; not thread-safe):
 * what `--profile FILE` resolves to. Errors as llmcap_profile_load_file. */
llmcap_status llmcap_profile_load_cached(const char *path, const llmcap_profile **out, llmcap_error *err);

/* ========================================================================= */
/* Estimate                                                                   */
/* ========================================================================= */

/* Bounds a speed can be limited by. */
typedef enum llmcap_bound {
    LLMCAP_BOUND_BANDWIDTH = 0, /* device memory bandwidth (weights + KV reads) */
    LLMCAP_BOUND_COMPUTE,       /* device FLOPS */
    LLMCAP_BOUND_HOST_RAM,      /* offloaded layers run on the CPU from host RAM */
    LLMCAP_BOUND_PCIE,          /* weights streamed over the host link (prefill with offload) */
    LLMCAP_BOUND_OVERHEAD,      /* fixed per-token overhead dominates (tiny models) */
    LLMCAP_BOUND_COUNT
} llmcap_bound;

const char *llmcap_bound_name(llmcap_bound b);  /* "bandwidth", "compute", "host-ram", "pcie", "overhead" */

#define LLMCAP_MAX_GPUS 16
#define LLMCAP_NCTX_MAX 16777216u   /* 16M tokens: the largest n_ctx accepted */

/* Run options. Start from llmcap_params_default() and change fields. */
typedef struct llmcap_params {
    /* quantization (ignored for GGUF models unless override_types is set) */
    int ftype;               /* llama.cpp file type (gguf_ftype), -1 = not given */
    int tensor_type;         /* one type for every 2-D weight (gguf_type, "pure"), -1 = not given;
                                when neither is given: Q4_K_M */
    bool override_types;     /* apply ftype/tensor_type to a GGUF model too (what-if requant) */

    /* context and batch (llama.cpp names) */
    uint32_t n_ctx;          /* KV cache size in tokens (all sequences together); 0 = model's n_ctx_train */
    uint32_t n_batch;        /* logical batch, tokens (llama.cpp default 2048) */
    uint32_t n_ubatch;       /* physical batch, tokens (default 512); must be <= n_batch */
    uint32_t n_seq;          /* parallel sequences decoding together (llama.cpp -np); >= 1 */
    int type_k, type_v;      /* KV cache types (gguf_type): F32, F16 (default), BF16, Q8_0, Q4_0, Q4_1,
                                Q5_0, Q5_1, IQ4_NL; a quantized V needs flash_attn (as in llama.cpp) */
    bool flash_attn;         /* flash attention on */
    int n_gpu_layers;        /* llama.cpp -ngl: layers on the GPU(s), counting the output layer,
                                which is offloaded first; -1 = all (default) */

    /* what is timed */
    uint32_t n_prompt;       /* prompt tokens for prefill / TTFT (default 512) */
    uint32_t n_gen;          /* generated tokens (default 128) */
    uint32_t depth;          /* tokens already in the KV cache before the prompt / decode (default 0) */

    /* hardware */
    llmcap_hardware gpu;     /* the accelerator (or a CPU platform / Apple SoC for CPU-only runs) */
    uint32_t n_gpu;          /* identical GPUs, layers split across them (llama.cpp --split-mode layer); >= 1 */
    llmcap_hardware host;    /* the host memory platform for offloaded layers (a CPU platform) */
    bool has_host;           /* host given; when false a dual-channel DDR5-5600 desktop is assumed */
    double host_ram_bytes;   /* host RAM capacity, bytes; 0 = not checked */
    uint32_t n_threads;      /* CPU threads for CPU layers; 0 = enough to saturate RAM bandwidth */

    const llmcap_profile *profile; /* NULL = llmcap_profile_default() */
    char engine[48];               /* "" or "llama.cpp": the profile's classes; else an engine section of
                                      the profile ("llmcap-engine/webgpu"): its parameters are used */
} llmcap_params;

/* Defaults: Q4_K_M, n_ctx 0 (model's), n_batch 2048, n_ubatch 512, n_seq 1,
 * F16 KV, flash attention off, n_gpu_layers -1, pp 512, tg 128, depth 0,
 * n_gpu 1. gpu and host are zeroed: the caller must set gpu. */
llmcap_params llmcap_params_default(void);

/* Memory of one device. */
typedef struct llmcap_device_mem {
    char name[128];          /* "GeForce RTX 4090 #0", "host (CPU RAM)" */
    llmcap_hw_kind kind;
    bool is_host;            /* host RAM: offloaded layers, token embeddings, output buffer */
    double capacity_bytes;   /* 0 = unknown (host RAM not given) */
    double weights_bytes;
    double kv_bytes;
    double compute_bytes;    /* compute (activation) buffer */
    double output_bytes;     /* logits/embeddings output buffer (host) */
    double overhead_bytes;   /* runtime/context overhead */
    double total_bytes;      /* sum of the parts */
    uint32_t n_layers;       /* repeating layers placed here */
    bool has_output_layer;   /* the output (lm_head) layer is here */
    bool fits;               /* total <= capacity (or capacity unknown) */
} llmcap_device_mem;

#define LLMCAP_MAX_DEVICES (LLMCAP_MAX_GPUS + 1)

typedef struct llmcap_result {
    struct {
        double weights_bytes;    /* all weights (all devices) */
        double kv_bytes;         /* KV cache, all devices */
        double compute_bytes;
        double output_bytes;
        double overhead_bytes;
        double total_bytes;
        uint32_t n_devices;      /* GPUs then host */
        llmcap_device_mem devices[LLMCAP_MAX_DEVICES];
    } memory;
    bool fits;
    char limit_reason[192];      /* "" when it fits; else e.g. "GeForce RTX 4090 #0 needs 25.3 GiB of 24.0 GiB" */
    struct {
        double decode_tok_s;       /* single-sequence decode at `depth` (+ half of n_gen), tokens/s */
        double decode_tok_s_low;   /* 90% prediction interval of decode_tok_s from the profile's fitted
                                      spread (decode_pi_log); both 0 when the profile has none */
        double decode_tok_s_high;
        double prefill_tok_s_low;  /* the same for prefill_tok_s (prefill_pi_log) */
        double prefill_tok_s_high;
        double decode_ms_per_tok;
        double decode_agg_tok_s;   /* aggregate decode with n_seq sequences, tokens/s */
        double prefill_tok_s;      /* prefill of n_prompt tokens at `depth`, tokens/s */
        double ttft_ms;            /* time to first token: prefill of n_prompt (its logits give the first token), ms */
        double total_ms;           /* ttft + (n_gen - 1) decode steps, ms */
        double decode_bytes_per_tok; /* bytes read per decode step (weights + KV) */
        double prefill_flops_per_tok;
        llmcap_bound bound;          /* what limits decode */
        llmcap_bound prefill_bound;  /* what limits prefill */
    } speed;
    double params_total;         /* parameters */
    double params_active;        /* parameters used per token */
    double bits_per_weight;      /* weights_bytes * 8 / params_total */
    uint32_t n_layer;            /* model layers */
    uint32_t n_gpu_layers;       /* effective n_gpu_layers (after clamping), including the output layer */
    uint32_t n_ctx;              /* effective n_ctx */
    int ftype;                   /* file type used (-1 for exact GGUF / pure) */
    int tensor_type;             /* pure type used, -1 when none */
} llmcap_result;

/* Estimate memory and speed. Checks every parameter (n_ctx 0..LLMCAP_NCTX_MAX,
 * n_ubatch <= n_batch, NaN/negative/absurd hardware figures, ...) and returns
 * LLMCAP_ERR_INVALID_ARG naming it. Does not allocate after the first call for
 * a given model and quant (per-quant tables are cached in the model). */
llmcap_status llmcap_estimate(llmcap_model *m, const llmcap_params *p, llmcap_result *r, llmcap_error *err);

/* ========================================================================= */
/* What fits                                                                  */
/* ========================================================================= */
typedef struct llmcap_fit_result {
    uint32_t max_ctx;         /* largest n_ctx (multiple of 256) that fits with p's other options; 0 = none */
    int best_quant;           /* largest file type (gguf_ftype) that fits at p's n_ctx; -1 = none */
    int max_ngl;              /* most n_gpu_layers that fit (0..n_layer+1); -1 = not even 0 fits */
    bool max_ctx_capped;      /* max_ctx reached the model's n_ctx_train (or LLMCAP_NCTX_MAX) */
} llmcap_fit_result;

llmcap_status llmcap_fit(llmcap_model *m, const llmcap_params *p, llmcap_fit_result *r, llmcap_error *err);

/* ========================================================================= */
/* Classic calculator calls (the seed API): small formulas for quick answers   */
/* ========================================================================= */

/* VRAM needed, bytes, for a model of params_b billion parameters at
 * bits_per_weight, with a KV cache of n_ctx tokens for `batch` sequences,
 * estimated from params alone (a GQA-era shape: see classic.c for the rule),
 * plus the CUDA-class runtime overhead. Returns NaN on invalid input. */
double llmcap_classic_vram_bytes(double params_b, double bits_per_weight, uint32_t n_ctx, uint32_t batch);

/* Decode tokens/s = bandwidth_gbps * 1e9 * bw_eff / model_bytes * cpu_factor
 * (a memory-bound decode reads every weight once per token). NaN on invalid input. */
double llmcap_classic_tok_s(double bandwidth_gbps, double model_bytes, double cpu_factor);

/* Decode tokens/s for each of n bits-per-weight values (model of params_b
 * billion parameters on bandwidth_gbps); writes out[n]. Returns false on invalid input. */
bool llmcap_classic_tok_s_curve(double bandwidth_gbps, double params_b, const double *bits_per_weight,
                                size_t n, double *out_tok_s);

/* Effective bandwidth, GB/s, when gpu_layers of total_layers sit in VRAM and the
 * rest in host RAM: per-token time adds up, so the result is the weighted
 * harmonic mean total / (g/gpu_bw + (total-g)/ram_bw). NaN on invalid input. */
double llmcap_classic_offload_bandwidth_gbps(double gpu_bw_gbps, double ram_bw_gbps,
                                             uint32_t gpu_layers, uint32_t total_layers);

typedef enum llmcap_oom {
    LLMCAP_OOM_FITS_VRAM = 0,    /* fits in VRAM */
    LLMCAP_OOM_FITS_OFFLOAD,     /* does not fit VRAM, fits VRAM + RAM with offload */
    LLMCAP_OOM_OUT_OF_MEMORY,    /* does not fit */
    LLMCAP_OOM_INVALID           /* invalid input */
} llmcap_oom;
const char *llmcap_oom_name(llmcap_oom o);

/* Out-of-memory check for a model of model_bytes (weights + KV + buffers). */
llmcap_oom llmcap_classic_oom_check(double model_bytes, double vram_bytes, double ram_bytes, bool allow_offload);

/* CPU decode scaling factor in (0, 1] for n_threads on a CPU with n_cores
 * physical cores: decode saturates memory bandwidth at about half the physical
 * cores (classic.c gives the source), and SMT threads beyond the cores add
 * nothing. NaN on invalid input. */
double llmcap_classic_cpu_factor(uint32_t n_threads, uint32_t n_cores);

/* ========================================================================= */
/* Options: one table of names shared by the CLI, `sweep --in` JSON and WASM  */
/* ========================================================================= */

/* A request: unresolved options as given by a user (ids as strings). */
typedef struct llmcap_request {
    char model[128];         /* data id or alias; "" when gguf or hf_config is given */
    char gguf[1024];         /* path of a GGUF file */
    char hf_config[1024];    /* path of a config.json */
    char hardware[128];      /* data id / alias, or "custom" */
    char host[128];          /* CPU platform id for offload; "" = default */
    char quant[32];          /* file type ("Q4_K_M") or tensor type ("q8_0"); "" = default */
    double gpu_mem_gib;      /* custom hardware: memory, GiB (0 = from data) */
    double gpu_bw_gbps;      /* custom hardware: bandwidth, GB/s */
    double gpu_tflops;       /* custom hardware: FP16 TFLOPS */
    double host_ram_gib;     /* host RAM, GiB (0 = not checked) */
    char profile[1024];      /* path of a calibration profile (llmcap calibrate); "" = the default */
    llmcap_params params;    /* numeric options (hardware fields filled by resolve) */
} llmcap_request;

void llmcap_request_init(llmcap_request *rq);

/* Set one option by its canonical name (or CLI alias) from a string value:
 * "model", "gguf", "hf_config", "hardware", "n_gpu", "host", "host_ram_gib",
 * "quant", "n_ctx", "n_batch", "n_ubatch", "n_seq", "type_k", "type_v",
 * "flash_attn", "n_gpu_layers", "n_prompt", "n_gen", "depth", "n_threads",
 * "gpu_mem_gib", "gpu_bw_gbps", "gpu_tflops", "profile" (a calibration
 * profile file, loaded by resolve), "engine" ("llama.cpp" or an engine section
 * of the profile, e.g. "llmcap-engine/webgpu"). Numbers are parsed strictly
 * (no trailing junk, no NaN/inf, in range). */
llmcap_status llmcap_request_set(llmcap_request *rq, const char *key, const char *value, llmcap_error *err);

/* Parse a quant name: a file type ("Q4_K_M", "iq4_xs", "F16"; llama-quantize's
 * aliases "Q4_K" = Q4_K_M, ...) sets *ftype and *tensor_type = -1; "pure:TYPE"
 * ("pure:Q4_K") or a tensor type that is no file type ("MXFP4") sets
 * *tensor_type (every 2-D weight that type, llama-quantize --pure) and *ftype = -1.
 * LLMCAP_ERR_NOT_FOUND with the nearest names when unknown. */
llmcap_status llmcap_parse_quant(const char *name, int *ftype, int *tensor_type, llmcap_error *err);

/* Resolve a request against the data: creates the model (caller frees with
 * llmcap_model_free) and fills rq->params (hardware, host, quant, host RAM).
 * Exactly one of model / gguf / hf_config must be given; hardware is an id or
 * "custom" with gpu_mem_gib and gpu_bw_gbps; given custom figures override the
 * data entry's. */
llmcap_status llmcap_request_resolve(const llmcap_db *db, llmcap_request *rq, llmcap_model **model,
                                     llmcap_error *err);
/* The two halves of llmcap_request_resolve: the hardware / host / quant /
 * host RAM / profile part (fills rq->params; rq->profile is loaded with
 * llmcap_profile_load_cached and params.engine checked against it), and
 * loading the model. */
llmcap_status llmcap_request_resolve_params(const llmcap_db *db, llmcap_request *rq, llmcap_error *err);
llmcap_status llmcap_request_load_model(const llmcap_db *db, llmcap_request *rq, llmcap_model **model,
                                        llmcap_error *err);

/* Number of options and the name of option i (canonical JSON key), for help
 * texts and `sweep` column headers. */
size_t llmcap_option_count(void);
const char *llmcap_option_name(size_t i);
const char *llmcap_option_help(size_t i);
/* Comma-separated command-line spellings of option i, e.g. "ctx,c,n-ctx". */
const char *llmcap_option_cli(size_t i);

/* ========================================================================= */
/* JSON output: the texts of `llmcap estimate|fit|list --json`, shared by the  */
/* CLI and the WASM module (estimator/wasm/) so both print the same bytes     */
/* ========================================================================= */

/* The returned texts are allocated (cJSON's allocator): free them with
 * llmcap_json_free. pretty = indented with tabs, as `--json` prints (the CLI
 * adds a newline); false = one line, as `--jsonl` prints. NULL = out of memory. */
void llmcap_json_free(char *text);

/* An estimate: {"input": {...the options used, "llama_cpp_flags"}, "model": {...},
 * "memory": {..., "devices": [...]}, "fits", "limit_reason", "speed": {...}}.
 * model_label names the model in "input.model" (the id, or the file's base name);
 * the hardware id comes from p->gpu.id. Speeds are rounded to 1/1000. */
char *llmcap_estimate_json(const llmcap_model *m, const char *model_label, const llmcap_params *p,
                           const llmcap_result *r, bool pretty);

/* A fit: {"model", "hardware", "n_gpu", "max_ctx", "max_ctx_capped",
 * "best_quant" (file type name or null), "max_ngl"}. */
char *llmcap_fit_json(const char *model_label, const llmcap_params *p, const llmcap_fit_result *fr, bool pretty);

/* A list: kind "models", "hardware" or "quants" (db may be NULL for quants).
 * Fills *out (free with llmcap_json_free); LLMCAP_ERR_INVALID_ARG for another kind. */
llmcap_status llmcap_list_json(const llmcap_db *db, const char *kind, bool pretty, char **out, llmcap_error *err);

/* The quant a result used: "Q4_K_M" (file type), "Q8_0" (pure tensor type) or
 * "exact" (the GGUF's own types). Writes at most n bytes to buf; returns buf. */
const char *llmcap_result_quant_name(const llmcap_result *r, char *buf, size_t n);

/* The llama.cpp flags equivalent to p and r: "-c 8192 -b 2048 -ub 512 -ngl 33
 * -ctk f16 -ctv f16 -fa off" (and " -np N" for several sequences). */
void llmcap_llama_cpp_flags(char *buf, size_t n, const llmcap_params *p, const llmcap_result *r);

#ifdef __cplusplus
}
#endif
#endif
