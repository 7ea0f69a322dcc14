/* estimator_wasm.h - the exports of the estimator's WASM module
 * (estimator/wasm/estimator_wasm.c; the JS API over them: estimator.js).
 * Strings in and out are UTF-8 JSON; a returned string is owned by the module
 * and valid until the next string-returning call. NULL / NaN = failure, with
 * the message in llmcap_wasm_last_error(). Numbers that the C API takes as
 * uint32_t arrive as JS doubles and must be integers in 0..2^32-1 (else NaN). */
#ifndef LLMCAP_ESTIMATOR_WASM_H
#define LLMCAP_ESTIMATOR_WASM_H

#include "llmcap.h"

/* --- state and errors --- */
int llmcap_wasm_init(void);                  /* load the embedded data; 0 or an llmcap_status */
const char *llmcap_wasm_last_error(void);    /* message of the last failure ("" after a success) */
int llmcap_wasm_last_status(void);           /* its llmcap_status */
double llmcap_wasm_last_need_bytes(void);    /* set_gguf: bytes a cut-short header needs; 0 = n/a */
const char *llmcap_wasm_version(void);

/* --- JSON calls --- */
const char *llmcap_wasm_options(void);                  /* [{"name","cli","help"}] */
const char *llmcap_wasm_list(const char *kind, int pretty);  /* as `llmcap list KIND --json` */
/* opts_json: {"option": value, ...} (names or CLI spellings, in order) */
const char *llmcap_wasm_estimate(const char *opts_json, int pretty); /* as `llmcap estimate --json` */
const char *llmcap_wasm_fit(const char *opts_json, int pretty);      /* as `llmcap fit --json` */
/* A GGUF header: buf holds the first len bytes of a file of file_size bytes;
 * name (file name, for labels) may be NULL. Returns a summary object; used by
 * opts {"gguf": "@gguf"}. A header longer than len: NULL, need_bytes set. */
const char *llmcap_wasm_set_gguf(const void *buf, size_t len, double file_size, const char *name);
/* A config.json text; opts {"hf_config": "@hf"} uses it. */
const char *llmcap_wasm_set_hf_config(const char *text, size_t len, const char *name);
/* A calibration profile's JSON (llmcap calibrate -o FILE); opts {"profile": "@profile"}
 * uses it. len 0 clears it. Returns {"name", "created", "engines": [...], "classes":
 * {kind: {"decode_pi_log", "prefill_pi_log"}}}; NULL with the library's message
 * (the CLI's for --profile FILE) when the text is not a valid profile. */
const char *llmcap_wasm_set_profile(const char *text, size_t len, const char *name);
/* The default profile (data/profile.json, embedded) as JSON. */
const char *llmcap_wasm_default_profile(void);

/* --- classic calculator calls (llmcap_classic_*, same units) --- */
double llmcap_wasm_classic_vram_bytes(double params_b, double bits_per_weight, double n_ctx, double batch);
double llmcap_wasm_classic_tok_s(double bandwidth_gbps, double model_bytes, double cpu_factor);
int llmcap_wasm_classic_tok_s_curve(double bandwidth_gbps, double params_b, const double *bits, double n, double *out);
double llmcap_wasm_classic_offload_bandwidth_gbps(double gpu_bw_gbps, double ram_bw_gbps, double gpu_layers,
                                                  double total_layers);
const char *llmcap_wasm_classic_oom_check(double model_bytes, double vram_bytes, double ram_bytes, int allow_offload);
double llmcap_wasm_classic_cpu_factor(double n_threads, double n_cores);

/* --- benchmark: reps x 1000 estimates on each of 5 cases; returns a checksum --- */
double llmcap_wasm_bench_estimates(double reps);

#endif
