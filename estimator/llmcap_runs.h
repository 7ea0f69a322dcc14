/* llmcap_runs.h - measured runs: read benchmark results in the formats people
 * have into one row type, match them to data/, and predict each one with the
 * estimator (the module behind `llmcap compare`, `calibrate`, `curves
 * validation` and `runs import`).
 *
 * Formats read (llmcap_runs_read detects them from the content):
 *   - llmcap-engine `bench -o json` (a JSON array of run objects, or JSONL)
 *   - llama-bench `-o json` (an array), `-o jsonl`, `-o csv` and `-o md`
 *     (field names: model_type, model_size, model_n_params, n_prompt, n_gen,
 *     n_depth, n_batch, n_ubatch, n_threads, n_gpu_layers, type_k, type_v,
 *     flash_attn, backends, gpu_info, cpu_info, build_commit, build_number,
 *     test_time, avg_ts, stddev_ts; md: "model | size | params | backend |
 *     ngl | test | t/s" with "123.45 ± 1.20")
 *   - the layout of ../shared/reference/measured_runs.csv (source,
 *     source_kind, hardware, backend, mem_bw_gbps, model, model_size,
 *     model_size_unit, params_b, quant, test, tokens_per_s, stddev, engine,
 *     build, notes)
 *
 * The library never prints: bad rows are returned as llmcap_run_issue records
 * (file, line, reason) for the caller to report; a file that cannot be read at
 * all is an error status with the message in llmcap_error.
 *
 * Test strings understood (llama-bench, the measured-runs CSV): "pp512",
 * "pp 512" (old llama-bench), "tg128", "pp512+tg128", "pp512 @ d4096",
 * "tg128 @ d4096"; llama-batched-bench "S_PP (PP=512,TG=32,B=2,N_KV=1088)"
 * (B prompts of PP tokens: a PP run with n_seq B) and "S_TG (...)" (B
 * sequences generating TG tokens each after PP: a TG run at depth PP with
 * n_seq B); webgpu-bench "prefill (n_p_eval=31)" and "decode (n_eval=127)".
 * Units: model sizes "4.58 GiB", "84.23 MiB", "3825065984" (bytes), measured-CSV
 * model_size_unit bytes/KiB/MiB/GiB/KB/MB/GB (first word); parameter counts
 * "8.03 B", "155.73 M"; tokens/s "123.45 ± 1.20" (also "+-"). Anything else
 * is a bad row naming the value.
 */
#ifndef LLMCAP_RUNS_H
#define LLMCAP_RUNS_H

#include "llmcap.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum llmcap_run_format {
    LLMCAP_RUNS_AUTO = 0,        /* detect from the content */
    LLMCAP_RUNS_ENGINE_JSON,     /* llmcap-engine bench -o json / jsonl */
    LLMCAP_RUNS_LB_JSON,         /* llama-bench -o json */
    LLMCAP_RUNS_LB_JSONL,        /* llama-bench -o jsonl */
    LLMCAP_RUNS_LB_CSV,          /* llama-bench -o csv */
    LLMCAP_RUNS_LB_MD,           /* llama-bench -o md (the default table) */
    LLMCAP_RUNS_MEASURED_CSV,    /* ../shared/reference/measured_runs.csv layout */
    LLMCAP_RUNS_FORMAT_COUNT
} llmcap_run_format;

/* "auto", "engine-json", "llama-bench-json", "llama-bench-jsonl",
 * "llama-bench-csv", "llama-bench-md", "measured-csv" */
const char *llmcap_run_format_name(llmcap_run_format f);
/* LLMCAP_OK or LLMCAP_ERR_INVALID_ARG (unknown name, message lists the names) */
llmcap_status llmcap_run_format_parse(const char *name, llmcap_run_format *out, llmcap_error *err);

/* The kind of test a run measured. */
typedef enum llmcap_run_test {
    LLMCAP_TEST_PP = 0,   /* prefill of n_prompt tokens at depth n_depth (llama-bench ppN[@dD]) */
    LLMCAP_TEST_TG,       /* decode of n_gen tokens at depth n_depth (tgN[@dD]) */
    LLMCAP_TEST_PG,       /* pp N + tg M together (llama-bench ppN+tgM): one rate over both */
    LLMCAP_TEST_COUNT
} llmcap_run_test;

/* One measured run. Strings are NUL-terminated, "" when unknown; numbers are
 * 0 (or -1 where noted) when unknown. */
typedef struct llmcap_run {
    /* where it came from */
    char file[256];          /* path as given to the reader */
    int line;                /* 1-based line of the row (JSON: line where its object starts) */
    llmcap_run_format format;
    char source[128];        /* measured-csv `source`; otherwise the file's name with its folder
                                ("h200-webgpu/llama-3.1-8b-F16.json") */
    char engine[64];         /* "llama.cpp llama-bench", "llmcap-engine", measured-csv `engine` */
    char build[64];          /* build commit and/or number, as written */
    char date[40];           /* ISO 8601 time of the run when the file says (test_time, timestamp) */

    /* what it ran on */
    char hardware[160];      /* as written: gpu_info, else cpu_info, measured-csv `hardware`,
                                engine JSON `gpu_device` or `cpu` */
    char backend[32];        /* "CUDA", "Metal", "Vulkan", "ROCm", "CPU", "WebGPU", ... */
    double mem_bw_gbps;      /* memory bandwidth the runner measured or stated, GB/s (10^9 B/s); 0 unknown */
    double machine_bw_gbps;  /* the median of mem_bw_gbps over the runs of the same file with the same
                                hardware and engine (set by the reader; 0 unknown): one machine's
                                bandwidth, steadier than one run's own measurement on a shared machine */

    /* the model */
    char model[160];         /* model name or model_type ("llama 8B Q4_K - Medium") */
    char quant[32];          /* GGUF type name when known ("Q4_K_M", "Q8_0", "F16") */
    double model_size_bytes; /* file/tensor bytes when the file says; 0 unknown */
    double n_params;         /* parameter count when the file says; 0 unknown */

    /* the test */
    llmcap_run_test test;
    uint32_t n_prompt;       /* prompt tokens (PP, PG) */
    uint32_t n_gen;          /* generated tokens (TG, PG) */
    uint32_t n_depth;        /* tokens already in the KV cache */
    uint32_t n_seq;          /* parallel sequences (batched runs); 1 for llama-bench */
    uint32_t n_batch, n_ubatch; /* 0 unknown */
    int n_threads;           /* 0 unknown */
    int n_gpu_layers;        /* -1 unknown (treated as all) */
    int flash_attn;          /* 0/1, -1 unknown */
    int type_k, type_v;      /* gguf_type of the KV cache, -1 unknown (F16 assumed) */

    /* the result */
    double tok_s;            /* tokens/s (aggregate over n_seq sequences) */
    double stddev_tok_s;     /* standard deviation over repetitions, tokens/s; 0 unknown */
    double latency_p50_ms, latency_p90_ms, latency_p99_ms; /* per-token decode latency, ms; 0 unknown */
    double latency_p95_ms;   /* (llmcap-engine reports p50 and p95) */
    double peak_mem_bytes;   /* peak memory the run reported, bytes; 0 unknown */
    char notes[256];
} llmcap_run;

/* A row the reader or matcher could not use, with the reason. */
typedef struct llmcap_run_issue {
    char file[256];
    int line;                /* 1-based, 0 = whole file */
    char reason[256];        /* "missing field avg_ts", "hardware 'RTX 9090' not in data/" */
} llmcap_run_issue;

/* A growable list of runs and issues. */
typedef struct llmcap_runs {
    llmcap_run *runs;
    size_t n, cap;
    llmcap_run_issue *issues;
    size_t n_issues, cap_issues;
} llmcap_runs;

/* Read the runs in buf[0..len) (the content of file `name`, used in messages)
 * and append them to *out. Rows with bad or missing fields are appended to
 * out->issues with their line and skipped; when strict, the first bad row is an
 * error instead. Returns LLMCAP_OK, LLMCAP_ERR_PARSE (format not recognised,
 * unparseable JSON/CSV, empty file, strict and a bad row; err says "file:line:
 * ...") or LLMCAP_ERR_NOMEM. On error *out is unchanged. Fields the matcher
 * needs (hardware, model, quant) may be "" in a run: that is a matching
 * question (llmcap_run_hints), not a bad row. measured-csv rows without a quant
 * take it from a llama-bench row of the same source and model ("ggml-org/X-GGUF"
 * from "ggml-org/X-GGUF (gpt-oss 20B MXFP4 MoE)"), said in notes. */
llmcap_status llmcap_runs_read_memory(const char *buf, size_t len, const char *name,
                                      llmcap_run_format fmt, bool strict,
                                      llmcap_runs *out, llmcap_error *err);
/* The same from a file ("-" = standard input). LLMCAP_ERR_IO when unreadable
 * (over 64 MiB included). Not in the WASM build's surface: use _memory. */
llmcap_status llmcap_runs_read_file(const char *path, llmcap_run_format fmt, bool strict,
                                    llmcap_runs *out, llmcap_error *err);
void llmcap_runs_free(llmcap_runs *r);

/* The test as llama-bench names it: "pp512", "tg128 @ d4096", "pp512+tg128",
 * with " x4" appended for n_seq 4 (and " x1" for a llama-batched-bench row
 * of one sequence). Writes at most n bytes; returns buf. */
const char *llmcap_run_test_name(const llmcap_run *run, char *buf, size_t n);

/* What a run means for the estimator: the data/ entries it was matched to and
 * the parameters that predict the same test. */
typedef struct llmcap_run_match {
    const llmcap_hardware *hw;       /* matched hardware (points into the db); NULL when synthesized
                                        (hw_synthesized): params.gpu always holds the hardware used */
    uint32_t n_gpu;                  /* "RTX 4090 x 4", "4090 24GB * 4": 4 */
    const llmcap_model_spec *model;  /* matched model (points into the db) */
    int ftype;                       /* llama.cpp file type of the quant; -1 when tensor_type is set */
    int tensor_type;                 /* every weight this gguf_type (llmcap-engine mkmodel files), else -1 */
    bool hw_synthesized;             /* a CPU platform made from the run's measured bandwidth
                                        (llmcap-engine runs on a CPU not in data/) */
    char note[256];                  /* how names were matched when not by id/alias, and approximations
                                        ("hardware 'NVIDIA H200' -> h200-sxm by name"); "" when none */
    llmcap_params params;            /* ready for llmcap_estimate (profile left NULL) */
} llmcap_run_match;

/* Names for runs whose file does not give them: NULL = use the file's. hardware
 * and model are used when the run's own name is empty or not in data/ (the
 * note says so); quant and backend when the run has none. */
typedef struct llmcap_run_hints {
    const char *hardware;            /* data/ id or alias, e.g. "rtx-4090" */
    const char *model;               /* data/ id or alias, e.g. "llama-3.1-8b" */
    const char *quant;               /* "Q4_K_M" when the file gives none */
    const char *backend;             /* when the file gives none */
} llmcap_run_hints;

/* Match one run to data/. Hardware: id/alias ("4090 24GB", "NVIDIA GeForce RTX
 * 4090"), "NAME * N" / "NAME x N" / "N x NAME" / gpu_info lists of one name
 * (N GPUs), else by the words of the name (vendor words ignored; "NVIDIA H200"
 * -> h200-sxm when exactly one entry has every word), a "CPU + GPU" pair by its
 * GPU, a CPU by its memory ("DDR5-6400"); an llmcap-engine CPU run not in data/
 * with a measured bandwidth gets a synthesized CPU platform. Model: id/alias of
 * the name, of its parts ("org/NAME-GGUF (model_type)"), of the file stem with
 * quant/"-GGUF"/"-it"/"-Instruct" suffixes removed, else the model_type
 * ("llama 8B Q4_K - Medium"): arch plus parameter count (model_n_params within
 * 3%, else the size class within 12%), ties broken by the file name's words.
 * Returns LLMCAP_OK, or with the reason in err (the text before the first ':'
 * is a short class for counting): LLMCAP_ERR_NOT_FOUND ("hardware not in
 * data/: 'unstated in README'", "model not in data/: ...", "model ambiguous:
 * ...", "quant unknown: ..."), LLMCAP_ERR_UNSUPPORTED ("backend not modelled:
 * 'CPU (WASM)' ...": llama.cpp in a browser; "too many GPUs: 20"). A gpu_info
 * list of different GPUs is one name that is not in data/. */
llmcap_status llmcap_run_match_db(const llmcap_db *db, const llmcap_run *run, const llmcap_run_hints *hints,
                                  llmcap_run_match *out, llmcap_error *err);

/* Predict the run's test with profile (NULL = default): tokens/s comparable to
 * run->tok_s (aggregate over n_seq). *pred_tok_s > 0 on LLMCAP_OK. The model
 * is built from match->model; errors as llmcap_estimate. What is compared:
 *   PP: prefill_tok_s of n_prompt tokens at n_depth (batched S_PP: the same, B
 *       prompts of PP tokens each take B times one prompt's time);
 *   TG: decode_tok_s at n_depth + n_gen/2 (n_seq > 1: decode_agg_tok_s);
 *   PG: (n_prompt + n_gen) / (prefill time + n_gen decode steps after it),
 *       llama-bench's rate for ppN+tgM. */
llmcap_status llmcap_run_predict(const llmcap_run_match *match, const llmcap_run *run,
                                 const llmcap_profile *profile, double *pred_tok_s, llmcap_error *err);
/* The engine section of profile (NULL = default) that predicts an
 * llmcap-engine run: "llmcap-engine/<backend>" ("llmcap-engine/webgpu",
 * "llmcap-engine/cpu") when the profile has it, else "" (the profile's
 * llama.cpp classes). llmcap_run_predict uses it when match->params.engine
 * is "" (a caller may set that field to force a section).
 * Writes at most n bytes to buf; returns buf. */
const char *llmcap_run_profile_engine(const llmcap_run *run, const llmcap_run_match *match,
                                      const llmcap_profile *profile, char *buf, size_t n);
/* The same with a model built by the caller from match->model
 * (llmcap_model_from_spec), for loops over many runs or profiles: the model's
 * per-quant tables are built once. */
llmcap_status llmcap_run_predict_model(llmcap_model *m, const llmcap_run_match *match, const llmcap_run *run,
                                       const llmcap_profile *profile, double *pred_tok_s, llmcap_error *err);

/* Error statistics of n signed percentage errors ((predicted - measured) /
 * measured * 100): mean absolute (MAPE), median absolute (GSL
 * gsl_stats_median_from_sorted_data), mean signed (bias, gsl_stats_mean) and
 * largest absolute. All NaN when n == 0. LLMCAP_ERR_NOMEM or LLMCAP_OK. */
typedef struct llmcap_err_stats {
    size_t n;
    double mape_pct, median_ape_pct, bias_pct, max_ape_pct;
} llmcap_err_stats;
llmcap_status llmcap_err_stats_compute(const double *err_pct, size_t n, llmcap_err_stats *out, llmcap_error *err);

/* ---- calibration profiles as JSON ---- */

/* Parse a calibration profile (the JSON that `llmcap calibrate` writes; the
 * format is described at the top of estimator/profile_json.c) into *out,
 * starting from the hand-set constants (llmcap_profile_handset) for parameters
 * it does not set. name labels messages (the file name) and is the profile's
 * name when the JSON gives none. Malformed or truncated JSON is
 * LLMCAP_ERR_PARSE with the line; unknown keys (with the nearest known name),
 * non-numbers, NaN/inf and values outside each parameter's bounds are
 * LLMCAP_ERR_INVALID_ARG naming the key ("p.json: classes.gpu.bw_eff: 1.5 is
 * out of range (0 < x <= 1)"). *out is written only on success. */
llmcap_status llmcap_profile_from_json(const char *json, size_t len, const char *name,
                                       llmcap_profile *out, llmcap_error *err);
/* The same from a file; LLMCAP_ERR_IO when it cannot be read. */
llmcap_status llmcap_profile_load_file(const char *path, llmcap_profile *out, llmcap_error *err);
/* The profile as JSON text (cJSON's allocator, free with llmcap_json_free):
 * every parameter of every class, with "stderr" where fitted, so that
 * llmcap_profile_from_json gives back the same profile. NULL on no memory. */
char *llmcap_profile_to_json(const llmcap_profile *p, bool pretty);

#endif
