/* common.h - option parsing and model loading shared by the engine's subcommands. */
#ifndef LLMCAP_ENGINE_CLI_COMMON_H
#define LLMCAP_ENGINE_CLI_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* Strict parsers: the whole string must be a finite number within [lo, hi];
 * on failure they print "llmcap-engine: OPT: ..." and return false. */
bool cli_int(const char *opt, const char *s, long long lo, long long hi, long long *out);
bool cli_float(const char *opt, const char *s, double lo, double hi, double *out);
/* "f16" / "f32" -> GGUF type; false (with a message) otherwise. */
bool cli_kv_type(const char *opt, const char *s, gguf_type *out);

/* "cpu" / "webgpu" / "auto" -> *out (a static string); false (with a message) otherwise. */
bool cli_backend(const char *s, const char **out);
/* One line saying where a context runs: "4 threads, CPU avx512" or
 * "WebGPU on NVIDIA H200 (vulkan, discrete)". */
void cli_backend_desc(const eng_ctx *ctx, char *buf, size_t len);

/* Open a model file, printing the error; returns the exit status (0, 1 or 2). */
int cli_open_model(const char *path, eng_model **out);
/* Exit status for an engine status: 1 for I/O, memory and backend failures, 2 otherwise. */
int cli_exit_code(eng_status st);

/* Tokenize text (with BOS when the vocabulary asks for it); *out malloc'ed. */
int cli_tokenize(const eng_model *m, const char *text, bool add_special, int32_t **out, int64_t *n);
/* Parse "1,2,3" (or spaces) into ids, each in [0, n_vocab). */
int cli_parse_ids(const char *s, int32_t n_vocab, int32_t **out, int64_t *n);

/* Peak resident set size of this process in bytes (VmHWM), 0 if unknown. */
uint64_t cli_peak_rss(void);
/* Monotonic time in seconds. */
double cli_now(void);

#endif
