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
/* LLMCAP_OK or LLMCAP_ERR_INPUT (unknown name, message lists the names) */
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
    char source[128];        /* measured-csv `source`; otherwise the file's base name */
    char engine[64];         /* "llama.cpp llama-bench", "llmcap-engine", measured-csv `engine` */
    char build[64];          /* build commit and/or number, as written */
    char date[40];           /* ISO 8601 time of the run when the file says (test_time, timestamp) */

    /* what it ran on */
    char hardware[160];      /* as written: gpu_info, else cpu_info, measured-csv `hardware`,
                                engine JSON `gpu_device` or `cpu` */
    char backend[32];        /* "CUDA", "Metal", "Vulkan", "ROCm", "CPU", "WebGPU", ... */
    double mem_bw_gbps;      /* memory bandwidth the runner measured or stated, GB/s (10^9 B/s); 0 unknown */

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
 * error instead. Returns LLMCAP_OK, LLMCAP_ERR_INPUT (format not recognised,
 * unparseable JSON/CSV, strict and a bad row; err says file and line) or
 * LLMCAP_ERR_NOMEM. On error *out is unchanged. */
llmcap_status llmcap_runs_read_memory(const char *buf, size_t len, const char *name,
                                      llmcap_run_format fmt, bool strict,
                                      llmcap_runs *out, llmcap_error *err);
/* The same from a file ("-" = standard input). LLMCAP_ERR_IO when unreadable. */
llmcap_status llmcap_runs_read_file(const char *path, llmcap_run_format fmt, bool strict,
                                    llmcap_runs *out, llmcap_error *err);
void llmcap_runs_free(llmcap_runs *r);

/* What a run means for the estimator: the data/ entries it was matched to and
 * the parameters that predict the same test. */
typedef struct llmcap_run_match {
    const llmcap_hardware *hw;       /* matched hardware (points into the db) */
    uint32_t n_gpu;                  /* "RTX 4090 x 4", "4090 24GB * 4": 4 */
    const llmcap_model_spec *model;  /* matched model */
    int ftype;                       /* llama.cpp file type of the quant */
    llmcap_params params;            /* ready for llmcap_estimate (profile left NULL) */
} llmcap_run_match;

/* Overrides for runs whose file does not name hardware or model: NULL = use the file's. */
typedef struct llmcap_run_hints {
    const char *hardware;            /* data/ id or alias, e.g. "rtx-4090" */
    const char *model;               /* data/ id or alias, e.g. "llama-3.1-8b" */
    const char *quant;               /* "Q4_K_M" when the file gives none */
    const char *backend;             /* when the file gives none */
} llmcap_run_hints;

/* Match one run to data/. Returns LLMCAP_OK, or LLMCAP_ERR_INPUT with the
 * reason in err ("hardware 'X' not in data/ (nearest: ...)", "test pp512+tg128
 * cannot be predicted", "quant unknown"). */
llmcap_status llmcap_run_match_db(const llmcap_db *db, const llmcap_run *run, const llmcap_run_hints *hints,
                                  llmcap_run_match *out, llmcap_error *err);

/* Predict the run's test with profile (NULL = default): tokens/s comparable to
 * run->tok_s (aggregate over n_seq). *pred_tok_s > 0 on LLMCAP_OK. The model
 * is built from match->model; errors as llmcap_estimate. */
llmcap_status llmcap_run_predict(const llmcap_run_match *match, const llmcap_run *run,
                                 const llmcap_profile *profile, double *pred_tok_s, llmcap_error *err);

/* ---- calibration profiles as JSON ---- */

/* Parse a calibration profile (the JSON that `llmcap calibrate` writes) into
 * *out, starting from the defaults for parameters it does not set. Unknown
 * keys, non-numbers, NaN/inf and values outside each parameter's bounds are
 * LLMCAP_ERR_INPUT naming the key. */
llmcap_status llmcap_profile_from_json(const char *json, size_t len, const char *name,
                                       llmcap_profile *out, llmcap_error *err);
llmcap_status llmcap_profile_load_file(const char *path, llmcap_profile *out, llmcap_error *err);
/* The profile as JSON text (malloc'd, free with llmcap_json_free); NULL on no memory. */
char *llmcap_profile_to_json(const llmcap_profile *p, bool pretty);

#endif
