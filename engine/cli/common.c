/* common.c - see common.h. */
#include "common.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"

bool cli_int(const char *opt, const char *s, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno) {
        eng_cli_error("%s: '%s' is not an integer", opt, s);
        return false;
    }
    if (v < lo || v > hi) {
        eng_cli_error("%s: %lld is outside [%lld, %lld]", opt, v, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

bool cli_float(const char *opt, const char *s, double lo, double hi, double *out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(v)) {
        eng_cli_error("%s: '%s' is not a finite number", opt, s);
        return false;
    }
    if (v < lo || v > hi) {
        eng_cli_error("%s: %g is outside [%g, %g]", opt, v, lo, hi);
        return false;
    }
    *out = v;
    return true;
}

bool cli_kv_type(const char *opt, const char *s, gguf_type *out) {
    if (!strcmp(s, "f16") || !strcmp(s, "F16")) { *out = GGUF_TYPE_F16; return true; }
    if (!strcmp(s, "f32") || !strcmp(s, "F32")) { *out = GGUF_TYPE_F32; return true; }
    eng_cli_error("%s: KV cache type '%s' is not supported (f16 or f32)", opt, s);
    return false;
}

int cli_exit_code(eng_status st) {
    return st == ENG_ERR_IO || st == ENG_ERR_NOMEM || st == ENG_ERR_BACKEND ? 1 : 2;
}

int cli_open_model(const char *path, eng_model **out) {
    char err[512];
    if (!path) {
        eng_cli_error("no model given (-m FILE)");
        return 2;
    }
    eng_status st = eng_model_open_file(path, out, err, sizeof err);
    if (st != ENG_OK) {
        eng_cli_error("%s", err);
        return cli_exit_code(st);
    }
    return 0;
}

int cli_tokenize(const eng_model *m, const char *text, bool add_special, int32_t **out, int64_t *n) {
    if (!m->vocab) {
        eng_cli_error("the model has no tokenizer metadata (tokenizer.ggml.*); pass token ids with --ids");
        return 2;
    }
    size_t len = strlen(text);
    int64_t need = tok_encode(m->vocab, text, len, add_special, NULL, 0);
    if (need < 0) { eng_cli_error("tokenizer failed on the prompt"); return 1; }
    int32_t *ids = malloc((size_t)(need ? need : 1) * sizeof *ids);
    if (!ids) { eng_cli_error("out of memory"); return 1; }
    int64_t got = tok_encode(m->vocab, text, len, add_special, ids, need);
    if (got != need) { free(ids); eng_cli_error("tokenizer failed on the prompt"); return 1; }
    *out = ids;
    *n = got;
    return 0;
}

int cli_parse_ids(const char *s, int32_t n_vocab, int32_t **out, int64_t *n) {
    size_t cap = 16, cnt = 0;
    int32_t *ids = malloc(cap * sizeof *ids);
    if (!ids) { eng_cli_error("out of memory"); return 1; }
    const char *p = s;
    for (;;) {
        while (*p == ',' || *p == ' ' || *p == '\t' || *p == '\n') p++;
        if (!*p) break;
        char *end;
        errno = 0;
        long long v = strtoll(p, &end, 10);
        if (end == p || errno || v < 0 || v >= n_vocab) {
            eng_cli_error("--ids: '%.20s' is not a token id in [0, %d)", p, n_vocab);
            free(ids);
            return 2;
        }
        if (cnt == cap) {
            int32_t *g = realloc(ids, (cap *= 2) * sizeof *ids);
            if (!g) { free(ids); eng_cli_error("out of memory"); return 1; }
            ids = g;
        }
        ids[cnt++] = (int32_t)v;
        p = end;
    }
    if (!cnt) { free(ids); eng_cli_error("--ids: no token ids given"); return 2; }
    *out = ids;
    *n = (int64_t)cnt;
    return 0;
}

uint64_t cli_peak_rss(void) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return 0;
    char line[256];
    uint64_t kb = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "VmHWM:", 6)) { kb = strtoull(line + 6, NULL, 10); break; }
    fclose(f);
    return kb * 1024;
}

double cli_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

bool cli_backend(const char *s, const char **out) {
    static const char *const names[] = {"cpu", "webgpu", "auto"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i])) { *out = names[i]; return true; }
    eng_cli_error("--backend: unknown backend '%s' (cpu, webgpu, auto)", s);
    return false;
}

void cli_backend_desc(const eng_ctx *ctx, char *buf, size_t len) {
    eng_device_info di;
    if (eng_ctx_device_info(ctx, &di))
        snprintf(buf, len, "WebGPU on %s (%s, %s)", di.device[0] ? di.device : di.description, di.api,
                 di.adapter_type);
    else
        snprintf(buf, len, "%d threads, CPU %s", ctx->params.n_threads, eng_ctx_simd_name(ctx));
}
