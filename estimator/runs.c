/* runs.c - measured runs: read llmcap-engine / llama-bench / measured-runs CSV
 * results into llmcap_run rows, match them to data/ and predict each one.
 *
 * Format facts (llama.cpp tools/llama-bench/README.md and llama-bench.cpp):
 *   - JSON is an array of objects, JSONL one object per line, CSV a header of
 *     the same field names with every value quoted; numeric fields are numbers
 *     in JSON and strings in CSV (both accepted here);
 *   - the markdown table has the columns model, size ("%.2f GiB" or MiB),
 *     params ("%.2f B" or M), backend, then the parameters that differ from
 *     the defaults (ngl, threads, n_batch, n_ubatch, fa, type_k, ...), test
 *     ("pp512", older builds "pp 512", "pp512 @ d512", "pp512+tg128") and t/s
 *     ("%.2f ± %.2f"); a "build: <commit> (<number>)" line follows the table;
 *   - model_type is llama.cpp's "<arch> <size class> <file type name>", e.g.
 *     "llama 8B Q4_K - Medium", "llama 7B mostly Q4_0" (2023 builds),
 *     "gpt-oss 20B MXFP4 MoE", "qwen3moe 30B.A3B Q8_0" (llama_model_ftype_name).
 * The measured-runs CSV layout is ../shared/reference/README.md's.
 *
 * Only llmcap_runs_read_file touches the file system; the rest is plain C11
 * with cJSON and GSL, built into the WASM estimator too. */
#include "llmcap_runs.h"
#include "internal.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define GIB (1024.0 * 1024.0 * 1024.0)
#define MAX_TOKENS_FIELD LLMCAP_NCTX_MAX /* largest n_prompt / n_gen / n_depth accepted, tokens */

/* ========================================================================= */
/* Small string helpers                                                       */
/* ========================================================================= */

/* copy src into dst[n], truncating, always NUL-terminated */
static void scopy(char *dst, size_t n, const char *src)
{
    if (!n) return;
    size_t i = 0;
    for (; src && src[i] && i + 1 < n; i++) dst[i] = src[i];
    dst[i] = 0;
}

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s)) s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1])) s[--n] = 0;
    return s;
}

static bool starts_ci(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* case-insensitive substring */
static const char *strcasestr_(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (!strncasecmp(hay, needle, n)) return hay;
    return n ? NULL : hay;
}

/* Strict number: the whole (trimmed) text is one finite number. */
static bool parse_num(const char *s, double *out)
{
    char buf[128];
    scopy(buf, sizeof buf, s);
    char *t = trim(buf), *end;
    if (!*t) return false;
    errno = 0;
    double v = strtod(t, &end);
    if (end == t || *end || errno == ERANGE || !isfinite(v)) return false;
    *out = v;
    return true;
}

static void base_name(const char *path, char *out, size_t n)
{
    const char *b = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\') b = p + 1;
    scopy(out, n, b);
}

/* ========================================================================= */
/* Format names                                                               */
/* ========================================================================= */

static const char *const FORMAT_NAMES[LLMCAP_RUNS_FORMAT_COUNT] = {
    "auto", "engine-json", "llama-bench-json", "llama-bench-jsonl", "llama-bench-csv", "llama-bench-md", "measured-csv",
};

const char *llmcap_run_format_name(llmcap_run_format f)
{
    return (unsigned)f < LLMCAP_RUNS_FORMAT_COUNT ? FORMAT_NAMES[f] : "unknown";
}

llmcap_status llmcap_run_format_parse(const char *name, llmcap_run_format *out, llmcap_error *err)
{
    for (int i = 0; i < LLMCAP_RUNS_FORMAT_COUNT; i++)
        if (name && !strcasecmp(name, FORMAT_NAMES[i])) {
            *out = (llmcap_run_format)i;
            return LLMCAP_OK;
        }
    return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG,
                            "unknown runs format '%s' (auto, engine-json, llama-bench-json, llama-bench-jsonl, "
                            "llama-bench-csv, llama-bench-md, measured-csv)",
                            name ? name : "");
}

/* ========================================================================= */
/* The list                                                                   */
/* ========================================================================= */

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return true;
    size_t nc = *cap ? *cap * 2 : 64;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q) return false;
    *p = q;
    *cap = nc;
    return true;
}

void llmcap_runs_free(llmcap_runs *r)
{
    if (!r) return;
    free(r->runs);
    free(r->issues);
    memset(r, 0, sizeof *r);
}

/* ========================================================================= */
/* Reader state, bad rows                                                     */
/* ========================================================================= */

typedef struct reader {
    const char *buf;
    size_t len;
    const char *name;        /* file name for messages */
    llmcap_run_format fmt;   /* the format being read */
    bool strict;
    llmcap_runs *out;
    llmcap_error *err;
    llmcap_status st;        /* first fatal error (LLMCAP_OK while none) */
} reader;

/* A bad row: an issue (returns 1) or, when strict, the error (returns -1). */
static int bad_row(reader *rd, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad_row(reader *rd, int line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (rd->strict) {
        rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_PARSE, "%s:%d: %s", rd->name, line, msg);
        return -1;
    }
    llmcap_runs *o = rd->out;
    if (!grow((void **)&o->issues, &o->cap_issues, o->n_issues + 1, sizeof o->issues[0])) {
        rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_NOMEM, "out of memory reading %s", rd->name);
        return -1;
    }
    llmcap_run_issue *is = &o->issues[o->n_issues++];
    memset(is, 0, sizeof *is);
    scopy(is->file, sizeof is->file, rd->name);
    is->line = line;
    scopy(is->reason, sizeof is->reason, msg);
    return 1;
}

static int push_run(reader *rd, const llmcap_run *run)
{
    llmcap_runs *o = rd->out;
    if (!grow((void **)&o->runs, &o->cap, o->n + 1, sizeof o->runs[0])) {
        rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_NOMEM, "out of memory reading %s", rd->name);
        return -1;
    }
    o->runs[o->n++] = *run;
    return 0;
}

/* "dir/file.json" from a path: the file's name and its folder's */
static void source_name(const char *path, char *out, size_t n)
{
    const char *b = path, *d = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\') { d = b; b = p + 1; }
    scopy(out, n, d);
}

static void run_init(llmcap_run *r, const reader *rd, int line)
{
    memset(r, 0, sizeof *r);
    scopy(r->file, sizeof r->file, rd->name);
    r->line = line;
    r->format = rd->fmt;
    source_name(rd->name, r->source, sizeof r->source);
    r->n_seq = 1;
    r->n_gpu_layers = -1;
    r->flash_attn = -1;
    r->type_k = r->type_v = -1;
}

static void add_note(llmcap_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_note(llmcap_run *r, const char *fmt, ...)
{
    char t[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t, sizeof t, fmt, ap);
    va_end(ap);
    size_t n = strlen(r->notes);
    snprintf(r->notes + n, sizeof r->notes - n, "%s%s", n ? "; " : "", t);
}

/* ========================================================================= */
/* Units                                                                      */
/* ========================================================================= */

/* Bytes per unit word ("GiB", "MB", "bytes"); 0 when unknown. GB = 10^9,
 * GiB = 2^30 (llama-bench prints GiB/MiB). */
static double unit_bytes(const char *u)
{
    static const struct { const char *name; double mult; } UNITS[] = {
        {"b", 1}, {"byte", 1}, {"bytes", 1}, {"kib", 1024.0}, {"mib", 1048576.0}, {"gib", GIB},
        {"tib", GIB * 1024.0}, {"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12},
    };
    for (size_t i = 0; i < sizeof UNITS / sizeof UNITS[0]; i++)
        if (!strcasecmp(u, UNITS[i].name)) return UNITS[i].mult;
    return 0;
}

/* "4.58 GiB", "84.23 MiB", "3825065984" -> bytes. Returns false with why. */
static bool parse_size_text(const char *s, double *bytes, char *why, size_t wn)
{
    char buf[96];
    scopy(buf, sizeof buf, s);
    char *t = trim(buf), *end;
    double v = strtod(t, &end);
    if (end == t || !isfinite(v) || v < 0) {
        snprintf(why, wn, "size '%s' is not a number with a unit", s);
        return false;
    }
    char *u = trim(end);
    double m = *u ? unit_bytes(u) : 1;
    if (m == 0) {
        snprintf(why, wn, "size unit '%s' in '%s' not understood (bytes, KiB, MiB, GiB, KB, MB, GB)", u, s);
        return false;
    }
    *bytes = v * m;
    return true;
}

/* "8.03 B", "155.73 M", "6738415616" -> parameters */
static bool parse_count_text(const char *s, double *count, char *why, size_t wn)
{
    char buf[96];
    scopy(buf, sizeof buf, s);
    char *t = trim(buf), *end;
    double v = strtod(t, &end);
    if (end == t || !isfinite(v) || v < 0) {
        snprintf(why, wn, "params '%s' is not a number", s);
        return false;
    }
    char *u = trim(end);
    double m = 1;
    if (!*u) m = 1;
    else if (!strcasecmp(u, "B") || !strcasecmp(u, "G")) m = 1e9;
    else if (!strcasecmp(u, "M")) m = 1e6;
    else if (!strcasecmp(u, "K")) m = 1e3;
    else if (!strcasecmp(u, "T")) m = 1e12;
    else {
        snprintf(why, wn, "params unit '%s' in '%s' not understood (B, M, K)", u, s);
        return false;
    }
    *count = v * m;
    return true;
}

/* "123.45 ± 1.20", "123.45 +- 1.2", "123.45" -> mean, sd */
static bool parse_ts_text(const char *s, double *mean, double *sd)
{
    char buf[128];
    scopy(buf, sizeof buf, s);
    char *pm = strstr(buf, "\xC2\xB1"); /* U+00B1 PLUS-MINUS SIGN in UTF-8 */
    size_t skip = 2;
    if (!pm) { pm = strstr(buf, "+-"); skip = 2; }
    *sd = 0;
    if (pm) {
        *pm = 0;
        if (!parse_num(pm + skip, sd) || *sd < 0) return false;
    }
    return parse_num(buf, mean);
}

/* ========================================================================= */
/* Tests                                                                      */
/* ========================================================================= */

/* read an unsigned decimal at *p, advancing it */
static bool read_u32(const char **p, uint32_t *out)
{
    const char *s = *p;
    if (!isdigit((unsigned char)*s)) return false;
    unsigned long long v = 0;
    while (isdigit((unsigned char)*s)) {
        v = v * 10 + (unsigned)(*s - '0');
        if (v > MAX_TOKENS_FIELD) return false;
        s++;
    }
    *out = (uint32_t)v;
    *p = s;
    return true;
}

/* KEY=N inside "(PP=512,TG=32,B=2,N_KV=1088)" */
static bool kv_u32(const char *s, const char *key, uint32_t *out)
{
    size_t kl = strlen(key);
    for (const char *p = s; (p = strcasestr_(p, key)); p++) {
        bool left_ok = p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        if (left_ok && p[kl] == '=') {
            const char *q = p + kl + 1;
            return read_u32(&q, out);
        }
    }
    return false;
}

/* Parse a test string into r (test, n_prompt, n_gen, n_depth, n_seq). */
static bool parse_test(const char *text, llmcap_run *r)
{
    char buf[160];
    scopy(buf, sizeof buf, text);
    const char *s = trim(buf);
    if (starts_ci(s, "llama-batched-bench")) s = trim((char *)s + strlen("llama-batched-bench"));
    if (starts_ci(s, "S_PP") || starts_ci(s, "S_TG")) {
        const bool pp = starts_ci(s, "S_PP");
        uint32_t PP, TG, B;
        if (!strchr(s, '(') || !kv_u32(s, "PP", &PP) || !kv_u32(s, "TG", &TG) || !kv_u32(s, "B", &B) || B < 1) return false;
        r->n_seq = B;
        r->n_depth = 0;
        if (pp) {
            if (!PP) return false;
            r->test = LLMCAP_TEST_PP;
            r->n_prompt = PP;
            r->n_gen = 0;
        } else {
            if (!TG) return false;
            r->test = LLMCAP_TEST_TG;
            r->n_prompt = 0;
            r->n_gen = TG;
            r->n_depth = PP; /* each sequence generates after its PP prompt tokens */
        }
        return true;
    }
    /* webgpu-bench: "prefill (n_p_eval=31)", "decode (n_eval=127)" */
    if (starts_ci(s, "prefill") || starts_ci(s, "decode")) {
        const bool pp = starts_ci(s, "prefill");
        uint32_t n;
        if (!kv_u32(s, pp ? "n_p_eval" : "n_eval", &n) || !n) return false;
        r->test = pp ? LLMCAP_TEST_PP : LLMCAP_TEST_TG;
        r->n_prompt = pp ? n : 0;
        r->n_gen = pp ? 0 : n;
        r->n_depth = 0;
        r->n_seq = 1;
        return true;
    }
    /* ppN | tgN | ppN+tgM, then optional " @ dD" */
    uint32_t a = 0, b = 0, d = 0;
    const char *p = s;
    bool is_pp;
    if (starts_ci(p, "pp")) is_pp = true;
    else if (starts_ci(p, "tg")) is_pp = false;
    else return false;
    p += 2;
    while (*p == ' ') p++;
    if (!read_u32(&p, &a) || !a) return false;
    bool pg = false;
    if (is_pp && *p == '+') {
        p++;
        if (!starts_ci(p, "tg")) return false;
        p += 2;
        while (*p == ' ') p++;
        if (!read_u32(&p, &b) || !b) return false;
        pg = true;
    }
    while (*p == ' ') p++;
    if (*p == '@') {
        p++;
        while (*p == ' ') p++;
        if (*p != 'd' && *p != 'D') return false;
        p++;
        if (!read_u32(&p, &d)) return false;
        while (*p == ' ') p++;
    }
    if (*p) return false;
    r->test = pg ? LLMCAP_TEST_PG : is_pp ? LLMCAP_TEST_PP : LLMCAP_TEST_TG;
    r->n_prompt = is_pp ? a : 0;
    r->n_gen = pg ? b : is_pp ? 0 : a;
    r->n_depth = d;
    r->n_seq = 1;
    return true;
}

const char *llmcap_run_test_name(const llmcap_run *run, char *buf, size_t n)
{
    if (!n) return buf;
    int k;
    switch (run->test) {
    case LLMCAP_TEST_PP: k = snprintf(buf, n, "pp%u", run->n_prompt); break;
    case LLMCAP_TEST_TG: k = snprintf(buf, n, "tg%u", run->n_gen); break;
    case LLMCAP_TEST_PG: k = snprintf(buf, n, "pp%u+tg%u", run->n_prompt, run->n_gen); break;
    default: k = snprintf(buf, n, "?"); break;
    }
    if (k > 0 && (size_t)k < n && run->n_depth) k += snprintf(buf + k, n - (size_t)k, " @ d%u", run->n_depth);
    if (k > 0 && (size_t)k < n && (run->n_seq > 1 || strstr(run->engine, "batched-bench")))
        snprintf(buf + k, n - (size_t)k, " x%u", run->n_seq);
    return buf;
}

/* ========================================================================= */
/* Quant names                                                                */
/* ========================================================================= */

/* The quant part of a llama.cpp model_type ("Q4_K - Medium", "mostly Q4_0",
 * "MXFP4 MoE", "IQ4_XS - 4.25 bpw", "IQ3_S mix - 3.66 bpw", "all F32") as a
 * file type name ("Q4_K_M"); "" when not one. */
static void quant_from_ftype_desc(const char *desc, char *out, size_t n)
{
    char buf[96];
    scopy(buf, sizeof buf, desc);
    char *s = trim(buf);
    out[0] = 0;
    if (starts_ci(s, "mostly ")) s = trim(s + 7);
    if (starts_ci(s, "all ")) s = trim(s + 4);
    char *g = (char *)strcasestr_(s, "(guessed)");
    if (g) *g = 0;
    s = trim(s);
    if (starts_ci(s, "MXFP4")) { scopy(out, n, "MXFP4_MOE"); return; }
    char base[48];
    scopy(base, sizeof base, s);
    char *dash = strstr(base, " - ");
    char *qual = NULL;
    if (dash) { *dash = 0; qual = trim(dash + 3); }
    char *b = trim(base);
    if (!strcasecmp(b, "IQ3_S mix")) { scopy(out, n, "IQ3_M"); return; }
    char name[64];
    if (qual && (!strcasecmp(qual, "Small") || !strcasecmp(qual, "Medium") || !strcasecmp(qual, "Large")))
        snprintf(name, sizeof name, "%s_%c", b, toupper((unsigned char)qual[0]));
    else
        scopy(name, sizeof name, b);
    if (strchr(name, ' ')) return;
    if (gguf_ftype_from_name(name) >= 0 || gguf_type_from_name(name) >= 0) scopy(out, n, name);
}

/* model_type "ARCH SIZE FTYPE-DESC": splits it; false when not of that shape.
 * size_class: "8B" -> 8e9, "30B.A3B" -> 30e9, "156M" -> 1.56e8. */
static bool split_model_type(const char *mt, char *arch, size_t an, double *size_class, bool *precise, char *quant,
                             size_t qn)
{
    char buf[160];
    scopy(buf, sizeof buf, mt);
    char *s = trim(buf);
    char *sp = strchr(s, ' ');
    if (!sp) return false;
    *sp = 0;
    char *rest = trim(sp + 1);
    char *sp2 = strchr(rest, ' ');
    char *desc = "";
    if (sp2) { *sp2 = 0; desc = trim(sp2 + 1); }
    /* size class: digits[.digits](B|M)[.A...] */
    char *end;
    double v = strtod(rest, &end);
    if (end == rest || !(v > 0) || !isfinite(v)) return false;
    double m;
    if (*end == 'B' || *end == 'b') m = 1e9;
    else if (*end == 'M' || *end == 'm') m = 1e6;
    else if (*end == 'K' || *end == 'k') m = 1e3;
    else return false;
    if (end[1] && end[1] != '.') return false;
    for (const char *c = s; *c; c++)
        if (!(isalnum((unsigned char)*c) || *c == '-' || *c == '_' || *c == '.')) return false;
    scopy(arch, an, s);
    *size_class = v * m;
    *precise = strchr(rest, '.') && strchr(rest, '.') < end; /* "8.0B": rounded to 0.1 B */
    quant_from_ftype_desc(desc, quant, qn);
    return true;
}

/* normalise a quant as written: "MXFP4 (MoE)" -> "MXFP4_MOE", "unstated" -> "" */
static void normalise_quant(const char *q, char *out, size_t n)
{
    char buf[64];
    scopy(buf, sizeof buf, q);
    char *s = trim(buf);
    if (!strcasecmp(s, "unstated") || !strcasecmp(s, "unknown") || !strcasecmp(s, "?") || !strcasecmp(s, "n/a"))
        s = "";
    if (starts_ci(s, "MXFP4")) s = "MXFP4_MOE";
    scopy(out, n, s);
}

/* ========================================================================= */
/* One run from an object of llama-bench / llmcap-engine fields               */
/* ========================================================================= */

/* A field as text ("" when absent or null); numbers printed as integers when whole. */
static const char *obj_str(const cJSON *o, const char *key, char *tmp, size_t n)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsString(v) && v->valuestring) return v->valuestring;
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 1e15) snprintf(tmp, n, "%.0f", d);
        else snprintf(tmp, n, "%.17g", d);
        return tmp;
    }
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v) ? "true" : "false";
    return "";
}

/* A numeric field: 1 = *out set, 0 = absent/null/"", -1 = not a number */
static int obj_num(const cJSON *o, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) return 0;
    if (cJSON_IsNumber(v)) {
        if (!isfinite(v->valuedouble)) return -1;
        *out = v->valuedouble;
        return 1;
    }
    if (cJSON_IsBool(v)) { *out = cJSON_IsTrue(v) ? 1 : 0; return 1; }
    if (cJSON_IsString(v) && v->valuestring) {
        char b[8];
        scopy(b, sizeof b, v->valuestring);
        if (!*trim(b)) return 0;
        return parse_num(v->valuestring, out) ? 1 : -1;
    }
    return -1;
}

/* backends that run layers on an accelerator */
static bool backend_is_gpu(const char *b)
{
    static const char *const GPU[] = {"CUDA", "Metal", "MTL", "Vulkan", "ROCm", "HIP", "SYCL", "WebGPU",
                                      "OpenCL", "CANN", "MUSA", "Kompute", "RPC"};
    for (size_t i = 0; i < sizeof GPU / sizeof GPU[0]; i++)
        if (strcasestr_(b, GPU[i])) return true;
    return false;
}

#define OBJ_INT(key, field, lo, hi)                                                                        \
    do {                                                                                                   \
        double v_;                                                                                         \
        int k_ = obj_num(o, key, &v_);                                                                     \
        if (k_ < 0 || (k_ > 0 && (v_ != floor(v_) || v_ < (lo) || v_ > (hi))))                            \
            return bad_row(rd, line, "%s '%s' is not a whole number in %.0f..%.0f", key, obj_str(o, key, t, sizeof t), \
                           (double)(lo), (double)(hi));                                                    \
        if (k_ > 0) field = v_;                                                                            \
    } while (0)

static int kv_type_field(reader *rd, int line, const cJSON *o, const char *key, int *out)
{
    char t[64];
    const char *s = obj_str(o, key, t, sizeof t);
    if (!*s) return 0;
    int ty = gguf_type_from_name(s);
    if (ty < 0) return bad_row(rd, line, "%s '%s' is not a KV cache type (f16, q8_0, ...)", key, s);
    *out = ty;
    return 0;
}

/* Fill r from o (llama-bench JSON/JSONL/CSV fields, llmcap-engine's, or a
 * markdown row turned into the same keys; "test" = a test string). Returns 0
 * (run ready), 1 (bad row recorded) or -1 (fatal). */
static int obj_to_run(reader *rd, const cJSON *o, int line, llmcap_run *r)
{
    char t[128], t2[64];
    run_init(r, rd, line);
    const char *eng = obj_str(o, "engine", t, sizeof t);
    const bool is_engine = !strcmp(eng, "llmcap-engine");
    if (is_engine) r->format = LLMCAP_RUNS_ENGINE_JSON;
    scopy(r->engine, sizeof r->engine, *eng ? eng : "llama.cpp llama-bench");

    const char *bc = obj_str(o, "build_commit", t, sizeof t), *bn = obj_str(o, "build_number", t2, sizeof t2);
    if (*bc && *bn) snprintf(r->build, sizeof r->build, "%s (%s)", bc, bn);
    else scopy(r->build, sizeof r->build, *bc ? bc : bn);
    scopy(r->date, sizeof r->date, obj_str(o, "test_time", t, sizeof t));

    /* backend */
    if (is_engine) {
        const char *b = obj_str(o, "backend", t, sizeof t);
        if (!*b) b = obj_str(o, "backends", t, sizeof t);
        scopy(r->backend, sizeof r->backend, !strcasecmp(b, "webgpu") ? "WebGPU" : !strcasecmp(b, "cpu") ? "CPU" : b);
    } else {
        const char *b = obj_str(o, "backends", t, sizeof t);
        if (*b) scopy(r->backend, sizeof r->backend, b);
        else {
            /* llama-bench before "backends" (2023-24): one boolean per backend */
            static const struct { const char *key, *name; } OLD[] = {
                {"cuda", "CUDA"}, {"metal", "Metal"}, {"vulkan", "Vulkan"}, {"sycl", "SYCL"},
                {"kompute", "Kompute"}, {"rpc", "RPC"}, {"gpu_blas", "GPU BLAS"}, {"blas", "BLAS"}};
            for (size_t i = 0; i < sizeof OLD / sizeof OLD[0] && !r->backend[0]; i++)
                if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, OLD[i].key)))
                    scopy(r->backend, sizeof r->backend, OLD[i].name);
            if (!r->backend[0] && cJSON_GetObjectItemCaseSensitive(o, "cuda")) scopy(r->backend, sizeof r->backend, "CPU");
        }
    }
    /* hardware: the GPU for GPU backends, else the CPU */
    {
        char tg[160], tc[160];
        scopy(tg, sizeof tg, obj_str(o, "gpu_device", t, sizeof t));
        if (!tg[0]) scopy(tg, sizeof tg, obj_str(o, "gpu_info", t, sizeof t));
        scopy(tc, sizeof tc, obj_str(o, "cpu_info", t, sizeof t));
        const bool gpu = backend_is_gpu(r->backend) || (!r->backend[0] && tg[0]);
        scopy(r->hardware, sizeof r->hardware, gpu && tg[0] ? tg : tc[0] ? tc : tg);
    }
    double v;
    int k;
    if ((k = obj_num(o, "mem_bw_gbps", &v)) < 0 || (k > 0 && v < 0))
        return bad_row(rd, line, "mem_bw_gbps '%s' is not a number >= 0 (GB/s)", obj_str(o, "mem_bw_gbps", t, sizeof t));
    if (k > 0) r->mem_bw_gbps = v;

    /* model: "<file stem> (<model_type>)", as the measured-runs CSV writes it */
    {
        char stem[128] = "";
        base_name(obj_str(o, "model_filename", t, sizeof t), stem, sizeof stem);
        const char *shape = obj_str(o, "model_shape", t, sizeof t); /* llmcap-engine mkmodel files */
        if (*shape) scopy(stem, sizeof stem, shape);
        size_t sl = strlen(stem);
        if (sl > 5 && !strcasecmp(stem + sl - 5, ".gguf")) stem[sl - 5] = 0;
        char mt[128];
        scopy(mt, sizeof mt, obj_str(o, "model_type", t, sizeof t));
        if (stem[0] && mt[0]) snprintf(r->model, sizeof r->model, "%.80s (%.75s)", stem, mt);
        else scopy(r->model, sizeof r->model, stem[0] ? stem : mt);
        const char *ft = obj_str(o, "model_ftype", t, sizeof t);
        if (*ft) normalise_quant(ft, r->quant, sizeof r->quant);
        if (!r->quant[0] && mt[0]) {
            char arch[32];
            double sc;
            bool precise;
            split_model_type(mt, arch, sizeof arch, &sc, &precise, r->quant, sizeof r->quant);
        }
    }
    if ((k = obj_num(o, "model_size", &v)) < 0 || (k > 0 && v < 0))
        return bad_row(rd, line, "model_size '%s' is not a number of bytes", obj_str(o, "model_size", t, sizeof t));
    if (k > 0) r->model_size_bytes = v;
    if ((k = obj_num(o, "model_n_params", &v)) < 0 || (k > 0 && v < 0))
        return bad_row(rd, line, "model_n_params '%s' is not a number", obj_str(o, "model_n_params", t, sizeof t));
    if (k > 0) r->n_params = v;

    OBJ_INT("n_batch", r->n_batch, 0, LLMCAP_NCTX_MAX);
    OBJ_INT("n_ubatch", r->n_ubatch, 0, LLMCAP_NCTX_MAX);
    OBJ_INT("n_threads", r->n_threads, 0, 4096);
    OBJ_INT("n_gpu_layers", r->n_gpu_layers, -1, 100000);
    /* flash_attn: bool (llama-bench <= 2025-08), 0/1/-1 (auto), or text */
    {
        const cJSON *fa = cJSON_GetObjectItemCaseSensitive(o, "flash_attn");
        if (cJSON_IsBool(fa)) r->flash_attn = cJSON_IsTrue(fa) ? 1 : 0;
        else if (fa && !cJSON_IsNull(fa)) {
            const char *s = obj_str(o, "flash_attn", t, sizeof t);
            if (!strcasecmp(s, "1") || !strcasecmp(s, "true") || !strcasecmp(s, "on") || !strcasecmp(s, "enabled"))
                r->flash_attn = 1;
            else if (!strcasecmp(s, "0") || !strcasecmp(s, "false") || !strcasecmp(s, "off") || !strcasecmp(s, "disabled"))
                r->flash_attn = 0;
            else if (!strcasecmp(s, "-1") || !strcasecmp(s, "auto") || !*s)
                r->flash_attn = -1;
            else
                return bad_row(rd, line, "flash_attn '%s' is not on/off/auto", s);
        }
    }
    if (kv_type_field(rd, line, o, "type_k", &r->type_k)) return rd->st ? -1 : 1;
    if (kv_type_field(rd, line, o, "type_v", &r->type_v)) return rd->st ? -1 : 1;

    /* the test */
    const cJSON *test = cJSON_GetObjectItemCaseSensitive(o, "test");
    if (test) {
        const char *ts = obj_str(o, "test", t, sizeof t);
        if (!parse_test(ts, r)) return bad_row(rd, line, "test '%s' not understood (ppN, tgN, ppN+tgM, ' @ dN')", ts);
    } else {
        uint32_t np = 0, ng = 0, nd = 0;
        const bool has_p = cJSON_GetObjectItemCaseSensitive(o, "n_prompt") != NULL;
        const bool has_g = cJSON_GetObjectItemCaseSensitive(o, "n_gen") != NULL;
        if (!has_p && !has_g) return bad_row(rd, line, "missing field n_prompt and n_gen");
        OBJ_INT("n_prompt", np, 0, MAX_TOKENS_FIELD);
        OBJ_INT("n_gen", ng, 0, MAX_TOKENS_FIELD);
        OBJ_INT("n_depth", nd, 0, MAX_TOKENS_FIELD);
        if (!np && !ng) return bad_row(rd, line, "n_prompt and n_gen are both 0: no test");
        r->test = np && ng ? LLMCAP_TEST_PG : np ? LLMCAP_TEST_PP : LLMCAP_TEST_TG;
        r->n_prompt = np;
        r->n_gen = ng;
        r->n_depth = nd;
    }
    /* the result */
    if ((k = obj_num(o, "avg_ts", &v)) == 0) return bad_row(rd, line, "missing field avg_ts (tokens/s)");
    if (k < 0 || !(v > 0))
        return bad_row(rd, line, "avg_ts '%s' is not a positive number (tokens/s)", obj_str(o, "avg_ts", t, sizeof t));
    r->tok_s = v;
    static const struct { const char *key; size_t off; } OPT[] = {
        {"stddev_ts", offsetof(llmcap_run, stddev_tok_s)},
        {"latency_p50_ms", offsetof(llmcap_run, latency_p50_ms)},
        {"latency_p90_ms", offsetof(llmcap_run, latency_p90_ms)},
        {"latency_p95_ms", offsetof(llmcap_run, latency_p95_ms)},
        {"latency_p99_ms", offsetof(llmcap_run, latency_p99_ms)},
        {"peak_rss_bytes", offsetof(llmcap_run, peak_mem_bytes)},
    };
    for (size_t i = 0; i < sizeof OPT / sizeof OPT[0]; i++) {
        if ((k = obj_num(o, OPT[i].key, &v)) < 0 || (k > 0 && v < 0))
            return bad_row(rd, line, "%s '%s' is not a number >= 0", OPT[i].key, obj_str(o, OPT[i].key, t, sizeof t));
        if (k > 0) *(double *)((char *)r + OPT[i].off) = v;
    }
    const char *simd = obj_str(o, "simd", t, sizeof t);
    if (*simd && strcasecmp(simd, "webgpu")) add_note(r, "simd %s", simd);
    return 0;
}

/* ========================================================================= */
/* Line numbers                                                               */
/* ========================================================================= */

static int line_at(const char *buf, size_t len, size_t off)
{
    int line = 1;
    for (size_t i = 0; i < off && i < len; i++)
        if (buf[i] == '\n') line++;
    return line;
}

/* The line of each element of the top-level JSON array (up to max), scanning
 * strings and nesting; returns how many were found. */
static size_t json_elem_lines(const char *buf, size_t len, int *lines, size_t max)
{
    size_t n = 0;
    int depth = 0, line = 1;
    bool in_str = false, esc = false, expect = false;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n') line++;
        if (in_str) {
            if (esc) esc = false;
            else if (c == '\\') esc = true;
            else if (c == '"') in_str = false;
            continue;
        }
        if (isspace((unsigned char)c)) continue;
        if (depth == 1 && expect && c != ']' && c != ',') {
            if (n < max) lines[n] = line;
            n++;
            expect = false;
        }
        if (c == '"') in_str = true;
        else if (c == '[' || c == '{') {
            depth++;
            if (depth == 1 && c == '[') expect = true;
        } else if (c == ']' || c == '}') depth--;
        else if (c == ',' && depth == 1) expect = true;
    }
    return n;
}

/* Does the text end inside a string, object or array? */
static bool json_unbalanced(const char *buf, size_t len)
{
    int depth = 0;
    bool in_str = false, esc = false;
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (in_str) {
            if (esc) esc = false;
            else if (c == '\\') esc = true;
            else if (c == '"') in_str = false;
        } else if (c == '"') in_str = true;
        else if (c == '[' || c == '{') depth++;
        else if (c == ']' || c == '}') depth--;
    }
    return in_str || depth > 0;
}

/* A JSON syntax error at offset off: "name:LINE: ..." */
static llmcap_status json_error(reader *rd, size_t off, int line_base, const char *what)
{
    const size_t len = rd->len;
    int line = line_base + line_at(rd->buf, len, off) - 1;
    size_t e = off;
    while (e < len && isspace((unsigned char)rd->buf[e])) e++;
    if (e >= len || off + 1 >= len || json_unbalanced(rd->buf, len))
        return rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_PARSE,
                                         "%s:%d: %s: unexpected end of the file (truncated?)", rd->name, line, what);
    char near[24];
    size_t k = 0;
    for (size_t i = off; i < len && k + 1 < sizeof near && rd->buf[i] != '\n'; i++) near[k++] = rd->buf[i];
    near[k] = 0;
    return rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_PARSE, "%s:%d: %s: syntax error near '%s'", rd->name, line,
                                     what, near);
}

/* ========================================================================= */
/* JSON and JSONL                                                             */
/* ========================================================================= */

static int do_object(reader *rd, const cJSON *o, int line, size_t index)
{
    if (!cJSON_IsObject(o)) return bad_row(rd, line, "element %zu is not an object", index + 1);
    llmcap_run r;
    int k = obj_to_run(rd, o, line, &r);
    if (k) return k;
    return push_run(rd, &r);
}

static void read_json(reader *rd)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(rd->buf, rd->len, &end, false);
    if (!root) { json_error(rd, end ? (size_t)(end - rd->buf) : rd->len, 1, "JSON"); return; }
    /* trailing text after the value */
    size_t off = end ? (size_t)(end - rd->buf) : rd->len;
    while (off < rd->len && (isspace((unsigned char)rd->buf[off]) || rd->buf[off] == 0)) off++;
    if (off < rd->len) {
        cJSON_Delete(root);
        rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_PARSE, "%s:%d: JSON: text after the end of the array", rd->name,
                                  line_at(rd->buf, rd->len, off));
        return;
    }
    if (cJSON_IsObject(root)) {
        size_t s = 0;
        while (s < rd->len && isspace((unsigned char)rd->buf[s])) s++;
        do_object(rd, root, line_at(rd->buf, rd->len, s), 0);
        cJSON_Delete(root);
        return;
    }
    if (!cJSON_IsArray(root)) {
        cJSON_Delete(root);
        rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_PARSE, "%s:1: JSON: expected an array of run objects", rd->name);
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(root);
    int *lines = calloc(n ? n : 1, sizeof *lines);
    if (!lines) {
        cJSON_Delete(root);
        rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_NOMEM, "out of memory reading %s", rd->name);
        return;
    }
    json_elem_lines(rd->buf, rd->len, lines, n);
    size_t i = 0;
    for (const cJSON *e = root->child; e; e = e->next, i++)
        if (do_object(rd, e, lines[i] ? lines[i] : 1, i) < 0) break;
    free(lines);
    cJSON_Delete(root);
}

static void read_jsonl(reader *rd)
{
    size_t pos = 0;
    int line = 0;
    size_t idx = 0;
    while (pos < rd->len) {
        size_t e = pos;
        while (e < rd->len && rd->buf[e] != '\n') e++;
        line++;
        const char *s = rd->buf + pos;
        size_t n = e - pos;
        pos = e + 1;
        size_t k = 0;
        while (k < n && isspace((unsigned char)s[k])) k++;
        if (k == n) continue;
        const char *pe = NULL;
        cJSON *o = cJSON_ParseWithLengthOpts(s, n, &pe, false);
        if (!o) {
            size_t col = pe ? (size_t)(pe - s) + 1 : n;
            if (bad_row(rd, line, "not a JSON object (syntax error at column %zu%s)", col,
                        col >= n ? ": line ends early, truncated?" : "") < 0)
                return;
            continue;
        }
        int r = do_object(rd, o, line, idx++);
        cJSON_Delete(o);
        if (r < 0) return;
    }
}

/* ========================================================================= */
/* CSV (RFC 4180: quoted fields may hold commas, quotes as "" and newlines)   */
/* ========================================================================= */

typedef struct csvrec {
    char *text;       /* the fields, each NUL-terminated */
    size_t len, cap;
    size_t *off;      /* start of field i in text */
    int n, cap_f;
    int line;         /* line where the record starts */
} csvrec;

static bool rec_putc(csvrec *r, char c)
{
    if (!grow((void **)&r->text, &r->cap, r->len + 1, 1)) return false;
    r->text[r->len++] = c;
    return true;
}

static bool rec_field(csvrec *r)
{
    size_t capf = (size_t)r->cap_f;
    if (!grow((void **)&r->off, &capf, (size_t)r->n + 1, sizeof r->off[0])) return false;
    r->cap_f = (int)capf;
    r->off[r->n++] = r->len;
    return true;
}

static const char *rec_get(const csvrec *r, int i) { return i >= 0 && i < r->n ? r->text + r->off[i] : ""; }

/* Next record from *pos: 1 read, 0 at the end, -1 unterminated quote, -2 no memory. */
static int csv_next(const char *buf, size_t len, size_t *pos, int *line, csvrec *r)
{
    r->len = 0;
    r->n = 0;
    if (*pos >= len) return 0;
    r->line = *line;
    size_t p = *pos;
    for (;;) {
        if (!rec_field(r)) return -2;
        if (p < len && buf[p] == '"') {
            p++;
            for (;;) {
                if (p >= len) { *pos = p; return -1; }
                char c = buf[p];
                if (c == '"') {
                    if (p + 1 < len && buf[p + 1] == '"') { if (!rec_putc(r, '"')) return -2; p += 2; continue; }
                    p++;
                    break;
                }
                if (c == '\n') (*line)++;
                if (!rec_putc(r, c)) return -2;
                p++;
            }
            while (p < len && buf[p] != ',' && buf[p] != '\n') {
                if (buf[p] != '\r' && !rec_putc(r, buf[p])) return -2;
                p++;
            }
        } else {
            while (p < len && buf[p] != ',' && buf[p] != '\n') {
                if (!rec_putc(r, buf[p])) return -2;
                p++;
            }
            if (r->len > r->off[r->n - 1] && r->text[r->len - 1] == '\r') r->len--;
        }
        if (!rec_putc(r, 0)) return -2;
        if (p < len && buf[p] == ',') { p++; continue; }
        if (p < len && buf[p] == '\n') { p++; (*line)++; }
        break;
    }
    *pos = p;
    return 1;
}

static bool rec_blank(const csvrec *r)
{
    if (r->n != 1) return false;
    for (const char *s = rec_get(r, 0); *s; s++)
        if (!isspace((unsigned char)*s)) return false;
    return true;
}

typedef struct csvhead {
    csvrec h;
    int n;
} csvhead;

static int head_find(const csvrec *h, const char *name)
{
    for (int i = 0; i < h->n; i++) {
        char b[64];
        scopy(b, sizeof b, rec_get(h, i));
        if (!strcasecmp(trim(b), name)) return i;
    }
    return -1;
}

static void csv_error(reader *rd, int rc, int line)
{
    if (rc == -2) rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_NOMEM, "out of memory reading %s", rd->name);
    else
        rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_PARSE, "%s:%d: CSV: a quoted field is not closed before the end of "
                                  "the file (truncated?)", rd->name, line);
}

/* skip a UTF-8 byte order mark */
static size_t bom_len(const char *buf, size_t len)
{
    return len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB && (unsigned char)buf[2] == 0xBF ? 3 : 0;
}

/* llama-bench -o csv (and llmcap-engine -o csv): each row becomes an object of its header's keys */
static void read_lb_csv(reader *rd)
{
    csvrec h = {0}, r = {0};
    size_t pos = bom_len(rd->buf, rd->len);
    int line = 1, rc;
    while ((rc = csv_next(rd->buf, rd->len, &pos, &line, &h)) == 1 && rec_blank(&h)) {}
    if (rc <= 0) {
        if (rc < 0) csv_error(rd, rc, h.line);
        else rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_PARSE, "%s: empty CSV file", rd->name);
        goto out;
    }
    if (head_find(&h, "avg_ts") < 0) {
        rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_PARSE, "%s:%d: not a llama-bench CSV: the header has no avg_ts column",
                                  rd->name, h.line);
        goto out;
    }
    while ((rc = csv_next(rd->buf, rd->len, &pos, &line, &r)) == 1) {
        if (rec_blank(&r)) continue;
        if (r.n != h.n) {
            if (bad_row(rd, r.line, "row has %d fields, the header has %d", r.n, h.n) < 0) goto out;
            continue;
        }
        cJSON *o = cJSON_CreateObject();
        bool ok = o != NULL;
        for (int i = 0; ok && i < h.n; i++) {
            char key[64];
            scopy(key, sizeof key, rec_get(&h, i));
            if (!*trim(key) || !*rec_get(&r, i)) continue;
            ok = cJSON_AddStringToObject(o, trim(key), rec_get(&r, i)) != NULL;
        }
        if (!ok) {
            cJSON_Delete(o);
            rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_NOMEM, "out of memory reading %s", rd->name);
            goto out;
        }
        int k = do_object(rd, o, r.line, 0);
        cJSON_Delete(o);
        if (k < 0) goto out;
    }
    if (rc < 0) csv_error(rd, rc, r.line);
out:
    free(h.text); free(h.off); free(r.text); free(r.off);
}

/* "key=N" in free text (measured-runs notes: "n_ubatch=2048 fa=1", "ngl=99") */
static bool note_int(const char *notes, const char *key, long *out)
{
    size_t kl = strlen(key);
    for (const char *p = notes; (p = strcasestr_(p, key)); p++) {
        bool left_ok = p == notes || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        if (left_ok && p[kl] == '=') {
            char *e;
            long v = strtol(p + kl + 1, &e, 10);
            if (e == p + kl + 1) return false;
            *out = v;
            return true;
        }
    }
    return false;
}

/* by source, then model, then line */
static int cmp_src_model(const void *pa, const void *pb)
{
    const llmcap_run *a = *(const llmcap_run *const *)pa, *b = *(const llmcap_run *const *)pb;
    int c = strcmp(a->source, b->source);
    if (!c) c = strcmp(a->model, b->model);
    return c ? c : (a->line > b->line) - (a->line < b->line);
}

/* Give runs [first, n) without a quant the quant of a run of the same source
 * whose model is "<model> (...)": sorted, so a lookup is a binary search. */
static void fill_quants(reader *rd, size_t first)
{
    llmcap_runs *o = rd->out;
    size_t nq = 0;
    for (size_t i = first; i < o->n; i++) nq += o->runs[i].quant[0] != 0;
    if (!nq || nq == o->n - first) return;
    const llmcap_run **idx = malloc(nq * sizeof *idx);
    if (!idx) return; /* the quants stay unknown: a matching question, not an error */
    size_t k = 0;
    for (size_t i = first; i < o->n; i++)
        if (o->runs[i].quant[0]) idx[k++] = &o->runs[i];
    qsort(idx, nq, sizeof *idx, cmp_src_model);
    for (size_t i = first; i < o->n; i++) {
        llmcap_run *a = &o->runs[i];
        if (a->quant[0] || !a->model[0]) continue;
        char key[sizeof a->model + 2];
        snprintf(key, sizeof key, "%s (", a->model);
        const size_t kl = strlen(key);
        size_t lo = 0, hi = nq; /* first entry >= (source, key) */
        while (lo < hi) {
            const size_t mid = lo + (hi - lo) / 2;
            int c = strcmp(idx[mid]->source, a->source);
            if (!c) c = strcmp(idx[mid]->model, key);
            if (c < 0) lo = mid + 1;
            else hi = mid;
        }
        if (lo < nq && !strcmp(idx[lo]->source, a->source) && !strncmp(idx[lo]->model, key, kl)) {
            scopy(a->quant, sizeof a->quant, idx[lo]->quant);
            add_note(a, "quant %s from line %d (same model)", idx[lo]->quant, idx[lo]->line);
        }
    }
    free(idx);
}

/* ../shared/reference/measured_runs.csv */
static void read_measured_csv(reader *rd)
{
    csvrec h = {0}, r = {0};
    size_t pos = bom_len(rd->buf, rd->len);
    int line = 1, rc;
    const size_t first = rd->out->n;
    while ((rc = csv_next(rd->buf, rd->len, &pos, &line, &h)) == 1 && rec_blank(&h)) {}
    if (rc <= 0) {
        if (rc < 0) csv_error(rd, rc, h.line);
        else rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_PARSE, "%s: empty CSV file", rd->name);
        goto out;
    }
    enum { C_SOURCE, C_HW, C_BACKEND, C_BW, C_MODEL, C_SIZE, C_UNIT, C_PARAMS, C_QUANT, C_TEST, C_TOKS, C_SD, C_ENGINE,
           C_BUILD, C_NOTES, C_N };
    static const char *const NAMES[C_N] = {"source", "hardware", "backend", "mem_bw_gbps", "model", "model_size",
                                           "model_size_unit", "params_b", "quant", "test", "tokens_per_s", "stddev",
                                           "engine", "build", "notes"};
    int col[C_N];
    char missing[160] = "";
    for (int i = 0; i < C_N; i++) {
        col[i] = head_find(&h, NAMES[i]);
        if (col[i] < 0 && (i == C_HW || i == C_MODEL || i == C_TEST || i == C_TOKS)) {
            size_t m = strlen(missing);
            snprintf(missing + m, sizeof missing - m, "%s%s", m ? ", " : "", NAMES[i]);
        }
    }
    if (missing[0]) {
        rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_PARSE, "%s:%d: not a measured-runs CSV: missing column(s) %s",
                                  rd->name, h.line, missing);
        goto out;
    }
    while ((rc = csv_next(rd->buf, rd->len, &pos, &line, &r)) == 1) {
        if (rec_blank(&r)) continue;
        const int ln = r.line;
        if (r.n != h.n) {
            if (bad_row(rd, ln, "row has %d fields, the header has %d", r.n, h.n) < 0) goto out;
            continue;
        }
#define F(c) rec_get(&r, col[c])
        llmcap_run run;
        run_init(&run, rd, ln);
        if (col[C_SOURCE] >= 0 && *F(C_SOURCE)) scopy(run.source, sizeof run.source, F(C_SOURCE));
        scopy(run.hardware, sizeof run.hardware, F(C_HW));
        scopy(run.backend, sizeof run.backend, F(C_BACKEND));
        scopy(run.model, sizeof run.model, F(C_MODEL));
        scopy(run.engine, sizeof run.engine, F(C_ENGINE));
        scopy(run.build, sizeof run.build, F(C_BUILD));
        scopy(run.notes, sizeof run.notes, F(C_NOTES));
        normalise_quant(F(C_QUANT), run.quant, sizeof run.quant);
        char tb[160];
        scopy(tb, sizeof tb, F(C_TEST));
        if (!*trim(tb)) {
            if (bad_row(rd, ln, "missing field test") < 0) goto out;
            continue;
        }
        if (!parse_test(tb, &run)) {
            if (bad_row(rd, ln, "test '%s' not understood (ppN, tgN, ppN+tgM, ' @ dN', llama-batched-bench S_PP/S_TG)",
                        tb) < 0)
                goto out;
            continue;
        }
        double v;
        char vb[64];
        scopy(vb, sizeof vb, F(C_TOKS));
        if (!*trim(vb)) {
            if (bad_row(rd, ln, "missing field tokens_per_s") < 0) goto out;
            continue;
        }
        if (!parse_num(vb, &v) || !(v > 0)) {
            if (bad_row(rd, ln, "tokens_per_s '%s' is not a positive number", vb) < 0) goto out;
            continue;
        }
        run.tok_s = v;
        scopy(vb, sizeof vb, F(C_SD));
        if (*trim(vb)) {
            if (!parse_num(vb, &v) || v < 0) {
                if (bad_row(rd, ln, "stddev '%s' is not a number >= 0", vb) < 0) goto out;
                continue;
            }
            run.stddev_tok_s = v;
        }
        scopy(vb, sizeof vb, F(C_BW));
        if (*trim(vb)) {
            if (!parse_num(vb, &v) || v < 0) {
                if (bad_row(rd, ln, "mem_bw_gbps '%s' is not a number >= 0 (GB/s)", vb) < 0) goto out;
                continue;
            }
            run.mem_bw_gbps = v;
        }
        scopy(vb, sizeof vb, F(C_SIZE));
        if (*trim(vb)) {
            char ub[64], why[160];
            scopy(ub, sizeof ub, F(C_UNIT));
            char *u = trim(ub);
            char *sp = u + strcspn(u, " (");
            *sp = 0; /* "MB (sizeMB field)" -> "MB" */
            double m = unit_bytes(u);
            if (!parse_num(vb, &v) || v < 0) {
                if (bad_row(rd, ln, "model_size '%s' is not a number", vb) < 0) goto out;
                continue;
            }
            if (!*u || m == 0) {
                snprintf(why, sizeof why, "model_size unit '%s' not understood (bytes, KiB, MiB, GiB, KB, MB, GB)",
                         F(C_UNIT));
                if (bad_row(rd, ln, "%s", why) < 0) goto out;
                continue;
            }
            run.model_size_bytes = v * m;
        }
        scopy(vb, sizeof vb, F(C_PARAMS));
        if (*trim(vb)) {
            if (!parse_num(vb, &v) || v < 0) {
                if (bad_row(rd, ln, "params_b '%s' is not a number (billions)", vb) < 0) goto out;
                continue;
            }
            run.n_params = v * 1e9;
        }
        /* run parameters stated in the notes */
        long nv;
        if (note_int(run.notes, "n_batch", &nv) && nv > 0 && nv <= (long)LLMCAP_NCTX_MAX) run.n_batch = (uint32_t)nv;
        if (note_int(run.notes, "n_ubatch", &nv) && nv > 0 && nv <= (long)LLMCAP_NCTX_MAX) run.n_ubatch = (uint32_t)nv;
        if ((note_int(run.notes, "flash_attn", &nv) || note_int(run.notes, "fa", &nv)) && (nv == 0 || nv == 1))
            run.flash_attn = (int)nv;
        if ((note_int(run.notes, "n_gpu_layers", &nv) || note_int(run.notes, "ngl", &nv) ||
             note_int(run.notes, "nGpuLayers", &nv)) && nv >= 0)
            run.n_gpu_layers = nv > 100000 ? 100000 : (int)nv;
        if ((note_int(run.notes, "n_threads", &nv) || note_int(run.notes, "threads", &nv)) && nv > 0 && nv <= 4096)
            run.n_threads = (int)nv;
        if (!run.quant[0]) {
            /* "llama 7B mostly Q4_0 (...)" / "X (qwen2 7B Q8_0)": the model_type part */
            const char *par = strchr(run.model, '(');
            char arch[32];
            double sc;
            bool precise;
            char mt[160];
            scopy(mt, sizeof mt, par ? par + 1 : run.model);
            char *cl = strchr(mt, ')');
            if (cl) *cl = 0;
            if (!split_model_type(mt, arch, sizeof arch, &sc, &precise, run.quant, sizeof run.quant) && par)
                split_model_type(run.model, arch, sizeof arch, &sc, &precise, run.quant, sizeof run.quant);
        }
#undef F
        if (push_run(rd, &run) < 0) goto out;
    }
    if (rc < 0) { csv_error(rd, rc, r.line); goto out; }
    /* rows without a quant (llama-batched-bench tables): from a llama-bench row
     * of the same source whose model is "<this model> (<model_type>)" */
    fill_quants(rd, first);
out:
    free(h.text); free(h.off); free(r.text); free(r.off);
}

/* ========================================================================= */
/* Markdown tables (llama-bench -o md, llmcap-engine bench)                   */
/* ========================================================================= */

/* split "| a | b |" into trimmed cells in place; returns the count */
static int md_cells(char *line, char **cells, int max)
{
    char *s = trim(line);
    if (*s != '|') return 0;
    s++;
    int n = 0;
    while (*s && n < max) {
        char *bar = strchr(s, '|');
        if (!bar) {
            char *t = trim(s);
            if (*t) cells[n++] = t; /* text after the last bar */
            break;
        }
        *bar = 0;
        cells[n++] = trim(s);
        s = bar + 1;
    }
    /* trailing empty cells ("...||") */
    while (n > 0 && !*cells[n - 1]) n--;
    return n;
}

static bool md_is_rule(char **cells, int n)
{
    if (!n) return false;
    for (int i = 0; i < n; i++) {
        if (!*cells[i]) return false;
        for (const char *c = cells[i]; *c; c++)
            if (*c != '-' && *c != ':' && *c != ' ') return false;
    }
    return true;
}

static bool md_is_header(char **cells, int n)
{
    bool model = false, ts = false;
    for (int i = 0; i < n; i++) {
        if (!strcasecmp(cells[i], "model")) model = true;
        if (!strcasecmp(cells[i], "t/s")) ts = true;
    }
    return model && ts;
}

#define MD_MAX_COLS 32

/* one markdown row -> an object of llama-bench keys; 0, 1 (bad row) or -1 */
static int md_row(reader *rd, int line, char **head, int nh, char **cells, int nc, cJSON *o)
{
    if (nc != nh) return bad_row(rd, line, "table row has %d cells, the header has %d", nc, nh);
    char why[200];
    for (int i = 0; i < nh; i++) {
        const char *h = head[i], *c = cells[i];
        bool ok = true;
        if (!strcasecmp(h, "model")) ok = cJSON_AddStringToObject(o, "model_type", c) != NULL;
        else if (!strcasecmp(h, "size")) {
            double b;
            if (!parse_size_text(c, &b, why, sizeof why)) return bad_row(rd, line, "%s", why);
            ok = cJSON_AddNumberToObject(o, "model_size", b) != NULL;
        } else if (!strcasecmp(h, "params")) {
            double p;
            if (!parse_count_text(c, &p, why, sizeof why)) return bad_row(rd, line, "%s", why);
            ok = cJSON_AddNumberToObject(o, "model_n_params", p) != NULL;
        } else if (!strcasecmp(h, "backend")) {
            /* llmcap-engine: "CPU (avx512)", "WebGPU (NVIDIA H200)" */
            char b[160];
            scopy(b, sizeof b, c);
            char *par = strstr(b, " (");
            if (par && b[strlen(b) - 1] == ')') {
                *par = 0;
                char *inner = par + 2;
                inner[strlen(inner) - 1] = 0;
                if (backend_is_gpu(b)) ok = cJSON_AddStringToObject(o, "gpu_info", inner) != NULL;
                else ok = cJSON_AddStringToObject(o, "simd", inner) != NULL;
            }
            ok = ok && cJSON_AddStringToObject(o, "backends", b) != NULL;
        } else if (!strcasecmp(h, "ngl")) ok = cJSON_AddStringToObject(o, "n_gpu_layers", c) != NULL;
        else if (!strcasecmp(h, "threads")) ok = cJSON_AddStringToObject(o, "n_threads", c) != NULL;
        else if (!strcasecmp(h, "fa")) ok = cJSON_AddStringToObject(o, "flash_attn", c) != NULL;
        else if (!strcasecmp(h, "n_batch") || !strcasecmp(h, "n_ubatch") || !strcasecmp(h, "type_k") ||
                 !strcasecmp(h, "type_v") || !strcasecmp(h, "test") || !strcasecmp(h, "cpu_info") ||
                 !strcasecmp(h, "gpu_info"))
            ok = cJSON_AddStringToObject(o, h, c) != NULL;
        else if (!strcasecmp(h, "t/s")) {
            double m, sd;
            if (!parse_ts_text(c, &m, &sd)) return bad_row(rd, line, "t/s '%s' is not 'N' or 'N ± SD'", c);
            ok = cJSON_AddNumberToObject(o, "avg_ts", m) && cJSON_AddNumberToObject(o, "stddev_ts", sd);
        }
        if (!ok) {
            rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_NOMEM, "out of memory reading %s", rd->name);
            return -1;
        }
    }
    return 0;
}

static void read_md(reader *rd)
{
    size_t pos = 0;
    int line = 0;
    char head_buf[1024], *head[MD_MAX_COLS];
    int nh = 0;
    bool in_table = false, rule_seen = false, any_table = false;
    char build[64] = "";
    const size_t first = rd->out->n;
    while (pos < rd->len) {
        size_t e = pos;
        while (e < rd->len && rd->buf[e] != '\n') e++;
        line++;
        char lb[1024];
        size_t n = e - pos < sizeof lb - 1 ? e - pos : sizeof lb - 1;
        memcpy(lb, rd->buf + pos, n);
        lb[n] = 0;
        pos = e + 1;
        char *cells[MD_MAX_COLS];
        char copy[1024];
        memcpy(copy, lb, n + 1);
        int nc = md_cells(copy, cells, MD_MAX_COLS);
        if (!nc) {
            in_table = false;
            char *t = trim(lb);
            if (starts_ci(t, "build:")) scopy(build, sizeof build, trim(t + 6));
            continue;
        }
        if (!in_table) {
            if (md_is_header(cells, nc)) {
                memcpy(head_buf, lb, n + 1);
                nh = md_cells(head_buf, head, MD_MAX_COLS);
                in_table = true;
                rule_seen = false;
                any_table = true;
            }
            continue;
        }
        if (!rule_seen && md_is_rule(cells, nc)) { rule_seen = true; continue; }
        cJSON *o = cJSON_CreateObject();
        if (!o) { rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_NOMEM, "out of memory reading %s", rd->name); return; }
        int k = md_row(rd, line, head, nh, cells, nc, o);
        if (k == 0) k = do_object(rd, o, line, 0);
        cJSON_Delete(o);
        if (k < 0) return;
    }
    if (!any_table) {
        rd->st = llmcap_set_error(rd->err, LLMCAP_ERR_PARSE, "%s:1: no markdown table with 'model' and 't/s' columns",
                                  rd->name);
        return;
    }
    for (size_t i = first; i < rd->out->n; i++) {
        llmcap_run *r = &rd->out->runs[i];
        r->format = LLMCAP_RUNS_LB_MD;
        if (!r->build[0]) scopy(r->build, sizeof r->build, build);
        /* our engine's table names its backend "CPU (avx512)" / "WebGPU (...)" */
        if (strstr(r->notes, "simd ") || !strcmp(r->backend, "WebGPU")) scopy(r->engine, sizeof r->engine, "llmcap-engine");
    }
}

/* ========================================================================= */
/* Detection and entry points                                                 */
/* ========================================================================= */

/* the first line of buf as a CSV header: has it this column? */
static bool csv_head_has(const char *buf, size_t len, const char *col)
{
    size_t s = bom_len(buf, len), e = s;
    while (e < len && buf[e] != '\n') e++;
    char lb[4096];
    size_t n = e - s < sizeof lb - 1 ? e - s : sizeof lb - 1;
    memcpy(lb, buf + s, n);
    lb[n] = 0;
    for (char *tok = lb; tok;) {
        char *c = strchr(tok, ',');
        if (c) *c = 0;
        char *t = trim(tok);
        if (*t == '"') { t++; size_t k = strlen(t); if (k && t[k - 1] == '"') t[k - 1] = 0; }
        if (!strcasecmp(t, col)) return true;
        tok = c ? c + 1 : NULL;
    }
    return false;
}

static bool has_md_table(const char *buf, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        size_t e = pos;
        while (e < len && buf[e] != '\n') e++;
        char lb[1024], *cells[MD_MAX_COLS];
        size_t n = e - pos < sizeof lb - 1 ? e - pos : sizeof lb - 1;
        memcpy(lb, buf + pos, n);
        lb[n] = 0;
        pos = e + 1;
        int nc = md_cells(lb, cells, MD_MAX_COLS);
        if (nc && md_is_header(cells, nc)) return true;
    }
    return false;
}

static bool mentions_engine(const char *buf, size_t len)
{
    static const char key[] = "\"llmcap-engine\"";
    for (size_t i = 0; i + sizeof key - 1 <= len; i++)
        if (!memcmp(buf + i, key, sizeof key - 1)) return true;
    return false;
}

/* JSON content: one value (possibly multi-line) or one object per line? */
static bool looks_like_jsonl(const char *buf, size_t len)
{
    size_t s = bom_len(buf, len);
    while (s < len && isspace((unsigned char)buf[s])) s++;
    if (s >= len || buf[s] != '{') return false;
    size_t e = s;
    while (e < len && buf[e] != '\n') e++;
    cJSON *o = cJSON_ParseWithLength(buf + s, e - s);
    if (o) { cJSON_Delete(o); return true; }
    /* not a whole object on its first line: a pretty-printed object, unless the whole text is no object either */
    o = cJSON_ParseWithLength(buf + s, len - s);
    if (o) { cJSON_Delete(o); return false; }
    return true;
}

static llmcap_run_format detect(const char *buf, size_t len)
{
    size_t s = bom_len(buf, len);
    while (s < len && isspace((unsigned char)buf[s])) s++;
    if (s >= len) return LLMCAP_RUNS_AUTO;
    if (buf[s] == '[') return mentions_engine(buf, len) ? LLMCAP_RUNS_ENGINE_JSON : LLMCAP_RUNS_LB_JSON;
    if (buf[s] == '{')
        return mentions_engine(buf, len) ? LLMCAP_RUNS_ENGINE_JSON
               : looks_like_jsonl(buf, len) ? LLMCAP_RUNS_LB_JSONL : LLMCAP_RUNS_LB_JSON;
    if (has_md_table(buf, len)) return LLMCAP_RUNS_LB_MD;
    if (csv_head_has(buf, len, "tokens_per_s") && csv_head_has(buf, len, "test")) return LLMCAP_RUNS_MEASURED_CSV;
    if (csv_head_has(buf, len, "avg_ts")) return LLMCAP_RUNS_LB_CSV;
    return LLMCAP_RUNS_AUTO;
}

/* Set machine_bw_gbps of runs[n0..n): the median of the measured bandwidths
 * of the runs with the same hardware and engine among them. A STREAM triad
 * measured next to each run moves 36-75 GB/s from run to run on a shared
 * 2-vCPU VM (data/measured/amd-epyc-2c) while the weights decode reads move
 * far less; the median is the machine's figure. */
static int cmp_machine(const void *x, const void *y)
{
    const llmcap_run *a = *(const llmcap_run *const *)x, *b = *(const llmcap_run *const *)y;
    int c = strcmp(a->engine, b->engine);
    if (!c) c = strcmp(a->hardware, b->hardware);
    return c;
}

static llmcap_status set_machine_bw(llmcap_runs *out, size_t n0)
{
    /* the runs with a triad, grouped by engine and hardware (sorted, so a
     * file of many machines stays O(n log n)) */
    llmcap_run **g = malloc((out->n - n0 + 1) * sizeof *g);
    double *bw = malloc((out->n - n0 + 1) * sizeof *bw);
    if (!g || !bw) { free(g); free(bw); return LLMCAP_ERR_NOMEM; }
    size_t n = 0;
    for (size_t i = n0; i < out->n; i++)
        if (out->runs[i].mem_bw_gbps > 0) g[n++] = &out->runs[i];
    qsort(g, n, sizeof *g, cmp_machine);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i; j < n && !cmp_machine(&g[i], &g[j]); j++) bw[j - i] = g[j]->mem_bw_gbps;
        gsl_sort(bw, 1, j - i);
        const double med = gsl_stats_median_from_sorted_data(bw, 1, j - i);
        for (size_t k = i; k < j; k++) g[k]->machine_bw_gbps = med;
    }
    free(g);
    free(bw);
    return LLMCAP_OK;
}

llmcap_status llmcap_runs_read_memory(const char *buf, size_t len, const char *name, llmcap_run_format fmt, bool strict,
                                      llmcap_runs *out, llmcap_error *err)
{
    if (!out || (!buf && len)) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "llmcap_runs_read_memory: no buffer");
    if (!name) name = "(memory)";
    if ((unsigned)fmt >= LLMCAP_RUNS_FORMAT_COUNT)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "%s: runs format %d is out of range", name, (int)fmt);
    size_t s = 0;
    while (s < len && (isspace((unsigned char)buf[s]) || buf[s] == 0)) s++;
    if (s >= len) return llmcap_set_error(err, LLMCAP_ERR_PARSE, "%s: empty file: no runs", name);
    if (fmt == LLMCAP_RUNS_AUTO) {
        fmt = detect(buf, len);
        if (fmt == LLMCAP_RUNS_AUTO)
            return llmcap_set_error(err, LLMCAP_ERR_PARSE,
                                    "%s:1: format not recognised: expected llmcap-engine or llama-bench JSON/JSONL, a "
                                    "llama-bench CSV (avg_ts column) or markdown table ('model' and 't/s' columns), "
                                    "or the measured_runs.csv layout (use --format)",
                                    name);
    }
    reader rd = {.buf = buf, .len = len, .name = name, .fmt = fmt, .strict = strict, .out = out, .err = err};
    const size_t n0 = out->n, ni0 = out->n_issues;
    switch (fmt) {
    case LLMCAP_RUNS_ENGINE_JSON:
    case LLMCAP_RUNS_LB_JSON:
    case LLMCAP_RUNS_LB_JSONL:
        if (fmt == LLMCAP_RUNS_LB_JSONL || looks_like_jsonl(buf, len)) {
            if (fmt == LLMCAP_RUNS_LB_JSON) rd.fmt = LLMCAP_RUNS_LB_JSONL;
            read_jsonl(&rd);
        } else {
            if (fmt == LLMCAP_RUNS_LB_JSONL) rd.fmt = LLMCAP_RUNS_LB_JSON;
            read_json(&rd);
        }
        break;
    case LLMCAP_RUNS_LB_CSV: read_lb_csv(&rd); break;
    case LLMCAP_RUNS_LB_MD: read_md(&rd); break;
    case LLMCAP_RUNS_MEASURED_CSV: read_measured_csv(&rd); break;
    default: break;
    }
    if (rd.st) {
        out->n = n0;
        out->n_issues = ni0;
        return rd.st;
    }
    if (set_machine_bw(out, n0) != LLMCAP_OK) {
        out->n = n0;
        out->n_issues = ni0;
        return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory reading %s", name);
    }
    return LLMCAP_OK;
}

llmcap_status llmcap_runs_read_file(const char *path, llmcap_run_format fmt, bool strict, llmcap_runs *out,
                                    llmcap_error *err)
{
    char *buf = NULL;
    size_t len = 0;
    if (!path) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "no file given");
    if (!strcmp(path, "-")) {
        size_t cap = 0;
        for (;;) {
            if (!grow((void **)&buf, &cap, len + 65536, 1)) {
                free(buf);
                return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory reading standard input");
            }
            size_t k = fread(buf + len, 1, cap - len, stdin);
            len += k;
            if (len > ((size_t)64 << 20)) {
                free(buf);
                return llmcap_set_error(err, LLMCAP_ERR_IO, "standard input: more than 64 MiB");
            }
            if (k == 0) break;
        }
        if (ferror(stdin)) {
            free(buf);
            return llmcap_set_error(err, LLMCAP_ERR_IO, "cannot read standard input");
        }
    } else {
        llmcap_status st = llmcap_read_file(path, &buf, &len, err);
        if (st) return st;
    }
    llmcap_status st = llmcap_runs_read_memory(buf, len, strcmp(path, "-") ? path : "(stdin)", fmt, strict, out, err);
    free(buf);
    return st;
}

/* ========================================================================= */
/* Matching names to data/                                                    */
/* ========================================================================= */

#define MAX_TOK 24
typedef struct toks {
    char t[MAX_TOK][24];
    int n;
} toks;

/* words that name a vendor, a product line or an OS rather than a device */
static bool filler_word(const char *w)
{
    static const char *const F[] = {"nvidia", "geforce", "amd", "radeon", "intel", "apple", "tesla", "corporation",
                                    "graphics", "gpu", "darwin", "linux", "windows", "r", "tm", "generation",
                                    "edition", "the", "with", "inc", "co", "ltd"};
    for (size_t i = 0; i < sizeof F / sizeof F[0]; i++)
        if (!strcmp(w, F[i])) return true;
    return false;
}

static void tokenize(const char *s, toks *t, bool keep_filler)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        if (!isalnum(*p) || *p >= 0x80) { p++; continue; }
        char w[24];
        size_t k = 0;
        while (*p && *p < 0x80 && isalnum(*p)) {
            if (k + 1 < sizeof w) w[k++] = (char)tolower(*p);
            p++;
        }
        w[k] = 0;
        if (!keep_filler && filler_word(w)) continue;
        bool dup = false;
        for (int i = 0; i < t->n; i++)
            if (!strcmp(t->t[i], w)) dup = true;
        if (!dup && t->n < MAX_TOK) scopy(t->t[t->n++], sizeof t->t[0], w);
    }
}

static bool tok_has(const toks *t, const char *w)
{
    for (int i = 0; i < t->n; i++)
        if (!strcmp(t->t[i], w)) return true;
    return false;
}

/* "24gb", "80gb": a memory size, which names a variant only when the entry has one */
static bool size_word(const char *w)
{
    size_t n = strlen(w);
    if (n < 3 || strcmp(w + n - 2, "gb")) return false;
    for (size_t i = 0; i + 2 < n; i++)
        if (!isdigit((unsigned char)w[i])) return false;
    return true;
}

/* Hardware by the words of its name: the entry with every (non-vendor) word of
 * the query and the fewest other words; ties are ambiguous (names in amb). */
static const llmcap_hardware *hw_by_words(const llmcap_db *db, const char *name, char *amb, size_t an)
{
    toks q = {0};
    tokenize(name, &q, false);
    /* a device is named by a model number ("4090", "H200", "M2"): without one
     * ("AMD EPYC", "Xeon Processor") the words name a family, not a device */
    bool numbered = false;
    for (int k = 0; k < q.n; k++)
        if (!size_word(q.t[k]) && strpbrk(q.t[k], "0123456789")) numbered = true;
    if (!numbered) return NULL;
    const llmcap_hardware *best = NULL;
    int best_extra = 1 << 30, ties = 0;
    amb[0] = 0;
    for (size_t i = 0; i < llmcap_db_n_hardware(db); i++) {
        const llmcap_hardware *h = llmcap_db_hardware_at(db, i);
        toks e = {0};
        tokenize(h->id, &e, false);
        tokenize(h->name, &e, false);
        bool e_sized = false;
        for (int k = 0; k < e.n; k++)
            if (size_word(e.t[k])) e_sized = true;
        bool ok = true;
        for (int k = 0; k < q.n && ok; k++) {
            if (size_word(q.t[k]) && !e_sized) continue;
            if (!tok_has(&e, q.t[k])) ok = false;
        }
        if (!ok) continue;
        int extra = 0;
        for (int k = 0; k < e.n; k++)
            if (!tok_has(&q, e.t[k])) extra++;
        if (extra < best_extra) {
            best = h;
            best_extra = extra;
            ties = 0;
            scopy(amb, an, h->id);
        } else if (extra == best_extra) {
            ties++;
            size_t m = strlen(amb);
            snprintf(amb + m, an - m, ", %s", h->id);
        }
    }
    if (ties) return NULL;
    amb[0] = 0;
    return best;
}

/* A CPU by its memory: "... DDR5-6400" -> the CPU platform with ddr5 and 6400 */
static const llmcap_hardware *hw_by_memory(const llmcap_db *db, const char *name)
{
    toks q = {0};
    tokenize(name, &q, true);
    for (int k = 0; k + 1 < q.n; k++) {
        if (strncmp(q.t[k], "ddr", 3) || !isdigit((unsigned char)q.t[k + 1][0])) continue;
        const llmcap_hardware *found = NULL;
        int count = 0;
        for (size_t i = 0; i < llmcap_db_n_hardware(db); i++) {
            const llmcap_hardware *h = llmcap_db_hardware_at(db, i);
            if (h->kind != LLMCAP_HW_CPU) continue;
            toks e = {0};
            tokenize(h->id, &e, true);
            if (tok_has(&e, q.t[k]) && tok_has(&e, q.t[k + 1])) { found = h; count++; }
        }
        if (count == 1) return found;
    }
    return NULL;
}

/* Split "NAME * N", "NAME x N", "N x NAME", "Nx NAME" and "A, A, A" into the
 * name and the count (1 when none). */
static uint32_t split_gpu_count(const char *in, char *name, size_t n)
{
    char b[160];
    scopy(b, sizeof b, in);
    char *s = trim(b);
    /* trailing " * N" / " x N" / " X N" / " × N" */
    size_t L = strlen(s);
    size_t i = L;
    while (i > 0 && isdigit((unsigned char)s[i - 1])) i--;
    if (i < L && i > 0) {
        size_t j = i;
        while (j > 0 && s[j - 1] == ' ') j--;
        const char *sep = NULL;
        size_t sl = 0;
        if (j >= 1 && (s[j - 1] == '*' || s[j - 1] == 'x' || s[j - 1] == 'X')) { sep = s + j - 1; sl = 1; }
        else if (j >= 2 && !strncmp(s + j - 2, "\xC3\x97", 2)) { sep = s + j - 2; sl = 2; } /* U+00D7 */
        if (sep && (sep == s || sep[-1] == ' ' || sl == 2)) {
            long c = strtol(s + i, NULL, 10);
            if (c >= 1 && c <= 1024) {
                b[sep - b] = 0;
                scopy(name, n, trim(b));
                return (uint32_t)c;
            }
        }
    }
    /* leading "N x " / "Nx " / "N * " / "N× " */
    {
        char *e;
        long c = strtol(s, &e, 10);
        if (e != s && c >= 1 && c <= 1024) {
            while (*e == ' ') e++;
            if ((*e == 'x' || *e == 'X' || *e == '*') && e[1] == ' ') { scopy(name, n, trim(e + 1)); return (uint32_t)c; }
            if (!strncmp(e, "\xC3\x97", 2)) { scopy(name, n, trim(e + 2)); return (uint32_t)c; }
        }
    }
    /* "A, A" (llama-bench gpu_info of several identical GPUs) */
    if (strchr(s, ',')) {
        char first[160] = "";
        uint32_t cnt = 0;
        bool same = true;
        char tmp[160];
        scopy(tmp, sizeof tmp, s);
        for (char *tok = tmp; tok;) {
            char *c = strchr(tok, ',');
            if (c) *c = 0;
            char *t = trim(tok);
            if (!cnt) scopy(first, sizeof first, t);
            else if (strcasecmp(first, t)) same = false;
            cnt++;
            tok = c ? c + 1 : NULL;
        }
        if (same && cnt > 1) { scopy(name, n, first); return cnt; }
    }
    scopy(name, n, s);
    return 1;
}

/* Hardware for a name (no count): id/alias, then words, then "CPU + GPU" by its parts, then memory. */
static const llmcap_hardware *hw_search(const llmcap_db *db, const char *name, char *how, size_t hn, char *amb,
                                        size_t an)
{
    how[0] = 0;
    amb[0] = 0;
    const llmcap_hardware *h = llmcap_db_find_hardware(db, name);
    if (h) return h;
    if ((h = hw_by_words(db, name, amb, an))) {
        snprintf(how, hn, "hardware '%.150s' -> %s by name", name, h->id);
        return h;
    }
    if (amb[0]) return NULL;
    if (strchr(name, '+')) {
        char b[160];
        scopy(b, sizeof b, name);
        /* try the parts from the last: "13th Gen Intel Core i9-13900K + NVIDIA GeForce RTX 3090 Ti" */
        for (char *plus = strrchr(b, '+'); plus; plus = strrchr(b, '+')) {
            char *part = trim(plus + 1);
            const llmcap_hardware *p = llmcap_db_find_hardware(db, part);
            char a2[160];
            if (!p) p = hw_by_words(db, part, a2, sizeof a2);
            if (p && p->kind != LLMCAP_HW_CPU) {
                snprintf(how, hn, "hardware '%.150s' -> %s by its GPU", name, p->id);
                return p;
            }
            *plus = 0;
        }
    }
    if ((h = hw_by_memory(db, name))) {
        snprintf(how, hn, "hardware '%.150s' -> %s by its memory", name, h->id);
        return h;
    }
    return NULL;
}

/* ---- models ---- */

static const char *const MODEL_SUFFIXES[] = {"gguf", "qat", "it", "instruct", "chat", "base", "hf"};

/* drop a trailing "-SUFFIX" / "_SUFFIX" / ".SUFFIX" that is a quant or a packaging word; false when none */
static bool strip_suffix(char *s)
{
    char *cut = NULL;
    for (char *p = s; *p; p++)
        if (*p == '-' || *p == '.' || *p == '_') cut = p;
    /* quant names hold '_' ("Q4_K_M"): try the longest tail that is a quant first */
    for (char *p = s; *p; p++) {
        if (*p != '-' && *p != '.') continue;
        if (gguf_ftype_from_name(p + 1) >= 0 || gguf_type_from_name(p + 1) >= 0) { *p = 0; return true; }
    }
    if (!cut || cut == s) return false;
    for (size_t i = 0; i < sizeof MODEL_SUFFIXES / sizeof MODEL_SUFFIXES[0]; i++)
        if (!strcasecmp(cut + 1, MODEL_SUFFIXES[i])) { *cut = 0; return true; }
    return false;
}

/* Try name, its base after '/', and both with suffixes stripped. */
static const llmcap_model_spec *model_by_name(const llmcap_db *db, const char *name)
{
    char b[160];
    scopy(b, sizeof b, name);
    char *s = trim(b);
    if (!*s) return NULL;
    const llmcap_model_spec *m = llmcap_db_find_model(db, s);
    if (m) return m;
    size_t L = strlen(s);
    if (L > 5 && !strcasecmp(s + L - 5, ".gguf")) s[L - 5] = 0;
    char *slash = strrchr(s, '/');
    char *t = slash ? slash + 1 : s;
    for (int round = 0; round < 8; round++) {
        if ((m = llmcap_db_find_model(db, s)) || (m = llmcap_db_find_model(db, t))) return m;
        if (slash && !strip_suffix(t)) break;
        if (!slash && !strip_suffix(s)) break;
    }
    return NULL;
}

/* By model_type: architecture plus parameter count (n_params when known, else
 * the size class), ties broken by the words shared with the file name. */
static const llmcap_model_spec *model_by_type(const llmcap_db *db, const char *mt, double n_params, const char *hint_name,
                                              char *amb, size_t an, char *how, size_t hn)
{
    char arch[32], q[32];
    double sc;
    bool precise;
    amb[0] = 0;
    if (!split_model_type(mt, arch, sizeof arch, &sc, &precise, q, sizeof q)) return NULL;
    const double want = n_params > 0 ? n_params : sc;
    const double tol = n_params > 0 || precise ? 0.03 : 0.12;
    toks fn = {0};
    tokenize(hint_name, &fn, false);
    const llmcap_model_spec *best = NULL;
    double best_score = 1e300;
    int ties = 0;
    for (size_t i = 0; i < llmcap_db_n_models(db); i++) {
        const llmcap_model_spec *s = llmcap_db_model_at(db, i);
        if (strcasecmp(s->arch, arch) || !(s->params_total > 0)) continue;
        const double rel = fabs(s->params_total - want) / want;
        if (rel > tol) continue;
        toks e = {0};
        tokenize(s->id, &e, false);
        int shared = 0;
        for (int k = 0; k < e.n; k++)
            if (tok_has(&fn, e.t[k])) shared++;
        /* closeness in 1% steps first, then shared words */
        const double score = floor(rel * 100.0) - 0.01 * shared;
        if (score < best_score - 1e-9) {
            best = s;
            best_score = score;
            ties = 0;
            scopy(amb, an, s->id);
        } else if (fabs(score - best_score) <= 1e-9) {
            ties++;
            size_t m = strlen(amb);
            snprintf(amb + m, an - m, ", %s", s->id);
        }
    }
    if (!best || ties) return NULL;
    amb[0] = 0;
    snprintf(how, hn, "model '%.150s' -> %s by architecture and %.2f B parameters", mt, best->id, want / 1e9);
    return best;
}

static void append_note(char *note, size_t n, const char *text)
{
    if (!text || !*text) return;
    size_t m = strlen(note);
    snprintf(note + m, n - m, "%s%s", m ? "; " : "", text);
}

/* " (nearest: a, b)" from the db's lookup message, or "" */
static void nearest_hint(const llmcap_db *db, const char *name, bool hw, char *out, size_t n)
{
    llmcap_error e = {0};
    out[0] = 0;
    if (hw ? (const void *)llmcap_db_lookup_hardware(db, name, &e) : (const void *)llmcap_db_lookup_model(db, name, &e))
        return;
    const char *d = strstr(e.msg, "did you mean ");
    if (!d) return;
    char list[160];
    scopy(list, sizeof list, d + 13);
    size_t k = strlen(list);
    if (k && list[k - 1] == '?') list[k - 1] = 0;
    snprintf(out, n, " (nearest: %s)", list);
}

/* The bandwidth a CPU platform is built from: the machine's median when the
 * reader set one, else the run's own. */
static double run_cpu_bw(const llmcap_run *run)
{
    return run->machine_bw_gbps > 0 ? run->machine_bw_gbps : run->mem_bw_gbps;
}

/* A CPU platform from an llmcap-engine run's measured bandwidth (STREAM triad). */
static void synth_cpu(const llmcap_run *run, llmcap_hardware *h)
{
    memset(h, 0, sizeof *h);
    scopy(h->id, sizeof h->id, "measured-cpu");
    scopy(h->vendor, sizeof h->vendor, "generic");
    snprintf(h->name, sizeof h->name, "%.100s (%.1f GB/s measured)", run->hardware, run_cpu_bw(run));
    h->kind = LLMCAP_HW_CPU;
    h->bandwidth_gbps = run_cpu_bw(run);
}

llmcap_status llmcap_run_match_db(const llmcap_db *db, const llmcap_run *run, const llmcap_run_hints *hints,
                                  llmcap_run_match *out, llmcap_error *err)
{
    static const llmcap_run_hints NO_HINTS = {0};
    if (!db || !run || !out) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "llmcap_run_match_db: NULL argument");
    if (!hints) hints = &NO_HINTS;
    memset(out, 0, sizeof *out);
    out->ftype = out->tensor_type = -1;
    const bool is_engine = !strcmp(run->engine, "llmcap-engine");
    char how[512] = "", amb[200] = "";

    /* backend */
    const char *backend = run->backend[0] ? run->backend : hints->backend ? hints->backend : "";
    if (strcasestr_(backend, "WASM") || strcasestr_(run->engine, "WASM"))
        return llmcap_set_error(err, LLMCAP_ERR_UNSUPPORTED,
                                "backend not modelled: '%s' (%s) is llama.cpp compiled to WebAssembly in a browser; the "
                                "estimator models native builds",
                                backend, run->engine);

    /* hardware */
    llmcap_hardware hw;
    char hwname[160];
    uint32_t n_gpu = split_gpu_count(run->hardware, hwname, sizeof hwname);
    const llmcap_hardware *h = NULL;
    if (hwname[0]) {
        h = hw_search(db, hwname, how, sizeof how, amb, sizeof amb);
        if (h) append_note(out->note, sizeof out->note, how);
    }
    if (!h && hints->hardware && hints->hardware[0]) {
        llmcap_error e2 = {0};
        h = llmcap_db_lookup_hardware(db, hints->hardware, &e2);
        if (!h) return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "hardware not in data/: %s (--hardware)", e2.msg);
        if (hwname[0]) {
            snprintf(how, sizeof how, "hardware '%.150s' not in data/: %s from --hardware", hwname, h->id);
            append_note(out->note, sizeof out->note, how);
        }
    }
    if (h) {
        hw = *h;
        out->hw = h;
    } else if (is_engine && run->mem_bw_gbps > 0 && !backend_is_gpu(backend) && hwname[0]) {
        synth_cpu(run, &hw);
        out->hw_synthesized = true;
        snprintf(how, sizeof how, "CPU '%.150s' not in data/: a CPU platform of %.1f GB/s (%s)", hwname,
                 run_cpu_bw(run), run->machine_bw_gbps > 0 ? "the median triad of this machine's runs in the file"
                                                           : "the run's measured triad");
        append_note(out->note, sizeof out->note, how);
    } else if (amb[0]) {
        return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "hardware ambiguous: '%s' could be %s (give --hardware)",
                                hwname, amb);
    } else if (!hwname[0]) {
        return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "hardware not stated: the file names no hardware (give --hardware)");
    } else {
        char near[200];
        nearest_hint(db, hwname, true, near, sizeof near);
        return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "hardware not in data/: '%.150s'%s (--hardware)", hwname, near);
    }
    if (n_gpu > LLMCAP_MAX_GPUS)
        return llmcap_set_error(err, LLMCAP_ERR_UNSUPPORTED, "too many GPUs: %u (at most %d)", n_gpu, LLMCAP_MAX_GPUS);
    if (hw.kind == LLMCAP_HW_CPU && n_gpu > 1) n_gpu = 1;
    out->n_gpu = n_gpu;

    /* model */
    const llmcap_model_spec *m = NULL;
    if (run->model[0]) {
        char whole[160], outer[160] = "", inner[160] = "";
        scopy(whole, sizeof whole, run->model);
        const char *par = strstr(whole, " (");
        if (par) {
            snprintf(outer, sizeof outer, "%.*s", (int)(par - whole), whole);
            scopy(inner, sizeof inner, par + 2);
            char *cl = strrchr(inner, ')');
            if (cl) *cl = 0;
        }
        m = model_by_name(db, whole);
        if (!m && outer[0]) m = model_by_name(db, outer);
        if (!m && inner[0]) m = model_by_name(db, inner);
        if (m && !llmcap_db_find_model(db, whole) && !(outer[0] && llmcap_db_find_model(db, outer))) {
            snprintf(how, sizeof how, "model '%.150s' -> %s by name", run->model, m->id);
            append_note(out->note, sizeof out->note, how);
        }
        amb[0] = 0;
        /* the model_type may be the part in parentheses ("X-GGUF (qwen2 7B Q8_0)") or outside
         * them ("llama 7B mostly Q4_0 (models/7B/ggml-model-q4_0.gguf)") */
        const char *tries[3] = {inner, outer, whole};
        for (int i = 0; i < 3 && !m && !amb[0]; i++) {
            if (!tries[i][0]) continue;
            m = model_by_type(db, tries[i], run->n_params, outer[0] ? outer : whole, amb, sizeof amb, how, sizeof how);
            if (m) append_note(out->note, sizeof out->note, how);
        }
    }
    if (!m && hints->model && hints->model[0]) {
        llmcap_error e2 = {0};
        m = llmcap_db_lookup_model(db, hints->model, &e2);
        if (!m) return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "model not in data/: %s (--model)", e2.msg);
        if (run->model[0]) {
            snprintf(how, sizeof how, "model '%.150s' not in data/: %s from --model", run->model, m->id);
            append_note(out->note, sizeof out->note, how);
        }
    }
    if (!m) {
        if (amb[0])
            return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "model ambiguous: '%s' could be %s (give --model)",
                                    run->model, amb);
        if (!run->model[0])
            return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "model not stated: the file names no model (give --model)");
        char near[200];
        nearest_hint(db, run->model, false, near, sizeof near);
        return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "model not in data/: '%.150s'%s (--model)", run->model, near);
    }
    out->model = m;

    /* quant */
    const char *q = run->quant[0] ? run->quant : hints->quant ? hints->quant : "";
    if (!q[0])
        return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "quant not stated: the run names no file type (give --quant)");
    char qn[40];
    normalise_quant(q, qn, sizeof qn);
    int ftype = -1, ttype = -1;
    {
        llmcap_error e2 = {0};
        if (!qn[0] || llmcap_parse_quant(qn, &ftype, &ttype, &e2))
            return llmcap_set_error(err, LLMCAP_ERR_NOT_FOUND, "quant unknown: '%s' is not a llama.cpp file type", q);
    }
    if (is_engine && ftype >= 0) {
        /* mkmodel writes every matrix in the named type (a pure file); a
         * llama-quantize file of the same name mixes types: the file's size tells */
        const int base = gguf_ftype_get(ftype) ? (int)gguf_ftype_get(ftype)->base_type : -1;
        bool pure = base >= 0;
        if (pure && run->model_size_bytes > 0) {
            llmcap_model *mm = NULL;
            const qtable *qa = NULL, *qb = NULL;
            if (!llmcap_model_from_spec(m, &mm, NULL) && !llmcap_model_qtable(mm, ftype, -1, false, &qa, NULL) &&
                !llmcap_model_qtable(mm, -1, base, false, &qb, NULL))
                pure = fabs(qb->total_bytes - run->model_size_bytes) <= fabs(qa->total_bytes - run->model_size_bytes);
            llmcap_model_free(mm);
        }
        if (pure) {
            ttype = base;
            ftype = -1;
        }
    }
    out->ftype = ftype;
    out->tensor_type = ttype;

    /* the test */
    llmcap_params p = llmcap_params_default();
    p.gpu = hw;
    p.n_gpu = n_gpu;
    p.ftype = ftype;
    p.tensor_type = ttype;
    p.override_types = true;
    p.n_prompt = run->test == LLMCAP_TEST_TG ? 0 : run->n_prompt;
    p.n_gen = run->test == LLMCAP_TEST_PP ? 0 : run->n_gen;
    p.depth = run->n_depth;
    p.n_seq = run->n_seq ? run->n_seq : 1;
    p.n_batch = run->n_batch ? run->n_batch : 2048;  /* llama-bench defaults: -b 2048 -ub 512 */
    p.n_ubatch = run->n_ubatch ? run->n_ubatch : 512;
    if (p.n_ubatch > p.n_batch) {
        if (run->n_batch) p.n_ubatch = p.n_batch; /* llama.cpp: n_ubatch = min(n_ubatch, n_batch) */
        else p.n_batch = p.n_ubatch;
    }
    p.n_threads = run->n_threads > 0 ? (uint32_t)run->n_threads : 0;
    /* llmcap-engine on a GPU runs every layer there (its n_gpu_layers field is n_layer) */
    p.n_gpu_layers = is_engine && backend_is_gpu(backend) ? -1 : run->n_gpu_layers < 0 ? -1 : run->n_gpu_layers;
    p.flash_attn = run->flash_attn == 1;
    p.type_k = run->type_k >= 0 ? run->type_k : GGUF_TYPE_F16;
    p.type_v = run->type_v >= 0 ? run->type_v : GGUF_TYPE_F16;
    /* llama-bench's context: n_prompt + n_gen + n_depth per sequence */
    uint64_t ctx = (uint64_t)p.n_seq * ((uint64_t)p.depth + p.n_prompt + p.n_gen);
    if (ctx < 256) ctx = 256;
    if (ctx > LLMCAP_NCTX_MAX) ctx = LLMCAP_NCTX_MAX;
    p.n_ctx = (uint32_t)ctx;
    if (run->test == LLMCAP_TEST_PP && p.n_seq > 1)
        append_note(out->note, sizeof out->note, "batched prefill predicted as n_seq prompts one after another");
    out->params = p;
    return LLMCAP_OK;
}

/* ========================================================================= */
/* Prediction                                                                 */
/* ========================================================================= */

const char *llmcap_run_profile_engine(const llmcap_run *run, const llmcap_run_match *match,
                                      const llmcap_profile *profile, char *buf, size_t n)
{
    if (!n) return buf;
    buf[0] = 0;
    if (!run || !match || strcmp(run->engine, "llmcap-engine") || !run->backend[0]) return buf;
    char sec[48];
    int k = snprintf(sec, sizeof sec, "llmcap-engine/");
    for (const char *c = run->backend; *c && (size_t)k + 1 < sizeof sec; c++) sec[k++] = (char)tolower((unsigned char)*c);
    sec[k] = 0;
    const llmcap_profile *pr = profile ? profile : llmcap_profile_default();
    if (llmcap_profile_class(pr, sec, match->params.gpu.kind)) scopy(buf, n, sec);
    return buf;
}

llmcap_status llmcap_run_predict_model(llmcap_model *m, const llmcap_run_match *match, const llmcap_run *run,
                                       const llmcap_profile *profile, double *pred_tok_s, llmcap_error *err)
{
    if (!m || !match || !run || !pred_tok_s)
        return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "llmcap_run_predict: NULL argument");
    llmcap_params p = match->params;
    p.profile = profile;
    if (!p.engine[0]) llmcap_run_profile_engine(run, match, profile, p.engine, sizeof p.engine);
    llmcap_result r;
    llmcap_status st = llmcap_estimate(m, &p, &r, err);
    if (st) return st;
    double v = 0;
    switch (run->test) {
    case LLMCAP_TEST_PP: v = r.speed.prefill_tok_s; break;
    case LLMCAP_TEST_TG: v = p.n_seq > 1 ? r.speed.decode_agg_tok_s : r.speed.decode_tok_s; break;
    case LLMCAP_TEST_PG: {
        /* llama-bench ppN+tgM: (N + M) tokens over the prompt and M decode steps after it */
        const double ng = p.n_gen, np = p.n_prompt;
        const double t_pre = r.speed.ttft_ms * 1e-3;
        const double t_tg = ng > 1 ? (r.speed.total_ms - r.speed.ttft_ms) * 1e-3 / (ng - 1)
                                   : r.speed.decode_ms_per_tok * 1e-3;
        v = (np + ng) / (t_pre + ng * t_tg);
        break;
    }
    default: return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "run test %d is out of range", (int)run->test);
    }
    if (!(v > 0) || !isfinite(v))
        return llmcap_set_error(err, LLMCAP_ERR_UNSUPPORTED, "the estimate gave no speed for this test");
    *pred_tok_s = v;
    return LLMCAP_OK;
}

llmcap_status llmcap_run_predict(const llmcap_run_match *match, const llmcap_run *run, const llmcap_profile *profile,
                                 double *pred_tok_s, llmcap_error *err)
{
    if (!match || !match->model) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "llmcap_run_predict: no model matched");
    llmcap_model *m = NULL;
    llmcap_status st = llmcap_model_from_spec(match->model, &m, err);
    if (st) return st;
    st = llmcap_run_predict_model(m, match, run, profile, pred_tok_s, err);
    llmcap_model_free(m);
    return st;
}

/* ========================================================================= */
/* Error statistics                                                           */
/* ========================================================================= */

llmcap_status llmcap_err_stats_compute(const double *err_pct, size_t n, llmcap_err_stats *out, llmcap_error *err)
{
    if (!out) return llmcap_set_error(err, LLMCAP_ERR_INVALID_ARG, "llmcap_err_stats_compute: NULL argument");
    out->n = n;
    out->mape_pct = out->median_ape_pct = out->bias_pct = out->max_ape_pct = NAN;
    if (!n) return LLMCAP_OK;
    double *a = malloc(n * sizeof *a);
    if (!a) return llmcap_set_error(err, LLMCAP_ERR_NOMEM, "out of memory for error statistics");
    for (size_t i = 0; i < n; i++) a[i] = fabs(err_pct[i]);
    gsl_sort(a, 1, n);
    out->mape_pct = gsl_stats_mean(a, 1, n);
    out->median_ape_pct = gsl_stats_median_from_sorted_data(a, 1, n);
    out->max_ape_pct = a[n - 1];
    out->bias_pct = gsl_stats_mean(err_pct, 1, n);
    free(a);
    return LLMCAP_OK;
}
